#!/usr/bin/env bash
# Installs everything the test suite drives for real: nginx, Debian's Chromium, a Java runtime
# for the Nu Html Checker, the Python package with exactly the versions in uv.lock, and the
# pinned npm checkers. Safe to run again: each step does nothing when its result is already in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/python-env.sh
APT_PACKAGES=(nginx openssl chromium fonts-dejavu-core)
POLICY_RC=/usr/sbin/policy-rc.d

log() {
    printf 'install-test-deps: %s\n' "$*" >&2
}

missing_apt_packages() {
    local package status
    for package in "$@"; do
        status="$(dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null || true)"
        if [[ "$status" != installed ]]; then
            printf '%s\n' "$package"
        fi
    done
}

# Runs a command with its output kept aside, shown only if the command fails.
quietly() {
    local output status=0
    output="$(mktemp)"
    "$@" >"$output" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
        cat "$output" >&2
    fi
    rm -f "$output"
    return "$status"
}

# A policy-rc.d that answers 101 keeps apt from starting services it installs; the tests start
# their own nginx on loopback ports and a system nginx on port 80 would only be in the way.
# An existing policy file (as in container images) is left untouched.
install_without_starting_services() {
    local created_policy=""
    if [[ ! -e "$POLICY_RC" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
        chmod 755 "$POLICY_RC"
        created_policy="$POLICY_RC"
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive quietly apt-get install -y -q --no-install-recommends "$@" || status=$?
    if [[ -n "$created_policy" ]]; then
        rm -f "$created_policy"
    fi
    return "$status"
}

# Should the service manager have started the freshly installed nginx regardless of the
# policy, stop it so it does not hold port 80 beside the tests' own servers.
stop_debian_nginx_service() {
    if [[ -d /run/systemd/system ]] && systemctl is-active --quiet nginx 2>/dev/null; then
        systemctl stop nginx
    elif [[ -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
        nginx -s quit
    fi
}

install_apt_packages() {
    local wanted=("${APT_PACKAGES[@]}")
    if ! command -v java >/dev/null 2>&1; then
        wanted+=(default-jre-headless)
    fi
    local missing
    mapfile -t missing < <(missing_apt_packages "${wanted[@]}")
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "Debian packages already installed"
        return
    fi
    if [[ $EUID -ne 0 ]]; then
        log "missing Debian packages: ${missing[*]}; run this script as root to install them"
        exit 1
    fi
    log "installing Debian packages: ${missing[*]}"
    # Slim Debian images drop the man directories, and the Java runtime's post-install step
    # fails without this one.
    mkdir -p /usr/share/man/man1
    quietly apt-get update
    install_without_starting_services "${missing[@]}"
    if [[ " ${missing[*]} " == *" nginx "* ]]; then
        stop_debian_nginx_service
    fi
}

# uv itself is installed at the version the lock pins for the test extra, so the tool that
# reads the lock is the one that wrote it.
install_uv() {
    local wanted installed=""
    wanted="$("$PYTHON" scripts/locked_versions.py uv)"
    if [[ -x "$TEST_ENV/bin/uv" ]]; then
        installed="$("$TEST_ENV/bin/uv" --version | cut -d' ' -f2)"
    fi
    if [[ "$installed" == "$wanted" ]]; then
        return
    fi
    log "installing uv $wanted"
    quietly "$PYTHON" -m pip install --disable-pip-version-check --no-input --root-user-action=ignore "uv==$wanted"
}

# Exactly the versions of uv.lock, checked against its hashes; --locked refuses a lock that no
# longer matches pyproject.toml instead of quietly resolving anew. Packages the lock does not
# know (pip itself) are left alone.
install_python_packages() {
    if [[ ! -x "$PYTHON" ]]; then
        log "creating the virtual environment $TEST_ENV"
        python3 -m venv "$TEST_ENV"
    fi
    install_uv
    if [[ "${CHATMAIL_SITE_UNLOCKED:-}" == 1 ]]; then
        # The canary's run: the newest releases that pyproject.toml allows, not the lock.
        log "installing the newest releases within pyproject.toml's ranges into $TEST_ENV"
        quietly "$TEST_ENV/bin/uv" pip install --python "$PYTHON" --upgrade --editable '.[test]'
        return
    fi
    log "installing the Python packages of uv.lock into $TEST_ENV"
    quietly "$TEST_ENV/bin/uv" sync --locked --extra test --inexact
}

# npm ci wipes node_modules, which would pull files from under a test run that is already
# using them, so it runs only when the lock file changed since the last install.
install_npm_packages() {
    local stamp=node_modules/.installed-package-lock.sha256
    local lock_hash
    lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" ]]; then
        log "npm packages already installed"
        return
    fi
    log "installing npm packages from package-lock.json"
    # Install scripts stay off: vnu-jar's would fetch a Java runtime of its own, while the
    # checker runs on the Debian one installed above.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    printf '%s\n' "$lock_hash" >"$stamp"
}

check_installed_tools() {
    local missing=()
    [[ -x /usr/bin/chromium ]] || missing+=("/usr/bin/chromium")
    command -v java >/dev/null 2>&1 || missing+=("java")
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=("nginx")
    [[ -f node_modules/vnu-jar/build/dist/vnu.jar ]] || missing+=("node_modules/vnu-jar/build/dist/vnu.jar")
    [[ -f node_modules/axe-core/axe.min.js ]] || missing+=("node_modules/axe-core/axe.min.js")
    "$PYTHON" -c 'import playwright.sync_api' 2>/dev/null || missing+=("Playwright for Python")
    if [[ ${#missing[@]} -ne 0 ]]; then
        log "still missing after installing: ${missing[*]}"
        exit 1
    fi
}

install_apt_packages
install_python_packages
install_npm_packages
check_installed_tools
log "test dependencies ready"

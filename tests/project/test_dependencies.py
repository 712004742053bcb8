"""The locked test environment, the canary's drift report, and the lowest supported versions.

The tests and CI run with exactly the versions of uv.lock; people who install the tool get
any versions within pyproject.toml's ranges, whose lower bounds are tried here for real: a
separate environment with the lowest version of every dependency builds and checks the site.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import REPO_ROOT
from tests.support.sites import copy_bundled_site

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import locked_versions

LOCK = REPO_ROOT / "uv.lock"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The canary runs the suite against the newest releases on purpose; only there may they differ.
UNLOCKED = os.environ.get("CHATMAIL_SITE_UNLOCKED") == "1"


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.fail("uv is missing: run `bash scripts/install-test-deps.sh`")
    return found


def lower_bound(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
    assert match, f"{requirement}: a runtime dependency needs a tested lower bound (name>=version)"
    return locked_versions.normalized(match.group(1)), match.group(2)


# ---- the lock --------------------------------------------------------------------------


def test_the_lock_matches_pyproject() -> None:
    result = subprocess.run(
        [uv(), "lock", "--check", "--offline", "--project", str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_lock_check_notices_a_changed_dependency(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '"tqdm>=4.66"' in text
    pyproject.write_text(text.replace('"tqdm>=4.66"', '"tqdm>=4.67"'), encoding="utf-8")
    # Online: uv resolves the changed requirement, then refuses to write the lock.
    result = subprocess.run(
        [uv(), "lock", "--check", "--project", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "needs to be updated" in result.stderr


@pytest.mark.skipif(UNLOCKED, reason="the canary runs against the newest releases, not the lock")
def test_the_test_environment_has_exactly_the_locked_versions() -> None:
    locked = locked_versions.locked_versions(LOCK.read_text(encoding="utf-8"))
    installed = locked_versions.installed_versions()
    # Other packages a contributor keeps in their environment are theirs to keep.
    differing = {name: have for name, have in installed.items() if locked.get(name, have) != have}
    assert differing == {}


def test_the_install_script_brings_the_locked_uv() -> None:
    locked = locked_versions.locked_versions(LOCK.read_text(encoding="utf-8"))["uv"]
    version = subprocess.run([uv(), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.split()[1] == locked


def test_every_runtime_dependency_has_a_lower_bound_and_no_upper_one() -> None:
    for requirement in PYPROJECT["project"]["dependencies"]:
        lower_bound(requirement)  # fails on pins, upper bounds and missing bounds


# ---- the drift report ------------------------------------------------------------------

LOCK_TEXT = """
version = 1
[[package]]
name = "Babel"
version = "2.19.0"
source = { registry = "https://example.invalid/simple" }
[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://example.invalid/simple" }
[[package]]
name = "chatmail-site"
version = "0.1.0"
source = { editable = "." }
"""


def test_drift_names_each_package_whose_version_differs() -> None:
    locked = locked_versions.locked_versions(LOCK_TEXT)
    installed = {"babel": "2.20.0", "chatmail-site": "0.1.0", "pip": "25.0", "newdep": "1.0"}
    ignored = locked_versions.local_packages(LOCK_TEXT)
    assert locked_versions.drift(locked, installed, ignored) == [
        "babel: locked 2.19.0, installed 2.20.0",
        "newdep: 1.0 installed, not in the lock",
    ]
    assert locked_versions.drift(locked, {"babel": "2.19.0"}, ignored) == []


def test_the_drift_command_exits_1_and_names_the_packages(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text(LOCK_TEXT.replace('"2.19.0"', '"0.0.1"'), encoding="utf-8")
    script = REPO_ROOT / "scripts" / "locked_versions.py"
    result = subprocess.run(
        [sys.executable, str(script), "--lock", str(lock), "--drift"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    installed_babel = locked_versions.installed_versions()["babel"]
    assert f"babel: locked 0.0.1, installed {installed_babel}" in result.stdout.splitlines()
    version = subprocess.run(
        [sys.executable, str(script), "--lock", str(lock), "colorama"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "0.4.6"


# ---- the lowest supported versions -----------------------------------------------------


@pytest.fixture(scope="session")
def lowest_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the lowest version pyproject.toml allows of every dependency."""
    env = tmp_path_factory.mktemp("lowest") / "venv"
    subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(env)], check=True)
    installed = subprocess.run(
        [
            uv(),
            "pip",
            "install",
            "-q",
            "--python",
            str(env / "bin" / "python"),
            "--resolution",
            "lowest-direct",
            # Editable, as the README installs it: the bundled theme comes from the checkout.
            "--editable",
            str(REPO_ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return env


def run_lowest(env: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env / "bin" / "chatmail-site"), *args], capture_output=True, text=True, check=False
    )


def test_the_lowest_environment_has_the_lower_bounds(lowest_env: Path) -> None:
    listed = subprocess.run(
        [
            str(lowest_env / "bin" / "python"),
            "-c",
            "from importlib.metadata import distributions as d\n"
            "for x in d(): print(f'{x.name}=={x.version}')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    installed = {locked_versions.normalized(line.split("==")[0]): line.split("==")[1] for line in listed}
    for requirement in PYPROJECT["project"]["dependencies"]:
        name, bound = lower_bound(requirement)
        assert installed[name].startswith(bound), (name, installed[name], bound)


def test_the_lowest_versions_build_and_check_the_bundled_site(lowest_env: Path, tmp_path: Path) -> None:
    site = copy_bundled_site(tmp_path / "site")
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("[en,", "[en, es,"), encoding="utf-8")
    for command in (["i18n", "init", "es"], ["build"], ["check"], ["i18n", "check"]):
        result = run_lowest(lowest_env, *command, "--site", str(site))
        assert result.returncode == 0, (command, result.stderr)
    spanish = (site / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in spanish  # the tools' rule, not CLDR's
    relay = run_lowest(
        lowest_env,
        "build",
        "--strict",
        "--site",
        str(REPO_ROOT / "examples" / "relay-site"),
        "--out",
        str(tmp_path / "relay-build"),
    )
    assert relay.returncode == 0, relay.stderr


def test_the_lowest_babel_reports_a_wrong_header_on_its_line(lowest_env: Path, tmp_path: Path) -> None:
    site = copy_bundled_site(tmp_path / "site")
    catalog = site / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    text = catalog.read_text(encoding="utf-8")
    line = text[: text.index('"Plural-Forms:')].count("\n") + 1
    for value, message in (
        ("nplurals=99999999; plural=n;", "nplurals must be a small whole number"),
        ("nplurals=2; plural=(n != 1);", "is not a rule of fr"),
    ):
        catalog.write_text(
            re.sub(r'"Plural-Forms: [^"]*"', f'"Plural-Forms: {value}\\\\n"', text), encoding="utf-8"
        )
        result = run_lowest(lowest_env, "i18n", "check", "--site", str(site))
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert f"locales/fr/LC_MESSAGES/messages.po:{line}: error: " in result.stderr
        assert message in result.stderr

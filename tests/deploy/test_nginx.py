"""The emitted nginx config, checked by running it in a real nginx and by gixy."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from chatmail_site.commands.negotiate import negotiate
from chatmail_site.deploy.nginx import (
    ASSET_CACHE_CONTROL,
    AUTOCONFIG_PATH,
    CONTENT_SECURITY_POLICY,
    HSTS,
    MTA_STS_PATH,
    PERMISSIONS_POLICY,
    STABLE_ASSET_CACHE_CONTROL,
    DeployPlan,
    DeployPlanError,
    config_file_name,
    deploy_readme,
    locations_file_name,
    nginx_config,
    relay_locations,
)
from tests.support.nginx import (
    INSTALL_HINT,
    RunningNginx,
    check_config,
    fastcgi_responder,
    free_port,
    running_nginx,
    self_signed_certificate,
    write_config,
)

pytestmark = pytest.mark.nginx

DOMAIN = "chat.example.org"
ASSET = "assets/app.5d41402a9b.css"
STABLE_ASSET = "assets/logos/chatmail.svg"
# nl has a folder with a 404 page but no home page, so `/` must never send anyone there.
PAGES = {
    "en": frozenset({"index", "chatmail", "404"}),
    "de": frozenset({"index", "chatmail", "404"}),
    "fr": frozenset({"index", "chatmail", "404"}),
    "nl": frozenset({"404"}),
}
HOME_LANGUAGES = ["en", "de", "fr"]
ENGLISH_HOME = {"en": frozenset({"index"})}
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def page_body(language: str, slug: str) -> bytes:
    return f"<!doctype html><title>{language} {slug}</title><p>{language} {slug} page</p>\n".encode()


def write_with_gzip(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, mtime=0))


def page_file(language: str, slug: str) -> str:
    """Where the build writes a page: the home and 404 pages by name, others as folders."""
    if slug in ("index", "404"):
        return f"{language}/{slug}.html"
    return f"{language}/{slug}/index.html"


def make_web_root(root: Path) -> Path:
    for language, slugs in PAGES.items():
        for slug in slugs:
            write_with_gzip(root / page_file(language, slug), page_body(language, slug))
    write_with_gzip(root / ASSET, b"body { color: #222; }\n")
    write_with_gzip(root / STABLE_ASSET, b"<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (root / ".env").write_text("SECRET=dotfile\n")
    (root / "de" / ".secret.html").write_text("SECRET=hidden page\n")
    (root / ".well-known" / "autoconfig" / "mail").mkdir(parents=True)
    (root / AUTOCONFIG_PATH.lstrip("/")).write_text("<clientConfig version='1.1'/>\n")
    (root / MTA_STS_PATH.lstrip("/")).write_text("version: STSv1\nmode: enforce\n")
    return root


def loopback_plan(web_root: Path, **overrides) -> DeployPlan:
    settings = {
        "domain": DOMAIN,
        "languages": ("en", "de", "fr", "nl"),
        "default_language": "en",
        "pages": PAGES,
        "web_root": str(web_root),
        "tls": False,
        "listen_address": "127.0.0.1",
        "listen_port": free_port(),
    }
    return DeployPlan(**(settings | overrides))


@pytest.fixture(scope="module")
def web_root(tmp_path_factory) -> Path:
    return make_web_root(tmp_path_factory.mktemp("webroot"))


@pytest.fixture(scope="module")
def newemail():
    with fastcgi_responder() as responder:
        yield responder


@pytest.fixture(scope="module")
def nginx(web_root, newemail, tmp_path_factory):
    plan = loopback_plan(web_root, newemail_socket=str(newemail.socket_path), autoconfig=True, mta_sts=True)
    with running_nginx(plan, tmp_path_factory.mktemp("nginx")) as server:
        yield server


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.getheader(name) == value, name
    # Repeated add_header blocks must never send a header twice.
    for name in SECURITY_HEADERS:
        assert len(response.headers.get_all(name)) == 1, name
    assert response.getheader("Strict-Transport-Security") is None, "HSTS only with TLS"
    assert response.getheader("Server") == "nginx", "server_tokens off hides the version"


# --- language negotiation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("de,en;q=0.5", "de"),
        ("xx", "en"),
        ("fr;q=0, de", "de"),
        (None, "en"),
        ("nl", "en"),
        ("nl, fr;q=0.3", "fr"),
        ("DE-at", "de"),
        ("de_DE", "de"),
        # Browsers list their languages best first: the first one the site has is chosen.
        ("fr;q=0.4, de;q=0.8", "fr"),
        ("fr;q=0.45, de;q=0.4", "fr"),
        ("fr;q=0.05, de;q=0.009", "fr"),
        ("fr, de", "fr"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("de;q=0.5, *", "de"),
        ("*, de", "en"),
        ("de;q=0", "en"),
        ("english, de;q=0.1", "de"),
        ("fr ; q = 0.7 , de ; q = 1.0", "fr"),
        ("de ; q = 0 , fr ; q = 0.5", "fr"),
        ("de;q=0.000, fr;q=0.001", "fr"),
    ],
)
def test_root_redirects_to_the_preferred_language(nginx: RunningNginx, accept_language, language):
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    response, _ = nginx.request("GET", "/", headers)
    assert response.status == 302
    assert response.getheader("Location") == f"/{language}/"
    assert response.getheader("Vary") == "Accept-Language"
    assert response.getheader("Cache-Control") == "no-cache"
    assert_security_headers(response)
    # The negotiated target always exists.
    target, body = nginx.request("GET", f"/{language}/")
    assert (target.status, body) == (200, page_body(language, "index"))


@pytest.mark.parametrize(
    "accept_language",
    [
        "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7",
        "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
        "nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7,de;q=0.6",
        "es-ES,es;q=0.8,fr;q=0.5,de;q=0.3",
        "pt-BR,pt;q=0.9",
        "en-GB,en;q=0.9",
        "de-CH, fr-CH;q=0.9, it;q=0.8",
        "*",
    ],
)
def test_negotiation_agrees_with_the_preview_server(nginx: RunningNginx, accept_language):
    response, _ = nginx.request("GET", "/", {"Accept-Language": accept_language})
    expected = negotiate(accept_language, HOME_LANGUAGES, "en")
    assert response.getheader("Location") == f"/{expected}/"


# --- pages, 404s and URLs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "slug"),
    [
        ("/de/chatmail/", "de", "chatmail"),
        ("/de/chatmail/index.html", "de", "chatmail"),
        ("/de/", "de", "index"),
        ("/fr/chatmail/", "fr", "chatmail"),
        ("/en/", "en", "index"),
    ],
)
def test_folder_urls_serve_pages(nginx: RunningNginx, path, language, slug):
    response, body = nginx.request("GET", path)
    assert response.status == 200
    assert body == page_body(language, slug)
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Cache-Control") == "no-cache"
    assert_security_headers(response)


def test_language_root_without_slash_redirects_once(nginx: RunningNginx):
    response, _ = nginx.request("GET", "/de")
    assert (response.status, response.getheader("Location")) == (301, "/de/")
    assert_security_headers(response)
    followed, _ = nginx.request("GET", "/de/")
    assert followed.status == 200


def test_a_page_without_its_slash_redirects_on_the_same_address(nginx: RunningNginx):
    response, _ = nginx.request("GET", "/de/chatmail")
    assert (response.status, response.getheader("Location")) == (301, "/de/chatmail/")
    assert_security_headers(response)
    # Nothing is rewritten: the old file name of a page is no page.
    missing, body = nginx.request("GET", "/de/chatmail.html")
    assert (missing.status, body) == (404, page_body("de", "404"))


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("/de/missing", "de"),
        ("/fr/missing/index.html", "fr"),
        ("/nl/missing", "nl"),
        ("/missing", "en"),
        ("/assets/missing.css", "en"),
        ("/xx/", "en"),
    ],
)
def test_missing_pages_get_their_languages_404(nginx: RunningNginx, path, language):
    response, body = nginx.request("GET", path)
    assert response.status == 404
    assert body == page_body(language, "404")
    assert_security_headers(response)


# --- compression and caching ---------------------------------------------------------------


def test_precompressed_page_is_sent_to_gzip_clients(nginx: RunningNginx):
    response, body = nginx.request("GET", "/de/chatmail/", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert gzip.decompress(body) == page_body("de", "chatmail")
    assert_security_headers(response)


def test_plain_page_is_sent_to_other_clients(nginx: RunningNginx):
    response, body = nginx.request("GET", "/de/chatmail/")
    assert response.getheader("Content-Encoding") is None
    assert body == page_body("de", "chatmail")


def test_assets_are_cached_for_a_year(nginx: RunningNginx):
    response, body = nginx.request("GET", f"/{ASSET}", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Cache-Control") == ASSET_CACHE_CONTROL
    assert response.getheader("Content-Type").startswith("text/css")
    assert gzip.decompress(body) == b"body { color: #222; }\n"
    assert_security_headers(response)


def test_assets_without_a_fingerprint_get_a_short_cache(nginx: RunningNginx):
    response, body = nginx.request("GET", f"/{STABLE_ASSET}")
    assert response.status == 200
    assert response.getheader("Cache-Control") == STABLE_ASSET_CACHE_CONTROL
    assert body == b"<svg xmlns='http://www.w3.org/2000/svg'/>\n"
    assert_security_headers(response)


# --- the relay's endpoints -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_new_redirects_to_the_invite(nginx: RunningNginx, method):
    response, _ = nginx.request(method, "/new")
    assert response.status == 302
    assert response.getheader("Location") == f"DCACCOUNT:https://{DOMAIN}/new"
    assert_security_headers(response)


def test_post_new_reaches_account_creation(nginx: RunningNginx, newemail):
    before = len(newemail.calls)
    response, body = nginx.request("POST", "/new", body=b"")
    assert (response.status, body) == (201, b"account created\n")
    assert_security_headers(response)
    call = newemail.calls[before]
    assert call.params["REQUEST_METHOD"] == "POST"
    assert call.params["SCRIPT_FILENAME"] == "/usr/lib/cgi-bin/newemail.py"


def test_other_methods_on_new_are_refused(nginx: RunningNginx, newemail):
    before = len(newemail.calls)
    response, _ = nginx.request("PUT", "/new", body=b"x")
    assert response.status == 405
    assert len(newemail.calls) == before


def test_well_known_files_are_served_when_enabled(nginx: RunningNginx):
    autoconfig, body = nginx.request("GET", AUTOCONFIG_PATH)
    assert (autoconfig.status, autoconfig.getheader("Content-Type")) == (200, "text/xml; charset=utf-8")
    assert b"clientConfig" in body
    policy, body = nginx.request("GET", MTA_STS_PATH)
    assert (policy.status, body) == (200, b"version: STSv1\nmode: enforce\n")
    assert policy.getheader("Content-Type").startswith("text/plain")


def test_well_known_files_are_refused_when_disabled(web_root, tmp_path):
    with running_nginx(loopback_plan(web_root), tmp_path) as server:
        for path in (AUTOCONFIG_PATH, MTA_STS_PATH):
            response, body = server.request("GET", path)
            assert response.status == 404
            assert body == page_body("en", "404")


@pytest.mark.parametrize(
    "path",
    ["/.env", "/de/.secret/index.html", "/de/.secret", "/deploy/nginx/README.md", "/deploy/", "/deploy"],
)
def test_dotfiles_and_deploy_folder_are_refused(nginx: RunningNginx, path):
    response, body = nginx.request("GET", path)
    assert response.status == 404
    assert b"SECRET" not in body
    assert_security_headers(response)


# --- the production config -----------------------------------------------------------------


def production_plan(**overrides) -> DeployPlan:
    settings = {
        "domain": DOMAIN,
        "languages": ("en", "de", "fr"),
        "default_language": "en",
        "pages": {language: PAGES[language] for language in ("en", "de", "fr")},
        "autoconfig": True,
        "mta_sts": True,
    }
    return DeployPlan(**(settings | overrides))


def test_production_config_passes_nginx_t(tmp_path):
    certificate, key = self_signed_certificate(tmp_path, DOMAIN)
    plan = production_plan(
        tls_certificate=str(certificate), tls_certificate_key=str(key), web_root=str(tmp_path)
    )
    result = check_config(write_config(plan, tmp_path / "nginx"))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_production_config_has_tls_and_hsts_everywhere_headers_are_set():
    config = nginx_config(production_plan())
    assert "listen 443 ssl;" in config and "listen [::]:443 ssl;" in config
    assert f"ssl_certificate /etc/letsencrypt/live/{DOMAIN}/fullchain.pem;" in config
    assert f"ssl_certificate_key /etc/letsencrypt/live/{DOMAIN}/privkey.pem;" in config
    assert f'add_header Strict-Transport-Security "{HSTS}" always;' in config
    assert config.count("add_header Strict-Transport-Security") == config.count(
        "add_header Content-Security-Policy"
    )
    assert config.count("add_header Strict-Transport-Security") >= 3


def test_gixy_finds_no_issues_in_the_production_config(tmp_path):
    gixy = shutil.which("gixy")
    if gixy is None:
        pytest.fail(INSTALL_HINT.replace("nginx", "gixy", 1), pytrace=False)
    main_config = write_config(production_plan(), tmp_path)
    result = subprocess.run(
        [gixy, "-f", "json", str(main_config)], capture_output=True, text=True, timeout=120
    )
    issues = json.loads(result.stdout or "[]")
    assert issues == [], json.dumps(issues, indent=2)
    assert result.returncode == 0, result.stderr


# --- the plan ------------------------------------------------------------------------------


def test_plan_defaults_follow_the_relay_layout():
    plan = DeployPlan(
        domain="Chat.Example.org", languages=("en", "de"), default_language="en", pages=ENGLISH_HOME
    )
    assert plan.domain == "chat.example.org"
    assert plan.web_root == "/var/www/chat.example.org"
    assert plan.listen_port == 443
    assert plan.invite_uri == "DCACCOUNT:https://chat.example.org/new"
    assert plan.newemail_socket == "/run/fcgiwrap.socket"
    assert plan.server_name == ("chat.example.org",)
    assert plan.pages == {"en": frozenset({"index"}), "de": frozenset()}
    plain = DeployPlan(domain=DOMAIN, languages=("en",), default_language="en", pages=ENGLISH_HOME, tls=False)
    assert plain.listen_port == 80


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"domain": "example.org; include /etc/passwd"}, "domain"),
        ({"domain": "$host"}, "domain"),
        ({"server_name": ("ok.example.org", "bad name")}, "server_name"),
        ({"invite_uri": "DCACCOUNT:https://x/new; return 200"}, "invite_uri"),
        ({"invite_uri": 'https://x/"new'}, "invite_uri"),
        ({"invite_uri": "https://$host/new"}, "invite_uri"),
        ({"web_root": "var/www"}, "web_root"),
        ({"web_root": "/var/www/site; autoindex on"}, "web_root"),
        ({"web_root": "/var/www/../../etc"}, "web_root"),
        ({"newemail_socket": "/run/x.sock;"}, "newemail_socket"),
        ({"listen_address": "localhost"}, "listen_address"),
        ({"listen_port": 70000}, "listen_port"),
        ({"languages": ("en", "en")}, "languages"),
        ({"languages": ("en", "d e")}, "languages"),
        ({"default_language": "it"}, "default_language"),
        ({"pages": {"en": frozenset({"404"})}}, "pages"),
        ({"pages": {"en": frozenset({"index"}), "it": frozenset({"index"})}}, "pages"),
        ({"asset_prefix": "assets"}, "asset_prefix"),
    ],
)
def test_plan_refuses_values_that_must_not_reach_the_config(overrides, field):
    settings = {"domain": DOMAIN, "languages": ("en",), "default_language": "en", "pages": ENGLISH_HOME}
    with pytest.raises(DeployPlanError) as raised:
        DeployPlan(**(settings | overrides))
    assert raised.value.field == field


def test_a_new_language_gets_its_locations_without_hand_edits():
    pages = {language: PAGES[language] for language in ("en", "de", "fr")}
    plan = production_plan(
        languages=("en", "de", "fr", "it"), pages=pages | {"it": frozenset({"index", "404"})}
    )
    config = nginx_config(plan)
    assert "location /it/ {" in config
    it_block = config[config.index("location /it/ {") :]
    assert it_block.index("error_page 404 /it/404.html;") < it_block.index("}")
    assert '"~*^it(?:[-_]|$)" it;' in config
    assert "location /it/ {" in relay_locations(plan)


def test_deploy_readme_names_this_plans_files():
    plan = production_plan()
    readme = deploy_readme(plan)
    assert config_file_name(plan) in readme
    assert f"rsync -a --delete build/ {DOMAIN}:{plan.web_root}/" in readme
    assert "www_folder = /path/to/site/build" in readme
    assert f"nginx/{locations_file_name(plan)}" in readme
    assert plan.invite_uri in readme


def test_the_accept_language_map_is_one_pattern_not_one_per_q_value():
    config = nginx_config(production_plan())
    accept_map = config[config.index("map $http_accept_language") :]
    accept_map = accept_map[: accept_map.index("\n}")]
    assert accept_map.count("\n") == 2  # the head, the default, and one pattern

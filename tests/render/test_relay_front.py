"""A site that fronts a relay: its relay pages, gzip copies and emitted nginx config, served by a
real nginx and checked by gixy."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel import Locale

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Severity
from chatmail_site.deploy.nginx import (
    ASSET_CACHE_CONTROL,
    CONTENT_SECURITY_POLICY,
    PERMISSIONS_POLICY,
    STABLE_ASSET_CACHE_CONTROL,
    nginx_config,
    relay_locations,
)
from chatmail_site.deploy.relay import deploy_plan_for_output
from chatmail_site.render.relay_front import format_days, format_size
from tests.support import REPO_ROOT
from tests.support.nginx import INSTALL_HINT, RunningNginx, free_port, running_nginx, wrapper_config
from tests.support.qr import decode_svg

EXAMPLE = REPO_ROOT / "examples" / "relay-site"
DOMAIN = "chat.example.org"
INVITE = f"DCACCOUNT:https://{DOMAIN}/new"
LANGUAGES = ("en", "de", "fr")
RELAY_PAGES = ("relay", "relay/info", "relay/privacy")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
# A German catalog of the site's own makes the theme speak German on German pages.
GERMAN_CATALOG = """\
msgid ""
msgstr ""
"Language: de\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Mailbox size"
msgstr "Postfachgröße"
"""


def copy_example(dest: Path, **ini_changes: str | None) -> Path:
    """A copy of the example site whose chatmail.ini sets (or, with None, drops) some keys."""
    site = Path(shutil.copytree(EXAMPLE, dest / "site", ignore=shutil.ignore_patterns("build")))
    ini = site / "chatmail.ini"
    text = ini.read_text(encoding="utf-8")
    for key, value in ini_changes.items():
        # A key's value may continue on indented lines; replace or drop them all.
        pattern = re.compile(rf"^{key} =.*\n(?:[ \t]+\S.*\n)*", re.M)
        assert pattern.search(text), key
        text = pattern.sub("" if value is None else f"{key} = {value}\n", text)
    ini.write_text(text, encoding="utf-8")
    return site


def line_number(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(start))


def text_of(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode("utf-8")))


def run_build(site: Path, out: Path, *options: str) -> int:
    return main(["build", "--site", str(site), "--out", str(out), *options])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("relay-site") / "build"
    assert run_build(EXAMPLE, out) == 0
    return out


# --- the relay pages -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", RELAY_PAGES)
def test_relay_pages_exist_in_every_language(built: Path, language, slug):
    html = (built / language / slug / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}"' in html
    assert DOMAIN in html
    assert f'hreflang="{language}"' in html


def test_relay_home_has_the_invite_button_and_a_qr_code_that_decodes_to_the_invite(built: Path):
    html = (built / "en" / "relay" / "index.html").read_text(encoding="utf-8")
    assert re.search(
        rf'<a class="cta-button[^"]*" href="{re.escape(INVITE)}">Get a chat profile on {DOMAIN}</a>', html
    )
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert decode_svg(svg) == INVITE


def test_info_page_shows_the_ini_limits_in_english(built: Path):
    text = text_of((built / "en" / "relay" / "info" / "index.html").read_bytes())
    assert "Up to 60 messages per minute" in text
    assert "500 MB per chat profile" in text
    assert "Messages of up to 30 MB" in text
    assert "after 20 days" in text
    assert "for 90 days" in text
    assert "9 random characters long" in text


def test_numbers_and_units_follow_the_locale(tmp_path):
    site = copy_example(tmp_path, max_mailbox_size="1536M", delete_mails_after="1")
    catalog = site / "locales" / "de" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(GERMAN_CATALOG, encoding="utf-8")
    result = build_site(site)
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    german = text_of(result.files["de/relay/info/index.html"])
    assert "Postfachgröße" in german
    assert "1,5 GB pro" not in german  # the sentence stays English until translated
    assert "1,5 GB per chat profile" in german
    assert "after 1 Tag," in german
    english = text_of(result.files["en/relay/info/index.html"])
    assert "1.5 GB per chat profile" in english
    assert "after 1 day," in english


def test_sizes_switch_to_gigabytes_from_one_gibibyte():
    assert format_size(1023 * 1024**2, Locale("en")) == "1,023 MB"
    # CLDR puts a no-break space (narrow in French) between number and unit.
    assert format_size(1024**3, Locale("de")) == "1\xa0GB"
    assert format_size(30 * 1024**2, Locale("fr")) == "30\u202fMo"
    assert format_days(20, Locale("nl")) == "20 dagen"


def test_privacy_page_names_the_operator(built: Path):
    html = (built / "de" / "relay" / "privacy" / "index.html").read_text(encoding="utf-8")
    assert '<a href="mailto:privacy@example.org">privacy@example.org</a>' in html
    assert (
        '<address class="relay-contact-postal">Example Relay Association e.V.<br>Represented by the board<br>'
        "Beispielstraße 12<br>10115 Berlin, Germany</address>"
    ) in html
    assert "Berliner Beauftragte für Datenschutz und Informationsfreiheit<br>Alt-Moabit 59-61" in html
    assert "relay-contact-pdo" not in html  # the example names no data protection officer


# --- diagnostics ---------------------------------------------------------------------------


def test_missing_privacy_contacts_warn_and_fail_under_strict(tmp_path):
    site = copy_example(tmp_path, privacy_mail=None, privacy_postal="")
    result = build_site(site)
    (warning,) = result.diagnostics.warnings
    assert warning.path == str(site / "chatmail.ini")
    assert warning.line == line_number(site / "chatmail.ini", "privacy_postal =")
    assert "`privacy_mail` and `privacy_postal`" in warning.message
    assert "chatmail.ini" in warning.hint
    assert not result.diagnostics.errors
    assert run_build(site, tmp_path / "out") == 0
    assert run_build(site, tmp_path / "strict-out", "--strict") == 1
    assert not (tmp_path / "strict-out").exists()


def test_a_malformed_ini_value_is_an_error_at_its_line(tmp_path, capsys):
    site = copy_example(tmp_path, max_mailbox_size="lots")
    assert run_build(site, tmp_path / "out") == 1
    err = capsys.readouterr().err
    line = line_number(site / "chatmail.ini", "max_mailbox_size =")
    assert f"{site / 'chatmail.ini'}:{line}: error: `max_mailbox_size` must be a size like `500M`" in err


def test_a_missing_mail_domain_is_an_error(tmp_path, capsys):
    site = copy_example(tmp_path, mail_domain=None)
    assert run_build(site, tmp_path / "out") == 1
    assert "error: `mail_domain` is missing" in capsys.readouterr().err


def write_fronts(site: Path, fronts: str) -> None:
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"^fronts:\n  ini: chatmail.ini\n", fronts, text, flags=re.M), encoding="utf-8")


def test_fronting_a_relay_of_servers_yaml_uses_its_defaults_and_asks_for_contacts(tmp_path):
    site = copy_example(tmp_path)
    (site / "content" / "servers.yaml").write_text(
        f"- domain: {DOMAIN}\n  since: 2024-01\n", encoding="utf-8"
    )
    write_fronts(site, f"fronts: {DOMAIN}\n")
    result = build_site(site)
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    (warning,) = [d for d in result.diagnostics if d.severity is Severity.WARNING]
    assert (warning.path, warning.line) == (str(site / "site.yaml"), 8)
    assert "500 MB per chat profile" in text_of(result.files["en/relay/info/index.html"])


@pytest.mark.parametrize(
    ("fronts", "message"),
    [
        ("fronts: other.example.org\n", "not a relay of content/servers.yaml"),
        (
            "fronts: {domain: other.example.org, ini: chatmail.ini}\n",
            f"chatmail.ini is the config of {DOMAIN}",
        ),
        ("fronts: {ini: missing.ini}\n", "the file `missing.ini` does not exist"),
        ("fronts: {inni: chatmail.ini}\n", "unknown setting `fronts.inni`"),
        ("fronts: [chatmail.ini]\n", "`fronts` cannot be a list"),
    ],
)
def test_fronts_mistakes_are_errors(tmp_path, fronts, message):
    site = copy_example(tmp_path)
    write_fronts(site, fronts)
    result = build_site(site)
    assert any(message in d.message for d in result.diagnostics.errors), [
        d.format() for d in result.diagnostics
    ]


def test_a_site_that_fronts_no_relay_has_no_gzip_copies_and_no_deploy_folder():
    result = build_site(REPO_ROOT)
    files = result.files
    assert not any(name.endswith(".gz") for name in files)
    assert result.deploy_files == {}
    assert not any(name.startswith("en/relay") for name in files)


# --- the emitted config, served by nginx ---------------------------------------------------


def test_the_build_emits_the_configs_and_their_readme_beside_the_web_root(built: Path):
    deploy = built.with_name(built.name + ".deploy")
    plan = deploy_plan_for_output(EXAMPLE, built)
    assert (deploy / "nginx" / f"{DOMAIN}.conf").read_text(encoding="utf-8") == nginx_config(plan)
    assert (deploy / "nginx" / f"{DOMAIN}.locations.conf").read_text(encoding="utf-8") == relay_locations(
        plan
    )
    assert "www_folder" in (deploy / "README.md").read_text(encoding="utf-8")
    assert (deploy / ".chatmail-site-output").is_file()
    assert not (built / "deploy").exists() and not (built / "nginx").exists()


def folder_digest(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def test_the_deploy_folder_follows_the_web_root_through_builds_and_failures(tmp_path: Path):
    site = copy_example(tmp_path)
    out = tmp_path / "out" / "build"
    deploy = out.with_name("build.deploy")
    assert run_build(site, out) == 0 and (deploy / "nginx" / f"{DOMAIN}.conf").is_file()
    before = folder_digest(out), folder_digest(deploy)
    # A failed build leaves both folders as they were.
    index = site / "content" / "en" / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")
    assert run_build(site, out) == 1
    assert (folder_digest(out), folder_digest(deploy)) == before
    # A folder of someone else's beside the output stops the build before either is written.
    index.write_text(index.read_text(encoding="utf-8").replace("title: [", "title:", 1), encoding="utf-8")
    shutil.rmtree(deploy)
    deploy.mkdir()
    (deploy / "notes.txt").write_text("mine", encoding="utf-8")
    (site / "content" / "en" / "apps.md").unlink()
    assert run_build(site, out) == 2
    assert folder_digest(out) == before[0] and folder_digest(deploy) == {"notes.txt": b"mine"}
    shutil.rmtree(deploy)
    # A site that stops fronting a relay leaves no stale configs behind.
    assert run_build(site, out) == 0 and deploy.is_dir()
    write_fronts(site, "")
    assert run_build(site, out) == 0
    assert out.is_dir() and not deploy.exists()
    write_fronts_back = (site / "site.yaml").read_text(encoding="utf-8") + "fronts:\n  ini: chatmail.ini\n"
    (site / "site.yaml").write_text(write_fronts_back, encoding="utf-8")
    assert run_build(site, out) == 0 and deploy.is_dir()
    # --clean deletes both before building, so a failing build leaves neither.
    index.write_text(index.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")
    assert run_build(site, out, "--clean") == 1
    assert not out.exists() and not deploy.exists()


def test_every_text_output_has_an_identical_gzip_copy(built: Path):
    web_root = [p for p in built.rglob("*") if p.is_file()]
    texts = [p for p in web_root if p.suffix in (".html", ".css", ".js", ".svg", ".txt")]
    assert len(texts) > 20
    for path in texts:
        assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == path.read_bytes(), path


@pytest.fixture(scope="module")
def nginx(built: Path, tmp_path_factory):
    plan = deploy_plan_for_output(
        EXAMPLE, built, tls=False, listen_address="127.0.0.1", listen_port=free_port(), web_root=str(built)
    )
    with running_nginx(plan, tmp_path_factory.mktemp("nginx")) as server:  # runs `nginx -t` first
        yield server


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.getheader(name) == value, name
        assert len(response.headers.get_all(name)) == 1, name


@pytest.mark.nginx
@pytest.mark.parametrize(
    ("accept_language", "language"), [("de,en;q=0.5", "de"), ("xx", "en"), ("fr;q=0, de", "de"), (None, "en")]
)
def test_root_redirects_to_the_reader_language(nginx: RunningNginx, accept_language, language):
    response, _ = nginx.request("GET", "/", {"Accept-Language": accept_language} if accept_language else {})
    assert (response.status, response.getheader("Location")) == (302, f"/{language}/")
    assert response.getheader("Vary") == "Accept-Language"
    assert_security_headers(response)


@pytest.mark.nginx
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", RELAY_PAGES)
def test_relay_pages_are_served_at_folder_urls(nginx: RunningNginx, built: Path, language, slug):
    page = (built / language / slug / "index.html").read_bytes()
    for path in (f"/{language}/{slug}/", f"/{language}/{slug}/index.html"):
        response, body = nginx.request("GET", path)
        assert (response.status, body) == (200, page), path
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert response.getheader("Cache-Control") == "no-cache"
        assert_security_headers(response)


@pytest.mark.nginx
def test_gzip_clients_get_the_precompressed_page(nginx: RunningNginx, built: Path):
    response, body = nginx.request("GET", "/fr/relay/info/", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert body == (built / "fr" / "relay" / "info" / "index.html.gz").read_bytes()
    assert_security_headers(response)


@pytest.mark.nginx
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_gets_its_language_404_page(nginx: RunningNginx, built: Path, language):
    response, body = nginx.request("GET", f"/{language}/relay/nothing-here")
    assert response.status == 404
    assert body == (built / language / "404.html").read_bytes()
    assert_security_headers(response)


@pytest.mark.nginx
def test_fingerprinted_assets_are_immutable_and_stable_names_are_not(nginx: RunningNginx, built: Path):
    (stylesheet,) = (built / "assets").glob("style.*.css")
    response, _ = nginx.request("GET", f"/assets/{stylesheet.name}")
    assert (response.status, response.getheader("Cache-Control")) == (200, ASSET_CACHE_CONTROL)
    assert_security_headers(response)
    response, _ = nginx.request("GET", "/assets/logos/chatmail.svg")
    assert (response.status, response.getheader("Cache-Control")) == (200, STABLE_ASSET_CACHE_CONTROL)
    assert_security_headers(response)


@pytest.mark.nginx
def test_new_sends_delta_chat_to_the_invite(nginx: RunningNginx):
    response, _ = nginx.request("GET", "/new")
    assert (response.status, response.getheader("Location")) == (302, INVITE)
    assert_security_headers(response)


@pytest.mark.nginx
def test_no_server_configuration_is_served(nginx: RunningNginx):
    for path in (f"/deploy/nginx/{DOMAIN}.conf", f"/nginx/{DOMAIN}.conf", "/README.md"):
        response, body = nginx.request("GET", path)
        assert response.status == 404
        assert b"server_name" not in body and b"www_folder" not in body


@pytest.mark.nginx
def test_gixy_finds_no_issues_in_the_emitted_production_config(built: Path, tmp_path):
    gixy = shutil.which("gixy")
    if gixy is None:
        pytest.fail(INSTALL_HINT.replace("nginx", "gixy", 1), pytrace=False)
    main_config = tmp_path / "nginx.conf"
    main_config.write_text(
        wrapper_config(built.with_name("build.deploy") / "nginx" / f"{DOMAIN}.conf", tmp_path)
    )
    result = subprocess.run(
        [gixy, "-f", "json", str(main_config)], capture_output=True, text=True, timeout=120
    )
    issues = json.loads(result.stdout or "[]")
    assert issues == [], json.dumps(issues, indent=2)
    assert result.returncode == 0, result.stderr

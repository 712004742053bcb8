"""Self-tests of the test tools: each one is shown to catch what it exists to catch.

The browser, accessibility and validity tests of the site rely on these tools, so a tool
that silently passes everything would hide real faults there.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.support import MissingTestTool
from tests.support.axe import format_violations, run_axe, serious_violations
from tests.support.browser import launch_chromium, save_screenshot
from tests.support.static_server import StaticSite
from tests.support.vnu import VnuReport, check_html

# Brings the chromium_browser and browser_page fixtures.
pytest_plugins = ("tests.support.fixtures",)

SECRET = "TOP SECRET, never served"


def html_page(lang: str, title: str, body: str) -> str:
    """A complete, valid HTML document."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small built site, with a secret file beside it that must never be served."""
    base = tmp_path_factory.mktemp("static-site")
    outside = base / "outside"
    write(outside / "secret.html", SECRET)
    root = base / "build"
    write(root / "en/index.html", html_page("en", "Home", "<main><h1>English home</h1></main>"))
    write(root / "en/404.html", html_page("en", "Not found", "<main><h1>English page not found</h1></main>"))
    write(root / "de/index.html", html_page("de", "Start", "<main><h1>Deutsche Startseite</h1></main>"))
    write(
        root / "de/chatmail.html", html_page("de", "Chatmail", "<main><h1>Chatmail auf Deutsch</h1></main>")
    )
    write(
        root / "de/404.html", html_page("de", "Nicht gefunden", "<main><h1>Seite nicht gefunden</h1></main>")
    )
    write(root / "fr/index.html", html_page("fr", "Accueil", "<main><h1>Accueil en français</h1></main>"))
    write(root / "assets/site.css", "body { font-family: sans-serif; }\n")
    write(
        root / "en/accessible.html",
        html_page("en", "Accessible", '<main><h1>Relays</h1><img src="/assets/logo.svg" alt="Logo"></main>'),
    )
    write(
        root / "en/inaccessible.html",
        html_page("en", "Inaccessible", '<main><h1>Relays</h1><img src="/assets/logo.svg"></main>'),
    )
    write(
        root / "assets/logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<rect width="40" height="40"/></svg>\n',
    )
    (root / "leak.html").symlink_to(outside / "secret.html")
    (root / "outside").symlink_to(outside, target_is_directory=True)
    (root / "de/start.html").symlink_to(root / "de/index.html")
    return root


@pytest.fixture(scope="module")
def site(site_root: Path) -> Iterator[StaticSite]:
    with StaticSite(site_root, default_lang="en") as running:
        yield running


def fetch(
    site: StaticSite, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], str]:
    """Send `path` exactly as written (no client-side normalising of `..`)."""
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


# --- static server -------------------------------------------------------------------------


def test_extensionless_url_serves_the_html_page(site: StaticSite) -> None:
    status, headers, body = fetch(site, "/de/chatmail")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Chatmail auf Deutsch" in body


def test_language_folder_serves_its_index(site: StaticSite) -> None:
    status, _, body = fetch(site, "/de/")
    assert status == 200
    assert "Deutsche Startseite" in body


def test_language_folder_without_slash_redirects_to_it(site: StaticSite) -> None:
    status, headers, _ = fetch(site, "/de")
    assert status == 301
    assert headers["Location"] == "/de/"


def test_assets_are_served_with_their_type(site: StaticSite) -> None:
    status, headers, body = fetch(site, "/assets/site.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "font-family" in body


def test_symlink_inside_the_root_is_served(site: StaticSite) -> None:
    status, _, body = fetch(site, "/de/start")
    assert status == 200
    assert "Deutsche Startseite" in body


@pytest.mark.parametrize(
    ("path", "expected_text"),
    [
        ("/de/no-such-page", "Seite nicht gefunden"),
        ("/en/no-such-page", "English page not found"),
        # fr has no 404 page of its own, so the default language's is used.
        ("/fr/no-such-page", "English page not found"),
        ("/no-such-folder/page", "English page not found"),
    ],
)
def test_missing_page_answers_404_with_its_language_page(
    site: StaticSite, path: str, expected_text: str
) -> None:
    status, headers, body = fetch(site, path)
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert expected_text in body


def test_head_request_gets_status_without_body(site: StaticSite) -> None:
    status, headers, body = fetch(site, "/de/no-such-page", method="HEAD")
    assert status == 404
    assert int(headers["Content-Length"]) > 0
    assert body == ""


@pytest.mark.parametrize(
    ("accept_language", "expected_location"),
    [
        ("de,en;q=0.5", "/de/"),
        ("xx", "/en/"),
        ("fr;q=0, de", "/de/"),
        ("fr-CA, de;q=0.5", "/fr/"),
        (None, "/en/"),
    ],
)
def test_root_redirects_to_the_negotiated_language(
    site: StaticSite, accept_language: str | None, expected_location: str
) -> None:
    headers = {} if accept_language is None else {"Accept-Language": accept_language}
    status, response_headers, _ = fetch(site, "/", **headers)
    assert status == 302
    assert response_headers["Location"] == expected_location
    assert response_headers["Vary"] == "Accept-Language"


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/de/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/de/..%2f..%2f..%2fetc/passwd",
        "/../outside/secret.html",
        "/de/./chatmail",
    ],
)
def test_dot_segments_are_refused(site: StaticSite, path: str) -> None:
    status, _, body = fetch(site, path)
    assert status == 400
    assert "root:" not in body
    assert SECRET not in body


@pytest.mark.parametrize(
    "path", ["/leak.html", "/leak", "/outside/secret.html", "/outside/secret", "//etc/passwd"]
)
def test_nothing_outside_the_root_is_served(site: StaticSite, path: str) -> None:
    status, _, body = fetch(site, path)
    assert status == 404
    assert SECRET not in body
    assert "root:" not in body


# --- browser -------------------------------------------------------------------------------


def test_browser_lands_on_the_language_its_locale_asks_for(
    chromium_browser: Browser, site: StaticSite
) -> None:
    context = chromium_browser.new_context(locale="de-DE")
    try:
        page = context.new_page()
        page.goto(site.url("/"))
        assert page.url == site.url("/de/")
        assert page.locator("h1").inner_text() == "Deutsche Startseite"
    finally:
        context.close()


def test_screenshot_is_saved_as_a_png_of_the_page(browser_page: Page, site: StaticSite) -> None:
    browser_page.set_viewport_size({"width": 360, "height": 640})
    browser_page.goto(site.url("/en/"))
    path = save_screenshot(browser_page, "support tools/screenshot[en]")
    assert path.name == "support_tools_screenshot_en_.png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == 360
        # The heading is black text on white: a blank capture would have a single colour.
        assert len(image.convert("L").getcolors(maxcolors=256) or []) > 1


def test_launch_without_chromium_fails_with_the_install_hint(tmp_path: Path) -> None:
    with (
        pytest.raises(MissingTestTool, match=r"scripts/install-test-deps\.sh"),
        launch_chromium(executable=tmp_path / "chromium"),
    ):
        pass


# --- axe-core ------------------------------------------------------------------------------


def test_axe_reports_an_image_without_alt_text(browser_page: Page, site: StaticSite) -> None:
    browser_page.goto(site.url("/en/inaccessible"))
    serious = serious_violations(browser_page)
    assert [violation["id"] for violation in serious] == ["image-alt"]
    message = format_violations(serious)
    assert "[critical] image-alt" in message
    assert '<img src="/assets/logo.svg">' in message


def test_axe_finds_nothing_serious_on_an_accessible_page(browser_page: Page, site: StaticSite) -> None:
    browser_page.goto(site.url("/en/accessible"))
    serious = serious_violations(browser_page)
    assert serious == [], format_violations(serious)


def test_axe_can_run_twice_on_one_page(browser_page: Page, site: StaticSite) -> None:
    browser_page.goto(site.url("/en/inaccessible"))
    first = run_axe(browser_page)
    assert [violation["id"] for violation in run_axe(browser_page)] == [
        violation["id"] for violation in first
    ]


def test_axe_missing_script_fails_with_the_install_hint(browser_page: Page, tmp_path: Path) -> None:
    with pytest.raises(MissingTestTool, match=r"scripts/install-test-deps\.sh"):
        run_axe(browser_page, script=tmp_path / "axe.min.js")


# --- Nu Html Checker -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("vnu")
    pages = base / "pages"
    return {
        "valid": write(pages / "valid.html", html_page("en", "Valid", "<main><h1>Fine</h1></main>")),
        "invalid": write(
            pages / "nested/invalid.html",
            html_page("en", "Invalid", '<main>\n<img src="logo.png">\n</main>'),
        ),
        "warns": write(
            base / "warns.html",
            html_page("en", "Warns", "<main><h1>Fine</h1><section><p>x</p></section></main>"),
        ),
        "stylesheet": write(pages / "assets/site.css", "body { colr: red }\n"),
        "pages": pages,
    }


@pytest.fixture(scope="module")
def vnu_report(html_files: dict[str, Path]) -> VnuReport:
    # One checker run for a directory and a single file together.
    return check_html([html_files["pages"], html_files["warns"]])


def test_vnu_passes_a_valid_page(vnu_report: VnuReport, html_files: dict[str, Path]) -> None:
    assert vnu_report.errors_for(html_files["valid"]) == []
    assert vnu_report.warnings_for(html_files["valid"]) == []


def test_vnu_reports_an_error_with_its_line(vnu_report: VnuReport, html_files: dict[str, Path]) -> None:
    invalid = html_files["invalid"]
    image_line = invalid.read_text().splitlines().index('<img src="logo.png">') + 1
    errors = vnu_report.errors_for(invalid)
    assert [(error.line, "alt" in error.message) for error in errors] == [(image_line, True)]
    assert f"invalid.html:{image_line}:" in vnu_report.format_errors()


def test_vnu_keeps_warnings_apart_from_errors(vnu_report: VnuReport, html_files: dict[str, Path]) -> None:
    assert vnu_report.errors_for(html_files["warns"]) == []
    warnings = vnu_report.warnings_for(html_files["warns"])
    assert ["heading" in warning.message for warning in warnings] == [True]


def test_vnu_checks_only_html_files_of_a_directory(
    vnu_report: VnuReport, html_files: dict[str, Path]
) -> None:
    checked = {html_files[name].resolve() for name in ("valid", "invalid", "warns")}
    assert set(vnu_report.errors) == checked
    assert set(vnu_report.warnings) == checked


def test_vnu_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        check_html([tmp_path / "missing.html"])


def test_vnu_without_its_jar_fails_with_the_install_hint(html_files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MissingTestTool, match=r"scripts/install-test-deps\.sh"):
        check_html([html_files["valid"]], jar=tmp_path / "vnu.jar")


def test_vnu_without_java_fails_with_the_install_hint(html_files: dict[str, Path]) -> None:
    with pytest.raises(MissingTestTool, match=r"scripts/install-test-deps\.sh"):
        check_html([html_files["valid"]], java="no-such-java-runtime")

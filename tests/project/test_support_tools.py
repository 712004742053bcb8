"""Self-tests of the test tools: each one is shown to catch what it exists to catch.

The browser, accessibility and validity tests of the site rely on these tools, so a tool
that silently passes everything would hide real faults there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.support import MissingTestTool
from tests.support.axe import format_violations, run_axe, serious_violations
from tests.support.browser import launch_chromium, save_screenshot
from tests.support.vnu import VnuReport, check_html

# Brings the chromium_browser and browser_page fixtures.
pytest_plugins = ("tests.support.fixtures",)


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
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small hand-made pages, opened by the browser as local files."""
    root = tmp_path_factory.mktemp("tool-pages")
    write(root / "en/index.html", html_page("en", "Home", "<main><h1>English home</h1></main>"))
    write(
        root / "en/accessible/index.html",
        html_page("en", "Accessible", '<main><h1>Relays</h1><img src="/assets/logo.svg" alt="Logo"></main>'),
    )
    write(
        root / "en/inaccessible/index.html",
        html_page("en", "Inaccessible", '<main><h1>Relays</h1><img src="/assets/logo.svg"></main>'),
    )
    return root


# --- browser -------------------------------------------------------------------------------


def test_screenshot_is_saved_as_a_png_of_the_page(browser_page: Page, pages: Path) -> None:
    browser_page.set_viewport_size({"width": 360, "height": 640})
    browser_page.goto((pages / "en/index.html").as_uri())
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


def test_axe_reports_an_image_without_alt_text(browser_page: Page, pages: Path) -> None:
    browser_page.goto((pages / "en/inaccessible/index.html").as_uri())
    serious = serious_violations(browser_page)
    assert [violation["id"] for violation in serious] == ["image-alt"]
    message = format_violations(serious)
    assert "[critical] image-alt" in message
    assert '<img src="/assets/logo.svg">' in message


def test_axe_finds_nothing_serious_on_an_accessible_page(browser_page: Page, pages: Path) -> None:
    browser_page.goto((pages / "en/accessible/index.html").as_uri())
    serious = serious_violations(browser_page)
    assert serious == [], format_violations(serious)


def test_axe_can_run_twice_on_one_page(browser_page: Page, pages: Path) -> None:
    browser_page.goto((pages / "en/inaccessible/index.html").as_uri())
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

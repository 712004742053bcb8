"""Every output besides the pages: each name claimed once, the root and 404 pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.site import load_site
from chatmail_site.render.site_files import Outputs, special_page_outputs
from tests.support.sites import page, parse_html

MakeSite = Callable[[dict[str, str | bytes]], Path]
TWO_LANGUAGES = {
    "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, de]\n",
    "content/de/index.md": page("Start", "de"),
}


@pytest.fixture
def two_languages(make_site: MakeSite) -> Path:
    return make_site(TWO_LANGUAGES)


def test_outputs_report_clashes_and_escapes_as_diagnostics() -> None:
    diagnostics = Diagnostics()
    outputs = Outputs(diagnostics)
    outputs.add("en/index.html", b"a", "content/en/index.md")
    outputs.add("en/index.html", b"b", "themes/default")
    outputs.add("../escape.html", b"c", "content/servers.yaml")
    assert outputs.files == {"en/index.html": b"a"}
    assert [(d.path, d.message) for d in diagnostics.errors] == [
        ("themes/default", "`en/index.html` would be written by both content/en/index.md and themes/default"),
        ("content/servers.yaml", "refusing to write `../escape.html`: it would leave the output folder"),
    ]


def test_outputs_report_a_file_where_another_source_has_a_folder_at_the_later_source() -> None:
    diagnostics = Diagnostics()
    outputs = Outputs(diagnostics)
    outputs.add("assets/logos/chatmail.svg", b"a", "themes/default/static")
    outputs.add("assets/logos", b"b", "content/assets/logos", 0)
    outputs.add("assets/logos/chatmail.svg/x.png", b"c", "content/assets/logos/chatmail.svg/x.png")
    outputs.add("de/404.html/x", b"d", "the theme")
    outputs.add("de/404.html", b"e", "content/de/404.md", 1)
    assert outputs.files == {"assets/logos/chatmail.svg": b"a", "de/404.html/x": b"d"}
    assert [(d.path, d.line, d.message) for d in diagnostics.errors] == [
        (
            "content/assets/logos",
            0,
            "`assets/logos` would be both a file and a folder "
            "(themes/default/static and content/assets/logos)",
        ),
        (
            "content/assets/logos/chatmail.svg/x.png",
            0,
            "`assets/logos/chatmail.svg` would be both a file and a folder "
            "(themes/default/static and content/assets/logos/chatmail.svg/x.png)",
        ),
        (
            "content/de/404.md",
            1,
            "`de/404.html` would be both a file and a folder (the theme and content/de/404.md)",
        ),
    ]


def test_root_marks_languages_without_their_own_home_page(bundled_build: BuildResult) -> None:
    root = parse_html(bundled_build.files["index.html"])
    items = {li.text.split()[0]: li.text for li in root.find_all("li")}
    assert "not translated yet" in items["Slovenčina"] and "not translated yet" not in items["Deutsch"]


def test_add_all_claims_names_in_order_and_reports_a_clash_at_the_later_groups_line() -> None:
    diagnostics = Diagnostics()
    outputs = Outputs(diagnostics)
    outputs.add_all({"b.txt": b"1", "a.txt": b"2"}, "first", 3)
    outputs.add_all({"a.txt": b"3", "c.txt": b"4"}, "second", 7)
    assert outputs.files == {"a.txt": b"2", "b.txt": b"1", "c.txt": b"4"}
    assert list(outputs.files) == ["a.txt", "b.txt", "c.txt"]
    assert [(d.path, d.line, d.message) for d in diagnostics.errors] == [
        ("second", 7, "`a.txt` would be written by both first and second")
    ]


def test_special_page_outputs_are_the_root_and_a_404_page_per_language(two_languages: Path) -> None:
    site = load_site(two_languages, Diagnostics())
    assert site is not None
    names = special_page_outputs(site)
    assert names == ["index.html", "en/404.html", "de/404.html", "404.html"]
    assert set(names) <= set(build_site(two_languages).files)


def test_the_404_page_at_the_root_is_the_default_languages(two_languages: Path) -> None:
    files = build_site(two_languages).files
    assert files["404.html"] == files["en/404.html"] != files["de/404.html"]
    assert parse_html(files["de/404.html"]).find("html").attrs["lang"] == "de"


@pytest.mark.parametrize(("base_url", "prefix"), [(None, "/"), ("https://example.org/sub/", "/sub/")])
def test_error_pages_link_from_the_sites_base_path(
    two_languages: Path, base_url: str | None, prefix: str
) -> None:
    # Servers show a 404 page at any address, so relative links would break below the root.
    not_found = parse_html(build_site(two_languages, base_url=base_url).files["de/404.html"])
    assert not_found.find("link", rel="stylesheet").attrs["href"].startswith(prefix + "assets/")
    assert not_found.find("a", class_="brand").attrs["href"] == prefix + "de/"


def test_the_root_page_offers_every_language_by_a_relative_link(two_languages: Path) -> None:
    root = parse_html(build_site(two_languages).files["index.html"])
    choices = {a.attrs["hreflang"]: a.attrs["href"] for a in root.find_all("a") if "data-language" in a.attrs}
    assert choices == {"en": "en/", "de": "de/"}

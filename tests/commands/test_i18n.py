"""The translator's commands: extract, init, update, compile and check of the theme's catalogs,
and stamping translated pages with the version of their original."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.commands.i18n import init_command, update_command, write_stamp
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import load_config
from tests.support import REPO_ROOT
from tests.support.catalogs import po_path, set_translation
from tests.support.sites import page, parse_html, write_site

NEW_STRING = "Relays for everyone"
GERMAN = "Relays für alle"


def add_footer_string(site: Path) -> None:
    base = site / "themes" / "default" / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    marker = '<p class="generator">'
    assert marker in text
    base.write_text(text.replace(marker, f'<p class="motto">{{{{ _("{NEW_STRING}") }}}}</p>\n  {marker}'))


def test_catalog_round_trip_reaches_the_built_page(bundled_site: Path) -> None:
    site = str(bundled_site)
    assert main(["i18n", "check", "--site", site]) == 0
    add_footer_string(bundled_site)
    assert main(["i18n", "check", "--site", site]) == 1  # the template is stale now

    assert main(["i18n", "extract", "--site", site]) == 0
    assert NEW_STRING in (bundled_site / "locales" / "messages.pot").read_text(encoding="utf-8")
    assert main(["i18n", "check", "--site", site]) == 1  # the catalogs lag behind the template

    assert main(["i18n", "update", "--site", site]) == 0
    set_translation(po_path(bundled_site, "de"), NEW_STRING, GERMAN)
    assert main(["i18n", "compile", "--site", site]) == 0
    assert (po_path(bundled_site, "de").with_suffix(".mo")).is_file()
    assert main(["i18n", "check", "--site", site]) == 0

    result = build_site(bundled_site)
    assert not result.diagnostics.errors
    assert parse_html(result.files["de/index.html"]).find("p", class_="motto").text == GERMAN
    # Untranslated in French so far, and no catalog at all for Slovak: English, per string.
    assert parse_html(result.files["fr/index.html"]).find("p", class_="motto").text == NEW_STRING
    assert parse_html(result.files["sk/index.html"]).find("p", class_="motto").text == NEW_STRING


def test_check_finds_a_compiled_catalog_older_than_its_source(bundled_site: Path) -> None:
    site = str(bundled_site)
    assert main(["i18n", "compile", "--site", site]) == 0
    assert main(["i18n", "check", "--site", site]) == 0
    set_translation(po_path(bundled_site, "fr"), "Donate", "Donner")
    assert main(["i18n", "check", "--site", site]) == 1
    assert main(["i18n", "compile", "--site", site]) == 0
    assert main(["i18n", "check", "--site", site]) == 0


def test_bundled_catalogs_are_current() -> None:
    assert main(["i18n", "check", "--site", str(REPO_ROOT)]) == 0


def test_init_starts_a_catalog_with_the_plural_rule_translation_tools_write(bundled_site: Path) -> None:
    assert main(["i18n", "init", "sk", "--site", str(bundled_site)]) == 0
    with po_path(bundled_site, "sk").open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.locale_identifier == "sk"
    assert catalog.plural_forms == "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"
    assert all(len(m.string) == 3 for m in catalog if m.id and m.pluralizable)
    assert main(["i18n", "init", "sk", "--site", str(bundled_site)]) == 1  # never overwrites
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 0


# ---- stamping translated pages -------------------------------------------------------


FRONT = "---\r\ntitle: Über\r\n# the German menu label\r\nshort_title: Über\r\nlang: de\r\n---\r\nText.\r\n"


def stamp(site: Path, name: str) -> int:
    return main(["i18n", "stamp", "--site", str(site), str(site / name)])


def test_stamp_inserts_the_line_and_keeps_crlf_comments_and_order(bundled_site: Path) -> None:
    (bundled_site / "content/en/about.md").write_text("---\ntitle: About\nlang: en\n---\nText.\n")
    target = bundled_site / "content/de/about.md"
    target.write_bytes(b"\xef\xbb\xbf" + FRONT.encode("utf-8"))
    assert stamp(bundled_site, "content/de/about.md") == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[:5] == ["---", "title: Über", "# the German menu label", "short_title: Über", "lang: de"]
    assert lines[5].startswith("source_hash: ") and lines[6] == "---"
    assert b"\n" not in data.replace(b"\r\n", b"")

    assert stamp(bundled_site, "content/de/about.md") == 0
    assert target.read_bytes() == data  # stamping a current page changes nothing

    (bundled_site / "content/en/about.md").write_text("---\ntitle: About us\nlang: en\n---\nText.\n")
    assert stamp(bundled_site, "content/de/about.md") == 0
    updated = target.read_bytes()
    assert updated != data and len(updated.split(b"source_hash")) == 2  # replaced, not added
    assert updated.replace(updated.split(b"source_hash: ")[1][:12], b"") == data.replace(
        data.split(b"source_hash: ")[1][:12], b""
    )


def test_stamp_refuses_originals_and_files_outside_the_site(bundled_site: Path, tmp_path: Path) -> None:
    assert stamp(bundled_site, "content/en/index.md") == 1
    stray = tmp_path / "index.md"
    stray.write_text("---\ntitle: x\nlang: de\n---\n")
    assert main(["i18n", "stamp", "--site", str(bundled_site), str(stray)]) == 1
    assert stamp(bundled_site, "content/sk/index.md") == 1  # no such page


# ---- diagnostics of the commands -------------------------------------------------------


def test_init_refuses_a_tag_that_is_not_a_language(bundled_site: Path) -> None:
    config = load_config(bundled_site, Diagnostics())
    assert config is not None
    diagnostics = Diagnostics()
    assert init_command(config, diagnostics, "klingon-xx") == []
    (error,) = diagnostics.errors
    assert (error.path, error.line) == ("locales", 0)
    assert "`klingon-xx` is not a language tag" in error.message
    assert not (bundled_site / "locales" / "klingon-xx").exists()


def test_update_without_a_template_says_to_extract_first(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"locales/de/LC_MESSAGES/messages.po": 'msgid ""\nmsgstr ""\n'})
    config = load_config(site, Diagnostics())
    assert config is not None
    diagnostics = Diagnostics()
    assert update_command(config, diagnostics) == []
    (error,) = diagnostics.errors
    assert error.path == "locales/messages.pot" and "no catalog template" in error.message
    assert "i18n extract" in error.hint


def test_a_page_without_front_matter_is_not_stamped(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text("# No front matter\n", encoding="utf-8")
    diagnostics = Diagnostics()
    assert write_stamp(path, "content/de/page.md", "abc123", diagnostics) is None
    assert path.read_text(encoding="utf-8") == "# No front matter\n"
    assert [(d.path, d.line) for d in diagnostics.errors] == [("content/de/page.md", 1)]


def test_a_stamp_that_yaml_would_read_as_a_number_is_quoted(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text(page("Start", "de"), encoding="utf-8")
    assert write_stamp(path, "content/de/page.md", "123456", Diagnostics()) is True
    assert 'source_hash: "123456"\n---\n' in path.read_text(encoding="utf-8")

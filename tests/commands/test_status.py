"""Translation status: stamps, outdated translations, untranslated copies, the matrix and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from tests.support import REPO_ROOT
from tests.support.sites import parse_html, seed

SCHEMA = json.loads((REPO_ROOT / "schemas" / "status.schema.json").read_text(encoding="utf-8"))


def status_of(site: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["status", "--json", "--site", str(site)]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    return data


def states(data: dict) -> dict[tuple[str, str], str]:
    return {
        (page["slug"], lang): cell["state"]
        for page in data["pages"]
        for lang, cell in page["languages"].items()
    }


def test_status_of_the_bundled_site(bundled_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = status_of(bundled_site, capsys)
    found = states(data)
    slugs = [page["slug"] for page in data["pages"]]
    for lang in ("sk", "id"):
        assert {found[(slug, lang)] for slug in slugs} == {"fallback"}
    assert found[("chatmail", "fr")] == found[("chatmail", "nl")] == "outdated"
    assert found[("chatmail", "de")] == found[("index", "de")] == found[("donate", "de")] == "translated"
    percent = {entry["code"]: entry["percent"] for entry in data["languages"]}
    assert percent["en"] == 100 and percent["sk"] == percent["id"] == 0
    assert percent["de"] > percent["fr"] > 0


def test_the_text_matrix_names_every_language_and_state(bundled_site: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["status", "--site", str(bundled_site)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["page", "en", "de", "fr", "nl", "sk", "id"]
    chatmail = next(line.split() for line in lines if line.startswith("chatmail "))
    assert chatmail == [
        "chatmail",
        "original",
        "translated",
        "outdated*",
        "outdated*",
        "fallback",
        "fallback",
    ]
    assert next(line for line in lines if line.startswith("done")).split()[1] == "100%"


def test_seeds_copied_in_english_are_untranslated_copies(bundled_site: Path, capsys) -> None:
    (bundled_site / "content" / "sk").mkdir()
    (bundled_site / "content" / "id").mkdir()
    (bundled_site / "content" / "sk" / "chatmail.md").write_text(seed("001"), encoding="utf-8")
    (bundled_site / "content" / "id" / "chatmail.md").write_text(
        seed("003"), encoding="utf-8"
    )  # older English
    for number, lang in (("000", "nl"), ("002", "de"), ("004", "fr")):  # real translations
        (bundled_site / "content" / lang / "chatmail.md").write_text(seed(number), encoding="utf-8")
    data = status_of(bundled_site, capsys)
    found = states(data)
    assert found[("chatmail", "sk")] == found[("chatmail", "id")] == "copy"
    assert {found[("chatmail", lang)] for lang in ("nl", "de", "fr")} == {
        "outdated"
    }  # the seeds are unstamped
    cells = next(p for p in data["pages"] if p["slug"] == "chatmail")["languages"]
    assert cells["id"]["similarity"] >= data["copy_threshold"] > cells["de"]["similarity"]

    # The build treats a copy like a fallback: English text, not indexed, no alternates.
    result = build_site(bundled_site)
    page = parse_html(result.files["sk/chatmail/index.html"])
    assert page.find("html").attrs["lang"] == "en"
    assert page.find_all("meta", name="robots")
    en = parse_html(result.files["en/chatmail/index.html"])
    assert "sk" not in {link.attrs["hreflang"] for link in en.find_all("link", rel="alternate")}


def test_editing_the_original_makes_its_translation_outdated(bundled_site: Path, capsys) -> None:
    original = bundled_site / "content" / "en" / "chatmail.md"
    text = original.read_text(encoding="utf-8")
    # Whitespace an editor adds or removes does not change what was translated.
    original.write_text(text.replace("\n", "  \n").replace("## ", "##   "), encoding="utf-8")
    assert states(status_of(bundled_site, capsys))[("chatmail", "de")] == "translated"
    assert "notice-outdated" not in build_site(bundled_site).files["de/chatmail/index.html"].decode()

    original.write_text(text.replace("Delta Chat", "Delta Chat apps", 1), encoding="utf-8")
    assert states(status_of(bundled_site, capsys))[("chatmail", "de")] == "outdated"
    page = parse_html(build_site(bundled_site).files["de/chatmail/index.html"])
    notice = page.find("aside", class_="notice notice-outdated")
    assert "Das Original dieser Seite wurde seit der Übersetzung geändert" in notice.text
    assert page.find("a", href="../../en/chatmail/", hreflang="en")

    assert (
        main(["i18n", "stamp", "--site", str(bundled_site), str(bundled_site / "content/de/chatmail.md")])
        == 0
    )
    assert states(status_of(bundled_site, capsys))[("chatmail", "de")] == "translated"


def test_an_unstamped_translation_says_it_may_not_match(bundled_build) -> None:
    page = parse_html(bundled_build.files["nl/chatmail/index.html"])
    notice = page.find("aside", class_="notice notice-outdated")
    assert "komt mogelijk niet overeen met het huidige origineel" in notice.text

"""The `{% relays %}` list: one servers.yaml, the same relays on every language's page, localized."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import jsonschema
import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.servers import Relay
from tests.support import REPO_ROOT
from tests.support.relays import bundled_languages, bundled_relays
from tests.support.sites import parse_html

LANGUAGES = bundled_languages()
SCHEMA = json.loads((REPO_ROOT / "schemas" / "servers.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", name="bundled_relays")
def bundled_relays_fixture() -> tuple[Relay, ...]:
    return bundled_relays()


def list_entries(result: BuildResult, output: str) -> list[tuple[str, str]]:
    """(domain shown, href) of each entry of the relay list on a built page."""
    page = parse_html(result.files[output])
    return [(link.text.strip(), link.attrs["href"]) for link in page.find_all("a", class_="relay-link")]


def relay_list_text(result: BuildResult, output: str) -> str:
    html = result.files[output].decode("utf-8")
    start = html.index('<ul class="relay-list">')
    return " ".join(html[start : html.index("</article>", start)].split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_lists_exactly_the_listed_relays_of_servers_yaml(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...], lang: str
) -> None:
    shown = [domain for domain, _ in list_entries(bundled_build, f"{lang}/chatmail.html")]
    assert shown == [relay.domain for relay in bundled_relays if relay.listed]


def test_the_default_relay_comes_first(bundled_build: BuildResult, bundled_relays: tuple[Relay, ...]) -> None:
    (default,) = [relay for relay in bundled_relays if relay.default]
    for lang in LANGUAGES:
        page = parse_html(bundled_build.files[f"{lang}/chatmail.html"])
        entries = page.find_all("li", class_="relay-entry relay-default")
        assert len(entries) == 1
        assert list_entries(bundled_build, f"{lang}/chatmail.html")[0][0] == default.domain


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_entry_links_to_the_relays_page_in_the_same_language(
    bundled_build: BuildResult, lang: str
) -> None:
    for domain, href in list_entries(bundled_build, f"{lang}/chatmail.html"):
        target = posixpath.normpath(posixpath.join(lang, href))
        assert target == f"{lang}/servers/{domain}"
        assert target + ".html" in bundled_build.files


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ["Polnisch", "Januar 2024", "Vereinigte Staaten", "Dezember 2023", "Italienisch"]),
        ("fr", ["polonais", "janvier 2024", "États-Unis", "décembre 2023", "italien"]),
        ("nl", ["Pools", "januari 2024", "Verenigde Staten", "december 2023", "Italiaans"]),
        ("en", ["Polish", "January 2024", "United States", "December 2023", "Italian"]),
    ],
)
def test_names_and_dates_are_in_the_pages_language(
    bundled_build: BuildResult, lang: str, words: list[str]
) -> None:
    text = relay_list_text(bundled_build, f"{lang}/chatmail.html")
    for word in words:
        assert word in text


def test_english_month_names_do_not_leak_into_other_languages(bundled_build: BuildResult) -> None:
    for lang in ("de", "fr", "nl"):
        text = relay_list_text(bundled_build, f"{lang}/chatmail.html")
        assert "January" not in text
        assert "Polish" not in text


def test_servers_json_is_valid_and_holds_the_listed_relays_with_their_pages(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...]
) -> None:
    document = json.loads(bundled_build.files["servers.json"])
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert [entry["domain"] for entry in document["relays"]] == [r.domain for r in bundled_relays if r.listed]
    for entry in document["relays"]:
        assert sorted(entry["pages"]) == sorted(LANGUAGES)
        for url in entry["pages"].values():
            assert url + ".html" in bundled_build.files


def test_a_note_shows_only_in_its_own_language(bundled_site: Path) -> None:
    servers = bundled_site / "content" / "servers.yaml"
    text = servers.read_text(encoding="utf-8").replace(
        "- domain: mehl.cloud\n",
        "- domain: mehl.cloud\n  notes:\n    de: Betrieben von einem kleinen Verein.\n",
    )
    servers.write_text(text, encoding="utf-8")
    result = build_site(bundled_site)
    assert result.diagnostics.errors == []
    assert "Betrieben von einem kleinen Verein." in relay_list_text(result, "de/chatmail.html")
    assert "Betrieben von einem kleinen Verein." in result.files["de/servers/mehl.cloud.html"].decode()
    for lang in ("en", "fr", "nl"):
        assert "Betrieben" not in relay_list_text(result, f"{lang}/chatmail.html")


def test_a_mistyped_directive_is_an_error_at_its_line(bundled_site: Path) -> None:
    page = bundled_site / "content" / "de" / "chatmail.md"
    lines = page.read_text(encoding="utf-8").split("\n")
    number = lines.index("{% relays %}") + 1
    lines[number - 1] = "{% relay %}"
    page.write_text("\n".join(lines), encoding="utf-8")
    result = build_site(bundled_site)
    (error,) = [d for d in result.diagnostics.errors if d.path == "content/de/chatmail.md"]
    assert error.line == number
    assert "unknown directive `relay`" in error.message
    assert "{% relays %}" in error.hint

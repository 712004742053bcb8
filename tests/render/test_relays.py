"""The `{% relays %}` list: one servers.yaml, the same relays on every language's page, localized."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

import jsonschema
import pytest
from babel import Locale

from chatmail_site.build import BuildResult, build_site
from chatmail_site.core.urls import page_output, page_url
from chatmail_site.load.servers import Relay, relay_slug
from tests.support import REPO_ROOT
from tests.support.relays import bundled_languages, bundled_relays
from tests.support.sites import parse_html

LANGUAGES = bundled_languages()
SCHEMA = json.loads((REPO_ROOT / "schemas" / "servers.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", name="bundled_relays")
def bundled_relays_fixture() -> tuple[Relay, ...]:
    return bundled_relays()


def chatmail_page(lang: str) -> str:
    """The output file of the page that holds the relay list, in `lang`."""
    return page_output(lang, "chatmail")


def list_entries(result: BuildResult, output: str) -> list[tuple[str, str]]:
    """(domain shown, href) of each entry of the relay list on a built page."""
    page = parse_html(result.files[output])
    return [(link.text.strip(), link.attrs["href"]) for link in page.find_all("a", class_="relay-link")]


def list_outline(result: BuildResult, output: str) -> list[tuple[str, list[str]]]:
    """The relay list's groups in order: (heading, or "" for none; the domains below it)."""
    outline: list[tuple[str, list[str]]] = []
    for element in parse_html(result.files[output]).elements:
        classes = element.attrs.get("class", "").split()
        if element.tag == "section" and "relay-group" in classes:
            outline.append(("", []))
        elif element.tag == "h3" and "relay-group-heading" in classes:
            outline[-1] = (" ".join(element.text.split()), [])
        elif element.tag == "a" and "relay-link" in classes:
            outline[-1][1].append(element.text.strip())
    return outline


def relay_list_text(result: BuildResult, output: str) -> str:
    html = result.files[output].decode("utf-8")
    start = html.index('<div class="relay-directory">')
    return " ".join(html[start : html.index("</article>", start)].split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_lists_exactly_the_listed_relays_of_servers_yaml(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...], lang: str
) -> None:
    shown = [domain for domain, _ in list_entries(bundled_build, chatmail_page(lang))]
    assert sorted(shown) == sorted(relay.domain for relay in bundled_relays if relay.listed)
    assert len(shown) == len(set(shown)) == 26


def test_the_default_relay_comes_first(bundled_build: BuildResult, bundled_relays: tuple[Relay, ...]) -> None:
    (default,) = [relay for relay in bundled_relays if relay.default]
    for lang in LANGUAGES:
        page = parse_html(bundled_build.files[chatmail_page(lang)])
        entries = page.find_all("li", class_="relay-entry relay-default")
        assert len(entries) == 1
        assert list_entries(bundled_build, chatmail_page(lang))[0][0] == default.domain


def test_relays_of_the_readers_language_follow_the_default_then_the_regions(
    bundled_build: BuildResult,
) -> None:
    assert list_outline(bundled_build, chatmail_page("de")) == [
        ("", ["nine.testrun.org"]),
        ("Relays in Ihrer Sprache: Deutsch", ["mehl.cloud", "chat.adminforge.de"]),
        (
            "Amerika",
            ["chika.aangat.lahat.computer", "chtml.ca", "uninterest.ing", "sweetfern.net"],
        ),
        (
            "Europa",
            [
                "tarpit.fun",
                "d.gaufr.es",
                "e2ee.im",
                "chatmail.email",
                "danneskjold.de",
                "chat.in-the.eu",
                "chat.nuvon.app",
                "nibblehole.com",
                "chat.zashm.org",
                "delta.thelab.uno",
                "chat.vim.wtf",
                "delta.disobey.net",
            ],
        ),
        ("Ozeanien", ["chatmail.au"]),
        ("Afrika", ["e2ee.wang"]),
        ("Asien", ["chat.privittytech.com"]),
        ("Welt", ["chat.sus.fr"]),
        (
            "Unbekannte Region",
            ["mailchat.pl", "chatmail.woodpeckersnest.space", "chatmail.culturanerd.it"],
        ),
    ]


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_a_language_without_its_own_relays_goes_from_the_default_to_the_regions(
    bundled_build: BuildResult, lang: str
) -> None:
    outline = list_outline(bundled_build, chatmail_page(lang))
    territories = Locale.parse(lang).territories
    headings = [heading.casefold() for heading, _ in outline[1:]]
    assert outline[0] == ("", ["nine.testrun.org"])
    assert len(headings) == len(set(headings)) == 7
    assert set(headings) == {
        territories[code].casefold() for code in ("002", "019", "142", "150", "009", "001", "ZZ")
    }
    assert outline[-2] == (territories["001"][:1].upper() + territories["001"][1:], ["chat.sus.fr"])
    assert outline[-1][0] == territories["ZZ"][:1].upper() + territories["ZZ"][1:]


def resolve(from_url: str, href: str) -> str:
    """The site-relative URL a relative link on the page at `from_url` leads to."""
    folder = from_url if from_url.endswith("/") else posixpath.dirname(from_url)
    return posixpath.normpath(posixpath.join(folder, href))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_entry_links_to_the_relays_page_in_the_same_language(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...], lang: str
) -> None:
    relays = {relay.domain: relay for relay in bundled_relays}
    for domain, href in list_entries(bundled_build, chatmail_page(lang)):
        slug = relay_slug(relays[domain])
        assert href == f"../servers/{slug.rpartition('/')[2]}/"  # a folder, linked with its slash
        assert resolve(page_url(lang, "chatmail"), href) == posixpath.normpath(page_url(lang, slug))
        assert page_output(lang, slug) in bundled_build.files


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_country_is_named_in_the_pages_language_and_every_place_as_written(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...], lang: str
) -> None:
    text = relay_list_text(bundled_build, chatmail_page(lang))
    territories = Locale.parse(lang).territories
    english = Locale.parse("en").territories
    for relay in bundled_relays:
        for code in relay.countries:
            assert territories[code] in text, (relay.domain, code)
            if english[code] != territories[code]:
                assert not re.search(rf"\b{re.escape(english[code])}\b", text), (relay.domain, code)
        if relay.hosted_in:
            assert relay.hosted_in in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            [
                "Gehostet in: Helsinki, Finnland",
                "Gehostet in: Prague, Tschechien",
                "Gehostet in: Johannesburg, Südafrika",
                "Gehostet in: Island, Japan, Kenia und Südafrika",
                "Gehostet in: Santa Clara (California), Vereinigte Staaten",
                "Sprache der Community: Polnisch",
            ],
        ),
        (
            "fr",
            [
                "Hébergement : Helsinki, Finlande",
                "Hébergement : Prague, Tchéquie",
                "Hébergement : Johannesburg, Afrique du Sud",
                "Hébergement : Islande, Japon, Kenya et Afrique du Sud",
                "Langue de la communauté : polonais",
            ],
        ),
        ("nl", ["Gehost in: Helsinki, Finland", "Gehost in: IJsland, Japan, Kenia en Zuid-Afrika"]),
        ("en", ["Hosted in: Helsinki, Finland", "Hosted in: Iceland, Japan, Kenya, and South Africa"]),
    ],
)
def test_names_are_in_the_pages_language_and_several_countries_a_list_of_it(
    bundled_build: BuildResult, lang: str, words: list[str]
) -> None:
    text = relay_list_text(bundled_build, chatmail_page(lang))
    for word in words:
        assert word in text


@pytest.mark.parametrize("lang", ["sk", "id"])
def test_a_fallback_pages_list_is_all_in_the_originals_language(
    bundled_build: BuildResult, lang: str
) -> None:
    """Without a theme catalog the labels are English; the names beside them are too."""
    text = relay_list_text(bundled_build, chatmail_page(lang))
    assert "Hosted in: Helsinki, Finland" in text
    assert "Community language: German" in text
    local = Locale.parse(lang).territories
    for code in ("FI", "DE", "ZA", "CZ"):
        assert Locale.parse("en").territories[code] in text
        assert not re.search(rf"\b{re.escape(local[code])}\b", text)


def test_servers_json_is_valid_and_holds_the_listed_relays_with_their_pages(
    bundled_build: BuildResult, bundled_relays: tuple[Relay, ...]
) -> None:
    document = json.loads(bundled_build.files["servers.json"])
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert [entry["domain"] for entry in document["relays"]] == [r.domain for r in bundled_relays if r.listed]
    assert len(document["relays"]) == 26
    for entry, relay in zip(document["relays"], bundled_relays, strict=True):
        assert entry["pages"] == {lang: page_url(lang, relay_slug(relay)) for lang in LANGUAGES}
        for lang in LANGUAGES:
            assert page_output(lang, relay_slug(relay)) in bundled_build.files
        assert entry["qr_png"] in bundled_build.files
    sus = next(entry for entry in document["relays"] if entry["domain"] == "chat.sus.fr")
    assert sus["countries"] == ["IS", "JP", "KE", "ZA"]


def test_a_note_shows_only_in_its_own_language(bundled_site: Path) -> None:
    servers = bundled_site / "content" / "servers.yaml"
    text = servers.read_text(encoding="utf-8").replace(
        "- domain: mehl.cloud\n",
        "- domain: mehl.cloud\n  notes:\n    de: Betrieben von einem kleinen Verein.\n",
    )
    servers.write_text(text, encoding="utf-8")
    result = build_site(bundled_site)
    assert result.diagnostics.errors == []
    assert "Betrieben von einem kleinen Verein." in relay_list_text(result, chatmail_page("de"))
    assert "Betrieben von einem kleinen Verein." in result.files["de/servers/mehl.cloud/index.html"].decode()
    for lang in ("en", "fr", "nl"):
        assert "Betrieben" not in relay_list_text(result, chatmail_page(lang))


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


def test_a_fallback_page_shows_the_list_in_the_originals_language_even_where_the_theme_is_translated(
    bundled_site: Path,
) -> None:
    (bundled_site / "content" / "de" / "chatmail.md").unlink()
    result = build_site(bundled_site)
    assert result.diagnostics.errors == []
    text = relay_list_text(result, chatmail_page("de"))
    assert "Hosted in: Helsinki, Finland" in text
    assert "Finnland" not in text
    assert "Gehostet" not in text
    # The reader still finds the German community's relays first, linked in German.
    outline = list_outline(result, chatmail_page("de"))
    assert outline[1] == ("Relays in your language: German", ["mehl.cloud", "chat.adminforge.de"])


def test_servers_json_follows_source_date_epoch_and_gives_absolute_addresses(
    bundled_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1783296000")  # 2026-07-06
    first = build_site(bundled_site, base_url="https://relays.example/chatmail")
    second = build_site(bundled_site, base_url="https://relays.example/chatmail")
    assert first.files["servers.json"] == second.files["servers.json"]
    document = json.loads(first.files["servers.json"])
    jsonschema.validate(
        document, SCHEMA, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker()
    )
    assert document["version"] == 1
    assert document["generated"] == "2026-07-06"
    assert document["base_url"] == "https://relays.example/chatmail/"
    for entry in document["relays"]:
        assert entry["page_urls"] == {
            lang: "https://relays.example/chatmail/" + url for lang, url in entry["pages"].items()
        }
        assert entry["qr_png_url"] == "https://relays.example/chatmail/" + entry["qr_png"]


def test_the_filter_is_a_script_of_the_site_itself_and_hidden_without_it(bundled_build: BuildResult) -> None:
    for lang in LANGUAGES:
        html = parse_html(bundled_build.files[chatmail_page(lang)])
        (form,) = html.find_all("div", class_="relay-filter")
        assert "hidden" in form.attrs
        scripts = [element for element in html.elements if element.tag == "script"]
        assert scripts and all(script.text.strip() == "" for script in scripts)
        for script in scripts:
            source = resolve(page_url(lang, "chatmail"), script.attrs["src"])
            assert source.startswith("assets/relay-filter.") and source in bundled_build.files

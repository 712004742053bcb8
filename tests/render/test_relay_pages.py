"""Relay pages: one per relay and language, with a Join link and a QR invite a real decoder reads."""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.core import qr
from chatmail_site.core.urls import page_output
from chatmail_site.load.i18n import build_date
from chatmail_site.load.servers import Relay, relay_slug
from tests.support import REPO_ROOT
from tests.support.qr import decode_png, decode_svg
from tests.support.relays import bundled_languages, bundled_relays
from tests.support.sites import page, parse_html

LANGUAGES = bundled_languages()
INLINE_QR = re.compile(
    r'<div class="relay-qr-code" role="img" aria-label="[^"]+">(<svg .*?</svg>)</div>', re.S
)

UNLISTED_RELAY = "\n- domain: hidden.example.org\n  listed: false\n  country: DE\n  since: 2024-03\n"


RELAYS = bundled_relays()
RELAY_IDS = [relay.ascii_domain for relay in RELAYS]


def relay_page(result: BuildResult, lang: str, relay: Relay) -> str:
    return result.files[page_output(lang, relay_slug(relay))].decode("utf-8")


@pytest.mark.parametrize("relay", RELAYS, ids=RELAY_IDS)
def test_the_png_download_decodes_to_the_invite(bundled_build: BuildResult, relay: Relay) -> None:
    assert decode_png(bundled_build.files[f"qr/{relay.ascii_domain}.png"]) == relay.invite_uri


@pytest.mark.parametrize("relay", RELAYS, ids=RELAY_IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_inline_svg_decodes_to_the_invite(bundled_build: BuildResult, relay: Relay, lang: str) -> None:
    (svg,) = INLINE_QR.findall(relay_page(bundled_build, lang, relay))
    assert decode_svg(svg) == relay.invite_uri


@pytest.mark.parametrize("relay", RELAYS, ids=RELAY_IDS)
def test_the_join_button_and_the_download_link(bundled_build: BuildResult, relay: Relay) -> None:
    for lang in LANGUAGES:
        url = f"{lang}/servers/{relay.ascii_domain}/"
        html = parse_html(relay_page(bundled_build, lang, relay))
        join = html.find("a", class_="cta-button relay-join-button")
        assert join.attrs["href"] == relay.invite_uri
        assert relay.domain in join.text
        download = html.find("a", class_="relay-qr-download")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(url), download.attrs["href"]))
        assert target == f"qr/{relay.ascii_domain}.png"
        assert html.find("figure", class_="relay-qr")
        assert html.find("figcaption").text.strip()
        label = html.find("div", class_="relay-qr-code", role="img").attrs["aria-label"]
        assert relay.domain in label


def test_links_from_a_relay_page_reach_the_site_three_folders_up(bundled_build: BuildResult) -> None:
    relay = RELAYS[0]
    html = parse_html(relay_page(bundled_build, "de", relay))
    stylesheet = html.find("link", rel="stylesheet").attrs["href"]
    assert stylesheet.startswith("../../../assets/")
    page_folder = f"de/servers/{relay.ascii_domain}"
    assert posixpath.normpath(posixpath.join(page_folder, stylesheet)) in bundled_build.files
    assert html.find("a", class_="brand").attrs["href"] == "../../../de/"


def test_relay_pages_are_alternates_of_each_other(bundled_site: Path) -> None:
    """Every language with a theme catalog; relay pages elsewhere are English fallbacks."""
    base = "https://example.org/"
    result = build_site(bundled_site, base_url=base)
    relay = RELAYS[0]
    html = parse_html(relay_page(result, "fr", relay))
    alternates = {
        link.attrs["hreflang"]: link.attrs["href"] for link in html.find_all("link", rel="alternate")
    }
    themed = [lang for lang in LANGUAGES if lang == "en" or (REPO_ROOT / "locales" / lang).is_dir()]
    assert len(themed) < len(LANGUAGES), "the bundled site should offer a language without catalog"
    expected = {lang: f"{base}{lang}/servers/{relay.ascii_domain}/" for lang in themed}
    expected["x-default"] = f"{base}en/servers/{relay.ascii_domain}/"
    assert alternates == expected
    assert html.find("link", rel="canonical").attrs["href"] == f"{base}fr/servers/{relay.ascii_domain}/"
    assert not html.find_all("meta", name="robots")
    switcher = html.find_all("a", hreflang="nl", lang="nl")
    assert switcher[0].attrs["href"] == f"../../../nl/servers/{relay.ascii_domain}/"


@pytest.mark.parametrize(
    ("lang", "domain", "facts"),
    [
        (
            "de",
            "chat.adminforge.de",
            ["Gehostet in: Falkenstein, Deutschland", "Sprache der Community: Deutsch"],
        ),
        (
            "fr",
            "chat.adminforge.de",
            ["Hébergement : Falkenstein, Allemagne", "Langue de la communauté : allemand"],
        ),
        ("de", "chat.sus.fr", ["Gehostet in: Island, Japan, Kenia und Südafrika"]),
        ("fr", "chat.sus.fr", ["Hébergement : Islande, Japon, Kenya et Afrique du Sud"]),
        ("nl", "chika.aangat.lahat.computer", ["Gehost in: Santa Clara (California), Verenigde Staten"]),
        # Without a theme catalog the page is English, its names included.
        ("sk", "chat.nuvon.app", ["Hosted in: Prague, Czechia"]),
    ],
)
def test_relay_facts_are_localized_on_its_page(
    bundled_build: BuildResult, lang: str, domain: str, facts: list[str]
) -> None:
    (relay,) = [relay for relay in RELAYS if relay.domain == domain]
    text = " ".join(relay_page(bundled_build, lang, relay).split())
    for fact in facts:
        assert fact in text


@pytest.fixture
def site_with_unlisted_relay(bundled_site: Path) -> BuildResult:
    servers = bundled_site / "content" / "servers.yaml"
    servers.write_text(servers.read_text(encoding="utf-8") + UNLISTED_RELAY, encoding="utf-8")
    result = build_site(bundled_site)
    assert result.diagnostics.errors == []
    return result


def test_an_unlisted_relay_has_a_noindex_page_and_nothing_else_public(
    site_with_unlisted_relay: BuildResult,
) -> None:
    files = site_with_unlisted_relay.files
    for lang in LANGUAGES:
        html = parse_html(files[f"{lang}/servers/hidden.example.org/index.html"])
        assert html.find("meta", name="robots").attrs["content"] == "noindex"
        assert html.find("a", class_="cta-button relay-join-button").attrs["href"] == (
            "DCACCOUNT:https://hidden.example.org/new"
        )
        assert "hidden.example.org" not in files[f"{lang}/chatmail/index.html"].decode()
    assert "hidden.example.org" not in files["servers.json"].decode()
    assert decode_png(files["qr/hidden.example.org.png"]) == "DCACCOUNT:https://hidden.example.org/new"
    document = json.loads(files["servers.json"])
    assert len(document["relays"]) == sum(1 for relay in RELAYS if relay.listed)


def counting(monkeypatch: pytest.MonkeyPatch, name: str, calls: Counter[str]) -> None:
    """Count the calls of a function of the QR module, still drawing real codes."""
    real: Callable[..., object] = getattr(qr, name)

    def counted(payload: str, *args: object, **kwargs: object) -> object:
        calls[payload] += 1
        return real(payload, *args, **kwargs)

    monkeypatch.setattr(qr, name, counted)


def test_each_qr_code_is_drawn_once_per_build(bundled_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png_calls: Counter[str] = Counter()
    svg_calls: Counter[str] = Counter()
    counting(monkeypatch, "qr_png", png_calls)
    counting(monkeypatch, "qr_svg", svg_calls)
    result = build_site(bundled_site)
    invites = {relay.invite_uri for relay in RELAYS}
    assert png_calls == Counter(dict.fromkeys(invites, 1))
    assert svg_calls == Counter(dict.fromkeys(invites, 1))
    assert decode_png(result.files[f"qr/{RELAYS[0].ascii_domain}.png"]) == RELAYS[0].invite_uri


def test_a_page_named_like_the_relay_folder_is_an_error(make_site: Callable[[dict[str, str]], Path]) -> None:
    site = make_site(
        {
            "content/en/servers.md": page("Servers", "en"),
            "content/servers.yaml": "- domain: nine.testrun.org\n",
        }
    )
    result = build_site(site)
    (error,) = [d for d in result.diagnostics.errors if d.path == "content/en/servers.md"]
    assert "servers" in error.message
    assert error.hint


def test_an_international_domain_gets_its_page_under_the_ascii_name(
    make_site: Callable[[dict[str, str]], Path],
) -> None:
    site = make_site({"content/servers.yaml": "- domain: bücher.example\n"})
    result = build_site(site)
    assert result.diagnostics.errors == []
    html = result.files["en/servers/xn--bcher-kva.example/index.html"].decode()
    assert "<h1>bücher.example</h1>" in html
    assert (
        decode_png(result.files["qr/xn--bcher-kva.example.png"])
        == "DCACCOUNT:https://xn--bcher-kva.example/new"
    )


def test_build_date_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709251200")  # 2024-03-01 00:00 UTC
    assert build_date() == date(2024, 3, 1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_date() == date.today()


def test_servers_yaml_is_checked_against_the_build_date(
    make_site: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709251200")  # 2024-03-01
    site = make_site({"content/servers.yaml": "- domain: nine.testrun.org\n  since: 2024-05\n"})
    (error,) = build_site(site).diagnostics.errors
    assert (error.path, error.line) == ("content/servers.yaml", 2)
    assert "future" in error.message

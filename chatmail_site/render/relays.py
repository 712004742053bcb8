"""The relay directory on the site: list entries, relay page facts, QR files and servers.json.

servers.yaml is read once per build; everything here turns those records into plain data
for the theme's templates (relay-list.html, relay.html) in one language at a time. Nothing
here knows the page plan: callers pass the links they want, so this module only depends
on the stages below the build.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from babel.lists import format_list

from chatmail_site.core import qr, regions
from chatmail_site.load.i18n import Language, language_display_name, month_year, territory_name
from chatmail_site.load.servers import Relay, qr_png_output, servers_json
from chatmail_site.model.cache import DerivedCache

SERVERS_JSON = "servers.json"
# The theme's script that lets a reader narrow the relay list (see relay-list.html).
FILTER_SCRIPT = "relay-filter.js"


def listed(relays: Iterable[Relay]) -> list[Relay]:
    """The relays shown in public lists, default first (servers.yaml's loader orders them)."""
    return [relay for relay in relays if relay.listed]


def relay_facts(relay: Relay, language: Language) -> dict[str, Any]:
    """What the templates show about a relay, localized in the language of the theme's strings.

    Names and dates follow the language the labels around them come out in (`ui_locale`):
    in a language without a theme catalog the labels are English, and so are the values.
    `hosted_in` is shown as written: place names are not translated.
    """
    locale = language.ui_locale
    language_names = [language_display_name(tag, locale) for tag in relay.languages]
    country_names = [territory_name(code, locale) for code in relay.countries]
    countries = format_list(country_names, locale=locale) if country_names else None
    return {
        "domain": relay.domain,
        "ascii_domain": relay.ascii_domain,
        "default": relay.default,
        "languages": format_list(language_names, locale=locale) if language_names else None,
        "language_count": len(language_names),
        "language_codes": " ".join(relay.languages),
        "countries": countries,
        "country_codes": " ".join(relay.countries),
        "hosted_in": relay.hosted_in,
        "place": ", ".join(part for part in (relay.hosted_in, countries) if part) or None,
        "since": month_year(relay.since, locale) if relay.since else None,
        "operator": relay.operator,
        "retention_days": relay.retention_days,
        "website": relay.website,
        "note": relay.notes.get(language.code),
        "invite_uri": relay.invite_uri,
    }


def relay_list(
    relays: Iterable[Relay], language: Language, reader_language: str, href: Callable[[Relay], str]
) -> dict[str, Any]:
    """The `{% relays %}` list: every listed relay once, in groups a reader can scan on a phone.

    The default relay comes first; then the relays whose community speaks the reader's
    language (`reader_language`, the page's language); then the others by world region.
    Within a group, relays keep the order of servers.yaml. Texts are in `language`, the
    language the list is shown in. `filters` are the countries and languages a reader may
    narrow the list to, each with its localized name.
    """
    shown = listed(relays)
    spoken = _primary_language(reader_language)
    groups: list[dict[str, Any]] = []

    def add(kind: str, heading: str | None, members: list[Relay]) -> None:
        if members:
            entries = [{**relay_facts(relay, language), "href": href(relay)} for relay in members]
            groups.append({"kind": kind, "heading": heading, "relays": entries})

    community: list[Relay] = []
    by_region: dict[str, list[Relay]] = {}
    for relay in shown:
        if relay.default:
            continue
        if spoken in map(_primary_language, relay.languages):
            community.append(relay)
        else:
            by_region.setdefault(regions.region_of(relay.countries), []).append(relay)
    add("default", None, [relay for relay in shown if relay.default])
    add("community", language_display_name(reader_language, language.ui_locale), community)
    for region in sorted(by_region, key=_region_order):
        add("region", _heading(territory_name(region, language.ui_locale)), by_region[region])
    return {"groups": groups, "filters": _filters(shown, language)}


def _heading(name: str) -> str:
    """A region's name as a heading: CLDR writes some in lower case for use inside a sentence."""
    return name[:1].upper() + name[1:]


def _primary_language(tag: str) -> str:
    """`pt-BR` → `pt`: a Brazilian page shows relays of every Portuguese community first."""
    return tag.split("-")[0].lower()


def _region_order(region: str) -> int:
    """Continents as they first appear in servers.yaml; several continents, then unknown, last."""
    return {regions.WORLD: 1, regions.UNKNOWN_REGION: 2}.get(region, 0)


def _filters(relays: list[Relay], language: Language) -> dict[str, list[dict[str, str]]]:
    """The countries and the community languages of the relays, by name in the list's language."""
    locale = language.ui_locale
    countries = {code for relay in relays for code in relay.countries}
    languages = {tag for relay in relays for tag in relay.languages}
    return {
        "countries": _named_options(countries, lambda code: territory_name(code, locale)),
        "languages": _named_options(languages, lambda tag: language_display_name(tag, locale)),
    }


def _named_options(codes: Iterable[str], name_of: Callable[[str], str]) -> list[dict[str, str]]:
    """Codes with their names, sorted by name as a reader looks for it (accents aside)."""
    options = [{"code": code, "name": name_of(code)} for code in codes]
    return sorted(options, key=lambda option: (_sort_key(option["name"]), option["code"]))


def _sort_key(name: str) -> str:
    # Without a collation library, dropping accents puts "Österreich" among the O's.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class RelayImages:
    """Each relay's QR invite code, drawn once per invite however many languages show it,
    and across rebuilds when given the cache of the previous ones."""

    def __init__(self, cache: DerivedCache | None = None) -> None:
        self._cache = cache if cache is not None else DerivedCache()

    def svg(self, relay: Relay) -> str:
        return self._cache.get("qr-svg", relay.invite_uri, lambda: qr.qr_svg(relay.invite_uri))

    def png(self, relay: Relay) -> bytes:
        return self._cache.get("qr-png", relay.invite_uri, lambda: qr.qr_png(relay.invite_uri))

    def files(self, relays: Iterable[Relay]) -> dict[str, bytes]:
        """The PNG download of every relay, listed or not (its own page links to it)."""
        return {qr_png_output(relay): self.png(relay) for relay in relays}


def servers_json_file(
    relays: Iterable[Relay],
    page_url: Callable[[str, Relay], str],
    languages: Iterable[str],
    *,
    generated: date,
    base_url: str | None,
) -> bytes:
    """servers.json: the listed relays with the URL of their page in every language and of
    their QR code, absolute as well when the site's address is known."""
    relays = tuple(relays)
    languages = tuple(languages)
    page_urls = {relay.domain: {lang: page_url(lang, relay) for lang in languages} for relay in relays}
    qr_paths = {relay.domain: qr_png_output(relay) for relay in relays}
    document = servers_json(relays, page_urls, qr_paths, generated=generated, base_url=base_url)
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")

"""The relay directory on the site: list entries, relay page facts, QR files and servers.json.

servers.yaml is read once per build; everything here turns those records into plain data
for the theme's templates (relay-list.html, relay.html) in one language at a time. Nothing
here knows the page plan: callers pass the links they want, so this module only depends
on the stages below the build.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from babel.lists import format_list

from . import qr
from .cache import DerivedCache
from .config import SiteConfig
from .errors import Diagnostics
from .i18n import Language
from .servers import Relay, load_servers, servers_json

# The folder below each language folder that holds one page per relay.
RELAY_FOLDER = "servers"
QR_FOLDER = "qr"
SERVERS_JSON = "servers.json"


def relay_slug(relay: Relay) -> str:
    """The slug of a relay's page: `servers/<ascii domain>`, the same in every language."""
    return f"{RELAY_FOLDER}/{relay.ascii_domain}"


def qr_png_output(relay: Relay) -> str:
    """Where the relay's QR invite code is published as a PNG, below the output root."""
    return f"{QR_FOLDER}/{relay.ascii_domain}.png"


def load_relays(config: SiteConfig, diagnostics: Diagnostics, *, today: date) -> tuple[Relay, ...]:
    """The relays of content/servers.yaml, with diagnostics naming the file as the site sees it.

    A site without servers.yaml simply has no relays.
    """
    found = Diagnostics()
    relays = load_servers(config.servers_file, found, today=today, missing_ok=True)
    shown = _display_path(config, config.servers_file)
    diagnostics.extend(
        dataclasses.replace(item, path=shown) if item.path == str(config.servers_file) else item
        for item in found
    )
    return relays


def _display_path(config: SiteConfig, path: Path) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def listed(relays: Iterable[Relay]) -> list[Relay]:
    """The relays shown in public lists, default first (servers.yaml's loader orders them)."""
    return [relay for relay in relays if relay.listed]


def relay_facts(relay: Relay, language: Language) -> dict[str, Any]:
    """What the templates show about a relay, already localized for `language`."""
    names = [language.language_name(tag) for tag in relay.languages]
    return {
        "domain": relay.domain,
        "ascii_domain": relay.ascii_domain,
        "default": relay.default,
        "languages": format_list(names, locale=language.locale) if names else None,
        "language_count": len(names),
        "country": language.country_name(relay.country) if relay.country else None,
        "since": language.month_year(relay.since) if relay.since else None,
        "operator": relay.operator,
        "retention_days": relay.retention_days,
        "website": relay.website,
        "note": relay.notes.get(language.code),
        "invite_uri": relay.invite_uri,
    }


def relay_list_entries(
    relays: Iterable[Relay], language: Language, href: Callable[[Relay], str]
) -> list[dict[str, Any]]:
    """The listed relays for the `{% relays %}` list, each with the link to its page."""
    return [{**relay_facts(relay, language), "href": href(relay)} for relay in listed(relays)]


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
    relays: Iterable[Relay], page_url: Callable[[str, Relay], str], languages: Iterable[str]
) -> bytes:
    """servers.json: the listed relays with the URL of their page in every language."""
    relays = tuple(relays)
    languages = tuple(languages)
    page_urls = {relay.domain: {lang: page_url(lang, relay) for lang in languages} for relay in relays}
    document = servers_json(relays, page_urls)
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")

"""The relay directory: content/servers.yaml → validated, ordered relay records.

servers.yaml is the only place where relays are listed; every page, list, QR code and the
public servers.json derive from the records built here. This module knows nothing about
HTML or nginx. Every mistake in the file becomes a `path:line` diagnostic with a hint.

The file is a top-level YAML list with one mapping per relay (see docs/servers.md).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

import babel
from babel import localedata

from chatmail_site.core.domainname import InvalidDomain, normalize_domain
from chatmail_site.core.errors import Diagnostics, did_you_mean, known_keys_hint
from chatmail_site.core.safety import MAX_DATA_FILE_BYTES, read_source_text
from chatmail_site.core.yamlutil import LineDict, LineList, describe_type, expect_text, load_yaml
from chatmail_site.load.config import SiteConfig
from chatmail_site.load.content import display_path

InviteForm = Literal["legacy", "short"]
INVITE_FORMS: tuple[InviteForm, ...] = ("legacy", "short")

# The format of servers.json: raised only when a reader of the previous format would
# misread the new one. New keys are added without raising it.
SERVERS_JSON_VERSION = 1

KNOWN_KEYS = frozenset(
    {
        "domain",
        "languages",
        "country",
        "countries",
        "hosted_in",
        "since",
        "operator",
        "default",
        "listed",
        "website",
        "invite",
        "retention_days",
        "notes",
    }
)

# Babel's territory list also holds regions, groupings and pseudo-regions (XA, XB) that are
# no country a relay can be hosted in; ISO 3166-1 alpha-2 codes are the two-letter entries
# minus these.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")

# `hosted_in` is shown on one line of a relay card on a phone.
HOSTED_IN_MAX_LENGTH = 80
# "Falkenstein, DE": a country code written into the place instead of into `countries`.
_TRAILING_COUNTRY = re.compile(r"^(?P<place>.*?)[,\s]+(?P<code>[A-Z]{2})$")


@dataclass(frozen=True)
class Relay:
    """One chatmail relay, as the pages, QR codes and servers.json see it.

    `domain` is the name as written (lowercase, possibly Unicode); `ascii_domain` is its
    IDNA form, used in every URL and invite. `since` is the first day of the month the
    relay has been stable since. `countries` are the ISO codes of where it is hosted (one or
    several), `hosted_in` the place as the maintainers wrote it (a city, never translated).
    `line` is where the relay starts in servers.yaml, so later stages can point at it.
    """

    domain: str
    ascii_domain: str
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    hosted_in: str | None = None
    since: date | None = None
    operator: str | None = None
    default: bool = False
    listed: bool = True
    website: str = ""
    invite: InviteForm = "legacy"
    retention_days: int | None = None
    notes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    line: int = field(default=0, compare=False)

    @property
    def invite_uri(self) -> str:
        """The text the QR invite code encodes; the Delta Chat app creates an account from it."""
        if self.invite == "short":
            return f"dcaccount:{self.ascii_domain}"
        return f"DCACCOUNT:https://{self.ascii_domain}/new"

    @property
    def country(self) -> str | None:
        """The first country the relay is hosted in: what a single-country reader shows."""
        return self.countries[0] if self.countries else None

    @property
    def since_text(self) -> str | None:
        """`since` as written in servers.yaml: YYYY-MM."""
        return self.since.strftime("%Y-%m") if self.since else None


def load_servers(
    path: Path, diagnostics: Diagnostics, *, today: date, missing_ok: bool = False
) -> tuple[Relay, ...]:
    """Read and validate servers.yaml, reporting every problem into `diagnostics`.

    Returns the relays in the order of the file, except that the default relay comes
    first. A relay whose domain is invalid is left out; other invalid fields are left at
    their defaults, so when `diagnostics` holds errors the result is only good for further
    checking, not for publishing. A missing file yields no
    relays, and is an error unless `missing_ok`.
    """
    text = _read_text(path, diagnostics, missing_ok=missing_ok)
    if text is None:
        return ()
    data = load_yaml(text, str(path), diagnostics)
    entries = _relay_entries(data, str(path), diagnostics)
    parsed = (_parse_relay(entry, line, str(path), diagnostics, today) for entry, line in entries)
    relays = [relay for relay in parsed if relay is not None]
    relays = _drop_duplicates(relays, str(path), diagnostics)
    _check_single_default(relays, str(path), diagnostics)
    return tuple(sorted(relays, key=_relay_order))


def servers_json(
    relays: Iterable[Relay],
    page_urls: Mapping[str, Mapping[str, str]],
    qr_paths: Mapping[str, str] | None = None,
    *,
    generated: date,
    base_url: str | None = None,
) -> dict[str, Any]:
    """The public servers.json document for the listed relays (see schemas/servers.schema.json).

    `page_urls` maps a relay's domain to {language: URL of its page, relative to the site
    root}, `qr_paths` a domain to the relative URL of its QR code image; relays without an
    entry get none. With `base_url` (ending in "/"), each relative address also appears in
    its absolute form, for readers that fetched the file from elsewhere. `generated` is the
    build's date, which follows SOURCE_DATE_EPOCH so that a rebuild gives the same bytes.
    """
    qr_paths = qr_paths or {}

    def absolute(url: str | None) -> str | None:
        return base_url + url if base_url and url is not None else None

    entries = []
    for relay in relays:
        if not relay.listed:
            continue
        pages = dict(sorted(page_urls.get(relay.domain, {}).items()))
        qr_path = qr_paths.get(relay.domain)
        entries.append(
            {
                "domain": relay.domain,
                "default": relay.default,
                "invite_uri": relay.invite_uri,
                "languages": list(relay.languages),
                "countries": list(relay.countries),
                "country": relay.country,
                "hosted_in": relay.hosted_in,
                "since": relay.since_text,
                "pages": pages,
                "qr_png": qr_path,
                "page_urls": {lang: absolute(url) for lang, url in pages.items()} if base_url else {},
                "qr_png_url": absolute(qr_path),
            }
        )
    return {
        "version": SERVERS_JSON_VERSION,
        "generated": generated.isoformat(),
        "base_url": base_url or None,
        "relays": entries,
    }


# --- reading the file -------------------------------------------------------------------


def _read_text(path: Path, diagnostics: Diagnostics, *, missing_ok: bool) -> str | None:
    if not path.exists() and not path.is_symlink():
        if not missing_ok:
            diagnostics.error(
                path,
                0,
                "the relay directory file does not exist",
                "create it; docs/servers.md shows the format",
            )
        return None
    return read_source_text(
        path,
        path,
        diagnostics,
        MAX_DATA_FILE_BYTES,
        "split the directory or remove old relays",
        "save it with the UTF-8 encoding in your editor",
    )


def _relay_entries(data: Any, path: str, diagnostics: Diagnostics) -> list[tuple[LineDict, int]]:
    """The relay mappings of the top-level list, each with its line; reports other shapes."""
    if data is None:
        return []
    if isinstance(data, LineDict):
        hint = (
            "remove the `relays:` line and start each relay at the left margin with `- domain: …`"
            if "relays" in data
            else "start each relay with `- domain: …`"
        )
        diagnostics.error(path, data.line, "the file must be a list of relays, not a mapping", hint)
        return []
    if not isinstance(data, LineList):
        diagnostics.error(
            path,
            1,
            f"the file must be a list of relays, not {describe_type(data)}",
            "start each relay with `- domain: …`",
        )
        return []
    entries = []
    for index, item in enumerate(data):
        line = data.line_of(index)
        if isinstance(item, LineDict):
            entries.append((item, line))
        else:
            diagnostics.error(
                path,
                line,
                f"a relay must be a mapping of keys, not {describe_type(item)}",
                "write the relay as `- domain: example.org` with its other keys indented below",
            )
    return entries


# --- one relay --------------------------------------------------------------------------


def _parse_relay(
    entry: LineDict, line: int, path: str, diagnostics: Diagnostics, today: date
) -> Relay | None:
    for key in entry:
        if key not in KNOWN_KEYS:
            diagnostics.error(
                path, entry.line_of(key), f"unknown key `{key}`", known_keys_hint(str(key), KNOWN_KEYS)
            )
    domains = _parse_domain(entry, path, diagnostics)
    if domains is None:
        return None
    domain, ascii_domain = domains
    website = _parse_website(entry, ascii_domain, path, diagnostics)
    return Relay(
        domain=domain,
        ascii_domain=ascii_domain,
        languages=_parse_languages(entry, path, diagnostics),
        countries=_parse_countries(entry, path, diagnostics),
        hosted_in=_parse_hosted_in(entry, path, diagnostics),
        since=_parse_since(entry, path, diagnostics, today),
        operator=expect_text(entry, "operator", path, diagnostics),
        default=_expect_bool(entry, "default", path, diagnostics, fallback=False),
        listed=_expect_bool(entry, "listed", path, diagnostics, fallback=True),
        website=website or f"https://{ascii_domain}/",
        invite=_parse_invite(entry, path, diagnostics),
        retention_days=_parse_retention(entry, path, diagnostics),
        notes=MappingProxyType(_parse_notes(entry, path, diagnostics)),
        line=line,
    )


def _parse_domain(entry: LineDict, path: str, diagnostics: Diagnostics) -> tuple[str, str] | None:
    """(domain as written in lowercase, its IDNA ASCII form), or None after reporting why not."""
    written = expect_text(entry, "domain", path, diagnostics, required=True)
    if written is None:
        return None
    try:
        ascii_domain = normalize_domain(written)
    except InvalidDomain as problem:
        hint = (
            "write only the host name, without https:// or a path, e.g. domain: nine.testrun.org"
            if "/" in written or ":" in written or "@" in written
            else "check the spelling; a domain looks like nine.testrun.org"
        )
        diagnostics.error(path, entry.line_of("domain"), str(problem), hint)
        return None
    return written.lower(), ascii_domain


def _parse_website(entry: LineDict, ascii_domain: str, path: str, diagnostics: Diagnostics) -> str | None:
    website = expect_text(entry, "website", path, diagnostics)
    if website is None:
        return None
    line = entry.line_of("website")
    parts = urlsplit(website.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        diagnostics.error(
            path,
            line,
            f"`website: {website}` is not a web address",
            f"write the full address, e.g. website: https://{ascii_domain}/",
        )
        return None
    host = parts.hostname
    try:
        ascii_host = normalize_domain(host)
    except InvalidDomain:
        ascii_host = host
    if ascii_host != ascii_domain:
        diagnostics.warning(
            path,
            line,
            f"the website's host `{host}` differs from the relay's domain `{ascii_domain}`",
            "check both for a typo; leave `website` out to use the relay's own home page",
        )
    return website.strip()


def _list_of(entry: LineDict, key: str, example: str, path: str, diagnostics: Diagnostics) -> LineList | None:
    """The list under `key`, or None when it is absent or, after an error, not a list."""
    value = entry.get(key)
    if value is None or isinstance(value, LineList):
        return value
    diagnostics.error(
        path,
        entry.line_of(key),
        f"`{key}` must be a list, not {describe_type(value)}",
        f"write it as {example}",
    )
    return None


def _parse_languages(entry: LineDict, path: str, diagnostics: Diagnostics) -> tuple[str, ...]:
    value = _list_of(entry, "languages", "languages: [de] or languages: [de, en]", path, diagnostics)
    if value is None:
        return ()
    tags = []
    for index, item in enumerate(value):
        tag = _language_tag(item, value.line_of(index), "languages", path, diagnostics)
        if tag:
            tags.append(tag)
    return tuple(dict.fromkeys(tags))


def _language_tag(value: Any, line: int, where: str, path: str, diagnostics: Diagnostics) -> str | None:
    """A valid language tag in its canonical form (`pt-BR`), or None after reporting."""
    if isinstance(value, bool):
        diagnostics.error(
            path,
            line,
            f"a language in `{where}` was read as the boolean {str(value).lower()}, not as a code",
            'put the code in quotes, e.g. "no" for Norwegian',
        )
        return None
    if not isinstance(value, str):
        diagnostics.error(
            path,
            line,
            f"a language in `{where}` must be a code like `de`, not {describe_type(value)}",
            "use a language code such as de, en or pt-BR",
        )
        return None
    try:
        return str(babel.Locale.parse(value.strip().replace("-", "_"))).replace("_", "-")
    except (babel.UnknownLocaleError, ValueError):
        diagnostics.error(path, line, f"unknown language `{value}` in `{where}`", _language_hint(value))
        return None


def _language_hint(word: str) -> str:
    by_name = _language_names()
    code = by_name.get(word.strip().lower())
    if code:
        return f"write the language code `{code}` instead of its name"
    name_match = _closest_name(word, by_name)
    if name_match:
        return f"did you mean `{by_name[name_match]}` ({name_match})?"
    return did_you_mean(word, localedata.locale_identifiers()) or (
        "use a language code such as de, en or pt-BR"
    )


def _closest_name(word: str, names: Iterable[str]) -> str | None:
    """The name closest to a misspelt one; codes are too short to compare with names."""
    if len(word.strip()) <= 3:
        return None
    matches = difflib.get_close_matches(word.strip().lower(), sorted(names), n=1, cutoff=0.75)
    return matches[0] if matches else None


@cache
def _language_names() -> dict[str, str]:
    """English language names (lowercase) → their code, to turn `german` into `de`."""
    return {name.lower(): code for code, name in babel.Locale("en").languages.items()}


def _parse_countries(entry: LineDict, path: str, diagnostics: Diagnostics) -> tuple[str, ...]:
    """The codes of `countries: [IS, JP]`, or of `country: DE` (its one-element form)."""
    if "country" in entry and "countries" in entry:
        diagnostics.error(
            path,
            entry.line_of("countries"),
            "`country` and `countries` are both given",
            "keep only `countries`, with every country in it, e.g. countries: [DE, FR]",
        )
    if entry.get("countries") is None:
        written = expect_text(entry, "country", path, diagnostics)
        code = _country_code(written, entry.line_of("country"), "country", path, diagnostics)
        return (code,) if code else ()
    value = _list_of(entry, "countries", "countries: [DE] or countries: [IS, JP, KE, ZA]", path, diagnostics)
    if value is None:
        return ()
    codes: list[str] = []
    for index, item in enumerate(value):
        code = _country_code(item, value.line_of(index), "countries", path, diagnostics)
        if code in codes:
            diagnostics.warning(
                path, value.line_of(index), f"the country `{code}` is listed twice", "write each country once"
            )
        elif code:
            codes.append(code)
    return tuple(codes)


def _country_code(value: Any, line: int, key: str, path: str, diagnostics: Diagnostics) -> str | None:
    """A valid ISO 3166-1 alpha-2 code in capitals, or None after reporting what is wrong."""
    if value is None:
        return None
    if isinstance(value, bool):
        diagnostics.error(
            path,
            line,
            f"a country in `{key}` was read as the boolean {str(value).lower()}, not as a code",
            'put the code in quotes, e.g. "NO" for Norway',
        )
        return None
    if not isinstance(value, str):
        diagnostics.error(
            path,
            line,
            f"a country in `{key}` must be a two-letter code like `DE`, not {describe_type(value)}",
            "use the two-letter ISO 3166-1 code, e.g. DE for Germany or US for the United States",
        )
        return None
    code = value.strip().upper()
    countries = _countries()
    if code in countries:
        return code
    diagnostics.error(path, line, f"unknown country code `{value}`", _country_hint(value, countries))
    return None


def _parse_hosted_in(entry: LineDict, path: str, diagnostics: Diagnostics) -> str | None:
    """Where the relay is hosted as free text (`Falkenstein`), shown as written."""
    text = expect_text(entry, "hosted_in", path, diagnostics)
    if text is None:
        return None
    line = entry.line_of("hosted_in")
    place = " ".join(text.split())
    if not place or len(place) > HOSTED_IN_MAX_LENGTH or "\n" in text.strip():
        diagnostics.error(
            path,
            line,
            f"`hosted_in` must be a short place name on one line (at most {HOSTED_IN_MAX_LENGTH} characters)",
            "write the city, e.g. hosted_in: Falkenstein; the country belongs in `countries`",
        )
        return None
    trailing = _TRAILING_COUNTRY.fullmatch(place)
    if trailing and trailing["code"] in _countries():
        diagnostics.warning(
            path,
            line,
            f"`hosted_in: {place}` ends in the country code `{trailing['code']}`",
            f"write hosted_in: {trailing['place']} and the country as countries: [{trailing['code']}], "
            "so it is shown in the reader's language",
        )
    return place


def _country_hint(word: str, countries: Mapping[str, str]) -> str:
    by_name = {name.lower(): code for code, name in countries.items()}
    code = by_name.get(word.strip().lower())
    if code:
        return f"write the two-letter code `{code}` instead of the country's name"
    if word.strip().upper() == "UK":
        return "the code of the United Kingdom is `GB`"
    name_match = _closest_name(word, by_name)
    if name_match:
        return f"did you mean `{by_name[name_match]}` ({countries[by_name[name_match]]})?"
    return "use the two-letter ISO 3166-1 code, e.g. DE for Germany or US for the United States"


@cache
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English country name, from Babel's territory list."""
    return {
        code: name
        for code, name in babel.Locale("en").territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def _parse_since(entry: LineDict, path: str, diagnostics: Diagnostics, today: date) -> date | None:
    if entry.get("since") is None:
        return None
    line = entry.line_of("since")
    value = entry["since"]
    if isinstance(value, date):
        diagnostics.error(
            path,
            line,
            f"`since: {entry.raw.get('since', value)}` is a full date, not a year and month",
            f"write only the year and month: since: {value.strftime('%Y-%m')}",
        )
        return None
    text = expect_text(entry, "since", path, diagnostics)
    if text is None:
        return None
    match = _YEAR_MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        diagnostics.error(
            path, line, f"`since: {text}` is not a year and month", "write it as YYYY-MM, e.g. since: 2024-01"
        )
        return None
    since = date(int(match[1]), int(match[2]), 1)
    if since > today:
        diagnostics.error(
            path,
            line,
            f"`since: {text}` lies in the future",
            f"a relay can only be stable since a month up to {today.strftime('%Y-%m')}",
        )
        return None
    return since


def _expect_bool(entry: LineDict, key: str, path: str, diagnostics: Diagnostics, *, fallback: bool) -> bool:
    value = entry.get(key)
    if value is None:
        return fallback
    if isinstance(value, bool):
        return value
    diagnostics.error(
        path,
        entry.line_of(key),
        f"`{key}` must be true or false, not {describe_type(value)}",
        f"write {key}: true or {key}: false, without quotes",
    )
    return fallback


def _parse_invite(entry: LineDict, path: str, diagnostics: Diagnostics) -> InviteForm:
    value = expect_text(entry, "invite", path, diagnostics)
    if value is None:
        return "legacy"
    form = value.strip().lower()
    if form in INVITE_FORMS:
        return form  # type: ignore[return-value]
    diagnostics.error(
        path,
        entry.line_of("invite"),
        f"unknown invite form `{value}`",
        did_you_mean(value, INVITE_FORMS) or "write invite: legacy (every app version) or invite: short",
    )
    return "legacy"


def _parse_retention(entry: LineDict, path: str, diagnostics: Diagnostics) -> int | None:
    value = entry.get("retention_days")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    written = entry.raw.get("retention_days", describe_type(value))
    diagnostics.error(
        path,
        entry.line_of("retention_days"),
        f"`retention_days` must be a whole number of days above zero, not {written}",
        "write it as a plain number, e.g. retention_days: 20",
    )
    return None


def _parse_notes(entry: LineDict, path: str, diagnostics: Diagnostics) -> dict[str, str]:
    notes = entry.get("notes")
    if notes is None:
        return {}
    if not isinstance(notes, LineDict):
        diagnostics.error(
            path,
            entry.line_of("notes"),
            f"`notes` must be a mapping of language to text, not {describe_type(notes)}",
            "write one indented line per language below `notes:`, e.g.   en: Run by volunteers.",
        )
        return {}
    result = {}
    for key in notes:
        tag = _language_tag(key, notes.line_of(key), "notes", path, diagnostics)
        text = expect_text(notes, key, path, diagnostics) if isinstance(key, str) else None
        if tag and text:
            result[tag] = text.strip()
    return result


# --- across relays ----------------------------------------------------------------------


def _drop_duplicates(relays: list[Relay], path: str, diagnostics: Diagnostics) -> list[Relay]:
    first_by_domain: dict[str, Relay] = {}
    for relay in relays:
        first = first_by_domain.setdefault(relay.ascii_domain, relay)
        if first is not relay:
            diagnostics.error(
                path,
                relay.line,
                f"the relay `{relay.domain}` is listed twice, at lines {first.line} and {relay.line}",
                "keep one entry and merge what the two say",
            )
    return list(first_by_domain.values())


def _check_single_default(relays: list[Relay], path: str, diagnostics: Diagnostics) -> None:
    defaults = [relay for relay in relays if relay.default]
    for extra in defaults[1:]:
        diagnostics.error(
            path,
            extra.line,
            f"more than one default relay: `{defaults[0].domain}` (line {defaults[0].line}) "
            f"and `{extra.domain}` (line {extra.line})",
            "set default: true on one relay only",
        )


def _relay_order(relay: Relay) -> bool:
    """The default relay first; the others keep the order servers.yaml gives them (the sort is stable)."""
    return not relay.default


# The folder below each language folder that holds one page per relay.
RELAY_FOLDER = "servers"


QR_FOLDER = "qr"


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
    shown = display_path(config, config.servers_file)
    diagnostics.extend(
        dataclasses.replace(item, path=shown) if item.path == str(config.servers_file) else item
        for item in found
    )
    return relays

"""Choosing a reader's language from the HTTP Accept-Language header.

Readers arriving at the site root are sent to the language their browser asks for. The rules
follow RFC 9110 (quality values) and the lookup scheme of RFC 4647, with one kindness added:
a reader asking for a regional variant the site lacks (pt-PT) gets a sibling it has (pt-BR)
rather than the default language. Language folders use BCP 47 tags with hyphens (`pt-BR`);
matching ignores case and the result keeps the spelling of the available tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_TAG = re.compile(r"\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*")
_QUALITY = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
# Browsers send a handful of ranges; a longer header is cut so a hostile one costs little.
_MAX_RANGES = 64


@dataclass(frozen=True)
class LanguageRange:
    """One entry of an Accept-Language header: a lower-case tag (or `*`) and its quality."""

    tag: str
    quality: float


def parse_accept_language(header: str) -> list[LanguageRange]:
    """Parse an Accept-Language header into ranges, highest quality first.

    Ranges of equal quality keep the header's order. Malformed entries (bad tags, bad
    quality values) are dropped, never raised: the header comes from any client.
    """
    ranges = [
        parsed for item in header.split(",")[:_MAX_RANGES] if (parsed := _parse_range(item)) is not None
    ]
    # sorted() is stable, so ties stay in header order.
    return sorted(ranges, key=lambda language_range: -language_range.quality)


def negotiate(accept_language: str, available: Sequence[str], default: str) -> str:
    """Pick the language to serve from `available` for an Accept-Language header.

    Ranges are tried best first. For each, an exact match wins, then a more general form of
    the range (`de-AT` finds `de`), then a more specific available tag (`pt` finds `pt-BR`),
    then a sibling with the same primary language (`pt-PT` finds `pt-BR`). `*` stands for
    the default language. Languages given `q=0` are never chosen. When nothing matches,
    `default` is returned as given.
    """
    spelling = {}
    for tag in available:
        spelling.setdefault(tag.lower(), tag)
    ranges = parse_accept_language(accept_language)
    refused = [language_range.tag for language_range in ranges if language_range.quality == 0]
    candidates = [key for key in spelling if not any(_covers(tag, key) for tag in refused)]
    for language_range in ranges:
        if language_range.quality == 0:
            break
        match = _best_match(language_range.tag, candidates, default.lower())
        if match is not None:
            return spelling[match]
    return default


def _parse_range(item: str) -> LanguageRange | None:
    tag, *parameters = item.split(";")
    # Some clients write locale names (de_DE); they mean the same as the BCP 47 tag.
    tag = tag.strip().lower().replace("_", "-")
    if not _TAG.fullmatch(tag):
        return None
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        if not _QUALITY.fullmatch(value):
            return None
        quality = float(value)
    return LanguageRange(tag, quality)


def _covers(range_tag: str, tag: str) -> bool:
    """Whether a language range covers a tag under RFC 4647 basic filtering."""
    return range_tag in ("*", tag) or tag.startswith(range_tag + "-")


def _best_match(range_tag: str, candidates: list[str], default: str) -> str | None:
    if range_tag == "*":
        if default in candidates:
            return default
        return candidates[0] if candidates else None
    for general in _generalisations(range_tag):
        if general in candidates:
            return general
    for candidate in candidates:
        if candidate.startswith(range_tag + "-"):
            return candidate
    primary = range_tag.split("-", 1)[0]
    for candidate in candidates:
        if candidate.split("-", 1)[0] == primary:
            return candidate
    return None


def _generalisations(tag: str) -> Iterator[str]:
    """The tag, then ever shorter prefixes: `zh-hant-tw`, `zh-hant`, `zh`.

    A prefix ending in a single-letter subtag (an extension marker such as `x`) is skipped,
    as RFC 4647 lookup does, since it means nothing without what follows it.
    """
    subtags = tag.split("-")
    for length in range(len(subtags), 0, -1):
        if len(subtags[length - 1]) > 1:
            yield "-".join(subtags[:length])

"""sitemap.xml with language alternates, and robots.txt pointing at it.

Search engines need absolute addresses, so a sitemap exists only for sites with a base_url.
Only pages worth indexing appear: real translations, each listing all of its translations
(and x-default) as `xhtml:link` alternates, the same set on every one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SITEMAP_FILE = "sitemap.xml"
ROBOTS_FILE = "robots.txt"
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
NO_BASE_URL_NOTICE = (
    "note: no sitemap.xml, canonical or hreflang links: set base_url in site.yaml (or pass "
    "--base-url) to publish them; search engines need absolute addresses"
)


@dataclass(frozen=True)
class SitemapEntry:
    """One indexable page: its absolute address and its alternates as (hreflang, address)."""

    loc: str
    alternates: tuple[tuple[str, str], ...] = ()


def sitemap_xml(entries: Iterable[SitemapEntry]) -> bytes:
    """The sitemap document, entries in address order so the file is reproducible."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<urlset xmlns={_quoteattr(SITEMAP_NAMESPACE)} xmlns:xhtml={_quoteattr(XHTML_NAMESPACE)}>",
    ]
    # Every translation of a page carries the same alternates: each set is written out once.
    alternate_blocks: dict[tuple[tuple[str, str], ...], str] = {}
    for entry in sorted(entries, key=lambda e: e.loc):
        lines.append("  <url>")
        lines.append(f"    <loc>{_text(entry.loc)}</loc>")
        if entry.alternates:
            block = alternate_blocks.get(entry.alternates)
            if block is None:
                block = alternate_blocks[entry.alternates] = _alternates_block(entry.alternates)
            lines.append(block)
        lines.append("  </url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _quoteattr(value: str) -> str:
    # xml.sax.saxutils imports urllib.request: loaded when a sitemap is written, not on
    # every start (a rebuild usually keeps its sitemap).
    from xml.sax.saxutils import quoteattr

    return quoteattr(value)


def _alternates_block(alternates: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(
        f'    <xhtml:link rel="alternate" hreflang={_quoteattr(hreflang)} href={_quoteattr(href)}/>'
        for hreflang, href in alternates
    )


def robots_txt(sitemap_url: str | None) -> bytes:
    """Allow every crawler; name the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if sitemap_url:
        lines += ["", f"Sitemap: {sitemap_url}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

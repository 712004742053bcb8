"""Old addresses that pages name with `aliases:`, and the redirect pages that keep them working.

Like Hugo's aliases and Jekyll's redirect_from: each old address gets a small page that sends
the browser on (meta refresh), names the new page as canonical, links it for readers whose
browser does not follow, and keeps search engines from indexing the old address. The
standalone nginx config answers the same addresses with a permanent redirect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import escape

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.urls import alias_addresses, output_of_url, page_url, relative_href
from chatmail_site.load.content import ContentIndex


@dataclass(frozen=True)
class Alias:
    """One old address of a page, and where in the page's file it is named."""

    path: str  # from the site root: `de/chatmail.html`, or `join/` for a folder
    lang: str
    slug: str
    title: str
    source: str  # the page file, as diagnostics show it
    line: int

    @property
    def output(self) -> str:
        return output_of_url(self.path)

    @property
    def target_url(self) -> str:
        return page_url(self.lang, self.slug)


def page_aliases(content: ContentIndex) -> list[Alias]:
    """Every alias of every page file, in path order."""
    return sorted(
        (
            Alias(path, page.lang, page.slug, page.title, page.display_path, line)
            for page in content.pages.values()
            for path, line in page.aliases
        ),
        key=lambda alias: (alias.path, alias.source, alias.line),
    )


def check_aliases(
    aliases: Iterable[Alias], taken: Mapping[str, str], diagnostics: Diagnostics
) -> list[Alias]:
    """The aliases that claim a free output; each clash is an error at the alias's line.

    `taken` maps the outputs of everything else the build writes to what writes them.
    """
    claimed: dict[str, Alias] = {}
    for alias in aliases:
        other = claimed.get(alias.output)
        if alias.output in taken:
            diagnostics.error(
                alias.source,
                alias.line,
                f"the alias `/{alias.path}` is the address of {taken[alias.output]}",
                "remove the alias: that address already shows a page",
            )
        elif other is not None:
            diagnostics.error(
                alias.source,
                alias.line,
                f"the alias `/{alias.path}` is also named by {other.source}:{other.line}",
                "keep the alias on one page only",
            )
        else:
            claimed[alias.output] = alias
    return list(claimed.values())


def redirect_page(alias: Alias, canonical: str | None) -> bytes:
    """The small page at an old address that sends the reader on to the page replacing it.

    Its one visible line is the new page's title, in the page's language, so it needs no
    translation of its own.
    """
    href = escape(relative_href(alias.path, alias.target_url))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(alias.lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(alias.title)}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        # Only with base_url: search engines take canonical links as absolute addresses.
        + (f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else "")
        + "</head>\n"
        "<body>\n"
        f'<main><p><a href="{href}">{escape(alias.title)}</a></p></main>\n'
        "</body>\n"
        "</html>\n"
    ).encode()


def nginx_redirects(aliases: Iterable[Alias]) -> dict[str, str]:
    """Every address of every alias → the path of its page, for the standalone config."""
    return {address: "/" + alias.target_url for alias in aliases for address in alias_addresses(alias.path)}

"""Site-relative URLs of pages and the relative links between them.

Every link a page carries is relative, so the output works under any base path; these pure
functions are shared by everything that plans or renders pages.
"""

from __future__ import annotations

import posixpath

INDEX_SLUG = "index"


def page_url(lang: str, slug: str) -> str:
    """The site-relative, extensionless URL of a page: `de/chatmail`, or `de/` for the index."""
    return f"{lang}/" if slug == INDEX_SLUG else f"{lang}/{slug}"


def page_output(lang: str, slug: str) -> str:
    return f"{lang}/{slug}.html"


def relative_href(from_url: str, to_url: str) -> str:
    """A link from one site-relative URL to another that works under any base path."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url)
    target = to_url.rstrip("/") or "."
    href = posixpath.relpath(target, from_dir or ".")
    if to_url.endswith("/") or to_url == "":
        href = "./" if href == "." else href + "/"
    return href


def root_prefix(from_url: str) -> str:
    """The relative path from a page back to the site root ("", "../", "../../")."""
    depth = from_url.rstrip("/").count("/") + (1 if from_url.endswith("/") else 0)
    return "../" * depth

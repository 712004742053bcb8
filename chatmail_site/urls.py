"""Site-relative URLs of pages and the relative links between them.

Every link a page carries is relative, so the output works under any base path; these pure
functions are shared by everything that plans or renders pages.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache

INDEX_SLUG = "index"

# Names that path normalisation would fold away; a URL holding one takes the general route.
_SPECIAL_SEGMENTS = frozenset({"", ".", ".."})


def page_url(lang: str, slug: str) -> str:
    """The site-relative, extensionless URL of a page: `de/chatmail`, or `de/` for the index."""
    return f"{lang}/" if slug == INDEX_SLUG else f"{lang}/{slug}"


def page_output(lang: str, slug: str) -> str:
    return f"{lang}/{slug}.html"


class LocatedPage:
    """A page placed by its language and slug, from which its URL and output file follow."""

    lang: str
    slug: str

    @property
    def url(self) -> str:
        return page_url(self.lang, self.slug)

    @property
    def output(self) -> str:
        return page_output(self.lang, self.slug)


def relative_href(from_url: str, to_url: str) -> str:
    """A link from one site-relative URL to another that works under any base path.

    Every page links to its translations and its menu, so this runs for each pair of pages in
    a language switcher; plain URLs are therefore joined by comparing their folders directly,
    which gives the same result as the general path arithmetic below without its cost.
    """
    from_dir = _plain_directory(from_url)
    target = to_url[:-1] if to_url.endswith("/") else to_url
    to_segments = target.split("/") if target else []
    if from_dir is None or not _SPECIAL_SEGMENTS.isdisjoint(to_segments) or target.startswith("/"):
        return _general_relative_href(from_url, to_url)
    shared = _shared_length(from_dir, to_segments)
    href = "/".join([".."] * (len(from_dir) - shared) + to_segments[shared:]) or "."
    return _with_folder_slash(href, to_url)


def _general_relative_href(from_url: str, to_url: str) -> str:
    """The link for any pair of URLs, dot segments and doubled slashes included."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url)
    target = to_url.rstrip("/") or "."
    return _with_folder_slash(posixpath.relpath(target, from_dir or "."), to_url)


def _with_folder_slash(href: str, to_url: str) -> str:
    """A link to a folder URL (`de/`, or the root ``) keeps its trailing slash."""
    if to_url.endswith("/") or to_url == "":
        return "./" if href == "." else href + "/"
    return href


@lru_cache(maxsize=4096)
def _plain_directory(url: str) -> tuple[str, ...] | None:
    """The folders a plain URL sits in (`de/servers/x` → de, servers), or None if not plain.

    Cached because each page asks this once per link it carries.
    """
    if url.startswith("/"):
        return None
    folder = url[:-1] if url.endswith("/") else url.rpartition("/")[0]
    if not folder:
        return ()
    segments = tuple(folder.split("/"))
    return segments if _SPECIAL_SEGMENTS.isdisjoint(segments) else None


def _shared_length(first: tuple[str, ...], second: list[str]) -> int:
    """How many leading segments two paths have in common."""
    shared = 0
    for a, b in zip(first, second, strict=False):  # stops at the shorter path
        if a != b:
            break
        shared += 1
    return shared


def root_prefix(from_url: str) -> str:
    """The relative path from a page back to the site root ("", "../", "../../")."""
    depth = from_url.rstrip("/").count("/") + (1 if from_url.endswith("/") else 0)
    return "../" * depth

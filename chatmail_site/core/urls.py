"""Site-relative URLs of pages and the relative links between them.

Every page is a folder with an index.html (`de/chatmail/` is `de/chatmail/index.html`), so any
server that maps a folder to its index.html serves the site as it is: a plain nginx, Apache or
Caddy, a bucket, GitHub Pages, or a chatmail relay's own web server, none of which rewrite
URLs. Every link a page carries is relative, so the output works under any base path. These
pure functions are shared by everything that plans, renders, checks or serves pages, so a new
kind of page follows the same shape by calling them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from functools import cached_property, lru_cache

INDEX_SLUG = "index"

# Names that path normalisation would fold away; a URL holding one takes the general route.
_SPECIAL_SEGMENTS = frozenset({"", ".", ".."})


INDEX_FILE = "index.html"
NOT_FOUND_SLUG = "404"


def page_url(lang: str, slug: str) -> str:
    """The site-relative folder URL of a page: `de/chatmail/`, or `de/` for the index."""
    return f"{lang}/" if slug == INDEX_SLUG else f"{lang}/{slug}/"


def page_output(lang: str, slug: str) -> str:
    """The file that answers a page's URL: `de/chatmail/index.html`, `de/index.html`."""
    return output_of_url(page_url(lang, slug))


def output_of_url(url: str) -> str:
    """The file a folder-mapping server answers a URL with: `a/b/` → `a/b/index.html`."""
    return url + INDEX_FILE if url.endswith("/") or not url else url


def page_of_output(name: str) -> tuple[str, str] | None:
    """(language, slug) of a page's output file, or None for any other file.

    `de/index.html` → (de, index), `de/servers/x.org/index.html` → (de, servers/x.org).
    """
    folder, _, file = name.rpartition("/")
    if file != INDEX_FILE or not folder:
        return None
    lang, _, slug = folder.partition("/")
    return lang, slug or INDEX_SLUG


def not_found_output(lang: str) -> str:
    """A language's 404 page: a plain file, since servers show it at any address."""
    return f"{lang}/{NOT_FOUND_SLUG}.html"


class LocatedPage:
    """A page placed by its language and slug, from which its URL and output file follow.

    The pages are frozen (their language and slug never change), so the URL and output are
    worked out once: every stage looks them up again for each of the site's pages.
    """

    lang: str
    slug: str

    @cached_property
    def url(self) -> str:
        return page_url(self.lang, self.slug)

    @cached_property
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


# Source files as authors name them in links: `donate.md` (as in MkDocs) or `donate.html`.
_SOURCE_SUFFIXES = (".md", ".html")


def rebase_authored_link(href: str, page_lang: str, page_slug: str, languages: Collection[str]) -> str:
    """An author's relative link, written as between the files of content/, for a page's URL.

    Authors link pages as the files lie: from content/en/chatmail.md, `donate`, `donate.md`
    and `../de/chatmail` name pages and `../assets/logo.png` a file. Pages are published as
    folders one level deeper, so each such link is resolved from the source file's folder
    and made relative to the page's own URL: `donate` becomes `../donate/`. Links with a
    scheme, links from the site root and fragment-only links are left as they are.
    """
    if not href or href.startswith(("/", "#", "?")) or _has_scheme(href):
        return href
    path, mark, rest = _split_path(href)
    source_folder = posixpath.dirname(f"{page_lang}/{page_slug}")
    resolved = posixpath.normpath(posixpath.join(source_folder, path))
    if resolved == ".." or resolved.startswith("../"):
        return href  # leaves the site: the link check reports it
    lang, _, slug = resolved.partition("/")
    if resolved == ".":
        target = ""  # the site root
    elif lang in languages:
        target = page_url(lang, _page_slug(slug))
    else:
        target = resolved + "/" if path.endswith("/") and resolved != "." else resolved
    return relative_href(page_url(page_lang, page_slug), target) + mark + rest


def _page_slug(path: str) -> str:
    for suffix in _SOURCE_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    path = path.rstrip("/")
    if path == INDEX_SLUG or not path:
        return INDEX_SLUG
    return path[: -len("/" + INDEX_SLUG)] if path.endswith("/" + INDEX_SLUG) else path


def _split_path(href: str) -> tuple[str, str, str]:
    """`a/b?x#y` → (`a/b`, `?`, `x#y`); the mark is "" when there is no query or fragment."""
    cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
    return href[:cut], href[cut : cut + 1], href[cut + 1 :]


def _has_scheme(href: str) -> bool:
    scheme, colon, _ = href.partition(":")
    return bool(colon) and "/" not in scheme and "?" not in scheme and "#" not in scheme


# Characters an old address may hold: enough for real paths, and safe to write unquoted into
# an nginx config (no spaces, quotes, `;`, braces or `$`).
_ALIAS_SEGMENT = re.compile(r"^[A-Za-z0-9._~@+=,:-]+$")
_PAGE_FILE_SUFFIXES = (".html", ".htm")


class AliasError(ValueError):
    """An `aliases:` entry that cannot be an address of this site; the message says why."""


def alias_path(alias: str) -> str:
    """An old address as a path from the site root, checked: `/de/chatmail.html`, `join/`.

    An address ending in `.html` or `.htm` names a file; any other names a folder, written
    with its trailing slash.
    """
    path = alias.strip()
    if "?" in path or "#" in path:
        raise AliasError("an alias is a path, without `?` or `#`")
    inner = path.strip("/")
    if not inner:
        raise AliasError("the site root cannot be an alias")
    for segment in inner.split("/"):
        if segment in (".", "..") or not _ALIAS_SEGMENT.match(segment):
            raise AliasError("use letters, digits and `._~@+=,:-` between single slashes, without `..`")
    return inner if inner.endswith(_PAGE_FILE_SUFFIXES) else inner + "/"


def alias_addresses(path: str) -> tuple[str, ...]:
    """The addresses (from the site root) at which an old address can be requested."""
    return (f"/{path}",) if not path.endswith("/") else (f"/{path[:-1]}", f"/{path}")


def output_name_problem(name: str) -> str | None:
    """Why `name` cannot be written below the output root, or None when it can.

    String checks only: this runs for every output of every preview rebuild.
    """
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        return f"refusing to write `{name}`: it would leave the output folder"
    return None

"""Link checking of a built site: every internal link, anchor and asset must resolve.

The rules are those of the plainest web server that publishes the site: a URL names a file,
a URL ending in `/` is served by the folder's index.html, and a query string does not change
which file answers. Nothing is rewritten: `de/chatmail` is not `de/chatmail.html`. A link to
a folder must end in `/`: without it a server answers with a redirect, and a chatmail relay's
web server redirects to its internal port, which readers cannot reach. A link with a scheme
(https:, mailto:, DCACCOUNT: …) leaves the site; it is only checked on request, over the network.
"""

from __future__ import annotations

import posixpath
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chatmail_site.core.urls import output_of_url

# Attributes that hold one URL, by element.
URL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src",),
    "script": ("src",),
    "source": ("src",),
    "track": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "iframe": ("src",),
    "embed": ("src",),
    "input": ("src",),
}
SRCSET_ELEMENTS = frozenset({"img", "source"})
# Error pages are shown at any address, so only links from the site root reach their targets.
ERROR_PAGE = re.compile(r"(^|/)404\.html$")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
EXTERNAL_SCHEMES = ("http", "https")
EXTERNAL_TIMEOUT = 15.0
EXTERNAL_WORKERS = 8
USER_AGENT = "chatmail-site link check"


@dataclass(frozen=True)
class BrokenLink:
    """A link on one page that leads nowhere, and why."""

    page: str
    link: str
    reason: str

    def format(self) -> str:
        """`page: link: reason`, one line per broken link."""
        return f"{self.page}: {self.link}: {self.reason}"


@dataclass(frozen=True)
class Link:
    page: str
    url: str


@dataclass
class ParsedDocument:
    """The link targets and fragment ids of one HTML page."""

    links: list[str]
    ids: set[str]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = ParsedDocument([], set())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        # `<a name>` is the old way to make a fragment target; browsers still honour it.
        for name in ("id", "name") if tag == "a" else ("id",):
            if name in values:
                self.document.ids.add(values[name])
        for name in URL_ATTRIBUTES.get(tag, ()):
            if name in values:
                self.document.links.append(values[name].strip())
        if tag in SRCSET_ELEMENTS and "srcset" in values:
            self.document.links.extend(srcset_urls(values["srcset"]))

    handle_startendtag = handle_starttag


def parse_document(html: bytes) -> ParsedDocument:
    """The links and ids of an HTML page."""
    parser = _LinkParser()
    parser.feed(html.decode("utf-8", errors="replace"))
    parser.close()
    return parser.document


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of a srcset: comma-separated candidates, each a URL and an optional descriptor."""
    return [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]


def css_urls(css: bytes) -> list[str]:
    """The url(…) references of a stylesheet."""
    return [match.group(2).strip() for match in CSS_URL.finditer(css.decode("utf-8", errors="replace"))]


def is_external(url: str) -> bool:
    """True for links that leave the site: with a scheme (https:, mailto:, …) or `//host`."""
    return url.startswith("//") or bool(urlsplit(url).scheme)


class SiteLinks:
    """The files of a built site, by path below the output root, and their links."""

    def __init__(self, files: Mapping[str, bytes], base_path: str = "/") -> None:
        self.files = files
        self.base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
        self._documents: dict[str, ParsedDocument] = {}

    def document(self, path: str) -> ParsedDocument:
        if path not in self._documents:
            self._documents[path] = parse_document(self.files[path])
        return self._documents[path]

    def links(self) -> Iterator[Link]:
        """Every link of every HTML page and stylesheet, in path order."""
        for path in sorted(self.files):
            if path.endswith(".html"):
                urls: Iterable[str] = self.document(path).links
            elif path.endswith(".css"):
                urls = css_urls(self.files[path])
            else:
                continue
            for url in urls:
                yield Link(path, url)

    def check_internal(self) -> list[BrokenLink]:
        """Every internal link that does not resolve, in page order."""
        broken = []
        for link in self.links():
            if is_external(link.url) or link.url.startswith("data:"):
                continue
            reason = self.problem(link)
            if reason:
                broken.append(BrokenLink(link.page, link.url, reason))
        return broken

    def problem(self, link: Link) -> str | None:
        """Why an internal link is broken, or None when it resolves."""
        parts = urlsplit(link.url)
        path = unquote(parts.path)
        if path.startswith("/"):
            if not (path + "/").startswith(self.base_path):
                return f"outside the site's base path {self.base_path}"
            resolved = self.resolve(path[len(self.base_path) :], "")
        elif ERROR_PAGE.search(link.page) and path:
            return "relative link on an error page, which is shown at any address; start it with /"
        elif not path:
            resolved = link.page
        else:
            resolved = self.resolve(path, posixpath.dirname(link.page))
        if resolved.startswith("../") or resolved == "..":
            return "leads outside the site root"
        target = output_of_url(resolved)
        if target not in self.files:
            if output_of_url(resolved + "/") in self.files:
                return f"a folder without its trailing slash: link to `{parts.path}/`"
            return "no such page or file"
        fragment = unquote(parts.fragment)
        # "#top" needs no element: browsers scroll to the top of the page for it.
        checks_fragment = fragment and fragment != "top" and target.endswith(".html")
        if checks_fragment and fragment not in self.document(target).ids:
            return f"no element with id `{fragment}` in {target}"
        return None

    @staticmethod
    def resolve(path: str, from_dir: str) -> str:
        """The site path `path` names from `from_dir`; a folder keeps its trailing slash."""
        joined = posixpath.normpath(posixpath.join(from_dir, path)) if path else from_dir
        if joined in (".", ""):
            return ""
        folder = path.endswith("/") or path in ("", ".", "..") or path.endswith(("/.", "/.."))
        return joined + "/" if folder and not joined.endswith("/") else joined

    def external_links(self) -> dict[str, list[str]]:
        """Outside web addresses (http and https) → the pages that link to them."""
        pages: dict[str, list[str]] = {}
        for link in self.links():
            if urlsplit(link.url).scheme in EXTERNAL_SCHEMES:
                pages.setdefault(link.url, [])
                if link.page not in pages[link.url]:
                    pages[link.url].append(link.page)
        return pages


def check_external(links: Mapping[str, list[str]], workers: int = EXTERNAL_WORKERS) -> list[BrokenLink]:
    """Fetch every outside address, a few at a time; report those that fail on each page."""
    urls = sorted(links)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reasons = dict(zip(urls, pool.map(fetch_problem, urls), strict=True))
    return sorted(
        (BrokenLink(page, url, reason) for url, reason in reasons.items() if reason for page in links[url]),
        key=lambda broken: (broken.page, broken.link),
    )


def fetch_problem(url: str, timeout: float = EXTERNAL_TIMEOUT) -> str | None:
    """Why an outside address does not answer, or None. HEAD first; GET when HEAD is refused."""
    problem = None
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(
            url.split("#", 1)[0], method=method, headers={"User-Agent": USER_AGENT}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return None
        except urllib.error.HTTPError as error:
            problem = f"the server answered {error.code} {error.reason}"
            # Some servers refuse HEAD but answer GET; other errors will not change with GET.
            if error.code not in (403, 405, 501):
                return problem
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            return f"no answer: {getattr(error, 'reason', error)}"
    return problem


def read_output(out_dir: Path) -> dict[str, bytes]:
    """Every file of a built output folder, by its path below the folder."""
    return {
        path.relative_to(out_dir).as_posix(): path.read_bytes()
        for path in sorted(out_dir.rglob("*"))
        if path.is_file()
    }


def base_path_of(base_url: str | None) -> str:
    """The path part of the site's base URL: `/` when the site is published at a domain's root."""
    return urlsplit(base_url).path or "/" if base_url else "/"


def check_links(files: Mapping[str, bytes], base_path: str = "/", external: bool = False) -> list[BrokenLink]:
    """Every broken link of a built site; outside links too when `external`."""
    site = SiteLinks(files, base_path)
    broken = site.check_internal()
    if external:
        broken += check_external(site.external_links())
    return broken

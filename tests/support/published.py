"""The bundled site built under a base URL, as it is published, and ways to look into it."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.build import BuildResult, build_site
from tests.support.sites import ParsedPage, copy_bundled_site, parse_html

BASE = "https://chat.example.org/info/"


def build_published(folder: Path) -> BuildResult:
    """A copy of the bundled site in `folder`, built under BASE, without errors."""
    result = build_site(copy_bundled_site(folder), base_url=BASE)
    assert not result.diagnostics.errors
    return result


def html_pages(result: BuildResult) -> dict[str, ParsedPage]:
    return {name: parse_html(data) for name, data in result.files.items() if name.endswith(".html")}


def file_of(url: str) -> str:
    """The output file behind an absolute folder address of the site."""
    path = url.removeprefix(BASE)
    assert path.endswith("/"), url
    return path + "index.html"


def alternates(page: ParsedPage) -> dict[str, str]:
    return {link.attrs["hreflang"]: link.attrs["href"] for link in page.find_all("link", rel="alternate")}

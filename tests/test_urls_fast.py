"""relative_href agrees with plain path arithmetic on every kind of URL a build links."""

from __future__ import annotations

import itertools
import posixpath
import random

from chatmail_site.urls import INDEX_SLUG, page_url, relative_href


def reference_href(from_url: str, to_url: str) -> str:
    """The specification: the link as POSIX path arithmetic computes it."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url)
    target = to_url.rstrip("/") or "."
    href = posixpath.relpath(target, from_dir or ".")
    if to_url.endswith("/") or to_url == "":
        href = "./" if href == "." else href + "/"
    return href


LANGUAGES = ("en", "de", "pt-BR", "zh-Hant")
SLUGS = (INDEX_SLUG, "faq", "chatmail", "servers/nine.testrun.org", "servers/x.org", "404", "donate")


def site_urls() -> list[str]:
    """Every URL shape the build plans: the root, language indexes, pages, relay pages, assets."""
    urls = ["", "assets/style.css", "assets/logos/chatmail.svg"]
    urls += [page_url(lang, slug) for lang in LANGUAGES for slug in SLUGS]
    return urls


def odd_urls() -> list[str]:
    """Shapes the build never plans, which must still get the same answer."""
    segments = ("", ".", "..", "de", "servers", "a b", "x.org", "index")
    urls = {"/", "//", "./", "../", "/de", "/de/", "de//", "de//x"}
    for count in range(1, 4):
        for parts in itertools.product(segments, repeat=count):
            path = "/".join(parts)
            urls.update({path, path + "/", "/" + path})
    return sorted(urls)


def test_every_pair_of_site_urls_matches_the_reference():
    urls = site_urls()
    for from_url, to_url in itertools.product(urls, repeat=2):
        assert relative_href(from_url, to_url) == reference_href(from_url, to_url), (from_url, to_url)


def test_identical_and_nested_urls():
    cases = [
        ("de/faq", "de/faq"),
        ("de/", "de/"),
        ("", ""),
        ("de/servers/x.org", "de/servers/x.org"),
        ("de/servers/x.org", "de/"),
        ("de/servers/x.org", ""),
        ("", "de/servers/x.org"),
        ("de/servers/", "de/servers/x.org"),
        ("de/faq", "de/faq/more"),
    ]
    for from_url, to_url in cases:
        assert relative_href(from_url, to_url) == reference_href(from_url, to_url), (from_url, to_url)


def test_unusual_urls_match_the_reference():
    urls = odd_urls()
    pairs = random.Random(20240601).sample(list(itertools.product(urls, repeat=2)), 40_000)
    for from_url, to_url in pairs:
        assert relative_href(from_url, to_url) == reference_href(from_url, to_url), (from_url, to_url)

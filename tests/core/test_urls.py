"""relative_href agrees with plain path arithmetic on every kind of URL a build links."""

from __future__ import annotations

import itertools
import posixpath
import random

import pytest

from chatmail_site.core.urls import (
    INDEX_SLUG,
    AliasError,
    alias_addresses,
    alias_path,
    page_of_output,
    page_output,
    page_url,
    rebase_authored_link,
    relative_href,
)


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


def test_every_page_is_a_folder_with_an_index_file():
    assert page_url("de", "chatmail") == "de/chatmail/"
    assert page_url("de", INDEX_SLUG) == "de/"
    assert page_output("de", "chatmail") == "de/chatmail/index.html"
    assert page_output("de", "servers/x.org") == "de/servers/x.org/index.html"
    assert page_output("pt-BR", INDEX_SLUG) == "pt-BR/index.html"
    for lang in LANGUAGES:
        for slug in SLUGS:
            assert page_of_output(page_output(lang, slug)) == (lang, slug)
    assert page_of_output("index.html") is None
    assert page_of_output("de/404.html") is None
    assert page_of_output("assets/logos/chatmail.svg") is None


SITE_LANGUAGES = ("en", "de", "pt-BR")


@pytest.mark.parametrize(
    ("href", "lang", "slug", "expected"),
    [
        # Written as between the files of content/<lang>/, resolved from the page's folder.
        ("donate", "en", "chatmail", "../donate/"),
        ("donate.md", "en", "chatmail", "../donate/"),
        ("donate.html", "de", "chatmail", "../donate/"),
        ("donate", "en", INDEX_SLUG, "donate/"),
        ("chatmail#selfhosted", "en", INDEX_SLUG, "chatmail/#selfhosted"),
        ("donate?from=menu#top", "de", "chatmail", "../donate/?from=menu#top"),
        ("index", "de", "chatmail", "../"),
        ("./", "de", "chatmail", "../"),
        ("../pt-BR/chatmail", "de", "faq", "../../pt-BR/chatmail/"),
        ("../pt-BR/", "de", "faq", "../../pt-BR/"),
        ("servers/x.org", "de", "chatmail", "../servers/x.org/"),
        ("relay/info", "en", INDEX_SLUG, "relay/info/"),
        # Files outside the language folders keep their names.
        ("../assets/logo.png", "de", "chatmail", "../../assets/logo.png"),
        ("../servers.json", "de", INDEX_SLUG, "../servers.json"),
        ("../", "de", "chatmail", "../../"),
        # Left alone: other schemes, the site root, this page's anchors, and paths that leave.
        ("https://example.org/x", "de", "chatmail", "https://example.org/x"),
        ("mailto:a@example.org", "de", "chatmail", "mailto:a@example.org"),
        ("/de/chatmail/", "de", "faq", "/de/chatmail/"),
        ("#here", "de", "faq", "#here"),
        ("../../outside", "de", "faq", "../../outside"),
    ],
)
def test_authored_links_follow_their_pages_into_folders(href, lang, slug, expected):
    assert rebase_authored_link(href, lang, slug, SITE_LANGUAGES) == expected


@pytest.mark.parametrize(
    ("alias", "path", "addresses"),
    [
        ("/info.html", "info.html", ("/info.html",)),
        ("de/chatmail.html", "de/chatmail.html", ("/de/chatmail.html",)),
        ("/join", "join/", ("/join", "/join/")),
        (
            "/en/servers/nine.testrun.org/",
            "en/servers/nine.testrun.org/",
            ("/en/servers/nine.testrun.org", "/en/servers/nine.testrun.org/"),
        ),
    ],
)
def test_aliases_name_a_file_or_a_folder(alias, path, addresses):
    assert alias_path(alias) == path
    assert alias_addresses(path) == addresses


@pytest.mark.parametrize(
    "alias", ["/", "", "/a/../b", "/a//b", "/a b", "/x?y", "/x#y", "/a;b", "/$host", "/a/./b"]
)
def test_aliases_that_cannot_be_an_address_are_refused(alias):
    with pytest.raises(AliasError):
        alias_path(alias)

"""sitemap.xml and robots.txt: the documents as written, and what a built site lists in them."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from chatmail_site.build import BuildResult, build_site
from chatmail_site.commands.cli import main
from chatmail_site.render.sitemap import SitemapEntry, robots_txt, sitemap_xml
from tests.support.published import BASE, alternates, file_of, html_pages
from tests.support.sites import ParsedPage

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def is_noindex(page: ParsedPage) -> bool:
    return any("noindex" in meta.attrs.get("content", "") for meta in page.find_all("meta", name="robots"))


def test_sitemap_lists_real_translations_with_their_alternates(published: BuildResult) -> None:
    root = ElementTree.fromstring(published.files["sitemap.xml"])
    pages = html_pages(published)
    listed = {}
    for url in root.findall("s:url", NS):
        loc = url.find("s:loc", NS).text
        listed[loc] = {
            link.get("hreflang"): link.get("href")
            for link in url.findall("x:link", NS)
            if link.get("rel") == "alternate"
        }
    indexable = {
        BASE + name.removesuffix("index.html")
        for name, page in pages.items()
        if "/" in name and not name.endswith("404.html") and not is_noindex(page)
    }
    assert set(listed) == indexable
    assert not any("/sk/" in loc or "/id/" in loc or loc.endswith("de/translate/") for loc in listed)
    assert BASE + "de/chatmail/" in listed and BASE + "en/translate/" in listed
    for loc, links in listed.items():
        assert links == alternates(pages[file_of(loc)]), loc
    robots = published.files["robots.txt"].decode()
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def test_without_base_url_the_sitemap_is_skipped_with_a_notice_not_a_warning(
    bundled_site: Path, capsys
) -> None:
    result = build_site(bundled_site)
    assert "sitemap.xml" not in result.files
    assert "Sitemap:" not in result.files["robots.txt"].decode()
    assert any("base_url" in notice for notice in result.notices)
    assert main(["build", "--strict", "--site", str(bundled_site)]) == 0
    assert "no sitemap.xml" in capsys.readouterr().err


# ---- the documents ----------------------------------------------------------------------


def test_sitemap_xml_lists_entries_in_address_order_whatever_order_they_come_in() -> None:
    entries = [
        SitemapEntry("https://x.org/en/b/"),
        SitemapEntry("https://x.org/de/"),
        SitemapEntry("https://x.org/en/"),
    ]
    root = ElementTree.fromstring(sitemap_xml(entries))
    assert [loc.text for loc in root.findall("s:url/s:loc", NS)] == [
        "https://x.org/de/",
        "https://x.org/en/",
        "https://x.org/en/b/",
    ]
    assert sitemap_xml(reversed(entries)) == sitemap_xml(entries)


def test_sitemap_xml_escapes_addresses_and_writes_each_entrys_alternates() -> None:
    shared = (("en", "https://x.org/en/?a=1&b=2"), ("de", 'https://x.org/de/"q"'))
    entries = [
        SitemapEntry("https://x.org/en/?a=1&b=2", shared),
        SitemapEntry('https://x.org/de/"q"', shared),
    ]
    data = sitemap_xml(entries)
    assert b"?a=1&amp;b=2" in data and b"&b=2" not in data
    root = ElementTree.fromstring(data)  # well-formed despite the & and the quotes
    for url in root.findall("s:url", NS):
        links = [
            (link.get("rel"), link.get("hreflang"), link.get("href")) for link in url.findall("x:link", NS)
        ]
        assert links == [("alternate", lang, href) for lang, href in shared]


def test_an_entry_without_alternates_has_only_its_address() -> None:
    root = ElementTree.fromstring(sitemap_xml([SitemapEntry("https://x.org/en/")]))
    (url,) = root.findall("s:url", NS)
    assert [child.tag.rpartition("}")[2] for child in url] == ["loc"]


def test_robots_txt_allows_every_crawler_and_names_the_sitemap_only_when_there_is_one() -> None:
    assert robots_txt(None) == b"User-agent: *\nAllow: /\n"
    assert robots_txt("https://x.org/sitemap.xml") == (
        b"User-agent: *\nAllow: /\n\nSitemap: https://x.org/sitemap.xml\n"
    )

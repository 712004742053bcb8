"""Built translations: fallback pages, hreflang alternates, right to left."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from chatmail_site.build import BuildResult, build_site
from tests.support import REPO_ROOT
from tests.support.published import BASE, alternates, file_of, html_pages
from tests.support.sites import parse_html


def is_noindex(page) -> bool:
    return any("noindex" in meta.attrs.get("content", "") for meta in page.find_all("meta", name="robots"))


def test_fallback_page_in_a_language_without_catalog(published: BuildResult) -> None:
    page = parse_html(published.files["sk/chatmail/index.html"])
    assert page.find("html").attrs["lang"] == "en"  # the text shown is the English original
    notice = page.find("aside", class_="notice notice-fallback")
    assert "not yet translated into Slovak" in notice.text
    help_link = next(a for a in page.find_all("a") if a.text == "Help translate it")
    assert help_link.attrs["href"] == "../translate/" and "sk/translate/index.html" in published.files
    assert is_noindex(page)
    assert page.find("link", rel="canonical").attrs["href"] == BASE + "en/chatmail/"
    assert alternates(page) == {}


def test_fallback_page_marks_the_theme_parts_with_the_readers_language(published: BuildResult) -> None:
    page = parse_html(published.files["de/translate/index.html"])
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("header").attrs["lang"] == "de"
    notice = page.find("aside", class_="notice notice-fallback")
    assert notice.attrs["lang"] == "de"
    assert "noch nicht auf Deutsch übersetzt" in notice.text and "Original auf Englisch" in notice.text


def test_switcher_names_languages_in_their_own_language_and_marks_fallbacks(published: BuildResult) -> None:
    page = parse_html(published.files["fr/chatmail/index.html"])
    # The switcher's links are the ones that carry both the target's hreflang and its lang.
    links = {a.attrs["hreflang"]: a for a in page.find_all("a") if {"hreflang", "lang"} <= set(a.attrs)}
    assert list(links) == ["en", "de", "fr", "nl", "sk", "id"]
    assert links["de"].text == "Deutsch" and links["sk"].text.startswith("Slovenčina")
    assert "pas encore traduit" in links["sk"].text and "pas encore traduit" not in links["de"].text


def test_hreflang_is_symmetric_across_the_whole_build(published: BuildResult) -> None:
    pages = html_pages(published)
    checked = 0
    for name, page in pages.items():
        links = alternates(page)
        if not links:
            continue
        assert not is_noindex(page), name
        assert links["x-default"] == links["en"]
        for lang, href in links.items():
            target = pages[file_of(href)]
            assert not is_noindex(target), (name, href)
            assert alternates(target) == links, (name, href)
            if lang != "x-default":
                assert target.find("html").attrs["lang"] == lang
        assert file_of(page.find("link", rel="canonical").attrs["href"]) == name
        checked += 1
    assert checked >= 12
    for name, page in pages.items():
        if name.startswith(("sk/", "id/")):
            assert alternates(page) == {}, name


def listed_relay_page(result: BuildResult, lang: str) -> str:
    """The output file of a listed relay's page in `lang` (unlisted relays are never indexed)."""
    for name, data in sorted(result.files.items()):
        if re.fullmatch(rf"{lang}/servers/[^/]+/index\.html", name) and not is_noindex(parse_html(data)):
            return name
    raise AssertionError(f"no indexable relay page in {lang}")


def test_relay_pages_in_a_language_without_catalog_are_fallbacks(published: BuildResult) -> None:
    """Relay pages are made of theme strings: without a catalog their text is English."""
    german = listed_relay_page(published, "de")
    slovak = parse_html(published.files[german.replace("de/", "sk/", 1)])
    english_url = BASE + german.replace("de/", "en/", 1).removesuffix("index.html")
    assert slovak.find("html").attrs["lang"] == "en"
    assert is_noindex(slovak)
    assert slovak.find("link", rel="canonical").attrs["href"] == english_url
    assert alternates(slovak) == {}
    links = alternates(parse_html(published.files[german]))
    assert {"en", "de", "fr", "nl"} <= set(links) and not {"sk", "id"} & set(links)
    sitemap = published.files["sitemap.xml"].decode()
    assert f"<loc>{BASE}{german.removesuffix('index.html')}</loc>" in sitemap
    assert english_url.replace("/en/", "/sk/") not in sitemap  # nor as anyone's alternate


def test_fronted_relay_pages_in_a_language_without_catalog_are_fallbacks(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "examples" / "relay-site", site)
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("languages: [en, de, fr]", "languages: [en, de, fr, sk]"))
    result = build_site(site, base_url=BASE)
    assert not result.diagnostics.errors
    for slug in ("relay", "relay/info", "relay/privacy"):
        slovak = parse_html(result.files[f"sk/{slug}/index.html"])
        assert slovak.find("html").attrs["lang"] == "en", slug
        assert is_noindex(slovak), slug
        assert slovak.find("link", rel="canonical").attrs["href"] == f"{BASE}en/{slug}/"
        assert alternates(slovak) == {}, slug
        german = parse_html(result.files[f"de/{slug}/index.html"])
        assert not is_noindex(german) and set(alternates(german)) == {"en", "de", "fr", "x-default"}, slug


# ---- right to left ---------------------------------------------------------------------

RTL_SITE = {
    "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, he]\n",
    "content/en/about.md": "---\ntitle: About\nlang: en\n---\nText.\n",
    "content/he/index.md": "---\ntitle: בית\nlang: he\n---\nטקסט.\n",
}


def test_a_right_to_left_language_is_laid_out_right_to_left(make_site) -> None:
    result = build_site(make_site(RTL_SITE))
    home = parse_html(result.files["he/index.html"])
    assert (home.find("html").attrs["lang"], home.find("html").attrs["dir"]) == ("he", "rtl")
    # No Hebrew catalog: the theme's English strings are marked left to right inside the page.
    assert (home.find("header").attrs["lang"], home.find("header").attrs["dir"]) == ("en", "ltr")
    fallback = parse_html(result.files["he/about/index.html"])
    assert (fallback.find("html").attrs["lang"], fallback.find("html").attrs["dir"]) == ("en", "ltr")
    chooser = parse_html(result.files["index.html"])
    assert chooser.find("a", hreflang="he").attrs["dir"] == "rtl"


PHYSICAL = re.compile(
    r"(?<![\w-])(?:margin|padding|border)-(?:left|right)\b|(?<![\w-])(?:left|right)\s*:"
    r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)"
)


def test_the_stylesheet_uses_logical_properties_only() -> None:
    css = (REPO_ROOT / "themes" / "default" / "static" / "style.css").read_text(encoding="utf-8")
    assert PHYSICAL.findall(css) == []

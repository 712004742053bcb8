"""End to end: the bundled site, built and read back as a reader's browser would."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Collection

import pytest

from chatmail_site import build
from chatmail_site.build import BuildResult
from chatmail_site.core.urls import relative_href, root_prefix
from chatmail_site.load.config import SiteConfig
from tests.support import REPO_ROOT
from tests.support.sites import parse_html

LANGUAGES = ("en", "de", "fr", "nl", "sk", "id")
TRANSLATED = ("en", "de", "fr", "nl")  # sk and id have no pages: they get fallbacks


def resolve(page_output: str, href: str, files: Collection[str] = ()) -> str:
    """The output file a relative link from a page leads to, as a plain static server finds it:
    a link ending in `/` is the folder's index.html, any other names a file."""
    url_dir = posixpath.dirname(page_output)
    path, _, _ = href.partition("#")
    if not path:
        return page_output
    target = posixpath.normpath(posixpath.join(url_dir, path))
    if path.endswith("/") or path == ".":
        return posixpath.join(target, "index.html")
    return target


def test_every_language_has_every_page(bundled_build: BuildResult):
    assert bundled_build.diagnostics.errors == []
    for lang in LANGUAGES:
        expected = ("index.html", "chatmail/index.html", "donate/index.html", "404.html")
        for output in expected:
            assert f"{lang}/{output}" in bundled_build.files


@pytest.mark.parametrize("lang", TRANSLATED)
def test_pages_declare_language_direction_and_head(bundled_build: BuildResult, lang: str):
    html = parse_html(bundled_build.files[f"{lang}/chatmail/index.html"])
    assert html.find("html").attrs == {"lang": lang, "dir": "ltr"}
    assert html.find("title").text.strip()
    assert html.find("meta", name="viewport").attrs["content"].startswith("width=device-width")
    assert len(html.find("meta", name="description").attrs["content"]) <= 160
    # Without base_url the page's address is unknown: no relative canonical link.
    assert html.find_all("link", rel="canonical") == []
    assert html.find_all("link", rel="alternate") == []


def test_cta_button_leads_to_the_same_languages_donate_page(bundled_build: BuildResult):
    for lang in LANGUAGES:
        output = f"{lang}/chatmail/index.html"
        buttons = parse_html(bundled_build.files[output]).find_all("a", class_="cta-button")
        targets = {resolve(output, b.attrs["href"]) for b in buttons}
        assert f"{lang}/donate/index.html" in targets


def test_selfhosted_anchor_exists_where_the_index_links_to_it(bundled_build: BuildResult):
    index = parse_html(bundled_build.files["en/index.html"])
    link = next(a for a in index.find_all("a") if a.attrs.get("href", "").endswith("#selfhosted"))
    target = resolve("en/index.html", link.attrs["href"])
    assert parse_html(bundled_build.files[target]).find_all("h2", id="selfhosted")


def test_every_internal_link_resolves(bundled_build: BuildResult):
    for output, data in bundled_build.files.items():
        if not output.endswith(".html") or output.endswith("404.html"):
            continue
        for element in parse_html(data).elements:
            href = element.attrs.get("href") or element.attrs.get("src")
            if not href or ":" in href.split("/")[0] or href.startswith("#"):
                continue
            assert resolve(output, href, bundled_build.files) in bundled_build.files, f"{output}: {href}"


def test_root_index_lists_every_language_without_javascript(bundled_build: BuildResult):
    root = parse_html(bundled_build.files["index.html"])
    links = [a.attrs["href"] for a in root.find_all("a") if a.attrs.get("data-language")]
    assert links == [f"{lang}/" for lang in LANGUAGES]
    script = root.find("script")
    assert script.text.strip() == "" and script.attrs["src"] in bundled_build.files


def test_theme_has_no_inline_scripts_or_styles(bundled_build: BuildResult):
    for output, data in bundled_build.files.items():
        if output.endswith(".html"):
            html = parse_html(data)
            assert not html.find_all("style"), output
            assert all(e.attrs.get("src") for e in html.find_all("script")), output
            assert not [e for e in html.elements if "style" in e.attrs], output


def test_theme_assets_are_fingerprinted(bundled_build: BuildResult):
    stylesheet = parse_html(bundled_build.files["en/index.html"]).find("link", rel="stylesheet")
    digest = hashlib.sha256((REPO_ROOT / "themes/default/static/style.css").read_bytes()).hexdigest()[:10]
    assert stylesheet.attrs["href"] == f"../assets/style.{digest}.css"


def test_404_pages_use_root_paths(bundled_build: BuildResult):
    html = parse_html(bundled_build.files["de/404.html"])
    assert html.find("html").attrs["lang"] == "de"
    assert html.find("link", rel="stylesheet").attrs["href"].startswith("/assets/")


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("de/chatmail", "de/donate", "donate"),
        ("de/chatmail", "fr/chatmail", "../fr/chatmail"),
        ("de/", "fr/", "../fr/"),
        ("de/chatmail", "de/", "./"),
        ("de/servers/x.org", "assets/a.css", "../../assets/a.css"),
        ("", "en/", "en/"),
    ],
)
def test_relative_links(source: str, target: str, expected: str):
    assert relative_href(source, target) == expected


def test_root_prefix():
    assert [root_prefix(u) for u in ("", "de/", "de/x", "de/servers/x")] == ["", "../", "../", "../../"]


def test_site_config_is_frozen(tmp_path):
    config = SiteConfig(tmp_path, "t", "en", ("en",))
    with pytest.raises(AttributeError):
        config.title = "other"  # type: ignore[misc]


def test_a_site_fronting_no_relay_works_out_no_server_redirects(bundled_site, monkeypatch):
    # The redirects are only for the nginx config of a fronted relay; the aliases' pages
    # are made with the site-wide files all the same.
    def not_needed(*args: object) -> list[object]:
        raise AssertionError("the aliases were worked out again for a configuration never written")

    monkeypatch.setattr(build, "site_aliases", not_needed)
    result = build.build_site(bundled_site)
    assert not result.diagnostics.failed(strict=False)
    assert result.deploy_files == {}

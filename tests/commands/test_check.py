"""`chatmail-site check`: every internal link, anchor and asset of a site resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.commands.check import BrokenLink, check_links
from chatmail_site.commands.cli import main
from tests.support.sites import copy_bundled_site, page, write_site

BROKEN_PAGE_BODY = """\
## Section {#here}

- [a page that exists](other)
- [a page that does not](missing-page)
- [an anchor that exists](other#there)
- [an anchor that does not](other#nowhere)
- [an anchor on this page](#here)
- [the home page with a query](./?from=test)
- [outside](https://example.org/nowhere)

![a picture that is not there](../assets/missing.png)
"""


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run the check command; return its exit status and its report lines."""
    status = main(["check", *args])
    return status, capsys.readouterr().out.splitlines()


@pytest.fixture(scope="module")
def bundled_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_bundled_site(tmp_path_factory.mktemp("check-bundled"))


def test_bundled_site_has_no_broken_links(bundled_copy: Path, capsys: pytest.CaptureFixture[str]):
    assert run_check(capsys, "--site", str(bundled_copy)) == (0, [])


def test_a_built_output_folder_is_checked_as_published(
    bundled_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    assert main(["build", "--site", str(bundled_copy), "--out", str(out)]) == 0
    capsys.readouterr()
    assert run_check(capsys, "--site", str(bundled_copy), "--out", str(out)) == (0, [])
    (out / "de" / "donate" / "index.html").unlink()
    status, lines = run_check(capsys, "--site", str(bundled_copy), "--out", str(out))
    assert status == 1
    assert "de/index.html: donate/: no such page or file" in lines


def test_broken_page_link_missing_anchor_and_missing_image_are_reported_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    site = write_site(
        tmp_path / "site",
        {
            "content/en/index.md": page("Home", "en", BROKEN_PAGE_BODY),
            "content/en/other.md": page("Other", "en", "## There {#there}\n\nText.\n"),
            "content/en/donate.md": page("Donate", "en"),
        },
    )
    status, lines = run_check(capsys, "--site", str(site))
    assert status == 1
    assert lines == [
        "en/index.html: missing-page/: no such page or file",
        "en/index.html: other/#nowhere: no element with id `nowhere` in en/other/index.html",
        "en/index.html: ../assets/missing.png: no such page or file",
    ]


def test_a_site_that_does_not_build_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    site = write_site(tmp_path / "site", {"content/en/index.md": "---\ntitle: [unclosed\n---\nText.\n"})
    status, lines = run_check(capsys, "--site", str(site))
    assert status == 1
    assert lines == ["check failed: the site does not build"]


ERROR_PAGE_FILES = {
    "index.html": b"<a href='de/'>de</a>",
    "de/index.html": b"<h2 id='start'>Start</h2>",
    "de/chatmail/index.html": b"<p>chatmail</p>",
    "assets/style.css": b"body { background: url(logo.svg) }",
    "assets/logo.svg": b"<svg/>",
}


@pytest.mark.parametrize("link", ["/de/", "/de/#start", "/de/chatmail/", "/assets/style.css", "/"])
def test_error_page_links_from_the_site_root_resolve_against_the_root(link: str):
    files = {**ERROR_PAGE_FILES, "de/404.html": f"<a href='{link}'>x</a>".encode()}
    assert check_links(files) == []


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        ("/de/missing", "no such page or file"),
        ("/de/#nowhere", "no element with id `nowhere` in de/index.html"),
        ("chatmail", "relative link on an error page, which is shown at any address; start it with /"),
    ],
)
def test_error_page_links_that_fail_from_any_address_are_reported(link: str, reason: str):
    files = {**ERROR_PAGE_FILES, "de/404.html": f"<a href='{link}'>x</a>".encode()}
    assert check_links(files) == [BrokenLink("de/404.html", link, reason)]


@pytest.mark.parametrize(
    "link",
    [
        "chatmail/",
        "chatmail/index.html",
        "./",
        "../de/",
        "chatmail/?utm=1",
        "../index.html",
        "#start",
        "mailto:a@b.c",
    ],
)
def test_url_rules_of_the_server(link: str):
    files = {**ERROR_PAGE_FILES, "de/page.html": f"<h2 id='start'></h2><a href='{link}'>x</a>".encode()}
    assert check_links(files) == []


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        # A plain static server rewrites nothing: no extension is added.
        ("chatmail.html", "no such page or file"),
        ("../de/index", "no such page or file"),
        # It redirects a folder without its slash, and a relay's server to an inner port.
        ("chatmail", "a folder without its trailing slash: link to `chatmail/`"),
        ("chatmail?utm=1", "a folder without its trailing slash: link to `chatmail/`"),
        ("/de/chatmail", "a folder without its trailing slash: link to `/de/chatmail/`"),
    ],
)
def test_links_that_need_a_rewriting_server_are_reported(link: str, reason: str):
    files = {**ERROR_PAGE_FILES, "de/page.html": f"<a href='{link}'>x</a>".encode()}
    assert check_links(files) == [BrokenLink("de/page.html", link, reason)]


def test_links_under_a_base_path_resolve_below_it():
    files = {**ERROR_PAGE_FILES, "de/404.html": b"<a href='/sub/de/chatmail/'>x</a><a href='/de/'>y</a>"}
    assert check_links(files, base_path="/sub/") == [
        BrokenLink("de/404.html", "/de/", "outside the site's base path /sub/")
    ]


def test_srcset_css_urls_and_links_above_the_root_are_checked():
    files = {
        **ERROR_PAGE_FILES,
        "assets/style.css": b"a { background: url('gone.png') }",
        "de/page.html": b"<img src='../assets/logo.svg' srcset='../assets/logo.svg 1x, ../assets/big.svg 2x'>"
        b"<a href='../../index.html'>up</a>",
    }
    assert check_links(files) == [
        BrokenLink("assets/style.css", "gone.png", "no such page or file"),
        BrokenLink("de/page.html", "../assets/big.svg", "no such page or file"),
        BrokenLink("de/page.html", "../../index.html", "leads outside the site root"),
    ]

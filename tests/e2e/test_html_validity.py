"""Every page of the bundled build and of the relay-fronting example is valid HTML, as the Nu Html
Checker reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.reader_site import RELAY_FRONT_PAGES, build_once, build_relay_front_site
from tests.support.sites import copy_bundled_site
from tests.support.vnu import VnuReport, check_html

# Pages each build must contain, or a missing kind of page would pass unseen.
EXPECTED_PAGES = {
    "bundled": {"index.html", "en/index.html", "en/404.html", "en/donate/index.html"},
    "relay-front": {
        "info.html",  # the relay software's old addresses
        "privacy.html",
        *(f"{lang}/{slug}/index.html" for lang in ("en", "de") for slug in RELAY_FRONT_PAGES.values()),
    },
}


@pytest.fixture(scope="module")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The output folder of each build, by name: the bundled site and examples/relay-site."""
    root = tmp_path_factory.mktemp("validity")
    bundled = build_once(copy_bundled_site(root / "bundled" / "site"), root / "bundled" / "out")
    return {"bundled": bundled.out_dir, "relay-front": build_relay_front_site(root / "relay-front").out_dir}


@pytest.fixture(scope="module")
def report(built_sites: dict[str, Path]) -> VnuReport:
    """One checker run over every page of both builds: the JVM starts once."""
    return check_html(built_sites.values())


@pytest.mark.parametrize("name", EXPECTED_PAGES)
def test_every_page_of_the_build_is_valid_html(name: str, built_sites: dict[str, Path], report: VnuReport):
    out = built_sites[name]
    pages = sorted(out.rglob("*.html"))
    assert EXPECTED_PAGES[name] <= {page.relative_to(out).as_posix() for page in pages}
    assert all(page.resolve() in report.errors for page in pages), "some pages were not checked"
    errors = [error for page in pages for error in report.errors_for(page)]
    assert not errors, VnuReport(errors={Path(): errors}).format_errors()


def test_the_bundled_build_has_relay_pages(built_sites: dict[str, Path]):
    assert any(page.parent.parent.name == "servers" for page in built_sites["bundled"].rglob("index.html"))

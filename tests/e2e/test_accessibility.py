"""axe-core finds no serious or critical accessibility problem on any kind of page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.axe import format_violations, serious_violations
from tests.support.preview import ServedSite
from tests.support.reader_site import RELAY_FRONT_PAGES, ReaderSite

pytest_plugins = ("tests.support.fixtures",)

PAGE_KINDS = ("root", "index", "chatmail", "donate", "relay", "fallback", "404", "rtl")


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_serious_accessibility_violations(
    kind: str, reader_site: ReaderSite, served: ServedSite, browser_page: Page
):
    assert_no_serious_violations(browser_page, served, reader_site.page_paths("de")[kind], kind == "404")


@pytest.mark.parametrize("kind", RELAY_FRONT_PAGES)
def test_no_serious_accessibility_violations_on_the_fronted_relay_pages(
    kind: str, relay_front_site: ReaderSite, relay_front_served: ServedSite, browser_page: Page
):
    path = relay_front_site.relay_front_paths("de")[kind]
    assert_no_serious_violations(browser_page, relay_front_served, path)


def assert_no_serious_violations(page: Page, served: ServedSite, path: str, not_found: bool = False) -> None:
    response = page.goto(served.url(path))
    assert response is not None
    assert response.status == (404 if not_found else 200), path
    violations = serious_violations(page)
    assert not violations, f"{path}: {format_violations(violations)}"


def test_the_check_sees_a_real_violation(served: ServedSite, browser_page: Page):
    """An image without a text alternative is reported, so a clean run means something."""
    browser_page.goto(served.url("/de/"))
    browser_page.evaluate(
        "() => document.querySelector('main').append(Object.assign(new Image(), {src: '/x.png'}))"
    )
    assert "image-alt" in {violation["id"] for violation in serious_violations(browser_page)}

"""The pages as readers meet them in a real browser: language, navigation, relay invites, phones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import load_config
from chatmail_site.load.relayini import load_relay_ini
from tests.support.browser import save_screenshot
from tests.support.preview import ServedSite
from tests.support.reader_site import RELAY_FRONT_PAGES, ReaderSite

pytest_plugins = ("tests.support.fixtures",)

PHONE = {"width": 375, "height": 812}
MIN_TARGET_HEIGHT = 44  # the smallest comfortable touch target, in CSS pixels
PHONE_PAGE_KINDS = ("root", "index", "chatmail", "donate", "relay", "fallback", "404", "rtl")
HTML_LANG = "() => document.documentElement.lang"


@pytest.fixture
def german_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page in a browser set up for German, as a reader in Germany has it."""
    context = chromium_browser.new_context(
        locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page on a small phone screen, touch enabled."""
    context = chromium_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_german_browser_lands_on_the_german_pages(served: ServedSite, german_page: Page):
    german_page.goto(served.url("/"))
    assert german_page.url == served.url("/de/")
    assert german_page.evaluate(HTML_LANG) == "de"


def test_the_language_switcher_opens_the_same_page_in_french(served: ServedSite, browser_page: Page):
    browser_page.goto(served.url("/de/chatmail/"))
    switcher = browser_page.get_by_role("navigation", name="Sprachen")
    switcher.get_by_role("link", name="Français").click()
    browser_page.wait_for_url(served.url("/fr/chatmail/"))
    assert browser_page.evaluate(HTML_LANG) == "fr"


def test_each_relay_page_shows_its_qr_code_and_joins_with_its_invite(
    reader_site: ReaderSite, served: ServedSite, browser_page: Page
):
    for relay in reader_site.relays:
        browser_page.goto(served.url(reader_site.relay_path("en", relay)))
        qr_code = browser_page.get_by_role("img", name=f"QR invite code for {relay.domain}")
        assert qr_code.is_visible()
        box = qr_code.bounding_box()
        assert box is not None and box["width"] >= 150 and box["height"] >= 150, (relay.domain, box)
        join = browser_page.get_by_role("link", name=f"Join {relay.domain}", exact=True)
        assert join.get_attribute("href") == relay.invite_uri


def test_the_donate_button_leads_to_the_donate_page_of_the_same_language(
    served: ServedSite, browser_page: Page
):
    browser_page.goto(served.url("/fr/chatmail/"))
    donate = browser_page.locator(".site-header .donate-button")
    assert donate.is_visible()
    donate.click()
    browser_page.wait_for_url(served.url("/fr/donate/"))
    assert browser_page.evaluate(HTML_LANG) == "fr"


EDGES = """
() => {
    const brand = document.querySelector('.site-header .brand').getBoundingClientRect();
    const inner = document.querySelector('.site-header .header-inner');
    const style = getComputedStyle(inner);
    const box = inner.getBoundingClientRect();
    return {
        direction: getComputedStyle(document.body).direction,
        brandLeft: brand.left - (box.left + parseFloat(style.paddingLeft)),
        brandRight: box.right - parseFloat(style.paddingRight) - brand.right,
    };
}
"""


@pytest.mark.parametrize(
    ("path", "direction", "edge"), [("/ar/", "rtl", "brandRight"), ("/en/", "ltr", "brandLeft")]
)
def test_the_header_starts_at_the_reading_side(
    path: str, direction: str, edge: str, served: ServedSite, browser_page: Page
):
    browser_page.goto(served.url(path))
    layout = browser_page.evaluate(EDGES)
    assert layout["direction"] == direction
    assert abs(layout[edge]) <= 1, layout


@pytest.mark.parametrize("kind", PHONE_PAGE_KINDS)
def test_nothing_scrolls_sideways_on_a_phone(
    kind: str, reader_site: ReaderSite, served: ServedSite, phone_page: Page
):
    assert_fits_the_phone(phone_page, served, reader_site.page_paths("de")[kind], kind)


def assert_fits_the_phone(phone_page: Page, served: ServedSite, path: str, kind: str) -> None:
    phone_page.goto(served.url(path))
    save_screenshot(phone_page, f"{kind}-phone")
    scroll_width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"{path} is {scroll_width} px wide"


@pytest.mark.parametrize(
    ("kind", "selector"), [("relay", ".relay-join-button"), ("chatmail", ".donate-button")]
)
def test_join_and_donate_are_big_enough_to_tap(
    kind: str, selector: str, reader_site: ReaderSite, served: ServedSite, phone_page: Page
):
    phone_page.goto(served.url(reader_site.page_paths("de")[kind]))
    box = phone_page.locator(selector).bounding_box()
    assert box is not None and box["height"] >= MIN_TARGET_HEIGHT, box


def fronted_invite_uri(site: ReaderSite) -> str:
    """The invite of the relay a site fronts, as its chatmail.ini defines it: the relay's /new."""
    diagnostics = Diagnostics()
    config = load_config(site.site_dir, diagnostics)
    assert config is not None and config.fronts is not None and config.fronts.ini is not None
    ini = load_relay_ini(config.fronts.ini, diagnostics)
    assert ini is not None and not diagnostics.errors, diagnostics
    return f"DCACCOUNT:https://{ini.mail_domain}/new"


def test_the_fronted_relay_home_invites_on_a_phone(
    relay_front_site: ReaderSite, relay_front_served: ServedSite, phone_page: Page
):
    phone_page.goto(relay_front_served.url(relay_front_site.relay_front_paths("de")["relay-home"]))
    assert phone_page.locator(".relay-qr-code").is_visible()
    join = phone_page.locator(".relay-join-button")
    assert join.get_attribute("href") == fronted_invite_uri(relay_front_site)
    box = join.bounding_box()
    assert box is not None and box["height"] >= MIN_TARGET_HEIGHT, box


@pytest.mark.parametrize("kind", RELAY_FRONT_PAGES)
def test_nothing_scrolls_sideways_on_the_fronted_relay_pages(
    kind: str, relay_front_site: ReaderSite, relay_front_served: ServedSite, phone_page: Page
):
    path = relay_front_site.relay_front_paths("de")[kind]
    assert_fits_the_phone(phone_page, relay_front_served, path, kind)


@pytest.mark.parametrize("kind", ("index", "chatmail", "relay", "rtl"))
def test_desktop_screenshots(kind: str, reader_site: ReaderSite, served: ServedSite, browser_page: Page):
    """Screenshots of the main page types on a desktop screen, for reviewing the design."""
    path = reader_site.page_paths("de")[kind]
    response = browser_page.goto(served.url(path))
    assert response is not None and response.ok, path
    assert save_screenshot(browser_page, f"{kind}-desktop").stat().st_size > 0


@pytest.mark.parametrize(
    ("old", "new"),
    [("/index.html", "/de/"), ("/info.html", "/de/relay/info/"), ("/privacy.html", "/de/relay/privacy/")],
)
def test_the_relays_old_addresses_lead_a_german_browser_to_the_german_pages(
    relay_front_served: ServedSite, german_page: Page, old: str, new: str
):
    german_page.goto(relay_front_served.url(old))
    german_page.wait_for_url(relay_front_served.url(new))
    assert german_page.evaluate(HTML_LANG) == "de"

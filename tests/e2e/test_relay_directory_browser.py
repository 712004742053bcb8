"""The relay list as a reader meets it on a phone: grouped, filterable, complete without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from chatmail_site.core.urls import page_url
from chatmail_site.deploy.nginx import CONTENT_SECURITY_POLICY
from tests.support.axe import format_violations, serious_violations
from tests.support.browser import save_screenshot
from tests.support.preview import ServedSite
from tests.support.reader_site import ReaderSite

pytest_plugins = ("tests.support.fixtures",)

PHONE = {"width": 375, "height": 812}
VISIBLE_DOMAINS = ".relay-entry:visible .relay-link"
VISIBLE_HEADINGS = ".relay-group:visible .relay-group-heading"
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def phone_context(browser: Browser, **options: object) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )


def with_site_policy(route: Route) -> None:
    """Serve each page with the Content-Security-Policy of the site's own nginx config."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    route.fulfill(
        response=response, headers={**response.headers, "content-security-policy": CONTENT_SECURITY_POLICY}
    )


@pytest.fixture
def strict_phone_page(chromium_browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A phone page under the site's script policy, with the console errors it logs."""
    context = phone_context(chromium_browser)
    context.route("**/*", with_site_policy)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield page, errors
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()


def chatmail_path(lang: str) -> str:
    return "/" + page_url(lang, "chatmail")


def test_the_filter_narrows_the_list_and_never_hides_the_default_relay(
    served: ServedSite, strict_phone_page: tuple[Page, list[str]]
) -> None:
    page, errors = strict_phone_page
    page.goto(served.url(chatmail_path("de")))
    assert page.locator(".relay-filter").is_visible()
    assert len(page.locator(VISIBLE_DOMAINS).all_inner_texts()) == 26

    page.select_option(".relay-filter select[name=country]", "JP")
    assert page.locator(VISIBLE_DOMAINS).all_inner_texts() == ["nine.testrun.org", "chat.sus.fr"]
    assert page.locator(VISIBLE_HEADINGS).all_inner_texts() == ["Welt"]

    page.select_option(".relay-filter select[name=country]", "")
    page.select_option(".relay-filter select[name=language]", "de")
    assert page.locator(VISIBLE_DOMAINS).all_inner_texts() == [
        "nine.testrun.org",
        "mehl.cloud",
        "chat.adminforge.de",
    ]

    page.select_option(".relay-filter select[name=country]", "US")
    assert page.locator(VISIBLE_DOMAINS).all_inner_texts() == ["nine.testrun.org"]
    save_screenshot(page, "relay-list-filtered-phone")
    assert errors == []


def test_the_country_names_of_the_filter_are_in_the_pages_language(
    served: ServedSite, strict_phone_page: tuple[Page, list[str]]
) -> None:
    page, _ = strict_phone_page
    page.goto(served.url(chatmail_path("fr")))
    options = page.locator(".relay-filter select[name=country] option").all_inner_texts()
    assert {"Afrique du Sud", "Finlande", "Tchéquie", "Islande"} <= set(options)


def test_without_javascript_the_whole_list_is_there_in_groups(
    served: ServedSite, chromium_browser: Browser
) -> None:
    context = phone_context(chromium_browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(served.url(chatmail_path("de")))
        assert not page.locator(".relay-filter").is_visible()
        domains = page.locator(VISIBLE_DOMAINS).all_inner_texts()
        assert len(domains) == len(set(domains)) == 26
        assert domains[:3] == ["nine.testrun.org", "mehl.cloud", "chat.adminforge.de"]
        assert "Europa" in page.locator(VISIBLE_HEADINGS).all_inner_texts()
        save_screenshot(page, "relay-list-no-script-phone")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["de", "fr", "sk"])
def test_the_relay_list_on_a_phone_is_accessible_and_fits(
    lang: str, served: ServedSite, chromium_browser: Browser
) -> None:
    # axe is injected as a script of its own, which the site's policy would refuse.
    context = phone_context(chromium_browser, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(served.url(chatmail_path(lang)))
        assert page.locator(".relay-filter").is_visible()
        save_screenshot(page, f"relay-list-{lang}-phone")
        scroll_width, client_width = page.evaluate(SIDEWAYS)
        assert scroll_width <= client_width
        violations = serious_violations(page)
        assert not violations, format_violations(violations)
    finally:
        context.close()


def published_pages(site: ReaderSite) -> list[str]:
    """The URL path of every HTML page the build wrote (each file is served as it is)."""
    pages = []
    for path in sorted(site.out_dir.rglob("*.html")):
        relative = path.relative_to(site.out_dir).as_posix()
        pages.append("/" + (relative.removesuffix("index.html") if path.name == "index.html" else relative))
    return pages


def test_no_page_scrolls_sideways_on_a_phone(
    reader_site: ReaderSite, served: ServedSite, chromium_browser: Browser
) -> None:
    context = phone_context(chromium_browser)
    try:
        page = context.new_page()
        paths = published_pages(reader_site)
        assert len(paths) > 26 * 6
        too_wide = {}
        for path in paths:
            page.goto(served.url(path))
            scroll_width, client_width = page.evaluate(SIDEWAYS)
            if scroll_width > client_width:
                too_wide[path] = scroll_width
        assert too_wide == {}
    finally:
        context.close()

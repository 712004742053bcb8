"""Pytest fixtures for browser tests; load with `pytest_plugins = ("tests.support.fixtures",)`.

- `chromium_browser` (session): one Chromium for the whole run, since each launch costs
  about a second. Playwright's sync API allows one driver per thread, so browser tests
  share this fixture instead of launching their own.
- `browser_page` (function): a page in a fresh context (no cookies or storage carried over).
- `reader_site` and `served` (module): the bundled site with every kind of page, built and
  served by the preview server.
- `relay_front_site` and `relay_front_served` (module): examples/relay-site, the example of a
  site that fronts a relay, built and served.

Listing the module in `pytest_plugins`, rather than importing the fixtures, lets pytest
rewrite its asserts and keeps the fixtures out of the importing module's names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import launch_chromium
from tests.support.preview import ServedSite, preview
from tests.support.reader_site import ReaderSite, build_reader_site, build_relay_front_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium shared by every browser test in the run."""
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context, closed after the test."""
    context = chromium_browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory: pytest.TempPathFactory) -> ReaderSite:
    """The bundled site with every kind of page (an RTL language added), built once per module."""
    return build_reader_site(tmp_path_factory.mktemp("reader-site"))


@pytest.fixture(scope="module")
def served(reader_site: ReaderSite) -> Iterator[ServedSite]:
    """The reader site, served by the preview server."""
    with preview(reader_site.site_dir) as site:
        yield site


@pytest.fixture(scope="module")
def relay_front_site(tmp_path_factory: pytest.TempPathFactory) -> ReaderSite:
    """examples/relay-site built once per test module."""
    return build_relay_front_site(tmp_path_factory.mktemp("relay-front"))


@pytest.fixture(scope="module")
def relay_front_served(relay_front_site: ReaderSite) -> Iterator[ServedSite]:
    """The built relay-fronting example, served with the site's URL rules."""
    with preview(relay_front_site.site_dir) as site:
        yield site

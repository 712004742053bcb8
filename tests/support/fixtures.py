"""Pytest fixtures for browser tests; load with `pytest_plugins = ("tests.support.fixtures",)`.

- `chromium_browser` (session): one Chromium for the whole run, since each launch costs
  about a second. Playwright's sync API allows one driver per thread, so browser tests
  share this fixture instead of launching their own.
- `browser_page` (function): a page in a fresh context (no cookies or storage carried over).

Listing the module in `pytest_plugins`, rather than importing the fixtures, lets pytest
rewrite its asserts and keeps the fixtures out of the importing module's names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import launch_chromium

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

"""Debian's Chromium driven through Playwright's sync API, for browser tests.

Tests fail, never skip, when Chromium or Playwright is missing: a browser test that quietly
does not run would let a broken page through.

The pytest fixtures built on this module live in `tests.support.fixtures`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support import REPO_ROOT, MissingTestTool

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
# Background networking, component updates and sync would try to reach outside hosts at start;
# there is no sandbox to set up as root; QUIC is off so loopback HTTP is all the browser speaks.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


@contextmanager
def launch_chromium(executable: Path = CHROMIUM, **launch_options: Any) -> Iterator[Browser]:
    """Launch headless Chromium from `executable` and close it when the context ends.

    Playwright gives each launch its own temporary profile directory, so no state leaks
    between runs. Extra keyword arguments go to Playwright's `launch()`.
    """
    if not executable.is_file():
        raise MissingTestTool(f"Chromium ({executable})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise MissingTestTool("Playwright for Python") from error
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=list(CHROMIUM_ARGS),
            **launch_options,
        )
        try:
            yield browser
        finally:
            browser.close()


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png and return its path.

    Characters other than letters, digits, `.`, `_` and `-` in `name` become `_`, so test ids
    (with brackets and slashes) make safe file names.
    """
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "screenshot"
    path = SCREENSHOTS / f"{safe_name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path

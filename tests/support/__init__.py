"""Test support: real tools (Chromium, axe-core, the Nu Html Checker, an HTTP server) for tests.

Import from the modules, e.g. `from tests.support.preview import preview`.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
INSTALL_HINT = "run `bash scripts/install-test-deps.sh` as root to install the test dependencies"


class MissingTestTool(RuntimeError):
    """A tool the tests drive is not installed; the message says how to install it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is missing: {INSTALL_HINT}")

"""Fixtures shared by the build tests: the bundled site and small sites made on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site
from tests.support.sites import copy_bundled_site, write_site


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write a small site into a fresh folder and return that folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_site(tmp_path / "site", files)

    return make


@pytest.fixture
def bundled_site(tmp_path: Path) -> Path:
    """A private copy of the bundled site, free to edit."""
    return copy_bundled_site(tmp_path / "bundled")


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The bundled site built once in memory, for tests that only read the result."""
    site = copy_bundled_site(tmp_path_factory.mktemp("bundled-build"))
    return build_site(site)

"""Fixtures of the render tests."""

from __future__ import annotations

import pytest

from chatmail_site.build import BuildResult
from tests.support.published import build_published


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The bundled site built once under a base URL, shared by the files that read it."""
    return build_published(tmp_path_factory.mktemp("published"))

"""Every page of the bundled build is valid HTML, as the Nu Html Checker reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.cli import main
from tests.support.sites import copy_bundled_site
from tests.support.vnu import check_html


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled site built once, as it is published."""
    root = tmp_path_factory.mktemp("validity")
    out = root / "out"
    assert main(["build", "--site", str(copy_bundled_site(root / "site")), "--out", str(out)]) == 0
    return out


def test_every_page_of_the_bundled_build_is_valid_html(built_site: Path):
    pages = sorted(built_site.rglob("*.html"))
    # Every kind of page must be among those checked, or a missing kind would pass unseen.
    assert {"index.html", "en/index.html", "en/404.html", "en/donate.html"} <= {
        page.relative_to(built_site).as_posix() for page in pages
    }
    assert any(page.parent.name == "servers" for page in pages), "no relay pages were built"
    report = check_html(pages)
    assert set(report.errors) == {page.resolve() for page in pages}
    assert not report.all_errors(), report.format_errors()

"""Looking up the diagnostics a build reports."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.build import build_site
from chatmail_site.core.errors import Diagnostic


def only(diagnostics: list[Diagnostic], path_end: str) -> Diagnostic:
    """The one diagnostic about the file whose path ends so; fails if there are none or several."""
    found = [d for d in diagnostics if d.path.endswith(path_end)]
    assert len(found) == 1, [d.format() for d in diagnostics]
    return found[0]


def diagnostics_of(site: Path) -> list[Diagnostic]:
    return build_site(site).diagnostics.sorted()

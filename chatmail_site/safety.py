"""Checks on the site's source folders before anything in them is read.

Pages, assets, catalogs and theme files come from pull requests. A symbolic link could
publish a file from outside the site (a key, /etc/passwd), and a FIFO or device would make
the build wait forever, so both are refused here, before any stage opens a file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import Diagnostics

# The folders of a site whose files the build reads or publishes.
SOURCE_FOLDERS = ("content", "themes", "locales")
# Any single source file above this is refused: the largest real asset is an image of a
# few hundred kilobytes, and every file is held in memory during the build.
MAX_SOURCE_FILE_BYTES = 20 * 1024 * 1024


def check_source_tree(site_dir: Path, diagnostics: Diagnostics) -> bool:
    """Report links that leave the site, special files and oversized files; True when clean."""
    errors_before = len(diagnostics.errors)
    root = site_dir.resolve()
    for folder in SOURCE_FOLDERS:
        top = site_dir / folder
        if top.is_symlink() or top.is_dir():
            for path in _walk(top):
                _check_entry(path, site_dir, root, diagnostics)
    return len(diagnostics.errors) == errors_before


def _walk(top: Path) -> list[Path]:
    """Every entry below `top` (and `top` itself), without following links, sorted."""
    found = [top]
    if top.is_symlink():
        return found
    for directory, subdirs, files in os.walk(top, followlinks=False):
        subdirs.sort()
        found.extend(Path(directory, name) for name in sorted(subdirs + files))
    return found


def _check_entry(path: Path, site_dir: Path, root: Path, diagnostics: Diagnostics) -> None:
    shown = _display(path, site_dir)
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            diagnostics.error(
                shown,
                0,
                f"this link points outside the site folder (to {os.readlink(path)})",
                "replace the link with a copy of the file",
            )
            return
        if not target.exists():
            diagnostics.error(shown, 0, "this link points to nothing", "remove it or fix its target")
            return
    mode = path.stat().st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        diagnostics.error(
            shown, 0, "this is not a regular file (a pipe, socket or device)", "remove it from the site"
        )
    elif stat.S_ISREG(mode) and path.stat().st_size > MAX_SOURCE_FILE_BYTES:
        diagnostics.error(
            shown,
            0,
            f"the file is larger than the limit of {MAX_SOURCE_FILE_BYTES // (1024 * 1024)} MiB",
            "publish large downloads somewhere else and link to them",
        )


def _display(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)

"""Editing a theme catalog the way a translator's editor does."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po


def po_path(site: Path, lang: str) -> Path:
    return site / "locales" / lang / "LC_MESSAGES" / "messages.po"


def set_translation(path: Path, msgid: str, translation: str) -> None:
    """Translate one entry as a translator's editor would, through Babel."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    catalog[msgid].string = translation
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)

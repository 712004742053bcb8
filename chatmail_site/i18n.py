"""Languages: Babel locales, catalogs, native names, text direction, dates and numbers.

Each language gets its own small, immutable `Language` context. Nothing here is global:
templates receive the language they render in as plain data.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .errors import Diagnostics


def parse_locale(tag: str) -> Locale | None:
    """The Babel locale for a BCP 47 tag such as `de`, `pt-BR` or `zh-Hant`, or None."""
    if not isinstance(tag, str) or not tag or tag != tag.strip():
        return None
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def is_language_tag(tag: str) -> bool:
    return parse_locale(tag) is not None


def catalog_path(locales_dir: Path, tag: str) -> Path:
    """Where the theme catalog of a language lives (Babel names folders like `pt_BR`)."""
    return locales_dir / tag.replace("-", "_") / "LC_MESSAGES" / "messages.po"


def load_translations(locales_dir: Path, tag: str, diagnostics: Diagnostics) -> gettext.NullTranslations:
    """Read a language's .po catalog straight from source; untranslated strings stay English."""
    path = catalog_path(locales_dir, tag)
    if not path.is_file():
        return gettext.NullTranslations()
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=tag.replace("-", "_"), abort_invalid=True)
    except Exception as exc:  # Babel raises several unrelated types for broken catalogs
        line = getattr(exc, "lineno", 0) or 0
        diagnostics.error(
            path, line, f"the catalog cannot be read: {exc}", "open it in Poedit to find the broken entry"
        )
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    # Fuzzy entries are drafts a translator has not confirmed; they must not reach readers.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


@dataclass(frozen=True)
class Language:
    """Everything a template needs to render in one language."""

    code: str
    locale: Locale
    translations: gettext.NullTranslations = field(compare=False, repr=False)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.text_direction == "rtl" else "ltr"

    @cached_property
    def native_name(self) -> str:
        name = self.locale.get_display_name(self.locale) or self.code
        return name[:1].upper() + name[1:]

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def language_name(self, tag: str) -> str:
        """The name of another language, in this language ("Polnisch" on a German page)."""
        other = parse_locale(tag)
        if other is None:
            return tag
        return other.get_display_name(self.locale) or tag

    def country_name(self, code: str) -> str:
        return self.locale.territories.get(code.upper(), code)

    def month_year(self, value: date) -> str:
        # A skeleton, not the stand-alone pattern LLLL: Babel 2.18 leaks stand-alone month
        # names between locales within one process.
        return format_skeleton("yMMMM", value, locale=self.locale)


def make_language(code: str, locales_dir: Path, diagnostics: Diagnostics) -> Language:
    """Build the context of one language the site offers (the code was validated already)."""
    locale = parse_locale(code)
    assert locale is not None, f"unvalidated language {code!r}"
    return Language(code, locale, load_translations(locales_dir, code, diagnostics))

"""Languages: Babel locales, catalogs, native names, text direction, dates and numbers.

Each language gets its own small, immutable `Language` context. Nothing here is global:
templates receive the language they render in as plain data.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.safety import MAX_DATA_FILE_BYTES, read_source_text
from chatmail_site.load.catalog_checks import po_syntax_problems, translation_problems
from chatmail_site.load.plural_forms import PluralFormsError, parse_plural_forms
from chatmail_site.load.po_outline import PoOutline, outline_po

# The language the theme's strings are written in (the msgids of every catalog).
THEME_SOURCE_LANGUAGE = "en"


def parse_locale(tag: str) -> Locale | None:
    """The Babel locale for a BCP 47 tag such as `de`, `pt-BR` or `zh-Hant`, or None."""
    if not isinstance(tag, str) or not tag or tag != tag.strip():
        return None
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def language_display_name(tag: str, in_locale: Locale) -> str:
    """What `in_locale` calls the language `tag`; the tag itself when Babel does not know it."""
    other = parse_locale(tag)
    if other is None:
        return tag
    return other.get_display_name(in_locale) or tag


def is_language_tag(tag: str) -> bool:
    return parse_locale(tag) is not None


def catalog_path(locales_dir: Path, tag: str) -> Path:
    """Where the theme catalog of a language lives (Babel names folders like `pt_BR`)."""
    return locales_dir / babel_locale_name(tag) / "LC_MESSAGES" / "messages.po"


def babel_locale_name(tag: str) -> str:
    """The folder and header name Babel and gettext use for a language tag (`pt-BR` → `pt_BR`)."""
    return tag.replace("-", "_")


def find_catalog(
    locales_dirs: list[Path], tag: str, allows: Callable[[Path], bool] = lambda _: True
) -> Path | None:
    """The first catalog of a language among the given folders (the site's own first);
    one that `allows` refuses (a link out of the site) is passed over."""
    for folder in locales_dirs:
        path = catalog_path(folder, tag)
        if allows(path) and path.is_file():
            return path
    return None


def read_po_text(path: Path, shown: str | Path, diagnostics: Diagnostics) -> str | None:
    """A .po file's text, or None after reporting why it cannot be used as it is written.

    Babel's reader is lenient where a translator's mistake should be seen (see
    catalog_checks), so every line is checked first and each problem is an error at its line.
    """
    text = read_source_text(
        path,
        shown,
        diagnostics,
        MAX_DATA_FILE_BYTES,
        "split the catalog or remove obsolete entries",
        "save the file with UTF-8 encoding",
    )
    if text is None:
        return None
    problems = po_syntax_problems(text)
    for line, problem in problems:
        diagnostics.error(shown, line, problem, PO_HINT)
    return None if problems else text


PO_HINT = "open it in Poedit to find the broken entry"


def babel_error_line(problem: Exception) -> int:
    """The 1-based line of a Babel parse error (Babel counts from 0), or 0 when it has none."""
    line = getattr(problem, "lineno", None)
    return line + 1 if isinstance(line, int) else 0


def read_po_outline(path: Path, shown: str | Path, diagnostics: Diagnostics) -> tuple[str, PoOutline] | None:
    """A catalog's text and outline; None when it cannot be read or its Plural-Forms header
    cannot be used, since Babel sizes every plural entry by that header."""
    text = read_po_text(path, shown, diagnostics)
    if text is None:
        return None
    outline = outline_po(text)
    if not plural_forms_usable(outline, shown, diagnostics):
        return None
    return text, outline


def read_catalog(path: Path, tag: str, diagnostics: Diagnostics) -> Catalog | None:
    """Parse a .po file, reporting a broken one at its line instead of raising.

    The Plural-Forms header is judged before Babel reads the entries, because Babel sizes
    every plural entry by it; a catalog whose header cannot be used is not used at all.
    """
    read = read_po_outline(path, path, diagnostics)
    if read is None:
        return None
    text, outline = read
    try:
        catalog = read_po(io.StringIO(text), locale=babel_locale_name(tag), abort_invalid=True)
    except Exception as exc:  # Babel raises several unrelated types for broken catalogs
        diagnostics.error(path, babel_error_line(exc), f"the catalog cannot be read: {exc}", PO_HINT)
        return None
    # What Babel made of the header is what the reader's pages use: it must parse as well.
    if not _usable(catalog.plural_forms, outline.header_line, path, diagnostics):
        return None
    return catalog


def plural_forms_usable(outline: PoOutline, path: str | Path, diagnostics: Diagnostics) -> bool:
    """Report every Plural-Forms field the bounded parser refuses, on its own line."""
    fields = outline.fields_named("plural-forms")
    return all([_usable(entry.value, entry.line, path, diagnostics) for entry in fields])


def _usable(value: str, line: int, path: str | Path, diagnostics: Diagnostics) -> bool:
    try:
        parse_plural_forms(value)
    except PluralFormsError as problem:
        message = f"the Plural-Forms header cannot be used: {problem.message}"
        diagnostics.error(path, line, message, problem.hint)
        return False
    return True


def drop_broken_translations(catalog: Catalog, path: Path | str, diagnostics: Diagnostics) -> None:
    """Report and blank translations that would not show their English text's values.

    A translation that drops or renames `%(language)s`, holds a stray `%` or a control
    character is not used: the reader gets the English string instead, and the translator
    a warning naming the entry.
    """
    for message, problems in translation_problems(catalog):
        for problem in problems:
            diagnostics.warning(
                path,
                message.lineno,
                f"the translation of {message.id!r} is not used: {problem}",
                "keep every %(name)s placeholder of the English text, spelled exactly the same",
            )
        message.string = ("",) * len(message.string) if message.pluralizable else ""


def compiled_mo(catalog: Catalog) -> bytes:
    """The .mo form of a catalog: what the build reads, and what `i18n compile` writes."""
    buffer = io.BytesIO()
    # Fuzzy entries are drafts a translator has not confirmed; they must not reach readers.
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def translations_from_catalog(catalog: Catalog) -> gettext.NullTranslations:
    """gettext translations for a parsed catalog, without writing any file.

    The form for a count comes from the bounded evaluator, with C's meaning of the formula,
    as in every gettext tool (read_catalog has parsed the header already).
    """
    translations = Translations(io.BytesIO(compiled_mo(catalog)))
    translations.plural = parse_plural_forms(catalog.plural_forms).index
    return translations


def load_translations(path: Path, tag: str, diagnostics: Diagnostics) -> gettext.NullTranslations:
    """Read a language's .po catalog straight from source; untranslated strings stay English."""
    catalog = read_catalog(path, tag, diagnostics)
    if catalog is None:
        return gettext.NullTranslations()
    drop_broken_translations(catalog, path, diagnostics)
    return translations_from_catalog(catalog)


@dataclass(frozen=True)
class Language:
    """Everything a template needs to render in one language."""

    code: str
    locale: Locale
    translations: gettext.NullTranslations = field(compare=False, repr=False)
    # A theme catalog (.po) of this language was loaded, the site's own or the bundled one.
    has_catalog: bool = False
    # Results derived from this language alone (its translated theme strings), kept by whoever
    # derives them: every page asks for the same few dozen strings, and a loaded catalog never
    # changes. A rebuild with an edited catalog makes a new Language, so nothing goes stale.
    memo: dict[Hashable, object] = field(default_factory=dict, init=False, compare=False, repr=False)

    @cached_property
    def speaks_theme(self) -> bool:
        """Whether the theme's strings come out in this language: it has a catalog, or it is
        the language the theme is written in. Pages made only of theme strings (relay pages)
        are real translations in such languages, and English fallbacks in the others."""
        return self.has_catalog or self.locale.language == THEME_SOURCE_LANGUAGE

    @cached_property
    def ui_code(self) -> str:
        """The language the theme's strings come out in."""
        return self.code if self.speaks_theme else THEME_SOURCE_LANGUAGE

    # Asked for by every page, and the locale never changes.
    @cached_property
    def direction(self) -> str:
        return locale_direction(self.locale)

    @cached_property
    def ui_locale(self) -> Locale:
        return parse_locale(self.ui_code) or self.locale

    @cached_property
    def ui_direction(self) -> str:
        return locale_direction(self.ui_locale)

    @cached_property
    def native_name(self) -> str:
        name = self.locale.get_display_name(self.locale) or self.code
        return name[:1].upper() + name[1:]

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def ui_language_name(self, tag: str) -> str:
        """The name of another language in the language of the theme's strings."""
        return language_display_name(tag, self.ui_locale)

    def month_year(self, value: date) -> str:
        return month_year(value, self.locale)


def territory_name(code: str, locale: Locale) -> str:
    """What `locale` calls a country or region (`DE` → "Deutschland"); the code if unknown."""
    return locale.territories.get(code.upper(), code)


def month_year(value: date, locale: Locale) -> str:
    """A month and year as `locale` writes them ("Januar 2024")."""
    # A skeleton, not the stand-alone pattern LLLL: Babel 2.18 leaks stand-alone month
    # names between locales within one process.
    return format_skeleton("yMMMM", value, locale=locale)


def locale_direction(locale: Locale) -> str:
    return "rtl" if locale.text_direction == "rtl" else "ltr"


def make_language(
    code: str, locales_dir: Path, diagnostics: Diagnostics, allows: Callable[[Path], bool] = lambda _: True
) -> Language:
    """Build the context of one language the site offers (the code was validated already).

    The site's own catalog wins; without one, the catalog shipped with the tool is used, so a
    new site gets the bundled theme translations for free.
    """
    locale = parse_locale(code)
    assert locale is not None, f"unvalidated language {code!r}"
    path = find_catalog([locales_dir, bundled_locales_dir()], code, allows)
    translations = load_translations(path, code, diagnostics) if path else gettext.NullTranslations()
    return Language(code, locale, translations, has_catalog=path is not None)


def theme_languages(languages: Mapping[str, Language]) -> tuple[str, ...]:
    """The languages, in the given order, in which pages made only of theme strings are translated."""
    return tuple(code for code, language in languages.items() if language.speaks_theme)


def bundled_locales_dir() -> Path:
    """The theme catalogs shipped with the tool (installed copy first, else the checkout)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_locales"
    return installed if installed.is_dir() else package.parent / "locales"


SOURCE_DATE_VARIABLE = "SOURCE_DATE_EPOCH"


def source_date() -> datetime | None:
    """The moment SOURCE_DATE_EPOCH names, or None when it is unset or unusable.

    The command line refuses an unusable value before any command runs (see
    `source_date_problem`); here it only must not crash a build started another way.
    """
    epoch = os.environ.get(SOURCE_DATE_VARIABLE, "").strip()
    if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 12:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):  # beyond the year 9999
        return None


def source_date_problem() -> str | None:
    """Why SOURCE_DATE_EPOCH cannot be used, or None when it is unset or usable."""
    if os.environ.get(SOURCE_DATE_VARIABLE, "").strip() == "" or source_date() is not None:
        return None
    value = os.environ[SOURCE_DATE_VARIABLE]
    return (
        f"{SOURCE_DATE_VARIABLE}={value[:40]!r} is not a time this tool can use: it must be "
        "whole seconds since 1970, before the year 10000"
    )


def build_date() -> date:
    """The build's "today": the day of SOURCE_DATE_EPOCH when set, so rebuilds are reproducible."""
    moment = source_date()
    return moment.date() if moment is not None else date.today()

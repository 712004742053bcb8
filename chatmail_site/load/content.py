"""Walking content/: pages per language, validated, grouped by slug into translation sets."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from chatmail_site.core.errors import Diagnostics, known_keys_hint
from chatmail_site.core.safety import entry_problem
from chatmail_site.core.urls import AliasError, alias_path
from chatmail_site.core.yamlutil import LineDict, LineList, expect_text
from chatmail_site.load.assets import ASSETS_FOLDER
from chatmail_site.load.config import PAGE_SLUG, SiteConfig
from chatmail_site.load.front_matter import SplitPage, read_page_text, split_front_matter
from chatmail_site.load.i18n import is_language_tag

# Front-matter keys a page may carry. Anything else is most likely a typo or a translated key.
PAGE_KEYS = frozenset({"title", "short_title", "lang", "description", "source_hash", "nav", "aliases", "qa"})
# A folder inside content/ that is not a language: the operator's own texts for the pages of
# a fronted relay (the other, assets/, is described in assets.py).
RELAY_TEXTS_FOLDER = "relay"


@dataclass(frozen=True)
class Page:
    """One Markdown page in one language, validated."""

    lang: str
    slug: str
    source: Path
    display_path: str  # the path as diagnostics show it, relative to the site folder
    title: str
    body: str
    body_line: int
    description: str | None = None
    short_title: str | None = None  # the label in the menu; the title when absent
    nav: int | None = None  # position in the navigation; pages without it are not listed
    meta: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    # Old addresses this page replaces (`aliases:`), each checked, with its line in the file.
    aliases: tuple[tuple[str, int], ...] = ()
    # front-matter key → its line in the file, so later checks can point at `lang:` or `qa:`
    key_lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), compare=False)


@dataclass(frozen=True)
class ContentIndex:
    """All pages, found by (slug, language); the default language holds the originals."""

    default_language: str
    pages: Mapping[tuple[str, str], Page]

    def get(self, slug: str, lang: str) -> Page | None:
        return self.pages.get((slug, lang))

    def slugs(self) -> list[str]:
        """Every page slug of the site, in a stable order."""
        return sorted({slug for slug, _ in self.pages})

    def translations(self, slug: str) -> dict[str, Page]:
        return {lang: page for (s, lang), page in self.pages.items() if s == slug}

    def in_language(self, lang: str) -> list[Page]:
        return [page for (_, page_lang), page in sorted(self.pages.items()) if page_lang == lang]


def display_path(config: SiteConfig, path: Path) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def load_content(
    config: SiteConfig, diagnostics: Diagnostics, allows: Callable[[Path], bool] = lambda _: True
) -> ContentIndex:
    """Read every page of every language the site offers, reporting all problems.

    Entries `allows` refuses were reported by the source-tree check and are passed over.
    """
    pages: dict[tuple[str, str], Page] = {}
    untitled: list[tuple[str, str, int]] = []
    root = config.root.resolve()
    for lang in config.languages:
        folder = config.content_dir / lang
        if not allows(folder) or not (folder.is_dir() or folder.is_symlink()):
            continue
        problem = entry_problem(folder, root)  # a linked folder would let pages come from anywhere
        if problem is not None:
            diagnostics.error(display_path(config, folder), 0, problem.message, problem.hint)
            continue
        for path in sorted(folder.iterdir()):
            if not allows(path):
                continue
            loaded = _load_entry(config, lang, path, diagnostics, root)
            if loaded is None:
                continue
            page, title_line = loaded
            pages[(page.slug, lang)] = page
            if title_line:
                untitled.append((page.slug, lang, title_line))
    _report_stray_folders(config, diagnostics)
    _fill_missing_titles(pages, untitled, config.default_language, diagnostics)
    return ContentIndex(config.default_language, MappingProxyType(pages))


def _load_entry(
    config: SiteConfig, lang: str, path: Path, diagnostics: Diagnostics, root: Path | None = None
) -> tuple[Page, int] | None:
    """One entry of a language folder as a page, or None (reported, or not a page).

    `root` is the resolved site folder, when the caller has it already."""
    shown = display_path(config, path)
    root = root if root is not None else config.root.resolve()
    problem = entry_problem(path, root)
    if problem is not None:
        diagnostics.error(shown, 0, problem.message, problem.hint)
        return None
    if path.name.startswith(".") and not _hidden_page(path.name):
        return None  # .DS_Store, editors' swap files: never meant as pages
    if path.is_dir() or path.suffix != ".md":
        diagnostics.warning(
            shown,
            0,
            "only .md pages belong in a language folder; this entry is ignored",
            f"put images and other files in content/{ASSETS_FOLDER}/",
        )
        return None
    slug = path.stem
    if not PAGE_SLUG.match(slug):
        diagnostics.error(
            shown,
            0,
            f"`{path.name}` is not a usable page name",
            "use lowercase letters, digits, - and _ only, e.g. chatmail.md",
        )
        return None
    text = read_page_text(path, shown, diagnostics)
    split = split_front_matter(text, shown, diagnostics) if text is not None else None
    if split is None:
        return None
    return _validate_page(lang, slug, path, shown, split, diagnostics)


def _hidden_page(name: str) -> bool:
    """A dot file that looks like a page (`..md`, `.index.md`): said, not skipped silently.

    Emacs' lock files (`.#index.md`) are the one kind of hidden .md file left alone.
    """
    return name.endswith(".md") and not name.startswith(".#")


def warn_unknown_keys(meta: LineDict, known: Collection[str], shown: str, diagnostics: Diagnostics) -> None:
    """A warning at each front-matter key the page kind does not know, with a did-you-mean."""
    for key in meta:
        if key not in known:
            diagnostics.warning(
                shown,
                meta.line_of(key),
                f"unknown front-matter key `{key}`",
                known_keys_hint(str(key), known),
            )


def _validate_page(
    lang: str, slug: str, path: Path, shown: str, split: SplitPage, diagnostics: Diagnostics
) -> tuple[Page, int] | None:
    """The page, and the line to blame when it lacks a title (0 when it has one)."""
    meta = split.meta
    warn_unknown_keys(meta, PAGE_KEYS, shown, diagnostics)
    errors_before = len(diagnostics.errors)
    page_lang = expect_text(meta, "lang", shown, diagnostics)
    if page_lang is None and "lang" not in meta:
        diagnostics.error(shown, meta.line, "the front matter has no `lang`", f"add the line `lang: {lang}`")
    elif page_lang is None and meta["lang"] is None:  # `lang:`, `lang: ~` or `lang: null`
        diagnostics.error(shown, meta.line_of("lang"), "`lang` is empty", f"write `lang: {lang}`")
    elif page_lang is not None and not is_language_tag(page_lang):
        diagnostics.error(
            shown,
            meta.line_of("lang"),
            f"`lang: {page_lang}` is not a language tag Babel knows",
            f"this page is in content/{lang}/, so write `lang: {lang}`",
        )
    elif page_lang is not None and page_lang != lang:
        diagnostics.error(
            shown,
            meta.line_of("lang"),
            f"`lang: {page_lang}` does not match the page's folder `{lang}`",
            f"write `lang: {lang}`, or move the file to content/{page_lang}/",
        )
    title = expect_text(meta, "title", shown, diagnostics)
    description = expect_text(meta, "description", shown, diagnostics)
    short_title = expect_text(meta, "short_title", shown, diagnostics)
    nav = _nav_position(meta, shown, diagnostics)
    aliases = _aliases(meta, shown, diagnostics)
    if meta.get("source_hash") is not None:
        # Read as text only to report a list, mapping or true/false; `i18n stamp` writes it.
        expect_text(meta, "source_hash", shown, diagnostics)
    if len(diagnostics.errors) > errors_before:
        return None
    read = ("title", "short_title", "lang", "description", "nav", "aliases")
    extra = {k: v for k, v in meta.items() if k not in read}
    page = Page(
        lang,
        slug,
        path,
        shown,
        title or "",
        split.body,
        split.body_line,
        description,
        short_title,
        nav,
        MappingProxyType(extra),
        aliases,
        MappingProxyType({str(key): meta.line_of(key) for key in meta}),
    )
    return page, 0 if title and title.strip() else meta.line


def _aliases(meta: LineDict, shown: str, diagnostics: Diagnostics) -> tuple[tuple[str, int], ...]:
    """The old addresses under `aliases:`: one text, or a list of them."""
    value = meta.get("aliases")
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    found = []
    for index, entry in enumerate(entries):
        line = value.line_of(index) if isinstance(value, LineList) else meta.line_of("aliases")
        if not isinstance(entry, str):
            diagnostics.error(
                shown,
                line,
                "an alias must be an address such as /old-page.html",
                "write one address per item",
            )
            continue
        try:
            found.append((alias_path(entry), line))
        except AliasError as problem:
            diagnostics.error(
                shown, line, f"`{entry}` cannot be an alias: {problem}", "write it as /old/page.html"
            )
    return tuple(found)


def _nav_position(meta, shown: str, diagnostics: Diagnostics) -> int | None:
    value = meta.get("nav")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        diagnostics.error(
            shown,
            meta.line_of("nav"),
            "`nav` must be a whole number (the page's place in the menu)",
            "write nav: 1 for the first menu entry",
        )
        return None
    return value


def _fill_missing_titles(
    pages: dict[tuple[str, str], Page],
    untitled: list[tuple[str, str, int]],
    default: str,
    diagnostics: Diagnostics,
) -> None:
    for slug, lang, line in untitled:
        page = pages[(slug, lang)]
        original = pages.get((slug, default))
        fallback = (
            original.title if original is not None and original.title else slug.replace("-", " ").capitalize()
        )
        source = (
            f"the {default} page's title"
            if original is not None and original.title
            else "a title made from the file name"
        )
        diagnostics.warning(
            page.display_path,
            line,
            f"the page has no `title`; using {source}",
            "add a line `title: …` with the translated title",
        )
        pages[(slug, lang)] = replace(page, title=fallback)


def _report_stray_folders(config: SiteConfig, diagnostics: Diagnostics) -> None:
    if not config.content_dir.is_dir():
        return
    for entry in sorted(config.content_dir.iterdir()):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        if entry.name in (ASSETS_FOLDER, RELAY_TEXTS_FOLDER):
            continue
        if entry.name not in config.languages:
            hint = (
                "add it to `languages` in site.yaml"
                if is_language_tag(entry.name)
                else "name language folders with tags like de, fr or pt-BR"
            )
            diagnostics.warning(
                display_path(config, entry),
                0,
                f"the folder `{entry.name}` is not one of the site's languages; it is not built",
                hint,
            )


DIRECTIVE_LINE = re.compile(r"^[ \t]{0,3}\{%\s*(?P<name>[A-Za-z0-9_-]*)\s*(?P<args>.*?)\s*%\}[ \t]*$")


# The directive whose inputs are known (servers.yaml); any other directive may read anything.
RELAY_LIST_DIRECTIVE = "relays"

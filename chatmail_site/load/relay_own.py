"""An operator's own text for the fronted relay's pages, in Markdown with the relay's values.

An operator who wants other words than the theme's writes

    content/relay/<lang>/home.md      the home page
    content/relay/<lang>/info.md      the info page
    content/relay/<lang>/privacy.md   the privacy policy

each with front matter (`mode: replace`, the default, stands in for the theme's text;
`mode: append` follows it; `title:` renames the page). The text may name the relay's
chatmail.ini values as `{relay.delete_mails_after}` and link the other relay pages as
`{page.privacy}`. That is plain text substitution: a page cannot run template code, and a
name that does not exist is an error with a did-you-mean. Relative links and images start
from the site root (`assets/relay/banner.png` is content/assets/relay/banner.png), so they
work whatever the page's own address is.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from chatmail_site.core.errors import Diagnostics, did_you_mean
from chatmail_site.core.safety import entry_problem
from chatmail_site.core.yamlutil import expect_text
from chatmail_site.load.config import SiteConfig
from chatmail_site.load.content import RELAY_TEXTS_FOLDER, display_path, warn_unknown_keys
from chatmail_site.load.front_matter import read_page_text, split_front_matter
from chatmail_site.load.relayini import RelayIni

OWN_FOLDER = RELAY_TEXTS_FOLDER
PAGE_NAMES = ("home", "info", "privacy")
MODES = ("replace", "append")
OWN_KEYS = frozenset({"title", "lang", "mode"})


@dataclass(frozen=True)
class OwnText:
    """One operator-written page text, read but not yet filled in."""

    name: str  # home, info or privacy
    lang: str
    display_path: str
    title: str | None
    title_line: int
    mode: str
    body: str
    body_line: int


def own_text_path(config: SiteConfig, lang: str, name: str) -> Path:
    """Where the operator's own text for one relay page in one language lives."""
    return config.content_dir / OWN_FOLDER / lang / f"{name}.md"


def load_own_texts(config: SiteConfig, diagnostics: Diagnostics) -> dict[tuple[str, str], OwnText]:
    """Every own text of content/relay/, by (page name, language), with every mistake reported."""
    folder = config.content_dir / OWN_FOLDER
    texts: dict[tuple[str, str], OwnText] = {}
    root = config.root.resolve()
    if not folder.is_dir() or entry_problem(folder, root) is not None:
        return texts
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry_problem(entry, root) is not None:
            continue  # a link out of the site, a pipe: the source-tree check reports it
        if not entry.is_dir() or entry.name not in config.languages:
            diagnostics.warning(
                display_path(config, entry),
                0,
                f"`{entry.name}` is not one of the site's languages; it is not used",
                f"put own texts in content/{OWN_FOLDER}/<language>/, one of: {', '.join(config.languages)}",
            )
            continue
        for path in sorted(entry.iterdir()):
            if entry_problem(path, root) is not None:
                continue
            loaded = _load_one(config, entry.name, path, diagnostics)
            if loaded is not None:
                texts[(loaded.name, loaded.lang)] = loaded
    return texts


def _load_one(config: SiteConfig, lang: str, path: Path, diagnostics: Diagnostics) -> OwnText | None:
    shown = display_path(config, path)
    if path.name.startswith("."):
        return None
    if path.suffix != ".md" or path.stem not in PAGE_NAMES or not path.is_file():
        diagnostics.warning(
            shown,
            0,
            f"`{path.name}` is not the text of a relay page; it is not used",
            did_you_mean(path.stem, PAGE_NAMES) or f"name it {', '.join(n + '.md' for n in PAGE_NAMES)}",
        )
        return None
    text = read_page_text(path, shown, diagnostics)
    split = split_front_matter(text, shown, diagnostics) if text is not None else None
    if split is None:
        return None
    meta = split.meta
    warn_unknown_keys(meta, OWN_KEYS, shown, diagnostics)
    written_lang = expect_text(meta, "lang", shown, diagnostics)
    if written_lang is not None and written_lang != lang:
        diagnostics.error(
            shown,
            meta.line_of("lang"),
            f"`lang: {written_lang}` does not match the folder `{lang}`",
            f"write `lang: {lang}`, or move the file to content/{OWN_FOLDER}/{written_lang}/",
        )
        return None
    mode = expect_text(meta, "mode", shown, diagnostics) or "replace"
    if mode not in MODES:
        diagnostics.error(
            shown,
            meta.line_of("mode"),
            f"`mode: {mode}` is neither `replace` nor `append`",
            "`replace` shows your text instead of the theme's, `append` after it",
        )
        return None
    title = expect_text(meta, "title", shown, diagnostics)
    return OwnText(path.stem, lang, shown, title, meta.line_of("title"), mode, split.body, split.body_line)


# ---- filling in and rendering ---------------------------------------------------------


# chatmail.ini values an own text may name: every field of RelayIni but the file's path, with
# the mailbox size as written rather than in bytes.
VALUE_NAMES = tuple(
    field.name for field in fields(RelayIni) if field.name not in ("path", "max_mailbox_size_text")
)


def relay_values(ini: RelayIni) -> dict[str, str]:
    """Every chatmail.ini value an own text may name, as text the way the file writes it."""
    values = {name: str(getattr(ini, name)) for name in VALUE_NAMES}
    values["max_mailbox_size"] = ini.max_mailbox_size_text
    values["iroh_relay"] = ini.iroh_relay_url
    return values

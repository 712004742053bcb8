"""The theme: one Jinja environment, rendered with an explicit per-language context.

Templates are compiled once per build. Translated strings are looked up through the
`lang` in each render's context, so no language is ever installed globally.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from .config import SiteConfig, bundled_dir
from .i18n import Language
from .safety import read_source

DEFAULT_THEME = "default"
# Theme files whose names get a content hash, so they can be cached for a year.
FINGERPRINTED_SUFFIXES = frozenset({".css", ".js"})


# The templates' `_()`, `gettext()` and `ngettext()`, with the meaning of Jinja's newstyle
# gettext: the translation is marked safe and its %(name)s variables are filled in, escaped.
# A catalog comes from volunteers, so its text is escaped here, and a translation whose
# placeholders would break the formatting falls back to English.
# The parameters are positional-only so that a variable may share their names (`count=…`).
@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> Markup:
    language: Language = context["lang"]
    if variables:
        return _translated(language, message) % variables
    # Without variables the formatted text (%% turned into %) depends on the string alone.
    key = ("gettext-filled", message)
    filled = language.memo.get(key)
    if filled is None:
        filled = language.memo[key] = _translated(language, message) % {}
    return filled  # type: ignore[return-value]


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, /, **variables: Any) -> Markup:
    variables.setdefault("num", count)
    english = singular if count == 1 else plural
    translated = context["lang"].ngettext(singular, plural, count)
    return _checked_translation(translated, english) % variables


def _translated(language: Language, message: str) -> Markup:
    """The checked, escaped translation of a theme string, looked up once per language."""
    key = ("gettext", message)
    text = language.memo.get(key)
    if text is None:
        text = language.memo[key] = _checked_translation(language.gettext(message), message)
    return text  # type: ignore[return-value]


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _checked_translation(translated: str, english: str) -> Markup:
    # Trial values are numbers: they fill %(name)s and %(name)d placeholders alike, so a
    # translation is refused only when it names a variable the English text does not have
    # or breaks the format.
    names = dict.fromkeys(_PLACEHOLDER.findall(english), 0)
    try:
        translated % {"num": 0, **names}
    except (KeyError, ValueError, TypeError):
        translated = english
    return escape(translated)


def theme_dirs(config: SiteConfig) -> list[Path]:
    """Where templates and static files are looked up, the site's own copy first.

    A site overrides any file of its theme by putting a file of the same name in
    themes/<theme>/ of its own folder; the bundled default theme fills the gaps.
    """
    candidates = [
        config.root / "themes" / config.theme,
        bundled_dir("themes") / config.theme,
        config.root / "themes" / DEFAULT_THEME,
        bundled_dir("themes") / DEFAULT_THEME,
    ]
    result: list[Path] = []
    for path in candidates:
        if path.is_dir() and path.resolve() not in [p.resolve() for p in result]:
            result.append(path)
    return result


@dataclass(frozen=True)
class StaticFile:
    source: Path
    output: str  # path below the output root


class Theme:
    """Compiled templates plus the theme's static files with their published names."""

    def __init__(self, config: SiteConfig) -> None:
        self.dirs = theme_dirs(config)
        loader = jinja2.FileSystemLoader([str(d / "templates") for d in self.dirs])
        self.env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        # Newstyle, so that `{% trans %}` blocks pass their variables as keywords; the
        # functions are this module's own, which do Jinja's newstyle work once per language
        # and string, because every page asks for the same strings.
        self.env.newstyle_gettext = True  # type: ignore[attr-defined]
        self.env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
        self.static = _collect_static(self.dirs)
        self.env.globals["asset_names"] = {name: f.output for name, f in self.static.items()}

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)


def _collect_static(dirs: list[Path]) -> dict[str, StaticFile]:
    files: dict[str, StaticFile] = {}
    for directory in reversed(dirs):  # later entries override: the site's own theme wins
        static = directory / "static"
        if not static.is_dir():
            continue
        for path in sorted(static.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(static).as_posix()
                files[name] = StaticFile(path, "assets/" + _published_name(name, path))
    return files


def _published_name(name: str, path: Path) -> str:
    pure = PurePosixPath(name)
    if pure.suffix not in FINGERPRINTED_SUFFIXES:
        return name
    digest = hashlib.sha256(read_source(path)).hexdigest()[:10]
    return str(pure.with_name(f"{pure.stem}.{digest}{pure.suffix}"))

"""The theme: one Jinja environment, rendered with an explicit per-language context.

Templates are compiled once per build. Translated strings are looked up through the
`lang` in each render's context, so no language is ever installed globally.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from chatmail_site.core.errors import Diagnostic, Diagnostics, Severity
from chatmail_site.core.safety import read_source
from chatmail_site.load.config import SiteConfig, bundled_dir
from chatmail_site.load.i18n import Language

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


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered, at its file and line.

    Its arguments are plain values, so it crosses from a worker process to the build intact.
    """

    def __init__(self, path: str, line: int, message: str, hint: str) -> None:
        super().__init__(path, line, message, hint)
        self.diagnostic = Diagnostic(path, line, Severity.ERROR, message, hint)

    def __str__(self) -> str:
        return self.diagnostic.format()


SYNTAX_HINT = "check the line against Jinja's syntax: every {% … %} and {{ … }} must be closed"
RENDER_HINT = "the template uses a name the build does not give it; compare with the bundled template"


class RecordingEnvironment(jinja2.Environment):
    """A Jinja environment that can note the name of every template looked up.

    Jinja caches compiled templates, so its loader is not asked twice; every lookup however
    goes through the public `get_template` and `select_template` (`get_or_select_template`
    calls one of them), and so do the compiled `{% extends %}`, `{% include %}` and
    `{% import %}`. Those two are overridden here to note each template's name while a
    `recording()` block is open.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._recorded: set[str] | None = None

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """Collect the names of the templates looked up inside the block."""
        self._recorded = used = set()
        try:
            yield used
        finally:
            self._recorded = None

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        return self._noted(super().get_template(name, parent, globals))

    def select_template(
        self,
        names: Iterable[str | jinja2.Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        return self._noted(super().select_template(names, parent, globals))

    def _noted(self, template: jinja2.Template) -> jinja2.Template:
        if self._recorded is not None and template.name is not None:
            self._recorded.add(template.name)
        return template


@dataclass(frozen=True)
class StaticFile:
    source: Path
    output: str  # path below the output root


class Theme:
    """Compiled templates plus the theme's static files with their published names."""

    def __init__(self, config: SiteConfig) -> None:
        self.root = config.root
        self.dirs = theme_dirs(config)
        loader = jinja2.FileSystemLoader([str(d / "templates") for d in self.dirs])
        self.env = RecordingEnvironment(
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
        """The template filled in; TemplateProblem names the template line that failed."""
        try:
            return self.env.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as problem:
            raise self._syntax_problem(problem) from None
        except jinja2.TemplateError as problem:
            path, line = self._failing_line(problem, template)
            message = f"the template cannot be filled in: {problem}"
            raise TemplateProblem(path, line, message, RENDER_HINT) from None

    def check(self, diagnostics: Diagnostics) -> bool:
        """Compile every template of the site's own theme folders, reporting each syntax error.

        Done before any page is rendered, so all broken templates are reported in one run.
        """
        errors_before = len(diagnostics.errors)
        for name in self.env.list_templates(extensions=["html"]):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as problem:
                diagnostics.extend([self._syntax_problem(problem).diagnostic])
        return len(diagnostics.errors) == errors_before

    def _syntax_problem(self, problem: jinja2.TemplateSyntaxError) -> TemplateProblem:
        path = self._shown(problem.filename or problem.name or "a template")
        return TemplateProblem(path, problem.lineno, f"template syntax error: {problem.message}", SYNTAX_HINT)

    def _failing_line(self, problem: BaseException, template: str) -> tuple[str, int]:
        """The template file and line of the innermost template frame in the traceback.

        Jinja rewrites tracebacks so that template code appears as frames of the template
        file itself, with the template's line numbers.
        """
        found = (template, 0)
        traceback = problem.__traceback__
        while traceback is not None:
            filename = traceback.tb_frame.f_code.co_filename
            if filename.endswith(".html") and any(filename.startswith(str(d)) for d in self.dirs):
                found = (filename, traceback.tb_lineno)
            traceback = traceback.tb_next
        return self._shown(found[0]), found[1]

    def _shown(self, filename: str) -> str:
        """A template's path as diagnostics show it: relative to the site, or to the tool."""
        path = Path(filename)
        for base in (self.root, bundled_dir("themes").parent):
            try:
                return path.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                continue
        return filename


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

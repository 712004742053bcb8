"""The translator's commands: theme catalogs (extract, init, update, compile, check),
stamping translated pages with the version of their source, and the translation status.

Catalogs are plain gettext files written with Babel's own API, so Poedit, Weblate and
Transifex open them as they are. The build reads the .po files directly; `compile` writes
.mo files only for other gettext tools, and `check` makes sure any .mo present matches.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po, write_po

from chatmail_site import __version__
from chatmail_site.commands.status import (
    format_markdown_summary,
    format_matrix,
    format_status_json,
    site_status,
)
from chatmail_site.core.errors import Diagnostics, ExitCode, print_diagnostics
from chatmail_site.core.safety import (
    MAX_DATA_FILE_BYTES,
    SourceProblem,
    confined_path,
    entry_problem,
    read_source,
)
from chatmail_site.load.catalog_checks import translation_problems
from chatmail_site.load.config import SiteConfig, bundled_dir, load_config
from chatmail_site.load.content import display_path, load_content
from chatmail_site.load.front_matter import read_page_text, split_front_matter
from chatmail_site.load.i18n import (
    PO_HINT,
    babel_error_line,
    babel_locale_name,
    build_date,
    catalog_path,
    compiled_mo,
    drop_broken_translations,
    is_language_tag,
    parse_locale,
    read_catalog,
    read_po_outline,
    source_date,
)
from chatmail_site.load.plural_forms import (
    accepted_plural_forms,
    judge_plural_forms,
    parse_plural_forms,
    preferred_plural_forms,
)
from chatmail_site.load.po_outline import PoOutline, keep_header
from chatmail_site.load.servers import load_relays
from chatmail_site.plan import qa
from chatmail_site.plan.translations import SOURCE_HASH_KEY, source_hash

TEMPLATE_NAME = "messages.pot"
JINJA_EXTRACTOR = "jinja2.ext:babel_extract"
# Not silent: a template with a syntax error is reported instead of losing its strings.
JINJA_OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "trim_blocks": "True",
    "lstrip_blocks": "True",
    "silent": "false",
}
# `{# Translators: … #}` in a template reaches the translator as a comment on the string.
COMMENT_TAGS = ("Translators:",)
PO_WIDTH = 76
_HASH_LINE = re.compile(rf"^{SOURCE_HASH_KEY}[ \t]*:")


# ---- sources of the theme's strings ----------------------------------------------------


def message_sources(config: SiteConfig) -> list[tuple[Path, str, str]]:
    """(file, extraction method, name in the catalog) for every file with theme strings."""
    from chatmail_site.load.theme import (
        theme_dirs,  # the theme module pulls in Jinja; only extraction needs it
    )

    sources: dict[str, tuple[Path, str, str]] = {}
    for directory in theme_dirs(config):  # the site's own templates override the theme's
        for path in sorted((directory / "templates").rglob("*.html")):
            name = path.relative_to(directory / "templates").as_posix()
            sources.setdefault(name, (path, JINJA_EXTRACTOR, _shown(config, path)))
    package = Path(__file__).resolve().parent.parent
    python = [(path, "python", _shown(config, path)) for path in sorted(package.rglob("*.py"))]
    return [sources[name] for name in sorted(sources)] + python


def _shown(config: SiteConfig, path: Path) -> str:
    """A stable, relative name for a source file, so catalogs do not depend on the checkout."""
    for base in (config.root, bundled_dir("themes").parent):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def extract_messages(config: SiteConfig, diagnostics: Diagnostics) -> Catalog:
    """The catalog template: every translatable string of the theme and of the tool.

    A template with a syntax error is reported at its line and its strings are left out.
    """
    from jinja2 import TemplateSyntaxError

    from chatmail_site.load.theme import SYNTAX_HINT

    catalog = Catalog(
        project="chatmail-site",
        version=__version__,
        copyright_holder="the chatmail-site authors",
        creation_date=release_date(),
        charset="utf-8",
        fuzzy=False,
    )
    for path, method, shown in message_sources(config):
        options = JINJA_OPTIONS if method == JINJA_EXTRACTOR else {}
        with path.open("rb") as handle:
            found = extract(
                method,
                handle,
                keywords=DEFAULT_KEYWORDS,
                comment_tags=COMMENT_TAGS,
                options=options,
                strip_comment_tags=True,
            )
            try:
                for lineno, message, comments, context in found:
                    catalog.add(message, None, [(shown, lineno)], auto_comments=comments, context=context)
            except TemplateSyntaxError as problem:
                message = f"template syntax error: {problem.message}"
                diagnostics.error(shown, problem.lineno, message, SYNTAX_HINT)
    return catalog


def release_date() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so regenerated catalogs are reproducible."""
    return source_date() or datetime.now(UTC)


def message_keys(catalog: Catalog) -> set[tuple[str, str | None]]:
    """The strings a catalog covers (obsolete entries and the header left out)."""
    return {(_msgid(m.id), m.context) for m in catalog if m.id}


def _msgid(value: str | tuple[str, ...]) -> str:
    return value if isinstance(value, str) else "\x00".join(value)


def _signature(catalog: Catalog) -> list[tuple[object, ...]]:
    """Everything about a catalog's entries, but not its header dates."""
    entries = [
        (
            _msgid(m.id),
            m.context,
            m.string,
            tuple(m.locations),
            tuple(m.auto_comments),
            tuple(sorted(m.flags)),
        )
        for m in catalog
        if m.id
    ]
    obsolete = [(_msgid(m.id), m.context, m.string) for m in catalog.obsolete.values()]
    return entries + obsolete


def po_bytes(catalog: Catalog) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, include_previous=True)
    return buffer.getvalue()


def read_po_file(path: Path, locale: str | None = None, abort_invalid: bool = True) -> Catalog:
    data = read_source(path, MAX_DATA_FILE_BYTES)
    return read_po(io.BytesIO(data), locale=locale, abort_invalid=abort_invalid)


def catalog_files(config: SiteConfig, diagnostics: Diagnostics) -> Iterator[tuple[str, Path]]:
    """(language tag, .po path) for every language catalog of the site; one that is not a
    file of the site (a link out of it, a pipe) is reported instead."""
    if not config.locales_dir.is_dir():
        return
    for folder in sorted(config.locales_dir.iterdir()):
        path = folder / "LC_MESSAGES" / "messages.po"
        if folder.is_symlink():  # a linked language folder is refused like in the build
            problem = entry_problem(folder, config.root.resolve())
            if problem is not None:
                diagnostics.error(display_path(config, folder), 0, problem.message, problem.hint)
                continue
        if (path.exists() or path.is_symlink()) and _confined(config, path, diagnostics):
            yield folder.name.replace("_", "-"), path


def _confined(config: SiteConfig, path: Path, diagnostics: Diagnostics) -> bool:
    """Whether a catalog file lies inside the site, every link on the way resolved."""
    try:
        confined_path(config.root, path.relative_to(config.root).as_posix(), limit=MAX_DATA_FILE_BYTES)
    except SourceProblem as problem:
        diagnostics.error(display_path(config, path), 0, problem.message, problem.hint)
        return False
    return True


def template_path(config: SiteConfig) -> Path:
    return config.locales_dir / TEMPLATE_NAME


# ---- commands --------------------------------------------------------------------------


def extract_command(config: SiteConfig, diagnostics: Diagnostics) -> list[str]:
    """Write locales/messages.pot from the theme; untouched when its strings did not change."""
    catalog = extract_messages(config, diagnostics)
    if diagnostics.errors:
        return []
    target = template_path(config)
    if target.is_file() and _signature(read_po_file(target)) == _signature(catalog):
        return [f"{display_path(config, target)}: up to date ({len(message_keys(catalog))} strings)"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(po_bytes(catalog))
    return [f"{display_path(config, target)}: written ({len(message_keys(catalog))} strings)"]


def init_command(config: SiteConfig, diagnostics: Diagnostics, tag: str) -> list[str]:
    """Start the catalog of a new language from the template, with CLDR's plural rules."""
    if not is_language_tag(tag):
        diagnostics.error(
            "locales", 0, f"`{tag}` is not a language tag Babel knows", "use tags like sk, pt-BR"
        )
        return []
    target = catalog_path(config.locales_dir, tag)
    if target.exists():
        diagnostics.error(
            display_path(config, target), 0, "this catalog exists already", "run `chatmail-site i18n update`"
        )
        return []
    template = _read_template(config, diagnostics)
    if template is None:
        return []
    catalog = read_po_file(template_path(config), locale=babel_locale_name(tag))
    _use_conventional_plural_forms(catalog)
    locale = parse_locale(tag)
    catalog.revision_date = release_date()
    catalog.language_team = locale.get_display_name("en") if locale else tag
    catalog.fuzzy = False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(po_bytes(catalog))
    return [f"{display_path(config, target)}: created with {len(message_keys(catalog))} strings to translate"]


def _use_conventional_plural_forms(catalog: Catalog) -> None:
    """Give a new catalog the Plural-Forms that translation tools write for its language, and
    every plural entry that many (still empty) forms."""
    catalog.mime_headers = [("Plural-Forms", preferred_plural_forms(catalog.locale_identifier))]
    for message in catalog:
        if message.id and message.pluralizable:
            message.string = ("",) * catalog.num_plurals


def update_command(config: SiteConfig, diagnostics: Diagnostics) -> list[str]:
    """Bring every language catalog in line with the template, keeping existing translations."""
    template_file = _read_template(config, diagnostics)
    if template_file is None:
        return []
    template = read_po_file(template_file)
    report = []
    for tag, path in catalog_files(config, diagnostics):
        catalog = read_catalog(path, tag, diagnostics)
        if catalog is None:
            continue
        before = _signature(catalog)
        catalog.update(template, update_header_comment=False, update_creation_date=False)
        shown = display_path(config, path)
        if _signature(catalog) == before:
            report.append(f"{shown}: up to date")
            continue
        path.write_bytes(keep_header(path.read_bytes(), po_bytes(catalog)))
        report.append(f"{shown}: updated, {_progress(catalog)}")
    return report


def compile_command(config: SiteConfig, diagnostics: Diagnostics) -> list[str]:
    """Write messages.mo beside each catalog, for gettext tools other than the build."""
    report = []
    for tag, path in catalog_files(config, diagnostics):
        catalog = read_catalog(path, tag, diagnostics)
        if catalog is None:
            continue
        drop_broken_translations(catalog, path, diagnostics)
        target = path.with_suffix(".mo")
        data = compiled_mo(catalog)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        report.append(f"{display_path(config, target)}: {_progress(catalog)}")
    return report


def check_command(config: SiteConfig, diagnostics: Diagnostics) -> list[str]:
    """Report a stale template, catalogs behind the template, broken entries and stale .mo files."""
    template_file = _read_template(config, diagnostics)
    if template_file is None:
        return []
    template = read_po_file(template_file)
    _check_template(config, template, diagnostics)
    report = []
    for tag, path in catalog_files(config, diagnostics):
        catalog = _check_catalog(config, tag, path, template, diagnostics)
        if catalog is not None:
            report.append(f"{display_path(config, path)}: {_progress(catalog)}")
    return report


def _check_template(config: SiteConfig, template: Catalog, diagnostics: Diagnostics) -> None:
    wanted = message_keys(extract_messages(config, diagnostics))
    present = message_keys(template)
    if wanted != present:
        diagnostics.error(
            display_path(config, template_path(config)),
            0,
            f"the template is stale: {len(wanted - present)} theme strings are missing from it "
            f"and {len(present - wanted)} are no longer used",
            "run `chatmail-site i18n extract`, then `chatmail-site i18n update`",
        )


def _check_catalog(
    config: SiteConfig, tag: str, path: Path, template: Catalog, diagnostics: Diagnostics
) -> Catalog | None:
    shown = display_path(config, path)
    read = read_po_outline(path, shown, diagnostics)
    if read is None:
        return None
    _, outline = read
    counts_agree = _check_plural_forms(outline, babel_locale_name(tag), shown, diagnostics)
    try:
        # Entries with more forms than nplurals are reported on the header already.
        as_written = read_po_file(path, abort_invalid=counts_agree)
    except Exception as exc:  # Babel raises several unrelated types for broken catalogs
        diagnostics.error(shown, babel_error_line(exc), f"the catalog cannot be read: {exc}", PO_HINT)
        return None
    expected = Catalog(locale=babel_locale_name(tag))
    if as_written.locale_identifier != expected.locale_identifier:
        language = outline.fields_named("language")
        diagnostics.error(
            shown,
            language[-1].line if language else outline.header_line,
            f"the header says `Language: {as_written.locale_identifier or ''}`, "
            f"but the folder is {babel_locale_name(tag)}",
            f"set the Language header to {babel_locale_name(tag)}",
        )
    if message_keys(as_written) != message_keys(template):
        diagnostics.error(
            shown, 0, "the catalog is not updated to the template", "run `chatmail-site i18n update`"
        )
    for message, problems in translation_problems(as_written):
        for problem in problems:
            diagnostics.error(shown, message.lineno, f"the translation of {message.id!r}: {problem}")
    mo = path.with_suffix(".mo")
    if mo.is_file() and mo.read_bytes() != compiled_mo(as_written):
        diagnostics.error(
            display_path(config, mo),
            0,
            "the compiled catalog does not match its .po file",
            "run `chatmail-site i18n compile`",
        )
    return as_written


def _check_plural_forms(outline: PoOutline, locale_name: str, shown: str, diagnostics: Diagnostics) -> bool:
    """Judge the Plural-Forms header as translation tools do: present, a rule of the language
    (the tools' or CLDR's), and as many forms as the plural entries give. Reports on the
    header's line; returns whether the entries agree with nplurals."""
    fields = outline.fields_named("plural-forms")
    accepted = " or ".join(f"`Plural-Forms: {value}`" for value in accepted_plural_forms(locale_name))
    if not fields:
        message = "the catalog has no Plural-Forms header"
        diagnostics.error(shown, outline.header_line, message, f"add {accepted}")
        return True
    header = fields[-1]  # the one Babel and gettext use
    problem = judge_plural_forms(header.value, locale_name)
    if problem is not None:
        diagnostics.error(shown, header.line, problem.message, problem.hint)
    nplurals = parse_plural_forms(header.value).nplurals
    expected = tuple(range(nplurals))
    differing = [entry for entry in outline.plural_entries if tuple(sorted(entry.forms)) != expected]
    if differing:
        first = differing[0]
        diagnostics.error(
            shown,
            header.line,
            f"nplurals={nplurals}, but {len(differing)} plural entries give other forms "
            f"(line {first.line}: {_forms_list(first.forms)})",
            f"give every plural entry msgstr[0] to msgstr[{nplurals - 1}], or correct nplurals",
        )
    return not differing


def _forms_list(forms: tuple[int, ...]) -> str:
    return ", ".join(f"msgstr[{form}]" for form in forms) or "no msgstr[…]"


def _progress(catalog: Catalog) -> str:
    messages = [m for m in catalog if m.id]
    done = sum(1 for m in messages if m.string and (not isinstance(m.string, tuple) or all(m.string)))
    fuzzy = sum(1 for m in messages if m.fuzzy)
    return f"{done} of {len(messages)} strings translated" + (f", {fuzzy} to review (fuzzy)" if fuzzy else "")


def _read_template(config: SiteConfig, diagnostics: Diagnostics) -> Path | None:
    path = template_path(config)
    if not (path.exists() or path.is_symlink()):
        diagnostics.error(
            display_path(config, path), 0, "there is no catalog template", "run `chatmail-site i18n extract`"
        )
        return None
    return path if _confined(config, path, diagnostics) else None


# ---- stamping translated pages ---------------------------------------------------------


def stamp_command(config: SiteConfig, diagnostics: Diagnostics, files: list[str]) -> list[str]:
    """Record in each translated page the hash of its original's current text."""
    content = load_content(config, Diagnostics())  # problems in other pages do not stop a stamp
    report = []
    for name in files:
        path = Path(name).absolute()
        shown = _shown(config, path)
        where = _page_location(config, path)
        if where is None:
            diagnostics.error(
                shown, 0, "this is not a page of the site", "name a file like content/de/index.md"
            )
            continue
        lang, slug = where
        if lang == config.default_language:
            diagnostics.error(
                shown,
                0,
                "this is an original, not a translation",
                f"stamp its translations in content/<lang>/{slug}.md",
            )
            continue
        original = content.get(slug, config.default_language)
        if original is None:
            diagnostics.error(
                shown,
                0,
                f"there is no original content/{config.default_language}/{slug}.md to stamp against",
                "a translation is stamped with the version of its original it translates",
            )
            continue
        value = source_hash(original)
        changed = write_stamp(path, shown, value, diagnostics)
        if changed is not None:
            report.append(
                f"{shown}: {'stamped' if changed else 'already stamped'} {SOURCE_HASH_KEY}: {value}"
            )
    return report


def _page_location(config: SiteConfig, path: Path) -> tuple[str, str] | None:
    try:
        relative = path.resolve().relative_to(config.content_dir.resolve())
    except ValueError:
        return None
    if len(relative.parts) != 2 or relative.suffix != ".md" or not path.is_file():
        return None
    return relative.parts[0], relative.stem


def write_stamp(path: Path, shown: str, value: str, diagnostics: Diagnostics) -> bool | None:
    """Set `source_hash: VALUE` in a page's front matter, leaving every other byte as it was.

    Returns whether the file changed, or None after reporting why it cannot be stamped.
    """
    text = read_page_text(path, shown, diagnostics)
    if text is None or split_front_matter(text, shown, diagnostics) is None:
        return None
    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    lines = raw[len(bom) :].decode("utf-8").splitlines(keepends=True)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    closing = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    entry = f"{SOURCE_HASH_KEY}: {_yaml_string(value)}"
    existing = next((i for i in range(1, closing) if _HASH_LINE.match(lines[i])), None)
    if existing is None:
        lines.insert(closing, entry + newline)
    else:
        ending = lines[existing][len(lines[existing].rstrip("\r\n")) :] or newline
        lines[existing] = entry + ending
    updated = bom + "".join(lines).encode("utf-8")
    if updated == raw:
        return False
    path.write_bytes(updated)
    return True


def _yaml_string(value: str) -> str:
    """The value as YAML, quoted only when YAML would read it as a number."""
    return value if yaml.safe_load(f"k: {value}")["k"] == value else f'"{value}"'


# ---- command line ----------------------------------------------------------------------

Action = Callable[[SiteConfig, Diagnostics, argparse.Namespace], list[str]]
I18N_ACTIONS: dict[str, tuple[str, Action]] = {
    "extract": ("write locales/messages.pot from the theme's strings", lambda c, d, a: extract_command(c, d)),
    "init": ("start the catalog of a new language", lambda c, d, a: init_command(c, d, a.language)),
    "update": ("update every language catalog to the template", lambda c, d, a: update_command(c, d)),
    "compile": ("write .mo files for other gettext tools", lambda c, d, a: compile_command(c, d)),
    "check": (
        "fail when the template, catalogs or .mo files are out of date",
        lambda c, d, a: check_command(c, d),
    ),
    "stamp": (
        "record in translated pages which version of the original they translate",
        lambda c, d, a: stamp_command(c, d, a.files),
    ),
}


def register_commands(commands: argparse._SubParsersAction, add_site_option: Callable) -> None:
    """Add `i18n …` and `status` to the command line."""
    i18n = commands.add_parser("i18n", help="manage translations of the theme and of pages")
    actions = i18n.add_subparsers(title="actions", metavar="ACTION", required=True)
    for name, (summary, _action) in I18N_ACTIONS.items():
        parser = actions.add_parser(name, help=summary)
        add_site_option(parser)
        if name == "init":
            parser.add_argument("language", help="the language tag, e.g. sk or pt-BR")
        if name == "stamp":
            parser.add_argument(
                "files", nargs="+", metavar="FILE", help="translated pages, e.g. content/de/index.md"
            )
        parser.set_defaults(handler=run_i18n, action=name)
    status = commands.add_parser("status", help="show how far each language is translated")
    add_site_option(status)
    output_format = status.add_mutually_exclusive_group()
    output_format.add_argument("--json", action="store_true", help="print the status as JSON")
    output_format.add_argument(
        "--markdown", action="store_true", help="print completeness per language as a Markdown table"
    )
    status.set_defaults(handler=run_status)


def _load(args: argparse.Namespace, diagnostics: Diagnostics) -> SiteConfig | None:
    config = load_config(Path(args.site), diagnostics)
    if config is None:
        print_diagnostics(diagnostics)
    return config


def run_i18n(args: argparse.Namespace) -> int:
    diagnostics = Diagnostics()
    config = _load(args, diagnostics)
    if config is None:
        return ExitCode.CONTENT_ERROR
    report = I18N_ACTIONS[args.action][1](config, diagnostics, args)
    for line in report:
        print(line)
    print_diagnostics(diagnostics)
    return ExitCode.CONTENT_ERROR if diagnostics.errors else ExitCode.OK


def run_status(args: argparse.Namespace) -> int:
    diagnostics = Diagnostics()
    config = _load(args, diagnostics)
    if config is None:
        return ExitCode.CONTENT_ERROR
    content = load_content(config, diagnostics)
    relays = load_relays(config, diagnostics, today=build_date())
    findings = qa.site_findings(content, relays, config.languages)
    status = site_status(config.languages, content, findings)
    if args.json:
        sys.stdout.write(format_status_json(status))
    elif args.markdown:
        sys.stdout.write(format_markdown_summary(status))
    else:
        sys.stdout.write(format_matrix(status))
    return ExitCode.OK

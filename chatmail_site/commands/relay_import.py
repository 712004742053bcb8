"""`chatmail-site relay import-www DIR`: a relay's own www/src pages as the site's own texts.

The relay software builds its pages from www/src/index.md, info.md and privacy.md, which are
Jinja templates over chatmail.ini (`{{ config.mail_domain }}`, `{% if … %}`). This turns them
into own texts (see relay_own) that no template engine runs: each `{{ config.key }}` becomes
`{relay.key}`, links between the three pages become `{page.…}`, and the images they show are
copied to content/assets/relay/. What has no safe equivalent (conditions, other template
expressions, scripts, the layout and CSS) is left out with a warning at its line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.assets import ASSETS_FOLDER
from chatmail_site.load.config import SiteConfig
from chatmail_site.load.front_matter import read_page_text
from chatmail_site.load.relay_own import VALUE_NAMES, own_text_path, relay_values
from chatmail_site.load.relayini import load_relay_ini

# The relay software's page file → the own text it becomes.
PAGE_FILES = {"index.md": "home", "info.md": "info", "privacy.md": "privacy"}
# Links between the relay software's pages, by file name.
PAGE_LINKS = {"index.html": "home", "info.html": "info", "privacy.html": "privacy"}
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"})
IMPORTED_LANGUAGE = "en"  # the relay software's pages are written in English
ASSET_SUBFOLDER = "relay"
# Files the relay software needs for its own layout and join button; the theme has its own.
LAYOUT_FILES = frozenset({"page-layout.html", "dclogin.js", "qrcode-svg.min.js", "robots.txt"})

_VALUE = re.compile(r"\{\{\s*config\.(?P<key>[A-Za-z0-9_]+)\s*\}\}")
_EXPRESSION = re.compile(r"\{\{.*?\}\}")
_STATEMENT = re.compile(r"\{%-?\s*(?P<word>\w+)(?P<rest>.*?)-?%\}")
_PAGE_LINK = re.compile(r"(?<![\w./-])(?P<file>index|info|privacy)\.html(?P<anchor>#[\w-]*)?")
_FILE_REFERENCE = re.compile(r"""(?P<before>\]\(|src=["']?|href=["']?)(?P<name>[\w.-]+)""")
# HTML that only the relay software's own join button and QR code need.
_JOIN_MARKUP = re.compile(r"<script\b|DCACCOUNT:|dclogin|qr-chatmail-invite|id=\"qr-", re.IGNORECASE)
_HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")
_COMPARISON = re.compile(r'^config\.(?P<key>\w+)\s*(?P<op>==|!=)\s*["\'](?P<word>[^"\']*)["\']$')
# The setting the relay software's home page uses to choose between its two join buttons.
JOIN_SETTING = "tls_cert_mode"


@dataclass
class ImportedPage:
    """One converted page: its front matter title and Markdown body."""

    name: str
    title: str
    body: str
    images: set[str] = field(default_factory=set)


def import_www(
    config: SiteConfig, source: Path, diagnostics: Diagnostics, *, force: bool = False
) -> list[Path]:
    """Write the own texts and images converted from a relay's www/src folder; return the
    files written (nothing when an error was reported)."""
    if not source.is_dir():
        diagnostics.error(source, 0, "this folder does not exist", "name the relay's www/src folder")
        return []
    if IMPORTED_LANGUAGE not in config.languages:
        diagnostics.error(
            config.config_file,
            0,
            f"the site has no `{IMPORTED_LANGUAGE}` language for the relay's English pages",
            f"add {IMPORTED_LANGUAGE} to `languages` in site.yaml",
        )
        return []
    values = _relay_values(config, diagnostics)
    pages = [
        page
        for file, name in PAGE_FILES.items()
        if (source / file).is_file()
        and (page := convert_page(source / file, name, source, values, diagnostics))
    ]
    if not pages:
        diagnostics.error(
            source, 0, "there is no index.md, info.md or privacy.md here", "name the relay's www/src folder"
        )
        return []
    _warn_about_other_files(source, pages, diagnostics)
    targets = {own_text_path(config, IMPORTED_LANGUAGE, page.name): page for page in pages}
    images = sorted({image for page in pages for image in page.images})
    asset_folder = config.content_dir / ASSETS_FOLDER / ASSET_SUBFOLDER
    existing = [path for path in [*targets, *(asset_folder / image for image in images)] if path.exists()]
    for path in existing if not force else []:
        diagnostics.error(path, 0, "this file exists already", "pass --force to replace it")
    if diagnostics.errors:
        return []
    written: list[Path] = []
    for path, page in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page_file(page), encoding="utf-8")
        written.append(path)
    for image in images:
        asset_folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / image, asset_folder / image)
        written.append(asset_folder / image)
    return written


@dataclass
class _Condition:
    """An open `{% if %}`: whether the branch being read is kept, and whether one was."""

    keeping: bool
    kept_one: bool
    guessed: bool = False  # the relay's values could not decide; the first branch was kept
    join: bool = False  # the relay software's join button: every branch is left out


def convert_page(
    path: Path, name: str, source: Path, values: Mapping[str, str] | None, diagnostics: Diagnostics
) -> ImportedPage | None:
    """One www/src page as an own text; every part left out is a warning at its line.

    `values` are the relay's chatmail.ini values (None when the site names no chatmail.ini):
    conditions that compare one of them with a word are decided by them, as the relay
    software would; the others keep their first branch.
    """
    text = read_page_text(path, str(path), diagnostics)
    if text is None:
        return None
    page = ImportedPage(name, "", "")
    lines: list[str] = []
    open_conditions: list[_Condition] = []
    for number, line in enumerate(text.split("\n"), start=1):
        statement = _STATEMENT.search(line)
        if statement:
            _follow(statement, open_conditions, values, path, number, diagnostics)
            continue
        if not all(condition.keeping for condition in open_conditions):
            continue
        if _JOIN_MARKUP.search(line):
            diagnostics.warning(
                path, number, "left out: the join button and QR code", "the theme's home page shows its own"
            )
            continue
        converted = _convert_line(line, path, number, source, page, diagnostics)
        if not page.title and not _has_text(lines) and (heading := _HEADING.match(converted)):
            page.title = heading["title"]
            continue
        lines.append(converted)
    page.body = "\n".join(lines).strip("\n") + "\n"
    return page


def _has_text(lines: list[str]) -> bool:
    """True once some line holds more than white space or an image: the page's first heading
    becomes its title only when nothing but a banner stands above it."""
    return any(line.strip() and not line.lstrip().startswith("<img") for line in lines)


def _follow(
    statement: re.Match[str],
    open_conditions: list[_Condition],
    values: Mapping[str, str] | None,
    path: Path,
    number: int,
    diagnostics: Diagnostics,
) -> None:
    word, test = statement["word"], statement["rest"].strip()
    if word == "if":
        open_conditions.append(_opened(test, values, path, number, diagnostics))
    elif word in ("elif", "else") and open_conditions:
        condition = open_conditions[-1]
        if condition.join or condition.kept_one:
            condition.keeping = False
            if condition.guessed:
                diagnostics.warning(
                    path, number, f"left out: the `{word}` branch", "add its text by hand if it applies"
                )
            return
        chosen = (
            _opened(test, values, path, number, diagnostics) if word == "elif" else _Condition(True, True)
        )
        open_conditions[-1] = chosen
    elif word == "endif" and open_conditions:
        open_conditions.pop()
    else:
        diagnostics.warning(
            path,
            number,
            f"left out: the template statement `{statement.group(0)}`",
            "own texts hold no template code",
        )


def _opened(
    test: str, values: Mapping[str, str] | None, path: Path, number: int, diagnostics: Diagnostics
) -> _Condition:
    if JOIN_SETTING in test:
        diagnostics.warning(
            path, number, "left out: the join button and QR code", "the theme's home page shows its own"
        )
        return _Condition(keeping=False, kept_one=False, join=True)
    result = _decide(test, values)
    if result is None:
        diagnostics.warning(
            path,
            number,
            f"left out: the condition `{test}`; its first branch is kept",
            "own texts hold no template code; check that the kept text fits this relay",
        )
        return _Condition(keeping=True, kept_one=True, guessed=True)
    return _Condition(keeping=result, kept_one=result)


def _decide(test: str, values: Mapping[str, str] | None) -> bool | None:
    """The value of `config.key == "word"` (or `!=`) for this relay; None when it cannot tell."""
    match = _COMPARISON.match(test)
    if match is None or values is None or match["key"] not in values:
        return None
    equal = values[match["key"]] == match["word"]
    return equal if match["op"] == "==" else not equal


def _convert_line(
    line: str, path: Path, number: int, source: Path, page: ImportedPage, diagnostics: Diagnostics
) -> str:
    def value(match: re.Match[str]) -> str:
        key = match["key"]
        if key in VALUE_NAMES:
            return f"{{relay.{key}}}"
        diagnostics.warning(
            path,
            number,
            f"left out: `{match.group(0)}`, which chatmail.ini does not hold",
            "write the text by hand",
        )
        return ""

    converted = _VALUE.sub(value, line)
    for expression in _EXPRESSION.findall(converted):
        diagnostics.warning(
            path, number, f"left out: the template expression `{expression}`", "write the text by hand"
        )
    converted = _EXPRESSION.sub("", converted)
    converted = _PAGE_LINK.sub(
        lambda m: f"{{page.{PAGE_LINKS[m['file'] + '.html']}}}{m['anchor'] or ''}", converted
    )

    def file_reference(match: re.Match[str]) -> str:
        name = match["name"]
        if Path(name).suffix.lower() in IMAGE_SUFFIXES and (source / name).is_file():
            page.images.add(name)
            return f"{match['before']}{ASSETS_FOLDER}/{ASSET_SUBFOLDER}/{name}"
        return match.group(0)

    return _FILE_REFERENCE.sub(file_reference, converted)


def _relay_values(config: SiteConfig, diagnostics: Diagnostics) -> dict[str, str] | None:
    """The fronted relay's chatmail.ini values, to decide the pages' conditions as the relay would."""
    if config.fronts is None or config.fronts.ini is None:
        return None
    ini = load_relay_ini(config.fronts.ini, diagnostics)
    return relay_values(ini) if ini is not None else None


def _warn_about_other_files(source: Path, pages: list[ImportedPage], diagnostics: Diagnostics) -> None:
    used = {image for page in pages for image in page.images}
    for path in sorted(source.iterdir()):
        if path.name in PAGE_FILES or path.name in used or path.name.startswith("."):
            continue
        if path.suffix == ".css":
            hint = "the theme styles the pages; restyle them with a style.css in the site's themes/ folder"
        elif path.name in LAYOUT_FILES:
            hint = "the theme provides the page layout and the join button"
        else:
            hint = "no page shows it; copy it to content/assets/ by hand if a page should"
        diagnostics.warning(path, 0, f"not carried over: {path.name}", hint)


def _page_file(page: ImportedPage) -> str:
    title = page.title.replace('"', '\\"')
    front = [
        "---",
        f"lang: {IMPORTED_LANGUAGE}",
        *([f'title: "{title}"'] if title else []),
        "mode: replace",
        "---",
    ]
    return "\n".join(front) + "\n" + page.body

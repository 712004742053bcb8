"""Markdown → safe HTML: attribute lists, unicode heading ids, directives, sanitising.

This module knows nothing of templates or languages. Directive lines such as
`{% relays %}` are cut out before Markdown runs and come back as placeholders that the
page renderer fills with trusted HTML after sanitising.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from html import escape, unescape
from xml.etree import ElementTree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX

from chatmail_site.core.errors import (
    CONTROL_CHARACTER_HINT,
    describe_character,
    find_control_character,
    without_control_characters,
)
from chatmail_site.load.content import DIRECTIVE_LINE

DIRECTIVE_LIKE = re.compile(r"\{%|%\}")
PLACEHOLDER_PREFIX = "CHATMAILSITEDIRECTIVE"
PLACEHOLDER = PLACEHOLDER_PREFIX + "{index}X"
PLACEHOLDER_HTML = re.compile(r"<p>CHATMAILSITEDIRECTIVE(\d+)X</p>")
# Real pages nest a few levels; deeper nesting only serves to make the parser slow
# (Python-Markdown recurses once per level, by markers or by indentation).
MAX_NESTING = 40
# Python-Markdown looks for the closing bracket of every `[` anew, so a paragraph of many
# unmatched brackets takes time that grows with its square. Real paragraphs hold a few links.
MAX_BRACKETS_PER_PARAGRAPH = 100
# Inline parsing time grows faster than the length of a paragraph; real paragraphs (and
# tables) stay far below this. Fenced code is not parsed inline and does not count.
MAX_PARAGRAPH_LENGTH = 20_000
INDENT_WIDTH = 4
# Each unclosed `<` makes the raw-HTML parser rescan the rest of the page. Pages use a few
# tags (images, line breaks); prose writes `&lt;`.
MAX_ANGLE_BRACKETS = 200
_STASH_PLACEHOLDER = re.compile(f"{re.escape(STX)}wzxhzdk:\\d+{re.escape(ETX)}")
NESTING_MARKERS = re.compile(r"^(?:[ \t]*(?:>|[-*+]|\d+[.)])[ \t]*)+")


@dataclass(frozen=True)
class Directive:
    name: str
    args: str
    line: int  # line within the Markdown text (1-based)


@dataclass(frozen=True)
class MarkdownProblem:
    line: int  # line within the Markdown text (1-based)
    message: str
    hint: str
    is_error: bool = False


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    first_paragraph: str
    directives: tuple[Directive, ...]
    problems: tuple[MarkdownProblem, ...]


class _IdCollector(Treeprocessor):
    """Runs after the toc extension, so it sees every id a heading finally has."""

    def run(self, root: ElementTree.Element) -> None:
        self.md.collected_ids = [el.get("id") for el in root.iter() if el.get("id")]
        self.md.first_paragraph = next((text for el in root.iter("p") if (text := _visible_text(el))), "")


def _visible_text(element: ElementTree.Element) -> str:
    """The words of a paragraph, without the placeholders Markdown leaves for raw HTML."""
    text = _STASH_PLACEHOLDER.sub("", "".join(element.itertext()))
    return " ".join(text.split())


class _CollectIds(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_IdCollector(md), "collect_ids", 1)


def _new_converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["attr_list", "tables", "fenced_code", "sane_lists", "toc", _CollectIds()],
        extension_configs={"toc": {"slugify": slugify_unicode, "permalink": False}},
        output_format="html",
    )


class MarkdownRenderer:
    """One reusable Python-Markdown converter; create one per process or thread."""

    def __init__(self, known_directives: Collection[str] = ()) -> None:
        self._md = _new_converter()
        self._known = frozenset(known_directives)

    def render(self, text: str) -> RenderedMarkdown:
        problems: list[MarkdownProblem] = []
        text, directives = self._extract_directives(text, problems)
        problems.extend(_size_problems(text))
        if any(p.is_error for p in problems):
            return RenderedMarkdown("", "", directives, tuple(problems))
        self._md.reset()
        try:
            converted = self._md.convert(text)
        except RecursionError:
            # A structure the limits above did not foresee; refuse the page, not the build.
            problem = MarkdownProblem(1, "the page is nested too deeply to render", "flatten it", True)
            return RenderedMarkdown("", "", directives, (*problems, problem))
        html = sanitize_html(converted)
        ids = tuple(getattr(self._md, "collected_ids", ()))
        problems.extend(_duplicate_id_problems(ids, text))
        first = unescape(getattr(self._md, "first_paragraph", ""))
        if find_control_character(html) is not None or find_control_character(first) is not None:
            # Written as a character reference (`&#27;`), which the page would turn back into
            # the control character itself.
            problems.append(_control_reference_problem(text))
            html, first = without_control_characters(html), without_control_characters(first)
        return RenderedMarkdown(html, first, directives, tuple(problems))

    def _extract_directives(
        self, text: str, problems: list[MarkdownProblem]
    ) -> tuple[str, tuple[Directive, ...]]:
        directives: list[Directive] = []
        lines = text.split("\n")
        in_fence = False
        for number, line in enumerate(lines, start=1):
            if PLACEHOLDER_PREFIX in line:
                problems.append(
                    MarkdownProblem(
                        number, f"`{PLACEHOLDER_PREFIX}` is reserved for directives", "reword the text", True
                    )
                )
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            if in_fence or not DIRECTIVE_LIKE.search(line):
                continue
            match = DIRECTIVE_LINE.match(line)
            if match is None:
                problems.append(
                    MarkdownProblem(
                        number,
                        "this line looks like a directive but is not one",
                        "a directive stands alone on its line, like {% relays %}",
                        True,
                    )
                )
            elif match["name"] not in self._known:
                known = ", ".join(f"{{% {name} %}}" for name in sorted(self._known)) or "none"
                problems.append(
                    MarkdownProblem(
                        number, f"unknown directive `{match['name']}`", f"known directives: {known}", True
                    )
                )
            else:
                lines[number - 1] = "\n" + PLACEHOLDER.format(index=len(directives)) + "\n"
                directives.append(Directive(match["name"], match["args"], number))
        return "\n".join(lines), tuple(directives)


def fill_directives(html: str, rendered: list[str]) -> str:
    """Put the trusted HTML of each directive where its placeholder paragraph stands."""
    return PLACEHOLDER_HTML.sub(lambda m: rendered[int(m.group(1))], html)


_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});?")


def _control_reference_problem(text: str) -> MarkdownProblem:
    """The error for a character reference that names a control character, at its line."""
    for match in _CHARACTER_REFERENCE.finditer(text):
        digits = match.group().strip("&#;")
        code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        # The code point as written (html.unescape drops these; HTML parsers keep them).
        character = chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        if find_control_character(character) is not None:
            line = text.count("\n", 0, match.start()) + 1
            message = f"`{match.group()}` writes the control character {describe_character(character)}"
            return MarkdownProblem(line, message, CONTROL_CHARACTER_HINT, True)
    return MarkdownProblem(1, "the page writes a control character", CONTROL_CHARACTER_HINT, True)


def _size_problems(text: str) -> list[MarkdownProblem]:
    """Refuse the shapes that make Python-Markdown slow or make it recurse without end."""
    problems: list[MarkdownProblem] = []
    paragraph_start, length, brackets, angles, in_fence = 1, 0, 0, 0, False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not line.strip():
            paragraph_start, length, brackets = number + 1, 0, 0
            continue
        angles += line.count("<")
        if angles > MAX_ANGLE_BRACKETS:
            problems.append(
                MarkdownProblem(
                    number,
                    f"the page holds more than {MAX_ANGLE_BRACKETS} `<` signs",
                    "write a literal < as &lt; and keep HTML tags to a few images and line breaks",
                    True,
                )
            )
            angles = -len(text)
        length += len(line) + 1
        brackets += line.count("[")
        if length > MAX_PARAGRAPH_LENGTH:
            problems.append(_too_much(paragraph_start, f"more than {MAX_PARAGRAPH_LENGTH} characters"))
            length = -len(text)  # one report per paragraph
        if brackets > MAX_BRACKETS_PER_PARAGRAPH:
            problems.append(_too_much(paragraph_start, f"over {MAX_BRACKETS_PER_PARAGRAPH} `[` brackets"))
            brackets = -len(text)
        if _nesting_depth(line) > MAX_NESTING:
            problems.append(
                MarkdownProblem(
                    number,
                    f"lists, quotes or indentation are nested more than {MAX_NESTING} levels deep",
                    "flatten the structure",
                    True,
                )
            )
        if len(problems) >= 10:  # enough to show what is wrong without flooding the output
            break
    return problems


def _too_much(line: int, what: str) -> MarkdownProblem:
    return MarkdownProblem(
        line,
        f"this paragraph holds {what}",
        "split it with blank lines into several paragraphs (write a literal bracket as \\[)",
        True,
    )


def _nesting_depth(line: str) -> int:
    """How many levels a line opens, counting list and quote markers and indentation steps."""
    expanded = line.expandtabs(INDENT_WIDTH)
    indent = len(expanded) - len(expanded.lstrip(" "))
    prefix = NESTING_MARKERS.match(expanded)
    markers = len(re.findall(r"[>*+-]|\d+[.)]", prefix.group(0))) if prefix else 0
    return indent // INDENT_WIDTH + markers


def _duplicate_id_problems(ids: tuple[str, ...], text: str) -> list[MarkdownProblem]:
    problems = []
    for anchor, count in sorted(Counter(ids).items()):
        if count > 1:
            line = _line_of(text, "#" + anchor)
            problems.append(
                MarkdownProblem(
                    line,
                    f"the anchor `#{anchor}` is used {count} times on this page",
                    "give each heading its own {#id}",
                )
            )
    return problems


def _line_of(text: str, needle: str) -> int:
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else 1


# ---- sanitising -------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
_ALLOWED_CLASSES = {
    "a": {"cta-button"},
    "img": {"float-start", "float-end"},
    "code": {
        f"language-{name}" for name in ("bash", "ini", "json", "nginx", "python", "shell", "text", "yaml")
    },
}
# No `javascript:`, `vbscript:` or `data:` (an SVG image can carry script); nh3 compares
# schemes after decoding entities and dropping the whitespace browsers ignore.
_URL_SCHEMES = {"http", "https", "mailto", "dcaccount", "DCACCOUNT", "openpgp4fpr"}
# C0 controls are not allowed in HTML, and inside a URL they hide its scheme from a reader;
# tab, newline and carriage return are ordinary whitespace.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Inline float styles in translated pages become logical classes, so RTL pages mirror them.
_FLOAT_STYLE = re.compile(r"""\sstyle=(["'])\s*float\s*:\s*(left|right)\s*;?\s*\1""", re.IGNORECASE)


def _float_to_class(match: re.Match[str]) -> str:
    return ' class="float-end"' if match.group(2).lower() == "right" else ' class="float-start"'


# A link or image address in sanitized HTML, which always quotes attributes with `"`.
_LINK_ATTRIBUTE = re.compile(r'(<(?:a|img)\s[^>]*?\b(?:href|src)=")([^"]*)(")')


def rewrite_links(html: str, rewrite: Callable[[str], str]) -> str:
    """Apply `rewrite` to every link and image address of sanitized HTML."""

    def replace(match: re.Match[str]) -> str:
        address = rewrite(unescape(match.group(2)))
        return match.group(1) + escape(address, quote=True) + match.group(3)

    return _LINK_ATTRIBUTE.sub(replace, html)


def sanitize_html(html: str) -> str:
    """Keep what pages need (links, images, lists, tables, code, heading ids); drop the rest.

    Scripts, styles, event handlers, frames, forms, `<meta>`, `<base>`, SVG and MathML, and
    every URL outside the allowed schemes are removed; `target` is not kept, so no link can
    reach back into the page that opened it.
    """
    html = _FLOAT_STYLE.sub(_float_to_class, _CONTROL_CHARACTERS.sub("", html))
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes=_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )

"""Splitting a page file into front matter and Markdown, with precise diagnostics.

The split is done by hand rather than with a library's regular expression so that a missing
closing `---` or a broken YAML line can be reported at its real line in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frontmatter import YAMLHandler

from chatmail_site.core.errors import (
    CONTROL_CHARACTER_HINT,
    Diagnostics,
    control_character_problem,
    find_control_character,
    without_control_characters,
)
from chatmail_site.core.safety import read_source_text
from chatmail_site.core.yamlutil import LineDict, describe_type, load_yaml

# Pages larger than this are refused: real pages are a few kilobytes, and Markdown
# rendering time grows with size (a page at the limit of the worst shape renders in seconds).
MAX_PAGE_BYTES = 512 * 1024
_DELIMITER = YAMLHandler.START_DELIMITER  # "---", the delimiter every Jekyll/Hugo page uses


@dataclass(frozen=True)
class SplitPage:
    """A page file cut into its front matter and its body."""

    meta: LineDict
    body: str
    body_line: int  # file line on which the body starts


def read_page_text(path: Path, display: str, diagnostics: Diagnostics) -> str | None:
    """Read a page as UTF-8 (a BOM is fine), with CRLF line endings made plain."""
    text = read_source_text(path, display, diagnostics, MAX_PAGE_BYTES, "split it into several pages")
    if text is None:
        return None
    if "\x00" in text:
        diagnostics.error(
            display,
            text.count("\n", 0, text.index("\x00")) + 1,
            "the file contains a NUL byte: it looks like a binary file",
            "pages must be plain Markdown text",
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    position = find_control_character(text)
    if position is not None:
        # Reported once, at the first one; the page is still read (with the characters
        # replaced), so its other problems are reported in the same run.
        problem = control_character_problem(text)
        diagnostics.error(display, text.count("\n", 0, position) + 1, f"{problem}", CONTROL_CHARACTER_HINT)
        text = without_control_characters(text)
    return text


def split_front_matter(text: str, display: str, diagnostics: Diagnostics) -> SplitPage | None:
    """Cut `---` front matter off a page and parse it; None after reporting a problem."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _DELIMITER:
        diagnostics.error(
            display,
            1,
            "the page does not start with front matter",
            "begin the file with ---, then `title: …` and `lang: …`, then ---",
        )
        return None
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (_DELIMITER, "...")), None)
    if closing is None:
        diagnostics.error(
            display,
            1,
            "the front matter is never closed",
            "did you forget to add a line with --- after the last front-matter line?",
        )
        return None
    yaml_text = "\n".join(lines[1:closing])
    errors_before = len(diagnostics.errors)
    meta = load_yaml(yaml_text, display, diagnostics, first_line=2)
    if len(diagnostics.errors) > errors_before:
        return None
    if meta is None:
        meta = LineDict()
        meta.line, meta.key_lines, meta.raw = 2, {}, {}
    if not isinstance(meta, LineDict):
        diagnostics.error(
            display,
            2,
            f"the front matter must be `key: value` lines, not {describe_type(meta)}",
            "write title: … and lang: … on their own lines",
        )
        return None
    return SplitPage(meta, "\n".join(lines[closing + 1 :]), closing + 2)

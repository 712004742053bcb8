"""Diagnostics: the one way every stage reports a problem in the site's sources.

A diagnostic always names a file and a line, so a translator can go straight to the
mistake. Diagnostics quote the author's text (a key, a file name, a value), so this module is
also the one place where that text is made safe for each medium it is shown in: the terminal
and CI log (`format`), GitHub workflow annotations (`workflow_command`) and the JSON report.
It defines the commands' exit codes and the one function that prints diagnostics.
This module imports nothing else from the package.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any, TextIO


class ExitCode(IntEnum):
    """What every command returns (the README's table)."""

    OK = 0
    CONTENT_ERROR = 1  # the sources have errors (or warnings, with --strict)
    USAGE = 2  # the command was used wrongly, or the output folder cannot be written


# The one control-character policy. These characters have no business in the text of a
# page, a setting or a translation: C0 controls other than tab and line feed, DEL, the C1
# controls, lone surrogates (they cannot be written as UTF-8 at all), and the line and
# paragraph separators that some programs treat as line breaks. Author text holding one is
# refused with a diagnostic, and diagnostics show them escaped.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
# What a diagnostic must never print raw: the same, plus tab and line feed, because a line
# break in a quoted key or file name would start a line of its own in a terminal or CI log
# (where a line starting with `::` is a workflow command).
_CONTROL_IN_DIAGNOSTIC = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def find_control_character(text: str) -> int | None:
    """The position of the first character the control-character policy refuses, or None."""
    match = _CONTROL_IN_TEXT.search(text)
    return match.start() if match else None


def describe_character(character: str) -> str:
    """A control character as a reader can name it: `U+001B`."""
    return f"U+{ord(character):04X}"


def control_character_problem(text: str) -> str | None:
    """The message for text that breaks the control-character policy, or None when it is clean."""
    position = find_control_character(text)
    if position is None:
        return None
    character = text[position]
    if "\ud800" <= character <= "\udfff":
        return f"the text holds a lone surrogate ({describe_character(character)}), which is not a character"
    return f"the text holds the control character {describe_character(character)}"


CONTROL_CHARACTER_HINT = (
    "delete it: readers cannot see it (a YAML escape like \\e or a reference like &#27; writes one)"
)


def without_control_characters(text: str) -> str:
    """The text with each refused character replaced by U+FFFD, the replacement character.

    A build that refused a value still renders its pages to report every other problem;
    what it renders must then be text that can be written at all.
    """
    return _CONTROL_IN_TEXT.sub("\ufffd", text)


# Whole numbers are refused beyond this many digits: no setting needs more, and Python
# refuses to turn an integer of more than 4300 digits into text at all.
MAX_NUMBER_DIGITS = 18


def number_problem(written: str) -> str | None:
    """Why a whole number written as `written` is too large to use, or None."""
    digits = sum(character.isdigit() for character in written)
    if digits <= MAX_NUMBER_DIGITS:
        return None
    return f"the number has {digits} digits, more than the {MAX_NUMBER_DIGITS} allowed"


def escape_control(text: str) -> str:
    """Author text as a diagnostic may show it: control characters become visible escapes."""
    return _CONTROL_IN_DIAGNOSTIC.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one source file, at one line (1-based; 0 when no line applies)."""

    path: str
    line: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        """Render as `path:line: level: message`, with the hint on its own line.

        Safe for a terminal and a CI log: the only line break is the one before the hint.
        """
        safe = self.as_dict()
        text = f"{safe['path']}:{self.line}: {self.severity.value}: {safe['message']}"
        if self.hint:
            text += f"\n    hint: {safe['hint']}"
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagnostic:
        """The diagnostic that `as_dict` made this data from."""
        return cls(
            str(data["path"]),
            int(data["line"]),
            Severity(data["severity"]),
            str(data["message"]),
            str(data["hint"]),
        )

    def as_dict(self) -> dict[str, object]:
        """The diagnostic as JSON-ready data, its texts escaped like `format` escapes them."""
        return {
            "path": escape_control(self.path),
            "line": self.line,
            "severity": self.severity.value,
            "message": escape_control(self.message),
            "hint": escape_control(self.hint),
        }


@dataclass
class Diagnostics:
    """Collects diagnostics from every stage, so a build reports all problems at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str | Path, line: int, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(str(path), line, Severity.ERROR, message, hint))

    def warning(self, path: str | Path, line: int, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(str(path), line, Severity.WARNING, message, hint))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        """True when the build must not publish: any error, or any warning under --strict."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items), key=_order)


class SiteError(Exception):
    """Raised to stop a stage whose input is too broken to continue; carries its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def print_diagnostics(diagnostics: Iterable[Diagnostic], stream: TextIO | None = None) -> None:
    """Print diagnostics, sorted and without repeats, the way every command shows them."""
    stream = stream or sys.stderr
    for diagnostic in sorted(set(diagnostics), key=_order):
        print(diagnostic.format(), file=stream)


def _order(diagnostic: Diagnostic) -> tuple[str, int, str, str]:
    return (diagnostic.path, diagnostic.line, diagnostic.severity.value, diagnostic.message)


def workflow_command(level: str, path: str, line: int, message: str) -> str:
    """A GitHub workflow annotation (`::error file=…,line=…::message`) for one diagnostic.

    The runner reads `%`, CR and LF in the message as escapes and `:` and `,` in a property
    as separators, so all are percent-encoded: author text cannot end the command early or
    start another one.
    """
    location = f"file={_escape_property(escape_control(path))}"
    if line:
        location += f",line={line}"
    return f"::{level} {location},title=chatmail-site::{_escape_data(escape_control(message))}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def decode_utf8(
    data: bytes, path: str | Path, diagnostics: Diagnostics, hint: str = "save the file with UTF-8 encoding"
) -> str | None:
    """Text of a source file (a byte order mark is fine); an error at the bad byte's line if not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diagnostics.error(path, line, "the file is not valid UTF-8 text", hint)
        return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known word, or an empty string when nothing is close."""
    matches = difflib.get_close_matches(word.strip().lower(), sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else ""


def known_keys_hint(word: str, choices: Iterable[str]) -> str:
    """A did-you-mean hint, or the list of known keys when no key is close."""
    choices = sorted(choices)
    return did_you_mean(word, choices) or "known keys: " + ", ".join(choices)

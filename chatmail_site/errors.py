"""Diagnostics: the one way every stage reports a problem in the site's sources.

A diagnostic always names a file and a line, so a translator can go straight to the
mistake. This module imports nothing else from the package.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


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
        """Render as `path:line: level: message`, with the hint on its own line."""
        text = f"{self.path}:{self.line}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
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
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
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
        return sorted(set(self.items), key=lambda d: (d.path, d.line, d.severity.value, d.message))


class SiteError(Exception):
    """Raised to stop a stage whose input is too broken to continue; carries its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


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

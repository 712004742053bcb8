"""What a .po file declares, read before Babel parses it: header fields and plural entries.

Babel trusts the header: it sizes every plural entry by `nplurals` as it reads the file, so
a catalog saying `nplurals=99999999` would take gigabytes before any check could look at it.
This outline is a single pass over the lines that keeps the header's fields with the line
each starts on, and how many `msgstr[N]` forms each plural entry gives, so the header can be
judged first and problems reported on the lines a translator sees.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d{1,6})\])?\s*(\".*)?$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass(frozen=True)
class HeaderField:
    """One `Name: value` of a header entry; `line` is the .po line where it starts."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class PluralEntry:
    """An entry with msgid_plural: the line of its msgid and the form numbers it gives."""

    line: int
    forms: tuple[int, ...]


@dataclass
class PoOutline:
    header: list[HeaderField] = field(default_factory=list)
    plural_entries: list[PluralEntry] = field(default_factory=list)

    def fields_named(self, name: str) -> list[HeaderField]:
        return [entry for entry in self.header if entry.name == name.lower()]

    @property
    def header_line(self) -> int:
        """Where the header starts (its first field), or 1 for a file without one."""
        return self.header[0].line if self.header else 1


@dataclass
class _Entry:
    line: int = 0
    msgid: list[str] = field(default_factory=list)
    has_plural: bool = False
    # (line, text) of every msgstr piece, and the form numbers given with msgstr[N].
    msgstr: list[tuple[int, str]] = field(default_factory=list)
    forms: list[int] = field(default_factory=list)


def outline_po(text: str) -> PoOutline:
    """The header fields and plural entries of a .po file's text; malformed lines are skipped
    (Babel reports those when it reads the file)."""
    outline = PoOutline()
    entry: _Entry | None = None
    target: str | None = None  # the keyword that continuation strings belong to
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            target = None if line.startswith("#~") else target
            continue
        if line.startswith('"'):
            if entry is not None and target is not None:
                _add_piece(entry, target, number, line)
            continue
        match = _KEYWORD.match(line)
        if match is None:
            target = None
            continue
        keyword, index, rest = match.groups()
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr or entry.forms):
            _finish(entry, outline)
            entry = _Entry(line=number)
        if entry is None:
            entry = _Entry(line=number)
        if keyword == "msgid" and entry.line == 0:
            entry.line = number
        if keyword == "msgid_plural":
            entry.has_plural = True
        if keyword == "msgstr" and index is not None:
            entry.forms.append(int(index))
        target = keyword
        if rest:
            _add_piece(entry, target, number, rest)
    _finish(entry, outline)
    return outline


def _add_piece(entry: _Entry, keyword: str, number: int, quoted: str) -> None:
    text = _unquote(quoted)
    if keyword == "msgid":
        entry.msgid.append(text)
    elif keyword == "msgstr":
        entry.msgstr.append((number, text))


def _unquote(quoted: str) -> str:
    body = quoted.strip()[1:]
    body = body[:-1] if body.endswith('"') else body
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _finish(entry: _Entry | None, outline: PoOutline) -> None:
    if entry is None:
        return
    if entry.has_plural:
        outline.plural_entries.append(PluralEntry(entry.line, tuple(entry.forms)))
    elif not "".join(entry.msgid):
        # Every entry with an empty msgid is a header to Babel, the later ones overriding.
        outline.header.extend(_header_fields(entry.msgstr))


def _header_fields(pieces: list[tuple[int, str]]) -> list[HeaderField]:
    """`Name: value` lines of a header, folded like mail headers (a line that starts with
    white space continues the previous field), each with the .po line it starts on."""
    fields: list[tuple[str, list[str], int]] = []
    text = "".join(piece for _, piece in pieces)
    # Where each piece begins in the joined text, to find the .po line of any position.
    starts, position = [], 0
    for _, piece in pieces:
        starts.append(position)
        position += len(piece)
    offset = 0
    for header_line in text.splitlines(keepends=True):
        number = pieces[max(bisect_right(starts, offset) - 1, 0)][0]
        offset += len(header_line)
        content = header_line.rstrip("\r\n")
        if content[:1] in (" ", "\t") and fields:
            fields[-1][1].append(content)
        elif ":" in content:
            name, value = content.split(":", 1)
            fields.append((name.strip().lower(), [value], number))
    return [HeaderField(name, " ".join(part.strip() for part in parts), line) for name, parts, line in fields]


def keep_header(original: bytes, updated: bytes) -> bytes:
    """`updated` with its header entry, and the comments above it, exactly as in `original`.

    Merging a catalog with its template must not rewrite what the translator chose there
    (the Plural-Forms rule, the team, the tool that wrote it); a file without a header
    entry first gets `updated` as it is.
    """
    kept, replaced = _header_end(original), _header_end(updated)
    if kept is None or replaced is None:
        return updated
    return original[:kept] + updated[replaced:]


def _header_end(data: bytes) -> int | None:
    """The offset just past a leading header entry (`msgid ""` and its msgstr lines)."""
    offset = 0
    seen_msgid = False
    for raw in data.splitlines(keepends=True):
        line = raw.strip()
        if not seen_msgid:
            if line.startswith(b"#") or not line:
                offset += len(raw)
                continue
            if line.replace(b" ", b"") != b'msgid""':
                return None
            seen_msgid = True
        elif not (line.startswith(b'"') or line.startswith(b"msgstr")):
            return offset
        offset += len(raw)
    return offset if seen_msgid else None

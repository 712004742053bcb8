"""What the build checks in a translator's catalog (.po) before any of it reaches a page.

Babel's reader is lenient: it cuts the last character off a string that is never closed,
reads a word after `msgid` as if it were quoted, and lets a second entry for the same
string replace the first. So the file is first read line by line here, and every such
line is reported with its (1-based) line number; a catalog with such problems is not used.

Then each translation's placeholders are compared with its English text. The theme fills
them in with Python's `%` formatting, so a translation must name the same `%(name)s`
placeholders, and a `%` that starts none is a mistake (a percent sign is written `%%`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message

from chatmail_site.core.errors import control_character_problem

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?:\s+|$)(.*)")
# A complete PO string: quotes around characters other than `"` and `\`, or the escapes
# Babel turns back into characters.
_STRING = re.compile(r'"(?:[^"\\]|\\[\\"ntr])*"\s*')
_HINT = "open the file in Poedit, or compare the line with a correct entry"


@dataclass
class _Entry:
    """The entry being read: its keywords so far and where it started."""

    line: int = 0
    context: str | None = None
    msgid: str | None = None
    keywords: list[str] | None = None
    current: str | None = None  # the keyword the next continuation line extends
    broken: bool = False  # a string of it could not be read, so its msgid is unknown

    def add(self, keyword: str, text: str | None) -> None:
        if self.keywords is None:
            self.keywords = []
        self.keywords.append(keyword)
        self.current = keyword
        self.extend(text)

    def extend(self, text: str | None) -> None:
        if text is None:
            self.broken = True
        elif self.current == "msgctxt":
            self.context = (self.context or "") + text
        elif self.current == "msgid":
            self.msgid = (self.msgid or "") + text


def po_syntax_problems(text: str) -> list[tuple[int, str]]:
    """(line, message) for every line of a .po file Babel would misread or accept silently."""
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[str | None, str], int] = {}
    entry = _Entry()

    def finish() -> None:
        nonlocal entry
        problems.extend(_entry_problems(entry, seen))
        entry = _Entry()

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue  # blank lines separate nothing to Babel or gettext, not even strings
        if line.startswith("#"):
            # A comment, flag or obsolete (#~) line ends the entry, as it does for Babel;
            # obsolete entries are never used, so their lines are not checked.
            finish()
            continue
        keyword = _KEYWORD.fullmatch(line)
        if keyword is not None:
            name, rest = keyword.groups()
            if name in ("msgctxt", "msgid") and entry.keywords and "msgstr" in "".join(entry.keywords):
                finish()
            if entry.keywords is None:
                entry.line = number
            problem = _string_problem(rest, name)
            if problem:
                problems.append((number, problem))
            entry.add(name, None if problem else _unquoted(rest))
        elif line.startswith('"'):
            problem = _string_problem(line, "the continued text")
            if entry.current is None:
                problems.append((number, "a quoted line that continues no msgid or msgstr"))
            elif problem:
                problems.append((number, problem))
                entry.extend(None)
            else:
                entry.extend(_unquoted(line))
        else:
            word = line.split()[0]
            problems.append((number, f"`{word[:40]}` is not a keyword of a .po file"))
    finish()
    return problems


def _string_problem(rest: str, keyword: str) -> str | None:
    if not rest.startswith('"'):
        return f"the text after {keyword} must be in double quotes"
    if _STRING.fullmatch(rest) is None:
        return f"the text after {keyword} is not closed with a double quote (or holds an unknown \\ escape)"
    return None


def _unquoted(quoted: str) -> str:
    return quoted.strip()[1:-1]


def _entry_problems(entry: _Entry, seen: dict[tuple[str | None, str], int]) -> list[tuple[int, str]]:
    keywords = entry.keywords
    if not keywords:
        return []
    problems = []
    has_plural = "msgid_plural" in keywords
    forms = [k for k in keywords if k.startswith("msgstr")]
    if "msgid" not in keywords:
        problems.append((entry.line, "this entry has no msgid"))
    elif not forms:
        problems.append((entry.line, "this msgid has no msgstr"))
    elif has_plural != all(k.startswith("msgstr[") for k in forms):
        problems.append((entry.line, "a plural entry needs msgstr[0], msgstr[1] …; a singular one msgstr"))
    if entry.msgid is not None and not entry.broken:
        key = (entry.context, entry.msgid)
        if key in seen:
            problems.append((entry.line, f"this msgid was translated already on line {seen[key]}"))
        else:
            seen[key] = entry.line
    return problems


# ---- placeholders ----------------------------------------------------------------------

_CONVERSION = re.compile(
    r"%(?:(?P<percent>%)|\((?P<name>\w+)\)[-#0 +]*\d*(?:\.\d+)?(?P<kind>[diouxXeEfFgGcrsa]))"
)


class StrayPercent(ValueError):
    """A `%` that starts no placeholder."""


def placeholders(text: str) -> dict[str, str]:
    """The named placeholders of a theme string, {name: conversion}; StrayPercent for a lone %."""
    found: dict[str, str] = {}
    position = text.find("%")
    while position != -1:
        match = _CONVERSION.match(text, position)
        if match is None:
            raise StrayPercent(f"the % at character {position + 1} starts no %(name)s placeholder")
        if match["name"]:
            found[match["name"]] = match["kind"]
        position = text.find("%", match.end())
    return found


def _compare(english: dict[str, str], optional: set[str], translated: str) -> str | None:
    """Why a translation's placeholders do not fit the English ones, or None."""
    try:
        used = placeholders(translated)
    except StrayPercent as problem:
        return f"{problem} (write %% for a percent sign)"
    missing = sorted(set(english) - set(used) - optional)
    if missing:
        return "it leaves out " + ", ".join(f"%({name}){english[name]}" for name in missing)
    unknown = sorted(set(used) - set(english))
    if unknown:
        return "it has " + ", ".join(f"%({name})" for name in unknown) + ", which the English text has not"
    for name, kind in used.items():
        if kind not in (english[name], "s"):
            return f"it writes %({name}){kind} where the English text has %({name}){english[name]}"
    return None


def placeholder_problems(message: Message) -> list[str]:
    """What is wrong with the placeholders of one translated, non-fuzzy entry."""
    if not message.id or message.fuzzy:
        return []
    try:
        if isinstance(message.id, (list, tuple)):
            singular, plural = placeholders(message.id[0]), placeholders(message.id[1])
            english = {**singular, **plural}
        else:
            singular = english = placeholders(message.id)
    except StrayPercent:
        return []  # the English text is the theme's own; its author sees it fail in English
    forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    problems = []
    for index, form in enumerate(forms):
        if not form:
            continue  # untranslated: the English text is shown
        # English drops a placeholder in its singular ("one day"); a translation's first
        # form may drop the same ones, unless it is the only form and stands for every number.
        optional = set(english) - set(singular) if index == 0 and len(forms) > 1 else set()
        problem = control_character_problem(form) or _compare(english, optional, form)
        if problem:
            label = f"msgstr[{index}]: " if isinstance(message.id, (list, tuple)) else ""
            problems.append(label + problem)
    return problems


def translation_problems(catalog: Catalog) -> Iterator[tuple[Message, list[str]]]:
    """Every entry whose translation cannot be used, with what is wrong with it.

    Dropped or renamed placeholders, stray `%` and control characters first; an entry that
    passes is then held to Babel's own checks (such as the number of plural forms).
    """
    babel = {id(message): problems for message, problems in catalog.check()}
    for message in catalog:
        problems = placeholder_problems(message) or [str(problem) for problem in babel.get(id(message), [])]
        if problems:
            yield message, problems

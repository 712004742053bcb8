"""A relay's chatmail.ini: the settings its home, info and privacy pages talk about.

The file belongs to the relay software; the site only reads the `[params]` keys it shows to
readers and ignores the rest. Missing keys take the relay software's own defaults, so the
pages never promise limits the relay does not enforce.
"""

from __future__ import annotations

import configparser
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .domainname import InvalidDomain, normalize_domain
from .errors import Diagnostics, decode_utf8

SECTION = "params"

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^(\d+)\s*([KMGT]?)$", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")
_SECTION_HEADER = re.compile(r"\[(?P<name>.+)\]")
_KEY = re.compile(r"(?P<key>.*?)\s*[=:]")
_COMMENT_PREFIXES = ("#", ";")
# An unknown key this close to a known one is most likely a typo that would silently
# drop a setting from the pages; the relay's own other keys are never this close.
_TYPO_SIMILARITY = 0.85


# What the privacy page needs so that readers can reach the relay's operator.
PRIVACY_CONTACT_KEYS = ("privacy_mail", "privacy_postal")


@dataclass(frozen=True)
class RelayIni:
    """The `[params]` of a relay's chatmail.ini that its pages show."""

    path: Path
    mail_domain: str
    max_user_send_per_minute: int = 60
    max_mailbox_size: int = 100 * 1024**2
    max_mailbox_size_text: str = "100M"
    max_message_size: int = 31457280
    delete_mails_after: int = 20
    delete_inactive_users_after: int = 90
    username_min_length: int = 9
    username_max_length: int = 9
    password_min_length: int = 9
    privacy_mail: str = ""
    privacy_postal: str = ""
    privacy_pdo: str = ""
    privacy_supervisor: str = ""

    @property
    def missing_privacy_contacts(self) -> tuple[str, ...]:
        """The contact keys the privacy page needs but the file leaves empty."""
        return tuple(key for key in PRIVACY_CONTACT_KEYS if not getattr(self, key))

    @property
    def has_privacy_contacts(self) -> bool:
        """True when the relay names both a contact address and a postal address."""
        return not self.missing_privacy_contacts


class _BadValue(ValueError):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _single_line(key: str, raw: str) -> str:
    value = raw.strip()
    if "\n" in value:
        raise _BadValue(
            f"`{key}` must fit on one line",
            "indented lines below a key continue its value; remove the indentation",
        )
    if not value:
        raise _BadValue(f"`{key}` has no value", f"write a value after `{key} =`, or remove the line")
    return value


def _comment_hint(value: str) -> str:
    if "#" in value or ";" in value:
        return "comments must stand on their own line, starting with `#`"
    return ""


def _positive_int(key: str, raw: str) -> int:
    value = _single_line(key, raw)
    if not _WHOLE_NUMBER.match(value):
        raise _BadValue(
            f"`{key}` must be a whole number, not `{value}`",
            _comment_hint(value) or f"for example `{key} = 10`",
        )
    number = int(value)
    if number < 1:
        raise _BadValue(f"`{key}` must be at least 1, not {number}", "use a positive whole number")
    return number


def _size(key: str, raw: str) -> tuple[int, str]:
    value = _single_line(key, raw)
    match = _SIZE.match(value)
    if not match:
        raise _BadValue(
            f"`{key}` must be a size like `100M`, not `{value}`",
            _comment_hint(value) or "write a whole number followed by K, M, G or T (powers of 1024)",
        )
    number = int(match.group(1)) * _SIZE_UNITS[match.group(2).upper()]
    if number < 1:
        raise _BadValue(f"`{key}` must be larger than zero", "for example `100M` or `1G`")
    return number, value


def _domain(key: str, raw: str) -> str:
    value = _single_line(key, raw)
    try:
        return normalize_domain(value)
    except InvalidDomain as problem:
        raise _BadValue(
            f"`{key}` is invalid: {problem}", "write the relay's domain name, like `chat.example.org`"
        ) from None


def _text(key: str, raw: str) -> str:
    # Continuation lines keep their line breaks (a postal address spans several lines) but
    # lose the indentation and blank lines that only serve the INI layout.
    lines = (line.strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


# Each known key and how to read it; a converter returning a tuple fills several fields.
_READERS: dict[str, Callable[[str, str], Any]] = {
    "mail_domain": _domain,
    "max_user_send_per_minute": _positive_int,
    "max_mailbox_size": _size,
    "max_message_size": _positive_int,
    "delete_mails_after": _positive_int,
    "delete_inactive_users_after": _positive_int,
    "username_min_length": _positive_int,
    "username_max_length": _positive_int,
    "password_min_length": _positive_int,
    "privacy_mail": _text,
    "privacy_postal": _text,
    "privacy_pdo": _text,
    "privacy_supervisor": _text,
}
KNOWN_KEYS = frozenset(_READERS)


@dataclass(frozen=True)
class _Layout:
    """Where each section header and each key starts, found by reading the text line by line."""

    section_lines: dict[str, int]
    key_lines: dict[tuple[str, str], int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get((SECTION, key), self.section_lines.get(SECTION, 0))


def _scan_layout(text: str) -> _Layout:
    """Find the line of every section and key, following the same rules as configparser.

    A line indented deeper than the key above it continues that key's value; comment lines
    and blank lines never start a key.
    """
    section_lines: dict[str, int] = {}
    key_lines: dict[tuple[str, str], int] = {}
    section: str | None = None
    key_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(_COMMENT_PREFIXES):
            continue
        indent = len(line) - len(line.lstrip())
        if section is not None and key_indent is not None and indent > key_indent:
            continue
        header = _SECTION_HEADER.match(stripped)
        if header:
            section = header.group("name")
            section_lines.setdefault(section, number)
            key_indent = None
            continue
        key = _KEY.match(stripped)
        if key and section is not None:
            key_lines.setdefault((section, key.group("key")), number)
            key_indent = indent
    return _Layout(section_lines, key_lines)


def _decode(path: Path, data: bytes, diagnostics: Diagnostics) -> str | None:
    return decode_utf8(data, path, diagnostics, "save chatmail.ini with UTF-8 encoding")


def _parse(path: Path, text: str, diagnostics: Diagnostics) -> configparser.ConfigParser | None:
    # The empty default section name cannot appear as a header, so a `[DEFAULT]` section in
    # the file stays an ordinary section instead of leaking keys into `[params]`.
    parser = configparser.ConfigParser(interpolation=None, strict=True, default_section="")
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as problem:
        diagnostics.error(
            path,
            problem.lineno,
            "a setting appears before any section header",
            f"put `[{SECTION}]` on a line of its own above the settings",
        )
    except configparser.DuplicateSectionError as problem:
        diagnostics.error(
            path,
            problem.lineno or 0,
            f"section `[{problem.section}]` appears twice",
            "merge both sections into one",
        )
    except configparser.DuplicateOptionError as problem:
        diagnostics.error(
            path,
            problem.lineno or 0,
            f"`{problem.option}` is set twice in `[{problem.section}]`",
            "keep one of the two lines; the relay reads only one of them",
        )
    except configparser.ParsingError as problem:
        for line, content in problem.errors:
            diagnostics.error(
                path,
                line,
                f"cannot read this line as `key = value`: {content}",
                "each setting is `key = value`; indent continuation lines of a long value",
            )
    else:
        return parser
    return None


def _warn_about_typos(path: Path, keys: list[str], layout: _Layout, diagnostics: Diagnostics) -> None:
    for key in keys:
        if key in KNOWN_KEYS:
            continue
        close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=_TYPO_SIMILARITY)
        if close:
            diagnostics.warning(
                path,
                layout.line_of(key),
                f"unknown key `{key}` is ignored",
                f"did you mean `{close[0]}`?",
            )


def _read_values(
    path: Path, params: dict[str, str], layout: _Layout, diagnostics: Diagnostics
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    ok = True
    for key, reader in _READERS.items():
        if key not in params:
            continue
        try:
            value = reader(key, params[key])
        except _BadValue as problem:
            diagnostics.error(path, layout.line_of(key), problem.message, problem.hint)
            ok = False
            continue
        if key == "max_mailbox_size":
            values["max_mailbox_size"], values["max_mailbox_size_text"] = value
        else:
            values[key] = value
    return values if ok else None


def _check_lengths(path: Path, values: dict[str, Any], layout: _Layout, diagnostics: Diagnostics) -> bool:
    # Dataclass defaults stay readable as class attributes: the relay software's defaults.
    shortest = values.get("username_min_length", RelayIni.username_min_length)
    longest = values.get("username_max_length", RelayIni.username_max_length)
    if shortest <= longest:
        return True
    blamed = "username_min_length" if "username_min_length" in values else "username_max_length"
    diagnostics.error(
        path,
        layout.line_of(blamed),
        f"username_min_length ({shortest}) is larger than username_max_length ({longest})",
        "the shortest allowed username cannot be longer than the longest",
    )
    return False


def load_relay_ini(path: Path, diagnostics: Diagnostics) -> RelayIni | None:
    """Read a relay's chatmail.ini; report every problem to `diagnostics`, None when unusable."""
    try:
        data = path.read_bytes()
    except OSError as problem:
        diagnostics.error(
            path, 0, f"cannot read the relay config: {problem.strerror}", "check the path in site.yaml"
        )
        return None
    text = _decode(path, data, diagnostics)
    if text is None:
        return None
    parser = _parse(path, text, diagnostics)
    if parser is None:
        return None
    layout = _scan_layout(text)
    if not parser.has_section(SECTION):
        found = parser.sections()
        close = difflib.get_close_matches(SECTION, found, n=1, cutoff=0.6)
        diagnostics.error(
            path,
            layout.section_lines.get(close[0], 0) if close else 0,
            f"there is no `[{SECTION}]` section",
            f"rename `[{close[0]}]` to `[{SECTION}]`"
            if close
            else f"the relay's settings go below a `[{SECTION}]` line",
        )
        return None
    params = dict(parser.items(SECTION, raw=True))
    _warn_about_typos(path, list(params), layout, diagnostics)
    if "mail_domain" not in params:
        unknown = [key for key in params if key not in KNOWN_KEYS]
        close = difflib.get_close_matches("mail_domain", unknown, n=1, cutoff=0.6)
        diagnostics.error(
            path,
            layout.line_of(close[0]) if close else layout.section_lines[SECTION],
            "`mail_domain` is missing",
            f"rename `{close[0]}` to `mail_domain`"
            if close
            else f"add `mail_domain = chat.example.org` below `[{SECTION}]`",
        )
        return None
    values = _read_values(path, params, layout, diagnostics)
    if values is None or not _check_lengths(path, values, layout, diagnostics):
        return None
    return RelayIni(path=path, **values)


def line_of_key(path: Path, key: str) -> int:
    """The line where `key` is set in `[params]` (else the section's line, else 0), for messages
    about a setting that was read successfully but is missing or empty."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return 0
    return _scan_layout(text).line_of(key)

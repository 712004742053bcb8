"""A relay's chatmail.ini: the settings its home, info and privacy pages talk about.

The file belongs to the relay software. The site reads every `[params]` key of the relay
software's 2026 template and refuses, at its line, a value that software would refuse; it
keeps the keys its pages show. Missing keys take the relay software's own defaults, so the
pages never promise limits the relay does not enforce. Keys it does not know are ignored:
relays run newer software than this tool knows.
"""

from __future__ import annotations

import configparser
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from chatmail_site.core.domainname import (
    InvalidDomain,
    is_ipv4_address,
    is_self_signed_host,
    normalize_relay_host,
)
from chatmail_site.core.errors import (
    CONTROL_CHARACTER_HINT,
    Diagnostics,
    control_character_problem,
    decode_utf8,
    number_problem,
)
from chatmail_site.core.safety import MAX_SETTINGS_FILE_BYTES, SourceProblem, read_source

SECTION = "params"

# The relay software reads sizes in megabytes: a bare number, or one ending in M or G, each
# optionally followed by B. Anything else stops its deploy.
_SIZE_UNITS = {"": 1024**2, "M": 1024**2, "G": 1024**3}
_SIZE = re.compile(r"^(\d+)\s*([MG]?)B?$", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")
_DECIMAL_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
# Messages above this size are "large" for the relay software's delete_large_after.
LARGE_MESSAGE_BYTES = 200 * 1000
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
    max_user_send_burst_size: int = 10
    max_mailbox_size: int = 500 * 1024**2
    max_mailbox_size_text: str = "500M"
    max_message_size: int = 31457280
    delete_mails_after: int = 20
    delete_large_after: int = 7
    delete_inactive_users_after: int = 90
    username_min_length: int = 9
    username_max_length: int = 9
    password_min_length: int = 9
    privacy_mail: str = ""
    privacy_postal: str = ""
    privacy_pdo: str = ""
    privacy_supervisor: str = ""
    www_folder: str = ""
    # None: the relay runs its own iroh relay at its domain; "": the apps' default one.
    iroh_relay: str | None = None
    tls_external_cert_and_key: str = ""

    @property
    def ipv4_relay(self) -> bool:
        """True when the relay has no domain name, only an IPv4 address."""
        return is_ipv4_address(self.mail_domain)

    @property
    def address_domain(self) -> str:
        """What follows the `@` of the relay's addresses: `[203.0.113.7]` for an IPv4 relay."""
        return f"[{self.mail_domain}]" if self.ipv4_relay else self.mail_domain

    @property
    def self_signed(self) -> bool:
        """True when the relay software gives this relay a self-signed certificate."""
        return not self.tls_external_cert_and_key and is_self_signed_host(self.mail_domain)

    @property
    def iroh_relay_url(self) -> str:
        """The iroh relay the apps use for real-time connections; empty for their default one."""
        return f"https://{self.mail_domain}" if self.iroh_relay is None else self.iroh_relay

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
    _check_digits(key, value)
    number = int(value)
    if number < 1:
        raise _BadValue(f"`{key}` must be at least 1, not {number}", "use a positive whole number")
    return number


def _check_digits(key: str, written: str) -> None:
    problem = number_problem(written)
    if problem:
        raise _BadValue(f"`{key}`: {problem}", "no relay needs a limit this large; check the value")


def _size(key: str, raw: str) -> tuple[int, str]:
    value = _single_line(key, raw)
    match = _SIZE.match(value)
    if not match:
        raise _BadValue(
            f"`{key}` must be a size like `500M` or `2G`, not `{value}`",
            _comment_hint(value)
            or "write a whole number of megabytes, optionally followed by M or G; "
            "the relay reads no other unit",
        )
    _check_digits(key, match.group(1))
    number = int(match.group(1)) * _SIZE_UNITS[match.group(2).upper()]
    if number < 1:
        raise _BadValue(f"`{key}` must be larger than zero", "for example `500M` or `1G`")
    return number, value


def _decimal(key: str, raw: str) -> float:
    value = _single_line(key, raw)
    if not _DECIMAL_NUMBER.match(value):
        raise _BadValue(
            f"`{key}` must be a number, not `{value}`", _comment_hint(value) or f"for example `{key} = 5`"
        )
    _check_digits(key, value)
    return float(value)


def _flag(key: str, raw: str) -> bool:
    # The relay software takes `true` in any case as yes and every other word as no.
    return raw.strip().lower() == "true"


def _cert_and_key(key: str, raw: str) -> str:
    value = raw.strip()
    if value and len(value.split()) != 2:
        raise _BadValue(
            f"`{key}` must name two files separated by a space, the certificate and its key",
            f"for example `{key} = /etc/ssl/fullchain.pem /etc/ssl/privkey.pem`",
        )
    return value


def _host(key: str, raw: str) -> str:
    value = _single_line(key, raw)
    try:
        return normalize_relay_host(value)
    except InvalidDomain as problem:
        raise _BadValue(
            f"`{key}` is invalid: {problem}",
            "write the relay's domain name like `chat.example.org`, its IPv4 address, "
            "or a name starting with `_`",
        ) from None


def _text(key: str, raw: str) -> str:
    # Continuation lines keep their line breaks (a postal address spans several lines) but
    # lose the indentation and blank lines that only serve the INI layout.
    lines = (line.strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def _optional_text(key: str, raw: str) -> str:
    # An empty value means something of its own here (iroh_relay: use the apps' default).
    return raw.strip()


# Each key the relay software reads and how to read it. Keys that are fields of RelayIni are
# kept; the others are only checked, so that a value the relay would refuse is found before
# a deploy. The size reader fills two fields: the bytes and the text as written.
_READERS: dict[str, Callable[[str, str], Any]] = {
    "mail_domain": _host,
    "max_user_send_per_minute": _positive_int,
    "max_user_send_burst_size": _positive_int,
    "max_mailbox_size": _size,
    "max_message_size": _positive_int,
    "delete_mails_after": _positive_int,
    "delete_large_after": _positive_int,
    "delete_inactive_users_after": _positive_int,
    "username_min_length": _positive_int,
    "username_max_length": _positive_int,
    "password_min_length": _positive_int,
    "max_load_1m": _decimal,
    "min_available_memory": _size,
    "min_free_disk_space": _size,
    "max_imap_connections": _positive_int,
    "max_smtp_connections": _positive_int,
    "tls_external_cert_and_key": _cert_and_key,
    "www_folder": _optional_text,
    "disable_ipv6": _flag,
    "acme_email": _optional_text,
    "iroh_relay": _optional_text,
    "mtail_address": _optional_text,
    "imap_rawlog": _flag,
    "imap_compress": _flag,
    "filtermail_smtp_port": _positive_int,
    "filtermail_smtp_port_incoming": _positive_int,
    "filtermail_http_port_incoming": _positive_int,
    "filtermail_lmtp_port_transport": _positive_int,
    "postfix_reinject_port": _positive_int,
    "postfix_reinject_port_incoming": _positive_int,
    "turn_socket_path": _optional_text,
    "mailboxes_dir": _optional_text,
    "passdb_path": _optional_text,
    "privacy_mail": _text,
    "privacy_postal": _text,
    "privacy_pdo": _text,
    "privacy_supervisor": _text,
}
KNOWN_KEYS = frozenset(_READERS)
# The relay software's own default of each key, as chatmail.ini would write it; None where
# the default is derived from other keys (iroh_relay, mailboxes_dir) and cannot be written.
SOFTWARE_DEFAULTS: dict[str, str | None] = {
    "mail_domain": None,
    "max_user_send_per_minute": "60",
    "max_user_send_burst_size": "10",
    "max_mailbox_size": "500M",
    "max_message_size": "31457280",
    "delete_mails_after": "20",
    "delete_large_after": "7",
    "delete_inactive_users_after": "90",
    "username_min_length": "9",
    "username_max_length": "9",
    "password_min_length": "9",
    "max_load_1m": "5",
    "min_available_memory": "200M",
    "min_free_disk_space": "1G",
    "max_imap_connections": "10000",
    "max_smtp_connections": "1000",
    "tls_external_cert_and_key": "",
    "www_folder": "",
    "disable_ipv6": "False",
    "acme_email": "",
    "iroh_relay": None,
    "mtail_address": "",
    "imap_rawlog": "false",
    "imap_compress": "false",
    "filtermail_smtp_port": "10080",
    "filtermail_smtp_port_incoming": "10081",
    "filtermail_http_port_incoming": "10082",
    "filtermail_lmtp_port_transport": "10083",
    "postfix_reinject_port": "10025",
    "postfix_reinject_port_incoming": "10026",
    "turn_socket_path": "/run/chatmail-turn/turn.socket",
    "mailboxes_dir": None,
    "passdb_path": "/home/vmail/passdb.sqlite",
    "privacy_mail": "",
    "privacy_postal": "",
    "privacy_pdo": "",
    "privacy_supervisor": "",
}
_KEPT_FIELDS = frozenset(field.name for field in fields(RelayIni))


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
            _check_characters(params[key])
            value = reader(key, params[key])
        except _BadValue as problem:
            diagnostics.error(path, layout.line_of(key), problem.message, problem.hint)
            ok = False
            continue
        if key == "max_mailbox_size":
            values["max_mailbox_size"], values["max_mailbox_size_text"] = value
        elif key in _KEPT_FIELDS:
            values[key] = value
    return values if ok else None


def _check_characters(raw: str) -> None:
    # A value reaches the relay's pages as it is written; the same policy as for all site text.
    problem = control_character_problem(raw)
    if problem:
        raise _BadValue(problem, CONTROL_CHARACTER_HINT)


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
        data = read_source(path, MAX_SETTINGS_FILE_BYTES, "a relay's chatmail.ini is a few kilobytes")
    except SourceProblem as problem:
        diagnostics.error(path, 0, f"cannot read the relay config: {problem.message}", problem.hint)
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
        text = read_source(path, MAX_SETTINGS_FILE_BYTES).decode("utf-8-sig")
    except (SourceProblem, UnicodeDecodeError):
        return 0
    return _scan_layout(text).line_of(key)

"""Reading a relay's chatmail.ini: values, defaults, and every mistake with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatmail_site.core.errors import Diagnostics, Severity
from chatmail_site.load.relayini import KNOWN_KEYS, SOFTWARE_DEFAULTS, RelayIni, load_relay_ini
from tests.support import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "chatmail.ini"
DOCS = REPO_ROOT / "docs" / "relay-ini.md"


def load_text(tmp_path: Path, text: str | bytes) -> tuple[RelayIni | None, Diagnostics]:
    path = tmp_path / "chatmail.ini"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    diagnostics = Diagnostics()
    return load_relay_ini(path, diagnostics), diagnostics


def only_error(diagnostics: Diagnostics) -> tuple[int, str, str]:
    assert len(diagnostics.errors) == 1, [d.format() for d in diagnostics]
    error = diagnostics.errors[0]
    assert error.hint, "every error carries a hint"
    return error.line, error.message, error.hint


def test_fixture_reads_every_shown_key():
    diagnostics = Diagnostics()
    relay = load_relay_ini(FIXTURE, diagnostics)
    assert list(diagnostics) == []
    assert relay is not None
    assert relay.mail_domain == "chat.example.org"
    assert relay.max_mailbox_size == 500 * 1024 * 1024
    assert relay.max_mailbox_size_text == "500M"
    assert relay.max_message_size == 31457280
    assert relay.privacy_mail == "privacy@example.org"
    assert relay.privacy_postal.splitlines() == [
        "Example Relay Association e.V.",
        "Represented by the board",
        "Beispielstraße 12",
        "10115 Berlin, Germany",
    ]
    assert relay.privacy_pdo == ""
    assert relay.privacy_supervisor.count("\n") == 1
    assert relay.has_privacy_contacts


def test_missing_keys_take_the_relay_defaults(tmp_path):
    relay, diagnostics = load_text(tmp_path, "[params]\nmail_domain = chat.example.org\n")
    assert list(diagnostics) == []
    assert relay == RelayIni(
        path=tmp_path / "chatmail.ini",
        mail_domain="chat.example.org",
        max_user_send_per_minute=60,
        max_user_send_burst_size=10,
        max_mailbox_size=500 * 1024 * 1024,
        max_mailbox_size_text="500M",
        max_message_size=31457280,
        delete_mails_after=20,
        delete_large_after=7,
        delete_inactive_users_after=90,
        username_min_length=9,
        username_max_length=9,
        password_min_length=9,
    )
    assert not relay.has_privacy_contacts
    assert not relay.self_signed and relay.iroh_relay_url == "https://chat.example.org"


def test_writing_every_software_default_reads_like_writing_none(tmp_path):
    written = "".join(f"{key} = {value}\n" for key, value in SOFTWARE_DEFAULTS.items() if value is not None)
    relay, diagnostics = load_text(tmp_path, f"[params]\nmail_domain = chat.example.org\n{written}")
    assert list(diagnostics) == []
    bare, _ = load_text(tmp_path, "[params]\nmail_domain = chat.example.org\n")
    assert relay == bare


def test_documented_defaults_match_the_code():
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `(\w+)` \|[^|]*\| ([^|]+) \|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    assert set(rows) == KNOWN_KEYS == set(SOFTWARE_DEFAULTS)
    for key, documented in rows.items():
        default = SOFTWARE_DEFAULTS[key]
        if key == "mail_domain":
            assert documented == "required"
        elif default is None:
            assert documented == "—", key
        else:
            assert documented == (default or "empty"), key


def test_the_2026_template_with_its_defaults_uncommented_reads_without_a_word(tmp_path):
    # Every commented-out `#key = value` line of the relay software's 2026 template, uncommented.
    template = """[params]
mail_domain = chat.example.org
max_user_send_per_minute = 60
max_user_send_burst_size = 10
max_mailbox_size = 500M
max_message_size = 31457280
delete_mails_after = 20
delete_large_after = 7
delete_inactive_users_after = 90
username_min_length = 9
username_max_length = 9
password_min_length = 9
max_load_1m = 5
min_available_memory = 200M
min_free_disk_space = 1G
max_imap_connections = 10000
max_smtp_connections = 1000
www_folder = www
disable_ipv6 = False
acme_email =
iroh_relay =
mtail_address = 127.0.0.1
imap_rawlog = false
imap_compress = false
privacy_postal =
privacy_mail =
privacy_pdo =
privacy_supervisor =
"""
    relay, diagnostics = load_text(tmp_path, template)
    assert list(diagnostics) == []
    assert relay is not None
    assert (relay.max_user_send_burst_size, relay.delete_large_after) == (10, 7)
    assert relay.max_mailbox_size == 500 * 1024**2
    assert relay.www_folder == "www"
    assert relay.iroh_relay_url == ""


@pytest.mark.parametrize(
    ("domain", "address_domain"),
    [("203.0.113.7", "[203.0.113.7]"), ("_chat.example", "_chat.example"), ("_local", "_local")],
)
def test_relays_without_a_domain_name_read_as_self_signed(tmp_path, domain, address_domain):
    relay, diagnostics = load_text(tmp_path, f"[params]\nmail_domain = {domain}\n")
    assert list(diagnostics) == []
    assert relay is not None and relay.self_signed
    assert relay.address_domain == address_domain
    assert relay.ipv4_relay == domain[0].isdigit()


def test_an_external_certificate_is_not_self_signed(tmp_path):
    text = "[params]\nmail_domain = 203.0.113.7\ntls_external_cert_and_key = /c.pem /k.pem\n"
    relay, _ = load_text(tmp_path, text)
    assert relay is not None and not relay.self_signed


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1G", 1024**3), ("100m", 100 * 1024**2), ("2048", 2048 * 1024**2), ("500MB", 500 * 1024**2)],
)
def test_mailbox_sizes_are_bytes_with_the_original_text(tmp_path, text, expected):
    relay, _ = load_text(tmp_path, f"[params]\nmail_domain = a.example\nmax_mailbox_size = {text}\n")
    assert relay is not None
    assert relay.max_mailbox_size == expected
    assert relay.max_mailbox_size_text == text


def test_unicode_domain_is_stored_in_its_ascii_form(tmp_path):
    relay, _ = load_text(tmp_path, "[params]\nmail_domain = bücher.example\n")
    assert relay is not None and relay.mail_domain == "xn--bcher-kva.example"


def test_has_privacy_contacts_needs_mail_and_postal(tmp_path):
    relay, _ = load_text(tmp_path, "[params]\nmail_domain = a.example\nprivacy_mail = p@a.example\n")
    assert relay is not None and not relay.has_privacy_contacts


def test_unknown_keys_are_ignored_silently_unless_they_look_like_a_typo(tmp_path):
    text = "[params]\nmail_domain = a.example\nfuture_key = x\nprivacy_mial = p@a.example\n"
    relay, diagnostics = load_text(tmp_path, text)
    assert relay is not None and relay.privacy_mail == ""
    assert [(d.severity, d.line, d.hint) for d in diagnostics] == [
        (Severity.WARNING, 4, "did you mean `privacy_mail`?")
    ]


# Each case: the file, the line the error must name, and a fragment of its message.
ERROR_CASES = {
    "no params section": ("[other]\nmail_domain = a.example\n", 0, "no `[params]` section"),
    "misspelt section": ("# relay\n\n[param]\nmail_domain = a.example\n", 3, "no `[params]` section"),
    "missing domain": ("# relay\n[params]\nmax_message_size = 10\n", 2, "`mail_domain` is missing"),
    "misspelt domain key": ("[params]\n\nmail_domian = a.example\n", 3, "`mail_domain` is missing"),
    "invalid domain": ("[params]\n# the domain\nmail_domain = not a domain\n", 3, "`mail_domain` is invalid"),
    "ip address with a port": ("[params]\nmail_domain = 192.0.2.1:25\n", 2, "`mail_domain` is invalid"),
    "underscore name with a space": ("[params]\nmail_domain = _a b\n", 2, "after the leading `_`"),
    "size is words": (
        "[params]\nmail_domain = a.example\n\nmax_mailbox_size = lots\n",
        4,
        "must be a size like `500M` or `2G`, not `lots`",
    ),
    "size in kilobytes": (
        "[params]\nmail_domain = a.example\nmax_mailbox_size = 500K\n",
        3,
        "not `500K`",
    ),
    "burst is words": (
        "[params]\nmail_domain = a.example\nmax_user_send_burst_size = many\n",
        3,
        "must be a whole number, not `many`",
    ),
    "large deletion is words": (
        "[params]\nmail_domain = a.example\ndelete_large_after = a week\n",
        3,
        "must be a whole number, not `a week`",
    ),
    "load is words": ("[params]\nmail_domain = a.example\nmax_load_1m = high\n", 3, "must be a number"),
    "disk in terabytes": (
        "[params]\nmail_domain = a.example\nmin_free_disk_space = 1T\n",
        3,
        "must be a size",
    ),
    "one certificate path": (
        "[params]\nmail_domain = a.example\ntls_external_cert_and_key = /c.pem\n",
        3,
        "two files",
    ),
    "negative number": (
        "[params]\nmail_domain = a.example\ndelete_mails_after = -3\n",
        3,
        "must be at least 1, not -3",
    ),
    "zero": ("[params]\nmail_domain = a.example\nmax_user_send_per_minute = 0\n", 3, "at least 1"),
    "not a number": (
        "[params]\nmail_domain = a.example\nmax_message_size = 30MB\n",
        3,
        "must be a whole number, not `30MB`",
    ),
    "empty number": ("[params]\nmail_domain = a.example\npassword_min_length =\n", 3, "has no value"),
    "number on two lines": (
        "[params]\nmail_domain = a.example\nusername_max_length = 9\n  10\n",
        3,
        "must fit on one line",
    ),
    "min above max": (
        "[params]\nmail_domain = a.example\nusername_min_length = 12\nusername_max_length = 10\n",
        3,
        "username_min_length (12) is larger than username_max_length (10)",
    ),
    "min above default max": (
        "[params]\nmail_domain = a.example\n\nusername_max_length = 5\n",
        4,
        "username_min_length (9) is larger than username_max_length (5)",
    ),
    "duplicate key": (
        "[params]\nmail_domain = a.example\nmax_message_size = 1\nmax_message_size = 2\n",
        4,
        "`max_message_size` is set twice",
    ),
    "duplicate section": ("[params]\nmail_domain = a.example\n[params]\n", 3, "appears twice"),
    "no section header": ("mail_domain = a.example\n", 1, "before any section header"),
    "line without value": (
        "[params]\nmail_domain = a.example\njust some words\n",
        3,
        "cannot read this line",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_mistakes_name_their_line(tmp_path, case):
    text, line, fragment = ERROR_CASES[case]
    relay, diagnostics = load_text(tmp_path, text)
    assert relay is None
    error_line, message, _ = only_error(diagnostics)
    assert fragment in message
    assert error_line == line
    assert diagnostics.errors[0].path == str(tmp_path / "chatmail.ini")


def test_inline_comment_gets_a_hint(tmp_path):
    _, diagnostics = load_text(tmp_path, "[params]\nmail_domain = a.example\nmax_message_size = 10 # ten\n")
    _, _, hint = only_error(diagnostics)
    assert "own line" in hint


def test_line_numbers_skip_continuation_lines_and_comments(tmp_path):
    text = (
        "[params]\n"
        "mail_domain = a.example\n"
        "privacy_postal =\n"
        "    max_mailbox_size = not this line\n"
        "\n"
        "    # a comment inside the value\n"
        "    Street 1\n"
        "# max_mailbox_size = nor this one\n"
        "; max_mailbox_size = nor this\n"
        "max_mailbox_size = lots\n"
    )
    relay, diagnostics = load_text(tmp_path, text)
    assert relay is None
    assert only_error(diagnostics)[0] == 10


def test_every_bad_value_is_reported_at_once(tmp_path):
    text = "[params]\nmail_domain = a.example\nmax_mailbox_size = lots\ndelete_mails_after = -1\n"
    _, diagnostics = load_text(tmp_path, text)
    assert [d.line for d in diagnostics.errors] == [3, 4]


def test_non_utf8_file_names_the_line(tmp_path):
    relay, diagnostics = load_text(
        tmp_path, b"[params]\nmail_domain = a.example\nprivacy_postal = Stra\xdfe\n"
    )
    assert relay is None
    line, message, _ = only_error(diagnostics)
    assert (line, message) == (3, "the file is not valid UTF-8 text")


def test_binary_file_is_a_diagnostic(tmp_path):
    relay, diagnostics = load_text(tmp_path, bytes(range(256)))
    assert relay is None
    assert diagnostics.errors


def test_missing_file_is_a_diagnostic(tmp_path):
    diagnostics = Diagnostics()
    assert load_relay_ini(tmp_path / "absent.ini", diagnostics) is None
    line, message, _ = only_error(diagnostics)
    assert line == 0 and "cannot read" in message


def test_default_section_does_not_leak_into_params(tmp_path):
    relay, _ = load_text(tmp_path, "[DEFAULT]\nmax_message_size = 5\n[params]\nmail_domain = a.example\n")
    assert relay is not None and relay.max_message_size == 31457280


INI_PIECES = st.sampled_from(
    [
        "[params]",
        "[other]",
        "mail_domain = a.example",
        "max_mailbox_size = 1G",
        "privacy_postal =",
        "    Street 1",
        "# comment",
        "",
        "=",
        "key",
        "  indented = 1",
        "username_min_length = 99",
        "[",
        "\udcff",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(INI_PIECES | st.text(max_size=20), max_size=12))
def test_any_text_gives_a_result_or_diagnostics_never_an_exception(tmp_path, lines):
    data = "\n".join(lines).encode("utf-8", errors="surrogateescape")
    relay, diagnostics = load_text(tmp_path, data)
    assert (relay is None) == bool(diagnostics.errors)
    assert all(d.line >= 0 and d.hint for d in diagnostics.errors)

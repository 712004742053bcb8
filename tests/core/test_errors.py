"""Diagnostics: the one control-character policy, and author text made safe for each medium."""

from __future__ import annotations

import io

import pytest

from chatmail_site.commands import cli
from chatmail_site.commands import i18n as i18n_commands
from chatmail_site.core import errors
from chatmail_site.core.errors import (
    Diagnostic,
    Diagnostics,
    ExitCode,
    Severity,
    find_control_character,
    print_diagnostics,
    without_control_characters,
    workflow_command,
)

HOSTILE = "key\r\n::error file=README.md::x\x1b[31m\x07\x00\ud800\u2028end"


@pytest.mark.parametrize(
    "character", ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\ud800", "\u2028"]
)
def test_the_policy_refuses_control_characters(character: str) -> None:
    assert find_control_character(f"a{character}b") == 1
    assert without_control_characters(f"a{character}b") == "a\ufffdb"


@pytest.mark.parametrize("text", ["plain", "tab\tand\nline feed", "Grüße, 你好, مرحبا", "%(month)s 100%"])
def test_the_policy_keeps_ordinary_text(text: str) -> None:
    assert find_control_character(text) is None
    assert without_control_characters(text) == text


def test_a_formatted_diagnostic_is_one_line_plus_its_hint_and_shows_every_control_character() -> None:
    text = Diagnostic(f"content/{HOSTILE}.md", 3, Severity.ERROR, HOSTILE, HOSTILE).format()
    first, hint = text.split("\n")
    assert first.startswith(
        "content/key\\x0d\\x0a::error file=README.md::x\\x1b[31m\\x07\\x00\\ud800\\u2028end.md:3:"
    )
    assert hint.startswith("    hint: key\\x0d\\x0a")
    assert not any(character in text for character in "\r\x1b\x07\x00\ud800\u2028")
    text.encode("utf-8")  # a lone surrogate could not be printed or written


def test_a_workflow_annotation_cannot_be_ended_or_doubled_by_author_text() -> None:
    line = workflow_command("error", "a,b:c%\n::x", 2, "100% done\r\n::error::x")
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::error file=a%2Cb%3Ac%25\\x0a%3A%3Ax,line=2,title=chatmail-site::")
    assert line.endswith("::100%25 done\\x0d\\x0a::error::x")


def test_every_command_prints_diagnostics_through_one_function_with_one_set_of_exit_codes() -> None:
    assert cli.print_diagnostics is errors.print_diagnostics
    assert i18n_commands.print_diagnostics is errors.print_diagnostics
    assert not hasattr(i18n_commands, "_print_diagnostics") and not hasattr(i18n_commands, "EXIT_OK")
    assert tuple(ExitCode) == (cli.EXIT_OK, cli.EXIT_CONTENT_ERROR, cli.EXIT_USAGE)


def test_printed_diagnostics_are_sorted_without_repeats() -> None:
    found = Diagnostics()
    found.warning("b.md", 1, "second")
    found.error("a.md", 9, "first")
    found.warning("b.md", 1, "second")
    stream = io.StringIO()
    print_diagnostics(found, stream)
    assert stream.getvalue() == "a.md:9: error: first\nb.md:1: warning: second\n"

"""Translators' catalogs: broken lines at their real line, and translations that would lose
a value falling back to English with a warning, as the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.catalog_checks import po_syntax_problems
from chatmail_site.load.i18n import read_catalog
from tests.support import REPO_ROOT
from tests.support.sites import page

HEADER = 'msgid ""\nmsgstr ""\n"Language: de\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
CATALOG = "locales/de/LC_MESSAGES/messages.po"
SITE = {"site.yaml": "title: T\nlanguages: [en, de]\n", "content/de/index.md": page("Start", "de")}
RELAY = "- domain: a.example.org\n  since: 2024-01\n  retention_days: 7\n"


@pytest.mark.parametrize(
    ("entries", "line", "message"),
    [
        ('msgid "Donate"\nmsgstr "Spenden\n', 7, "is not closed with a double quote"),
        ('msgid Donate\nmsgstr "Spenden"\n', 6, "the text after msgid must be in double quotes"),
        (
            'msgid "Donate"\nmsgstr "Spenden"\n\nmsgid "Donate"\nmsgstr "Spende"\n',
            9,
            "translated already on line 6",
        ),
        ('msgid "Donate"\nmsgstr "Spenden"\nSpenden\n', 8, "`Spenden` is not a keyword"),
        ('msgid "Donate"\n', 6, "this msgid has no msgstr"),
        ('msgid "a"\nmsgid_plural "b"\nmsgstr "c"\n', 6, "a plural entry needs msgstr[0]"),
        ('msgid "Donate"\nmsgstr "Spen\\qden"\n', 7, "holds an unknown \\ escape"),
    ],
    ids=[
        "unterminated",
        "unquoted",
        "duplicate",
        "stray-line",
        "no-msgstr",
        "plural-without-forms",
        "bad-escape",
    ],
)
def test_broken_lines_are_errors_at_their_own_line(
    tmp_path: Path, entries: str, line: int, message: str
) -> None:
    path = tmp_path / "messages.po"
    path.write_text(HEADER + entries, encoding="utf-8")
    diagnostics = Diagnostics()
    assert read_catalog(path, "de", diagnostics) is None
    assert [(d.line, message in d.message) for d in diagnostics.errors] == [(line, True)], diagnostics.items


def test_a_problem_only_babel_finds_is_reported_at_its_own_line_too(tmp_path: Path) -> None:
    path = tmp_path / "messages.po"
    path.write_text(
        HEADER + 'msgid "Donate"\nmsgstr "Spenden"\n#-#-#-#-#  de.po  #-#-#-#-#\n', encoding="utf-8"
    )
    diagnostics = Diagnostics()
    assert read_catalog(path, "de", diagnostics) is None
    (error,) = diagnostics.errors
    assert error.line == 8 and "conflicts" in error.message


def test_a_correct_catalog_has_no_syntax_problems() -> None:
    for path in sorted((REPO_ROOT / "locales").rglob("*.po")):
        assert po_syntax_problems(path.read_text(encoding="utf-8")) == [], path


def german_relay_page(result) -> str:
    (name,) = [name for name in result.files if name.startswith("de/servers/a.example.org")]
    return result.files[name].decode()


def build_with_catalog(make_site, entries: str, **files: str):
    return build_site(make_site({**SITE, **files, CATALOG: HEADER + entries}))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('msgid "Stable since %(month)s"\nmsgstr "Stabil seit"\n', "it leaves out %(month)s"),
        ('msgid "Stable since %(month)s"\nmsgstr "Stabil seit %(monat)s"\n', "it leaves out %(month)s"),
        (
            'msgid "Stable since %(month)s"\nmsgstr "Stabil 100% seit %(month)s"\n',
            "starts no %(name)s placeholder",
        ),
        ('msgid "Stable since %(month)s"\nmsgstr "Stabil seit %(month)d"\n', "it writes %(month)d"),
        (
            'msgid "Stable since %(month)s"\nmsgstr "Stabil\\n seit \x1b %(month)s"\n',
            "control character U+001B",
        ),
    ],
    ids=["dropped", "renamed", "stray-percent", "other-type", "control-character"],
)
def test_a_translation_that_would_lose_a_value_is_replaced_by_english(
    make_site, entry: str, problem: str
) -> None:
    result = build_with_catalog(make_site, "#, python-format\n" + entry, **{"content/servers.yaml": RELAY})
    (warning,) = result.diagnostics.warnings
    assert (warning.path.endswith(CATALOG), warning.line) == (True, 7)
    assert problem in warning.message and "is not used" in warning.message
    relay_page = german_relay_page(result)
    assert "Stable since" in relay_page and "Stabil" not in relay_page


@pytest.mark.parametrize(
    ("forms", "problem"),
    [
        (("Löscht nach %(num)d Tag", "Löscht nach einigen Tagen"), "msgstr[1]: it leaves out %(num)d"),
        (("Löscht nach einem Tag", "Löscht nach %(num)d Tagen"), "msgstr[0]: it leaves out %(num)d"),
        (("Löscht nach %(num)d Tag", "Löscht nach %(tage)d Tagen"), "msgstr[1]: it leaves out %(num)d"),
    ],
)
def test_plural_translations_are_checked_form_by_form(
    make_site, forms: tuple[str, str], problem: str
) -> None:
    entry = (
        "#, python-format\n"
        'msgid "Deletes messages after at most %(num)d day"\n'
        'msgid_plural "Deletes messages after at most %(num)d days"\n'
        f'msgstr[0] "{forms[0]}"\nmsgstr[1] "{forms[1]}"\n'
    )
    result = build_with_catalog(make_site, entry, **{"content/servers.yaml": RELAY})
    (warning,) = result.diagnostics.warnings
    assert problem in warning.message
    relay_page = german_relay_page(result)
    assert "Deletes messages after at most 7 days" in relay_page and "Löscht" not in relay_page


def test_a_first_form_may_leave_out_what_the_english_singular_leaves_out(make_site) -> None:
    entry = (
        "#, python-format\n"
        'msgid "one message"\nmsgid_plural "%(num)d messages"\n'
        'msgstr[0] "eine Nachricht"\nmsgstr[1] "%(num)d Nachrichten"\n'
    )
    assert build_with_catalog(make_site, entry).diagnostics.warnings == []


def test_i18n_check_reports_the_same_problems_as_errors(make_site, capsys) -> None:
    site = make_site({**SITE, CATALOG: HEADER + 'msgid "Stable since %(month)s"\nmsgstr "Stabil seit"\n'})
    (site / "locales/messages.pot").write_text(
        HEADER.replace("Language: de", "Language: en"), encoding="utf-8"
    )
    assert main(["i18n", "check", "--site", str(site)]) == 1
    assert (
        f"{CATALOG}:6: error: the translation of 'Stable since %(month)s': it leaves out"
        in capsys.readouterr().err
    )


def test_blank_lines_inside_an_entry_are_not_a_problem() -> None:
    text = HEADER + 'msgid "Donate"\n\nmsgstr ""\n\n"Spenden"\n\n#, fuzzy\nmsgid "a"\nmsgstr "b"\n'
    assert po_syntax_problems(text) == []

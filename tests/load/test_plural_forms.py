"""Plural-Forms headers: the bounded parser, the rules `i18n check` accepts, and the lines
every problem is reported on, in `i18n check`, `i18n update` and the build alike."""

from __future__ import annotations

import gettext
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from babel.localedata import locale_identifiers
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.i18n import make_language
from chatmail_site.load.plural_forms import (
    CONVENTIONAL_PLURAL_FORMS,
    MAX_DEPTH,
    PluralFormsError,
    accepted_plural_forms,
    parse_formula,
    parse_plural_forms,
    same_rule,
)
from tests.support import REPO_ROOT

FRENCH_TOOLS = "nplurals=2; plural=(n > 1);"
BINARY_OPERATORS = ["||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*"]
HEADER_LINE = re.compile(r'^"Plural-Forms: .*\\n"$', re.MULTILINE)


def po_path(site: Path, lang: str) -> Path:
    return site / "locales" / lang / "LC_MESSAGES" / "messages.po"


def set_plural_forms(path: Path, value: str) -> int:
    """Replace the Plural-Forms line of a catalog as a text editor would; returns its line."""
    text = path.read_text(encoding="utf-8")
    match = HEADER_LINE.search(text)
    assert match is not None
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(text[: match.start()] + f'"Plural-Forms: {escaped}\\n"' + text[match.end() :], "utf-8")
    return text.count("\n", 0, match.start()) + 1


def check_errors(site: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["i18n", "check", "--site", str(site)]) == 1
    return [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]


# ---- the parser and evaluator ----------------------------------------------------------


@pytest.mark.parametrize("value", sorted(set(CONVENTIONAL_PLURAL_FORMS.values())))
def test_every_formula_the_tools_write_parses(value: str) -> None:
    forms = parse_plural_forms(value)
    assert set(forms.indexes()) == set(range(forms.nplurals))  # every form is reachable


def test_every_cldr_rule_babel_knows_parses() -> None:
    rules = {Catalog(locale=name).plural_forms for name in locale_identifiers()}
    for rule in rules:
        parse_plural_forms(rule)  # raises on any rule the check could not compare with


@pytest.mark.parametrize(
    ("formula", "counts"),
    [
        ("(n > 1)", {0: 0, 1: 0, 2: 1, 1000000: 1}),
        (
            "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2",
            {1: 0, 11: 2, 21: 0, 22: 1, 12: 2, 25: 2, 104: 1},
        ),
        ("!(n == 1)", {0: 1, 1: 0, 5: 1}),
        ("n && 5", {0: 0, 3: 1}),  # C: && gives 0 or 1, not its operand
        ("n/10 + n%10*2 - 1", {25: 2 + 10 - 1}),
        ("n == 1 ? 0 : n == 2 ? 1 : 2", {1: 0, 2: 1, 3: 2}),
    ],
)
def test_the_evaluator_follows_c(formula: str, counts: dict[int, int]) -> None:
    index = parse_formula(formula)
    assert {n: index(n) for n in counts} == counts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nplurals=99999999; plural=n;", "small whole number"),
        ("nplurals=7; plural=n%7;", "1 to 6 plural forms"),
        ("nplurals=0; plural=0;", "1 to 6 plural forms"),
        ("nplurals=٢; plural=n>1;", "small whole number"),
        ("nplurals=2; plural=n/0;", "divides by zero"),
        ("nplurals=2; plural=n%(n-1);", "only a number may follow"),
        ("nplurals=2; plural=" + "(" * 300 + "n" + ")" * 300 + ";", "nested more than"),
        ("nplurals=2; plural=" + "(" * 30 + "n>1" + ")" * 30 + ";", "nested more than"),
        ("nplurals=2; plural=" + "!" * 40 + "n;", "nested more than"),
        ("nplurals=2; plural=__import__('os').system('id');", "only n, numbers and C operators"),
        ("nplurals=2; plural=n > 1 ? 1;", "`?` without its `:`"),
        ("nplurals=2; plural=(n > 1;", "`(` without its `)`"),
        ("nplurals=2; plural=n >;", "ends too early"),
        ("nplurals=2; plural=n > 1);", "unexpected `)`"),
        ("nplurals=2; plural=" + "9" * 5000 + ";", "characters long"),
        ("nplurals=2; plural=n > 1234567890;", "too large"),
        ("nplurals=2; plural=n + 1;", "chooses form 2"),
        ("nplurals=2;", "`plural=` is missing"),
        ("plural=n>1;", "`nplurals=` is missing"),
        ("nplurals=2; plural=n>1; extra=1;", "unknown field"),
        ("nplurals=2; plural=n == !n;", "`!` right after `==`"),
        ("nplurals=2; plural=0 < n < 2;", "comparisons in a row"),
        ("nplurals=2; nplurals=2; plural=n>1;", "given twice"),
        ("nplurals=2; plural=;", "empty"),
    ],
)
def test_unusable_values_are_refused_with_a_reason(value: str, message: str) -> None:
    with pytest.raises(PluralFormsError, match=re.escape(message)):
        parse_plural_forms(value)


def _formulas(depth: int = 0) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.just("n"), st.integers(0, 1000).map(str))
    if depth >= 6:
        return leaf
    inner = st.deferred(lambda: _formulas(depth + 1))
    return st.one_of(
        leaf,
        st.tuples(
            inner, st.sampled_from(["||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*"]), inner
        ).map(" ".join),
        st.tuples(inner, st.sampled_from(["%", "/"]), st.integers(1, 1000)).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"!{e}"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
    )


@settings(max_examples=400, deadline=None)
@given(_formulas())
def test_every_formula_the_parser_accepts_is_one_gettext_accepts(formula: str) -> None:
    # Python's gettext compiles the formula once more when the build loads a catalog; nothing
    # the bounded parser lets through may make it raise.
    try:
        parse_formula(formula)
    except PluralFormsError:
        return
    gettext.c2py(formula)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("n0123456789٣² \t\xa0\n()!?:<>=&|%/*+-_a"), max_size=40))
def test_any_text_is_refused_or_readable_by_gettext(formula: str) -> None:
    try:
        index = parse_formula(formula)
    except PluralFormsError:
        return
    gettext.c2py(formula)
    index(1000)  # evaluates without raising


def test_rules_are_compared_by_the_forms_they_choose() -> None:
    spelled_otherwise = parse_plural_forms("nplurals=2; plural=n>1")
    assert same_rule(parse_plural_forms(FRENCH_TOOLS), spelled_otherwise)
    assert not same_rule(parse_plural_forms(FRENCH_TOOLS), parse_plural_forms("nplurals=2; plural=n!=1;"))
    # CLDR's French rule has a third form for millions, which only a large count shows.
    cldr = parse_plural_forms(
        "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"
    )
    assert not same_rule(cldr, parse_plural_forms("nplurals=3; plural=n > 1 ? 2 : 0;"))


def test_french_accepts_the_tools_rule_and_cldrs() -> None:
    accepted = accepted_plural_forms("fr")
    assert accepted[0] == FRENCH_TOOLS
    assert Catalog(locale="fr").plural_forms in accepted


# ---- i18n check, update, init and the build --------------------------------------------


def test_the_bundled_french_catalog_passes_with_the_tools_rule() -> None:
    text = po_path(REPO_ROOT, "fr").read_text(encoding="utf-8")
    assert f'"Plural-Forms: {FRENCH_TOOLS}\\n"' in text
    assert main(["i18n", "check", "--site", str(REPO_ROOT)]) == 0


def test_cldrs_rule_passes_too_when_the_entries_have_its_forms(bundled_site: Path) -> None:
    path = po_path(bundled_site, "de")
    cldr = Catalog(locale="de").plural_forms
    set_plural_forms(path, cldr)
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nplurals=99999999; plural=n;", "nplurals must be a small whole number"),
        ("nplurals=2; plural=n/0;", "divides by zero"),
        ("nplurals=2; plural=" + "(" * 300 + "n" + ")" * 300 + ";", "nested more than"),
        ('nplurals=2; plural=__import__("os").system("id");', "only n, numbers and C operators"),
        ("nplurals=2; plural=(n != 1);", "is not a rule of fr"),
        ("nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;", "is not a rule of fr"),
    ],
)
def test_a_wrong_header_is_an_error_on_its_own_line(
    bundled_site: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    line = set_plural_forms(po_path(bundled_site, "fr"), value)
    errors = check_errors(bundled_site, capsys)
    assert any(
        e.startswith(f"locales/fr/LC_MESSAGES/messages.po:{line}: error: ") and message in e for e in errors
    )
    assert not any(":0: error: " in e for e in errors if "fr/LC_MESSAGES" in e)


def test_the_hint_names_the_rules_the_language_may_use(
    bundled_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_plural_forms(po_path(bundled_site, "fr"), "nplurals=2; plural=(n != 1);")
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 1
    output = capsys.readouterr().err
    assert f"hint: use `{FRENCH_TOOLS}` or `{Catalog(locale='fr').plural_forms}`" in output


@pytest.mark.parametrize("rule", [Catalog(locale="fr").plural_forms, "nplurals=1; plural=0;"])
def test_a_count_that_disagrees_with_the_entries_is_an_error_on_the_header(
    bundled_site: Path, capsys: pytest.CaptureFixture[str], rule: str
) -> None:
    # CLDR's French rule is accepted, but the catalog's entries have the tools' two forms.
    nplurals = parse_plural_forms(rule).nplurals
    line = set_plural_forms(po_path(bundled_site, "fr"), rule)
    errors = check_errors(bundled_site, capsys)
    where = f"locales/fr/LC_MESSAGES/messages.po:{line}: error: "
    assert any(
        re.match(rf"{where}nplurals={nplurals}, but \d+ plural entries give other forms", e) for e in errors
    )
    assert not any("cannot be read" in e for e in errors)


def test_a_catalog_without_plural_forms_is_an_error(
    bundled_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = po_path(bundled_site, "nl")
    path.write_text(HEADER_LINE.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")
    errors = check_errors(bundled_site, capsys)
    assert any("nl/LC_MESSAGES/messages.po:" in e and "no Plural-Forms header" in e for e in errors)


@pytest.mark.parametrize(
    "value",
    ["nplurals=99999999; plural=n;", "nplurals=2; plural=n/0;", "nplurals=2; plural=__import__('os');"],
)
def test_the_build_reports_an_unusable_header_on_its_line(bundled_site: Path, value: str) -> None:
    line = set_plural_forms(po_path(bundled_site, "fr"), value)
    result = build_site(bundled_site)
    errors = [d for d in result.diagnostics.errors if d.path.endswith("fr/LC_MESSAGES/messages.po")]
    assert [(d.line, d.message.startswith("the Plural-Forms header cannot be used")) for d in errors] == [
        (line, True)
    ]


def test_a_huge_nplurals_costs_no_memory(bundled_site: Path) -> None:
    # Babel would make a list of nplurals strings for every plural entry: gigabytes here.
    set_plural_forms(po_path(bundled_site, "fr"), "nplurals=99999999; plural=n;")
    limit = 1536 * 1024 * 1024

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "chatmail_site", "i18n", "check", "--site", str(bundled_site)],
        capture_output=True,
        text=True,
        preexec_fn=cap_memory,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "nplurals must be a small whole number" in result.stderr


def test_the_build_chooses_forms_as_gettext_tools_read_the_formula(bundled_site: Path) -> None:
    # In C, and so in GNU gettext, `(n > 1) && 5` is 0 or 1; read as Python it would be 5 for
    # n > 1, a form the catalog does not have, and the reader would get the English text.
    set_plural_forms(po_path(bundled_site, "fr"), "nplurals=2; plural=(n > 1) && 5;")
    diagnostics = Diagnostics()
    french = make_language("fr", bundled_site / "locales", diagnostics)
    assert not diagnostics.errors
    singular = "Deletes messages after at most %(num)d day"
    assert french.ngettext(singular, singular + "s", 1) == "Supprime les messages après %(num)d jour au plus"
    assert french.ngettext(singular, singular + "s", 2) == "Supprime les messages après %(num)d jours au plus"
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 0  # the same rule as the tools'


def test_update_never_rewrites_the_translators_header(bundled_site: Path) -> None:
    path = po_path(bundled_site, "fr")
    text = path.read_text(encoding="utf-8")
    # A header as another tool writes it: its own spelling of the rule and its own name.
    text = text.replace(f"Plural-Forms: {FRENCH_TOOLS}", "Plural-Forms: nplurals=2; plural=n>1;")
    text = re.sub(r'"Generated-By: [^"]*"', '"X-Generator: Poedit 3.4\\\\n"', text)
    path.write_text(text, encoding="utf-8")
    header = text[: text.index("\n\n")]
    base = bundled_site / "themes" / "default" / "templates" / "base.html"
    marker = '<p class="generator">'
    base.write_text(
        base.read_text(encoding="utf-8").replace(marker, '<p>{{ _("A new string") }}</p>' + marker)
    )
    assert main(["i18n", "extract", "--site", str(bundled_site)]) == 0
    assert main(["i18n", "update", "--site", str(bundled_site)]) == 0
    updated = path.read_text(encoding="utf-8")
    assert 'msgid "A new string"' in updated
    assert updated.startswith(header + "\n\n")
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 0


def test_init_writes_the_tools_rule_and_the_catalog_passes_the_check(bundled_site: Path) -> None:
    (bundled_site / "site.yaml").write_text(
        (bundled_site / "site.yaml").read_text(encoding="utf-8").replace("[en,", "[en, pt-BR,"),
        encoding="utf-8",
    )
    assert main(["i18n", "init", "pt-BR", "--site", str(bundled_site)]) == 0
    with po_path(bundled_site, "pt_BR").open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.plural_forms == FRENCH_TOOLS  # Brazilian Portuguese counts as French does
    assert all(len(m.string) == 2 for m in catalog if m.id and m.pluralizable)
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 0


def test_depth_bound_is_what_the_parser_enforces() -> None:
    parse_formula("(" * MAX_DEPTH + "n" + ")" * MAX_DEPTH)
    with pytest.raises(PluralFormsError):
        parse_formula("(" * (MAX_DEPTH + 1) + "n" + ")" * (MAX_DEPTH + 1))


def test_a_wrong_language_header_is_reported_on_its_line(
    bundled_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = po_path(bundled_site, "nl")
    text = path.read_text(encoding="utf-8")
    line = text[: text.index('"Language: nl')].count("\n") + 1
    path.write_text(text.replace('"Language: nl', '"Language: de'), encoding="utf-8")
    errors = check_errors(bundled_site, capsys)
    where = f"locales/nl/LC_MESSAGES/messages.po:{line}: error: the header says"
    assert any(e.startswith(where) for e in errors), errors

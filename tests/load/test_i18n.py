"""Theme catalogs: headers, broken entries, the bundled catalogs as fallback, dates."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.i18n import make_language
from chatmail_site.load.plural_forms import accepted_plural_forms
from tests.support import REPO_ROOT
from tests.support.catalogs import po_path, set_translation
from tests.support.sites import parse_html, write_site


@pytest.mark.parametrize("lang", ["de", "fr", "nl"])
def test_bundled_catalogs_have_the_headers_translation_tools_need(lang: str) -> None:
    path = po_path(REPO_ROOT, lang)
    text = path.read_text(encoding="utf-8")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.locale_identifier == lang
    assert catalog.plural_forms in accepted_plural_forms(lang)  # the tools' or CLDR's rule
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in text


def test_a_translation_that_breaks_a_placeholder_is_reported_and_not_used(bundled_site: Path) -> None:
    msgid = "Read the original (%(language)s)"
    set_translation(po_path(bundled_site, "fr"), msgid, "Lire l’original (%(langue)s)")
    assert main(["i18n", "check", "--site", str(bundled_site)]) == 1
    result = build_site(bundled_site)  # no traceback: the English string stands in
    warnings = [d for d in result.diagnostics.warnings if d.path.endswith("fr/LC_MESSAGES/messages.po")]
    assert len(warnings) == 1 and msgid in warnings[0].message
    assert warnings[0].line > 0
    assert "Read the original (anglais)" in result.files["fr/chatmail/index.html"].decode()


def test_a_broken_catalog_is_an_error_at_its_line(bundled_site: Path) -> None:
    path = po_path(bundled_site, "nl")
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "Unclosed\n', encoding="utf-8")
    result = build_site(bundled_site)
    errors = [d for d in result.diagnostics.errors if d.path.endswith("nl/LC_MESSAGES/messages.po")]
    assert errors and errors[0].line > 0


def test_a_site_without_catalogs_gets_the_bundled_ones(make_site) -> None:
    site = make_site(
        {
            "site.yaml": "title: T\nlanguages: [en, de]\n",
            "content/de/index.md": "---\ntitle: Start\nlang: de\n---\nText.\n",
        }
    )
    result = build_site(site)
    assert (
        parse_html(result.files["de/index.html"]).find("a", class_="skip-link").text == "Zum Inhalt springen"
    )


# ---- dates -----------------------------------------------------------------------------

MONTH_LOCALES = ("de", "fr", "ru", "he")
SAMPLE_DAYS = (date(2024, 3, 5), date(2023, 11, 30), date(2025, 7, 1))


def month_years_in_fresh_processes() -> dict[str, list[str]]:
    """Each locale's month names computed in a process of its own, where nothing can leak."""
    results = {}
    for code in MONTH_LOCALES:
        script = (
            "import json, sys; from datetime import date; from pathlib import Path\n"
            "from chatmail_site.core.errors import Diagnostics\n"
            "from chatmail_site.load.i18n import make_language\n"
            f"lang = make_language({code!r}, Path('locales'), Diagnostics())\n"
            f"days = [date.fromisoformat(d) for d in {[d.isoformat() for d in SAMPLE_DAYS]!r}]\n"
            "print(json.dumps([lang.month_year(d) for d in days]))\n"
        )
        output = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        results[code] = json.loads(output.stdout)
    return results


def test_month_names_do_not_leak_between_languages_in_one_process() -> None:
    expected = month_years_in_fresh_processes()
    assert len({tuple(v) for v in expected.values()}) == len(MONTH_LOCALES)
    languages = {code: make_language(code, REPO_ROOT / "locales", Diagnostics()) for code in MONTH_LOCALES}
    # Interleave the languages, and use Babel's stand-alone month pattern in between, which is
    # what carries month names from one locale into another.
    for order in (MONTH_LOCALES, tuple(reversed(MONTH_LOCALES))):
        for code in order:
            for other in MONTH_LOCALES:
                format_date(SAMPLE_DAYS[0], "LLLL", locale=other)
            assert [languages[code].month_year(day) for day in SAMPLE_DAYS] == expected[code], code


def test_site_without_a_catalog_marks_the_theme_language(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"site.yaml": "title: T\nlanguages: [en, he]\n"})
    he = make_language("he", site / "locales", Diagnostics())
    # No Hebrew catalog anywhere: the theme's strings come out in English, left to right.
    assert (he.ui_code, he.ui_direction, he.direction) == ("en", "ltr", "rtl")

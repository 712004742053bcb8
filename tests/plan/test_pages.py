"""Planning the site: each page in each language, translated, compared or a fallback, and each
relay's page in each language."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.content import Page
from chatmail_site.load.servers import Relay
from chatmail_site.load.site import Site, load_site
from chatmail_site.model.plan import SitePlan, State, TranslationCheck
from chatmail_site.plan.pages import plan_site
from tests.support.sites import page

MakeSite = Callable[[dict[str, str | bytes]], Path]
ABOUT = "Chatmail relays keep your mail for at most twenty days and then delete it for good.\n"
FILES: dict[str, str | bytes] = {
    "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, de, sk]\n",
    "content/en/about.md": page("About", "en", ABOUT),
    "content/de/index.md": page("Start", "de", "Willkommen auf unserer Seite.\n"),
    "content/de/about.md": page("About", "de", ABOUT),  # the English text filed as German
    "content/de/impressum.md": page("Impressum", "de", "Nur auf Deutsch.\n"),
}
RELAYS = (Relay("a.example", "a.example"), Relay("b.example", "b.example", listed=False))


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    diagnostics = Diagnostics()
    loaded = load_site(make_site(FILES), diagnostics)
    assert loaded is not None and not diagnostics.errors, diagnostics.sorted()
    return loaded


def planned(plan: SitePlan) -> dict[tuple[str, str], tuple[str, bool, State | None]]:
    """(slug, language) → the language of the text shown, whether a fallback, the check's state."""
    return {
        (p.slug, p.lang): (p.page.lang, p.fallback, p.check.state if p.check else None) for p in plan.pages
    }


def test_every_page_in_every_language_with_fallbacks_and_checks(site: Site) -> None:
    plan = plan_site(site.config, site.content, languages=site.languages)
    assert planned(plan) == {
        ("about", "en"): ("en", False, None),
        ("about", "de"): ("de", False, State.COPY),
        ("about", "sk"): ("en", True, None),
        ("impressum", "de"): ("de", False, None),  # no original: neither compared nor a fallback
        ("index", "en"): ("en", False, None),
        ("index", "de"): ("de", False, State.OUTDATED),  # unstamped
        ("index", "sk"): ("en", True, None),
    }


def test_translated_lists_only_real_translations(site: Site) -> None:
    plan = plan_site(site.config, site.content, languages=site.languages)
    assert plan.translated == {"about": ("en",), "impressum": ("de",), "index": ("en", "de")}


def test_each_translation_is_compared_with_its_original_by_the_given_checker(site: Site) -> None:
    compared: list[tuple[str, str, str]] = []

    def check(translation: Page, original: Page) -> TranslationCheck:
        compared.append((translation.slug, translation.lang, original.lang))
        return TranslationCheck(State.TRANSLATED, True, 0.0)

    plan = plan_site(site.config, site.content, check=check, languages=site.languages)
    assert sorted(compared) == [("about", "de", "en"), ("index", "de", "en")]
    assert plan.translated["about"] == ("en", "de")  # the checker's verdict counts


def test_relay_pages_are_fallbacks_where_the_theme_has_no_catalog(site: Site) -> None:
    plan = plan_site(site.config, site.content, RELAYS, languages=site.languages)
    assert [(r.slug, r.lang, r.fallback) for r in plan.relay_pages] == [
        ("servers/a.example", "en", False),
        ("servers/a.example", "de", False),
        ("servers/a.example", "sk", True),
        ("servers/b.example", "en", False),
        ("servers/b.example", "de", False),
        ("servers/b.example", "sk", True),
    ]
    assert plan.translated["servers/a.example"] == plan.translated["servers/b.example"] == ("en", "de")
    assert plan_site(site.config, site.content, languages=site.languages).relay_pages == ()


def with_page(site: Site, changed: Page) -> Site:
    """The site with one page replaced by a new page object, as the preview reloads a save."""
    pages = {
        key: changed if key == (changed.slug, changed.lang) else value
        for key, value in site.content.pages.items()
    }
    return dataclasses.replace(site, content=dataclasses.replace(site.content, pages=pages))


def test_a_previous_plan_is_taken_over_for_the_very_same_pages(site: Site) -> None:
    before = plan_site(site.config, site.content, languages=site.languages)
    checked: list[str] = []

    def check(translation: Page, original: Page) -> TranslationCheck:
        checked.append(translation.display_path)
        return TranslationCheck(State.TRANSLATED, True, 0.0)

    after = plan_site(site.config, site.content, check=check, languages=site.languages, previous=before)
    assert after.pages == before.pages and all(a is b for a, b in zip(after.pages, before.pages, strict=True))
    assert checked == []


def test_an_edited_original_plans_its_slug_again_and_its_translations_are_compared_anew(site: Site) -> None:
    before = plan_site(site.config, site.content, languages=site.languages)
    original = site.content.get("about", "en")
    assert original is not None
    edited = with_page(
        site, dataclasses.replace(original, body="A different text altogether, in new words.\n")
    )
    after = plan_site(edited.config, edited.content, languages=edited.languages, previous=before)
    assert planned(after)[("about", "de")] == ("de", False, State.OUTDATED)  # no longer a copy
    assert planned(after)[("about", "sk")] == ("en", True, None)
    assert after.pages[-1] is before.pages[-1]  # index/sk: another slug, taken over


def test_an_edited_translation_plans_its_slug_again(site: Site) -> None:
    before = plan_site(site.config, site.content, languages=site.languages)
    german = site.content.get("about", "de")
    assert german is not None
    edited = with_page(
        site, dataclasses.replace(german, body="Chatmail-Relays bewahren Mails höchstens zwanzig Tage auf.\n")
    )
    after = plan_site(edited.config, edited.content, languages=edited.languages, previous=before)
    assert planned(after)[("about", "de")] == ("de", False, State.OUTDATED)
    assert planned(before)[("about", "de")] == ("de", False, State.COPY)

"""Which outputs a change affects, from what each output recorded it read."""

from __future__ import annotations

import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.incremental.dependencies import (
    affected_outputs,
    originals_answered_by_checks,
    shown_check,
    shown_checks,
)
from chatmail_site.model.plan import State, TranslationCheck
from chatmail_site.model.reuse import ANY_INPUT, SERVERS_KEY, template_key
from tests.support.sites import page, write_site

FILES: dict[str, str | bytes] = {
    "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, de]\n",
    "content/de/index.md": page("Start", "de", "Ein ganz anderer Text hier.\n"),
    "content/en/list.md": page("List", "en", "Relays:\n\n{% relays %}\n"),
    "content/servers.yaml": "- domain: chat.example.org\n  since: 2024-01\n",
}
RELAY_PAGES = {"en/servers/chat.example.org/index.html", "de/servers/chat.example.org/index.html"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_site(write_site(tmp_path_factory.mktemp("dependencies"), FILES))
    assert not result.diagnostics.errors
    return result


def test_shown_check_is_state_and_stamp_without_the_similarity() -> None:
    assert shown_check(None) is None
    outdated = shown_check(TranslationCheck(State.OUTDATED, True, 0.1))
    assert outdated == ("outdated", True)
    assert shown_check(TranslationCheck(State.OUTDATED, True, 0.3)) == outdated
    assert shown_check(TranslationCheck(State.OUTDATED, False, 0.1)) != outdated


def test_shown_checks_covers_every_page_output(built: BuildResult) -> None:
    assert built.plan is not None
    assert shown_checks(built.plan) == {
        "en/index.html": None,  # an original
        "de/index.html": ("outdated", False),  # a translation without source_hash
        "en/list/index.html": None,
        "de/list/index.html": None,  # a fallback: no translation to check
    }


def test_a_translation_whose_notice_shows_as_before_is_answered_for_its_original(built: BuildResult) -> None:
    assert built.site is not None and built.plan is not None
    answered = originals_answered_by_checks(shown_checks(built.plan), built.site, built.plan)
    assert answered == {"de/index.html": frozenset({"content/en/index.md"})}


def test_a_translation_whose_notice_changes_or_is_new_is_not_answered(built: BuildResult) -> None:
    assert built.site is not None and built.plan is not None
    before = {**shown_checks(built.plan), "de/index.html": ("translated", True)}
    assert originals_answered_by_checks(before, built.site, built.plan) == {}
    new = {output: shown for output, shown in shown_checks(built.plan).items() if output != "de/index.html"}
    assert originals_answered_by_checks(new, built.site, built.plan) == {}


def test_a_page_edit_affects_the_outputs_that_show_it(built: BuildResult) -> None:
    assert affected_outputs(built.dependencies, ["content/de/index.md"], {}) == {"de/index.html"}
    # An original is read by its translation too (for the outdated notice)…
    assert affected_outputs(built.dependencies, ["content/en/index.md"], {}) == {
        "en/index.html",
        "de/index.html",
    }
    # …and shown by the fallback of a language that lacks the page.
    assert affected_outputs(built.dependencies, ["content/en/list.md"], {}) == {
        "en/list/index.html",
        "de/list/index.html",
    }


def test_an_original_edit_spares_a_translation_whose_notice_is_unchanged(built: BuildResult) -> None:
    answered = {"de/index.html": frozenset({"content/en/index.md"})}
    assert affected_outputs(built.dependencies, ["content/en/index.md"], answered) == {"en/index.html"}
    # The answer covers only the original: the translation's own edit still affects it.
    changed = ["content/en/index.md", "content/de/index.md"]
    assert affected_outputs(built.dependencies, changed, answered) == {"en/index.html", "de/index.html"}


def test_a_servers_edit_affects_relay_lists_and_relay_pages(built: BuildResult) -> None:
    assert affected_outputs(built.dependencies, [SERVERS_KEY], {}) == {
        "en/list/index.html",
        "de/list/index.html",
        *RELAY_PAGES,
    }


def test_a_template_edit_affects_only_the_outputs_that_loaded_it(built: BuildResult) -> None:
    assert affected_outputs(built.dependencies, [template_key("relay.html")], {}) == RELAY_PAGES
    assert affected_outputs(built.dependencies, [template_key("base.html")], {}) == set(built.dependencies)
    assert affected_outputs(built.dependencies, [template_key("unused.html")], {}) == set()


def test_an_output_that_may_read_anything_is_always_affected() -> None:
    dependencies = {"a.html": {"content/en/a.md"}, "b.html": {"content/en/b.md", ANY_INPUT}}
    assert affected_outputs(dependencies, ["content/en/a.md"], {}) == {"a.html", "b.html"}
    assert affected_outputs(dependencies, [], {}) == {"b.html"}

"""The derived-results cache: keys made from content, reuse within and across builds, pruning,
and the JSON form the persistent build cache stores."""

from __future__ import annotations

import json
from pathlib import Path

from chatmail_site.core.errors import Diagnostic, Severity
from chatmail_site.load.content import Page
from chatmail_site.model.cache import DerivedCache, PageFindings, content_key
from chatmail_site.model.plan import State, TranslationCheck


def make_page(title: str, body: str, lang: str = "en") -> Page:
    return Page(lang, "about", Path(f"content/{lang}/about.md"), f"content/{lang}/about.md", title, body, 5)


def counting(value: object, calls: list[object]) -> object:
    calls.append(value)
    return value


def test_content_key_keeps_the_parts_apart() -> None:
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key("ab", "c") == content_key("ab", "c")
    assert content_key("") != content_key()
    assert len(content_key("x")) == 64  # a full sha256, not a shortened one


def test_get_makes_a_result_once_per_kind_and_key() -> None:
    cache = DerivedCache()
    calls: list[object] = []
    assert cache.get("markdown", "k", lambda: counting("first", calls)) == "first"
    assert cache.get("markdown", "k", lambda: counting("second", calls)) == "first"
    assert cache.get("check", "k", lambda: counting("other kind", calls)) == "other kind"
    assert calls == ["first", "other kind"]
    assert len(cache) == 2


def test_prune_forgets_what_the_builds_since_the_last_prune_did_not_ask_for() -> None:
    cache = DerivedCache()
    cache.get("markdown", "kept", lambda: 1)
    cache.get("markdown", "dropped", lambda: 2)
    cache.prune()
    assert len(cache) == 2  # both were used by the build before this prune
    cache.get("markdown", "kept", lambda: 99)
    cache.prune()
    assert len(cache) == 1
    assert cache.get("markdown", "kept", lambda: 99) == 1
    assert cache.get("markdown", "dropped", lambda: 3) == 3  # made again


def test_used_entries_hand_results_to_another_cache_as_used() -> None:
    worker = DerivedCache()
    worker.get("qr-png", "a.org", lambda: b"png")
    worker.get("markdown", "x", lambda: "<p>x</p>")
    entries = worker.used_entries({"qr-png"})
    assert entries == [("qr-png", "a.org", b"png")]
    main = DerivedCache()
    main.adopt(entries)
    main.prune()  # adopted entries count as used by this build
    assert main.get("qr-png", "a.org", lambda: b"redrawn") == b"png"


def test_export_and_import_round_trip_the_kinds_worth_keeping() -> None:
    findings = PageFindings(
        (Diagnostic("content/de/a.md", 7, Severity.WARNING, "a finding", "a hint"),),
        frozenset({("numbers", "21")}),
    )
    cache = DerivedCache()
    cache.get("check", ("t", "stamp", "o"), lambda: TranslationCheck(State.OUTDATED, True, 0.125))
    cache.get("qr-png", "a.org", lambda: b"\x89PNG\x00")
    cache.get("language-name", "de", lambda: "German")
    cache.get("qa-page", "p", lambda: findings)
    cache.get("markdown", "m", lambda: "<p>left out</p>")
    exported = json.loads(json.dumps(cache.export_entries()))  # survives being stored as JSON
    assert exported["check"] == [[["t", "stamp", "o"], ["outdated", True, 0.125]]]
    assert "markdown" not in exported

    restored = DerivedCache()
    restored.import_entries(exported)
    assert len(restored) == 4
    assert restored.get("check", ("t", "stamp", "o"), lambda: None) == TranslationCheck(
        State.OUTDATED, True, 0.125
    )
    assert restored.get("qr-png", "a.org", lambda: b"") == b"\x89PNG\x00"
    assert restored.get("language-name", "de", lambda: "") == "German"
    assert restored.get("qa-page", "p", lambda: None) == findings


def test_export_leaves_out_entries_no_build_asked_for_since_the_last_prune() -> None:
    cache = DerivedCache()
    cache.get("language-name", "de", lambda: "German")
    cache.prune()
    cache.prune()  # a build that asked for nothing
    assert cache.export_entries()["language-name"] == []


def test_import_skips_entries_that_do_not_decode_and_kinds_it_does_not_know() -> None:
    cache = DerivedCache()
    cache.import_entries(
        {
            "check": [["bad-state", ["no such state", True, 0.5]], ["good", ["copy", False, 0.9]]],
            "qr-png": [["a.org", "not base64!"]],
            "markdown": [["m", "<p>x</p>"]],
        }
    )
    assert len(cache) == 1
    assert cache.get("check", "good", lambda: None) == TranslationCheck(State.COPY, False, 0.9)


def test_page_text_key_depends_on_title_and_body_only() -> None:
    cache = DerivedCache()
    english = make_page("About", "Text.")
    assert cache.page_text_key(english) == content_key("About", "Text.")
    assert cache.page_text_key(make_page("About", "Text.", lang="de")) == cache.page_text_key(english)
    assert cache.page_text_key(make_page("About", "Other text.")) != cache.page_text_key(english)
    assert cache.page_text_key(make_page("About us", "Text.")) != cache.page_text_key(english)

"""Translation states: the source hash a translation is stamped with, how close its wording is
to the original's, and the verdict drawn from both."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.load.content import Page
from chatmail_site.model.cache import DerivedCache
from chatmail_site.model.plan import State, TranslationCheck
from chatmail_site.plan.translations import (
    COPY_THRESHOLD,
    SOURCE_HASH_LENGTH,
    cached_checker,
    check_translation,
    similarity,
    source_hash,
)

ORIGINAL_BODY = "Chatmail relays keep your mail for at most twenty days and then delete it for good.\n"
GERMAN_BODY = (
    "Chatmail-Relays bewahren deine Mails höchstens zwanzig Tage auf und löschen sie dann endgültig.\n"
)


def make_page(body: str, lang: str = "en", title: str = "About", stamp: str | None = None) -> Page:
    meta = {} if stamp is None else {"source_hash": stamp}
    path = f"content/{lang}/about.md"
    return Page(lang, "about", Path(path), path, title, body, 5, meta=meta)


ORIGINAL = make_page(ORIGINAL_BODY)


def test_source_hash_is_short_and_ignores_whitespace_an_editor_changes() -> None:
    stamp = source_hash(ORIGINAL)
    assert len(stamp) == SOURCE_HASH_LENGTH and int(stamp, 16) >= 0
    reflowed = ORIGINAL_BODY.replace(" and ", "\n  and ").replace("\n", "  \r\n")
    assert source_hash(make_page(reflowed)) == stamp
    assert source_hash(make_page(ORIGINAL_BODY.replace("twenty", "thirty"))) != stamp
    assert source_hash(make_page(ORIGINAL_BODY, title="About us")) != stamp


def test_source_hash_treats_composed_and_decomposed_letters_alike() -> None:
    composed = make_page("Grüße aus München.")
    decomposed = make_page("Gru\u0308ße aus Mu\u0308nchen.")
    assert composed.body != decomposed.body
    assert source_hash(composed) == source_hash(decomposed)


def test_a_translation_stamped_with_the_current_hash_is_translated() -> None:
    german = make_page(GERMAN_BODY, "de", "Über", stamp=source_hash(ORIGINAL))
    check = check_translation(german, ORIGINAL)
    assert (check.state, check.stamped) == (State.TRANSLATED, True)
    assert check.similarity < COPY_THRESHOLD


def test_an_old_stamp_or_none_at_all_is_outdated() -> None:
    old = check_translation(make_page(GERMAN_BODY, "de", stamp="0123456789ab"), ORIGINAL)
    assert (old.state, old.stamped) == (State.OUTDATED, True)
    unstamped = check_translation(make_page(GERMAN_BODY, "de"), ORIGINAL)
    assert (unstamped.state, unstamped.stamped) == (State.OUTDATED, False)


def test_the_originals_text_is_a_copy_however_it_is_stamped() -> None:
    copy = make_page(ORIGINAL_BODY.replace("twenty", "30"), "de", stamp=source_hash(ORIGINAL))
    check = check_translation(copy, ORIGINAL)
    assert (check.state, check.stamped) == (State.COPY, True)
    assert COPY_THRESHOLD <= check.similarity < 1.0


def test_similarity_is_the_shared_share_of_the_shorter_pages_wording() -> None:
    assert similarity(ORIGINAL, ORIGINAL) == 1.0
    german = make_page(GERMAN_BODY, "de", "Über")
    assert similarity(german, ORIGINAL) == 0.0  # "chatmail relays" is shared, but no three words
    # The first half of the original, on its own, is wholly contained in it.
    half = make_page(ORIGINAL_BODY.split(" and ")[0])
    assert similarity(half, ORIGINAL) == similarity(ORIGINAL, half) == 1.0


def test_similarity_of_pages_without_words() -> None:
    empty = make_page("", title="")
    assert similarity(empty, make_page("", title="")) == 1.0
    assert similarity(empty, ORIGINAL) == 0.0


def test_the_cached_checker_compares_a_pair_once_and_sees_a_new_stamp() -> None:
    cache = DerivedCache()
    check = cached_checker(cache)
    german = make_page(GERMAN_BODY, "de")
    first = check(german, ORIGINAL)
    assert first == check_translation(german, ORIGINAL)
    size = len(cache)
    assert check(make_page(GERMAN_BODY, "de"), ORIGINAL) is first  # same texts: the kept result
    assert len(cache) == size
    stamped = check(make_page(GERMAN_BODY, "de", stamp=source_hash(ORIGINAL)), ORIGINAL)
    assert stamped == TranslationCheck(State.TRANSLATED, True, first.similarity)

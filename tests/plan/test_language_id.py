"""Telling a page's language among the site's own: only long texts, only confident answers."""

from __future__ import annotations

import pytest

from chatmail_site.plan.language_id import MIN_CHARACTERS, base_code, identify, language_name

SITE = ("en", "de", "nl")
GERMAN = (
    "Chatmail-Server sind Mailserver, die für Delta Chat gebaut wurden. Sie speichern keine "
    "Nachrichten länger als nötig, verlangen keine Telefonnummer und lassen jeden in wenigen "
    "Sekunden ein Konto anlegen. Die Nachrichten werden auf deinem Gerät verschlüsselt, bevor "
    "sie es verlassen, und der Server kann sie nicht lesen. Wenn du einen eigenen Server "
    "betreiben möchtest, findest du auf dieser Seite eine Anleitung."
)
ENGLISH = (
    "Chatmail relays are mail servers built for Delta Chat. They keep no messages longer than "
    "needed, ask for no phone number and let anyone create an account in a few seconds. "
    "Messages are encrypted on your device before they leave it, and the relay cannot read "
    "them. If you would like to run a relay of your own, this page explains how to set one up."
)


@pytest.mark.parametrize(("tag", "code"), [("pt-BR", "pt"), ("zh_Hant_TW", "zh"), ("DE", "de"), ("en", "en")])
def test_base_code_is_the_language_without_region_or_script(tag: str, code: str) -> None:
    assert base_code(tag) == code


def test_a_page_in_another_of_the_sites_languages_is_named() -> None:
    assert identify(GERMAN, "nl", SITE) == "de"
    assert identify(ENGLISH, "de", SITE) == "en"


def test_a_page_in_its_own_language_is_not_flagged() -> None:
    assert identify(GERMAN, "de", SITE) is None
    assert identify(ENGLISH, "en-GB", SITE) is None  # a region does not matter


def test_short_texts_are_not_judged() -> None:
    short = GERMAN[: MIN_CHARACTERS - 1]
    assert identify(short, "nl", SITE) is None
    few_words = " ".join(["Nachrichtenverschlüsselung"] * 10)  # long enough, but ten words
    assert len(few_words) >= MIN_CHARACTERS
    assert identify(few_words, "nl", SITE) is None


def test_no_verdict_when_the_model_does_not_know_the_pages_own_language() -> None:
    # German text on a page the model cannot place: comparing it with German alone would
    # name German, which says nothing about whether the page is in its own language.
    assert identify(GERMAN, "tlh", ("tlh", "de")) is None


def test_language_name_is_english_and_falls_back_to_the_code() -> None:
    assert language_name("de") == "German"
    assert language_name("pt-BR") == "Portuguese (Brazil)"
    assert language_name("not a code") == "not a code"

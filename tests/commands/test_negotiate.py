"""Accept-Language negotiation: which language folder a reader at the site root is sent to."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatmail_site.commands.negotiate import LanguageRange, negotiate, parse_accept_language

SITE_LANGUAGES = ["en", "de", "fr", "pt-BR", "zh-Hant"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de", "de"),
        ("de,en;q=0.5", "de"),
        ("en;q=0.5, de", "de"),
        ("fr;q=0.4, de;q=0.8, en;q=0.6", "de"),
        ("de-AT", "de"),
        ("de-AT, en;q=0.9", "de"),
        ("DE-at", "de"),
        ("pt-BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("pt", "pt-BR"),
        ("pt-PT, en;q=0.5", "pt-BR"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh-hant", "zh-Hant"),
        ("de_DE", "de"),
        ("xx", "en"),
        ("xx, fr;q=0.1", "fr"),
        ("", "en"),
        ("*", "en"),
        ("de;q=0.5, *;q=0.9", "en"),
        ("fr;q=0, de", "de"),
        ("fr;q=0, *", "en"),
        ("en;q=0, *", "de"),
        ("de;q=0, de-AT", "en"),
        ("de-AT;q=0, de", "de"),
        ("*;q=0", "en"),
        ("fr; q=0.7, de; Q=0.9", "de"),
        ("de;level=1;q=0.9, fr;q=0.8", "de"),
        ("  fr  ,de", "fr"),
    ],
)
def test_negotiate_picks_the_best_available_language(header: str, expected: str) -> None:
    assert negotiate(header, SITE_LANGUAGES, "en") == expected


@pytest.mark.parametrize(
    "header",
    [
        "de;q=2, fr;q=0.5",
        "de;q=abc, fr;q=0.5",
        "de;q=0.12345, fr;q=0.5",
        "de;q=, fr;q=0.5",
        "d3, fr;q=0.5",
        "toolonglanguage, fr;q=0.5",
        "de-, fr;q=0.5",
        ";;;,,, fr;q=0.5",
        "de fr, fr;q=0.5",
        "\x00de, fr;q=0.5",
    ],
)
def test_malformed_entries_are_skipped_without_error(header: str) -> None:
    assert negotiate(header, SITE_LANGUAGES, "en") == "fr"


def test_default_is_returned_even_when_it_is_not_available() -> None:
    assert negotiate("xx", ["de", "fr"], "en") == "en"


def test_star_falls_back_to_the_first_available_when_default_is_refused() -> None:
    assert negotiate("en;q=0, *", ["en", "fr", "de"], "en") == "fr"


def test_result_keeps_the_spelling_of_the_available_tag() -> None:
    assert negotiate("PT-br", ["pt-BR"], "en") == "pt-BR"


def test_equal_quality_keeps_header_order() -> None:
    assert negotiate("fr, de", SITE_LANGUAGES, "en") == "fr"
    assert negotiate("de, fr", SITE_LANGUAGES, "en") == "de"


def test_parse_orders_by_quality_and_lowercases_tags() -> None:
    assert parse_accept_language("en;q=0.5, DE-at, fr;q=0, *;q=0.1") == [
        LanguageRange("de-at", 1.0),
        LanguageRange("en", 0.5),
        LanguageRange("*", 0.1),
        LanguageRange("fr", 0.0),
    ]


def test_overlong_headers_are_cut() -> None:
    header = ", ".join(["xx"] * 1000 + ["de"])
    assert negotiate(header, SITE_LANGUAGES, "en") == "en"


@given(
    header=st.text(alphabet=st.sampled_from("abcdefxyz-_*;q=0.5, \t"), max_size=60) | st.text(max_size=60),
    available=st.lists(st.sampled_from(SITE_LANGUAGES), unique=True),
)
def test_any_header_yields_an_available_language_or_the_default(header: str, available: list[str]) -> None:
    assert negotiate(header, available, "en") in [*available, "en"]

"""The plan's records: where each page is written, and which ones count as translations."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.core import urls
from chatmail_site.load.content import Page
from chatmail_site.load.servers import Relay
from chatmail_site.model.plan import FrontPagePlan, PagePlan, RelayPagePlan, State, TranslationCheck

PAGE = Page(
    "de", "chatmail", Path("content/de/chatmail.md"), "content/de/chatmail.md", "Chatmail", "Text.", 5
)
RELAY = Relay("münchen.example", "xn--mnchen-3ya.example")


def checked(state: State) -> TranslationCheck:
    return TranslationCheck(state, stamped=True, similarity=0.1)


def test_a_page_plan_is_written_as_the_folder_of_its_language_and_slug() -> None:
    planned = PagePlan("chatmail", "de", PAGE, fallback=False)
    assert (planned.url, planned.output) == ("de/chatmail/", "de/chatmail/index.html")
    home = PagePlan("index", "de", PAGE, fallback=False)
    assert (home.url, home.output) == ("de/", "de/index.html")


def test_a_plan_page_works_out_its_address_once(monkeypatch) -> None:
    planned = PagePlan("chatmail", "de", PAGE, fallback=False)
    calls: list[tuple[str, str]] = []
    real = urls.page_output

    def counted(lang: str, slug: str) -> str:
        calls.append((lang, slug))
        return real(lang, slug)

    monkeypatch.setattr(urls, "page_output", counted)
    assert [planned.output for _ in range(3)] == ["de/chatmail/index.html"] * 3
    assert calls == [("de", "chatmail")]  # every stage asks again, for every page


@pytest.mark.parametrize(
    ("fallback", "check", "untranslated"),
    [
        (False, None, False),  # an original, or a page without one
        (True, None, True),
        (False, checked(State.TRANSLATED), False),
        (False, checked(State.OUTDATED), False),  # outdated is still a translation
        (False, checked(State.COPY), True),  # the original's text under another language
    ],
)
def test_fallbacks_and_copies_are_untranslated(
    fallback: bool, check: TranslationCheck | None, untranslated: bool
) -> None:
    assert PagePlan("chatmail", "de", PAGE, fallback=fallback, check=check).untranslated is untranslated


def test_a_relay_page_lies_under_servers_by_its_ascii_domain() -> None:
    planned = RelayPagePlan(RELAY, "fr")
    assert planned.slug == "servers/xn--mnchen-3ya.example"
    assert planned.output == "fr/servers/xn--mnchen-3ya.example/index.html"


def test_only_listed_relays_in_a_language_the_theme_speaks_are_indexed() -> None:
    unlisted = Relay("hidden.example", "hidden.example", listed=False)
    assert RelayPagePlan(RELAY, "de").indexable
    assert not RelayPagePlan(RELAY, "sk", fallback=True).indexable
    assert not RelayPagePlan(unlisted, "de").indexable


def test_a_front_page_is_rendered_from_the_theme_template_of_its_slug() -> None:
    info = FrontPagePlan("relay/info", "de")
    assert (info.template, info.output) == ("relay-info.html", "de/relay/info/index.html")
    with pytest.raises(KeyError):
        _ = FrontPagePlan("relay/nothing", "de").template


def test_states_are_written_as_the_words_reports_use() -> None:
    assert [state.value for state in State] == [
        "original",
        "translated",
        "outdated",
        "copy",
        "fallback",
        "missing",
    ]
    assert State("copy") is State.COPY

"""The plan the stages hand each other: which page is written in which language, and how each
translation compares with its original.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from chatmail_site.core.urls import LocatedPage
from chatmail_site.load.content import Page
from chatmail_site.load.fronted import FRONT_PAGES
from chatmail_site.load.servers import Relay, relay_slug


class State(StrEnum):
    ORIGINAL = "original"  # the page in the default language (or a page without an original)
    TRANSLATED = "translated"  # stamped with the hash of the current original
    OUTDATED = "outdated"  # stamped with an older original's hash, or not stamped at all
    COPY = "copy"  # the original's text, nearly unchanged
    FALLBACK = "fallback"  # no translation: readers get the original with a notice
    MISSING = "missing"  # neither a translation nor an original to fall back on


@dataclass(frozen=True)
class TranslationCheck:
    """What is known about one translation compared with its original.

    `similarity` is how much of the shorter text's wording the other contains, 0 to 1:
    low for a real translation, at or above the copy threshold for an untranslated copy.
    """

    state: State
    stamped: bool
    similarity: float


@dataclass(frozen=True)
class PagePlan(LocatedPage):
    """One HTML page to write: a slug shown in one language, translated or not."""

    slug: str
    lang: str
    page: Page  # the content shown: the translation, or the original for a fallback
    fallback: bool
    check: TranslationCheck | None = None  # how a translation compares with its original

    @property
    def untranslated(self) -> bool:
        """A fallback, or a "translation" that is really the original's text: not indexed."""
        return self.fallback or (self.check is not None and self.check.state is State.COPY)


@dataclass(frozen=True)
class RelayPagePlan(LocatedPage):
    """The page of one relay in one language. Its texts come from the theme's catalog, so it
    is a real translation only in languages the theme speaks, and a fallback elsewhere."""

    relay: Relay
    lang: str
    fallback: bool = False

    @property
    def slug(self) -> str:  # type: ignore[override]
        return relay_slug(self.relay)

    @property
    def indexable(self) -> bool:
        """False for an unlisted relay and for a fallback: noindex, and in no sitemap."""
        return self.relay.listed and not self.fallback


RenderItem = PagePlan | RelayPagePlan


@dataclass(frozen=True)
class SitePlan:
    pages: tuple[PagePlan, ...]
    # slug → languages with a real translation; for relay pages (servers/<domain>), those the
    # theme speaks
    translated: Mapping[str, tuple[str, ...]]
    relay_pages: tuple[RelayPagePlan, ...] = ()


TranslationChecker = Callable[[Page, Page], TranslationCheck]


@dataclass(frozen=True)
class FrontPagePlan(LocatedPage):
    """One page of the fronted relay in one language; its texts are the theme's, so it is a
    real translation only in languages the theme speaks, and a fallback elsewhere."""

    slug: str
    lang: str
    fallback: bool = False

    @property
    def template(self) -> str:
        return FRONT_PAGES[self.slug]

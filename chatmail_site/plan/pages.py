"""Planning: every page in every language, the translation where there is one, else a fallback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chatmail_site.load.config import SiteConfig
from chatmail_site.load.content import ContentIndex, Page
from chatmail_site.load.i18n import Language, theme_languages
from chatmail_site.load.servers import Relay
from chatmail_site.model.plan import PagePlan, RelayPagePlan, SitePlan, TranslationChecker
from chatmail_site.plan.translations import check_translation


def plan_site(
    config: SiteConfig,
    content: ContentIndex,
    relays: Iterable[Relay] = (),
    check: TranslationChecker = check_translation,
    *,
    languages: Mapping[str, Language],
    previous: SitePlan | None = None,
) -> SitePlan:
    """Every page in every language: the translation where it exists, else a fallback;
    and every relay's page in every language, a fallback where the theme has no catalog.
    `check` compares a translation with its original (a cache's, to compare each pair of
    texts only once). The plans of a slug in `previous` (the live preview's last build)
    are taken over when they show the very same page objects in the same languages."""
    earlier = {(p.slug, p.lang): p for p in previous.pages} if previous is not None else {}
    pages: list[PagePlan] = []
    translated: dict[str, tuple[str, ...]] = {}
    for slug in content.slugs():
        original = content.get(slug, config.default_language)
        shown = [(lang, content.get(slug, lang)) for lang in config.languages]
        planned = _unchanged_plans(slug, shown, original, earlier)
        if planned is None:
            planned = _slug_plans(slug, shown, original, config.default_language, check)
        translated[slug] = tuple(p.lang for p in planned if not p.untranslated)
        pages.extend(planned)
    themed = theme_languages(languages)
    relay_pages = tuple(
        RelayPagePlan(relay, lang, fallback=lang not in themed) for relay in relays for lang in languages
    )
    for relay_page in relay_pages:
        translated[relay_page.slug] = themed
    return SitePlan(tuple(pages), translated, relay_pages)


def _slug_plans(
    slug: str,
    shown: list[tuple[str, Page | None]],
    original: Page | None,
    default_language: str,
    check: TranslationChecker,
) -> list[PagePlan]:
    """The plans of one slug: each language's translation, compared with the original, or a
    fallback to the original where there is none."""
    planned = []
    for lang, page in shown:
        if page is not None:
            compare = original is not None and lang != default_language
            page_check = check(page, original) if compare else None
            planned.append(PagePlan(slug, lang, page, fallback=False, check=page_check))
        elif original is not None:
            planned.append(PagePlan(slug, lang, original, fallback=True))
    return planned


def _unchanged_plans(
    slug: str,
    shown: list[tuple[str, Page | None]],
    original: Page | None,
    earlier: Mapping[tuple[str, str], PagePlan],
) -> list[PagePlan] | None:
    """The earlier plans of a slug when each language shows the same page object as then:
    pages are frozen and a translation's check depends only on it and its original, so
    the plan would come out the same. None when anything differs."""
    if not earlier:
        return None
    planned = []
    for lang, page in shown:
        before = earlier.get((slug, lang))
        now = page if page is not None else original
        if now is None:
            continue
        if before is None or before.page is not now or before.fallback != (page is None):
            return None
        planned.append(before)
    return planned

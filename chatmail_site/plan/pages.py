"""Planning: every page in every language, the translation where there is one, else a fallback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chatmail_site.load.config import SiteConfig
from chatmail_site.load.content import ContentIndex
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
) -> SitePlan:
    """Every page in every language: the translation where it exists, else a fallback;
    and every relay's page in every language, a fallback where the theme has no catalog.
    `check` compares a translation with its original (a cache's, to compare each pair of
    texts only once)."""
    pages: list[PagePlan] = []
    translated: dict[str, tuple[str, ...]] = {}
    for slug in content.slugs():
        original = content.get(slug, config.default_language)
        planned = []
        for lang in config.languages:
            page = content.get(slug, lang)
            if page is not None:
                compare = original is not None and lang != config.default_language
                page_check = check(page, original) if compare else None
                planned.append(PagePlan(slug, lang, page, fallback=False, check=page_check))
            elif original is not None:
                planned.append(PagePlan(slug, lang, original, fallback=True))
        translated[slug] = tuple(p.lang for p in planned if not p.untranslated)
        pages.extend(planned)
    themed = theme_languages(languages)
    relay_pages = tuple(
        RelayPagePlan(relay, lang, fallback=lang not in themed) for relay in relays for lang in languages
    )
    for relay_page in relay_pages:
        translated[relay_page.slug] = themed
    return SitePlan(tuple(pages), translated, relay_pages)

"""Rendering one page or relay page in one language through the theme, with its directives."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from chatmail_site import __version__
from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.urls import INDEX_SLUG, page_url, rebase_authored_link, relative_href, root_prefix
from chatmail_site.load.content import RELAY_LIST_DIRECTIVE, Page
from chatmail_site.load.i18n import Language
from chatmail_site.load.servers import Relay, qr_png_output, relay_slug
from chatmail_site.load.site import Site
from chatmail_site.model.cache import DerivedCache, content_key
from chatmail_site.model.plan import FrontPagePlan, PagePlan, RelayPagePlan, SitePlan, State
from chatmail_site.render.markdown import (
    Directive,
    MarkdownRenderer,
    RenderedMarkdown,
    fill_directives,
    rewrite_links,
)
from chatmail_site.render.relays import FILTER_SCRIPT, RelayImages, relay_facts, relay_list

DESCRIPTION_LENGTH = 160


DirectiveRenderer = Callable[["RenderContext", Directive], str]


@dataclass(frozen=True)
class RenderContext:
    """What a directive renderer may look at: the site, the page plan and its language."""

    site: Site
    plan: PagePlan
    language: Language


class PageRenderer:
    """Renders the plan's pages; each source page's Markdown is converted exactly once."""

    def __init__(
        self,
        site: Site,
        plan: SitePlan,
        diagnostics: Diagnostics,
        directives: Mapping[str, DirectiveRenderer],
        cache: DerivedCache | None = None,
    ) -> None:
        self.site = site
        self.plan = plan
        self._diagnostics = diagnostics
        # Directive name → renderer; each renderer returns trusted HTML for one language.
        self.directives = directives
        self.markdown = MarkdownRenderer(self.directives)
        self._rendered: dict[tuple[str, str], RenderedMarkdown] = {}
        self._native_names: dict[str, str] | None = None
        self.cache = cache if cache is not None else DerivedCache()
        self.relay_images = RelayImages(self.cache)

    @property
    def diagnostics(self) -> Diagnostics:
        """Where the problems of the pages it renders are reported: fixed at creation, so
        every render reports to the list its caller gave."""
        return self._diagnostics

    def markdown_of(self, page: Page) -> RenderedMarkdown:
        key = (page.slug, page.lang)
        if key not in self._rendered:
            rendered = self._converted(page.body)
            for problem in rendered.problems:
                report = self.diagnostics.error if problem.is_error else self.diagnostics.warning
                report(page.display_path, page.body_line + problem.line - 1, problem.message, problem.hint)
            self._rendered[key] = rendered
        return self._rendered[key]

    def _converted(self, body: str) -> RenderedMarkdown:
        """A page body converted to safe HTML, once per text and set of directives.

        Its problems travel with it, so a page taken from the cache is reported again.
        """
        key = content_key(*sorted(self.directives), "", body)
        return self.cache.get("markdown", key, lambda: self.markdown.render(body))

    def native_name(self, code: str) -> str:
        """A language's name in itself. Kept across builds: finding it loads the language's
        whole locale data, and a page's switcher names every language of the site."""
        return self.cache.get("language-name", code, lambda: self.site.languages[code].native_name)

    def native_names(self) -> dict[str, str]:
        """Every language's name in itself, looked up once per renderer rather than once per
        language on every page's switcher."""
        if self._native_names is None:
            self._native_names = {code: self.native_name(code) for code in self.site.config.languages}
        return self._native_names

    def adopt_markdown(self, page: Page, rendered: RenderedMarkdown) -> None:
        """Take a conversion made elsewhere (by a worker process) as this page's own."""
        self._rendered[(page.slug, page.lang)] = rendered

    def render(self, page_plan: PagePlan) -> bytes:
        language = self.site.languages[page_plan.lang]
        rendered = self.markdown_of(page_plan.page)
        context = RenderContext(self.site, page_plan, language)
        # Links are rebased before the directives are filled in: those make their own links.
        languages = self.site.config.languages
        authored = rewrite_links(
            rendered.html, lambda href: rebase_authored_link(href, page_plan.lang, page_plan.slug, languages)
        )
        body = fill_directives(authored, [self.directives[d.name](context, d) for d in rendered.directives])
        html = self.site.theme.render("page.html", self.page_context(page_plan, language, rendered, body))
        return html.encode("utf-8")

    def render_relay(self, relay_plan: RelayPagePlan) -> bytes:
        """A relay's page: its facts, the Join link and its QR invite code."""
        language = self.site.languages[relay_plan.lang]
        relay = relay_plan.relay
        context = {
            **self.common_context(relay_plan.url, language),
            "relay": relay_facts(relay, language),
            "qr_svg": self.relay_images.svg(relay),
            "qr_png_href": root_prefix(relay_plan.url) + qr_png_output(relay),
            "canonical": self.canonical(relay_plan),
            "noindex": not relay_plan.indexable,
            "hreflang": self.hreflang(relay_plan) if relay_plan.indexable else [],
            "switcher": self.switcher(relay_plan),
        }
        return self.site.theme.render("relay.html", context).encode("utf-8")

    def page_context(
        self, page_plan: PagePlan, language: Language, rendered: RenderedMarkdown, body: str
    ) -> dict[str, Any]:
        config = self.site.config
        source_url = page_url(config.default_language, page_plan.slug)
        canonical_target = source_url if page_plan.untranslated else page_plan.url
        source_language = self.site.languages[config.default_language]
        # The text shown decides <html lang>: the original's language on untranslated pages.
        shown_language = source_language if page_plan.untranslated else language
        check = page_plan.check
        return {
            **self.common_context(page_plan.url, language, content_language=shown_language),
            "page": {
                "title": page_plan.page.title,
                "description": page_plan.page.description or summarize(rendered.first_paragraph),
                "html": body,
                "slug": page_plan.slug,
                "fallback": page_plan.untranslated,
                "outdated": check is not None and check.state is State.OUTDATED,
                "stamped": check is not None and check.stamped,
                "source_href": relative_href(page_plan.url, source_url),
                "source_language": source_language,
                "translate_href": self.translate_href(page_plan.url, language.code),
            },
            "canonical": self.absolute_address(canonical_target),
            "noindex": page_plan.untranslated,
            "hreflang": [] if page_plan.untranslated else self.hreflang(page_plan),
            "switcher": self.switcher(page_plan),
        }

    def translate_href(self, from_url: str, lang: str) -> str | None:
        """Where readers learn to help translate: a URL, or a page of the site (None if absent)."""
        config = self.site.config
        if config.translate_is_url:
            return config.translate_url
        if self.site.content.get(config.translate_url, config.default_language) is None:
            return None
        return relative_href(from_url, page_url(lang, config.translate_url))

    def common_context(
        self, url: str, language: Language, root: str | None = None, content_language: Language | None = None
    ) -> dict[str, Any]:
        """What every template gets: site, language, links home, navigation and donate.

        `lang` is the reader's language, in which the theme speaks (its strings fall back to
        English where the language has no catalog). `content_lang` is the language of the text
        actually shown and sets <html lang>: a page's Markdown language, or the theme's own on
        pages made only of theme strings. Where the two differ, `ui_attrs` marks the theme's
        parts (header, notices, footer) with their own lang and dir.
        """
        config = self.site.config
        root = root_prefix(url) if root is None else root
        shown = (
            (content_language.code, content_language.direction)
            if content_language
            else (language.ui_code, language.ui_direction)
        )
        return {
            "site": config,
            "lang": language,
            "content_lang": {"code": shown[0], "direction": shown[1]},
            "ui_attrs": ui_attributes(language, shown[0]),
            "root": root,
            "version": __version__,
            "home_href": root + page_url(language.code, INDEX_SLUG),
            "donate_href": config.donate
            if config.donate_is_url
            else root + page_url(language.code, config.donate),
            "nav": self.navigation(language.code, url, root),
        }

    @functools.cached_property
    def menu_originals(self) -> tuple[Page, ...]:
        """The originals listed in the menu, found once: every page shows the menu."""
        originals = self.site.content.in_language(self.site.config.default_language)
        return tuple(original for original in originals if original.nav is not None)

    def navigation(self, lang: str, current_url: str, root: str) -> list[dict[str, Any]]:
        content = self.site.content
        entries = []
        for original in self.menu_originals:
            shown = content.get(original.slug, lang) or original
            url = page_url(lang, original.slug)
            entries.append(
                {
                    "title": shown.short_title or shown.title,
                    "href": root + url,
                    "current": url == current_url,
                    "order": original.nav,
                    "lang": shown.lang,
                }
            )
        return sorted(entries, key=lambda e: (e["order"], e["href"]))

    def hreflang(self, page_plan: PagePlan | RelayPagePlan) -> list[dict[str, str | None]]:
        """Alternates for real translations only, plus x-default (the same set on each of them).

        None without a base_url: alternates must be absolute addresses.
        """
        if not self.site.config.base_url:
            return []
        langs = self.plan.translated[page_plan.slug]
        links = [
            {
                "hreflang": lang,
                "href": self.absolute_address(page_url(lang, page_plan.slug)),
            }
            for lang in langs
        ]
        default = self.site.config.default_language
        if default in langs:
            links.append(
                {
                    "hreflang": "x-default",
                    "href": self.absolute_address(page_url(default, page_plan.slug)),
                }
            )
        return links

    def switcher(self, page_plan: PagePlan | RelayPagePlan) -> list[dict[str, Any]]:
        # Every page lists every language, so what is the same for all of them is taken once.
        slug, url, current = page_plan.slug, page_plan.url, page_plan.lang
        translated = self.plan.translated[slug]
        names = self.native_names()
        return [
            {
                "code": lang,
                "name": names[lang],
                "href": relative_href(url, page_url(lang, slug)),
                "current": lang == current,
                "fallback": lang not in translated,
            }
            for lang in self.site.config.languages
        ]

    def canonical(self, plan: RelayPagePlan | FrontPagePlan) -> str | None:
        """The canonical link of a page made of theme strings: itself, or for a fallback the
        default language's page, like any untranslated page."""
        target = page_url(self.site.config.default_language, plan.slug) if plan.fallback else plan.url
        return self.absolute_address(target)

    def absolute_address(self, url: str) -> str | None:
        """The page's absolute address under base_url; None while the address is not known.

        Canonical and hreflang links must be absolute for search engines, so without a
        base_url they are left out rather than written relative.
        """
        base = self.site.config.base_url
        return base + url if base else None


def ui_attributes(language: Language, content_code: str) -> Markup:
    """` lang=… dir=…` for the theme's parts when they are in another language than the text."""
    if language.ui_code == content_code:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(language.ui_code, language.ui_direction)


def summarize(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """Shorten a paragraph to a meta description, cutting at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def relay_page_url(lang: str, relay: Relay) -> str:
    """The site-relative URL of a relay's page: `de/servers/nine.testrun.org`."""
    return page_url(lang, relay_slug(relay))


def render_relay_list(context: RenderContext, directive: Directive) -> str:
    """`{% relays %}`: the listed relays, default first, each linking to its page here.

    The list speaks the language of the text around it: on a fallback page, the original's.
    Its order still favours the reader, whose language the page's URL names.
    """
    plan = context.plan
    site = context.site
    shown_in = site.languages[site.config.default_language] if plan.untranslated else context.language

    def href(relay: Relay) -> str:
        return relative_href(plan.url, relay_page_url(plan.lang, relay))

    directory = relay_list(site.relays, shown_in, plan.lang, href)
    script = root_prefix(plan.url) + site.theme.static[FILTER_SCRIPT].output
    return site.theme.render("relay-list.html", {"lang": shown_in, **directory, "filter_script": script})


def page_directives() -> dict[str, DirectiveRenderer]:
    """The directives pages may use, by the name they are written with: `{% relays %}`."""
    return {RELAY_LIST_DIRECTIVE: render_relay_list}


def language_chooser(site: Site, renderer: PageRenderer, slug: str, *, noindex: bool = False) -> bytes:
    """A page at the site root that lists page `slug` in every language.

    The theme's script sends the browser on to its reader's language, so the choice works
    on servers that cannot negotiate; without script the reader picks from the list.
    """
    config = site.config
    default = site.languages[config.default_language]
    context = {
        **renderer.common_context("", default),
        "choices": [
            {
                "code": code,
                "name": renderer.native_name(code),
                "href": page_url(code, slug),
                "dir": site.languages[code].direction,
                "fallback": code not in renderer.plan.translated.get(slug, ()),
            }
            for code in config.languages
        ],
        "canonical": renderer.absolute_address(page_url(config.default_language, slug)),
        "noindex": noindex,
    }
    return site.theme.render("root.html", context).encode("utf-8")

"""Load → plan → render. Returns the files of a site and its diagnostics; writes nothing."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from chatmail_site import __version__
from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.core.safety import SourceTree, check_conflict_markers, check_source_tree, read_source
from chatmail_site.core.urls import (
    INDEX_SLUG,
    LocatedPage,
    not_found_output,
    page_url,
    rebase_authored_link,
    relative_href,
    root_prefix,
)
from chatmail_site.incremental import buildcache
from chatmail_site.incremental.buildcache import BuildRecords, PreviousBuild, build_inputs, snapshot_sources
from chatmail_site.incremental.dependencies import (
    SERVERS_KEY,
    KeptSiteFiles,
    page_inputs,
    recorder_of,
    shown_checks,
    template_key,
)
from chatmail_site.load.assets import load_assets
from chatmail_site.load.config import SiteConfig, load_config
from chatmail_site.load.content import ContentIndex, Page, display_path, load_content
from chatmail_site.load.i18n import Language, build_date, make_language, theme_languages
from chatmail_site.load.servers import Relay
from chatmail_site.load.theme import TemplateProblem, Theme
from chatmail_site.model.cache import CacheEntry, DerivedCache
from chatmail_site.plan import qa
from chatmail_site.plan.aliases import Alias, check_aliases, nginx_redirects, page_aliases, redirect_page
from chatmail_site.plan.translations import State, TranslationCheck, check_translation
from chatmail_site.render import pool as parallel
from chatmail_site.render import relay_front as relay_frontend
from chatmail_site.render import relays as relays_render
from chatmail_site.render.markdown import (
    Directive,
    MarkdownRenderer,
    RenderedMarkdown,
    fill_directives,
    rewrite_links,
)
from chatmail_site.render.sitemap import (
    NO_BASE_URL_NOTICE,
    ROBOTS_FILE,
    SITEMAP_FILE,
    SitemapEntry,
    robots_txt,
    sitemap_xml,
)
from chatmail_site.write.output import Kept, Outputs

DESCRIPTION_LENGTH = 160


# ---- plan ------------------------------------------------------------------------------


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
        return relays_render.relay_slug(self.relay)

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


# ---- site model ------------------------------------------------------------------------

DirectiveRenderer = Callable[["RenderContext", Directive], str]
# Directive name → renderer; each renderer returns trusted HTML for one language.
DIRECTIVES: dict[str, DirectiveRenderer] = {}


@dataclass(frozen=True)
class Site:
    """Everything loaded and validated: the input of planning and rendering."""

    config: SiteConfig
    content: ContentIndex
    languages: Mapping[str, Language]
    theme: Theme
    extra: Mapping[str, Any] = field(default_factory=dict)
    relays: tuple[Relay, ...] = ()  # every relay of servers.yaml, listed or not, default first
    fronted: relay_frontend.FrontedRelay | None = None  # the relay this site is the web face of
    assets: Mapping[str, bytes] = field(default_factory=dict)  # published name → checked bytes


@dataclass(frozen=True)
class RenderContext:
    """What a directive renderer may look at: the site, the page plan and its language."""

    site: Site
    plan: PagePlan
    language: Language


def load_site(
    site_dir: Path,
    diagnostics: Diagnostics,
    *,
    base_url: str | None = None,
    tree: SourceTree | None = None,
) -> Site | None:
    """Load and validate every source of the site, reporting all problems at once; None
    when the site cannot be rendered. `tree` is the source-tree check, when already made."""
    # Links out of the site, pipes and oversized files are found by their type and size
    # before any stage opens a source file; the stages pass over them and report the rest.
    tree = tree if tree is not None else check_source_tree(site_dir, diagnostics)
    check_conflict_markers(site_dir, diagnostics)
    errors_before = len(diagnostics.errors)
    config = load_config(site_dir, diagnostics, keep_going=True)
    if config is None:
        return None
    config_failed = len(diagnostics.errors) > errors_before
    if base_url:
        config = config.with_base_url(base_url)
    content = load_content(config, diagnostics, tree.allows)
    if content.get(INDEX_SLUG, config.default_language) is None:
        diagnostics.error(
            f"content/{config.default_language}",
            0,
            f"the default language `{config.default_language}` has no index page",
            f"create content/{config.default_language}/index.md: it is the home page",
        )
    languages = {
        code: make_language(code, config.locales_dir, diagnostics, tree.allows) for code in config.languages
    }
    relays = ()
    if tree.allows(config.servers_file):
        relays = relays_render.load_relays(config, diagnostics, today=build_date())
    if relays:
        _check_relay_folder_is_free(config, content, diagnostics)
    fronted = relay_frontend.load_fronted_relay(config, relays, diagnostics)
    if fronted:
        relay_frontend.check_front_slugs_are_free(config, content.slugs(), diagnostics)
    assets = load_assets(config.content_dir, tree.files, functools.partial(display_path, config), diagnostics)
    if not tree.ok or config_failed:
        return None  # a refused entry or setting may be a template or a static file: no theme is made
    theme = Theme(config)
    if not theme.check(diagnostics):
        return None
    return Site(config, content, languages, theme, relays=relays, fronted=fronted, assets=assets)


def _check_relay_folder_is_free(config: SiteConfig, content: ContentIndex, diagnostics: Diagnostics) -> None:
    """A page named like the relay pages' folder would collide with it in every language."""
    for lang in config.languages:
        page = content.get(relays_render.RELAY_FOLDER, lang)
        if page is not None:
            diagnostics.error(
                page.display_path,
                0,
                f"the page name `{relays_render.RELAY_FOLDER}` is taken by the relay pages "
                f"({lang}/{relays_render.RELAY_FOLDER}/<domain>)",
                "rename the file, e.g. to relays.md",
            )


# ---- rendering -------------------------------------------------------------------------


@dataclass
class BuildResult:
    files: dict[str, bytes]
    diagnostics: Diagnostics
    pages_per_language: dict[str, int]
    timings: dict[str, float]
    # Plain information for the person building (not warnings: --strict ignores them).
    notices: list[str] = field(default_factory=list)
    records: BuildRecords | None = None  # what to keep for the next build, when it succeeds
    rendered: int = 0  # pages and relay pages rendered
    reused: int = 0  # pages and relay pages taken unchanged from the previous build
    # Server configuration, by name in the folder beside the web root; never published.
    deploy_files: dict[str, bytes] = field(default_factory=dict)


class PageRenderer:
    """Renders the plan's pages; each source page's Markdown is converted exactly once."""

    def __init__(
        self, site: Site, plan: SitePlan, diagnostics: Diagnostics, cache: DerivedCache | None = None
    ) -> None:
        self.site = site
        self.plan = plan
        self.diagnostics = diagnostics
        self.markdown = MarkdownRenderer(DIRECTIVES)
        self._rendered: dict[tuple[str, str], RenderedMarkdown] = {}
        self._native_names: dict[str, str] | None = None
        self.cache = cache if cache is not None else DerivedCache()
        self.relay_images = relays_render.RelayImages(self.cache)

    def markdown_of(self, page: Page) -> RenderedMarkdown:
        key = (page.slug, page.lang)
        if key not in self._rendered:
            rendered = self.cache.rendered_markdown(self.markdown, DIRECTIVES, page.body)
            for problem in rendered.problems:
                report = self.diagnostics.error if problem.is_error else self.diagnostics.warning
                report(page.display_path, page.body_line + problem.line - 1, problem.message, problem.hint)
            self._rendered[key] = rendered
        return self._rendered[key]

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
        body = fill_directives(authored, [DIRECTIVES[d.name](context, d) for d in rendered.directives])
        html = self.site.theme.render("page.html", self.page_context(page_plan, language, rendered, body))
        return html.encode("utf-8")

    def render_relay(self, relay_plan: RelayPagePlan) -> bytes:
        """A relay's page: its facts, the Join link and its QR invite code."""
        language = self.site.languages[relay_plan.lang]
        relay = relay_plan.relay
        context = {
            **self.common_context(relay_plan.url, language),
            "relay": relays_render.relay_facts(relay, language),
            "qr_svg": self.relay_images.svg(relay),
            "qr_png_href": root_prefix(relay_plan.url) + relays_render.qr_png_output(relay),
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

    def canonical(self, plan: RelayPagePlan | relay_frontend.FrontPagePlan) -> str | None:
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


# ---- the whole build -------------------------------------------------------------------


ProgressFactory = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def build_site(
    site_dir: Path,
    *,
    base_url: str | None = None,
    previous: PreviousBuild | None = None,
    jobs: int = 1,
    progress: ProgressFactory | None = None,
) -> BuildResult:
    """Build the site in memory: every output file by its path below the output root.

    With `previous` (the records of the last build next to its output), pages whose inputs
    did not change are taken from that output instead of being rendered again. With `jobs`
    above one, a large site renders on that many processes, to the same bytes.
    """
    diagnostics = Diagnostics()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # Check first (by type and size), then read: the snapshot reads only what the check let through.
    tree = check_source_tree(site_dir, diagnostics)
    snapshot = snapshot_sources(site_dir, tree.files)
    today = build_date().isoformat()
    site = load_site(site_dir, diagnostics, base_url=base_url, tree=tree)
    timings["load"] = time.perf_counter() - started
    if site is None:
        return BuildResult({}, diagnostics, {}, timings)
    cache = DerivedCache()
    environment = buildcache.environment_digest()
    if previous is not None:
        previous.seed(cache, environment)
    plan = plan_site(
        site.config, site.content, site.relays, cache.translation_check, languages=site.languages
    )
    inputs = build_inputs(site, plan, snapshot, today, environment)
    reuse = previous.reuse(site, plan, inputs) if previous is not None else None
    reusable = reuse.pages if reuse is not None else {}
    # Problems met while rendering pages are kept apart: they are saved with the records, so
    # a page that is not rendered again still reports them.
    page_problems = Diagnostics(list(reuse.diagnostics) if reuse is not None else [])
    renderer = PageRenderer(site, plan, page_problems, cache)
    items = [item for item in (*plan.pages, *plan.relay_pages) if item.output not in reusable]
    checks = PageChecks(site, cache)
    try:
        with progress(len(items)) if progress is not None else nullcontext(None) as advance:
            rendered, dependencies = render_items(renderer, items, jobs, advance, checks.side_task())
        diagnostics.extend(checks.findings())
        pages: dict[str, bytes] = {output: Kept.read(path) for output, path in reusable.items()}
        pages.update(rendered)
        problems = list(dict.fromkeys(page_problems))
        diagnostics.extend(problems)
        renderer.diagnostics = diagnostics  # the site-wide files report with the build itself
        files = finish_outputs(site, plan, renderer, pages, reuse.site_files if reuse is not None else None)
    except TemplateProblem as problem:  # a site's own template that fails when filled in
        diagnostics.extend([problem.diagnostic])
        return BuildResult({}, diagnostics, {}, timings)
    timings["render"] = time.perf_counter() - started - timings["load"]
    if previous is not None:  # reusable pages read what they read last time
        dependencies.update({output: frozenset(previous.dependencies[output]) for output in reusable})
    records = BuildRecords(inputs, dependencies, shown_checks(plan), problems, cache.export_entries())
    counts = {lang: sum(1 for p in plan.pages if p.lang == lang) for lang in site.config.languages}
    notices = [] if site.config.base_url else [NO_BASE_URL_NOTICE]
    # The aliases were checked, and their problems reported, with the site-wide files.
    redirects = nginx_redirects(site_aliases(site, plan, Diagnostics()))
    deploy_files = relay_frontend.deploy_output(site, files, diagnostics, redirects)
    return BuildResult(
        files, diagnostics, counts, timings, notices, records, len(items), len(reusable), deploy_files
    )


def quality_findings(site: Site, cache: DerivedCache) -> list[Diagnostic]:
    """The quality checks of every page (see qa.py), each page's kept by content hash."""
    return qa.site_findings(site.content, site.relays, site.config.languages, cache.get, cache.page_text_key)


class PageChecks:
    """The quality findings of a build, worked out by a pool worker while the others render
    when there is a pool, else here when they are asked for."""

    def __init__(self, site: Site, cache: DerivedCache) -> None:
        self.site = site
        self.cache = cache
        self._found: list[Diagnostic] | None = None

    def side_task(self) -> parallel.SideTask:
        return parallel.SideTask(self._in_worker, self._receive)

    def _in_worker(self) -> tuple[list[Diagnostic], list[CacheEntry]]:
        found = quality_findings(self.site, self.cache)
        return found, self.cache.used_entries(qa.QA_KINDS)

    def _receive(self, result: tuple[list[Diagnostic], list[CacheEntry]]) -> None:
        found, entries = result
        self.cache.adopt(entries)  # kept for the next build as if made here
        self._found = found

    def findings(self) -> list[Diagnostic]:
        if self._found is None:
            self._found = quality_findings(self.site, self.cache)
        return self._found


def render_items(
    renderer: PageRenderer,
    items: Sequence[RenderItem],
    jobs: int = 1,
    advance: Callable[[int], None] | None = None,
    side_task: parallel.SideTask | None = None,
) -> tuple[dict[str, bytes], dict[str, frozenset[str]]]:
    """Render pages and relay pages with what each read, on a pool when the site is large.

    A pool also runs `side_task` (see parallel.render_in_pool); without one it is not run."""
    if parallel.should_run_in_pool(jobs, len(items)):
        return parallel.render_in_pool(renderer, items, jobs, render_recorded, advance, side_task)
    return render_recorded(renderer, items, advance)


def render_recorded(
    renderer: PageRenderer, items: Iterable[RenderItem], advance: Callable[[int], None] | None = None
) -> tuple[dict[str, bytes], dict[str, frozenset[str]]]:
    """Render each item, noting the inputs and templates it read."""
    recorder = recorder_of(renderer.site.theme)
    files: dict[str, bytes] = {}
    dependencies: dict[str, frozenset[str]] = {}
    for item in items:
        with recorder.recording() as templates:
            if isinstance(item, PagePlan):
                files[item.output] = renderer.render(item)
                inputs = page_inputs(renderer.site, item, renderer)
            else:
                files[item.output] = renderer.render_relay(item)
                inputs = {SERVERS_KEY}
        dependencies[item.output] = frozenset(inputs | {template_key(name) for name in templates})
        if advance is not None:
            advance(1)
    return files, dependencies


def sitemap_entries(plan: SitePlan, renderer: PageRenderer) -> list[SitemapEntry]:
    """Every page worth indexing, with the same alternates its <link rel=alternate> carry."""
    indexable = [p for p in plan.pages if not p.untranslated]
    indexable += [r for r in plan.relay_pages if r.indexable]
    # With a base URL the alternates are absolute, so all pages of a slug share one set:
    # working it out once per slug keeps the sitemap linear in its lines.
    alternates: dict[str, tuple[tuple[str, str], ...]] = {}
    entries = []
    for p in indexable:
        if p.slug not in alternates:
            alternates[p.slug] = tuple((link["hreflang"], link["href"]) for link in renderer.hreflang(p))
        entries.append(SitemapEntry(renderer.absolute_address(p.url), alternates[p.slug]))
    return entries


def finish_outputs(
    site: Site,
    plan: SitePlan,
    renderer: PageRenderer,
    pages: Mapping[str, bytes],
    kept: KeptSiteFiles | None = None,
) -> dict[str, bytes]:
    """The rendered pages and relay pages plus every other output of the build.

    The live preview calls this after each change with its up-to-date pages: whatever is
    added here (or in site_wide_files) is then always current there, unless `kept` says
    its inputs are unchanged.
    """
    outputs = Outputs(renderer.diagnostics)
    site_wide_files(site, plan, renderer, kept, outputs)
    # Pages are claimed last, so a clash with a site-wide file is reported at the page's file.
    for item in (*plan.pages, *plan.relay_pages):
        if item.output in pages:
            outputs.add(item.output, pages[item.output], *_source_of(site, item))
    claimed = outputs.files
    files = {name: claimed[name] for name in sorted(pages) if name in claimed}  # pages first, as listed
    files.update(claimed)
    files.update(relay_frontend.serving_files(site, files))
    return files


def _source_of(site: Site, item: RenderItem) -> tuple[str, int]:
    """The file and line a page or relay page comes from, for diagnostics about its output."""
    if isinstance(item, PagePlan):
        return item.page.display_path, 1
    return display_path(site.config, site.config.servers_file), item.relay.line


def site_wide_files(
    site: Site,
    plan: SitePlan,
    renderer: PageRenderer,
    kept: KeptSiteFiles | None = None,
    outputs: Outputs | None = None,
) -> dict[str, bytes]:
    """Every output that is not one page or relay page in one language, claimed in `outputs`
    (a fresh one by default), whose files are returned.

    The live preview re-renders these after every change unless `kept` vouches for them:
    a new kind of output belongs here, and is made afresh until it is taught otherwise.
    """
    # Each group is added under the source it comes from, so a clash between two of them
    # (an asset named like a theme file) is reported instead of one silently winning.
    outputs = outputs if outputs is not None else Outputs(renderer.diagnostics)
    relay_outputs = [relays_render.qr_png_output(relay) for relay in site.relays]
    relay_outputs += [relays_render.SERVERS_JSON] if site.relays else []
    relays = kept and kept.group(relay_outputs, SERVERS_KEY in kept.changed)
    outputs.add_all(relays or relay_files(site, plan, renderer), "content/servers.yaml")
    outputs.add_all(relay_frontend.front_files(site, plan, renderer.diagnostics), "site.yaml (fronts)")
    special = kept and kept.group(special_page_outputs(site), kept.template_changed())
    theme_source = f"themes/{site.config.theme}"
    outputs.add_all(special or special_pages(site, renderer), f"{theme_source} (root and 404 pages)")
    outputs.add_all(theme_static_files(site), f"{theme_source}/static")
    for name, data in sorted(asset_files(site).items()):
        outputs.add(name, data, f"content/{name}")  # the asset's own file: assets/x ← content/assets/x
    outputs.add_all(alias_files(site, plan, renderer), "content (aliases)")
    index_outputs = [SITEMAP_FILE, ROBOTS_FILE] if site.config.base_url else [ROBOTS_FILE]
    index = kept and kept.group(index_outputs, False)
    if index:
        outputs.add_all(index, "the sitemap and robots.txt")
    else:
        if site.config.base_url:
            outputs.add(
                SITEMAP_FILE, sitemap_xml(sitemap_entries(plan, renderer)), "the sitemap and robots.txt"
            )
        robots = robots_txt(site.config.base_url and site.config.base_url + SITEMAP_FILE)
        outputs.add(ROBOTS_FILE, robots, "the sitemap and robots.txt")
    return outputs.files


def planned_outputs(site: Site, plan: SitePlan) -> dict[str, str]:
    """The pages and special files a build writes, each with what it is, for clash messages."""
    outputs = {item.output: f"the page {item.url}" for item in (*plan.pages, *plan.relay_pages)}
    outputs.update({name: "a page of the theme" for name in special_page_outputs(site)})
    outputs.update(relay_frontend.front_outputs(site))
    return outputs


def site_aliases(site: Site, plan: SitePlan, diagnostics: Diagnostics) -> list[Alias]:
    """The pages' aliases that can be written: none clashing with another output, and on a
    fronting site none under a path that the relay answers itself."""
    aliases = []
    for alias in page_aliases(site.content):
        taken = relay_frontend.relay_path_of("/" + alias.path) if site.fronted else None
        if taken is None:
            aliases.append(alias)
            continue
        diagnostics.error(
            alias.source,
            alias.line,
            f"the alias `/{alias.path}` falls under {taken}, which the relay answers itself",
            "the relay would never show it; remove the alias",
        )
    return check_aliases(aliases, planned_outputs(site, plan), diagnostics)


def alias_files(site: Site, plan: SitePlan, renderer: PageRenderer) -> dict[str, bytes]:
    """A redirect page at each old address that a page names under `aliases:`."""
    return {
        alias.output: redirect_page(alias, renderer.absolute_address(alias.target_url))
        for alias in site_aliases(site, plan, renderer.diagnostics)
    }


def relay_files(site: Site, plan: SitePlan, renderer: PageRenderer) -> dict[str, bytes]:
    """Each relay's QR code as a PNG, and servers.json (the relay pages are plan pages)."""
    files = renderer.relay_images.files(site.relays)
    if site.relays:
        files[relays_render.SERVERS_JSON] = relays_render.servers_json_file(
            site.relays,
            relay_page_url,
            site.config.languages,
            generated=build_date(),
            base_url=site.config.base_url,
        )
    return files


def relay_page_url(lang: str, relay: Relay) -> str:
    """The site-relative URL of a relay's page: `de/servers/nine.testrun.org`."""
    return page_url(lang, relays_render.relay_slug(relay))


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

    directory = relays_render.relay_list(site.relays, shown_in, plan.lang, href)
    script = root_prefix(plan.url) + site.theme.static[relays_render.FILTER_SCRIPT].output
    return site.theme.render("relay-list.html", {"lang": shown_in, **directory, "filter_script": script})


DIRECTIVES["relays"] = render_relay_list


def special_page_outputs(site: Site) -> list[str]:
    """The names special_pages writes."""
    return ["index.html", *(not_found_output(code) for code in site.languages), "404.html"]


def special_pages(site: Site, renderer: PageRenderer) -> dict[str, bytes]:
    """The root language chooser and a 404 page per language."""
    config = site.config
    files = {"index.html": language_chooser(site, renderer, INDEX_SLUG)}
    # Error pages are shown at any URL, so their links start from the site's base path.
    base_path = _base_path(config.base_url)
    for code, language in site.languages.items():
        html = site.theme.render("404.html", renderer.common_context(f"{code}/404", language, root=base_path))
        files[not_found_output(code)] = html.encode("utf-8")
    files["404.html"] = files[not_found_output(config.default_language)]
    return files


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


def _base_path(base_url: str | None) -> str:
    if not base_url:
        return "/"
    path = base_url.split("://", 1)[-1].partition("/")[2]
    return "/" + path


def theme_static_files(site: Site) -> dict[str, bytes]:
    """The theme's static files under their published names."""
    return {static.output: read_source(static.source) for static in site.theme.static.values()}


def asset_files(site: Site) -> dict[str, bytes]:
    """The site's own files from content/assets/, published under assets/ (checked at load)."""
    return dict(site.assets)

"""The one build: check → load → plan → reuse → render → finish → deploy files.

`build_site` checks the source tree and loads the site, then `render_site` does the rest:
it plans the pages, takes over what a reuse source allows (the build cache next to the
output, or the live preview's last build), renders the other pages and relay pages, adds
the site-wide files and the server configuration. It returns the files of the site and
its diagnostics, with what a later build needs to reuse them; it writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.core.safety import check_source_tree
from chatmail_site.deploy.relay import deploy_output
from chatmail_site.load.site import Site, load_site
from chatmail_site.load.theme import TemplateProblem
from chatmail_site.model.cache import QA_CACHED_KINDS, CacheEntry, DerivedCache
from chatmail_site.model.plan import RenderItem, SitePlan
from chatmail_site.model.reuse import OutputData, ReuseSource
from chatmail_site.plan import qa
from chatmail_site.plan.aliases import nginx_redirects
from chatmail_site.plan.pages import plan_site
from chatmail_site.plan.translations import cached_checker
from chatmail_site.render import pool as parallel
from chatmail_site.render.pages import DirectiveRenderer, PageRenderer, page_directives
from chatmail_site.render.recording import render_recorded
from chatmail_site.render.site_files import finish_outputs, site_aliases
from chatmail_site.render.sitemap import NO_BASE_URL_NOTICE


@dataclass
class BuildResult:
    # Each output file, with those kept from the previous build by where they lie.
    files: dict[str, OutputData]
    diagnostics: Diagnostics
    pages_per_language: dict[str, int]
    timings: dict[str, float]
    # Plain information for the person building (not warnings: --strict ignores them).
    notices: list[str] = field(default_factory=list)
    rendered: int = 0  # pages and relay pages rendered
    reused: int = 0  # pages and relay pages taken unchanged from the previous build
    # Server configuration, by name in the folder beside the web root; never published.
    deploy_files: dict[str, bytes] = field(default_factory=dict)
    # What a later build may reuse, set once every page is rendered: the site and its plan,
    # what each page and relay page read, and the problems found rendering them (kept apart,
    # so a page that is not rendered again still reports them).
    site: Site | None = None
    plan: SitePlan | None = None
    dependencies: dict[str, frozenset[str]] = field(default_factory=dict)
    page_problems: list[Diagnostic] = field(default_factory=list)
    cache: DerivedCache | None = None


# ---- the whole build -------------------------------------------------------------------


ProgressFactory = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def build_site(
    site_dir: Path,
    *,
    base_url: str | None = None,
    reuse_source: ReuseSource | None = None,
    jobs: int = 1,
    progress: ProgressFactory | None = None,
    cache: DerivedCache | None = None,
) -> BuildResult:
    """Build the site in memory: every output file by its path below the output root.

    The source tree is checked, the site loaded, then rendered by render_site. With
    `reuse_source` (the build cache next to the output), pages whose inputs did not change
    are taken from the earlier build instead of being rendered again.
    """
    diagnostics = Diagnostics()
    started = time.perf_counter()
    tree = check_source_tree(site_dir, diagnostics)
    if reuse_source is not None:  # before anything is read: only what the check let through
        reuse_source.sources_checked(site_dir, tree.files)
    site = load_site(site_dir, diagnostics, base_url=base_url, tree=tree)
    loaded = time.perf_counter() - started
    if site is None:
        return BuildResult({}, diagnostics, {}, {"load": loaded})
    result = render_site(
        site, cache if cache is not None else DerivedCache(), reuse_source, jobs=jobs, progress=progress
    )
    result.diagnostics = Diagnostics([*diagnostics, *result.diagnostics])
    result.timings = {"load": loaded, **result.timings}
    return result


def render_site(
    site: Site,
    cache: DerivedCache,
    reuse_source: ReuseSource | None = None,
    *,
    jobs: int = 1,
    progress: ProgressFactory | None = None,
    directives: Mapping[str, DirectiveRenderer] | None = None,
    quality_checks: bool = True,
    deploy: bool = True,
) -> BuildResult:
    """Plan a loaded site, take over what `reuse_source` allows, render the rest, and add
    the site-wide files and the server configuration.

    With `jobs` above one, a large site renders on that many processes, to the same bytes.
    The live preview leaves out the quality checks (it runs them after its reload) and the
    server configuration, which it does not serve.
    """
    started = time.perf_counter()
    diagnostics = Diagnostics()
    if reuse_source is not None:
        reuse_source.seed(cache)
    previous = reuse_source.previous_plan() if reuse_source is not None else None
    plan = plan_site(
        site.config,
        site.content,
        site.relays,
        cached_checker(cache),
        languages=site.languages,
        previous=previous,
    )
    reuse = reuse_source.reuse(site, plan) if reuse_source is not None else None
    reused = reuse.pages if reuse is not None else {}
    page_problems = Diagnostics(list(reuse.diagnostics) if reuse is not None else [])
    directives = directives if directives is not None else page_directives()
    renderer = PageRenderer(site, plan, page_problems, directives, cache)
    items = [item for item in (*plan.pages, *plan.relay_pages) if item.output not in reused]
    checks = PageChecks(site, cache) if quality_checks else None
    try:
        with progress(len(items)) if progress is not None else nullcontext(None) as advance:
            side_task = checks.side_task() if checks is not None else None
            rendered, dependencies = render_items(renderer, items, jobs, advance, side_task)
        if checks is not None:
            diagnostics.extend(checks.findings())
        problems = list(dict.fromkeys(page_problems))
        diagnostics.extend(problems)
        pages = {**reused, **rendered}
        files = finish_outputs(site, plan, renderer, pages, reuse.site_files if reuse else None, diagnostics)
    except TemplateProblem as problem:  # a site's own template that fails when filled in
        diagnostics.extend([problem.diagnostic])
        return BuildResult({}, diagnostics, {}, {"render": time.perf_counter() - started})
    if reuse is not None:  # reused pages read what they read last time
        dependencies.update(reuse.dependencies)
    counts = dict.fromkeys(site.config.languages, 0)
    for page in plan.pages:
        counts[page.lang] += 1
    notices = [] if site.config.base_url else [NO_BASE_URL_NOTICE]
    deploy_files = deploy_site(site, plan, files, diagnostics) if deploy else {}
    timings = {"render": time.perf_counter() - started}
    return BuildResult(
        files,
        diagnostics,
        counts,
        timings,
        notices,
        len(items),
        len(reused),
        deploy_files,
        site,
        plan,
        dependencies,
        problems,
        cache,
    )


def deploy_site(
    site: Site, plan: SitePlan, files: Mapping[str, OutputData], diagnostics: Diagnostics
) -> dict[str, bytes]:
    """The server configuration for the folder beside the web root (none for most sites)."""
    if site.fronted is None:
        return {}  # no configuration, so no redirects to work out for it
    # The aliases were checked, and their problems reported, with the site-wide files.
    redirects = nginx_redirects(site_aliases(site, plan, Diagnostics()))
    return deploy_output(site, files, diagnostics, redirects)


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
        return found, self.cache.used_entries(QA_CACHED_KINDS)

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

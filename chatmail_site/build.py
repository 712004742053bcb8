"""Load → plan → render. Returns the files of a site and its diagnostics; writes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.core.safety import check_source_tree
from chatmail_site.deploy.relay import deploy_output
from chatmail_site.incremental import buildcache
from chatmail_site.incremental.buildcache import BuildRecords, PreviousBuild, build_inputs, snapshot_sources
from chatmail_site.incremental.dependencies import (
    shown_checks,
)
from chatmail_site.load.i18n import build_date
from chatmail_site.load.site import Site, load_site
from chatmail_site.load.theme import TemplateProblem
from chatmail_site.model.cache import QA_KINDS, CacheEntry, DerivedCache
from chatmail_site.model.plan import RenderItem
from chatmail_site.plan import qa
from chatmail_site.plan.aliases import nginx_redirects
from chatmail_site.plan.pages import plan_site
from chatmail_site.plan.translations import cached_checker
from chatmail_site.render import pool as parallel
from chatmail_site.render.pages import PageRenderer
from chatmail_site.render.recording import render_recorded
from chatmail_site.render.site_files import finish_outputs, site_aliases
from chatmail_site.render.sitemap import (
    NO_BASE_URL_NOTICE,
)
from chatmail_site.write.output import Kept

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
    plan = plan_site(site.config, site.content, site.relays, cached_checker(cache), languages=site.languages)
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
    deploy_files = deploy_output(site, files, diagnostics, redirects)
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
        return found, self.cache.used_entries(QA_KINDS)

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

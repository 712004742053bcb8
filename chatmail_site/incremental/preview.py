"""Incremental rebuilds for the live preview, decided from dependencies the build recorded.

Each page and relay page records what it read while it was rendered: the source files of
the pages it shows (a translation also reads its original, for the outdated notice and the
title), servers.yaml when it lists relays, and every template Jinja loaded for it (extends
and includes too). A change then re-renders only the outputs whose recorded inputs changed.

The safe fallback is always a full rebuild, taken whenever a change is not one the records
can answer: site.yaml, catalogs, static files, new or deleted pages, a changed title or menu
entry, or anything else. The root chooser, 404 pages, QR images, servers.json and sitemap
are kept when the change cannot touch them (see KeptSiteFiles); static files, and whatever
the build adds later, are made afresh on every change. No decision is ever taken from file
times.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from chatmail_site.build import BuildResult, quality_findings, render_site
from chatmail_site.core.errors import Diagnostic, Diagnostics, Severity
from chatmail_site.core.safety import check_changed_entry, check_conflict_markers
from chatmail_site.incremental.dependencies import (
    affected_outputs,
    originals_answered_by_checks,
    shown_checks,
)
from chatmail_site.load.content import ContentIndex, Page, _load_entry
from chatmail_site.load.i18n import build_date
from chatmail_site.load.servers import load_relays
from chatmail_site.load.site import Site, load_site
from chatmail_site.load.theme import Theme
from chatmail_site.model.cache import DerivedCache
from chatmail_site.model.plan import SitePlan
from chatmail_site.model.reuse import SERVERS_KEY, KeptSiteFiles, Reuse, template_key


@dataclass(frozen=True)
class SiteBuild:
    """A build that succeeded: the site it was made from, its files and their dependencies."""

    site: Site
    plan: SitePlan
    files: Mapping[str, bytes]
    dependencies: Mapping[str, frozenset[str]]  # output path → input keys it read
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did: its diagnostics, and whether its files replaced the last good ones."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    full: bool
    rendered: int  # outputs rendered from their recorded dependencies (all of them when full)
    seconds: float


def plan_outputs(plan: SitePlan) -> list[str]:
    return [item.output for item in (*plan.pages, *plan.relay_pages)]


def preview_render(site: Site, cache: DerivedCache, reuse: PreviewReuse | None = None) -> BuildResult:
    """The build's render of a loaded site, without what the preview does not serve at once:
    the quality findings follow the reload (see IncrementalBuilder.findings), and the server
    configuration is never served."""
    return render_site(site, cache, reuse, quality_checks=False, deploy=False)


def site_build(result: BuildResult, diagnostics: tuple[Diagnostic, ...]) -> SiteBuild | None:
    """The preview's record of a render that succeeded; None when it has errors."""
    if result.site is None or result.plan is None or any(d.severity is Severity.ERROR for d in diagnostics):
        return None
    files, dependencies = MappingProxyType(result.files), MappingProxyType(result.dependencies)
    return SiteBuild(result.site, result.plan, files, dependencies, diagnostics)


def full_build(
    site_dir: Path, cache: DerivedCache | None = None
) -> tuple[SiteBuild | None, tuple[Diagnostic, ...]]:
    """Build everything with recorded dependencies: the build, or None when it has errors.

    Markdown, translation checks and QR codes whose inputs are unchanged come from `cache`.
    """
    cache = cache if cache is not None else DerivedCache()
    diagnostics = Diagnostics()
    site = load_site(site_dir, diagnostics)
    if site is None:
        return None, _unique(diagnostics)
    result = preview_render(site, cache)
    found = _unique((*diagnostics, *result.diagnostics))
    return site_build(result, found), found


@dataclass(frozen=True)
class PreviewReuse:
    """The preview's last good build as a reuse source: the outputs the changed input keys
    do not reach are taken from it, in memory."""

    previous: SiteBuild
    changed: frozenset[str]

    def sources_checked(self, site_dir: Path, files: Sequence[Path]) -> None:
        """Not asked: the preview reloads only the changed files itself."""

    def seed(self, cache: DerivedCache) -> None:
        """Nothing to hand over: the preview keeps one cache for all its builds."""

    def previous_plan(self) -> SitePlan:
        """The last good build's plan: a saved page changes only its own slug's plans."""
        return self.previous.plan

    def reuse(self, site: Site, plan: SitePlan) -> Reuse:
        """Raises NeedsFullBuild when the change altered the set of pages or translations."""
        previous = self.previous
        outputs = plan_outputs(plan)
        if outputs != plan_outputs(previous.plan) or plan.translated != previous.plan.translated:
            raise NeedsFullBuild("the set of pages or translations changed")
        answered = originals_answered_by_checks(shown_checks(previous.plan), site, plan)
        affected = affected_outputs(previous.dependencies, self.changed, answered)
        kept = [output for output in outputs if output not in affected]
        pages = {output: previous.files[output] for output in kept}
        dependencies = {output: previous.dependencies[output] for output in kept}
        return Reuse(pages, dependencies, KeptSiteFiles(previous.files, self.changed), ())


def _unique(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(dict.fromkeys(diagnostics))


class NeedsFullBuild(Exception):
    """A change the recorded dependencies cannot answer; the caller rebuilds everything."""


@dataclass(frozen=True)
class Change:
    """A set of changed files sorted by kind, with the site they apply to."""

    site: Site
    input_keys: frozenset[str]
    diagnostics: tuple[Diagnostic, ...]  # load diagnostics of the changed files
    failed: bool


def classify(site: Site, changed: Iterable[str]) -> Change:
    """Apply changed files (site-relative paths) to a loaded site, or raise NeedsFullBuild."""
    config = site.config
    diagnostics = Diagnostics()
    changed = sorted(set(changed))
    check_conflict_markers(config.root, diagnostics, changed)
    keys: set[str] = set()
    pages = dict(site.content.pages)
    theme, relays = site.theme, site.relays
    for name in changed:
        parts = PurePosixPath(name).parts
        if not check_changed_entry(config.root, name, diagnostics):
            continue  # a link out of the site (or the theme), a pipe, a huge file: never read
        if name == SERVERS_KEY and site.fronted is None:  # the fronted relay's pages read it too
            relays = load_relays(config, diagnostics, today=build_date())
            keys.add(name)
        elif len(parts) >= 4 and parts[0] == "themes" and parts[2] == "templates":
            theme = Theme(config)  # a fresh loader also sees new files that shadow others
            theme.check(diagnostics)
            keys.add(template_key("/".join(parts[3:])))
        elif len(parts) == 3 and parts[0] == "content" and name.endswith(".md"):
            pages[(PurePosixPath(parts[2]).stem, parts[1])] = _reloaded_page(site, parts, diagnostics)
            keys.add(name)
        else:
            raise NeedsFullBuild(name)
    content = ContentIndex(site.content.default_language, MappingProxyType(pages))
    changed_site = dataclasses.replace(site, content=content, theme=theme, relays=relays)
    return Change(changed_site, frozenset(keys), _unique(diagnostics), bool(diagnostics.errors))


def _reloaded_page(site: Site, parts: tuple[str, ...], diagnostics: Diagnostics) -> Page:
    """The new version of an existing page whose title and menu entry stayed the same."""
    lang, file_name = parts[1], parts[2]
    old = site.content.get(PurePosixPath(file_name).stem, lang)
    path = site.config.content_dir / lang / file_name
    if old is None or not path.is_file():
        raise NeedsFullBuild("/".join(parts))  # a new or deleted page changes every switcher
    errors_before = len(diagnostics.errors)
    loaded = _load_entry(site.config, lang, path, diagnostics)
    if len(diagnostics.errors) > errors_before:
        return old  # the change fails; the last good page stays until the file is fixed
    if loaded is None or loaded[1]:
        raise NeedsFullBuild(path.name)  # ignored, or untitled: its title comes from elsewhere
    page = loaded[0]
    if (page.title, page.short_title, page.nav) != (old.title, old.short_title, old.nav):
        raise NeedsFullBuild(path.name)  # titles show in the menu and in fallbacks everywhere
    return page


def incremental_build(
    previous: SiteBuild, changed: Iterable[str], cache: DerivedCache | None = None
) -> tuple[SiteBuild | None, Outcome]:
    """Re-render what the changed files affect; raises NeedsFullBuild when that is unknown."""
    cache = cache if cache is not None else DerivedCache()
    started = time.perf_counter()
    changed = set(changed)
    change = classify(previous.site, changed)
    kept = tuple(d for d in previous.diagnostics if d.path not in changed)
    if change.failed:
        found = _unique((*kept, *change.diagnostics))
        return None, Outcome(False, found, False, 0, time.perf_counter() - started)
    result = preview_render(change.site, cache, PreviewReuse(previous, frozenset(change.input_keys)))
    found = _unique((*kept, *change.diagnostics, *result.diagnostics))
    build = site_build(result, found)
    outcome = Outcome(build is not None, found, False, result.rendered, time.perf_counter() - started)
    return build, outcome


class IncrementalBuilder:
    """Keeps the last good build of a site and brings it up to date with changed files.

    Changes that fail are remembered, so the next rebuild looks at them again together
    with whatever changed since, and a fix is noticed without a restart.
    """

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.current: SiteBuild | None = None
        self._pending: set[str] = set()
        self._cache = DerivedCache()
        # The cache forgets what a good build and the findings after it did not use, once
        # both have run (the findings follow the rebuild).
        self._prune_due = False

    def rebuild(self, changed: Iterable[str] | None = None) -> Outcome:
        """Bring the build up to date; `None` (or no good build yet) means a full rebuild."""
        if self._prune_due:  # no one asked for the findings of the last good build
            self._cache.prune()
            self._prune_due = False
        if changed is not None:
            self._pending.update(changed)
        if changed is not None and self.current is not None:
            try:
                build, outcome = incremental_build(self.current, self._pending, self._cache)
            except NeedsFullBuild:
                build, outcome = self._full()
        else:
            build, outcome = self._full()
        if build is not None:
            self.current = build
            self._pending.clear()
            self._prune_due = True
        return outcome

    def findings(self) -> list[Diagnostic]:
        """The quality findings of the current build's pages (qa.py), worked out anew for the
        whole site, since a page's findings also depend on its original and servers.yaml;
        unchanged pages are answered from the cache. Apart from `rebuild`, so the preview can
        send the reload first: the findings are only warnings, and never stop a rebuild."""
        if self.current is None:
            return []
        found = quality_findings(self.current.site, self._cache)
        if self._prune_due:
            self._cache.prune()
            self._prune_due = False
        return found

    def _full(self) -> tuple[SiteBuild | None, Outcome]:
        started = time.perf_counter()
        build, found = full_build(self.site_dir, self._cache)
        rendered = len(build.dependencies) if build is not None else 0
        return build, Outcome(build is not None, found, True, rendered, time.perf_counter() - started)

"""Rendering a large site on every CPU core, with the same bytes as rendering it in one process.

Work is split in two rounds, each over a pool of forked processes that inherit the loaded
site, its plan and the compiled theme, so only small indices travel to them and rendered
results travel back:

1. every source page's Markdown is converted once, by one process;
2. the parent hands those conversions to the second pool, which renders the pages and relay
   pages in contiguous runs and returns them in plan order.

Converting first keeps a page shown in fifty languages from being converted in each process
that renders one of them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.render.markdown import RenderedMarkdown

if TYPE_CHECKING:
    from chatmail_site.load.content import Page
    from chatmail_site.model.plan import RenderItem
    from chatmail_site.render.pages import PageRenderer

# Below this many outputs a pool costs more than it saves.
PARALLEL_THRESHOLD = 600
# Runs per worker: small enough to balance the load, large enough to keep the overhead low.
RUNS_PER_WORKER = 8

Rendered = tuple[dict[str, bytes], dict[str, frozenset[str]]]
Advance = Callable[[int], None]


@dataclass(frozen=True)
class SideTask:
    """Work for one pool worker beside the rendering: `run` there, `receive` its result here."""

    run: Callable[[], Any]
    receive: Callable[[Any], None]


# The work of the current pool, set in the parent just before the fork so workers inherit it.
_renderer: PageRenderer | None = None
_pages: Sequence[Page] = ()
_items: Sequence[RenderItem] = ()
_render: Callable[[PageRenderer, Sequence[RenderItem]], Rendered] | None = None
_side_task: SideTask | None = None


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def should_run_in_pool(jobs: int, outputs: int) -> bool:
    return jobs > 1 and outputs >= PARALLEL_THRESHOLD and can_fork()


def render_in_pool(
    renderer: PageRenderer,
    items: Sequence[RenderItem],
    jobs: int,
    render: Callable[[PageRenderer, Sequence[RenderItem]], Rendered],
    advance: Advance | None = None,
    side_task: SideTask | None = None,
) -> Rendered:
    """Render `items` as `render(renderer, items)` would, on `jobs` processes.

    `side_task` runs in one of the workers, first, while the others render: work that needs
    no rendered page. Its result is handed to `side_task.receive` here."""
    global _side_task
    global _renderer, _pages, _items, _render
    from chatmail_site.model.plan import PagePlan

    pages = list({(p.page.slug, p.page.lang): p.page for p in items if isinstance(p, PagePlan)}.values())
    _renderer, _pages, _items, _render = renderer, pages, items, render
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(jobs) as pool:
            for start, converted, problems in pool.imap(_convert_run, _runs(len(pages), jobs)):
                for page, result in zip(pages[start : start + len(converted)], converted, strict=True):
                    renderer.adopt_markdown(page, result)
                renderer.diagnostics.extend(problems)
        files: dict[str, bytes] = {}
        dependencies: dict[str, frozenset[str]] = {}
        _side_task = side_task
        with context.Pool(jobs) as pool:  # forked anew: the workers inherit every conversion
            side = pool.apply_async(_run_side_task) if side_task is not None else None
            for (run_files, run_dependencies), problems in pool.imap(_render_run, _runs(len(items), jobs)):
                files.update(run_files)
                dependencies.update(run_dependencies)
                renderer.diagnostics.extend(problems)
                if advance is not None:
                    advance(len(run_files))
            if side is not None and side_task is not None:
                side_task.receive(side.get())
        return files, dependencies
    finally:
        _renderer, _pages, _items, _render, _side_task = None, (), (), None, None


def _run_side_task() -> Any:
    assert _side_task is not None, "only called in a pool worker"
    return _side_task.run()


def _runs(count: int, jobs: int) -> list[tuple[int, int]]:
    """Split `count` items into contiguous (start, stop) runs, about RUNS_PER_WORKER per job."""
    size = max(1, -(-count // (jobs * RUNS_PER_WORKER)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def _worker_renderer() -> PageRenderer:
    """The inherited renderer, reporting into a fresh list for the run at hand."""
    assert _renderer is not None, "only called in a pool worker"
    _renderer.diagnostics = Diagnostics()
    return _renderer


def _convert_run(run: tuple[int, int]) -> tuple[int, list[RenderedMarkdown], list[Diagnostic]]:
    renderer = _worker_renderer()
    start, stop = run
    converted = [renderer.markdown_of(page) for page in _pages[start:stop]]
    return start, converted, list(renderer.diagnostics)


def _render_run(run: tuple[int, int]) -> tuple[Rendered, list[Diagnostic]]:
    renderer = _worker_renderer()
    assert _render is not None, "only called in a pool worker"
    start, stop = run
    rendered = _render(renderer, _items[start:stop])
    return rendered, list(renderer.diagnostics)

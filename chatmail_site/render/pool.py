"""Rendering a large site on every CPU core, with the same bytes as rendering it in one process.

Work is split in two rounds, each over a pool of forked processes whose initializer hands
them the loaded site, its plan and the compiled theme (inherited through the fork, not
sent), so only small indices travel to them and rendered results travel back:

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
from typing import TYPE_CHECKING, Any, TypeVar

from chatmail_site.core.errors import Diagnostic
from chatmail_site.model.plan import PagePlan, RenderItem
from chatmail_site.render.markdown import RenderedMarkdown

if TYPE_CHECKING:
    from chatmail_site.load.content import Page
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


@dataclass(frozen=True)
class PoolWork:
    """What the workers of one build's pools work on: handed to each worker by the pool's
    initializer, and inherited through the fork rather than sent."""

    renderer: PageRenderer
    pages: Sequence[Page]  # the source pages whose Markdown the first pool converts
    items: Sequence[RenderItem]  # the pages and relay pages the second pool renders
    render: Callable[[PageRenderer, Sequence[RenderItem]], Rendered]
    side_task: SideTask | None


# In a worker process only: its pool's work, set by the initializer when the worker starts.
_work: PoolWork | None = None


def _start_worker(work: PoolWork) -> None:
    global _work
    _work = work


def _worker_work() -> PoolWork:
    assert _work is not None, "only called in a pool worker"
    return _work


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
    pages = list({(p.page.slug, p.page.lang): p.page for p in items if isinstance(p, PagePlan)}.values())
    work = PoolWork(renderer, pages, items, render, side_task)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start_worker, initargs=(work,)) as pool:
        for start, converted, problems in pool.imap(_convert_run, _runs(len(pages), jobs)):
            for page, result in zip(pages[start : start + len(converted)], converted, strict=True):
                renderer.adopt_markdown(page, result)
            renderer.diagnostics.extend(problems)
    files: dict[str, bytes] = {}
    dependencies: dict[str, frozenset[str]] = {}
    # Forked anew: the workers inherit every conversion.
    with context.Pool(jobs, initializer=_start_worker, initargs=(work,)) as pool:
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


def _run_side_task() -> Any:
    side_task = _worker_work().side_task
    assert side_task is not None, "only sent to a pool that has a side task"
    return side_task.run()


def _runs(count: int, jobs: int) -> list[tuple[int, int]]:
    """Split `count` items into contiguous (start, stop) runs, about RUNS_PER_WORKER per job."""
    size = max(1, -(-count // (jobs * RUNS_PER_WORKER)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


T = TypeVar("T")


def _reported_during(renderer: PageRenderer, work: Callable[[], T]) -> tuple[T, list[Diagnostic]]:
    """The result of `work` with the problems the renderer reported while it ran: a worker
    runs many runs with one renderer, and each run returns only its own problems."""
    before = len(renderer.diagnostics)
    result = work()
    return result, renderer.diagnostics.items[before:]


def _convert_run(run: tuple[int, int]) -> tuple[int, list[RenderedMarkdown], list[Diagnostic]]:
    work = _worker_work()
    start, stop = run
    converted, problems = _reported_during(
        work.renderer, lambda: [work.renderer.markdown_of(page) for page in work.pages[start:stop]]
    )
    return start, converted, problems


def _render_run(run: tuple[int, int]) -> tuple[Rendered, list[Diagnostic]]:
    work = _worker_work()
    start, stop = run
    return _reported_during(work.renderer, lambda: work.render(work.renderer, work.items[start:stop]))

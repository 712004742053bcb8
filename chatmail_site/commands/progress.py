"""A progress bar for long builds on a terminal; silent in CI, in pipes and for quick builds."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

# Builds quicker than this never show a bar: it would only flicker.
SHOW_AFTER_SECONDS = 1.0

Advance = Callable[[int], None]


def wants_progress(stream: TextIO) -> bool:
    """A bar only for a person watching a terminal: not in CI, not into a file or pipe."""
    if os.environ.get("CI") or os.environ.get("NO_PROGRESS"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(
    total: int, stream: TextIO | None = None, delay: float = SHOW_AFTER_SECONDS
) -> Iterator[Advance]:
    """Yield a function counting rendered pages; the bar appears once `delay` has passed."""
    stream = stream if stream is not None else sys.stderr
    if not wants_progress(stream):
        yield lambda count: None
        return
    from tqdm import tqdm  # only on a terminal: piped builds start quicker

    bar = tqdm(total=total, unit="page", file=stream, delay=delay, leave=False, dynamic_ncols=True)
    try:
        yield bar.update
    finally:
        bar.close()

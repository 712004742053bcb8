"""The progress bar: shown on a terminal for long builds, never in CI or into a pipe."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from chatmail_site.commands.progress import progress_bar, wants_progress
from tests.support.sites import copy_bundled_site


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_unless_ci_is_set(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_PROGRESS", raising=False)
    assert wants_progress(Terminal())
    assert not wants_progress(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not wants_progress(Terminal())


def test_the_bar_counts_pages_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_PROGRESS", raising=False)
    terminal = Terminal()
    with progress_bar(40, stream=terminal, delay=0) as advance:
        for _ in range(40):
            advance(1)
    shown = terminal.getvalue()
    assert "/40 [" in shown and "page/s" in shown
    assert shown.endswith("\r")  # cleared when done, so the summary line stands alone


def test_a_quick_build_shows_no_bar_even_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    terminal = Terminal()
    with progress_bar(40, stream=terminal) as advance:
        advance(40)
    assert terminal.getvalue() == ""


def test_nothing_but_the_summary_reaches_a_pipe(tmp_path: Path):
    site = copy_bundled_site(tmp_path / "site")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = tmp_path / "out"
    command = [sys.executable, "-m", "chatmail_site", "build", "--site", str(site), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert "\r" not in done.stderr and "page/s" not in done.stderr
    assert done.stdout.startswith("built: ")

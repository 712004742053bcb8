"""Rendering on several processes gives the same files and the same diagnostics as one."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.incremental.buildcache import CachedBuild, cache_dir_for, load_previous
from chatmail_site.render import pool as parallel
from tests.support.sites import copy_bundled_site


@pytest.fixture
def pool_calls(monkeypatch) -> list[int]:
    """Make every site large enough for the pool, and count the pools used."""
    calls: list[int] = []
    real = parallel.render_in_pool

    def counting(renderer, items, jobs, render, advance=None, side_task=None):
        calls.append(len(items))
        return real(renderer, items, jobs, render, advance, side_task)

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(parallel, "render_in_pool", counting)
    return calls


def test_two_processes_render_the_bundled_site_to_the_same_bytes(tmp_path: Path, pool_calls):
    site = copy_bundled_site(tmp_path / "site")
    serial_cache, pooled_cache = CachedBuild(None), CachedBuild(None)
    serial = build_site(site, jobs=1, reuse_source=serial_cache)
    assert pool_calls == []
    pooled = build_site(site, jobs=2, reuse_source=pooled_cache)
    assert pool_calls == [180]  # 24 pages and 26 relays in 6 languages
    assert pooled.files == serial.files
    assert pooled.diagnostics.sorted() == serial.diagnostics.sorted()
    pooled_records, serial_records = pooled_cache.records(pooled), serial_cache.records(serial)
    assert pooled_records is not None and serial_records is not None
    assert pooled_records.dependencies == serial_records.dependencies


def test_problems_found_in_worker_processes_are_reported_once(tmp_path: Path, pool_calls):
    site = copy_bundled_site(tmp_path / "site")
    for lang in ("en", "de"):
        with (site / "content" / lang / "donate.md").open("a", encoding="utf-8") as page:
            page.write("\n## One {#same}\n\n## Two {#same}\n")
    serial = build_site(site, jobs=1)
    pooled = build_site(site, jobs=3)
    # (fr and nl now lack the new headings: the page checks say so once each, too)
    warnings = [d for d in pooled.diagnostics if d.severity.value == "warning" and "`#same`" in d.message]
    assert len(warnings) == len(set(warnings)) == 2
    assert pooled.diagnostics.sorted() == serial.diagnostics.sorted()
    assert pooled.files == serial.files


def test_a_cached_rebuild_on_a_pool_renders_only_what_changed(tmp_path: Path, pool_calls):
    site = copy_bundled_site(tmp_path / "site")
    out = tmp_path / "out"
    assert main(["build", "--site", str(site), "--out", str(out), "--jobs", "2"]) == 0
    with (site / "content/en/index.md").open("a", encoding="utf-8") as page:
        page.write("\nOne more line.\n")
    result = build_site(site, reuse_source=CachedBuild(load_previous(cache_dir_for(out), out)), jobs=2)
    assert 0 < result.rendered < 72
    assert result.files == build_site(site, jobs=1).files


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(tmp_path: Path, value: str, capsys):
    site = copy_bundled_site(tmp_path / "site")
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--site", str(site), "--jobs", value])
    assert exit_info.value.code == 2
    assert "expected a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_rendered_page_once(tmp_path: Path, pool_calls, jobs: int):
    site = copy_bundled_site(tmp_path / "site")
    totals: list[int] = []
    steps: list[int] = []

    @contextmanager
    def recording_progress(total: int):
        totals.append(total)
        yield steps.append

    build_site(site, jobs=jobs, progress=recording_progress)
    assert totals == [180]
    assert sum(steps) == 180


def test_a_worker_checks_the_pages_with_the_same_findings(tmp_path: Path, pool_calls):
    site = copy_bundled_site(tmp_path / "site")
    german = site / "content/de/chatmail.md"
    german.write_text(german.read_text(encoding="utf-8").replace("20 Tagen", "40 Tagen"), encoding="utf-8")
    serial = build_site(site, jobs=1)
    cached = CachedBuild(None)
    pooled = build_site(site, jobs=2, reuse_source=cached)
    assert pool_calls
    assert pooled.diagnostics.sorted() == serial.diagnostics.sorted()
    assert any("40 here" in d.message for d in pooled.diagnostics.warnings)
    records = cached.records(pooled)
    assert records is not None and records.derived["qa-pair"]  # handed back to this process

"""The output folder: safe names, ownership, refused locations, atomic and reproducible builds."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import EXIT_CONTENT_ERROR, EXIT_OK, EXIT_USAGE, main
from chatmail_site.load.i18n import build_date
from chatmail_site.render.relay_front import gzip_bytes
from chatmail_site.write.output import (
    MARKER,
    PAUSE_AFTER_FILES_VARIABLE,
    OutputError,
    safe_relative_path,
    write_atomically,
)
from tests.support import REPO_ROOT
from tests.support.sites import page, write_site


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below root by relative path, with the SHA-256 of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def build(site: Path, out: Path, *extra: str) -> int:
    return main(["build", "--site", str(site), "--out", str(out), *extra])


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "a\x00b"])
def test_names_that_leave_the_output_are_refused(name: str) -> None:
    with pytest.raises(OutputError):
        safe_relative_path(name)


@pytest.mark.parametrize("out", [".", "content", "content/en", "themes", "locales/de", ".."])
def test_an_output_folder_among_the_sources_is_refused(
    make_site, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site({})
    before = tree_digest(site.parent)
    assert build(site, site / out) == EXIT_USAGE
    assert "chatmail-site: error: the output folder" in capsys.readouterr().err
    assert tree_digest(site.parent) == before


def test_a_folder_the_tool_did_not_create_is_not_replaced(make_site, tmp_path: Path) -> None:
    site = make_site({})
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"precious")
    assert build(site, foreign) == EXIT_USAGE
    assert build(site, foreign, "--clean") == EXIT_USAGE
    assert tree_digest(foreign) == {"holiday.jpg": hashlib.sha256(b"precious").hexdigest()}


def test_an_own_staging_folder_left_by_a_dead_build_with_the_same_process_id_is_cleared(
    tmp_path: Path,
) -> None:
    # Process ids are reused (in containers they start small): the stale folder must not block.
    out = tmp_path / "build"
    stale = tmp_path / f".build.new-{os.getpid()}"
    stale.mkdir()
    (stale / "half-written.html").write_bytes(b"x")
    write_atomically(out, {"index.html": b"new"})
    assert not stale.exists()
    assert (out / "index.html").read_bytes() == b"new" and (out / MARKER).is_file()


def test_a_failing_build_leaves_the_previous_output_unchanged(make_site, tmp_path: Path) -> None:
    site = make_site({"content/en/about.md": page("About", "en")})
    out = tmp_path / "out"
    assert build(site, out) == EXIT_OK
    before = tree_digest(out)
    (site / "content/en/about.md").write_text("no front matter\n")
    (site / "content/en/new.md").write_text(page("New", "en"))
    assert build(site, out) == EXIT_CONTENT_ERROR
    assert tree_digest(out) == before


def test_strict_turns_warnings_into_a_failed_build(make_site, tmp_path: Path) -> None:
    site = make_site({"content/en/about.md": page("About", "en", titel="typo")})
    out = tmp_path / "out"
    assert build(site, out, "--strict") == EXIT_CONTENT_ERROR
    assert not out.exists()
    assert build(site, out) == EXIT_OK
    before = tree_digest(out)
    (site / "content/en/about.md").write_text(page("Changed", "en", titel="typo"))
    assert build(site, out, "--strict") == EXIT_CONTENT_ERROR
    assert tree_digest(out) == before


def test_gzip_bytes_are_reproducible_and_carry_no_name_or_time() -> None:
    data = b"<!DOCTYPE html>" * 100
    packed = gzip_bytes(data)
    assert packed == gzip_bytes(data)
    assert packed[3] & 0x08 == 0  # FNAME flag: no file name stored
    assert packed[4:8] == b"\0\0\0\0"  # MTIME
    assert gzip.decompress(packed) == data


def test_build_date_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")  # 2020-01-01
    assert build_date() == date(2020, 1, 1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_date() == date.today()


def test_the_since_check_uses_source_date_epoch(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"content/servers.yaml": "- domain: nine.testrun.org\n  since: 2021-06\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")  # 2020-01-01: 2021-06 is in the future
    assert any("since" in d.message for d in build_site(site).diagnostics.errors)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11
    assert not build_site(site).diagnostics.errors


# ---- whole builds in real processes ----------------------------------------------------


def large_site(root: Path, pages: int) -> Path:
    files = {
        "site.yaml": "title: Large\ndefault_language: en\nlanguages: [en, de]\n",
        "content/servers.yaml": "- domain: nine.testrun.org\n  since: 2023-01\n",
    }
    for number in range(pages):
        body = f"## Part {number}\n\nText.\n"
        files[f"content/en/page-{number:04d}.md"] = page(f"Page {number}", "en", body)
    return write_site(root, files)


def run_build(site: Path, out: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "chatmail_site", "build", "--site", str(site), "--out", str(out)],
        cwd=REPO_ROOT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def built_large_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    root = tmp_path_factory.mktemp("large")
    site = large_site(root / "site", 300)
    out = root / "out"
    process = run_build(site, out)
    assert process.wait() == 0, process.stderr.read().decode() if process.stderr else ""
    return site, out, sum(1 for path in out.rglob("*") if path.is_file()) - 1


@pytest.mark.timeout(120)
@pytest.mark.parametrize("point", ["first-file", "halfway", "before-swap"])
def test_a_killed_build_leaves_the_previous_output_whole(built_large_site, point: str) -> None:
    site, out, file_count = built_large_site
    before = tree_digest(out)
    (site / "content/en/index.md").write_text(page("Changed home", "en"))
    pause_after = {"first-file": 1, "halfway": file_count // 2, "before-swap": file_count}[point]
    process = run_build(site, out, **{PAUSE_AFTER_FILES_VARIABLE: str(pause_after)})
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once the writer stops itself
    assert os.WIFSTOPPED(status), "the build ended before reaching the pause point"
    staging = list(out.parent.glob(f".{out.name}.new-*"))
    assert staging, "the build should be writing into a staging folder"
    process.kill()  # SIGKILL: no cleanup code can run
    process.wait()
    assert tree_digest(out) == before
    # The next build clears the dead build's staging folder and publishes the change.
    assert run_build(site, out).wait() == 0
    assert not list(out.parent.glob(f".{out.name}.new-*"))
    assert b"Changed home" in (out / "en/index.html").read_bytes()
    (site / "content/en/index.md").write_text(page("Home", "en"))
    assert run_build(site, out).wait() == 0
    assert tree_digest(out) == before


@pytest.mark.timeout(120)
def test_two_builds_of_the_same_sources_are_byte_identical(built_large_site, tmp_path: Path) -> None:
    site, first, _ = built_large_site
    second = tmp_path / "second"
    # Another hash seed changes the order of every set: output must not depend on it.
    assert run_build(site, second, PYTHONHASHSEED="12345").wait() == 0
    assert tree_digest(second) == tree_digest(first)


def test_an_unchanged_output_is_left_alone_unless_it_holds_something_else(tmp_path: Path) -> None:
    out = tmp_path / "build"
    files = {"en/index.html": b"<p>en</p>", "en/donate/index.html": b"<p>donate</p>", "robots.txt": b"x"}
    write_atomically(out, files)
    folder_inode = out.stat().st_ino
    write_atomically(out, files)
    assert out.stat().st_ino == folder_inode  # nothing changed: not swapped
    (out / "en/donate/stray.html").write_bytes(b"not ours")
    write_atomically(out, files)
    assert not (out / "en/donate/stray.html").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "en/linked").symlink_to(elsewhere, target_is_directory=True)
    write_atomically(out, files)
    assert not (out / "en/linked").exists()
    assert tree_digest(out).keys() - {MARKER} == files.keys()

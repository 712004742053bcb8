"""The output folder: safe names, ownership, refused locations, atomic and reproducible builds."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import shutil
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
    MARKER_TEXT,
    PAUSE_AFTER_FILES_VARIABLE,
    OutputError,
    remove_output,
    safe_relative_path,
    spare_dir_for,
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


@pytest.mark.timeout(180)
@pytest.mark.parametrize("into", ["staging", "spare"])
@pytest.mark.parametrize("point", ["first-file", "halfway", "before-swap"])
def test_a_killed_build_leaves_the_previous_output_whole(built_large_site, point: str, into: str) -> None:
    site, out, file_count = built_large_site
    spare = spare_dir_for(out)
    if into == "staging":
        shutil.rmtree(spare, ignore_errors=True)
    elif not spare.exists():
        (site / "content/en/index.md").write_text(page("Home once more", "en"))
        assert run_build(site, out).wait() == 0
        (site / "content/en/index.md").write_text(page("Home", "en"))
        assert run_build(site, out).wait() == 0
    assert spare.is_dir() == (into == "spare")
    before = tree_digest(out)
    (site / "content/en/index.md").write_text(page("Changed home", "en"))
    pause_after = {"first-file": 1, "halfway": file_count // 2, "before-swap": file_count}[point]
    process = run_build(site, out, **{PAUSE_AFTER_FILES_VARIABLE: str(pause_after)})
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once the writer stops itself
    assert os.WIFSTOPPED(status), "the build ended before reaching the pause point"
    staging = list(out.parent.glob(f".{out.name}.new-*"))
    assert bool(staging) == (into == "staging"), "the build should be writing into its staging folder"
    process.kill()  # SIGKILL: no cleanup code can run
    process.wait()
    assert tree_digest(out) == before
    # The next build clears the dead build's staging folder, or puts the half-updated spare
    # right, and publishes the change.
    assert run_build(site, out).wait() == 0
    assert not list(out.parent.glob(f".{out.name}.new-*"))
    assert b"Changed home" in (out / "en/index.html").read_bytes()
    (site / "content/en/index.md").write_text(page("Home", "en"))
    assert run_build(site, out).wait() == 0
    assert tree_digest(out) == before
    assert spare.is_dir()  # the previous output is kept for the next build to update


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


def folder_inodes(root: Path) -> dict[str, int]:
    return {
        path.relative_to(root).as_posix(): path.stat().st_ino for path in root.rglob("*") if path.is_dir()
    }


def test_a_rebuild_updates_the_previous_output_kept_as_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "build"
    pages = {f"en/page-{number}/index.html": f"<p>{number}</p>".encode() for number in range(20)}
    first = {**pages, "index.html": b"one"}
    write_atomically(out, first)
    first_folders = folder_inodes(out)
    second = {**pages, "index.html": b"two"}
    write_atomically(out, second)
    assert tree_digest(spare_dir_for(out)).keys() - {MARKER} == first.keys()
    third = {**pages, "index.html": b"three", "en/new/index.html": b"new"}
    del third["en/page-3/index.html"]
    write_atomically(out, third)
    # The first output's folders were updated, not made again: a rebuild costs what changed.
    assert {name: inode for name, inode in folder_inodes(out).items() if name in first_folders} == {
        name: inode for name, inode in first_folders.items() if name != "en/page-3"
    }
    assert tree_digest(out) == {**tree_digest_of(third), MARKER: hashlib.sha256(MARKER_TEXT).hexdigest()}
    # The previous output, sharing its unchanged files with this one, stayed whole.
    assert tree_digest(spare_dir_for(out)).keys() - {MARKER} == second.keys()
    assert (spare_dir_for(out) / "index.html").read_bytes() == b"two"


def tree_digest_of(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_whatever_the_spare_holds_the_output_holds_only_the_build(tmp_path: Path) -> None:
    out = tmp_path / "build"
    files = {"en/index.html": b"<p>en</p>", "en/donate/index.html": b"<p>donate</p>", "robots.txt": b"x"}
    write_atomically(out, {**files, "robots.txt": b"old"})
    write_atomically(out, files)
    spare = spare_dir_for(out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_bytes(b"not ours")
    shutil.rmtree(spare / "en/donate")
    (spare / "en/donate").symlink_to(elsewhere, target_is_directory=True)  # a linked folder
    (spare / "en/stray.html").write_bytes(b"stray")
    (spare / "en/index.html").unlink()
    (spare / "en/index.html").write_bytes(b"<p>half writ")  # a write cut short
    (spare / "robots.txt").unlink()
    (spare / "robots.txt").mkdir()  # a folder where a file belongs
    changed = {**files, "robots.txt": b"y"}
    write_atomically(out, changed)
    assert tree_digest(out) == {**tree_digest_of(changed), MARKER: hashlib.sha256(MARKER_TEXT).hexdigest()}
    assert not (out / "en/donate").is_symlink()
    assert tree_digest(elsewhere) == {"index.html": hashlib.sha256(b"not ours").hexdigest()}


def test_a_spare_in_use_by_another_build_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_atomically(out, {"index.html": b"one"})
    write_atomically(out, {"index.html": b"two"})
    spare = spare_dir_for(out)
    held = os.open(spare, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        write_atomically(out, {"index.html": b"three"})
        assert (out / "index.html").read_bytes() == b"three"
        assert (spare / "index.html").read_bytes() == b"one"  # not touched while locked
    finally:
        os.close(held)
    assert not list(tmp_path.glob(".build.new-*"))


def test_removing_the_output_removes_its_spare(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_atomically(out, {"index.html": b"one"})
    write_atomically(out, {"index.html": b"two"})
    assert spare_dir_for(out).is_dir()
    remove_output(out)
    assert list(tmp_path.iterdir()) == []

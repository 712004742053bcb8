"""Writing the output directory: safe paths, an atomic swap, and a marker of ownership."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from chatmail_site.core.urls import output_name_problem

MARKER = ".chatmail-site-output"
MARKER_TEXT = b"This folder is written by chatmail-site; each build replaces it whole.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# Tests only: the writer stops itself (SIGSTOP) after this many files, so a test can kill
# it at a known point of the write. Nothing else reads this variable.
PAUSE_AFTER_FILES_VARIABLE = "CHATMAIL_SITE_TEST_PAUSE_AFTER_FILES"
# The folders of a site that the output must never replace or sit inside.
SOURCE_FOLDERS = ("content", "themes", "locales")


class OutputError(Exception):
    """The output folder cannot be written safely; the message says why."""


class Kept(bytes):
    """An output file taken unchanged from the previous build: its bytes, and where they are.

    The writer links the previous file into the new output instead of writing it again, so
    a file that did not change keeps its identity and time (and costs no write).
    """

    source: str

    @classmethod
    def read(cls, path: str) -> Kept:
        with open(path, "rb") as file:
            kept = cls(file.read())
        kept.source = path
        return kept


def safe_relative_path(name: str) -> PurePosixPath:
    """Validate a path below the output root: relative, no `..`, no empty or odd parts."""
    check_relative_name(name)
    return PurePosixPath(name)


def check_relative_name(name: str) -> None:
    """Refuse a name that would leave the output folder."""
    problem = output_name_problem(name)
    if problem is not None:
        raise OutputError(problem)


def check_output_location(out_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder that is, contains, or lies inside the site's sources."""
    out = out_dir.resolve()
    site = site_dir.resolve()
    if out == site or site.is_relative_to(out):
        raise OutputError(f"the output folder {out_dir} is or contains the site folder")
    for folder in SOURCE_FOLDERS:
        if out.is_relative_to(site / folder):
            raise OutputError(
                f"the output folder {out_dir} lies inside the site's {folder}/ folder; "
                "choose a folder outside the sources, such as build/"
            )


def check_owned(out_dir: Path) -> None:
    """Refuse to replace a folder that this tool did not create."""
    if out_dir.is_symlink():
        raise OutputError(f"{out_dir} is a symbolic link; refusing to replace it")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise OutputError(
            f"{out_dir} exists and was not created by chatmail-site; refusing to replace it "
            "(choose another --out, or empty the folder yourself)"
        )


def remove_output(out_dir: Path) -> None:
    """Delete an output folder this tool created, with the leftovers of killed builds.

    Used by `build --clean`; a folder without the marker is refused, never deleted.
    """
    out_dir = out_dir.absolute()
    check_owned(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if out_dir.parent.is_dir():
        _remove_stale_siblings(out_dir)


def write_atomically(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write every file into a sibling folder, then swap it in at once.

    A build that fails or is killed before the swap leaves the previous output untouched.
    """
    out_dir = out_dir.absolute()
    check_owned(out_dir)
    unchanged = _unchanged_files(out_dir, files)
    if len(unchanged) == len(files) and _holds_only(out_dir, files):
        return  # a rebuild with nothing changed: the output stays as it is, untouched
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.new-{os.getpid()}"
    _remove_stale_siblings(out_dir)
    staging.mkdir()
    try:
        _write_tree(staging, files, out_dir, unchanged)
        _swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _unchanged_files(out_dir: Path, files: Mapping[str, bytes]) -> set[str]:
    """The files whose copy in the finished output `out_dir` already holds these bytes."""
    if not (out_dir / MARKER).is_file():
        return set()
    root = str(out_dir)
    return {name for name, data in files.items() if _is_same_file(f"{root}/{name}", data)}


def _holds_only(out_dir: Path, files: Mapping[str, bytes]) -> bool:
    """Whether `out_dir` holds no file besides these (and its marker), and no linked folder.

    Every page is a folder of its own, so this walks thousands of folders on a rebuild with
    nothing changed: plain strings and the file types scandir already knows keep it cheap.
    """
    present: set[str] = set()
    pending = [(str(out_dir), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    if entry.is_dir():
                        return False  # a linked folder is never the tool's own output
                    present.add(prefix + entry.name)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    present.add(prefix + entry.name)
    present.discard(MARKER)
    return present == files.keys()


def _is_same_file(path: str, data: bytes) -> bool:
    """Whether `path` is a regular file holding `data` (a kept file: that very file)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False  # only regular files count, never a link someone put there
    if isinstance(data, Kept):
        return data.source == path
    try:
        with open(path, "rb") as file:
            return file.read() == data
    except OSError:
        return False


def _write_tree(root: Path, files: Mapping[str, bytes], previous: Path, unchanged: set[str]) -> None:
    """Write every file below `root`; the `unchanged` ones are linked from `previous`.

    Files are never changed in place, only replaced, so sharing one between the old and the
    new output is safe; a web server or sync tool then sees an unchanged file unchanged.
    Paths are joined as strings: this loop runs once for every file of the site.
    """
    pause_after = _pause_after_files()
    made: set[str] = set()
    root_name, previous_name = str(root), str(previous)
    for count, name in enumerate(sorted(files), start=1):
        check_relative_name(name)
        target = f"{root_name}/{name}"
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if name not in unchanged or not _link(f"{previous_name}/{name}", target):
            with open(target, "wb") as file:
                file.write(files[name])
        if count == pause_after:
            os.kill(os.getpid(), signal.SIGSTOP)
    (root / MARKER).write_bytes(MARKER_TEXT)


def _link(old: str, target: str) -> bool:
    try:
        os.link(old, target, follow_symlinks=False)
    except OSError:  # another file system, or links not allowed: the bytes are written instead
        return False
    return True


def _pause_after_files() -> int | None:
    value = os.environ.get(PAUSE_AFTER_FILES_VARIABLE, "")
    return int(value) if value.isdigit() else None


def _swap_in(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now holds the previous output
        return
    # No atomic exchange on this system: the old output is moved aside for a moment.
    previous = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    os.rename(out_dir, previous)
    os.rename(staging, out_dir)
    shutil.rmtree(previous)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step with Linux renameat2(RENAME_EXCHANGE)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), f"cannot swap {a} and {b}")


def _remove_stale_siblings(out_dir: Path) -> None:
    """Clear staging folders left by builds that were killed before they could clean up.

    A folder named after this very process is stale too: its owner died and the process
    id was reused (common in containers, where ids start small).
    """
    for pattern in (f".{out_dir.name}.new-*", f".{out_dir.name}.old-*"):
        for sibling in sorted(out_dir.parent.glob(pattern)):
            pid = sibling.name.rsplit("-", 1)[-1]
            if pid.isdigit() and (int(pid) == os.getpid() or not _process_alive(int(pid))):
                shutil.rmtree(sibling, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

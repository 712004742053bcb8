"""Writing the output directory: safe paths, an atomic swap, and a marker of ownership."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import signal
import stat
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

from chatmail_site.core.urls import output_name_problem
from chatmail_site.model.reuse import KeptOutput, OutputData, output_bytes

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
    """Delete an output folder this tool created, with its spare and the leftovers of killed
    builds.

    Used by `build --clean`; a folder without the marker is refused, never deleted.
    """
    out_dir = out_dir.absolute()
    check_owned(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if out_dir.parent.is_dir():
        _remove_stale_siblings(out_dir)
        spare = spare_dir_for(out_dir)
        if spare.is_dir() and not spare.is_symlink() and (spare / MARKER).is_file():
            shutil.rmtree(spare)


def write_atomically(out_dir: Path, files: Mapping[str, OutputData]) -> None:
    """Write every file into a sibling folder, then swap it in at once.

    A build that fails or is killed before the swap leaves the previous output untouched.
    The folder swapped out is kept beside the output as its spare (`.NAME.spare`): the next
    build brings that spare up to date and swaps it in, so a rebuild makes and deletes only
    the folders and files that changed instead of a whole new tree of page folders.
    """
    out_dir = out_dir.absolute()
    check_owned(out_dir)
    unchanged = _unchanged_files(out_dir, files)
    if len(unchanged) == len(files) and _holds_only(out_dir, files):
        return  # a rebuild with nothing changed: the output stays as it is, untouched
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out_dir)
    spare_lock = _lock_spare(out_dir) if out_dir.exists() else None
    if spare_lock is not None:
        try:
            _update_tree(spare_dir_for(out_dir), files, out_dir, unchanged)
            _swap_in(spare_dir_for(out_dir), out_dir, keep_previous=False)
        finally:
            os.close(spare_lock)
        return
    staging = out_dir.parent / f".{out_dir.name}.new-{os.getpid()}"
    staging.mkdir()
    try:
        _write_tree(staging, files, out_dir, unchanged)
        _swap_in(staging, out_dir, keep_previous=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def spare_dir_for(out_dir: Path) -> Path:
    """Where the previous output is kept between builds, to be updated into the next one."""
    return out_dir.parent / f".{out_dir.name}.spare"


def _lock_spare(out_dir: Path) -> int | None:
    """Open and lock the spare folder for this build, or None to write a fresh staging folder.

    The spare is used only when it is a real folder written by this tool, and no other build
    into the same output holds it: the lock is taken on the folder itself, and checked to
    still be the one at the spare's name once it is held. It must lie on the output's file
    system, where files are told apart by inode alone and the swap is one rename.
    """
    spare = spare_dir_for(out_dir)
    try:
        handle = os.open(spare, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None  # none yet (the first rebuild makes it), or not a folder: left alone
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held, named, output = os.fstat(handle), os.lstat(spare), os.lstat(out_dir)
        same_folder = (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
        if same_folder and held.st_dev == output.st_dev and (spare / MARKER).is_file():
            return handle
    except OSError:
        pass  # another build is updating it
    os.close(handle)
    return None


def _unchanged_files(out_dir: Path, files: Mapping[str, OutputData]) -> dict[str, int]:
    """The files whose copy in the finished output `out_dir` already holds these bytes, each
    with the inode of that copy."""
    if not (out_dir / MARKER).is_file():
        return {}
    root = str(out_dir)
    unchanged: dict[str, int] = {}
    for name, data in files.items():
        inode = _same_file_inode(f"{root}/{name}", data)
        if inode is not None:
            unchanged[name] = inode
    return unchanged


def _holds_only(out_dir: Path, files: Mapping[str, OutputData]) -> bool:
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


def _same_file_inode(path: str, data: OutputData) -> int | None:
    """The inode of `path` if it is a regular file holding `data` (a kept file: that very
    file), else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return None  # only regular files count, never a link someone put there
    if isinstance(data, KeptOutput):
        return info.st_ino if data.source == path else None
    try:
        with open(path, "rb") as file:
            return info.st_ino if file.read() == data else None
    except OSError:
        return None


def _write_tree(
    root: Path, files: Mapping[str, OutputData], previous: Path, unchanged: Mapping[str, int]
) -> None:
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
        _place(name, files[name], root_name, previous_name, unchanged, made)
        if count == pause_after:
            os.kill(os.getpid(), signal.SIGSTOP)
    (root / MARKER).write_bytes(MARKER_TEXT)


def _place(
    name: str,
    data: OutputData,
    root_name: str,
    previous_name: str,
    unchanged: Collection[str],
    made: set[str],
) -> None:
    """Put one output file where no file is: linked from the previous output when it is
    unchanged there, else written. `made` holds the folders known to exist already."""
    target = f"{root_name}/{name}"
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    if name not in unchanged or not _link(f"{previous_name}/{name}", target):
        with open(target, "xb") as file:
            file.write(output_bytes(data))


def _link(old: str, target: str) -> bool:
    try:
        os.link(old, target, follow_symlinks=False)
    except OSError:  # another file system, or links not allowed: the bytes are written instead
        return False
    return True


def _update_tree(
    root: Path, files: Mapping[str, OutputData], previous: Path, unchanged: Mapping[str, int]
) -> None:
    """Turn the spare folder `root`, an earlier output, into the output of these `files`.

    Whatever the spare holds is checked, since a build killed while updating it leaves it
    half done: anything that is not one of `files` goes (links, strays, folders no file lies
    in), a file is kept only when it is the very file the finished output `previous` holds
    unchanged, and every other file is replaced, never rewritten in place, because the spare
    shares its unchanged files with the output by hard links.
    """
    wanted_folders = {""}
    for name in files:
        check_relative_name(name)
        folder = name.rpartition("/")[0]
        while folder not in wanted_folders:
            wanted_folders.add(folder)
            folder = folder.rpartition("/")[0]
    present = _prune_tree(str(root), files, wanted_folders)
    pause_after = _pause_after_files()
    root_name, previous_name = str(root), str(previous)
    made = {f"{root_name}/{folder}" if folder else root_name for folder in wanted_folders & present.folders}
    for count, name in enumerate(sorted(files), start=1):
        target = f"{root_name}/{name}"
        inode = present.files.get(name)
        if inode is None or inode != unchanged.get(name):
            if inode is not None:
                os.unlink(target)
            _place(name, files[name], root_name, previous_name, unchanged, made)
        if count == pause_after:
            os.kill(os.getpid(), signal.SIGSTOP)
    marker = root / MARKER
    marker.unlink(missing_ok=True)
    marker.write_bytes(MARKER_TEXT)


class _Present:
    """What a pruned tree still holds: its regular files (by inode) and its folders."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self.folders: set[str] = {""}


def _prune_tree(root: str, files: Mapping[str, OutputData], wanted_folders: set[str]) -> _Present:
    """Delete below `root` everything that is not one of `files` or a folder they lie in.

    Links are deleted, never followed; a folder not wanted is deleted whole. Plain strings
    and the file types scandir already knows keep this walk of every page folder cheap.
    """
    present = _Present()
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if name in wanted_folders:
                        present.folders.add(name)
                        pending.append((entry.path, name + "/"))
                    else:
                        shutil.rmtree(entry.path)
                elif name in files and entry.is_file(follow_symlinks=False):
                    present.files[name] = entry.inode()
                elif name != MARKER:
                    os.unlink(entry.path)
    return present


def _pause_after_files() -> int | None:
    value = os.environ.get(PAUSE_AFTER_FILES_VARIABLE, "")
    return int(value) if value.isdigit() else None


def _swap_in(staging: Path, out_dir: Path, keep_previous: bool) -> None:
    """Put `staging` in the place of `out_dir` in one step; the previous output ends up as
    the spare folder (at `staging` already when that was the spare, else moved there if
    `keep_previous`, else deleted)."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    spare = spare_dir_for(out_dir)
    if _exchange(staging, out_dir):
        previous = staging  # now holds the previous output
    else:
        # No atomic exchange on this system: the old output is moved aside for a moment.
        previous = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        os.rename(out_dir, previous)
        os.rename(staging, out_dir)
    if previous == spare:
        return
    if keep_previous and not os.path.lexists(spare):
        try:
            os.rename(previous, spare)
            return
        except OSError:
            pass  # another build made a spare meanwhile: this one is not needed
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

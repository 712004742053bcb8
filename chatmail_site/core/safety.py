"""Checks on the site's sources before anything in them is read, and the one way to read them.

Pages, assets, catalogs, site.yaml and the relay's chatmail.ini come from pull requests. A
symbolic link could publish a file from outside the site (a key, /etc/passwd) or make a file
of content/ a theme template, a FIFO would make the build wait forever, /dev/zero or a huge
file would fill the memory. So:

- `check_source_tree` walks content/, themes/ and locales/ by type and size only (nothing is
  opened) and reports every entry that is not a plain file or folder of the site;
- `confined_path` is the one rule for a path that a setting names (the theme, the ini);
- `read_source` is the one way a source file is read: its type and size are checked before
  it is opened, and again on the open file, and never more than its limit is read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chatmail_site.core.errors import Diagnostics, decode_utf8

# The folders of a site whose files the build reads or publishes.
SOURCE_FOLDERS = ("content", "themes", "locales")
# The theme is trusted and becomes templates: nothing in themes/ may lead out of it, so a
# link there can never turn a file of the untrusted content/ into a template.
THEMES_FOLDER = "themes"
# Any single source file above this is refused: the largest real asset is an image of a
# few hundred kilobytes, and every file is held in memory during the build.
MAX_SOURCE_FILE_BYTES = 20 * 1024 * 1024
# Settings files (site.yaml, the relay's chatmail.ini) are a few kilobytes.
MAX_SETTINGS_FILE_BYTES = 1024 * 1024
# Data files read as a whole: servers.yaml (10,000 relays are about 1 MiB) and .po catalogs.
MAX_DATA_FILE_BYTES = 8 * 1024 * 1024
# A folder name: no separator, no `.` or `..`, nothing a shell or URL treats specially.
FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class SourceProblem(Exception):
    """A source file or a path a setting names is refused; `message` and `hint` say why."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class SourceTree:
    """The outcome of check_source_tree: which entries the build may read."""

    refused: frozenset[Path]  # reported entries; nothing below them is read either
    files: tuple[Path, ...]  # every accepted file, sorted

    @property
    def ok(self) -> bool:
        return not self.refused

    def allows(self, path: Path) -> bool:
        """False for a refused entry and for anything inside a refused folder."""
        return not self.refused or not any(p in self.refused for p in (path, *path.parents))


def check_source_tree(site_dir: Path, diagnostics: Diagnostics) -> SourceTree:
    """Report links that leave the site (or the theme folder), links to folders, special
    files and oversized files, all at once; stat only, nothing is opened."""
    root = site_dir.resolve()
    refused: set[Path] = set()
    files: list[Path] = []
    for folder in SOURCE_FOLDERS:
        top = site_dir / folder
        zone, where = _zone(root, folder)
        if not (top.is_symlink() or top.is_dir()):
            continue
        for path in _walk(top):
            problem = entry_problem(path, zone, where)
            if problem is not None:
                diagnostics.error(_display(path, site_dir), 0, problem.message, problem.hint)
                refused.add(path)
            elif not path.is_dir():
                files.append(path)
    return SourceTree(frozenset(refused), tuple(sorted(files)))


def _zone(root: Path, folder: str) -> tuple[Path, str]:
    """Where links in a source folder may point, and its name in messages: the theme folder
    for themes/, else the site folder."""
    if folder == THEMES_FOLDER:
        return root / folder, "the theme folder"
    return root, "the site folder"


def check_changed_entry(site_dir: Path, name: str, diagnostics: Diagnostics) -> bool:
    """The source-tree check for one changed file (site-relative), as the live preview sees
    changes one by one; True when the build may read it."""
    path = site_dir / name
    if not (path.exists() or path.is_symlink()):
        return True  # a deleted file: nothing to read
    problem = entry_problem(path, *_zone(site_dir.resolve(), PurePosixPath(name).parts[0]))
    if problem is not None:
        diagnostics.error(name, 0, problem.message, problem.hint)
    return problem is None


def _walk(top: Path) -> list[Path]:
    """Every entry below `top` (and `top` itself), without following links, sorted."""
    found = [top]
    if top.is_symlink():
        return found
    for directory, subdirs, names in os.walk(top, followlinks=False):
        subdirs.sort()
        found.extend(Path(directory, name) for name in sorted(subdirs + names))
    return found


def entry_problem(path: Path, zone: Path, where: str = "the site folder") -> SourceProblem | None:
    """Why the build must not read this entry of a source folder, or None.

    `zone` is the resolved folder its links must stay in (the site, or for the theme its
    themes/ folder), `where` its name in messages.
    """
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(zone):
                return SourceProblem(
                    f"this link points outside {where} (to {os.readlink(path)})",
                    "replace the link with a copy of the file",
                )
            if not target.exists():
                return SourceProblem("this link points to nothing", "remove it or fix its target")
            if target.is_dir():
                return SourceProblem(
                    "this link points to a folder", "replace the link with a copy of the folder"
                )
        info = path.stat()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        return SourceProblem(f"this entry cannot be read: {exc}", "replace it with a plain file")
    if stat.S_ISDIR(info.st_mode):
        return None
    return file_problem(info, MAX_SOURCE_FILE_BYTES)


LARGE_FILE_HINT = "publish large downloads somewhere else and link to them"


def file_problem(
    info: os.stat_result, limit: int, too_large_hint: str = LARGE_FILE_HINT
) -> SourceProblem | None:
    """Why a file with this status must not be read: not a regular file, or above `limit`."""
    if stat.S_ISDIR(info.st_mode):
        return SourceProblem("this is a folder, not a file", "replace it with a plain file")
    if not stat.S_ISREG(info.st_mode):
        return SourceProblem(
            "this is not a regular file (a pipe, socket or device)", "replace it with a plain file"
        )
    if info.st_size > limit:
        return too_large(limit, too_large_hint)
    return None


def too_large(limit: int, hint: str) -> SourceProblem:
    return SourceProblem(f"the file is larger than the {_size_text(limit)} limit", hint)


def _size_text(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit // 1024} KiB"


def read_source(
    path: Path, limit: int = MAX_SOURCE_FILE_BYTES, too_large_hint: str = LARGE_FILE_HINT
) -> bytes:
    """The bytes of one source file; SourceProblem for anything but a regular file of at most
    `limit` bytes.

    The type is checked before the open (opening a FIFO waits for a writer), the open does
    not block, the open file is checked again (it may have been swapped meanwhile), and at
    most `limit` bytes are read (a file may grow, and /proc files claim a size of zero).
    """
    try:
        problem = file_problem(os.stat(path), limit, too_large_hint)
        if problem is not None:
            raise problem
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as file:
            problem = file_problem(os.fstat(file.fileno()), limit, too_large_hint)
            if problem is not None:
                raise problem
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise SourceProblem("the file does not exist", "check the file name") from None
    except OSError as exc:
        raise SourceProblem(f"the file cannot be read: {exc.strerror}", "check its permissions") from None
    if len(data) > limit:
        raise too_large(limit, too_large_hint)
    return data


def read_source_text(
    path: Path,
    shown: str | Path,
    diagnostics: Diagnostics,
    limit: int,
    too_large_hint: str,
    encoding_hint: str = "save the file with UTF-8 encoding in your editor",
) -> str | None:
    """A source file's text by `read_source`'s rules, or None after an error naming `shown`:
    one that cannot be read at all is reported at line 0, bad UTF-8 at the bad byte's line."""
    try:
        data = read_source(path, limit, too_large_hint)
    except SourceProblem as problem:
        diagnostics.error(shown, 0, problem.message, problem.hint)
        return None
    return decode_utf8(data, shown, diagnostics, encoding_hint)


def confined_path(
    root: Path,
    name: str,
    *,
    folder: bool = False,
    limit: int = MAX_SOURCE_FILE_BYTES,
    where: str = "the site folder",
    zone: Path | None = None,
) -> Path:
    """The file (or with `folder`, the folder) that a setting names, relative to `root`.

    The one rule for every path a setting names: a relative path without `..`, which exists,
    is a regular file (or folder) of bounded size, and lies inside `root` once every link on
    the way is resolved (or inside `zone`, a resolved folder, when given). `where` names
    `root` in messages. Raises SourceProblem otherwise.
    """
    text = name.strip()
    pure = PurePosixPath(text)
    if not text or "\\" in text or "\x00" in text or pure.is_absolute() or ".." in pure.parts:
        raise SourceProblem(
            f"`{name}` is not a path inside {where}",
            f"write a path relative to {where}, without `..` or a leading `/`",
        )
    path = root / pure
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        raise SourceProblem(
            f"`{name}` cannot be resolved: {exc}", "replace the link with a plain file"
        ) from None
    if not resolved.is_relative_to(zone if zone is not None else root.resolve()):
        raise SourceProblem(
            f"`{name}` leads outside {where} (to {resolved})",
            f"copy the file into {where} instead of linking to it",
        )
    kind = "folder" if folder else "file"
    try:
        info = os.stat(path)
    except OSError:
        raise SourceProblem(f"the {kind} `{name}` does not exist", "check the spelling of the path") from None
    problem = None if folder else file_problem(info, limit)
    if folder and not stat.S_ISDIR(info.st_mode):
        problem = SourceProblem("it is not a folder", "name a folder")
    if problem is not None:
        raise SourceProblem(f"the {kind} `{name}`: {problem.message}", problem.hint)
    return path


def _display(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)


# Lines git writes around both sides of a merge it could not do by itself.
CONFLICT_START = re.compile(rb"^<{7}(?: |$)", re.MULTILINE)
CONFLICT_LINE = re.compile(rb"^(?:<{7}|\|{7}|={7}|>{7})(?: |$)")
# Files that are not text; a marker cannot be in them.
BINARY_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".avif", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
    | {".pdf", ".zip", ".gz", ".xz", ".mo", ".mp4", ".webm"}
)


def check_conflict_markers(
    site_dir: Path, diagnostics: Diagnostics, names: Iterable[str] | None = None
) -> None:
    """An error at each merge-conflict marker line (<<<<<<<, =======, >>>>>>>) of a source file.

    Such a file holds both sides of a merge: its page would show both, and the relay's own
    deploy refuses it. `names` (site-relative) limits the check to some files; by default
    site.yaml and every file under the source folders are read.
    """
    paths = [site_dir / name for name in names] if names is not None else _source_files(site_dir)
    for path in paths:
        if path.suffix.lower() in BINARY_SUFFIXES or not path.is_file() or path.is_symlink():
            continue
        try:
            if path.stat().st_size > MAX_SOURCE_FILE_BYTES:
                continue  # refused by the source-tree check already
            data = path.read_bytes()
        except OSError:
            continue  # the stage that needs the file reports why it cannot be read
        if not CONFLICT_START.search(data) or b"\0" in data[:1024]:
            continue
        for number, line in enumerate(data.split(b"\n"), start=1):
            if CONFLICT_LINE.match(line.rstrip(b"\r")):
                diagnostics.error(
                    _display(path, site_dir),
                    number,
                    f"a merge-conflict marker `{line[:7].decode()}`: "
                    "this file still holds both sides of a merge",
                    "keep the text that is right, and delete the lines <<<<<<<, ======= and >>>>>>>",
                )


def _source_files(site_dir: Path) -> list[Path]:
    files = [site_dir / "site.yaml"]
    for folder in SOURCE_FOLDERS:
        top = site_dir / folder
        if top.is_dir() and not top.is_symlink():
            files.extend(path for path in _walk(top) if path.is_file())
    return files

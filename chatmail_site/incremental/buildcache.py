"""The persistent build cache: what the last build read, so the next one renders only what changed.

It lives in a folder next to the output (`build/` → `.build.cache/`) and holds one JSON file:

- a digest of everything that touches every page: the tool's own code and its libraries'
  versions, site.yaml, the catalogs, the theme's static files, the site's assets, the base
  URL, and the shape of the site (which pages exist in which language, their titles and menu
  entries, which translations count as translated);
- a digest of each input a single output may read: every content page, each template by
  name, servers.yaml (with the date, which relay facts are counted from);
- for every page and relay page: the inputs it read and what it showed of its translation
  check; for every output file: its size, time and inode when this build wrote it;
- the problems found while rendering, and derived results (translation checks, QR images).

A build reuses a previous output file only when the first digest is unchanged, none of the
inputs that output read changed, and the file is still the one the last build wrote. The
site-wide files (root and 404 pages, sitemap, QR images) are reused by the same rule as in
the live preview (KeptSiteFiles). Every
key is a hash of content; file times serve only to notice an output edited by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatmail_site import __version__
from chatmail_site.core.errors import Diagnostic
from chatmail_site.core.safety import MAX_SETTINGS_FILE_BYTES, SourceProblem, confined_path, read_source
from chatmail_site.incremental.dependencies import (
    ShownCheck,
    affected_outputs,
    originals_answered_by_checks,
    shown_checks,
)
from chatmail_site.load.config import CONFIG_FILE, bundled_dir
from chatmail_site.load.i18n import build_date
from chatmail_site.model.cache import DerivedCache, content_key
from chatmail_site.model.reuse import SERVERS_KEY, KeptOutput, KeptSiteFiles, OutputData, Reuse, template_key

if TYPE_CHECKING:
    from chatmail_site.build import BuildResult
    from chatmail_site.load.site import Site
    from chatmail_site.model.plan import SitePlan

CACHE_FORMAT = 2
STATE_FILE = "state.json"
# The libraries whose output ends up in pages: a new version may render differently.
# py3langid decides the language findings, which the cache keeps too.
RENDERING_LIBRARIES = (
    *("markdown", "jinja2", "babel", "nh3", "qrcode", "PyYAML", "python-frontmatter"),
    "py3langid",
)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Site folders that are read as a whole; what is not a page, servers.yaml or a template
# in them touches every page.
SOURCE_ROOTS = ("site.yaml", "content", "themes", "locales")


def cache_dir_for(out_dir: Path) -> Path:
    """The cache folder of an output folder: its sibling `.<name>.cache`."""
    out_dir = out_dir.absolute()
    return out_dir.parent / f".{out_dir.name}.cache"


# ---- inputs -----------------------------------------------------------------------------


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


BUNDLED_PREFIX = "<bundled>/"


def _snapshot_roots(site_dir: Path) -> list[tuple[Path, Path, str]]:
    """Each folder or file hashed, with the folder its name is taken relative to and the
    prefix of that name: the site's sources first, then the bundled themes and catalogs."""
    site = site_dir.absolute()
    roots = [(site / name, site, "") for name in SOURCE_ROOTS]
    for name in ("themes", "locales"):
        bundled = bundled_dir(name).absolute()
        roots.append((bundled, bundled.parent, BUNDLED_PREFIX))
    return roots


def snapshot_sources(site_dir: Path, checked_files: Iterable[Path]) -> dict[str, str]:
    """A digest of every source file, taken before the build reads them.

    `checked_files` are the files of content/, themes/ and locales/ that the source-tree
    check let through: nothing is read before that check. site.yaml and the bundled themes
    and catalogs are added here. A file that cannot be read safely is left out; the stage
    that reads it reports it. Hashing first means a file saved while the build runs is seen
    as changed next time, never recorded as current with an output made from its older text.
    """
    site = site_dir.absolute()
    files: list[tuple[Path, Path, str]] = [(file.absolute(), site, "") for file in checked_files]
    for name in ("themes", "locales"):
        bundled = bundled_dir(name).absolute()
        files += [
            (path, bundled.parent, BUNDLED_PREFIX) for path in sorted(bundled.rglob("*")) if path.is_file()
        ]
    snapshot: dict[str, str] = {}
    with contextlib.suppress(SourceProblem):  # site.yaml is not in the tree: it is confined here
        config = confined_path(site, CONFIG_FILE, limit=MAX_SETTINGS_FILE_BYTES)
        snapshot[CONFIG_FILE] = file_digest(read_source(config, MAX_SETTINGS_FILE_BYTES))
    for file, base, prefix in files:
        try:
            snapshot[prefix + file.relative_to(base).as_posix()] = file_digest(read_source(file))
        except SourceProblem:
            continue
    return dict(sorted(snapshot.items()))


def snapshot_key(site_dir: Path, path: Path) -> str:
    """The name of a file in the snapshot: site-relative, or under <bundled>/."""
    resolved = path.absolute()
    for root, base, prefix in _snapshot_roots(site_dir):
        if resolved.is_relative_to(root):
            return prefix + resolved.relative_to(base).as_posix()
    return resolved.as_posix()


@dataclass(frozen=True)
class Inputs:
    """The inputs of a build: one digest for what touches everything, one per other input."""

    environment: str  # the tool and its libraries (see environment_digest)
    site_digest: str  # the environment and everything else that touches every page
    keyed: Mapping[str, str]


def build_inputs(
    site: Site, plan: SitePlan, snapshot: Mapping[str, str], today: str, environment: str
) -> Inputs:
    """Sort the snapshot into the keyed inputs outputs record and the rest, digested together."""
    site_dir = site.config.root
    keyed: dict[str, str] = {}
    claimed: set[str] = set()
    for page in site.content.pages.values():
        if page.display_path in snapshot:
            keyed[page.display_path] = snapshot[page.display_path]
            claimed.add(page.display_path)
    servers = snapshot_key(site_dir, site.config.servers_file)
    keyed[SERVERS_KEY] = content_key(snapshot.get(servers, ""), today)
    claimed.add(servers)
    for name, path in _template_files(site).items():
        key = snapshot_key(site_dir, path)
        keyed[template_key(name)] = snapshot.get(key, "")
        claimed.add(key)
    rest = sorted((name, digest) for name, digest in snapshot.items() if name not in claimed)
    site_digest = content_key(
        environment,
        json.dumps(rest),
        site.config.base_url or "",
        _fronted_ini_digest(site),
        shape_digest(site, plan),
    )
    return Inputs(environment, site_digest, keyed)


def _template_files(site: Site) -> dict[str, Path]:
    """Each template name with the file the theme's loader takes it from (site copy first)."""
    environment = site.theme.env
    loader = environment.loader
    assert loader is not None, "a theme always has its file loader"
    return {name: Path(loader.get_source(environment, name)[1]) for name in environment.list_templates()}


def _fronted_ini_digest(site: Site) -> str:
    ini = site.config.fronts.ini if site.config.fronts else None
    if ini is None:
        return ""
    try:
        return file_digest(read_source(ini, MAX_SETTINGS_FILE_BYTES))
    except SourceProblem:
        return ""


def shape_digest(site: Site, plan: SitePlan) -> str:
    """Which pages exist where, their titles and menu entries, and which count as translated.

    These show on pages other than their own (menus, language switchers, hreflang links,
    fallbacks), so when they change every page is rendered again.
    """
    pages = sorted(
        (p.display_path, p.slug, p.lang, p.title, p.short_title or "", repr(p.nav))
        for p in site.content.pages.values()
    )
    outputs = [item.output for item in (*plan.pages, *plan.relay_pages)]
    translated = sorted((slug, list(langs)) for slug, langs in plan.translated.items())
    return content_key(json.dumps([pages, outputs, translated], ensure_ascii=False))


def environment_digest() -> str:
    """The tool's own code and the versions of the libraries that shape its output."""
    parts = [sys.version, __version__]
    for library in RENDERING_LIBRARIES:
        try:
            parts.append(f"{library} {importlib.metadata.version(library)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{library} -")
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts.append(file_digest(path.read_bytes()))
    return content_key(*parts)


# ---- records ----------------------------------------------------------------------------

# An output file as this build left it: size, modification time in ns, inode.
FileStamp = tuple[int, int, int]


@dataclass
class BuildRecords:
    """What one build read and wrote, to be saved for the next one."""

    inputs: Inputs
    dependencies: dict[str, frozenset[str]]  # page or relay page output → input keys it read
    checks: dict[str, ShownCheck]  # page output → what it shows of its translation check
    diagnostics: list[Diagnostic]  # problems found while rendering pages
    derived: dict[str, list[Any]]  # DerivedCache entries worth keeping
    stamps: dict[str, FileStamp] = field(default_factory=dict)


def stamp_outputs(records: BuildRecords, out_dir: Path, outputs: Iterable[str]) -> None:
    """Note how each output file looks now that it is written."""
    root = str(out_dir)
    for output in outputs:
        try:
            info = os.stat(f"{root}/{output}")
        except OSError:
            continue
        records.stamps[output] = (info.st_size, info.st_mtime_ns, info.st_ino)


def save_build_records(cache_dir: Path, out_dir: Path, records: BuildRecords, outputs: Iterable[str]) -> None:
    """Keep a written build's records; a cache that cannot be written only costs speed."""
    stamp_outputs(records, out_dir, outputs)
    try:
        save_records(cache_dir, records)
    except OSError as exc:
        note = f"chatmail-site: note: the build cache {cache_dir} was not saved: {exc.strerror}"
        print(note, file=sys.stderr)


def remove_cache(cache_dir: Path) -> None:
    """Delete the build cache (for `build --clean`): only the files this tool writes there."""
    if not cache_dir.is_dir() or cache_dir.is_symlink():
        return
    for entry in cache_dir.iterdir():
        if entry.is_file() and (entry.name == STATE_FILE or entry.name.startswith(f".{STATE_FILE}.")):
            entry.unlink()
    with contextlib.suppress(OSError):  # something else was put there: it stays
        cache_dir.rmdir()


def save_records(cache_dir: Path, records: BuildRecords) -> None:
    """Write the records atomically; a killed build leaves the previous file or none."""
    depsets: dict[tuple[str, ...], int] = {}
    outputs = {}
    for output, inputs in records.dependencies.items():
        index = depsets.setdefault(tuple(sorted(inputs)), len(depsets))
        outputs[output] = [index, records.checks.get(output)]
    document = {
        "format": CACHE_FORMAT,
        "environment": records.inputs.environment,
        "site_digest": records.inputs.site_digest,
        "inputs": dict(records.inputs.keyed),
        "depsets": [list(inputs) for inputs in depsets],
        "outputs": outputs,
        "stamps": records.stamps,
        "diagnostics": [d.as_dict() for d in records.diagnostics],
        "derived": records.derived,
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f".{STATE_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, cache_dir / STATE_FILE)


@dataclass(frozen=True)
class PreviousBuild:
    """The records of the last successful build, next to the output it wrote."""

    out_dir: Path
    environment: str
    site_digest: str
    inputs: Mapping[str, str]
    dependencies: Mapping[str, tuple[str, ...]]
    checks: Mapping[str, ShownCheck]
    stamps: Mapping[str, FileStamp]
    diagnostics: tuple[Diagnostic, ...]
    derived: Mapping[str, list[Any]]

    def seed(self, cache: DerivedCache, environment: str) -> None:
        """Give the kept translation checks, QR images and language names to this build's
        cache, when they were made by the same tool with the same libraries."""
        if environment == self.environment:
            cache.import_entries(self.derived)

    def reuse(self, site: Site, plan: SitePlan, inputs: Inputs) -> Reuse | None:
        """What of the previous build this one can take over; None when every page may
        show something that changed (the tool, site.yaml, a catalog, the set of pages…)."""
        if inputs.site_digest != self.site_digest:
            return None
        keys = set(self.inputs) | set(inputs.keyed)
        changed = frozenset(key for key in keys if self.inputs.get(key) != inputs.keyed.get(key))
        answered = originals_answered_by_checks(self.checks, site, plan)
        affected = affected_outputs(self.dependencies, changed, answered)
        pages: dict[str, OutputData] = {}
        dependencies: dict[str, frozenset[str]] = {}
        for item in (*plan.pages, *plan.relay_pages):
            output = item.output
            if output in self.dependencies and output not in affected:
                kept = self.kept(output)
                if kept is not None:
                    pages[output] = kept
                    dependencies[output] = frozenset(self.dependencies[output])
        diagnostics = [d for d in self.diagnostics if d.path not in changed]
        return Reuse(pages, dependencies, KeptSiteFiles(PreviousFiles(self), changed), diagnostics)

    def path_of(self, output: str) -> str:
        return f"{self.out_dir}/{output}"

    def kept(self, output: str) -> KeptOutput | None:
        """The output file as the last build wrote it, unread; None when it was changed since."""
        stamp = self.stamps.get(output)
        if stamp is None:
            return None
        path = self.path_of(output)
        try:
            info = os.stat(path)
        except OSError:
            return None
        if (info.st_size, info.st_mtime_ns, info.st_ino) != tuple(stamp):
            return None
        return KeptOutput(path, info.st_size)


class PreviousFiles(Mapping[str, OutputData]):
    """The previous output's files that are still as the last build wrote them, unread."""

    def __init__(self, previous: PreviousBuild) -> None:
        self._previous = previous

    def __contains__(self, output: object) -> bool:
        return isinstance(output, str) and self._previous.kept(output) is not None

    def __getitem__(self, output: str) -> OutputData:
        kept = self._previous.kept(output)
        if kept is None:
            raise KeyError(output)
        return kept

    def __iter__(self) -> Iterator[str]:
        return (output for output in self._previous.stamps if output in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class CachedBuild:
    """One build that uses the build cache and makes its next records: the reuse source
    the build is given (see model/reuse.py).

    Without a previous build (none yet, or one that cannot be used) everything is
    rendered, and the records are made all the same.
    """

    def __init__(self, previous: PreviousBuild | None) -> None:
        self.previous = previous
        self._snapshot: dict[str, str] = {}
        self._today = ""
        self._environment = ""
        self._inputs: Inputs | None = None

    def sources_checked(self, site_dir: Path, files: Sequence[Path]) -> None:
        """Hash the sources before the build reads them (see snapshot_sources)."""
        self._snapshot = snapshot_sources(site_dir, files)
        self._today = build_date().isoformat()

    def seed(self, cache: DerivedCache) -> None:
        self._environment = environment_digest()
        if self.previous is not None:
            self.previous.seed(cache, self._environment)

    def previous_plan(self) -> None:
        """None: the plan of the build before is not kept on disk, and planning is cheap
        next to reading the sources."""
        return None

    def reuse(self, site: Site, plan: SitePlan) -> Reuse | None:
        self._inputs = build_inputs(site, plan, self._snapshot, self._today, self._environment)
        return self.previous.reuse(site, plan, self._inputs) if self.previous is not None else None

    def records(self, result: BuildResult) -> BuildRecords | None:
        """What to keep of a build that rendered every page; None for one that did not."""
        if self._inputs is None or result.plan is None or result.cache is None:
            return None
        return BuildRecords(
            self._inputs,
            dict(result.dependencies),
            shown_checks(result.plan),
            list(result.page_problems),
            result.cache.export_entries(),
        )


def load_previous(cache_dir: Path, out_dir: Path) -> PreviousBuild | None:
    """The records of the last build, or None when there are none or they cannot be used.

    A cache in any doubt (unreadable, another format, half written) is simply not used: the
    build then renders everything, which is always correct.
    """
    try:
        document = json.loads((cache_dir / STATE_FILE).read_text(encoding="utf-8"))
        if not _well_formed(document):
            return None
        depsets = [tuple(inputs) for inputs in document["depsets"]]
        outputs: dict[str, list[Any]] = document["outputs"]
        return PreviousBuild(
            out_dir=out_dir.absolute(),
            environment=document["environment"],
            site_digest=document["site_digest"],
            inputs=document["inputs"],
            dependencies={output: depsets[entry[0]] for output, entry in outputs.items()},
            checks={output: _shown(entry[1]) for output, entry in outputs.items()},
            stamps={output: tuple(stamp) for output, stamp in document["stamps"].items()},
            diagnostics=tuple(Diagnostic.from_dict(d) for d in document["diagnostics"]),
            derived=document["derived"],
        )
    except (OSError, ValueError, KeyError, IndexError, TypeError, RecursionError):
        return None


# The type of each field of the state file, checked before any is used: the file lies
# next to the output, where anything (an editor, a disk error) may have changed it.
_STATE_FIELDS: dict[str, type] = {
    "environment": str,
    "site_digest": str,
    "inputs": dict,
    "depsets": list,
    "outputs": dict,
    "stamps": dict,
    "diagnostics": list,
    "derived": dict,
}


def _well_formed(document: Any) -> bool:
    """True when the state file has this format's shape down to the entries it iterates."""
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
        return False
    if not all(isinstance(document.get(name), kind) for name, kind in _STATE_FIELDS.items()):
        return False
    nested = (
        all(isinstance(inputs, list) for inputs in document["depsets"])
        and all(isinstance(entry, list) and len(entry) == 2 for entry in document["outputs"].values())
        and all(isinstance(stamp, list) for stamp in document["stamps"].values())
        and all(isinstance(item, dict) for item in document["diagnostics"])
        and all(
            isinstance(entries, list) and all(isinstance(e, list) and len(e) == 2 for e in entries)
            for entries in document["derived"].values()
        )
    )
    return nested


def _shown(value: Iterable[Any] | None) -> ShownCheck:
    if value is None:
        return None
    state, stamped = value
    return (str(state), bool(stamped))

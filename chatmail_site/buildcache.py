"""The persistent build cache: what the last build read, so the next one renders only what changed.

It lives in a folder next to the output (`build/` → `.build.cache/`) and holds one JSON file:

- a digest of everything that touches every page: the tool's own code and its libraries'
  versions, site.yaml, the catalogs, the theme's static files, the site's assets, the base
  URL, and the shape of the site (which pages exist in which language, their titles and menu
  entries, which translations count as translated);
- a digest of each input a single output may read: every content page, each template by
  name, servers.yaml (with the date, which relay facts are counted from);
- for every page and relay page: the inputs it read, what it showed of its translation
  check, and the size, time and inode the file had when this build wrote it;
- the problems found while rendering, and derived results (translation checks, QR images).

A build reuses a previous output file only when the first digest is unchanged, none of the
inputs that output read changed, and the file is still the one the last build wrote. Every
key is a hash of content; file times serve only to notice an output edited by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cache import DerivedCache, content_key
from .config import bundled_dir
from .dependencies import (
    SERVERS_KEY,
    ShownCheck,
    affected_outputs,
    originals_answered_by_checks,
    template_key,
)
from .errors import Diagnostic, Severity

if TYPE_CHECKING:
    from .build import Site, SitePlan

CACHE_FORMAT = 1
STATE_FILE = "state.json"
# The libraries whose output ends up in pages: a new version may render differently.
RENDERING_LIBRARIES = ("markdown", "jinja2", "babel", "nh3", "qrcode", "PyYAML", "python-frontmatter")
PACKAGE_DIR = Path(__file__).resolve().parent
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


def snapshot_sources(site_dir: Path) -> dict[str, str]:
    """A digest of every source file, taken before the build reads them.

    Hashing first means a file saved while the build runs is seen as changed next time,
    never recorded as current with an output made from its older text.
    """
    snapshot: dict[str, str] = {}
    for root in SOURCE_ROOTS:
        _add_files(snapshot, site_dir / root, site_dir, "")
    for name in ("themes", "locales"):
        bundled = bundled_dir(name)
        _add_files(snapshot, bundled, bundled.parent, "<bundled>/")
    return snapshot


def _add_files(snapshot: dict[str, str], path: Path, base: Path, prefix: str) -> None:
    if path.is_file():
        snapshot[prefix + path.relative_to(base).as_posix()] = file_digest(path.read_bytes())
        return
    if not path.is_dir():
        return
    for entry in sorted(path.rglob("*")):
        if entry.is_file():
            snapshot[prefix + entry.relative_to(base).as_posix()] = file_digest(entry.read_bytes())


def snapshot_key(site_dir: Path, path: Path) -> str:
    """The name of a file in the snapshot: site-relative, or under <bundled>/."""
    resolved = path.absolute()
    try:
        return resolved.relative_to(site_dir.absolute()).as_posix()
    except ValueError:
        for name in ("themes", "locales"):
            bundled = bundled_dir(name)
            if resolved.is_relative_to(bundled.absolute()):
                return "<bundled>/" + resolved.relative_to(bundled.absolute().parent).as_posix()
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
    found: dict[str, Path] = {}
    for directory in site.theme.dirs:
        templates = directory / "templates"
        if templates.is_dir():
            for path in sorted(templates.rglob("*")):
                name = path.relative_to(templates).as_posix()
                if path.is_file() and name not in found:
                    found[name] = path
    return found


def _fronted_ini_digest(site: Site) -> str:
    fronts = site.config.fronts
    ini = getattr(fronts, "ini", None) if fronts else None
    if ini is None or not Path(ini).is_file():
        return ""
    return file_digest(Path(ini).read_bytes())


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
    for path in sorted(PACKAGE_DIR.glob("*.py")):
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


def stamp_outputs(records: BuildRecords, out_dir: Path) -> None:
    """Note how each recorded output file looks now that it is written."""
    root = str(out_dir)
    for output in records.dependencies:
        try:
            info = os.stat(f"{root}/{output}")
        except OSError:
            continue
        records.stamps[output] = (info.st_size, info.st_mtime_ns, info.st_ino)


def save_build_records(cache_dir: Path, out_dir: Path, records: BuildRecords) -> None:
    """Keep a written build's records; a cache that cannot be written only costs speed."""
    stamp_outputs(records, out_dir)
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
        outputs[output] = [index, records.checks.get(output), records.stamps.get(output)]
    document = {
        "format": CACHE_FORMAT,
        "environment": records.inputs.environment,
        "site_digest": records.inputs.site_digest,
        "inputs": dict(records.inputs.keyed),
        "depsets": [list(inputs) for inputs in depsets],
        "outputs": outputs,
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

    def changed_inputs(self, inputs: Inputs) -> set[str]:
        keys = set(self.inputs) | set(inputs.keyed)
        return {key for key in keys if self.inputs.get(key) != inputs.keyed.get(key)}

    def reusable(self, site: Site, plan: SitePlan, inputs: Inputs) -> dict[str, str]:
        """The outputs whose previous file is exactly what this build would write."""
        if inputs.site_digest != self.site_digest:
            return {}
        changed = self.changed_inputs(inputs)
        answered = originals_answered_by_checks(self.checks, site, plan)
        affected = affected_outputs(self.dependencies, changed, answered)
        reusable = {}
        root = str(self.out_dir)
        for item in (*plan.pages, *plan.relay_pages):
            output = item.output
            if output in self.dependencies and output not in affected:
                path = f"{root}/{output}"
                if self._untouched(output, path):
                    reusable[output] = path
        return reusable

    def kept_diagnostics(self, inputs: Inputs) -> list[Diagnostic]:
        """Rendering problems of sources that did not change (their pages may not render)."""
        if inputs.site_digest != self.site_digest:
            return []
        changed = self.changed_inputs(inputs)
        return [d for d in self.diagnostics if d.path not in changed]

    def _untouched(self, output: str, path: str) -> bool:
        stamp = self.stamps.get(output)
        if stamp is None:
            return False
        try:
            info = os.stat(path)
        except OSError:
            return False
        return (info.st_size, info.st_mtime_ns, info.st_ino) == tuple(stamp)


def load_previous(cache_dir: Path, out_dir: Path) -> PreviousBuild | None:
    """The records of the last build, or None when there are none or they cannot be used.

    A cache in any doubt (unreadable, another format, half written) is simply not used: the
    build then renders everything, which is always correct.
    """
    try:
        document = json.loads((cache_dir / STATE_FILE).read_text(encoding="utf-8"))
        if document.get("format") != CACHE_FORMAT:
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
            stamps={output: tuple(entry[2]) for output, entry in outputs.items() if entry[2]},
            diagnostics=tuple(_diagnostic(d) for d in document["diagnostics"]),
            derived=document["derived"],
        )
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _shown(value: Iterable[Any] | None) -> ShownCheck:
    if value is None:
        return None
    state, stamped = value
    return (str(state), bool(stamped))


def _diagnostic(data: Mapping[str, Any]) -> Diagnostic:
    severity = Severity(data["severity"])
    return Diagnostic(str(data["path"]), int(data["line"]), severity, str(data["message"]), str(data["hint"]))

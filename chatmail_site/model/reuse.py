"""What a build may take over from an earlier one, and the names of the inputs outputs record.

Each output records the inputs it read as keys: a page's source path, servers.yaml, or a
template's name; ANY_INPUT marks an output that may read anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatmail_site.core.errors import Diagnostic
from chatmail_site.model.cache import DerivedCache

if TYPE_CHECKING:
    from chatmail_site.load.site import Site
    from chatmail_site.model.plan import SitePlan


class KeptOutput:
    """An output file taken unchanged from the previous build, by where that build wrote it.

    A rebuild keeps almost every file, so their bytes are not read back: the writer links
    the file itself into the new output, and claiming an output name needs only the name.
    What does need the bytes (a gzip copy, a comparison) reads them through `read`.
    """

    __slots__ = ("size", "source")

    def __init__(self, source: str, size: int) -> None:
        self.source = source  # the file in the previous output
        self.size = size  # as the previous build wrote it

    def read(self) -> bytes:
        with open(self.source, "rb") as file:
            return file.read()

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeptOutput):
            return self.source == other.source or self.read() == other.read()
        if isinstance(other, bytes):
            return self.size == len(other) and self.read() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to bytes, so never a key

    def __repr__(self) -> str:
        return f"KeptOutput({self.source!r}, {self.size})"


# An output file's content: its bytes, or a file kept from the previous build.
OutputData = bytes | KeptOutput


def output_bytes(data: OutputData) -> bytes:
    """The bytes of an output file, read now for one kept from the previous build."""
    return data.read() if isinstance(data, KeptOutput) else data


@dataclass(frozen=True)
class KeptSiteFiles:
    """The site-wide files of the last build, for a rebuild whose plan is unchanged.

    Both the preview and the build cache reuse them only when the set of pages, their titles
    and the translations are as they were, and site.yaml, the catalogs and the tool are too
    (anything else renders everything). Of the site-wide files, the sitemap and robots.txt
    read only that; the root and 404 pages read it and their templates; the QR images and
    servers.json read servers.yaml. Those whose inputs did not change are taken from here.
    """

    files: Mapping[str, OutputData]
    changed: frozenset[str]  # the input keys that changed

    def group(self, names: Iterable[str], reads_changed_input: bool) -> dict[str, OutputData] | None:
        """The kept files of one group, or None when the group must be made afresh."""
        if reads_changed_input:
            return None
        # One lookup a name: for the build cache each one checks the previous file on disk.
        kept: dict[str, OutputData] = {}
        for name in names:
            data = self.files.get(name)
            if data is None:
                return None
            kept[name] = data
        return kept

    def template_changed(self) -> bool:
        return any(key.startswith(TEMPLATE_PREFIX) for key in self.changed)


@dataclass(frozen=True)
class Reuse:
    """What a build takes over from an earlier one instead of rendering it again."""

    pages: Mapping[str, OutputData]  # page or relay page output → its earlier file
    dependencies: Mapping[str, frozenset[str]]  # each of those pages → the input keys it read
    site_files: KeptSiteFiles  # the earlier site-wide files, for those whose inputs are unchanged
    diagnostics: Sequence[Diagnostic]  # problems found rendering sources that did not change


class ReuseSource(Protocol):
    """An earlier build, as what the next one may take over from it.

    Two kinds exist: the build cache next to an output folder (incremental/buildcache.py)
    and the live preview's last build in memory (incremental/preview.py). The build asks
    them in this order: `sources_checked` (only when it loads the whole site), `seed`,
    `previous_plan`, then `reuse` once the plan is made.
    """

    def sources_checked(self, site_dir: Path, files: Sequence[Path]) -> None:
        """The source tree passed its check and nothing is read yet: the moment to note
        what the sources are, so a file saved during the build counts as changed next time."""
        ...

    def seed(self, cache: DerivedCache) -> None:
        """Hand derived results that are still valid to this build's cache, before planning."""
        ...

    def previous_plan(self) -> SitePlan | None:
        """The earlier build's plan, when it is at hand in memory, for planning to take over
        the plans of unchanged pages; None makes the build plan every page."""
        ...

    def reuse(self, site: Site, plan: SitePlan) -> Reuse | None:
        """What of the earlier build this one takes over; None when everything is rendered."""
        ...


# An input key meaning "anything": outputs that carry it are re-rendered on every change.
ANY_INPUT = "*"


TEMPLATE_PREFIX = "template:"


SERVERS_KEY = "content/servers.yaml"


def template_key(name: str) -> str:
    """The input key of a template, by its name below templates/ (any theme folder)."""
    return TEMPLATE_PREFIX + name

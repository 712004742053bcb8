"""What each output read while it was rendered, and which outputs a set of changes touches.

Each page and relay page records its inputs: the source files of the pages it shows (a
translation also reads its original, for the outdated notice), servers.yaml when it lists
relays, and every template Jinja loaded for it (extends and includes too). Both the live
preview and the persistent build cache decide from these records which outputs a change
affects; neither ever looks at file times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatmail_site.plan.translations import TranslationCheck

if TYPE_CHECKING:
    from chatmail_site.build import PagePlan, PageRenderer, Site, SitePlan
    from chatmail_site.load.theme import Theme

# An input key meaning "anything": outputs that carry it are re-rendered on every change.
ANY_INPUT = "*"
TEMPLATE_PREFIX = "template:"
SERVERS_KEY = "content/servers.yaml"
# The directive whose inputs are known (servers.yaml); any other directive may read anything.
RELAY_LIST_DIRECTIVE = "relays"

# What a page shows of its translation check: (state, stamped), or None for no check.
ShownCheck = tuple[str, bool] | None


@dataclass(frozen=True)
class KeptSiteFiles:
    """The site-wide files of the last build, for a rebuild whose plan is unchanged.

    Both the preview and the build cache reuse them only when the set of pages, their titles
    and the translations are as they were, and site.yaml, the catalogs and the tool are too
    (anything else renders everything). Of the site-wide files, the sitemap and robots.txt
    read only that; the root and 404 pages read it and their templates; the QR images and
    servers.json read servers.yaml. Those whose inputs did not change are taken from here.
    """

    files: Mapping[str, bytes]
    changed: frozenset[str]  # the input keys that changed

    def group(self, names: Iterable[str], reads_changed_input: bool) -> dict[str, bytes] | None:
        """The kept files of one group, or None when the group must be made afresh."""
        names = list(names)
        if reads_changed_input or any(name not in self.files for name in names):
            return None
        return {name: self.files[name] for name in names}

    def template_changed(self) -> bool:
        return any(key.startswith(TEMPLATE_PREFIX) for key in self.changed)


def template_key(name: str) -> str:
    """The input key of a template, by its name below templates/ (any theme folder)."""
    return TEMPLATE_PREFIX + name


class TemplateRecorder:
    """Records the templates each render loads, including those reached by extends/include.

    Jinja caches compiled templates, so the loader alone is not asked twice; every lookup
    however goes through the environment's `_load_template`, which this wraps.
    """

    def __init__(self, theme: Theme) -> None:
        self._used: set[str] | None = None
        environment = theme.env
        load = environment._load_template

        def recording_load(name, globals):
            if self._used is not None:
                self._used.add(name if isinstance(name, str) else name.name)
            return load(name, globals)

        environment._load_template = recording_load

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """Collect the names of the templates loaded inside the block."""
        self._used = used = set()
        try:
            yield used
        finally:
            self._used = None


def recorder_of(theme: Theme) -> TemplateRecorder:
    """The theme's one recorder, made on first use however often the theme renders."""
    recorder = getattr(theme, "_dependency_recorder", None)
    if recorder is None:
        recorder = TemplateRecorder(theme)
        theme._dependency_recorder = recorder
    return recorder


def page_inputs(site: Site, page_plan: PagePlan, renderer: PageRenderer) -> set[str]:
    """The source inputs of one page output (templates are recorded separately)."""
    inputs = {page_plan.page.display_path}
    original = site.content.get(page_plan.slug, site.config.default_language)
    if original is not None:
        inputs.add(original.display_path)
    for directive in renderer.markdown_of(page_plan.page).directives:
        inputs.add(SERVERS_KEY if directive.name == RELAY_LIST_DIRECTIVE else ANY_INPUT)
    return inputs


def shown_check(check: TranslationCheck | None) -> ShownCheck:
    """What a page shows of its translation check (the similarity itself is never shown)."""
    return None if check is None else (check.state.value, check.stamped)


def shown_checks(plan: SitePlan) -> dict[str, ShownCheck]:
    """Every page output with what it shows of its translation check."""
    return {page.output: shown_check(page.check) for page in plan.pages}


def originals_answered_by_checks(
    before: Mapping[str, ShownCheck], site: Site, plan: SitePlan
) -> dict[str, frozenset[str]]:
    """For each translation whose comparison with its original shows as before, that original.

    A translation reads its original only through that comparison (the outdated and copy
    notices): titles and menu entries take the full rebuild when they change. So when the
    notices come out the same, an edit of the original changes nothing on the translation.
    """
    answered = {}
    for page in plan.pages:
        shows_as_before = page.output in before and shown_check(page.check) == before[page.output]
        if page.check is not None and shows_as_before:
            original = site.content.get(page.slug, site.config.default_language)
            if original is not None:
                answered[page.output] = frozenset({original.display_path})
    return answered


def affected_outputs(
    dependencies: Mapping[str, Iterable[str]],
    changed: Iterable[str],
    answered: Mapping[str, frozenset[str]],
) -> set[str]:
    """The outputs that read a changed input, or read anything (ANY_INPUT)."""
    keys = set(changed) | {ANY_INPUT}
    return {
        output
        for output, inputs in dependencies.items()
        if (keys.intersection(inputs)) - answered.get(output, frozenset())
    }

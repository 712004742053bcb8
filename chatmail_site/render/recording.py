"""Rendering pages while noting what each one read, so a later build knows what to redo.

Jinja caches compiled templates, so the loader alone does not see every use; the recorder
watches every template lookup of the theme's environment instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from chatmail_site.load.content import RELAY_LIST_DIRECTIVE
from chatmail_site.load.site import Site
from chatmail_site.load.theme import Theme
from chatmail_site.model.plan import PagePlan, RenderItem
from chatmail_site.model.reuse import ANY_INPUT, SERVERS_KEY, template_key
from chatmail_site.render.pages import PageRenderer


def render_recorded(
    renderer: PageRenderer, items: Iterable[RenderItem], advance: Callable[[int], None] | None = None
) -> tuple[dict[str, bytes], dict[str, frozenset[str]]]:
    """Render each item, noting the inputs and templates it read."""
    recorder = recorder_of(renderer.site.theme)
    files: dict[str, bytes] = {}
    dependencies: dict[str, frozenset[str]] = {}
    for item in items:
        with recorder.recording() as templates:
            if isinstance(item, PagePlan):
                files[item.output] = renderer.render(item)
                inputs = page_inputs(renderer.site, item, renderer)
            else:
                files[item.output] = renderer.render_relay(item)
                inputs = {SERVERS_KEY}
        dependencies[item.output] = frozenset(inputs | {template_key(name) for name in templates})
        if advance is not None:
            advance(1)
    return files, dependencies


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

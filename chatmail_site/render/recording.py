"""Rendering pages while noting what each one read, so a later build knows what to redo.

The templates a page read are those the theme's environment noted while it rendered (see
RecordingEnvironment in load/theme.py): extends, includes and imports too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chatmail_site.load.content import RELAY_LIST_DIRECTIVE
from chatmail_site.load.site import Site
from chatmail_site.model.plan import PagePlan, RenderItem
from chatmail_site.model.reuse import ANY_INPUT, SERVERS_KEY, template_key
from chatmail_site.render.pages import PageRenderer


def render_recorded(
    renderer: PageRenderer, items: Iterable[RenderItem], advance: Callable[[int], None] | None = None
) -> tuple[dict[str, bytes], dict[str, frozenset[str]]]:
    """Render each item, noting the inputs and templates it read."""
    environment = renderer.site.theme.env
    files: dict[str, bytes] = {}
    dependencies: dict[str, frozenset[str]] = {}
    for item in items:
        with environment.recording() as templates:
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


def page_inputs(site: Site, page_plan: PagePlan, renderer: PageRenderer) -> set[str]:
    """The source inputs of one page output (templates are recorded separately)."""
    inputs = {page_plan.page.display_path}
    original = site.content.get(page_plan.slug, site.config.default_language)
    if original is not None:
        inputs.add(original.display_path)
    for directive in renderer.markdown_of(page_plan.page).directives:
        inputs.add(SERVERS_KEY if directive.name == RELAY_LIST_DIRECTIVE else ANY_INPUT)
    return inputs

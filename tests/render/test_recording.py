"""Rendering while recording: each output notes its page sources, servers.yaml, and templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site, render_site
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.site import load_site
from chatmail_site.model.cache import DerivedCache
from chatmail_site.model.plan import RenderItem
from chatmail_site.model.reuse import ANY_INPUT, SERVERS_KEY, template_key
from chatmail_site.render.pages import PageRenderer, page_directives
from chatmail_site.render.recording import page_inputs, render_recorded
from tests.support.sites import page, write_site

FILES: dict[str, str | bytes] = {
    "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, de]\n",
    "content/de/index.md": page("Start", "de", "Ein ganz anderer Text hier.\n"),
    "content/en/list.md": page("List", "en", "Relays:\n\n{% relays %}\n"),
    "content/servers.yaml": "- domain: chat.example.org\n  since: 2024-01\n",
}
RELAY_PAGE = "en/servers/chat.example.org/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_site(write_site(tmp_path_factory.mktemp("recording"), FILES))
    assert not result.diagnostics.errors
    return result


def test_a_page_records_its_source_and_the_templates_it_extends(built: BuildResult) -> None:
    inputs = built.dependencies["en/index.html"]
    assert "content/en/index.md" in inputs
    assert {template_key("page.html"), template_key("base.html")} <= inputs
    assert SERVERS_KEY not in inputs  # it lists no relays


def test_a_translation_records_its_original(built: BuildResult) -> None:
    inputs = built.dependencies["de/index.html"]
    assert {"content/de/index.md", "content/en/index.md"} <= inputs
    assert "content/de/index.md" not in built.dependencies["en/index.html"]


def test_a_relay_list_records_servers_yaml_and_the_templates_it_includes(built: BuildResult) -> None:
    inputs = built.dependencies["en/list/index.html"]
    assert {"content/en/list.md", SERVERS_KEY, template_key("relay-list.html")} <= inputs
    # Only the page that lists relays includes the list's template.
    assert template_key("relay-list.html") not in built.dependencies["en/index.html"]


def test_a_relay_page_records_servers_yaml_and_no_page_source(built: BuildResult) -> None:
    inputs = built.dependencies[RELAY_PAGE]
    assert SERVERS_KEY in inputs
    assert template_key("relay.html") in inputs
    assert not any(key.endswith(".md") for key in inputs)


def test_another_directive_may_read_anything(tmp_path: Path) -> None:
    files = {**FILES, "content/en/note.md": page("Note", "en", "Before.\n\n{% note %}\n")}
    site = load_site(write_site(tmp_path, files), Diagnostics())
    assert site is not None
    directives = {**page_directives(), "note": lambda context, directive: "<p>A note.</p>"}
    result = render_site(site, DerivedCache(), directives=directives, quality_checks=False, deploy=False)
    assert b"A note." in result.files["en/note/index.html"]
    assert ANY_INPUT in result.dependencies["en/note/index.html"]
    assert ANY_INPUT not in result.dependencies["en/list/index.html"]


def test_page_inputs_of_a_fallback_are_its_original_and_what_its_directives_read(built: BuildResult) -> None:
    assert built.site is not None and built.plan is not None
    renderer = PageRenderer(built.site, built.plan, Diagnostics(), page_directives())
    fallback = next(item for item in built.plan.pages if item.output == "de/list/index.html")
    assert fallback.fallback
    assert page_inputs(built.site, fallback, renderer) == {"content/en/list.md", SERVERS_KEY}


def test_render_recorded_renders_each_item_once_and_advances_per_item(built: BuildResult) -> None:
    assert built.site is not None and built.plan is not None
    renderer = PageRenderer(built.site, built.plan, Diagnostics(), page_directives(), built.cache)
    items: list[RenderItem] = [
        next(item for item in built.plan.pages if item.output == "de/index.html"),
        next(item for item in built.plan.relay_pages if item.output == RELAY_PAGE),
    ]
    steps: list[int] = []
    files, dependencies = render_recorded(renderer, items, steps.append)
    assert steps == [1, 1]
    assert set(files) == set(dependencies) == {"de/index.html", RELAY_PAGE}
    # The same bytes and the same records as the whole build made.
    for output in files:
        assert files[output] == built.files[output]
        assert dependencies[output] == built.dependencies[output]

"""What a build takes over from an earlier one: kept site-wide files and the input keys."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from chatmail_site.incremental.buildcache import CachedBuild
from chatmail_site.incremental.preview import PreviewReuse
from chatmail_site.model.reuse import (
    ANY_INPUT,
    SERVERS_KEY,
    TEMPLATE_PREFIX,
    KeptSiteFiles,
    Reuse,
    ReuseSource,
    template_key,
)

FILES = {"sitemap.xml": b"<urlset/>", "robots.txt": b"User-agent: *\n", "servers.json": b"[]"}


def test_a_group_whose_inputs_did_not_change_is_taken_as_it_was() -> None:
    kept = KeptSiteFiles(FILES, frozenset({"content/en/index.md"}))
    assert kept.group(["sitemap.xml", "robots.txt"], reads_changed_input=False) == {
        "sitemap.xml": b"<urlset/>",
        "robots.txt": b"User-agent: *\n",
    }


def test_a_group_that_reads_a_changed_input_is_made_afresh() -> None:
    kept = KeptSiteFiles(FILES, frozenset({SERVERS_KEY}))
    assert kept.group(["servers.json"], reads_changed_input=True) is None


def test_a_group_with_a_file_the_last_build_lacked_is_made_afresh() -> None:
    kept = KeptSiteFiles(FILES, frozenset())
    # One name missing spoils the whole group, even read from a generator.
    assert kept.group(iter(["sitemap.xml", "404.html"]), reads_changed_input=False) is None


def test_template_changed_only_when_a_template_key_changed() -> None:
    assert KeptSiteFiles(FILES, frozenset({template_key("base.html")})).template_changed()
    others = frozenset({SERVERS_KEY, "content/en/index.md", "site.yaml"})
    assert not KeptSiteFiles(FILES, others).template_changed()


def test_template_keys_do_not_collide_with_source_paths() -> None:
    assert template_key("page.html") == TEMPLATE_PREFIX + "page.html"
    # A template and a source file of the same name stay different inputs.
    assert template_key("content/servers.yaml") != SERVERS_KEY
    assert not SERVERS_KEY.startswith(TEMPLATE_PREFIX)
    assert ANY_INPUT not in {SERVERS_KEY, template_key("")}


def test_a_reuse_cannot_be_altered_once_handed_to_the_build() -> None:
    reuse = Reuse(
        {"en/index.html": b"<html>"}, {"en/index.html": frozenset()}, KeptSiteFiles(FILES, frozenset()), ()
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        reuse.pages = {}  # type: ignore[misc]


@pytest.mark.parametrize("source", [CachedBuild, PreviewReuse])
def test_both_reuse_sources_answer_the_protocol(source: type) -> None:
    # ReuseSource is structural: each kind must offer its methods with the same parameters.
    for name in ("sources_checked", "seed", "reuse"):
        wanted = list(inspect.signature(getattr(ReuseSource, name)).parameters)
        assert list(inspect.signature(getattr(source, name)).parameters) == wanted, (source, name)

"""Incremental rebuilds: after every kind of edit, the files equal a fresh full build, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.incremental.preview import IncrementalBuilder, Outcome
from chatmail_site.model.reuse import template_key
from chatmail_site.render import site_files
from tests.support.sites import page


def edit(site: Path, name: str, change: Callable[[str], str]) -> str:
    path = site / name
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"the edit of {name} changed nothing"
    path.write_text(changed, encoding="utf-8")
    return name


def assert_same_as_full_build(builder: IncrementalBuilder, site: Path) -> None:
    fresh = build_site(site)
    assert not fresh.diagnostics.errors
    assert builder.current is not None
    incremental = dict(builder.current.files)
    assert sorted(incremental) == sorted(fresh.files)
    differing = [name for name in fresh.files if incremental[name] != fresh.files[name]]
    assert differing == []


@pytest.fixture
def builder(bundled_site: Path) -> IncrementalBuilder:
    builder = IncrementalBuilder(bundled_site)
    assert builder.rebuild().ok
    return builder


def rebuild(builder: IncrementalBuilder, *changed: str) -> Outcome:
    outcome = builder.rebuild(changed)
    assert outcome.ok, [d.format() for d in outcome.diagnostics]
    return outcome


def test_dependencies_name_sources_and_every_template_used(builder: IncrementalBuilder) -> None:
    assert builder.current is not None
    inputs = builder.current.dependencies["de/index.html"]
    assert {"content/de/index.md", "content/en/index.md"} <= inputs  # the original, for notices
    assert {template_key("page.html"), template_key("base.html"), template_key("switcher.html")} <= inputs


def test_body_edit_renders_only_that_page(builder: IncrementalBuilder, bundled_site: Path) -> None:
    name = edit(bundled_site, "content/fr/donate.md", lambda text: text + "\nUne phrase de plus.\n")
    outcome = rebuild(builder, name)
    assert not outcome.full
    assert outcome.rendered == 1
    assert b"Une phrase de plus." in builder.current.files["fr/donate/index.html"]
    assert_same_as_full_build(builder, bundled_site)


def test_original_edit_renders_its_translations_and_fallbacks(
    builder: IncrementalBuilder, bundled_site: Path
) -> None:
    name = edit(bundled_site, "content/en/donate.md", lambda text: text + "\nOne more sentence.\n")
    outcome = rebuild(builder, name)
    assert not outcome.full
    languages = builder.current.site.config.languages
    assert outcome.rendered == len(languages)  # en, its translations (outdated now), fallbacks
    assert b"One more sentence." in builder.current.files["sk/donate/index.html"]  # a fallback
    assert_same_as_full_build(builder, bundled_site)


def test_template_edit_renders_only_the_outputs_using_it(
    builder: IncrementalBuilder, bundled_site: Path
) -> None:
    facts = next(bundled_site.glob("themes/*/templates/relay-facts.html"), None)
    if facts is None:  # the site uses the bundled theme: override the template in the site
        facts = bundled_site / "themes/default/templates/relay-facts.html"
    name = edit(bundled_site, facts.relative_to(bundled_site).as_posix(), lambda text: text + "<!-- f -->\n")
    outcome = rebuild(builder, name)
    assert not outcome.full
    assert 0 < outcome.rendered < len(builder.current.dependencies)
    assert b"<!-- f -->" in builder.current.files["de/servers/nine.testrun.org/index.html"]
    assert_same_as_full_build(builder, bundled_site)


# (what is edited, file, new text from the old; None deletes the file)
EDIT_SERIES: list[tuple[str, str, Callable[[str], str] | None]] = [
    ("body", "content/de/index.md", lambda text: text + "\nNoch ein Satz.\n"),
    ("title", "content/en/donate.md", lambda text: text.replace("title:", "title: New", 1)),
    ("template", "themes/default/templates/base.html", lambda text: text + "<!-- b -->\n"),
    ("404 template", "themes/default/templates/404.html", lambda text: text + "<!-- not found -->\n"),
    ("root template", "themes/default/templates/root.html", lambda text: text + "<!-- root -->\n"),
    ("original body", "content/en/index.md", lambda text: text + "\nOne more sentence.\n"),
    (
        "servers.yaml",
        "content/servers.yaml",
        lambda text: text.replace("hosted_in: Zug\n", "hosted_in: Zug (Switzerland)\n"),
    ),
    (
        "catalog",
        "locales/de/LC_MESSAGES/messages.po",
        lambda text: text.replace('msgstr "Seite nicht gefunden"', 'msgstr "Nicht gefunden"'),
    ),
    ("new page", "content/en/extra.md", lambda _: page("Extra", "en", "Extra text.\n")),
    ("deleted page", "content/fr/chatmail.md", None),
    ("language folder", "content/sk/index.md", lambda _: page("Domov", "sk")),
]


def test_series_of_edits_matches_full_builds(builder: IncrementalBuilder, bundled_site: Path) -> None:
    for label, name, change in EDIT_SERIES:
        path = bundled_site / name
        if change is None:
            path.unlink()
        elif path.exists():
            edit(bundled_site, name, change)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(change(""), encoding="utf-8")
        rebuild(builder, name)
        try:
            assert_same_as_full_build(builder, bundled_site)
        except AssertionError as failure:
            raise AssertionError(f"after the {label} edit: {failure}") from failure


def test_failed_change_keeps_last_good_build_and_recovers(
    builder: IncrementalBuilder, bundled_site: Path
) -> None:
    good = dict(builder.current.files)
    original = (bundled_site / "content/de/donate.md").read_text(encoding="utf-8")
    name = edit(bundled_site, "content/de/donate.md", lambda text: text.replace("lang: de", "lang: xx-nope"))
    outcome = builder.rebuild([name])
    assert not outcome.ok
    assert any(d.path == name and d.severity == "error" for d in outcome.diagnostics)
    assert dict(builder.current.files) == good
    (bundled_site / name).write_text(original + "\nRepariert.\n", encoding="utf-8")
    outcome = builder.rebuild([name])  # only the fix is reported: the failed edit is remembered
    assert outcome.ok
    assert not [d for d in outcome.diagnostics if d.severity == "error"]
    assert_same_as_full_build(builder, bundled_site)


def test_with_a_base_url_the_kept_sitemap_equals_a_full_build(bundled_site: Path) -> None:
    config = bundled_site / "site.yaml"
    with config.open("a", encoding="utf-8") as settings:
        settings.write("base_url: https://example.org/\n")
    builder = IncrementalBuilder(bundled_site)
    assert builder.rebuild().ok
    assert builder.current is not None and "sitemap.xml" in builder.current.files
    for label, name, change in EDIT_SERIES[:6]:
        assert change is not None
        edit(bundled_site, name, change)
        rebuild(builder, name)
        try:
            assert_same_as_full_build(builder, bundled_site)
        except AssertionError as failure:
            raise AssertionError(f"after the {label} edit: {failure}") from failure


def test_a_page_edit_keeps_the_site_wide_files(
    builder: IncrementalBuilder, bundled_site: Path, monkeypatch
) -> None:
    def not_again(*args, **kwargs):
        raise AssertionError("made again although nothing it reads changed")

    monkeypatch.setattr(site_files, "special_pages", not_again)
    monkeypatch.setattr(site_files, "relay_files", not_again)
    rebuild(builder, edit(bundled_site, "content/de/index.md", lambda text: text + "\nNoch ein Satz.\n"))
    monkeypatch.undo()
    assert_same_as_full_build(builder, bundled_site)

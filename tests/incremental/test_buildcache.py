"""The persistent build cache: a cached rebuild writes exactly what a clean build writes.

Every kind of input is changed in turn; the rebuild that uses the cache is then compared,
byte for byte and file for file, with a clean build of the changed site.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.commands import cli
from chatmail_site.commands.cli import main
from chatmail_site.core import qr
from chatmail_site.core.errors import Diagnostics
from chatmail_site.incremental import buildcache
from chatmail_site.incremental.buildcache import CachedBuild, cache_dir_for, load_previous
from chatmail_site.load.content import Page
from chatmail_site.load.site import load_site
from chatmail_site.model.reuse import KeptOutput
from chatmail_site.plan.translations import source_hash
from chatmail_site.render import site_files
from tests.support import REPO_ROOT
from tests.support.sites import copy_bundled_site


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` by its relative path, with its bytes."""
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in files}


def build_into(site: Path, out: Path, *extra: str) -> int:
    return main(["build", "--site", str(site), "--out", str(out), *extra])


def cached_rebuild(site: Path, out: Path) -> BuildResult:
    """What `build` does with the cache, through the library: to see what it rendered."""
    return build_site(site, reuse_source=CachedBuild(load_previous(cache_dir_for(out), out)))


def cached_rebuild_after(edit: Callable[[Path], None], site: Path, tmp_path: Path) -> BuildResult:
    """Build, edit, then rebuild with the cache of the first build."""
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    edit(site)
    return cached_rebuild(site, out)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_english_body(site: Path) -> None:
    with (site / "content/en/donate.md").open("a", encoding="utf-8") as page:
        page.write("\nOne more sentence for the donors.\n")


def edit_german_body(site: Path) -> None:
    with (site / "content/de/chatmail.md").open("a", encoding="utf-8") as page:
        page.write("\nNoch ein Satz.\n")


def edit_english_title(site: Path) -> None:
    path = site / "content/en/donate.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", "title: Support the relays", text, count=1, flags=re.M))


def edit_template(site: Path) -> None:
    replace_in(site / "themes/default/templates/switcher.html", "<", "<!-- changed -->\n<")


def edit_unused_template_only_in_relay_pages(site: Path) -> None:
    replace_in(site / "themes/default/templates/relay.html", "<", "<!-- relay pages only -->\n<")


def edit_error_page_template(site: Path) -> None:
    replace_in(site / "themes/default/templates/404.html", "<", "<!-- not found -->\n<")


def edit_catalog(site: Path) -> None:
    path = site / "locales/de/LC_MESSAGES/messages.po"
    text = path.read_text(encoding="utf-8")
    first = re.search(r'^msgstr "(.+)"$', text, flags=re.M)
    assert first is not None
    path.write_text(text.replace(first.group(0), f'msgstr "{first.group(1)} (neu)"', 1), encoding="utf-8")


def edit_site_title(site: Path) -> None:
    replace_in(site / "site.yaml", "title: chatmail", "title: chatmail relays")


def edit_servers(site: Path) -> None:
    servers = site / "content/servers.yaml"
    replace_in(
        servers,
        "- domain: mehl.cloud\n  languages: [de]\n",
        "- domain: mehl.cloud\n  languages: [de, en]\n  countries: [DE]\n",
    )


def edit_stylesheet(site: Path) -> None:
    with (site / "themes/default/static/style.css").open("a", encoding="utf-8") as css:
        css.write("\n/* one more rule */\nfooter { margin-block-end: 1rem; }\n")


def add_page(site: Path) -> None:
    news = "---\ntitle: News\nlang: en\n---\n\nNothing yet.\n"
    (site / "content/en/news.md").write_text(news, encoding="utf-8")


def delete_page(site: Path) -> None:
    (site / "content/de/donate.md").unlink()


def add_asset(site: Path) -> None:
    (site / "content/assets").mkdir(exist_ok=True)
    (site / "content/assets/note.txt").write_text("hello\n", encoding="utf-8")


def copy_original_into_translation(site: Path) -> None:
    """The French page becomes the English text: it turns into an untranslated copy."""
    english = (site / "content/en/donate.md").read_text(encoding="utf-8")
    (site / "content/fr/donate.md").write_text(english.replace("lang: en", "lang: fr"), encoding="utf-8")


def make_translation_current(site: Path) -> None:
    """Stamp the Dutch page with the hash of today's original: outdated → translated."""
    original = loaded_page(site, "en", "chatmail")
    stamp = f"source_hash: {source_hash(original)}"
    replace_in(site / "content/nl/chatmail.md", "lang: nl\n", f"lang: nl\n{stamp}\n")


def loaded_page(site: Path, lang: str, slug: str) -> Page:
    loaded = load_site(site, Diagnostics())
    assert loaded is not None
    page = loaded.content.get(slug, lang)
    assert page is not None
    return page


EDITS: dict[str, Callable[[Path], None]] = {
    "english page body": edit_english_body,
    "german page body": edit_german_body,
    "english page title": edit_english_title,
    "template": edit_template,
    "template of relay pages": edit_unused_template_only_in_relay_pages,
    "template of the 404 pages": edit_error_page_template,
    "catalog": edit_catalog,
    "site.yaml": edit_site_title,
    "servers.yaml": edit_servers,
    "stylesheet": edit_stylesheet,
    "new page": add_page,
    "deleted page": delete_page,
    "new asset": add_asset,
    "translation turned copy": copy_original_into_translation,
    "translation made current": make_translation_current,
}


def cached_and_clean_builds_after(
    edit: Callable[[Path], None], site: Path, tmp_path: Path
) -> tuple[Path, Path]:
    """Build, edit, rebuild with the cache; then build the edited site clean. Both must match."""
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    edit(site)
    assert build_into(site, out) == 0
    clean = tmp_path / "clean"
    assert build_into(site, clean, "--no-cache") == 0
    assert tree(out) == tree(clean)
    return out, clean


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_bundled_site(tmp_path / "site")


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_cached_rebuild_after_each_kind_of_change_equals_a_clean_build(site: Path, tmp_path: Path, edit):
    out, clean = cached_and_clean_builds_after(edit, site, tmp_path)
    # and a third build with nothing changed still equals it
    assert build_into(site, out) == 0
    assert tree(out) == tree(clean)


def test_a_date_change_renders_the_relay_facts_again(site: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    assert build_into(site, out) == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert build_into(site, out) == 0
    clean = tmp_path / "clean"
    assert build_into(site, clean, "--no-cache") == 0
    assert tree(out) == tree(clean)


def test_a_base_url_given_on_the_command_line_renders_everything_again(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    assert build_into(site, out, "--base-url", "https://example.org/pr-7/") == 0
    clean = tmp_path / "clean"
    assert build_into(site, clean, "--no-cache", "--base-url", "https://example.org/pr-7/") == 0
    assert tree(out) == tree(clean)


def test_with_a_base_url_a_page_edit_keeps_the_sitemap_right(site: Path, tmp_path: Path):
    with (site / "site.yaml").open("a", encoding="utf-8") as settings:
        settings.write("base_url: https://example.org/\n")
    out, _ = cached_and_clean_builds_after(edit_english_body, site, tmp_path)
    assert (out / "sitemap.xml").is_file()


def test_site_wide_files_whose_inputs_did_not_change_are_taken_over(site: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    edit_german_body(site)

    def not_again(*args, **kwargs):
        raise AssertionError("made again although nothing it reads changed")

    monkeypatch.setattr(site_files, "special_pages", not_again)
    monkeypatch.setattr(site_files, "relay_files", not_again)
    assert build_into(site, out) == 0
    clean = tmp_path / "clean"
    monkeypatch.undo()
    assert build_into(site, clean, "--no-cache") == 0
    assert tree(out) == tree(clean)


def test_a_rebuild_with_nothing_changed_renders_nothing_and_rewrites_no_file(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    before = {path: os.stat(path).st_ino for path in out.rglob("*") if path.is_file()}
    result = cached_rebuild(site, out)
    assert result.rendered == 0
    assert result.reused == 180  # 24 pages and 156 relay pages (26 relays in 6 languages)
    assert build_into(site, out) == 0
    after = {path: os.stat(path).st_ino for path in out.rglob("*") if path.is_file()}
    assert after == before


def test_a_one_page_edit_renders_only_that_page_and_what_shows_it(site: Path, tmp_path: Path):
    result = cached_rebuild_after(edit_german_body, site, tmp_path)
    assert result.rendered == 1
    assert result.reused == 179


def test_a_rebuild_links_the_files_it_keeps_without_reading_them_back(
    site: Path, tmp_path: Path, monkeypatch
):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    edit_german_body(site)

    def not_read(kept: KeptOutput) -> bytes:
        raise AssertionError(f"{kept.source} was read back although it is kept as it is")

    monkeypatch.setattr(KeptOutput, "read", not_read)
    assert build_into(site, out) == 0
    monkeypatch.undo()
    clean = tmp_path / "clean"
    assert build_into(site, clean, "--no-cache") == 0
    assert tree(out) == tree(clean)


def test_a_kept_file_equals_its_bytes_and_reads_them_when_asked(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<p>kept</p>")
    kept = KeptOutput(str(path), 11)
    assert len(kept) == 11
    assert kept.read() == b"<p>kept</p>"
    assert kept == b"<p>kept</p>"
    assert kept != b"<p>else</p>"


def test_an_edited_original_renders_again_its_fallbacks_but_not_unaffected_translations(
    site: Path, tmp_path: Path
):
    result = cached_rebuild_after(edit_english_body, site, tmp_path)
    # en and the fallbacks showing the English text (sk, id); de, fr and nl only if the
    # edit changed what their outdated notice says
    assert 3 <= result.rendered <= 6


def test_a_template_change_renders_only_the_pages_that_use_it(site: Path, tmp_path: Path):
    result = cached_rebuild_after(edit_unused_template_only_in_relay_pages, site, tmp_path)
    assert result.rendered == 156
    assert result.reused == 24


def test_an_output_file_edited_by_hand_is_written_again(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    clean = tree(out)
    (out / "de/index.html").write_bytes(b"tampered")
    assert build_into(site, out) == 0
    assert tree(out) == clean


def test_a_deleted_output_file_is_written_again(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    clean = tree(out)
    (out / "fr/chatmail/index.html").unlink()
    assert build_into(site, out) == 0
    assert tree(out) == clean


@pytest.mark.parametrize("damage", ["{not json", '{"format": 999}', '{"format": 1}', ""])
def test_a_damaged_cache_is_ignored_and_the_build_renders_everything(site: Path, tmp_path: Path, damage):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    clean = tree(out)
    (cache_dir_for(out) / buildcache.STATE_FILE).write_text(damage, encoding="utf-8")
    assert load_previous(cache_dir_for(out), out) is None
    assert build_into(site, out) == 0
    assert tree(out) == clean


def test_a_new_tool_version_renders_everything(site: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    monkeypatch.setattr(buildcache, "environment_digest", lambda: "another version of the tool")
    result = cached_rebuild(site, out)
    assert result.reused == 0
    assert result.rendered == 180


def test_warnings_of_pages_taken_from_the_cache_are_reported_again(site: Path, tmp_path: Path, capsys):
    with (site / "content/en/donate.md").open("a", encoding="utf-8") as page:
        page.write("\n## Twice {#twice}\n\n## Twice again {#twice}\n")
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    first = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert first, "the duplicate id should be reported"
    result = cached_rebuild(site, out)
    assert result.rendered == 0
    assert [d.format().splitlines()[0] for d in result.diagnostics.sorted()] == first


@pytest.fixture
def cache_loads(monkeypatch) -> list[object]:
    """What each `build` command found in the cache from now on."""
    found: list[object] = []

    def recording_load(cache_dir: Path, out_dir: Path):
        found.append(load_previous(cache_dir, out_dir))
        return found[-1]

    monkeypatch.setattr(cli, "load_previous", recording_load)
    return found


def test_the_cache_lives_next_to_the_output_and_clean_removes_it(site: Path, tmp_path: Path, cache_loads):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    cache = tmp_path / ".out.cache"
    assert cache_dir_for(out) == cache
    state = json.loads((cache / buildcache.STATE_FILE).read_text(encoding="utf-8"))
    assert len(state["outputs"]) == 180
    (cache / "kept.txt").write_text("not the tool's\n", encoding="utf-8")
    assert build_into(site, out, "--clean") == 0
    assert cache_loads[-1] is None  # --clean deleted the cache before the build looked for it
    assert (cache / "kept.txt").is_file()  # only the tool's own files are deleted
    result = cached_rebuild(site, out)
    assert result.reused == 180  # then it saved a new one


def test_no_cache_neither_reads_nor_writes_the_cache(site: Path, tmp_path: Path, cache_loads):
    out = tmp_path / "out"
    assert build_into(site, out, "--no-cache") == 0
    assert not cache_dir_for(out).exists()
    assert build_into(site, out) == 0
    assert build_into(site, out, "--no-cache") == 0
    assert len(cache_loads) == 1  # only the build without --no-cache looked


def test_a_failed_build_keeps_the_previous_cache(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    state = (cache_dir_for(out) / buildcache.STATE_FILE).read_bytes()
    (site / "content/de/broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    assert build_into(site, out) == 1
    assert (cache_dir_for(out) / buildcache.STATE_FILE).read_bytes() == state


def test_files_that_come_out_the_same_are_linked_not_written_again(site: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    inode = {name: (out / name).stat().st_ino for name in ("qr/mehl.cloud.png", "de/index.html")}
    edit_site_title(site)  # every page shows the site's title: all of them are rendered again
    assert build_into(site, out) == 0
    assert (out / "qr/mehl.cloud.png").stat().st_ino == inode["qr/mehl.cloud.png"]
    assert (out / "de/index.html").stat().st_ino != inode["de/index.html"]


def relay_site(tmp_path: Path) -> Path:
    import shutil

    source = REPO_ROOT / "examples" / "relay-site"
    return Path(shutil.copytree(source, tmp_path / "relay-site"))


@pytest.mark.parametrize(
    "edit",
    [
        lambda site: replace_in(site / "chatmail.ini", "delete_mails_after = 20", "delete_mails_after = 30"),
        lambda site: (site / "content/de/apps.md").write_text(
            (site / "content/de/apps.md").read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8"
        ),
    ],
    ids=["chatmail.ini", "page"],
)
def test_a_site_fronting_a_relay_rebuilds_from_the_cache_as_a_clean_build(tmp_path: Path, edit):
    site = relay_site(tmp_path)
    cached_and_clean_builds_after(edit, site, tmp_path)


def test_qr_images_and_checks_are_kept_for_the_same_tool_only(site: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert build_into(site, out) == 0
    drawn: list[str] = []
    real_png = qr.qr_png
    monkeypatch.setattr(qr, "qr_png", lambda uri: drawn.append(uri) or real_png(uri))
    edit_servers(site)  # the QR images are made again, but each is found in the kept results
    result = cached_rebuild(site, out)
    assert result.rendered > 0
    assert drawn == []
    monkeypatch.setattr(buildcache, "environment_digest", lambda: "another version of the tool")
    cached_rebuild(site, out)
    assert len(drawn) == 26  # another tool may draw them differently: all 26 are drawn anew

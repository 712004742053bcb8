"""Every path a setting names stays in the site, every source is checked before it is read,
content/assets publishes nothing that can run script, and all of it is reported at once,
each problem at its own file and line."""

from __future__ import annotations

import os
import shutil
import tracemalloc
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import EXIT_CONTENT_ERROR, main
from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.core.safety import MAX_SETTINGS_FILE_BYTES, MAX_SOURCE_FILE_BYTES
from chatmail_site.incremental.preview import IncrementalBuilder
from chatmail_site.load.config import load_config
from chatmail_site.load.content import load_content
from tests.support import REPO_ROOT
from tests.support.sites import MINIMAL_CONFIG, page

EXAMPLE_INI = (REPO_ROOT / "examples" / "relay-site" / "chatmail.ini").read_text(encoding="utf-8")
# A template that would run a shell command and mark the page, were it ever used as a theme's.
EVIL_TEMPLATE = '{{ cycler.__init__.__globals__.os.popen("touch {marker}").read() }}EVIL{{ 7 * 7 }}'
# The first bytes of a PNG file: enough for the check of content/assets.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)


def errors_of(result) -> list[Diagnostic]:
    return result.diagnostics.errors


def formatted(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def evil_theme(site: Path, folder: str, marker: Path) -> None:
    """A folder that would pass for a theme, holding templates that run a command."""
    templates = site / folder / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    for name in ("page.html", "base.html", "root.html", "404.html"):
        (templates / name).write_text(EVIL_TEMPLATE.replace("{marker}", str(marker)), encoding="utf-8")


def assert_no_template_ran(result, marker: Path) -> None:
    assert not marker.exists(), "a template from content/ was run"
    assert not any(b"EVIL49" in data for data in result.files.values())
    assert result.diagnostics.failed()


# ---- theme: a folder of themes/, nothing else --------------------------------------------


@pytest.mark.parametrize(
    "theme",
    [
        "../content/assets/t",
        "content/assets/t",
        "..",
        ".",
        "./default",
        "default/../../content/assets/t",
        "default/",
        "themes/default",
        "..\\\\content\\\\assets\\\\t",
        "~",
        "-rf",
        "ABSOLUTE",
    ],
)
def test_a_theme_that_is_not_a_folder_name_is_an_error_at_its_line(make_site, tmp_path: Path, theme: str):
    marker = tmp_path / "ran"
    if theme == "ABSOLUTE":
        theme = str(tmp_path / "site" / "content" / "assets" / "t")
    site = make_site({"site.yaml": f'{MINIMAL_CONFIG}theme: "{theme}"\n'})
    (site / "themes/default/templates").mkdir(parents=True)  # a site with a theme folder of its own
    evil_theme(site, "content/assets/t", marker)
    result = build_site(site)
    assert_no_template_ran(result, marker)
    theme_errors = [d for d in errors_of(result) if d.path.endswith("site.yaml")]
    assert [(d.line, bool(d.hint)) for d in theme_errors] == [(3, True)], formatted(result)


@pytest.mark.parametrize(
    ("link", "target", "theme"),
    [
        ("themes/t", "../content/assets/t", "t"),  # the theme folder
        ("themes/t/templates", "../../content/assets/t/templates", "t"),  # its templates
        ("themes/default/templates/page.html", "../../../content/assets/t/templates/page.html", "default"),
        ("themes", "content/assets", "t"),  # the whole themes/ folder
    ],
)
def test_no_link_makes_a_file_of_content_a_template(make_site, tmp_path: Path, link, target, theme):
    marker = tmp_path / "ran"
    site = make_site({"site.yaml": f"{MINIMAL_CONFIG}theme: {theme}\n"})
    evil_theme(site, "content/assets/t", marker)
    (site / link).parent.mkdir(parents=True, exist_ok=True)
    (site / link).symlink_to(target)
    result = build_site(site)
    assert_no_template_ran(result, marker)
    assert any(
        d.path == link and d.message.startswith("this link points outside the theme folder")
        for d in errors_of(result)
    ), formatted(result)


def test_a_theme_of_the_site_and_the_bundled_one_are_accepted(make_site):
    site = make_site({"site.yaml": f"{MINIMAL_CONFIG}theme: plain-2.0_x\n"})
    (site / "themes/plain-2.0_x/templates").mkdir(parents=True)
    assert not errors_of(build_site(site))
    assert not errors_of(build_site(make_site({"site.yaml": f"{MINIMAL_CONFIG}theme: default\n"})))


# ---- the fronted relay's chatmail.ini -------------------------------------------------------


def fronting_site(make_site, ini_setting: str, ini_text: str | None = EXAMPLE_INI) -> Path:
    files: dict[str, str | bytes] = {"site.yaml": f"{MINIMAL_CONFIG}fronts:\n  ini: {ini_setting}\n"}
    if ini_text is not None:
        files["chatmail.ini"] = ini_text
    return make_site(files)


def ini_error(result) -> Diagnostic:
    (error,) = [d for d in errors_of(result) if d.path.endswith("site.yaml")]
    assert error.line == 4 and error.hint, error.format()
    return error


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("/etc/passwd", "is not a path inside the site folder"),
        ("/dev/zero", "is not a path inside the site folder"),
        ("../chatmail.ini", "is not a path inside the site folder"),
        ("content/../chatmail.ini", "is not a path inside the site folder"),
        ("content", "is a folder, not a file"),
        ("missing.ini", "does not exist"),
    ],
)
def test_an_ini_outside_the_site_or_not_a_file_is_an_error_at_its_line(make_site, setting, message):
    site = fronting_site(make_site, setting)
    (site / "content").mkdir(exist_ok=True)
    result = build_site(site)
    assert message in ini_error(result).message
    assert b"root:" not in b"".join(result.files.values())


@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero", "/proc/self/environ"])
def test_an_ini_linking_out_of_the_site_is_never_read(make_site, target: str):
    site = fronting_site(make_site, "chatmail.ini", None)
    (site / "chatmail.ini").symlink_to(target)
    assert "leads outside the site folder" in ini_error(build_site(site)).message


def test_an_ini_linking_to_a_file_in_the_site_is_read(make_site):
    site = fronting_site(make_site, "chatmail.ini", None)
    (site / "relay").mkdir()
    (site / "relay/chatmail.ini").write_text(EXAMPLE_INI, encoding="utf-8")
    (site / "chatmail.ini").symlink_to("relay/chatmail.ini")
    result = build_site(site)
    assert not errors_of(result), formatted(result)
    assert "en/relay/info/index.html" in result.files


@pytest.mark.timeout(30)
def test_an_ini_that_is_a_pipe_is_an_error_not_a_hang(make_site):
    site = fronting_site(make_site, "chatmail.ini", None)
    os.mkfifo(site / "chatmail.ini")
    assert "not a regular file" in ini_error(build_site(site)).message


def test_an_oversized_ini_is_refused_without_being_read(make_site):
    site = fronting_site(make_site, "chatmail.ini", None)
    with (site / "chatmail.ini").open("wb") as handle:
        handle.truncate(MAX_SETTINGS_FILE_BYTES + 1)  # sparse
    assert "larger than the 1 MiB limit" in ini_error(build_site(site)).message


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("pipe", "not a regular file"),
        ("link out", "leads outside the site folder"),
        ("folder", "is a folder"),
    ],
)
def test_site_yaml_that_is_not_a_file_of_the_site_is_an_error(make_site, kind: str, message: str):
    site = make_site({})
    (site / "site.yaml").unlink()
    if kind == "pipe":
        os.mkfifo(site / "site.yaml")
    elif kind == "link out":
        (site / "site.yaml").symlink_to("/etc/passwd")
    else:
        (site / "site.yaml").mkdir()
    result = build_site(site)
    assert [d.path.endswith("site.yaml") for d in errors_of(result)] == [True], formatted(result)
    assert message in errors_of(result)[0].message
    assert "root:" not in "".join(formatted(result))


# ---- content/assets: nothing that can run script ---------------------------------------------


def test_the_bundled_site_publishes_its_logo_from_the_trusted_theme(bundled_build):
    assert not errors_of(bundled_build)
    assert bundled_build.files["assets/logos/chatmail.svg"].startswith(b"<svg")


# ---- check first, then read -----------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["/proc/self/pagemap", "/dev/zero", "/proc/self/mem"])
def test_a_link_to_a_special_file_is_a_diagnostic_not_a_crash(make_site, target: str):
    site = make_site({})
    (site / "content/assets").mkdir()
    (site / "content/assets/x.png").symlink_to(target)
    result = build_site(site)  # an OSError or a read of /dev/zero would end the test here
    assert [(d.path, d.message.split(" (")[0]) for d in errors_of(result)] == [
        ("content/assets/x.png", "this link points outside the site folder")
    ]


@pytest.mark.parametrize(
    "where", ["content/assets/big.png", "content/en/big.md", "locales/de/LC_MESSAGES/messages.po"]
)
def test_an_oversized_source_is_refused_without_being_read(make_site, tmp_path: Path, where: str):
    site = make_site({})
    big = site / where
    big.parent.mkdir(parents=True, exist_ok=True)
    with big.open("wb") as handle:
        handle.truncate(10 * MAX_SOURCE_FILE_BYTES)  # 200 MiB, sparse: costs no disk
    tracemalloc.start()
    try:
        result = build_site(site)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [d.path for d in errors_of(result)] == [where]
    assert peak < 5 * MAX_SOURCE_FILE_BYTES, f"the build held {peak // 2**20} MiB"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "where", ["content/en/pipe.md", "content/servers.yaml", "locales/de/LC_MESSAGES/messages.po"]
)
def test_a_pipe_anywhere_in_the_sources_is_an_error_not_a_hang(make_site, where: str):
    site = make_site({"site.yaml": f"{MINIMAL_CONFIG}languages: [en, de]\n"})
    (site / where).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(site / where)
    result = build_site(site)
    assert [d.path for d in errors_of(result)] == [where], formatted(result)


# ---- diagnostics with a place ---------------------------------------------------------------


def test_an_asset_clashing_with_a_theme_file_is_reported_at_the_asset(make_site):
    png = PNG
    site = make_site({"themes/default/static/logo.png": png, "content/assets/logo.png": png})
    (error,) = errors_of(build_site(site))
    assert (error.path, error.line) == ("content/assets/logo.png", 0), error.format()


def test_an_asset_folder_where_the_theme_has_a_file_is_a_diagnostic_not_exit_2(make_site, tmp_path):
    asset = "content/assets/logos/chatmail.svg/x.png"  # the theme publishes assets/logos/chatmail.svg
    site = make_site({asset: PNG})
    result = build_site(site)
    assert [(d.path, d.line) for d in errors_of(result)] == [(asset, 0)], formatted(result)
    assert "would be both a file and a folder (themes/default/static and" in errors_of(result)[0].message
    assert main(["build", "--site", str(site), "--out", str(tmp_path / "out")]) == EXIT_CONTENT_ERROR


# ---- everything at once ---------------------------------------------------------------------


def test_a_link_out_of_the_site_is_reported_with_every_other_problem(make_site, tmp_path: Path):
    outside = tmp_path / "secret.md"
    outside.write_text(page("Secret", "en", "SECRET\n"), encoding="utf-8")
    site = make_site(
        {
            "site.yaml": f"{MINIMAL_CONFIG}languages: [en, de]\ntheme: ../content/t\nfronts: /etc/passwd\n",
            "content/en/broken.md": "no front matter\n",
            "content/servers.yaml": "- domain: not a domain\n",
            "content/assets/x.html": "<script>alert(1)</script>",
            "locales/de/LC_MESSAGES/messages.po": 'msgid "x"\nmsgstr "y"\nmsgid\n',
        }
    )
    (site / "content/en/secret.md").symlink_to(outside)
    result = build_site(site)
    paths = {d.path.removeprefix(str(site) + "/") for d in errors_of(result)}
    assert {
        "content/en/secret.md",
        "site.yaml",
        "content/en/broken.md",
        "content/servers.yaml",
        "content/assets/x.html",
        "locales/de/LC_MESSAGES/messages.po",
    } <= paths, formatted(result)
    assert sorted(d.line for d in errors_of(result) if d.path.endswith("site.yaml")) == [4, 5]
    assert not any("SECRET" in line for line in formatted(result))


# ---- readers outside the build: status and the live preview ---------------------------------


def test_a_language_folder_linked_from_elsewhere_is_refused_without_the_tree_check(make_site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text(page("Secret", "de", "SECRET\n"), encoding="utf-8")
    site = make_site({"site.yaml": f"{MINIMAL_CONFIG}languages: [en, de]\n"})
    (site / "content/de").symlink_to(elsewhere)
    diagnostics = Diagnostics()
    config = load_config(site, diagnostics)
    assert config is not None
    content = load_content(config, diagnostics)  # as `status` and `i18n stamp` read pages
    assert content.get("secret", "de") is None
    assert [d.path for d in diagnostics.errors] == ["content/de"]


def test_the_preview_refuses_a_changed_template_that_links_into_content(make_site, tmp_path):
    marker = tmp_path / "ran"
    site = make_site({"content/assets/notes.txt": EVIL_TEMPLATE.replace("{marker}", str(marker))})
    builder = IncrementalBuilder(site)
    assert builder.rebuild().ok
    template = site / "themes/default/templates/page.html"
    template.parent.mkdir(parents=True)
    template.symlink_to("../../../content/assets/notes.txt")
    outcome = builder.rebuild(["themes/default/templates/page.html"])
    assert not outcome.ok
    assert not marker.exists()
    assert [(d.path, d.message.split(" (")[0]) for d in outcome.diagnostics if d.severity == "error"] == [
        ("themes/default/templates/page.html", "this link points outside the theme folder")
    ]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("entry", "target"),
    [
        ("locales/de/LC_MESSAGES/messages.po", "/etc/passwd"),
        ("locales/de", "/etc"),
        ("locales/messages.pot", "/etc/passwd"),
        ("locales/fr/LC_MESSAGES/messages.po", None),  # a pipe
    ],
)
def test_the_catalog_commands_read_only_files_of_the_site(bundled_site: Path, capsys, entry: str, target):
    path = bundled_site / entry
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    if target is None:
        os.mkfifo(path)
    else:
        path.symlink_to(target)
    assert main(["i18n", "check", "--site", str(bundled_site)]) == EXIT_CONTENT_ERROR
    err = capsys.readouterr().err
    assert f"{entry}:0: error" in err
    assert "root:" not in err


def test_the_relay_texts_of_a_fronted_relay_are_never_read_through_a_link(make_site, tmp_path: Path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nSECRET: key\n---\nSECRET\n", encoding="utf-8")  # a key is quoted if read
    site = fronting_site(make_site, "chatmail.ini")
    (site / "content/relay/en").mkdir(parents=True)
    (site / "content/relay/en/home.md").symlink_to(outside)
    result = build_site(site)
    assert [(d.path, d.message.split(" (")[0]) for d in errors_of(result)] == [
        ("content/relay/en/home.md", "this link points outside the site folder")
    ]
    assert not any("SECRET" in line for line in formatted(result))

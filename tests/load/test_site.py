"""Loading a whole site: every source read and checked, every problem of every source reported
in one run, and no Site when anything stops it from being rendered."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.site import Site, load_site
from tests.support.sites import MINIMAL_CONFIG, page, write_site

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
RELAY = "- domain: chat.example.org\n  since: 2024-01\n"


def loaded(root: Path, files: dict[str, str | bytes], **options: str) -> tuple[Site | None, Diagnostics]:
    diagnostics = Diagnostics()
    return load_site(write_site(root, files), diagnostics, **options), diagnostics


def test_a_small_site_loads_with_its_languages_relays_and_assets(tmp_path: Path) -> None:
    site, diagnostics = loaded(
        tmp_path,
        {
            "site.yaml": "title: T\nlanguages: [en, de]\n",
            "content/de/index.md": page("Start", "de"),
            "content/servers.yaml": RELAY,
            "content/assets/logo.png": PNG,
        },
    )
    assert site is not None, [d.format() for d in diagnostics]
    assert not diagnostics.errors
    assert site.config.languages == ("en", "de") and sorted(site.languages) == ["de", "en"]
    assert [relay.ascii_domain for relay in site.relays] == ["chat.example.org"]
    assert site.assets == {"assets/logo.png": PNG}
    assert site.fronted is None and site.config.base_url is None


def test_a_base_url_given_to_the_load_replaces_the_site_s(tmp_path: Path) -> None:
    files = {"site.yaml": MINIMAL_CONFIG + "base_url: https://example.org/\n"}
    site, _ = loaded(tmp_path, files, base_url="https://preview.example.org/pr/7")
    assert site is not None and site.config.base_url == "https://preview.example.org/pr/7/"


def test_a_default_language_without_an_index_is_an_error(tmp_path: Path) -> None:
    _, diagnostics = loaded(
        tmp_path,
        {
            "site.yaml": "title: T\ndefault_language: de\nlanguages: [en, de]\n",
            "content/de/about.md": page("Über", "de"),
        },
    )
    (error,) = diagnostics.errors
    assert (error.path, error.line) == ("content/de", 0)
    assert error.message == "the default language `de` has no index page"
    assert "content/de/index.md" in error.hint


def test_a_page_named_like_the_relay_pages_folder_is_an_error_when_there_are_relays(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"content/en/servers.md": page("Relays", "en")}
    site, diagnostics = loaded(tmp_path / "without", files)
    assert site is not None and not diagnostics.errors
    site, diagnostics = loaded(tmp_path / "with", {**files, "content/servers.yaml": RELAY})
    (error,) = diagnostics.errors
    assert error.path == "content/en/servers.md" and "the page name `servers` is taken" in error.message


def test_a_setting_in_error_gives_no_site_but_the_rest_is_still_checked(tmp_path: Path) -> None:
    site, diagnostics = loaded(
        tmp_path,
        {
            "site.yaml": MINIMAL_CONFIG + "donate: a/b\n",
            "content/en/about.md": "no front matter\n",
            "content/assets/x.js": b"alert(1)",
        },
    )
    assert site is None
    assert sorted(d.path for d in diagnostics.errors) == sorted(
        ["content/assets/x.js", "content/en/about.md", str(tmp_path / "site.yaml")]
    )


def test_a_site_that_fronts_a_relay_loads_it(tmp_path: Path) -> None:
    ini = (
        "[params]\nmail_domain = chat.example.org\nprivacy_mail = p@example.org\nprivacy_postal = Street 1\n"
    )
    site, diagnostics = loaded(
        tmp_path, {"site.yaml": MINIMAL_CONFIG + "fronts: chatmail.ini\n", "chatmail.ini": ini}
    )
    assert site is not None and list(diagnostics) == []
    assert site.fronted is not None and site.fronted.domain == "chat.example.org"

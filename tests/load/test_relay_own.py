"""An operator's own texts for the fronted relay's pages: read from content/relay/<lang>/,
each mistake reported at its line, and the chatmail.ini values they may name."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import SiteConfig, load_config
from chatmail_site.load.relay_own import VALUE_NAMES, load_own_texts, own_text_path, relay_values
from chatmail_site.load.relayini import RelayIni
from tests.support.sites import page, write_site

SITE_YAML = "title: T\ndefault_language: en\nlanguages: [en, de]\n"


def site_config(root: Path, files: dict[str, str]) -> SiteConfig:
    config = load_config(write_site(root, {"site.yaml": SITE_YAML, **files}), Diagnostics())
    assert config is not None
    return config


def test_own_texts_are_read_by_page_and_language(tmp_path: Path) -> None:
    config = site_config(
        tmp_path,
        {
            "content/relay/en/home.md": page(None, "en", "Hello.\n"),
            "content/relay/de/privacy.md": page("Datenschutz", "de", "Text.\n", mode="append"),
        },
    )
    diagnostics = Diagnostics()
    texts = load_own_texts(config, diagnostics)
    assert list(diagnostics) == []
    assert sorted(texts) == [("home", "en"), ("privacy", "de")]
    home, privacy = texts[("home", "en")], texts[("privacy", "de")]
    assert (home.mode, home.title, home.body, home.body_line) == ("replace", None, "Hello.\n", 4)
    assert (privacy.mode, privacy.title, privacy.title_line) == ("append", "Datenschutz", 2)
    assert privacy.display_path == "content/relay/de/privacy.md"
    assert own_text_path(config, "de", "privacy") == tmp_path / "content/relay/de/privacy.md"


def test_a_language_other_than_the_folder_is_an_error_at_its_line(tmp_path: Path) -> None:
    config = site_config(tmp_path, {"content/relay/de/info.md": page("Info", "en")})
    diagnostics = Diagnostics()
    assert load_own_texts(config, diagnostics) == {}
    (error,) = diagnostics.errors
    assert (error.path, error.line) == ("content/relay/de/info.md", 3)
    assert "`lang: en` does not match the folder `de`" in error.message


def test_an_unknown_mode_is_an_error_at_its_line(tmp_path: Path) -> None:
    config = site_config(tmp_path, {"content/relay/en/info.md": page("Info", "en", mode="prepend")})
    diagnostics = Diagnostics()
    assert load_own_texts(config, diagnostics) == {}
    (error,) = diagnostics.errors
    assert error.line == 4 and "`mode: prepend` is neither" in error.message


def test_files_and_folders_that_are_no_own_text_are_warnings(tmp_path: Path) -> None:
    config = site_config(
        tmp_path,
        {
            "content/relay/en/privcy.md": page("P", "en"),
            "content/relay/en/.draft.md": page("P", "en"),
            "content/relay/fr/home.md": page("Accueil", "fr"),
        },
    )
    diagnostics = Diagnostics()
    assert load_own_texts(config, diagnostics) == {}
    assert not diagnostics.errors
    misnamed, stray_language = sorted(diagnostics.warnings, key=lambda d: d.path)
    assert misnamed.path == "content/relay/en/privcy.md" and "privacy" in misnamed.hint
    assert stray_language.path == "content/relay/fr"
    assert "`fr` is not one of the site's languages" in stray_language.message


def test_relay_values_are_written_as_chatmail_ini_writes_them(tmp_path: Path) -> None:
    ini = RelayIni(
        path=tmp_path / "chatmail.ini",
        mail_domain="chat.example.org",
        max_mailbox_size=2 * 1024**3,
        max_mailbox_size_text="2G",
        delete_mails_after=17,
    )
    values = relay_values(ini)
    assert set(values) == set(VALUE_NAMES) and "path" not in values
    assert values["max_mailbox_size"] == "2G"
    assert values["delete_mails_after"] == "17"
    assert values["iroh_relay"] == "https://chat.example.org"

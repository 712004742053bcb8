"""site.yaml: each setting validated, every mistake reported at its line at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.load.config import SiteConfig, base_url_problem, load_config
from tests.support.sites import MINIMAL_CONFIG, write_site


def errors_of(result) -> list[Diagnostic]:
    return result.diagnostics.errors


def formatted(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def config_of(root: Path, site_yaml: str, **files: str) -> tuple[SiteConfig | None, Diagnostics]:
    """load_config of a small site with this site.yaml, and what it reported."""
    site = write_site(root, {"site.yaml": site_yaml, **files})
    diagnostics = Diagnostics()
    return load_config(site, diagnostics), diagnostics


@pytest.mark.parametrize("key", ["donate", "translate_url"])
@pytest.mark.parametrize("value", ["../../etc/passwd", "/etc/passwd", "javascript:alert(1)", "a/b", "x y"])
def test_a_page_setting_that_is_a_path_is_an_error(make_site, key: str, value: str):
    result = build_site(make_site({"site.yaml": f'{MINIMAL_CONFIG}{key}: "{value}"\n'}))
    assert [(d.path.endswith("site.yaml"), d.line) for d in errors_of(result)] == [(True, 3)], formatted(
        result
    )


@pytest.mark.parametrize("value", ["donate", "https://delta.chat/en/donate"])
def test_a_page_name_or_a_web_address_is_accepted(make_site, value: str):
    assert not errors_of(build_site(make_site({"site.yaml": f"{MINIMAL_CONFIG}donate: {value}\n"})))


def test_the_default_language_comes_first_and_the_base_url_gets_its_slash(tmp_path: Path) -> None:
    config, diagnostics = config_of(
        tmp_path, "title: T\ndefault_language: de\nlanguages: [en, de]\nbase_url: https://x.org/c\n"
    )
    assert list(diagnostics) == []
    assert config is not None
    assert config.languages == ("de", "en") and config.default_language == "de"
    assert config.base_url == "https://x.org/c/"
    assert config.with_base_url("https://y.org").base_url == "https://y.org/"
    assert config.with_base_url(None).base_url is None and config.title == "T"


def test_without_a_list_the_languages_are_the_folders_of_content(tmp_path: Path) -> None:
    config, _ = config_of(tmp_path, MINIMAL_CONFIG, **{"content/fr/index.md": "", "content/notes/x.md": ""})
    assert config is not None and config.languages == ("en", "fr")


def test_an_unknown_setting_is_a_warning_at_its_line_with_a_suggestion(tmp_path: Path) -> None:
    config, diagnostics = config_of(tmp_path, MINIMAL_CONFIG + "titel: Oops\n")
    assert config is not None and not diagnostics.errors
    (warning,) = diagnostics.warnings
    assert (warning.line, warning.message) == (3, "unknown setting `titel`")
    assert "title" in warning.hint


def test_a_default_language_missing_from_the_list_is_an_error_at_its_line(tmp_path: Path) -> None:
    config, diagnostics = config_of(tmp_path, "title: T\nlanguages: [de, fr]\ndefault_language: en\n")
    assert config is None
    (error,) = diagnostics.errors
    assert error.path.endswith("site.yaml") and error.line == 3
    assert "`en` is not among the site's languages (de, fr)" in error.message


def test_with_keep_going_a_bad_setting_is_replaced_but_still_reported(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "theme: ../evil\n"})
    diagnostics = Diagnostics()
    assert load_config(site, diagnostics) is None
    assert [d.line for d in diagnostics.errors] == [3]
    kept = load_config(site, Diagnostics(), keep_going=True)
    assert kept is not None and kept.theme == "default"


@pytest.mark.parametrize(
    ("fronts", "domain", "ini"),
    [
        ("fronts: Chat.Example.org\n", "chat.example.org", None),
        ("fronts: chatmail.ini\n", None, "chatmail.ini"),
        (
            "fronts: {domain: chat.example.org, ini: relay/chatmail.ini}\n",
            "chat.example.org",
            "relay/chatmail.ini",
        ),
    ],
)
def test_fronts_names_a_domain_an_ini_or_both(
    tmp_path: Path, fronts: str, domain: str | None, ini: str | None
) -> None:
    config, diagnostics = config_of(
        tmp_path, MINIMAL_CONFIG + fronts, **{"chatmail.ini": "", "relay/chatmail.ini": ""}
    )
    assert not diagnostics.errors, [d.format() for d in diagnostics]
    assert config is not None and config.fronts is not None
    assert config.fronts.domain == domain and config.fronts.line == 3
    assert config.fronts.ini == (tmp_path / ini if ini else None)


@pytest.mark.parametrize(
    "value",
    ["ftp://x.org/", "https://x.org/?a=1", "https://x.org/#top", "/relative/", "https://x.org/\nDisallow: /"],
)
def test_a_base_url_that_is_not_one_web_address_is_refused(value: str) -> None:
    assert base_url_problem(value) is not None
    assert base_url_problem("https://x.org/chatmail/") is None

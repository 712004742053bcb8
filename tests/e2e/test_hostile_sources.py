"""Hostile or careless sources end in a path:line diagnostic in build, check and status alike.

Each case is run through the real command line (`main`), so a traceback anywhere between
reading the file and printing the result fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.commands import cli
from chatmail_site.commands.cli import EXIT_CONTENT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.support import REPO_ROOT
from tests.support.sites import page, parse_html

HUGE = "9" * 5000  # above Python's limit of 4300 digits for int() and str()
SURROGATE = '"\\ud800"'  # a YAML escape that writes a lone surrogate
RELAY = "- domain: a.example.org\n"
CONFIG = "title: Test site\nlanguages: [en, de]\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and everything printed, after checking no traceback was printed."""
    code = main(list(argv))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return code, output


CONTENT_CASES = {
    "huge-title": (
        {"content/en/index.md": page(HUGE, "en")},
        "content/en/index.md:2: error: the number has 5000",
    ),
    "huge-retention": (
        {"content/servers.yaml": RELAY + f"  retention_days: {HUGE}\n"},
        "content/servers.yaml:2: error: the number has 5000 digits",
    ),
    "huge-site-title": ({"site.yaml": f"title: {HUGE}\n"}, "site.yaml:1: error: the number has 5000 digits"),
    "surrogate-title": (
        {"content/en/index.md": page(SURROGATE, "en")},
        "content/en/index.md:2: error: the text holds a lone surrogate (U+D800)",
    ),
    "surrogate-operator": (
        {"content/servers.yaml": RELAY + f"  operator: {SURROGATE}\n"},
        "content/servers.yaml:2: error: the text holds a lone surrogate",
    ),
    "surrogate-note": (
        {"content/servers.yaml": RELAY + f"  notes:\n    en: {SURROGATE}\n"},
        "content/servers.yaml:3: error: the text holds a lone surrogate",
    ),
    "since-year-zero": (
        {"content/servers.yaml": RELAY + "  since: 0000-01\n"},
        "content/servers.yaml:2: error: `since: 0000-01` is not a year and month",
    ),
    "impossible-date": (
        {"content/servers.yaml": RELAY + "  since: 0000-01-01\n"},
        "content/servers.yaml:2: error: `0000-01-01` is not a real date",
    ),
    "escape-in-title": (
        {"content/en/index.md": page('"red \\e[31m bell \\a"', "en")},
        "content/en/index.md:2: error: the text holds the control character U+001B",
    ),
    "nul-in-operator": (
        {"content/servers.yaml": RELAY + '  operator: "a\\0b"\n'},
        "content/servers.yaml:2: error: the text holds the control character U+0000",
    ),
    "control-in-body": (
        {"content/en/index.md": page("Home", "en", "Text\n\nwith a bell \x07 here\n")},
        "content/en/index.md:7: error: the text holds the control character U+0007",
    ),
    "control-as-reference": (
        {"content/en/index.md": page("Home", "en", "Text\n\n[a](https://x.org/&#x1b;) &#7;\n")},
        "content/en/index.md:7: error: `&#x1b;` writes the control character U+001B",
    ),
    "empty-lang": (
        {"content/en/index.md": page("Home", "")},
        "content/en/index.md:3: error: `lang` is empty",
    ),
    "null-lang": (
        {"content/en/index.md": page("Home", "~")},
        "content/en/index.md:3: error: `lang` is empty",
    ),
    "source-hash-list": (
        {"content/de/index.md": page("Start", "de", source_hash="[1, 2]")},
        "content/de/index.md:4: error: `source_hash` must be text, not a list",
    ),
    "source-hash-mapping": (
        {"content/de/index.md": page("Start", "de", source_hash="{a: 1}")},
        "content/de/index.md:4: error: `source_hash` must be text, not a mapping",
    ),
    "source-hash-bool": (
        {"content/de/index.md": page("Start", "de", source_hash="yes")},
        "content/de/index.md:4: error: `source_hash: yes` was read as the boolean true",
    ),
    "dot-dot-page": (
        {"content/de/..md": page("X", "de")},
        "content/de/..md:0: error: `..md` is not a usable page name",
    ),
    "newline-in-file-name": (
        {"content/en/a\nb.md": page("X", "en")},
        "content/en/a\\x0ab.md:0: error: `a\\x0ab.md` is not a usable page name",
    ),
    "languages-differ-in-case": (
        {"site.yaml": "title: T\nlanguages: [en, EN]\n"},
        "site.yaml:2: error: `EN` and `en` differ only in upper and lower case",
    ),
    "base-url-with-newline": (
        {"site.yaml": 'title: T\nbase_url: "https://x.org/\\nDisallow: /"\n'},
        "site.yaml:2: error: `https://x.org/\\x0aDisallow: /` holds a space, line break or control character",
    ),
}


@pytest.mark.parametrize("case", CONTENT_CASES, ids=list(CONTENT_CASES))
def test_hostile_source_is_a_diagnostic_in_build_and_check(make_site, capsys, case: str) -> None:
    files, expected = CONTENT_CASES[case]
    site = make_site({"site.yaml": CONFIG, **files})
    code, output = run(capsys, "build", "--site", str(site))
    assert code == EXIT_CONTENT_ERROR and expected in output, output
    assert not (site / "build").exists()
    code, output = run(capsys, "check", "--site", str(site))
    assert code == EXIT_CONTENT_ERROR and expected in output, output


@pytest.mark.parametrize("case", CONTENT_CASES, ids=list(CONTENT_CASES))
def test_hostile_source_gives_no_traceback_in_status(make_site, capsys, case: str) -> None:
    files, _ = CONTENT_CASES[case]
    run(capsys, "status", "--site", str(make_site({"site.yaml": CONFIG, **files})))


def test_escape_sequences_never_reach_the_terminal_or_the_page(make_site, capsys) -> None:
    site = make_site({"site.yaml": CONFIG, "content/en/about.md": page('"\\e]0;owned\\a\\e[2J"', "en")})
    code, output = run(capsys, "build", "--site", str(site))
    assert code == EXIT_CONTENT_ERROR
    assert "\x1b" not in output and "\x07" not in output


def test_a_newline_in_a_key_cannot_start_a_workflow_command(make_site, capsys) -> None:
    key = '"x\\n::error file=README.md::injected"'
    site = make_site({"site.yaml": CONFIG, "content/en/about.md": page("About", "en", **{key: "1"})})
    code, output = run(capsys, "build", "--site", str(site), "--strict", "--report", str(site / "r.json"))
    assert code == EXIT_CONTENT_ERROR
    assert not [line for line in output.splitlines() if line.startswith("::")]
    assert "x\\x0a::error file=README.md::injected" in output
    code, output = run(capsys, "annotate", str(site / "r.json"))
    assert code == EXIT_OK
    (annotation,) = output.splitlines()
    # The runner reads the properties up to the first `::`; the key's `::` stay in the message.
    command, message = annotation.removeprefix("::").split("::", 1)
    assert command == "error file=content/en/about.md,line=4,title=chatmail-site"
    assert "\n" not in message and "x\\x0a::error file=README.md::injected" in message


def test_huge_ini_numbers_and_control_characters_are_diagnostics(make_site, capsys) -> None:
    ini = (REPO_ROOT / "tests/fixtures/chatmail.ini").read_text(encoding="utf-8")
    ini = ini.replace("max_message_size = 31457280", f"max_message_size = {HUGE}")
    ini = ini.replace("max_user_send_per_minute = 60", f"max_user_send_per_minute = {HUGE}")
    ini = ini.replace("privacy_mail = privacy@example.org", "privacy_mail = a\x1b[2Jb@example.org")
    site = make_site({"site.yaml": "title: T\nfronts:\n  ini: chatmail.ini\n", "chatmail.ini": ini})
    code, output = run(capsys, "build", "--site", str(site))
    assert code == EXIT_CONTENT_ERROR
    assert "`max_message_size`: the number has 5000 digits" in output, output
    assert "`max_user_send_per_minute`: the number has 5000 digits" in output
    assert "error: the text holds the control character U+001B" in output
    assert "\x1b" not in output


def test_source_date_epoch_beyond_year_9999_is_a_usage_error(make_site, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300800")
    site = make_site({})
    for command in ("build", "check", "status"):
        code, output = run(capsys, command, "--site", str(site))
        assert code == EXIT_USAGE and "SOURCE_DATE_EPOCH='253402300800' is not a time" in output


@pytest.mark.parametrize("state", ["[]", "null", '{"format": 1}', "{"])
def test_a_broken_cache_state_file_is_ignored(make_site, capsys, state: str) -> None:
    site = make_site({"content/en/about.md": page("About", "en")})
    assert run(capsys, "build", "--site", str(site))[0] == EXIT_OK
    (state_file,) = (site / ".build.cache").glob("state.json")
    state_file.write_text(state, encoding="utf-8")
    code, _ = run(capsys, "build", "--site", str(site))
    assert code == EXIT_OK
    assert list((site / "build/en").glob("about*")), "the page is built again"


def test_clean_on_an_output_that_cannot_be_removed_is_a_usage_error(make_site, capsys, monkeypatch) -> None:
    site = make_site({})
    assert run(capsys, "build", "--site", str(site))[0] == EXIT_OK

    def read_only(path: Path) -> None:  # as rmtree fails on a read-only folder (root ignores modes)
        raise PermissionError(13, "Permission denied", str(path / "en"))

    monkeypatch.setattr(cli, "remove_output", read_only)
    code, output = run(capsys, "build", "--site", str(site), "--clean")
    assert code == EXIT_USAGE
    assert "error: cannot remove " in output and "Permission denied" in output


@pytest.mark.parametrize(
    "report",
    [
        "[]",
        "null",
        "{}",
        '{"diagnostics": [1]}',
        '{"diagnostics": [{"path": 1}]}',
        "{",
        '{"strict": 1, "diagnostics": []}',
    ],
)
def test_annotate_on_a_malformed_report_is_a_usage_error(tmp_path, capsys, report: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(report, encoding="utf-8")
    code, output = run(capsys, "annotate", str(path))
    assert code == EXIT_USAGE and "is not a report of `chatmail-site build --report`" in output


def test_a_bad_base_url_option_is_a_usage_error(make_site, capsys) -> None:
    site = make_site({})
    code, output = run(capsys, "build", "--site", str(site), "--base-url", "https://x.org/\nDisallow: /")
    assert code == EXIT_USAGE and "--base-url:" in output
    assert not (site / "build").exists()


def test_without_base_url_there_are_no_relative_canonical_or_hreflang_links(make_site, capsys) -> None:
    site = make_site({"site.yaml": CONFIG, "content/de/index.md": page("Start", "de")})
    code, output = run(capsys, "build", "--site", str(site))
    assert code == EXIT_OK and "no sitemap.xml, canonical or hreflang links" in output
    html = parse_html((site / "build/de/index.html").read_bytes())
    assert html.find_all("link", rel="canonical") == [] and html.find_all("link", rel="alternate") == []
    robots = (site / "build/robots.txt").read_text(encoding="utf-8")
    assert "Sitemap" not in robots
    code, _ = run(capsys, "build", "--site", str(site), "--base-url", "https://example.org/c/")
    html = parse_html((site / "build/de/index.html").read_bytes())
    links = html.find_all("link", rel="canonical") + html.find_all("link", rel="alternate")
    assert len(links) == 4  # canonical, en, de, x-default
    assert all(link.attrs["href"].startswith("https://example.org/c/") for link in links)

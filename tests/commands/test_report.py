"""The JSON report of a build and the workflow annotations made from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatmail_site.commands.report import (
    REPORT_FORMAT,
    MalformedReport,
    build_report,
    github_annotations,
    read_report,
    write_report,
)
from chatmail_site.core.errors import Diagnostic, Severity, escape_control, workflow_command

HOSTILE = "key\r\n::error file=README.md::x\x1b[31m\x07\x00\ud800\u2028end"


def report_of(*diagnostics: Diagnostic, strict: bool = False) -> dict:
    return build_report(
        pages_per_language={"en": 3, "de": 2},
        diagnostics=diagnostics,
        timings={"load": 0.123456, "render": 1.0},
        strict=strict,
        succeeded=True,
    )


def test_the_report_counts_pages_and_diagnostics_and_sorts_them() -> None:
    report = report_of(
        Diagnostic("b.md", 2, Severity.WARNING, "second"),
        Diagnostic("a.md", 9, Severity.ERROR, "first", "fix it"),
        Diagnostic("b.md", 1, Severity.WARNING, "third"),
    )
    assert report["format"] == REPORT_FORMAT and report["tool"]["name"] == "chatmail-site"
    assert report["pages"] == {"total": 5, "per_language": {"en": 3, "de": 2}}
    assert report["counts"] == {"errors": 1, "warnings": 2}
    assert [(d["path"], d["line"]) for d in report["diagnostics"]] == [("a.md", 9), ("b.md", 1), ("b.md", 2)]
    assert report["timings"] == {"load": 0.1235, "render": 1.0}


def test_the_json_report_holds_the_same_safe_text(tmp_path) -> None:
    diagnostic = Diagnostic(HOSTILE, 1, Severity.WARNING, HOSTILE)
    report = build_report(
        pages_per_language={}, diagnostics=[diagnostic], timings={}, strict=False, succeeded=True
    )
    write_report(tmp_path / "report.json", report)  # a lone surrogate would fail here
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written["diagnostics"][0]["message"] == escape_control(HOSTILE)


def test_annotations_of_a_report_go_through_the_same_escaping() -> None:
    report = {"strict": True, "diagnostics": [Diagnostic("p", 0, Severity.WARNING, "m\n::x", "h").as_dict()]}
    assert github_annotations(report) == [workflow_command("error", "p", 0, "m\\x0a::x (hint: h)")]


def test_without_strict_a_warning_stays_a_warning_and_an_empty_hint_adds_nothing() -> None:
    report = report_of(Diagnostic("content/en/a.md", 4, Severity.WARNING, "odd"))
    assert github_annotations(report) == [workflow_command("warning", "content/en/a.md", 4, "odd")]


def test_a_written_report_reads_back_as_the_annotations_need_it(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    error = Diagnostic("site.yaml", 3, Severity.ERROR, "bad", "hint")
    write_report(path, report_of(error, strict=True))
    read = read_report(path)
    assert read == {"strict": True, "diagnostics": [error.as_dict()]}
    assert github_annotations(read) == [workflow_command("error", "site.yaml", 3, "bad (hint: hint)")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe{}", "it is not UTF-8 text"),
        (b'{\n  "strict": true,\n', "it is not JSON"),
        (b"[]", "it is not a JSON object"),
        (b'{"strict": "yes", "diagnostics": []}', "it has no `diagnostics` list"),
        (
            b'{"diagnostics": [{"path": "a", "message": "m", "severity": "error"}, {"path": "b"}]}',
            "diagnostic 2 needs a path",
        ),
        (b'{"diagnostics": [{"path": "a", "message": "m", "severity": "note"}]}', "diagnostic 1 needs"),
        (
            b'{"diagnostics": [{"path": "a", "message": "m", "severity": "error", "line": -1}]}',
            "diagnostic 1",
        ),
    ],
)
def test_a_malformed_report_says_what_does_not_fit(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(data)
    with pytest.raises(MalformedReport) as raised:
        read_report(path)
    assert str(raised.value).startswith(reason)


def test_a_report_line_and_hint_may_be_left_out(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"diagnostics": [{"path": "a.md", "message": "m", "severity": "warning"}]}')
    assert read_report(path)["diagnostics"] == [
        {"path": "a.md", "line": 0, "severity": "warning", "message": "m", "hint": ""}
    ]

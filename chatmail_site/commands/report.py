"""Machine-readable build results for CI: a JSON report and workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chatmail_site import __version__
from chatmail_site.core.errors import Diagnostic, Diagnostics, Severity, workflow_command

REPORT_FORMAT = 1


def build_report(
    *,
    pages_per_language: dict[str, int],
    diagnostics: Iterable[Diagnostic],
    timings: dict[str, float],
    strict: bool,
    succeeded: bool,
) -> dict[str, Any]:
    """Everything CI needs to know about one build, as plain JSON-ready data."""
    items = Diagnostics(list(diagnostics)).sorted()
    return {
        "format": REPORT_FORMAT,
        "tool": {"name": "chatmail-site", "version": __version__},
        "succeeded": succeeded,
        "strict": strict,
        "pages": {"total": sum(pages_per_language.values()), "per_language": dict(pages_per_language)},
        "counts": {
            "errors": sum(1 for d in items if d.severity is Severity.ERROR),
            "warnings": sum(1 for d in items if d.severity is Severity.WARNING),
        },
        "diagnostics": [d.as_dict() for d in items],
        "timings": {stage: round(seconds, 4) for stage, seconds in timings.items()},
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def github_annotations(report: dict[str, Any]) -> list[str]:
    """One workflow command per diagnostic, so it shows on the line of the file in a pull request.

    Under --strict every warning failed the build, so it is annotated as an error.
    """
    lines = []
    for item in report["diagnostics"]:
        level = "error" if item["severity"] == "error" or report["strict"] else "warning"
        message = item["message"] + (f" (hint: {item['hint']})" if item["hint"] else "")
        lines.append(workflow_command(level, item["path"], item["line"], message))
    return lines


class MalformedReport(ValueError):
    """A report file that `build --report` did not write, or that was edited since."""


def read_report(path: Path) -> dict[str, Any]:
    """A report as `github_annotations` needs it; MalformedReport names what does not fit."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise MalformedReport("it is not UTF-8 text") from None
    except json.JSONDecodeError as problem:
        raise MalformedReport(f"it is not JSON ({problem.msg} at line {problem.lineno})") from None
    except RecursionError:
        raise MalformedReport("it is nested too deeply") from None
    if not isinstance(report, dict):
        raise MalformedReport("it is not a JSON object")
    strict = report.get("strict", False)
    items = report.get("diagnostics")
    if not isinstance(strict, bool) or not isinstance(items, list):
        raise MalformedReport("it has no `diagnostics` list (or `strict` is not true/false)")
    return {"strict": strict, "diagnostics": [_report_item(index, item) for index, item in enumerate(items)]}


def _report_item(index: int, item: Any) -> dict[str, Any]:
    fields = (
        isinstance(item, dict)
        and isinstance(item.get("path"), str)
        and isinstance(item.get("message"), str)
        and isinstance(item.get("hint", ""), str)
        and item.get("severity") in (Severity.ERROR.value, Severity.WARNING.value)
        and type(item.get("line", 0)) is int
        and item.get("line", 0) >= 0
    )
    if not fields:
        raise MalformedReport(
            f"diagnostic {index + 1} needs a path, a line, an error/warning severity and a message"
        )
    return {
        "path": item["path"],
        "line": item.get("line", 0),
        "severity": item["severity"],
        "message": item["message"],
        "hint": item.get("hint", ""),
    }

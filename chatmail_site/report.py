"""Machine-readable build results for CI: a JSON report and workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__
from .errors import Diagnostic, Severity

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
    items = sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.severity.value, d.message))
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
        location = f"file={_escape_property(item['path'])}"
        if item["line"]:
            location += f",line={item['line']}"
        lines.append(f"::{level} {location},title=chatmail-site::{_escape_data(message)}")
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def read_report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))

"""HTML conformance checks with the Nu Html Checker (vnu.jar from node_modules).

The JVM takes a second or two to start, so `check_html` checks any number of files in one
java run; give it every page of a build at once rather than calling it per page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.support import NODE_MODULES, MissingTestTool

VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class VnuMessage:
    """One message of the checker about one file."""

    file: Path
    line: int | None
    column: int | None
    message: str
    extract: str = ""

    def format(self) -> str:
        """Render as `file:line:column: message`, like a compiler."""
        location = ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)
        return f"{location}: {self.message}"


@dataclass
class VnuReport:
    """Errors and warnings per checked file; every checked file has an entry, maybe empty."""

    errors: dict[Path, list[VnuMessage]] = field(default_factory=dict)
    warnings: dict[Path, list[VnuMessage]] = field(default_factory=dict)

    def errors_for(self, file: Path) -> list[VnuMessage]:
        """The errors in one checked file."""
        return self.errors[Path(file).resolve()]

    def warnings_for(self, file: Path) -> list[VnuMessage]:
        """The warnings in one checked file."""
        return self.warnings[Path(file).resolve()]

    def all_errors(self) -> list[VnuMessage]:
        """Every error in every file, in file order."""
        return [message for file in sorted(self.errors) for message in self.errors[file]]

    def format_errors(self) -> str:
        """All errors as one readable block for an assertion message."""
        errors = self.all_errors()
        if not errors:
            return "no HTML errors"
        return f"{len(errors)} HTML error(s):\n" + "\n".join(error.format() for error in errors)


def check_html(paths: Iterable[Path], jar: Path = VNU_JAR, java: str = "java") -> VnuReport:
    """Check HTML files, and the .html/.htm files under directories, in one checker run.

    Errors are the checker's `error` messages; warnings are its `info` messages of subtype
    `warning`. Plain `info` messages are dropped.
    """
    java_path = shutil.which(java)
    if java_path is None:
        raise MissingTestTool(f"Java runtime ({java})")
    if not jar.is_file():
        raise MissingTestTool(f"Nu Html Checker ({jar})")
    files = _html_files(paths)
    report = VnuReport(errors={file: [] for file in files}, warnings={file: [] for file in files})
    if not files:
        return report
    command = [java_path, "-jar", str(jar), "--format", "json", "--exit-zero-always", "--stdout"]
    result = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, check=False)
    try:
        messages = json.loads(result.stdout)["messages"]
    except (json.JSONDecodeError, KeyError) as error:
        raise RuntimeError(
            f"the Nu Html Checker gave no JSON report (exit status {result.returncode}):\n{result.stderr}"
        ) from error
    for raw in messages:
        _file_message(report, raw)
    return report


def _html_files(paths: Iterable[Path]) -> list[Path]:
    """Resolve the given files and expand directories to the HTML files inside them.

    The checker would read every file of a directory as HTML (stylesheets included) and
    says nothing about a file that does not exist, so both are settled here.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(child.resolve() for child in path.rglob("*") if child.suffix in HTML_SUFFIXES)
            )
        elif path.is_file():
            files.append(path.resolve())
        else:
            raise FileNotFoundError(f"no file or directory to check: {path}")
    return list(dict.fromkeys(files))


def _file_message(report: VnuReport, raw: dict) -> None:
    kind = raw.get("type")
    if kind == "non-document-error":
        raise RuntimeError(f"the Nu Html Checker could not check {raw.get('url')}: {raw.get('message')}")
    if kind == "error":
        bucket = report.errors
    elif kind == "info" and raw.get("subType") == "warning":
        bucket = report.warnings
    else:
        return
    file = Path(unquote(urlsplit(raw["url"]).path)).resolve()
    bucket.setdefault(file, []).append(
        VnuMessage(
            file=file,
            line=raw.get("firstLine", raw.get("lastLine")),
            column=raw.get("firstColumn"),
            message=raw.get("message", ""),
            extract=raw.get("extract", ""),
        )
    )

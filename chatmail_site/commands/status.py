"""The translation status of a site: every page's state in every language, with its quality
findings, as a table, Markdown summary or JSON for `chatmail-site status`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from chatmail_site.core.errors import Diagnostic
from chatmail_site.load.content import ContentIndex, Page
from chatmail_site.model.plan import State
from chatmail_site.plan.translations import COPY_THRESHOLD, check_translation


@dataclass(frozen=True)
class Cell:
    slug: str
    lang: str
    state: State
    path: str | None = None
    stamped: bool | None = None
    similarity: float | None = None
    findings: tuple[Diagnostic, ...] = ()  # what the quality checks found on the page


@dataclass(frozen=True)
class SiteStatus:
    default_language: str
    languages: tuple[str, ...]
    slugs: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]

    def cell(self, slug: str, lang: str) -> Cell:
        return self.cells[(slug, lang)]

    def counts(self, lang: str) -> dict[str, int]:
        found = Counter(self.cells[(slug, lang)].state.value for slug in self.slugs)
        return {state.value: found.get(state.value, 0) for state in State}

    def finding_count(self, lang: str) -> int:
        """How many quality findings the language's pages have."""
        return sum(len(self.cells[(slug, lang)].findings) for slug in self.slugs)

    def percent(self, lang: str) -> float:
        """Share of the site's pages that are current in this language (originals count)."""
        if not self.slugs:
            return 100.0
        done = sum(
            1 for slug in self.slugs if self.cells[(slug, lang)].state in (State.TRANSLATED, State.ORIGINAL)
        )
        return round(100 * done / len(self.slugs), 1)


def site_status(
    languages: tuple[str, ...], content: ContentIndex, findings: Iterable[Diagnostic] = ()
) -> SiteStatus:
    """The state of every page in every language of the site, with the quality findings
    (qa.site_findings) of each page."""
    default = content.default_language
    slugs = tuple(content.slugs())
    by_path: dict[str, list[Diagnostic]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    cells: dict[tuple[str, str], Cell] = {}
    for slug in slugs:
        original = content.get(slug, default)
        for lang in languages:
            cell = _cell(slug, lang, content.get(slug, lang), original, default)
            found = tuple(sorted(by_path.get(cell.path or "", ()), key=lambda d: (d.line, d.message)))
            cells[(slug, lang)] = replace(cell, findings=found) if found else cell
    return SiteStatus(default, languages, slugs, cells)


def _cell(slug: str, lang: str, page: Page | None, original: Page | None, default: str) -> Cell:
    if page is None:
        return Cell(slug, lang, State.FALLBACK if original is not None else State.MISSING)
    if lang == default or original is None:
        return Cell(slug, lang, State.ORIGINAL, page.display_path)
    check = check_translation(page, original)
    return Cell(slug, lang, check.state, page.display_path, check.stamped, check.similarity)


def status_json(status: SiteStatus) -> dict[str, Any]:
    """The status as plain data; its shape is described by schemas/status.schema.json."""
    return {
        "default_language": status.default_language,
        "copy_threshold": COPY_THRESHOLD,
        "languages": [
            {
                "code": lang,
                "percent": status.percent(lang),
                "counts": status.counts(lang),
                "findings": status.finding_count(lang),
            }
            for lang in status.languages
        ],
        "pages": [
            {
                "slug": slug,
                "languages": {lang: _cell_json(status.cell(slug, lang)) for lang in status.languages},
            }
            for slug in status.slugs
        ],
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    data: dict[str, Any] = {"state": cell.state.value, "path": cell.path}
    if cell.stamped is not None:
        data["stamped"] = cell.stamped
        data["similarity"] = cell.similarity
    data["findings"] = [
        {"line": d.line, "severity": d.severity.value, "message": d.message, "hint": d.hint}
        for d in cell.findings
    ]
    return data


def format_status_json(status: SiteStatus) -> str:
    return json.dumps(status_json(status), indent=2, ensure_ascii=False) + "\n"


def format_matrix(status: SiteStatus) -> str:
    """A page × language table for a terminal, with the share done per language."""
    header = ["page", *status.languages]
    rows = [header]
    for slug in status.slugs:
        rows.append([slug, *(_cell_label(status.cell(slug, lang)) for lang in status.languages)])
    rows.append(["done", *(f"{status.percent(lang):g}%" for lang in status.languages)])
    rows.append(["findings", *(str(status.finding_count(lang)) for lang in status.languages)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    notes = [
        "outdated*: not stamped; once it matches the original, run `chatmail-site i18n stamp FILE`",
        "copy: nearly the same text as the original; translate it, or delete it to get the fallback page",
        "fallback: no translation yet; readers see the original with a notice",
        "(N): the page has N findings of the quality checks, listed below",
    ]
    findings = [
        finding.format()
        for slug in status.slugs
        for lang in status.languages
        for finding in status.cell(slug, lang).findings
    ]
    listed = "\n\n" + "\n".join(findings) if findings else ""
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + listed + "\n"


def format_markdown_summary(status: SiteStatus) -> str:
    """Translation completeness per language as a Markdown table, for a CI job summary."""
    states = [state.value for state in State]
    lines = [
        "## Translation status",
        "",
        "| language | done | " + " | ".join(states) + " | findings |",
        "|---|---:|" + "---:|" * (len(states) + 1),
    ]
    for lang in status.languages:
        counts = status.counts(lang)
        cells = " | ".join(str(counts[state]) for state in states)
        lines.append(f"| {lang} | {status.percent(lang):g}% | {cells} | {status.finding_count(lang)} |")
    return "\n".join(lines) + "\n"


def _cell_label(cell: Cell) -> str:
    label = "outdated*" if cell.state is State.OUTDATED and cell.stamped is False else cell.state.value
    return f"{label}({len(cell.findings)})" if cell.findings else label

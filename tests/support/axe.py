"""Accessibility checks with axe-core, run inside a Playwright page.

axe-core comes from node_modules (pinned in package-lock.json). A page that sends a strict
Content-Security-Policy blocks the injected script; open such pages in a context made with
`bypass_csp=True`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support import NODE_MODULES, MissingTestTool

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
SERIOUS_IMPACTS = frozenset({"serious", "critical"})

_RUN_AXE = """
async (options) => {
    const results = await window.axe.run(document, options);
    return results.violations;
}
"""


def run_axe(
    page: Page, options: dict[str, Any] | None = None, script: Path = AXE_SCRIPT
) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations.

    Each violation is axe's own record: `id`, `impact`, `help`, `helpUrl` and `nodes`
    (each with `target` selectors, `html` and `failureSummary`). `options` go to `axe.run`.
    """
    if not script.is_file():
        raise MissingTestTool(f"axe-core ({script})")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(script))
    return page.evaluate(_RUN_AXE, {"resultTypes": ["violations"], **(options or {})})


def serious_violations(page: Page, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The violations on the page whose impact is serious or critical."""
    return [violation for violation in run_axe(page, options) if violation.get("impact") in SERIOUS_IMPACTS]


def format_violations(violations: list[dict[str, Any]], max_nodes: int = 5) -> str:
    """A readable report of violations for an assertion message, up to `max_nodes` per rule."""
    if not violations:
        return "no accessibility violations"
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(
            f"- [{violation.get('impact')}] {violation['id']}: {violation.get('help', '')}"
            f" ({violation.get('helpUrl', '')})"
        )
        nodes = violation.get("nodes", [])
        for node in nodes[:max_nodes]:
            selector = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {selector}: {_shorten(node.get('html', ''))}")
            summary = node.get("failureSummary", "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(nodes) > max_nodes:
            lines.append(f"    … and {len(nodes) - max_nodes} more element(s)")
    return "\n".join(lines)


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

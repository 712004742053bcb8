"""The operator's own texts for the fronted relay's pages: values filled in, Markdown made safe."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.relay_own import OwnText
from chatmail_site.render.markdown import MarkdownRenderer

# `{relay.key}` and `{page.name}`; any other braces (attribute lists like `{#id}`) stay text.
_REFERENCE = re.compile(r"\{(?P<space>relay|page)\.(?P<name>[A-Za-z0-9_]*)\}")


_TEMPLATE_CODE = re.compile(r"\{\{|\{%")


_EXTERNAL_OR_LOCAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|/|#|\?|$)")


_LINK_ATTRIBUTE = re.compile(r'\b(?P<attr>href|src)="(?P<url>[^"]*)"')


@dataclass(frozen=True)
class OwnRendered:
    """An own text as the page template takes it: `mode` is empty when there is none."""

    mode: str = ""
    title: str = ""
    html: str = ""


def fill_in(
    text: str,
    first_line: int,
    display: str,
    values: Mapping[str, Mapping[str, str]],
    diagnostics: Diagnostics,
) -> str:
    """`text` with each `{relay.key}` and `{page.name}` replaced; unknown names are errors.

    `first_line` is the file line `text` starts on, for the messages.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        number = first_line + index
        if _TEMPLATE_CODE.search(line):
            diagnostics.error(
                display,
                number,
                "template code does not run in an own text",
                "name a value as {relay.mail_domain}; leave out {% if %} blocks",
            )

        def replace(match: re.Match[str], number: int = number) -> str:
            known = values[match["space"]]
            if match["name"] in known:
                return known[match["name"]]
            diagnostics.error(
                display,
                number,
                f"`{match.group(0)}` names no {match['space']} value",
                _name_hint(match["space"], match["name"], known),
            )
            return match.group(0)

        lines[index] = _REFERENCE.sub(replace, line)
    return "\n".join(lines)


def _name_hint(space: str, name: str, known: Mapping[str, str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{{{space}.{close[0]}}}`?"
    return "known names: " + ", ".join(f"{{{space}.{key}}}" for key in sorted(known))


def render_own(
    text: OwnText,
    values: Mapping[str, Mapping[str, str]],
    root: str,
    markdown: MarkdownRenderer,
    diagnostics: Diagnostics,
) -> OwnRendered:
    """The own text as safe HTML whose relative links start from the site root."""
    rendered = markdown.render(fill_in(text.body, text.body_line, text.display_path, values, diagnostics))
    for problem in rendered.problems:
        report = diagnostics.error if problem.is_error else diagnostics.warning
        report(text.display_path, text.body_line + problem.line - 1, problem.message, problem.hint)
    html = _LINK_ATTRIBUTE.sub(lambda match: _from_root(match, root), rendered.html)
    title = fill_in(text.title, text.title_line, text.display_path, values, diagnostics) if text.title else ""
    return OwnRendered(text.mode, title, html)


def _from_root(match: re.Match[str], root: str) -> str:
    url = match["url"]
    if _EXTERNAL_OR_LOCAL.match(url):
        return match.group(0)
    return f'{match["attr"]}="{root}{url}"'

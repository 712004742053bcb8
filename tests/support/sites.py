"""Making small sites on disk and reading built HTML, for tests of the build."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from tests.support import REPO_ROOT

SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
# The files that make up the bundled site (everything a build reads).
SITE_PARTS = ("site.yaml", "content", "themes", "locales")

MINIMAL_CONFIG = "title: Test site\ndefault_language: en\n"


def page(title: str | None, lang: str, body: str = "Some text.\n", **extra: str) -> str:
    """The text of a page file with the given front matter."""
    lines = ["---"]
    if title is not None:
        lines.append(f"title: {title}")
    lines.append(f"lang: {lang}")
    lines += [f"{key}: {value}" for key, value in extra.items()]
    lines.append("---")
    return "\n".join(lines) + "\n" + body


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a site from {relative path: text or bytes}; site.yaml and an index get defaults."""
    files = {"site.yaml": MINIMAL_CONFIG, "content/en/index.md": page("Home", "en"), **files}
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return root


def copy_bundled_site(dest: Path) -> Path:
    """A private copy of this repository's bundled site, safe to edit in a test."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in SITE_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        elif source.is_file():
            shutil.copy2(source, dest / part)
    return dest


def seed(name_prefix: str) -> str:
    """The text of a seed page, found by its number (000 … 004)."""
    matches = sorted(SEEDS_DIR.glob(f"{name_prefix}_*.txt"))
    assert matches, f"no seed {name_prefix} in {SEEDS_DIR}: the shared folder must sit beside the repository"
    return matches[0].read_text(encoding="utf-8")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class ParsedPage(HTMLParser):
    """The elements of an HTML page with their attributes and text, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in ("meta", "link", "img", "br", "hr", "input", "source"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def find(self, tag: str, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]


def parse_html(html: str | bytes) -> ParsedPage:
    parsed = ParsedPage()
    parsed.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    parsed.close()
    return parsed

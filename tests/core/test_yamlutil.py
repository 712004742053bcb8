"""libyaml's fast path reads every site file exactly as the Python loader does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatmail_site.core import yamlutil
from chatmail_site.core.errors import Diagnostics
from tests.support import REPO_ROOT

REPO = REPO_ROOT
SEEDS = REPO.parent / "shared" / "seeds"


def shape(value: Any) -> Any:
    """The data with every line number and raw scalar the loaders record."""
    if isinstance(value, yamlutil.LineDict):
        keys = [(repr(k), value.key_lines[k], value.raw.get(k), shape(v)) for k, v in value.items()]
        return ("mapping", value.line, keys)
    if isinstance(value, yamlutil.LineList):
        return ("sequence", value.line, value.item_lines, [shape(v) for v in value])
    return (type(value).__name__, value)


def python_loader(text: str, first_line: int) -> tuple[Any, list[tuple[Any, int]]] | None:
    loader = yamlutil._LineLoader(text)
    loader.line_offset = first_line - 1
    loader.duplicate_keys = []
    try:
        return loader.get_single_data(), loader.duplicate_keys
    except Exception:
        return None
    finally:
        loader.dispose()


def front_matter_and_data_files() -> list[Path]:
    files = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "content").rglob("*.yaml"))
    files += [REPO / "site.yaml", *sorted((REPO / "examples").rglob("*.yaml"))]
    files += sorted(SEEDS.rglob("*.md")) if SEEDS.is_dir() else []
    return files


def yaml_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md" and text.startswith("---"):
        return text[3:].split("\n---", 1)[0]
    return text


def assert_same(text: str, first_line: int = 1) -> None:
    fast = yamlutil._load_fast(text, first_line)
    if fast is None:
        return  # the Python loader reads it, as before
    slow = python_loader(text, first_line)
    assert slow is not None, f"libyaml accepted what the Python loader refuses: {text!r}"
    assert shape(fast[0]) == shape(slow[0])
    assert fast[1] == slow[1]


@pytest.mark.parametrize("path", front_matter_and_data_files(), ids=lambda p: p.name)
def test_every_bundled_and_seed_file_reads_the_same(path: Path):
    assert_same(yaml_text(path), 2)


def test_front_matter_of_the_bundled_pages_takes_the_fast_path():
    pages = sorted((REPO / "content").rglob("*.md"))
    fast = [page for page in pages if yamlutil._load_fast(yaml_text(page), 2) is not None]
    assert len(fast) >= len(pages) * 0.8


TRICKY = [
    "lang: no\ntitle: yes\n",
    "title: a\ntitle: b\n",
    "title: 'quoted: colon'\nnav: 2\nweight: 1.5\n",
    "list:\n  - a\n  - [b, c]\n  - {d: e}\n",
    "<<: {a: 1}\nb: 2\n",
    "date: 2024-01-05\nmonth: 2024-01\n",
    "title: Donate: now\n",
    "key: [unclosed\n",
    "- a\n- b\n",
    "",
    "# only a comment\n",
    "text: |\n  first\n  second\n",
    "? complex\n: value\n",
    'title: "\\u00e9t\\u00e9"\n',
    "a:\n\tb: tab\n",
    "{a: 1, a: 2}\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_snippets_read_the_same_or_fall_back(text: str):
    assert_same(text, 5)


def test_an_alias_never_takes_the_fast_path_and_stays_an_error():
    text = "a: &x [1, 2]\nb: *x\n"
    assert yamlutil._load_fast(text, 1) is None
    diagnostics = Diagnostics()
    assert yamlutil.load_yaml(text, "site.yaml", diagnostics) is None
    assert "aliases" in diagnostics.errors[0].message


PIECES = [*"abcXY:- '\"[](){}*&!|>?%@`,\n#./0129_\t", "\u00e9", "  ", "- ", "key: ", "\n  ", ": ", " #", "**"]
PIECES += ["\n- ", "\n  - "]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_random_texts_read_the_same_or_fall_back(text: str):
    assert_same(text, 3)

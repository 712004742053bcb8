"""Splitting a page into front matter and body, and reading its text, each problem at its line."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.front_matter import read_page_text, split_front_matter
from tests.support.diagnostics import diagnostics_of, only


def test_front_matter_that_is_not_a_mapping(make_site):
    site = make_site({"content/en/list.md": "---\n- title\n- lang\n---\nText\n"})
    diagnostic = only(diagnostics_of(site), "content/en/list.md")
    assert diagnostic.line == 2
    assert "not a list" in diagnostic.message


def test_page_without_front_matter(make_site):
    site = make_site({"content/en/plain.md": "# Just Markdown\n"})
    diagnostic = only(diagnostics_of(site), "content/en/plain.md")
    assert "does not start with front matter" in diagnostic.message


def test_the_split_gives_the_values_and_the_line_the_body_starts_on() -> None:
    diagnostics = Diagnostics()
    split = split_front_matter("---\ntitle: Hi\nlang: en\n...\nBody\n", "p.md", diagnostics)
    assert split is not None and list(diagnostics) == []
    assert dict(split.meta) == {"title": "Hi", "lang": "en"}
    assert split.meta.line_of("lang") == 3
    assert (split.body, split.body_line) == ("Body\n", 5)


def test_empty_front_matter_is_an_empty_mapping() -> None:
    split = split_front_matter("---\n---\nText\n", "p.md", Diagnostics())
    assert split is not None
    assert dict(split.meta) == {} and split.body_line == 3


def test_unclosed_front_matter_is_an_error_with_a_hint() -> None:
    diagnostics = Diagnostics()
    assert split_front_matter("---\ntitle: x\nText\n", "p.md", diagnostics) is None
    (error,) = diagnostics.errors
    assert (error.path, error.line, error.message) == ("p.md", 1, "the front matter is never closed")
    assert "---" in error.hint


def test_a_yaml_error_is_reported_at_its_line_in_the_file() -> None:
    diagnostics = Diagnostics()
    assert split_front_matter("---\ntitle: x\nlang: [en\n---\n", "p.md", diagnostics) is None
    assert [(d.path, d.line) for d in diagnostics.errors] == [("p.md", 3)]


def test_reading_makes_line_endings_plain_and_drops_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\rText\r\n")
    diagnostics = Diagnostics()
    assert read_page_text(path, "p.md", diagnostics) == "---\ntitle: x\n---\nText\n"
    assert list(diagnostics) == []


def test_a_nul_byte_refuses_the_file_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"---\ntitle: x\n---\nab\x00c\n")
    diagnostics = Diagnostics()
    assert read_page_text(path, "p.md", diagnostics) is None
    (error,) = diagnostics.errors
    assert error.line == 4 and "NUL byte" in error.message


def test_a_control_character_is_reported_once_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: x\n---\na\x1bb\x07\n", encoding="utf-8")
    diagnostics = Diagnostics()
    assert read_page_text(path, "p.md", diagnostics) == "---\ntitle: x\n---\na\ufffdb\ufffd\n"
    assert [(d.path, d.line) for d in diagnostics.errors] == [("p.md", 4)]

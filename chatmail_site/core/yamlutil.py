"""YAML loading that remembers where every key and item came from.

Every data file of a site (site.yaml, front matter, servers.yaml) goes through here, so
diagnostics can name the exact line, YAML 1.1 surprises (`lang: no` read as false) can be
caught, and alias bombs are refused before they expand.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from chatmail_site.core.errors import (
    CONTROL_CHARACTER_HINT,
    Diagnostics,
    control_character_problem,
    number_problem,
    without_control_characters,
)


class LineDict(dict):
    """A mapping that knows the line of itself, of each key, and the raw text of each scalar."""

    line: int = 0
    key_lines: dict[Any, int]
    raw: dict[Any, str]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor that records lines, rejects duplicate keys, and holds every value to
    the control-character policy and the bound on numbers.

    A value that breaks a rule is noted in `problems` (line, message, hint) and kept as its
    raw text, so the rest of the file is still read and every problem is reported at once.
    """

    line_offset = 0
    duplicate_keys: list[tuple[Any, int]]
    problems: list[tuple[int, str, str]]

    def _line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.line_offset

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = super().construct_yaml_str(node)
        problem = control_character_problem(value)
        if problem:
            self.problems.append((self._line(node), problem, CONTROL_CHARACTER_HINT))
            return without_control_characters(value)
        return value

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | str:
        problem = number_problem(node.value)
        if problem:
            self.problems.append((self._line(node), problem, 'if it is meant as text, put it in quotes: "…"'))
            return node.value
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # a date the calendar does not have: 0000-01-01
            self.problems.append(
                (self._line(node), f"`{node.value}` is not a real date", "check the year, month and day")
            )
            return node.value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1 + self.line_offset
        result.key_lines = {}
        result.raw = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.MarkedYAMLError(None, None, "a key must be plain text", key_node.start_mark)
            line = key_node.start_mark.line + 1 + self.line_offset
            if key in result:
                self.duplicate_keys.append((key, line))
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
            if isinstance(value_node, yaml.ScalarNode):
                result.raw[key] = value_node.value
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1 + self.line_offset
        result.item_lines = [child.start_mark.line + 1 + self.line_offset for child in node.value]
        return result


_LineConstructor.add_constructor("tag:yaml.org,2002:map", _LineConstructor.construct_mapping)
_LineConstructor.add_constructor("tag:yaml.org,2002:seq", _LineConstructor.construct_sequence)
_LineConstructor.add_constructor("tag:yaml.org,2002:str", _LineConstructor.construct_yaml_str)
_LineConstructor.add_constructor("tag:yaml.org,2002:int", _LineConstructor.construct_yaml_int)
_LineConstructor.add_constructor("tag:yaml.org,2002:timestamp", _LineConstructor.construct_yaml_timestamp)


class _LineLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _LineConstructor,
    yaml.resolver.Resolver,
):
    """The pure-Python loader: refuses aliases before they expand, and words every error."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _LineConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in site files", event.start_mark
            )
        return super().compose_node(parent, index)


try:  # libyaml, when PyYAML was built with it
    from yaml.cyaml import CParser as _FastParser
except ImportError:
    _FastParser = None

# libyaml and the Python loader differ at the edges of YAML (tabs, block scalar headers,
# odd flow syntax), and only the Python loader refuses aliases with their line. So libyaml
# reads only texts in the plain shape of front matter and data files: `key: value` lines and
# `- item` lines with plain or quoted values, simple inline lists, comments and blank lines.
_PLAIN_VALUE = r"""(?:[^\s'"\[\]{}>|!%@`&*#?:,-][^\t]*|'[^'\t]*'|"[^"\\\t]*"|\[[\w .,@/+-]*\])?"""
_PLAIN_LINE = re.compile(
    rf"""(?: *(?:- +)?[A-Za-z_][\w-]*:(?: +{_PLAIN_VALUE})? *| *- +{_PLAIN_VALUE} *"""
    rf"""| +[^\s'"\[\]{{}}>|!%@`&*#?:,-][^\t]*| *(?:#[^\t]*)?)"""
)


# A value starting with a tag, anchor, alias or block indicator, wherever it stands.
_SPECIAL_VALUE = re.compile(r"(?:^|[:\-?]) +[!&*|>%@`]")


def _plain_shape(text: str) -> bool:
    lines = text.split("\n")
    return all(_PLAIN_LINE.fullmatch(line) and not _SPECIAL_VALUE.search(line) for line in lines)


if _FastParser is not None:

    class _FastLineLoader(_FastParser, _LineConstructor, yaml.resolver.Resolver):
        """libyaml's parser with the same constructor: identical data and lines."""

        def __init__(self, stream: str) -> None:
            _FastParser.__init__(self, stream)
            _LineConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


Problems = list[tuple[int, str, str]]


def _load_fast(text: str, first_line: int) -> tuple[Any, list[tuple[Any, int]], Problems] | None:
    """Parse with libyaml when it is there and the text can hold no alias: the same data and
    lines, several times faster. None means "use the Python loader", which also words errors."""
    if _FastParser is None or not _plain_shape(text):
        return None
    loader = _FastLineLoader(text)
    loader.line_offset = first_line - 1
    loader.duplicate_keys = []
    loader.problems = []
    try:
        return loader.get_single_data(), loader.duplicate_keys, loader.problems
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    finally:
        loader.dispose()


def load_yaml(text: str, path: str, diagnostics: Diagnostics, first_line: int = 1) -> Any:
    """Parse YAML text; on a syntax error report it at its line and return None.

    `first_line` is the file line of the text's first line, for YAML embedded in a larger
    file such as front matter.
    """
    fast = _load_fast(text, first_line)
    if fast is not None:
        data, duplicate_keys, problems = fast
        _report(duplicate_keys, problems, path, diagnostics)
        return data
    try:
        loader = _LineLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader refuses control characters at once
        line = first_line + text.count("\n", 0, exc.position)
        problem = control_character_problem(chr(exc.character)) or "the text holds a character YAML refuses"
        diagnostics.error(path, line, problem, CONTROL_CHARACTER_HINT)
        return None
    loader.line_offset = first_line - 1
    loader.duplicate_keys = []
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        diagnostics.error(path, line, f"YAML syntax error: {problem}", _syntax_hint(problem))
        return None
    except yaml.YAMLError as exc:
        diagnostics.error(path, first_line, f"YAML error: {exc}", "check the file's indentation and quoting")
        return None
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        diagnostics.error(path, first_line, "the YAML is nested too deeply", "flatten the nested lists")
        return None
    finally:
        loader.dispose()
    _report(loader.duplicate_keys, loader.problems, path, diagnostics)
    return data


def _report(
    duplicate_keys: list[tuple[Any, int]], problems: Problems, path: str, diagnostics: Diagnostics
) -> None:
    for key, line in duplicate_keys:
        diagnostics.error(path, line, f"the key `{key}` appears twice", "keep one of them")
    for line, message, hint in problems:
        diagnostics.error(path, line, message, hint)


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return 'a value that contains ": " must be quoted, e.g. title: "Donate: now"'
    if "aliases" in problem:
        return "write the value out in full instead of referring to it with *name"
    if "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    return "check the indentation and quoting on this line and the one before"


def describe_type(value: Any) -> str:
    """The YAML name of a value's type, for messages read by non-programmers."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return type(value).__name__


def expect_text(
    mapping: LineDict, key: str, path: str, diagnostics: Diagnostics, *, required: bool = False
) -> str | None:
    """Read a text value, reporting YAML 1.1 booleans and other wrong types with a hint."""
    if key not in mapping or mapping[key] is None:
        if required:
            diagnostics.error(path, mapping.line, f"`{key}` is missing", f"add a line `{key}: …`")
        return None
    value = mapping[key]
    line = mapping.line_of(key)
    if isinstance(value, bool):
        raw = mapping.raw.get(key, str(value).lower())
        diagnostics.error(
            path,
            line,
            f"`{key}: {raw}` was read as the boolean {str(value).lower()}, not as text",
            f'put it in quotes: {key}: "{raw}"',
        )
        return None
    if isinstance(value, (int, float)):
        return mapping.raw.get(key, str(value))
    if not isinstance(value, str):
        diagnostics.error(
            path, line, f"`{key}` must be text, not {describe_type(value)}", f"write it as {key}: some text"
        )
        return None
    return value

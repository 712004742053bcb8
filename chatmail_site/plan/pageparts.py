"""A page's Markdown seen as blocks (headings, list items, paragraphs) and what each carries.

Quality checks compare a translation with its original block by block, so they need the
shape of a page and, for each block, its numbers, links, anchors and the markup that does
something (a button class, an image, a directive), each with the line it is on. This is a
light line-based reading of the Markdown the site uses, not a renderer: it never decides
what a reader sees, only where to look.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol

from chatmail_site.load.content import DIRECTIVE_LINE

HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
SETEXT_UNDERLINE = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
LIST_ITEM = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+")
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
HTML_BLOCK = re.compile(r"^[ \t]{0,3}</?[A-Za-z]")
THEMATIC_BREAK = re.compile(r"^[ \t]{0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")

# [text](url "title") and ![alt](src); the text may hold one level of brackets.
MARKDOWN_LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?P<url>[^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)"
)
AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]+)>")
HTML_LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*([\"'])(?P<url>[^\"']*)\1[^>]*>(?P<text>.*?)</a\s*>", re.IGNORECASE | re.DOTALL
)
HTML_IMAGE = re.compile(r"<img\s[^>]*?src\s*=\s*([\"'])(?P<url>[^\"']*)\1", re.IGNORECASE)
HTML_TAG = re.compile(r"<[^>]*>")
ATTRIBUTE_LIST = re.compile(r"\{:?[ \t]*(?P<body>(?:[#.][\w-]+[ \t]*|[\w-]+=\S+[ \t]*)+)\}")
BARE_URL = re.compile(r"\b(?:https?|mailto|dcaccount):\S+", re.IGNORECASE)
INLINE_CODE = re.compile(r"`+[^`]*`+")
# A run of digits with group or decimal separators between digits; not part of a word, so
# "nine.testrun.org", "e2e" and "H2" hold no number.
NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,'’\u00a0\u202f]\d+)*(?![\w])")
SPACE_LIKE_GROUPS = "'’\u00a0\u202f"
# Link texts that end like a file name are not host names (README.md, setup.py).
FILE_SUFFIXES = frozenset(
    {"md", "txt", "html", "htm", "pdf", "png", "jpg", "jpeg", "gif", "svg", "webp", "json", "yaml", "yml"}
    | {"ini", "toml", "py", "sh", "js", "css", "zip", "gz", "xz", "tar", "apk"}
)
HOST_LIKE = re.compile(
    r"^(?P<scheme>https?://)?(?P<host>(?:www\.)?(?:[\w-]+\.)+[^\W\d_]{2,63})\.?(?:[/:?#]\S*)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Link:
    """One link of a block: what the reader sees, where it goes, and its file line.

    A bare URL (`<https://…>`) is its own text; other link texts lose their Markdown markup.
    """

    text: str
    url: str
    line: int


@dataclass(frozen=True)
class Block:
    """One block of a page: a heading, a list item, a paragraph, raw HTML or a directive.

    `kind` is `heading`, `item`, `paragraph`, `html`, `directive` or `code`; `level` is a
    heading's level. `line` is the file line the block starts on.
    """

    kind: str
    line: int
    text: str
    level: int = 0

    @property
    def signature(self) -> str:
        """What the block is, for comparing the shape of two pages: `h2`, `item`,
        `directive:relays` …"""
        if self.kind == "heading":
            return f"h{self.level}"
        if self.kind == "directive":
            match = DIRECTIVE_LINE.match(self.text)
            return f"directive:{match['name'] if match else ''}"
        return self.kind

    def line_at(self, offset: int) -> int:
        """The file line of a character offset inside the block's text."""
        return self.line + self.text.count("\n", 0, offset)

    @functools.cached_property
    def links(self) -> tuple[Link, ...]:
        """Links in reading order: Markdown, autolinks and HTML `<a href>`; images are not links."""
        if "](" not in self.text and "<" not in self.text:
            return ()
        found = [
            (match.start(), Link(_plain(match["text"]), match["url"], self.line_at(match.start())))
            for match in MARKDOWN_LINK.finditer(self.text)
            if not match["image"]
        ]
        found += [
            (match.start(), Link(match["url"], match["url"], self.line_at(match.start())))
            for match in AUTOLINK.finditer(self.text)
        ]
        found += [
            (match.start(), Link(_plain(match["text"]), match["url"], self.line_at(match.start())))
            for match in HTML_LINK.finditer(self.text)
        ]
        return tuple(link for _, link in sorted(found, key=lambda pair: pair[0]))

    @functools.cached_property
    def hosted_links(self) -> tuple[tuple[Link, str, bool], ...]:
        """Each link to another host, with that host and whether it is listed the way relays
        are: as the first link of a list item, to a host's home page, named by its text."""
        found = []
        for index, link in enumerate(self.links):
            host = url_host(link.url)
            if host is None:
                continue
            first_of_item = index == 0 and self.kind == "item"
            listed_like = first_of_item and named_host(link.text) is not None and _is_home(link.url)
            found.append((link, host, listed_like))
        return tuple(found)

    @property
    def anchor(self) -> str | None:
        """A heading's `{#id}`."""
        if self.kind != "heading":
            return None
        ids = [name for name in attribute_names(self.text) if name.startswith("#")]
        return ids[-1][1:] if ids else None

    @functools.cached_property
    def markup(self) -> tuple[tuple[str, int], ...]:
        """Markup that does something, as written in a `qa: {markup: […]}` mark, with its line:
        classes (`.cta-button`), images (their source) and directives (`{% relays %}`)."""
        if self.kind == "directive":
            match = DIRECTIVE_LINE.match(self.text)
            return (("{% " + (match["name"] if match else "") + " %}", self.line),)
        if "{" not in self.text and "![" not in self.text and "<" not in self.text:
            return ()
        return tuple(self._markup())

    def _markup(self) -> Iterator[tuple[str, int]]:
        for match in ATTRIBUTE_LIST.finditer(self.text):
            for name in match["body"].split():
                if name.startswith("."):
                    yield (name, self.line_at(match.start()))
        for match in MARKDOWN_LINK.finditer(self.text):
            if match["image"]:
                yield (match["url"], self.line_at(match.start()))
        for match in HTML_IMAGE.finditer(self.text):
            yield (match["url"], self.line_at(match.start()))

    @functools.cached_property
    def prose(self) -> str:
        """The words a reader sees: link texts without their targets, no tags, code or URLs."""
        if self.kind in ("html", "directive", "code"):
            return ""
        # Each pattern only where its first character is: most blocks are plain sentences.
        text = INLINE_CODE.sub(" ", self.text) if "`" in self.text else self.text
        text = ATTRIBUTE_LIST.sub(" ", text) if "{" in text else text
        text = MARKDOWN_LINK.sub(lambda m: " " if m["image"] else m["text"], text) if "](" in text else text
        if "<" in text:
            text = HTML_TAG.sub(" ", AUTOLINK.sub(" ", text))
        text = BARE_URL.sub(" ", text) if ":" in text else text
        if self.kind == "heading":
            text = HEADING.sub(r"\2", text)
        elif self.kind == "item":
            text = LIST_ITEM.sub("", text, count=1)
        return text.replace("*", " ").replace("_", " ")

    def numbers(self, lang: str) -> tuple[tuple[str, int], ...]:
        """Each number of the visible text, as a plain value (1.000 in German is 1000), with its line."""
        # Kept on the block: an original's numbers are read for each of its translations.
        found: dict[str, tuple[tuple[str, int], ...]] = self.__dict__.setdefault("numbers_by_language", {})
        if lang not in found:
            found[lang] = tuple(self._numbers(lang))
        return found[lang]

    def _numbers(self, lang: str) -> Iterator[tuple[str, int]]:
        if not self.prose:
            return
        # Offsets in the prose are not those of the source; find each number's line by
        # looking for its text in the source, from where the previous one was found.
        position = 0
        for match in NUMBER.finditer(self.prose):
            found = self.text.find(match.group(), position)
            line = self.line_at(found) if found >= 0 else self.line
            position = found + 1 if found >= 0 else position
            yield (plain_number(match.group(), lang), line)


def named_host(text: str) -> str | None:
    """The host a link text names when it looks like a domain or web address, else None."""
    match = HOST_LIKE.match(text.strip())
    if match is None:
        return None
    host = match["host"].lower().removeprefix("www.")
    if not match["scheme"] and host.rsplit(".", 1)[-1] in FILE_SUFFIXES:
        return None
    return host


def _is_home(url: str) -> bool:
    rest = url.split("://", 1)[-1]
    return "/" not in rest.rstrip("/")


def attribute_names(text: str) -> list[str]:
    """The `#id` and `.class` names of a text's attribute lists (`{: .cta-button}`, `{#id}`)."""
    return [
        name for match in ATTRIBUTE_LIST.finditer(text) for name in match["body"].split() if name[0] in "#."
    ]


def _plain(text: str) -> str:
    return " ".join(HTML_TAG.sub("", text).replace("*", "").replace("`", "").split())


@functools.lru_cache(maxsize=256)
def number_symbols(lang: str) -> tuple[str, str]:
    """The group and decimal separators of a language (`.` and `,` in German)."""
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return ",", "."
    return get_group_symbol(locale), get_decimal_symbol(locale)


def plain_number(token: str, lang: str) -> str:
    """A number as written in `lang` made comparable across languages: groups of three
    digits joined, the decimal separator a dot, leading zeros dropped."""
    group, decimal = number_symbols(lang)
    groups = {group, *SPACE_LIKE_GROUPS} - {decimal}
    parts = re.split(r"([^\d])", token)
    result = parts[0]
    for separator, digits in zip(parts[1::2], parts[2::2], strict=True):
        if separator in groups and len(digits) == 3:
            result += digits
        elif separator == decimal:
            result += "." + digits
        else:
            result += separator + digits
    return str(int(result)) if result.isdigit() else result


def page_blocks(body: str, first_line: int) -> list[Block]:
    """The blocks of a page body, in order; `first_line` is the file line the body starts on."""
    blocks: list[Block] = []
    current: list[str] = []
    kind, start = "", 0
    fence = ""

    def close() -> None:
        nonlocal current, kind
        if current:
            blocks.append(_make_block(kind, start, "\n".join(current)))
        current, kind = [], ""

    for number, line in enumerate(body.split("\n"), start=first_line):
        if fence:
            current.append(line)
            if line.strip().startswith(fence):
                close()
                fence = ""
            continue
        if fence_match := FENCE.match(line):
            close()
            fence, kind, start, current = fence_match.group(1)[:3], "code", number, [line]
            continue
        if not line.strip():
            if kind != "item":
                close()
            else:
                current.append(line)  # an item goes on if its next line is indented
            continue
        if kind == "item" and current and not current[-1].strip() and not line.startswith((" ", "\t")):
            close()
        if kind == "paragraph" and SETEXT_UNDERLINE.match(line) and len(current) == 1:
            level = 1 if line.strip().startswith("=") else 2
            blocks.append(Block("heading", start, "#" * level + " " + current[0], level))
            current, kind = [], ""
        elif HEADING.match(line):
            close()
            blocks.append(_make_block("heading", number, line))
        elif DIRECTIVE_LINE.match(line):
            close()
            blocks.append(Block("directive", number, line))
        elif THEMATIC_BREAK.match(line) and kind != "paragraph":
            close()
        elif LIST_ITEM.match(line):
            close()
            kind, start, current = "item", number, [line]
        elif HTML_BLOCK.match(line) and not current:
            kind, start, current = "html", number, [line]
        elif current:
            current.append(line)  # a lazy continuation of the paragraph or item
        else:
            kind, start, current = "paragraph", number, [line]
    close()
    return blocks


def _make_block(kind: str, line: int, text: str) -> Block:
    text = text.rstrip()
    if kind == "heading":
        match = HEADING.match(text)
        return Block(kind, line, text, len(match.group(1)) if match else 1)
    return Block(kind, line, text)


@functools.lru_cache(maxsize=4096)
def url_host(url: str) -> str | None:
    """The lower-case host of an absolute web address (without `www.`), else None."""
    if not re.match(r"^(?:https?:)?//", url, re.IGNORECASE):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None

"""Quality checks of pages: drift between a translation and its original, and slips on any page.

Translation tools check one string at a time; these check whole pages, the way a reviewer
reads them side by side:

- a translation against its original, aligned by structure (headings, then the blocks under
  each heading in order): numbers, links, heading anchors and markup that does something
  (button classes, images, directives) that one has and the other lacks; a page whose
  structure differs is a finding itself, and is then compared as a whole;
- every page, originals included: link text that names another host than the link goes
  to, and relays listed by hand instead of with `{% relays %}`;
- every page's text against its `lang`, with a language-identification model.

Every finding is a warning at its line. A translator who means a difference marks it in the
front matter (`qa: {numbers: [21]}`); a mark that matches nothing any more is reported too.
Findings are worked out per page from its text alone, so the build can keep them by content
hash (see `site_findings`).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatmail_site.core.errors import Diagnostic, Severity, did_you_mean
from chatmail_site.load.content import ContentIndex, Page
from chatmail_site.load.servers import Relay
from chatmail_site.model.cache import LANGUAGE_GUESS_KIND, PageFindings
from chatmail_site.plan import language_id
from chatmail_site.plan.pageparts import Block, Link, named_host, page_blocks, plain_number, url_host

QA_KEY = "qa"
# The checks a `qa:` mark can name, each with what its values are.
CHECKS: dict[str, str] = {
    "structure": "`headings` or `blocks`",
    "numbers": "numbers, as the original or the translation writes them",
    "links": "link addresses",
    "anchors": "heading ids, without #",
    "markup": "classes like .cta-button, image sources, or {% relays %}",
    "link_text": "link texts",
    "relays": "relay domains meant to be linked by hand",
    "language": "language codes the text may be in",
}
# How many relay links make a hand-made relay list.
RELAY_LIST_MINIMUM = 3
# How many names a message lists before it says "and N more".
NAMES_SHOWN = 6
# ---- marks ------------------------------------------------------------------------------


@dataclass
class Marks:
    """A page's `qa:` marks: check → value → the line of the mark, and which were used."""

    values: dict[str, dict[str, int]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)

    def covers(self, check: str, value: str) -> bool:
        """True when the page marks this value of this check as meant; notes the mark as used."""
        if value in self.values.get(check, {}):
            self.used.add((check, value))
            return True
        return False

    def keep(self, check: str, values: Iterable[str]) -> list[str]:
        """The values not marked as meant."""
        return [value for value in values if not self.covers(check, value)]


def read_marks(page: Page, problems: list[Diagnostic]) -> Marks:
    """The page's `qa:` front matter as marks; a mark of the wrong shape is reported."""
    raw = page.meta.get(QA_KEY)
    marks = Marks()
    if raw is None:
        return marks
    line = page.key_lines.get(QA_KEY, 1)
    if not isinstance(raw, Mapping):
        problems.append(
            _warning(page, line, "`qa` must name checks and values", "write e.g. `qa: {numbers: [21]}`")
        )
        return marks
    key_lines = getattr(raw, "key_lines", {})
    for check, values in raw.items():
        check_line = key_lines.get(check, line)
        if check not in CHECKS:
            hint = did_you_mean(str(check), CHECKS) or "known checks: " + ", ".join(CHECKS)
            problems.append(_warning(page, check_line, f"`qa` names an unknown check `{check}`", hint))
            continue
        items = values if isinstance(values, list) else [values]
        item_lines = getattr(values, "item_lines", [])
        for index, value in enumerate(items):
            item_line = item_lines[index] if index < len(item_lines) else check_line
            marks.values.setdefault(check, {})[_mark_value(check, value, page.lang)] = item_line
    return marks


def _mark_value(check: str, value: Any, lang: str) -> str:
    text = str(value).strip()
    if check == "numbers":
        return plain_number(text, lang)
    if check == "anchors":
        return text.removeprefix("#")
    if check == "links":
        return text
    return text.lower() if check in ("relays", "language", "structure") else text


def stale_marks(page: Page, marks: Marks) -> list[Diagnostic]:
    """A warning for every mark that matched nothing: the difference it allowed is gone."""
    return [
        _warning(
            page,
            line,
            f"the mark `{check}: {value}` in `qa` matches nothing on this page any more",
            "remove it from the front matter, so it cannot hide a new difference",
        )
        for check, values in marks.values.items()
        for value, line in values.items()
        if (check, value) not in marks.used
    ]


def marks_key(page: Page) -> str:
    """The page's marks as text, part of the key its cached findings are kept by."""
    raw = page.meta.get(QA_KEY)
    return "" if raw is None else json.dumps(raw, sort_keys=True, default=str)


# ---- a translation against its original -----------------------------------------------


def _blocks(page: Page) -> list[Block]:
    return page_blocks(page.body, page.body_line)


@dataclass(frozen=True)
class Unit:
    """Blocks compared together: one block, the blocks under a heading, or a whole page."""

    blocks: tuple[Block, ...]
    line: int  # where findings about something missing from this unit are reported


def compare_translation(
    translation: Page,
    original: Page,
    relay_hosts: frozenset[str],
    marks: Marks,
    blocks: Callable[[Page], list[Block]] = _blocks,
) -> list[Diagnostic]:
    """Numbers, links, anchors, markup and structure of a translation against its original.

    `blocks` may answer from a memo: one original is compared with every translation."""
    mine = _without_relay_lists(blocks(translation), relay_hosts)
    theirs = _without_relay_lists(blocks(original), relay_hosts)
    findings: list[Diagnostic] = []
    compare = _Comparison(translation, original, marks, findings)
    for unit_pair in compare.align(mine, theirs):
        compare.units(*unit_pair)
    return findings


def _without_relay_lists(blocks: list[Block], relay_hosts: frozenset[str]) -> list[Block]:
    """The blocks with each hand-made relay list made one `directive` block.

    A hand-made list stands where `{% relays %}` belongs, and the relay check speaks about
    it, so its links and dates are not compared one by one.
    """
    result: list[Block] = []
    for run in _relay_list_runs(blocks, relay_hosts):
        if isinstance(run, Block):
            result.append(run)
        else:
            result.append(Block("directive", run[0].line, "{% relays %}"))
    return result


def _relay_list_runs(blocks: list[Block], relay_hosts: frozenset[str]) -> list[Block | list[Block]]:
    runs: list[Block | list[Block]] = []
    current: list[Block] = []
    for block in [*blocks, None]:
        if block is not None and block.kind == "item" and _relay_links(block, relay_hosts):
            current.append(block)
            continue
        if len(current) >= 2:
            runs.append(current)
        else:
            runs.extend(current)
        current = []
        if block is not None:
            runs.append(block)
    return runs


class _Comparison:
    """One translation compared with its original; findings are appended to `findings`."""

    def __init__(self, translation: Page, original: Page, marks: Marks, findings: list[Diagnostic]) -> None:
        self.translation = translation
        self.original = original
        self.marks = marks
        self.findings = findings
        self.languages = frozenset({translation.lang.lower(), original.lang.lower()})

    def at(self, line: int) -> str:
        """A place in the original; its path alone when the whole page is meant (line 0)."""
        return f"{self.original.display_path}:{line}" if line else self.original.display_path

    def report(self, check: str, line: int, message: str, values: Sequence[str]) -> None:
        shown = ", ".join(f"`{value}`" for value in values)
        mark = f"`qa: {{{check}: [{shown.replace('`', '')}]}}`"
        hint = f"if the difference is meant, add {mark} to the front matter"
        self.findings.append(_warning(self.translation, line, message, hint))

    def align(self, mine: list[Block], theirs: list[Block]) -> list[tuple[Unit, Unit]]:
        """Pairs of units to compare: heading by heading and block by block where the
        shapes agree, larger units where they do not (a structure finding says so)."""
        my_sections, their_sections = _sections(mine), _sections(theirs)
        my_heads = [s[0].signature for s in my_sections if s and s[0].kind == "heading"]
        their_heads = [s[0].signature for s in their_sections if s and s[0].kind == "heading"]
        if len(my_sections) != len(their_sections) or my_heads != their_heads:
            self.structure_differs("headings", mine, theirs, my_heads, their_heads)
            return [(_whole(mine, self.translation.body_line), Unit(tuple(theirs), 0))]
        pairs = []
        for my_section, their_section in zip(my_sections, their_sections, strict=True):
            if [b.signature for b in my_section] == [b.signature for b in their_section]:
                pairs += [
                    (Unit((a,), a.line), Unit((b,), b.line))
                    for a, b in zip(my_section, their_section, strict=True)
                ]
            else:
                self.structure_differs("blocks", my_section, their_section)
                line = my_section[0].line if my_section else self.translation.body_line
                their_line = their_section[0].line if their_section else 0
                pairs.append((Unit(tuple(my_section), line), Unit(tuple(their_section), their_line)))
        return pairs

    def structure_differs(
        self,
        kind: str,
        mine: list[Block],
        theirs: list[Block],
        my_heads: list[str] | None = None,
        their_heads: list[str] | None = None,
    ) -> None:
        if self.marks.covers("structure", kind):
            return
        my_kinds = [b.signature for b in mine] if my_heads is None else my_heads
        their_kinds = [b.signature for b in theirs] if their_heads is None else their_heads
        index = next(
            (i for i, (a, b) in enumerate(zip(my_kinds, their_kinds, strict=False)) if a != b),
            min(len(my_kinds), len(their_kinds)),
        )
        shown = [b for b in mine if my_heads is None or b.kind == "heading"]
        their_shown = [b for b in theirs if their_heads is None or b.kind == "heading"]
        line = shown[min(index, len(shown) - 1)].line if shown else self.translation.body_line
        their_line = their_shown[min(index, len(their_shown) - 1)].line if their_shown else 0
        if kind == "headings":
            message = (
                f"the headings differ from the original's: {_describe(my_kinds)} here, "
                f"{_describe(their_kinds)} in {self.original.display_path}; the pages are compared "
                "as a whole"
            )
        else:
            where = "under this heading" if mine and mine[0].kind == "heading" else "before the first heading"
            message = (
                f"the text {where} is shaped differently from the original's "
                f"({self.at(their_line)}): {_describe(my_kinds)} here, {_describe(their_kinds)} there"
            )
        hint = (
            "translate the original's current version block by block (the same headings, "
            f"paragraphs and list items, in order); if the difference is meant, add "
            f"`qa: {{structure: [{kind}]}}` to the front matter"
        )
        self.findings.append(_warning(self.translation, line, message, hint))

    def units(self, mine: Unit, theirs: Unit) -> None:
        self.numbers(mine, theirs)
        self.links(mine, theirs)
        self.anchors(mine, theirs)
        self.markup(mine, theirs)

    def numbers(self, mine: Unit, theirs: Unit) -> None:
        my_numbers = [n for block in mine.blocks for n in block.numbers(self.translation.lang)]
        their_numbers = [n for block in theirs.blocks for n in block.numbers(self.original.lang)]
        extra, missing = _differences(my_numbers, their_numbers)
        extra = [(v, line) for v, line in extra if not self.marks.covers("numbers", v)]
        missing = [(v, line) for v, line in missing if not self.marks.covers("numbers", v)]
        if not extra and not missing:
            return
        their_line = missing[0][1] if missing else theirs.line
        if extra and missing:
            message = (
                f"{_names(v for v, _ in extra)} here, where the original has "
                f"{_names(v for v, _ in missing)} ({self.at(their_line)})"
            )
        elif extra:
            message = f"{_names(v for v, _ in extra)} is not in the original ({self.at(theirs.line)})"
        else:
            missed = _names(v for v, _ in missing)
            message = f"the original's {missed} ({self.at(their_line)}) is missing here"
        line = extra[0][1] if extra else mine.line
        self.report("numbers", line, message, [v for v, _ in extra + missing])

    def links(self, mine: Unit, theirs: Unit) -> None:
        my_links = [(link.url, link.line) for block in mine.blocks for link in block.links]
        their_links = [(link.url, link.line) for block in theirs.blocks for link in block.links]
        my_addresses = {self.neutral(url) for url, _ in my_links}
        their_addresses = {self.neutral(url) for url, _ in their_links}
        extra = [(u, n) for u, n in my_links if self.neutral(u) not in their_addresses]
        missing = [(t, n) for t, n in their_links if self.neutral(t) not in my_addresses]
        self.report_differences(
            "links",
            mine,
            theirs,
            (extra, missing),
            lambda url: f"the link to {url} is not in the original",
            lambda url: f"the original's link to {url}",
            "is missing here",
        )

    def neutral(self, url: str) -> str:
        """The address with either page's language made neutral: a translation links to its
        own language's version of a page (delta.chat/de/donate for delta.chat/en/donate)."""
        return _language_neutral(url, self.languages)

    def anchors(self, mine: Unit, theirs: Unit) -> None:
        my_anchors = [(b.anchor, b.line) for b in mine.blocks if b.anchor]
        their_anchors = [(b.anchor, b.line) for b in theirs.blocks if b.anchor]
        self.report_differences(
            "anchors",
            mine,
            theirs,
            _differences(my_anchors, their_anchors),
            lambda anchor: f"the heading id `{{#{anchor}}}` is not in the original",
            lambda anchor: f"the original's heading id `{{#{anchor}}}`",
            "is missing here; links from other pages and the language switcher lead to it",
        )

    def markup(self, mine: Unit, theirs: Unit) -> None:
        my_markup = [m for block in mine.blocks for m in block.markup]
        their_markup = [m for block in theirs.blocks for m in block.markup]
        self.report_differences(
            "markup",
            mine,
            theirs,
            _differences(my_markup, their_markup),
            lambda value: f"`{value}` is not in the original",
            lambda value: f"the original's `{value}`",
            "is missing here",
        )

    def report_differences(
        self,
        check: str,
        mine: Unit,
        theirs: Unit,
        differences: tuple[list[tuple[Any, int]], list[tuple[Any, int]]],
        extra_message: Callable[[Any], str],
        missing_subject: Callable[[Any], str],
        missing_tail: str,
    ) -> None:
        """One finding per value the translation has more of (at its own line) and per value
        it lacks (at the unit's line, naming the original's line), unless a mark covers it."""
        extra, missing = differences
        for value, line in extra:
            if not self.marks.covers(check, value):
                self.report(check, line, f"{extra_message(value)} ({self.at(theirs.line)})", [value])
        for value, their_line in missing:
            if not self.marks.covers(check, value):
                message = f"{missing_subject(value)} ({self.at(their_line)}) {missing_tail}"
                self.report(check, mine.line, message, [value])


def _sections(blocks: list[Block]) -> list[list[Block]]:
    """The blocks cut at each heading; the first section holds what comes before any heading."""
    sections: list[list[Block]] = [[]]
    for block in blocks:
        if block.kind == "heading":
            sections.append([])
        sections[-1].append(block)
    return sections


def _whole(blocks: list[Block], line: int) -> Unit:
    return Unit(tuple(blocks), blocks[0].line if blocks else line)


def _differences(
    mine: list[tuple[Hashable, int]], theirs: list[tuple[Hashable, int]]
) -> tuple[list[tuple[Any, int]], list[tuple[Any, int]]]:
    """What `mine` has more of than `theirs` and the other way round, each with its first line."""
    if [value for value, _ in mine] == [value for value, _ in theirs]:
        return [], []  # the usual case: the same values in the same order
    my_count = Counter(value for value, _ in mine)
    their_count = Counter(value for value, _ in theirs)
    extra_values = my_count - their_count
    missing_values = their_count - my_count
    extra = list({v: line for v, line in reversed(mine) if v in extra_values}.items())[::-1]
    missing = list({v: line for v, line in reversed(theirs) if v in missing_values}.items())[::-1]
    return extra, missing


@functools.lru_cache(maxsize=4096)
def _language_neutral(url: str, languages: frozenset[str]) -> str:
    """An address with a path segment or host label naming either language made neutral,
    a trailing slash dropped and the host lower-cased."""
    scheme, _, rest = url.partition("://") if "://" in url else ("", "", url)
    host, _, path = rest.partition("/") if scheme else ("", "", rest)
    labels = ["*" if label.lower() in languages else label.lower() for label in host.split(".") if host]
    segments = ["*" if segment.lower() in languages else segment for segment in path.split("/")]
    neutral = "/".join(segments).rstrip("/")
    return f"{scheme.lower()}://{'.'.join(labels)}/{neutral}" if scheme else neutral


BLOCK_NAMES = {"paragraph": "paragraph", "item": "list item", "html": "HTML block", "code": "code block"}


def _describe(signatures: list[str]) -> str:
    """`2 paragraphs, 1 relay list` for a run of block signatures."""
    if not signatures:
        return "nothing"
    counts = Counter(_block_name(signature) for signature in signatures)
    return ", ".join(f"{count} {name}{'s' if count > 1 else ''}" for name, count in counts.items())


def _block_name(signature: str) -> str:
    if signature == "directive:relays":
        return "relay list"
    if signature.startswith("directive:"):
        return "directive"
    return BLOCK_NAMES.get(signature, "heading")


def _names(values: Iterable[str]) -> str:
    values = list(values)
    shown = ", ".join(values[:NAMES_SHOWN])
    return shown + (f" and {len(values) - NAMES_SHOWN} more" if len(values) > NAMES_SHOWN else "")


# ---- every page ------------------------------------------------------------------------


def check_page(
    page: Page, directory: RelayDirectory, marks: Marks, blocks: Callable[[Page], list[Block]] = _blocks
) -> list[Diagnostic]:
    """Link texts naming another host, and relays listed by hand, on any page."""
    blocks = blocks(page)
    return [*_link_text_findings(page, blocks, marks), *_relay_list_findings(page, blocks, directory, marks)]


def _link_text_findings(page: Page, blocks: list[Block], marks: Marks) -> list[Diagnostic]:
    findings = []
    for block in blocks:
        for link in block.links:
            named = named_host(link.text) if "." in link.text else None
            target = url_host(link.url) if named is not None else None
            if named is None or target is None or named == target:
                continue
            if marks.covers("link_text", link.text):
                continue
            close = difflib.get_close_matches(named, [target], n=1, cutoff=0.6)
            advice = f"did you mean `{target}`? " if close else ""
            findings.append(
                _warning(
                    page,
                    link.line,
                    f"the link text `{link.text}` names {named}, but the link goes to {target}",
                    f"{advice}readers see the text and may type it: write the host the link goes to, "
                    f"or add `qa: {{link_text: [{link.text}]}}` to the front matter if the text is meant",
                )
            )
    return findings


@dataclass(frozen=True)
class RelayDirectory:
    """The relays of servers.yaml as the checks look them up: by host, without `www.`."""

    names: Mapping[str, str]  # host → the domain as servers.yaml writes it
    listed: tuple[str, ...]  # the hosts of listed relays, in the file's order

    @classmethod
    def of(cls, relays: Iterable[Relay]) -> RelayDirectory:
        relays = list(relays)
        names = {relay.ascii_domain.removeprefix("www."): relay.domain for relay in relays}
        listed = tuple(relay.ascii_domain.removeprefix("www.") for relay in relays if relay.listed)
        return cls(names, listed)

    @functools.cached_property
    def hosts(self) -> frozenset[str]:
        return frozenset(self.names)

    def key(self) -> str:
        """A digest of everything the findings take from the directory, for a cache key.

        Every page's findings carry this key, and the build cache writes each key out: the
        listing itself would put the whole relay list into the cache once per page.
        """
        listed = set(self.listed)
        text = "\n".join(f"{host} {name} {host in listed}" for host, name in sorted(self.names.items()))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _relay_links(block: Block, relay_hosts: frozenset[str]) -> list[Link]:
    """The links of a block to relays: to a relay servers.yaml knows, or, as the first link
    of a list item, to the home page of a host its text names (how relays are listed)."""
    return [link for link, host, listed_like in block.hosted_links if listed_like or host in relay_hosts]


def _relay_list_findings(
    page: Page, blocks: list[Block], directory: RelayDirectory, marks: Marks
) -> list[Diagnostic]:
    links = [link for block in blocks for link in _relay_links(block, directory.hosts)]
    hosts: dict[str, Link] = {}
    for link in links:
        host = url_host(link.url) or ""
        if not marks.covers("relays", host):
            hosts.setdefault(host, link)
    if len(hosts) < RELAY_LIST_MINIMUM:
        return []
    first = min(link.line for link in hosts.values())
    last = max(link.line for link in hosts.values())
    known = directory.names
    not_in_file = [known.get(host, host) for host in hosts if host not in known]
    not_here = [known[host] for host in directory.listed if host not in hosts]
    parts = [f"this page lists {len(hosts)} relays by hand (lines {first}–{last})"]
    # Every name, however many: each one is a relay to add to servers.yaml or to list here.
    if not_in_file:
        parts.append(f"content/servers.yaml lacks {', '.join(sorted(not_in_file))}")
    if not_here:
        parts.append(f"the page lacks {', '.join(sorted(not_here))} of content/servers.yaml")
    hint = (
        "replace the list with a line `{% relays %}`: it shows every relay of content/servers.yaml, "
        "with its page and QR code, in every language; add a relay that is missing to servers.yaml"
    )
    return [_warning(page, first, "; ".join(parts), hint)]


# ---- the language of a page ------------------------------------------------------------


def page_prose(page: Page, blocks: Callable[[Page], list[Block]] = _blocks) -> str:
    """The words of a page a reader sees, for identifying its language."""
    return "\n".join([page.title, *(block.prose for block in blocks(page) if block.prose)])


def check_language(
    page: Page,
    site_languages: Sequence[str],
    marks: Marks,
    blocks: Callable[[Page], list[Block]] = _blocks,
    get: Getter | None = None,
) -> list[Diagnostic]:
    """A warning when the page's text is confidently in another of the site's languages.

    `get` may answer the model's guess from a cache, by the sample of text it reads."""
    guess = None
    sample = language_id.judged_sample(page_prose(page, blocks))
    if sample is not None:
        make = lambda: language_id.identify_sample(sample, page.lang, site_languages)  # noqa: E731
        if get is None:
            guess = make()
        else:
            sample_hash = hashlib.sha256(sample.encode("utf-8")).hexdigest()
            guess = get(LANGUAGE_GUESS_KIND, (sample_hash, page.lang, " ".join(site_languages)), make)
    if guess is None or marks.covers("language", guess.lower()):
        return []
    line = page.key_lines.get("lang", 1)
    expected = language_id.language_name(page.lang)
    found = language_id.language_name(guess)
    return [
        _warning(
            page,
            line,
            f"the text is in {found} ({guess}), not {expected} ({page.lang}) as `lang` says",
            f"a page in content/{page.lang}/ must be in {expected}: translate it, or move it to the "
            f"folder of its language; if {found} is meant here, add `qa: {{language: [{guess}]}}`",
        )
    ]


# ---- the whole site --------------------------------------------------------------------

Getter = Callable[[str, Hashable, Callable[[], Any]], Any]


def site_findings(
    content: ContentIndex,
    relays: Sequence[Relay],
    languages: Sequence[str],
    get: Getter | None = None,
    text_key: Callable[[Page], str] | None = None,
) -> list[Diagnostic]:
    """Every quality finding of every page, in page order.

    `get(kind, key, make)` may answer from a cache of derived results (DerivedCache.get);
    the keys hold everything a finding depends on: the texts, the marks, the relays.
    """
    get = get or _memo()
    text_key = text_key or (lambda page: page.title + "\0" + page.body)
    directory = RelayDirectory.of(relays)
    relay_key = directory.key()
    relay_hosts = directory.hosts
    languages_key = " ".join(languages)

    def blocks(page: Page) -> list[Block]:
        """Each page is cut into blocks once, however many checks read it; in the preview,
        once for as long as it is unchanged (an edited original is compared anew with
        every translation)."""
        return get("qa-blocks", (text_key(page), page.body_line), lambda: _blocks(page))

    findings: list[Diagnostic] = []
    for (slug, lang), page in sorted(content.pages.items()):
        # Flat keys of text and numbers, so they survive the build cache's JSON.
        place = (
            text_key(page),
            page.display_path,
            page.body_line,
            lang,
            marks_key(page),
            # the lines findings about the front matter point at
            page.key_lines.get("lang", 0),
            page.key_lines.get(QA_KEY, 0),
        )
        judge = lambda p=page: _language_part(p, languages, blocks, get)  # noqa: E731
        parts = [
            get("qa-page", (*place, relay_key), lambda p=page: _page_part(p, directory, blocks)),
            get("qa-language", (*place, languages_key), judge),
        ]
        original = content.get(slug, content.default_language)
        if original is not None and original is not page:
            key = (
                *place,
                text_key(original),
                original.display_path,
                original.body_line,
                original.lang,
                relay_key,
            )
            make = lambda p=page, o=original: _pair_part(p, o, relay_hosts, blocks)  # noqa: E731
            parts.append(get("qa-pair", key, make))
        findings += _with_stale_marks(page, parts)
    return findings


Blocks = Callable[[Page], list[Block]]


def _memo() -> Getter:
    """A `get` that keeps what it made for the one run."""
    made: dict[tuple[str, Hashable], Any] = {}

    def get(kind: str, key: Hashable, make: Callable[[], Any]) -> Any:
        if (kind, key) not in made:
            made[(kind, key)] = make()
        return made[(kind, key)]

    return get


def _page_part(page: Page, directory: RelayDirectory, blocks: Blocks) -> PageFindings:
    problems: list[Diagnostic] = []
    marks = read_marks(page, problems)
    found = check_page(page, directory, marks, blocks)
    return PageFindings(tuple(problems + found), frozenset(marks.used))


def _language_part(page: Page, languages: Sequence[str], blocks: Blocks, get: Getter) -> PageFindings:
    marks = read_marks(page, [])
    found = check_language(page, languages, marks, blocks, get)
    return PageFindings(tuple(found), frozenset(marks.used))


def _pair_part(page: Page, original: Page, relay_hosts: frozenset[str], blocks: Blocks) -> PageFindings:
    marks = read_marks(page, [])
    found = compare_translation(page, original, relay_hosts, marks, blocks)
    return PageFindings(tuple(found), frozenset(marks.used))


def _with_stale_marks(page: Page, parts: list[PageFindings]) -> list[Diagnostic]:
    if QA_KEY not in page.meta:  # most pages mark nothing
        return [d for part in parts for d in part.diagnostics]
    marks = read_marks(page, [])
    for part in parts:
        marks.used |= part.used_marks
    return [d for part in parts for d in part.diagnostics] + stale_marks(page, marks)


def _warning(page: Page, line: int, message: str, hint: str) -> Diagnostic:
    return Diagnostic(page.display_path, line, Severity.WARNING, message, hint)

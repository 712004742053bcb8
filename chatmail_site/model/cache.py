"""Results derived from one input, found again by a hash of that input's content.

Rebuilds convert the same Markdown, compare the same translation with the same original and
draw the same QR codes again and again. A DerivedCache keeps those results keyed by a hash
of everything they are made from (never a file time), so a changed input can only miss the
cache, never hit a stale entry. The cache lives in memory, so it serves one version of the
tool only.

Entries not used by the latest build are dropped by `prune()`, so the cache holds one
build's worth of results however long the preview runs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from chatmail_site.core.errors import Diagnostic
from chatmail_site.load.content import Page
from chatmail_site.model.plan import State, TranslationCheck

T = TypeVar("T")
# One derived result: its kind, its key and the result.
CacheEntry = tuple[str, Hashable, Any]


def content_key(*parts: str) -> str:
    """One key for several texts; the separator keeps ("ab", "c") apart from ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(f"{len(encoded)}:".encode())
        digest.update(encoded)
    return digest.hexdigest()


class DerivedCache:
    """Derived results by kind and content key, remembering which ones a build used."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, Hashable], Any] = {}
        self._used: set[tuple[str, Hashable]] = set()
        # Pages are hashed again for every translation of them; str objects cache their own
        # hash, so finding the text here is cheaper than hashing it with sha256 again.
        self._text_keys: dict[tuple[str, str], str] = {}
        self._used_texts: set[tuple[str, str]] = set()

    def get(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """The result of `make()` for this key, made only when no build has made it yet."""
        entry = (kind, key)
        self._used.add(entry)
        if entry not in self._entries:
            self._entries[entry] = make()
        return self._entries[entry]

    def used_entries(self, kinds: Collection[str]) -> list[CacheEntry]:
        """The results of these kinds the build asked for, to hand to another process's cache."""
        return [(kind, key, self._entries[(kind, key)]) for kind, key in self._used if kind in kinds]

    def adopt(self, entries: Iterable[CacheEntry]) -> None:
        """Take results made by another process (a pool worker) as used by this build."""
        for kind, key, value in entries:
            self._entries[(kind, key)] = value
            self._used.add((kind, key))

    def prune(self) -> None:
        """Forget every result the builds since the last prune did not ask for."""
        self._entries = {entry: self._entries[entry] for entry in self._used if entry in self._entries}
        self._used = set()
        self._text_keys = {text: self._text_keys[text] for text in self._used_texts}
        self._used_texts = set()

    def __len__(self) -> int:
        return len(self._entries)

    def export_entries(self) -> dict[str, list[Any]]:
        """The results worth keeping across builds, as JSON data: translation checks and the
        pages' quality findings, which every build needs for every page, QR images, which are
        slow to draw, and the languages' own names, which take loading each language's locale
        data (as the language model would take loading for the findings). Markdown is
        left out: only pages that changed are converted on a cached build."""
        exported: dict[str, list[Any]] = {kind: [] for kind in _CODECS}
        for kind, key in sorted(self._used, key=repr):
            if kind in _CODECS and (kind, key) in self._entries:
                encode = _CODECS[kind][0]
                exported[kind].append([_json_key(key), encode(self._entries[(kind, key)])])
        return exported

    def import_entries(self, exported: Mapping[str, list[Any]]) -> None:
        """Take results exported by an earlier build; entries that do not decode are skipped."""
        for kind, entries in exported.items():
            if kind not in _CODECS:
                continue
            decode = _CODECS[kind][1]
            for key, value in entries:
                try:
                    self._entries[(kind, _hashable_key(key))] = decode(value)
                except (ValueError, TypeError):
                    continue

    def page_text_key(self, page: Page) -> str:
        """The hash of what a page says: its title and body (front matter aside)."""
        text = (page.title, page.body)
        self._used_texts.add(text)
        if text not in self._text_keys:
            self._text_keys[text] = content_key(*text)
        return self._text_keys[text]


def _json_key(key: Hashable) -> Any:
    return list(key) if isinstance(key, tuple) else key


def _hashable_key(key: Any) -> Hashable:
    return tuple(key) if isinstance(key, list) else key


def _encode_check(check: TranslationCheck) -> list[Any]:
    return [check.state.value, check.stamped, check.similarity]


def _decode_check(value: list[Any]) -> TranslationCheck:
    state, stamped, similarity = value
    return TranslationCheck(State(state), bool(stamped), float(similarity))


def _encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode_bytes(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# The kinds of derived results the findings are kept under: a page alone, its language, and
# a translation with its original.
QA_KINDS = ("qa-page", "qa-language", "qa-pair")
# The language model's answer for one sample of text: kept apart from the page's findings,
# so that a page edited below the sample is judged again without the model.
LANGUAGE_GUESS_KIND = "qa-language-guess"
QA_CACHED_KINDS = (*QA_KINDS, LANGUAGE_GUESS_KIND)


@dataclass(frozen=True)
class PageFindings:
    """What the checks found on one page, and the marks that allowed a difference."""

    diagnostics: tuple[Diagnostic, ...]
    used_marks: frozenset[tuple[str, str]]


def encode_findings(found: PageFindings) -> list[Any]:
    """Findings as JSON data, for the persistent build cache."""
    return [[d.as_dict() for d in found.diagnostics], sorted(list(mark) for mark in found.used_marks)]


def decode_findings(value: list[Any]) -> PageFindings:
    diagnostics, used = value
    return PageFindings(
        tuple(Diagnostic.from_dict(d) for d in diagnostics),
        frozenset((str(check), str(value)) for check, value in used),
    )


def _same(value: Any) -> Any:
    return value


def _language_code(value: Any) -> str | None:
    return None if value is None else str(value)


# Kind of result → how it is written to JSON and read back.
_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "check": (_encode_check, _decode_check),
    "qr-png": (_encode_bytes, _decode_bytes),
    "language-name": (str, str),
    **{kind: (encode_findings, decode_findings) for kind in QA_KINDS},
    LANGUAGE_GUESS_KIND: (_same, _language_code),
}

"""How far each language's translation of each page is: current, outdated, a copy, or absent.

A translation records the version of its source it was made from in the front-matter key
`source_hash`: a short hash of the original's normalised title and body. When the original
changes, the hashes differ and the translation is outdated. A translation without the key is
"unstamped" and counts as outdated too, because nothing says which version it translates.

A page whose words are nearly the same as the original's is an untranslated copy, however it
is stamped: its word 3-grams are compared with the original's (see COPY_THRESHOLD).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

from chatmail_site.load.content import Page
from chatmail_site.model.cache import DerivedCache
from chatmail_site.model.plan import State, TranslationCheck, TranslationChecker

SOURCE_HASH_KEY = "source_hash"
SOURCE_HASH_LENGTH = 12
# Share of a page's word 3-grams found in the original above which the page counts as an
# untranslated copy. Real translations share under 0.2 (names, domains and links); an English
# copy of an older version of the original still shares over 0.8.
COPY_THRESHOLD = 0.5
SHINGLE_SIZE = 3
_WORD = re.compile(r"\w+")


def normalise_text(title: str, body: str) -> str:
    """Title and body with Unicode composed and all runs of whitespace made one space."""
    text = unicodedata.normalize("NFC", f"{title}\n{body}")
    return " ".join(text.split())


def source_hash(page: Page) -> str:
    """The short hash a translation of this page records as its `source_hash`."""
    return text_hash(page.title, page.body)


def text_hash(title: str, body: str) -> str:
    digest = hashlib.sha256(normalise_text(title, body).encode("utf-8")).hexdigest()
    return digest[:SOURCE_HASH_LENGTH]


def recorded_hash(page: Page) -> str | None:
    value = page.meta.get(SOURCE_HASH_KEY)
    return None if value is None else str(value).strip()


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_SIZE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1))


Shingles = Counter[tuple[str, ...]]


def page_shingles(page: Page) -> Shingles:
    """A page's wording as word 3-grams, the material of `similarity`."""
    return _shingles(normalise_text(page.title, page.body))


def similarity(page: Page, original: Page, shingles: Callable[[Page], Shingles] = page_shingles) -> float:
    """How much of the shorter page's wording (word 3-grams) the other page contains, 0 to 1."""
    mine = shingles(page)
    theirs = shingles(original)
    smaller = min(sum(mine.values()), sum(theirs.values()))
    if smaller == 0:
        return 1.0 if mine == theirs else 0.0
    # The words both share (a multiset intersection), counted from the side with fewer
    # distinct 3-grams: the preview compares an edited original with every translation.
    fewer, more = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
    shared = sum(min(count, more[gram]) for gram, count in fewer.items() if gram in more)
    return shared / smaller


def check_translation(
    translation: Page, original: Page, shingles: Callable[[Page], Shingles] = page_shingles
) -> TranslationCheck:
    """Whether a translation is current, outdated or an untranslated copy of its original.

    `shingles` may answer from a cache: builds compare one original with every translation.
    """
    recorded = recorded_hash(translation)
    ratio = similarity(translation, original, shingles)
    if ratio >= COPY_THRESHOLD:
        state = State.COPY
    elif recorded == source_hash(original):
        state = State.TRANSLATED
    else:
        state = State.OUTDATED
    return TranslationCheck(state, recorded is not None, round(ratio, 3))


def cached_checker(cache: DerivedCache) -> TranslationChecker:
    """`check_translation` answering from `cache`: each pair of texts is compared once, and each
    page's wording is cut into 3-grams once however many translations it is compared with."""

    def shingles(page: Page) -> Shingles:
        return cache.get("shingles", cache.page_text_key(page), lambda: page_shingles(page))

    def check(translation: Page, original: Page) -> TranslationCheck:
        stamp = recorded_hash(translation) or ""
        key = (cache.page_text_key(translation), stamp, cache.page_text_key(original))
        return cache.get("check", key, lambda: check_translation(translation, original, shingles))

    return check

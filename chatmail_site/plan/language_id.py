"""Which language a page's text is in, told by py3langid's naive Bayes model.

The model is loaded on first use only (about half a second), and only when a page is long
enough to judge, so builds whose pages are all judged already (kept in the build cache, by
page and by the sample of text the model reads) never load it. It is narrowed to the site's
own languages: the question is never "which of a hundred languages is this?" but "is this
Dutch page really German, or the English original?", which a small model answers reliably on
a few sentences.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from babel import Locale, UnknownLocaleError

# Texts shorter than this are not judged: a few words can look like any language.
MIN_CHARACTERS = 200
MIN_WORDS = 30
# Only the start of a long page is read: sixty words or so of prose decide as well as the whole
# page, and the model's time grows with the length of the text.
MAX_CHARACTERS = 400
# How sure the model must be of the other language, and how unsure of the page's own.
CONFIDENT = 0.99
DOUBTFUL = 0.01

_lock = threading.Lock()


def base_code(tag: str) -> str:
    """The language of a tag, as the model names it: `pt` for `pt-BR`."""
    return tag.replace("_", "-").split("-", 1)[0].lower()


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """Every language the model can tell."""
    return frozenset(_model().labels)


@functools.lru_cache(maxsize=8)
def _candidates(site_languages: tuple[str, ...]) -> list[str]:
    """The site's languages the model can tell apart, as it names them."""
    return sorted({base_code(tag) for tag in site_languages} & known_languages())


def identify(text: str, page_lang: str, site_languages: Sequence[str]) -> str | None:
    """Another of the site's languages the text is confidently in, or None.

    None also when the text is too short to judge, or the model does not know the page's
    language or fewer than two of the site's.
    """
    sample = judged_sample(text)
    return None if sample is None else identify_sample(sample, page_lang, site_languages)


def judged_sample(text: str) -> str | None:
    """The part of `text` the model reads, or None when the text is too short to judge.

    The answer depends on nothing else of the text, so it can be kept by this sample: an
    edit further down a long page is judged without loading the model.
    """
    sample = " ".join(text[: MAX_CHARACTERS * 2].split())[:MAX_CHARACTERS]
    if len(sample) < MIN_CHARACTERS or sample.count(" ") + 1 < MIN_WORDS:
        return None
    return sample


def identify_sample(sample: str, page_lang: str, site_languages: Sequence[str]) -> str | None:
    """`identify` for a sample `judged_sample` gave."""
    own = base_code(page_lang)
    candidates = _candidates(tuple(site_languages))
    if own not in candidates or len(candidates) < 2:
        return None
    with _lock:  # the model is narrowed in place, so one page at a time
        model = _model()
        if set(model.nb_classes) != set(candidates):
            model.set_languages(candidates)
        ranking = dict(model.rank(sample))
    best = max(ranking, key=ranking.__getitem__)
    if best != own and ranking[best] >= CONFIDENT and ranking.get(own, 0.0) <= DOUBTFUL:
        return best
    return None


@functools.lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """A language's English name (German for de), or the code when Babel does not know it."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        return code

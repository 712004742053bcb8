"""What each output read while it was rendered, and which outputs a set of changes touches.

Each page and relay page records its inputs: the source files of the pages it shows (a
translation also reads its original, for the outdated notice), servers.yaml when it lists
relays, and every template Jinja loaded for it (extends and includes too). Both the live
preview and the persistent build cache decide from these records which outputs a change
affects; neither ever looks at file times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from chatmail_site.model.plan import TranslationCheck
from chatmail_site.model.reuse import ANY_INPUT

if TYPE_CHECKING:
    from chatmail_site.load.site import Site
    from chatmail_site.model.plan import SitePlan


# What a page shows of its translation check: (state, stamped), or None for no check.
ShownCheck = tuple[str, bool] | None


def shown_check(check: TranslationCheck | None) -> ShownCheck:
    """What a page shows of its translation check (the similarity itself is never shown)."""
    return None if check is None else (check.state.value, check.stamped)


def shown_checks(plan: SitePlan) -> dict[str, ShownCheck]:
    """Every page output with what it shows of its translation check."""
    return {page.output: shown_check(page.check) for page in plan.pages}


def originals_answered_by_checks(
    before: Mapping[str, ShownCheck], site: Site, plan: SitePlan
) -> dict[str, frozenset[str]]:
    """For each translation whose comparison with its original shows as before, that original.

    A translation reads its original only through that comparison (the outdated and copy
    notices): titles and menu entries take the full rebuild when they change. So when the
    notices come out the same, an edit of the original changes nothing on the translation.
    """
    answered = {}
    for page in plan.pages:
        shows_as_before = page.output in before and shown_check(page.check) == before[page.output]
        if page.check is not None and shows_as_before:
            original = site.content.get(page.slug, site.config.default_language)
            if original is not None:
                answered[page.output] = frozenset({original.display_path})
    return answered


def affected_outputs(
    dependencies: Mapping[str, Iterable[str]],
    changed: Iterable[str],
    answered: Mapping[str, frozenset[str]],
) -> set[str]:
    """The outputs that read a changed input, or read anything (ANY_INPUT)."""
    keys = set(changed) | {ANY_INPUT}
    return {
        output
        for output, inputs in dependencies.items()
        if (keys.intersection(inputs)) - answered.get(output, frozenset())
    }

"""Loading a whole site: every source read and validated, all problems reported at once."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.safety import SourceTree, check_conflict_markers, check_source_tree
from chatmail_site.core.urls import INDEX_SLUG
from chatmail_site.load.assets import load_assets
from chatmail_site.load.config import SiteConfig, load_config
from chatmail_site.load.content import ContentIndex, display_path, load_content
from chatmail_site.load.fronted import FrontedRelay, check_front_slugs_are_free, load_fronted_relay
from chatmail_site.load.i18n import Language, build_date, make_language
from chatmail_site.load.servers import RELAY_FOLDER, Relay, load_relays
from chatmail_site.load.theme import Theme


@dataclass(frozen=True)
class Site:
    """Everything loaded and validated: the input of planning and rendering."""

    config: SiteConfig
    content: ContentIndex
    languages: Mapping[str, Language]
    theme: Theme
    extra: Mapping[str, Any] = field(default_factory=dict)
    relays: tuple[Relay, ...] = ()  # every relay of servers.yaml, listed or not, default first
    fronted: FrontedRelay | None = None  # the relay this site is the web face of
    assets: Mapping[str, bytes] = field(default_factory=dict)  # published name → checked bytes


def load_site(
    site_dir: Path,
    diagnostics: Diagnostics,
    *,
    base_url: str | None = None,
    tree: SourceTree | None = None,
) -> Site | None:
    """Load and validate every source of the site, reporting all problems at once; None
    when the site cannot be rendered. `tree` is the source-tree check, when already made."""
    # Links out of the site, pipes and oversized files are found by their type and size
    # before any stage opens a source file; the stages pass over them and report the rest.
    tree = tree if tree is not None else check_source_tree(site_dir, diagnostics)
    check_conflict_markers(site_dir, diagnostics)
    errors_before = len(diagnostics.errors)
    config = load_config(site_dir, diagnostics, keep_going=True)
    if config is None:
        return None
    config_failed = len(diagnostics.errors) > errors_before
    if base_url:
        config = config.with_base_url(base_url)
    content = load_content(config, diagnostics, tree.allows)
    if content.get(INDEX_SLUG, config.default_language) is None:
        diagnostics.error(
            f"content/{config.default_language}",
            0,
            f"the default language `{config.default_language}` has no index page",
            f"create content/{config.default_language}/index.md: it is the home page",
        )
    languages = {
        code: make_language(code, config.locales_dir, diagnostics, tree.allows) for code in config.languages
    }
    relays = ()
    if tree.allows(config.servers_file):
        relays = load_relays(config, diagnostics, today=build_date())
    if relays:
        _check_relay_folder_is_free(config, content, diagnostics)
    fronted = load_fronted_relay(config, relays, diagnostics)
    if fronted:
        check_front_slugs_are_free(config, content.slugs(), diagnostics)
    assets = load_assets(config.content_dir, tree.files, functools.partial(display_path, config), diagnostics)
    if not tree.ok or config_failed:
        return None  # a refused entry or setting may be a template or a static file: no theme is made
    theme = Theme(config)
    if not theme.check(diagnostics):
        return None
    return Site(config, content, languages, theme, relays=relays, fronted=fronted, assets=assets)


def _check_relay_folder_is_free(config: SiteConfig, content: ContentIndex, diagnostics: Diagnostics) -> None:
    """A page named like the relay pages' folder would collide with it in every language."""
    for lang in config.languages:
        page = content.get(RELAY_FOLDER, lang)
        if page is not None:
            diagnostics.error(
                page.display_path,
                0,
                f"the page name `{RELAY_FOLDER}` is taken by the relay pages "
                f"({lang}/{RELAY_FOLDER}/<domain>)",
                "rename the file, e.g. to relays.md",
            )

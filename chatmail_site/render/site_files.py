"""Every output that is not one page in one language: the root and 404 pages, QR images,
servers.json, the sitemap, robots.txt, redirects, static files and assets, each claimed once.
"""

from __future__ import annotations

from collections.abc import Mapping

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.safety import read_source
from chatmail_site.core.urls import INDEX_SLUG, not_found_output, output_name_problem
from chatmail_site.load.content import display_path
from chatmail_site.load.fronted import relay_path_of
from chatmail_site.load.i18n import build_date
from chatmail_site.load.servers import qr_png_output
from chatmail_site.load.site import Site
from chatmail_site.model.plan import PagePlan, RenderItem, SitePlan
from chatmail_site.model.reuse import SERVERS_KEY, KeptSiteFiles, OutputData
from chatmail_site.plan.aliases import Alias, check_aliases, page_aliases, redirect_page
from chatmail_site.render.pages import PageRenderer, language_chooser, relay_page_url
from chatmail_site.render.relay_front import front_files, front_outputs, serving_files
from chatmail_site.render.relays import SERVERS_JSON, servers_json_file
from chatmail_site.render.sitemap import ROBOTS_FILE, SITEMAP_FILE, SitemapEntry, robots_txt, sitemap_xml


def sitemap_entries(plan: SitePlan, renderer: PageRenderer) -> list[SitemapEntry]:
    """Every page worth indexing, with the same alternates its <link rel=alternate> carry."""
    indexable = [p for p in plan.pages if not p.untranslated]
    indexable += [r for r in plan.relay_pages if r.indexable]
    # With a base URL the alternates are absolute, so all pages of a slug share one set:
    # working it out once per slug keeps the sitemap linear in its lines.
    alternates: dict[str, tuple[tuple[str, str], ...]] = {}
    entries = []
    for p in indexable:
        if p.slug not in alternates:
            alternates[p.slug] = tuple((link["hreflang"], link["href"]) for link in renderer.hreflang(p))
        entries.append(SitemapEntry(renderer.absolute_address(p.url), alternates[p.slug]))
    return entries


def finish_outputs(
    site: Site,
    plan: SitePlan,
    renderer: PageRenderer,
    pages: Mapping[str, OutputData],
    kept: KeptSiteFiles | None,
    diagnostics: Diagnostics,
) -> dict[str, OutputData]:
    """The rendered pages and relay pages plus every other output of the build; the
    problems found making them are reported in `diagnostics`.

    The live preview calls this after each change with its up-to-date pages: whatever is
    added here (or in site_wide_files) is then always current there, unless `kept` says
    its inputs are unchanged.
    """
    outputs = Outputs(diagnostics)
    site_wide_files(site, plan, renderer, kept, outputs)
    # Pages are claimed last, so a clash with a site-wide file is reported at the page's file.
    servers_source = display_path(site.config, site.config.servers_file)  # once, not per relay page
    for item in (*plan.pages, *plan.relay_pages):
        if item.output in pages:
            outputs.add(item.output, pages[item.output], *_source_of(item, servers_source))
    claimed = outputs.files
    files = {name: claimed[name] for name in sorted(pages) if name in claimed}  # pages first, as listed
    files.update(claimed)
    files.update(serving_files(site, files))
    return files


def _source_of(item: RenderItem, servers_source: str) -> tuple[str, int]:
    """The file and line a page or relay page comes from, for diagnostics about its output."""
    if isinstance(item, PagePlan):
        return item.page.display_path, 1
    return servers_source, item.relay.line


def site_wide_files(
    site: Site,
    plan: SitePlan,
    renderer: PageRenderer,
    kept: KeptSiteFiles | None,
    outputs: Outputs,
) -> dict[str, OutputData]:
    """Every output that is not one page or relay page in one language, claimed in `outputs`
    (whose diagnostics receive the problems), whose files are returned.

    The live preview re-renders these after every change unless `kept` vouches for them:
    a new kind of output belongs here, and is made afresh until it is taught otherwise.
    """
    # Each group is added under the source it comes from, so a clash between two of them
    # (an asset named like a theme file) is reported instead of one silently winning.
    relay_outputs = [qr_png_output(relay) for relay in site.relays]
    relay_outputs += [SERVERS_JSON] if site.relays else []
    relays = kept and kept.group(relay_outputs, SERVERS_KEY in kept.changed)
    outputs.add_all(relays or relay_files(site, plan, renderer), "content/servers.yaml")
    outputs.add_all(front_files(site, plan, outputs.diagnostics, renderer.directives), "site.yaml (fronts)")
    special = kept and kept.group(special_page_outputs(site), kept.template_changed())
    theme_source = f"themes/{site.config.theme}"
    outputs.add_all(special or special_pages(site, renderer), f"{theme_source} (root and 404 pages)")
    outputs.add_all(theme_static_files(site), f"{theme_source}/static")
    for name, data in sorted(asset_files(site).items()):
        outputs.add(name, data, f"content/{name}")  # the asset's own file: assets/x ← content/assets/x
    outputs.add_all(alias_files(site, plan, renderer, outputs.diagnostics), "content (aliases)")
    index_outputs = [SITEMAP_FILE, ROBOTS_FILE] if site.config.base_url else [ROBOTS_FILE]
    index = kept and kept.group(index_outputs, False)
    if index:
        outputs.add_all(index, "the sitemap and robots.txt")
    else:
        if site.config.base_url:
            outputs.add(
                SITEMAP_FILE, sitemap_xml(sitemap_entries(plan, renderer)), "the sitemap and robots.txt"
            )
        robots = robots_txt(site.config.base_url and site.config.base_url + SITEMAP_FILE)
        outputs.add(ROBOTS_FILE, robots, "the sitemap and robots.txt")
    return outputs.files


def planned_outputs(site: Site, plan: SitePlan) -> dict[str, str]:
    """The pages and special files a build writes, each with what it is, for clash messages."""
    outputs = {item.output: f"the page {item.url}" for item in (*plan.pages, *plan.relay_pages)}
    outputs.update({name: "a page of the theme" for name in special_page_outputs(site)})
    outputs.update(front_outputs(site))
    return outputs


def site_aliases(site: Site, plan: SitePlan, diagnostics: Diagnostics) -> list[Alias]:
    """The pages' aliases that can be written: none clashing with another output, and on a
    fronting site none under a path that the relay answers itself."""
    aliases = []
    for alias in page_aliases(site.content):
        taken = relay_path_of("/" + alias.path) if site.fronted else None
        if taken is None:
            aliases.append(alias)
            continue
        diagnostics.error(
            alias.source,
            alias.line,
            f"the alias `/{alias.path}` falls under {taken}, which the relay answers itself",
            "the relay would never show it; remove the alias",
        )
    return check_aliases(aliases, planned_outputs(site, plan), diagnostics)


def alias_files(
    site: Site, plan: SitePlan, renderer: PageRenderer, diagnostics: Diagnostics
) -> dict[str, bytes]:
    """A redirect page at each old address that a page names under `aliases:`."""
    return {
        alias.output: redirect_page(alias, renderer.absolute_address(alias.target_url))
        for alias in site_aliases(site, plan, diagnostics)
    }


def relay_files(site: Site, plan: SitePlan, renderer: PageRenderer) -> dict[str, bytes]:
    """Each relay's QR code as a PNG, and servers.json (the relay pages are plan pages)."""
    files = renderer.relay_images.files(site.relays)
    if site.relays:
        files[SERVERS_JSON] = servers_json_file(
            site.relays,
            relay_page_url,
            site.config.languages,
            generated=build_date(),
            base_url=site.config.base_url,
        )
    return files


def special_page_outputs(site: Site) -> list[str]:
    """The names special_pages writes."""
    return ["index.html", *(not_found_output(code) for code in site.languages), "404.html"]


def special_pages(site: Site, renderer: PageRenderer) -> dict[str, bytes]:
    """The root language chooser and a 404 page per language."""
    config = site.config
    files = {"index.html": language_chooser(site, renderer, INDEX_SLUG)}
    # Error pages are shown at any URL, so their links start from the site's base path.
    base_path = _base_path(config.base_url)
    for code, language in site.languages.items():
        html = site.theme.render("404.html", renderer.common_context(f"{code}/404", language, root=base_path))
        files[not_found_output(code)] = html.encode("utf-8")
    files["404.html"] = files[not_found_output(config.default_language)]
    return files


def _base_path(base_url: str | None) -> str:
    if not base_url:
        return "/"
    path = base_url.split("://", 1)[-1].partition("/")[2]
    return "/" + path


def theme_static_files(site: Site) -> dict[str, bytes]:
    """The theme's static files under their published names."""
    return {static.output: read_source(static.source) for static in site.theme.static.values()}


def asset_files(site: Site) -> dict[str, bytes]:
    """The site's own files from content/assets/, published under assets/ (checked at load)."""
    return dict(site.assets)


class Outputs:
    """The planned files of a build, each name claimed by exactly one source.

    Two sources writing one output (a page named 404.md and the 404 page, an asset and a
    theme file), a path that would be both a file and a folder (an asset `logos` beside the
    theme's `logos/`), and names that would leave the output folder are reported as errors,
    at the source that claims the name last, with the line given for it.
    """

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.files: dict[str, OutputData] = {}
        self._sources: dict[str, str] = {}
        self._folders: dict[str, str] = {}  # every folder the files so far lie in → its first source
        self.diagnostics = diagnostics

    def add(self, name: str, data: OutputData, source: str, line: int = 0) -> None:
        """Claim `name` for `source` (a path as diagnostics show it, or a description)."""
        problem = output_name_problem(name)
        if problem is not None:
            self.diagnostics.error(source, line, problem, "rename the source file")
            return
        clash = self._clash(name, source)
        if clash is not None:
            self.diagnostics.error(source, line, clash, "rename one of them")
            return
        self.files[name] = data
        self._sources[name] = source
        folder = name.rpartition("/")[0]
        while folder and folder not in self._folders:
            self._folders[folder] = source
            folder = folder.rpartition("/")[0]

    def _clash(self, name: str, source: str) -> str | None:
        """What another source already put where `source` wants to write `name`, or None."""
        if name in self._sources:
            return f"`{name}` would be written by both {self._sources[name]} and {source}"
        if name in self._folders:
            return f"`{name}` would be both a file and a folder ({self._folders[name]} and {source})"
        folder = name.rpartition("/")[0]
        while folder:
            if folder in self._sources:
                return f"`{folder}` would be both a file and a folder ({self._sources[folder]} and {source})"
            folder = folder.rpartition("/")[0]
        return None

    def add_all(self, files: Mapping[str, OutputData], source: str, line: int = 0) -> None:
        for name in sorted(files):
            self.add(name, files[name], source, line)

"""The web face of one relay: its home, info and privacy pages, gzip copies and the nginx config.

A site fronts a relay when site.yaml says `fronts:`. The relay is named by its domain in
servers.yaml, by its own chatmail.ini, or both. Its pages exist in every language, at

    <lang>/relay           home: the invite QR code and the "get a chat profile" button
    <lang>/relay/info      the relay's limits, numbers and units formatted per locale
    <lang>/relay/privacy   the privacy policy with the operator's contacts

The build then also writes a `.gz` beside each text file (for nginx's gzip_static) and, beside
the web root (build.deploy/ for build/), the nginx configs with a README. Sites that front no
relay get none of this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_unit

from chatmail_site.core.errors import Diagnostics, SiteError
from chatmail_site.core.urls import (
    NOT_FOUND_SLUG,
    LocatedPage,
    not_found_output,
    page_of_output,
    page_output,
    page_url,
    relative_href,
    root_prefix,
)
from chatmail_site.deploy.nginx import (
    NGINX_FOLDER,
    DeployPlan,
    DeployPlanError,
    config_file_name,
    deploy_readme,
    locations_file_name,
    nginx_config,
    relay_locations,
)
from chatmail_site.load.config import SiteConfig, load_config
from chatmail_site.load.content import display_path, load_content
from chatmail_site.load.i18n import Language, build_date, theme_languages
from chatmail_site.load.relay_own import OWN_FOLDER, OwnText, load_own_texts, relay_values, render_own
from chatmail_site.load.relayini import LARGE_MESSAGE_BYTES, RelayIni, line_of_key, load_relay_ini
from chatmail_site.load.servers import Relay
from chatmail_site.plan.aliases import nginx_redirects, page_aliases
from chatmail_site.render import qr
from chatmail_site.render.markdown import MarkdownRenderer
from chatmail_site.render.relays import load_relays
from chatmail_site.write.output import gzip_bytes

if TYPE_CHECKING:
    from chatmail_site.build import PageRenderer, Site, SitePlan

HOME_SLUG = "relay"
INFO_SLUG = "relay/info"
PRIVACY_SLUG = "relay/privacy"
# slug → template of each page of the fronted relay
FRONT_PAGES = {HOME_SLUG: "relay-home.html", INFO_SLUG: "relay-info.html", PRIVACY_SLUG: "relay-privacy.html"}
# The relay software's own pages, by their addresses, and the pages that replace them here
# (its index.html is this site's root page, which leads to every language's home).
OLD_PAGES = {"info.html": INFO_SLUG, "privacy.html": PRIVACY_SLUG}
# The paths the relay's own nginx answers (prefix locations), which nothing the site writes
# may fall under: account creation, its old address, the proxied services, mta-sts and autoconfig.
# Pages live in language folders, and no language tag is one of these; an alias may be.
RELAY_PATHS = ("/new", "/cgi-bin/", "/mxdeliv", "/relay", "/ping", "/generate_204", "/.well-known/")
# slug → name of the page's own text in content/relay/<lang>/ and in `{page.…}` references
OWN_TEXT_NAMES = {HOME_SLUG: "home", INFO_SLUG: "info", PRIVACY_SLUG: "privacy"}
# Outputs that nginx may send precompressed; images like PNG are compressed already.
COMPRESSIBLE_SUFFIXES = (".html", ".css", ".js", ".svg", ".json", ".xml", ".txt")
_MIB = 1024**2
_GIB = 1024**3
# At most one decimal: "1.5 GB", "30 MB".
_SIZE_FORMAT = "#,##0.#"
# The random part of an address, as the relay's info page shows an example of one.
EXAMPLE_USER = "abc123xyz"


@dataclass(frozen=True)
class FrontedRelay:
    """The relay the site fronts: its settings, the invite its QR code encodes, and where
    site.yaml names it (for messages about it)."""

    ini: RelayIni
    invite_uri: str
    config_file: Path
    config_line: int
    from_ini_file: bool
    qr_svg: str = field(default="", compare=False, repr=False)
    # The operator's own texts by (page name, language), from content/relay/.
    own_texts: Mapping[tuple[str, str], OwnText] = field(default_factory=dict, compare=False, repr=False)

    @property
    def domain(self) -> str:
        return self.ini.mail_domain


# ---- loading ---------------------------------------------------------------------------


def load_fronted_relay(
    config: SiteConfig, relays: Iterable[Relay], diagnostics: Diagnostics
) -> FrontedRelay | None:
    """The relay named by `fronts:` in site.yaml, or None when the site fronts none (or on error)."""
    fronts = config.fronts
    if fronts is None:
        _warn_about_unused_own_texts(config, diagnostics)
        return None
    by_domain = {relay.ascii_domain: relay for relay in relays}
    if fronts.ini is not None:
        ini = load_relay_ini(fronts.ini, diagnostics)
        if ini is None:
            return None
        if fronts.domain is not None and fronts.domain != ini.mail_domain:
            diagnostics.error(
                config.config_file,
                fronts.line,
                f"`fronts` names {fronts.domain}, but {fronts.ini.name} is the config of {ini.mail_domain}",
                "name the same relay in both, or leave out `domain:`",
            )
            return None
    elif fronts.domain in by_domain:
        # Without its chatmail.ini the relay's limits are the relay software's defaults.
        ini = RelayIni(path=config.config_file, mail_domain=fronts.domain)
    else:
        diagnostics.error(
            config.config_file,
            fronts.line,
            f"`fronts` names {fronts.domain}, which is not a relay of content/servers.yaml",
            "add the relay to servers.yaml, or point `fronts:` at its chatmail.ini",
        )
        return None
    listed = by_domain.get(ini.mail_domain)
    invite_uri = listed.invite_uri if listed else f"DCACCOUNT:https://{ini.mail_domain}/new"
    own_texts = load_own_texts(config, diagnostics)
    fronted = FrontedRelay(
        ini, invite_uri, config.config_file, fronts.line, fronts.ini is not None, own_texts=own_texts
    )
    _warn_without_privacy_contacts(fronted, diagnostics)
    if ini.self_signed:
        # Its accounts come from /new in the reader's browser, one per visit; no fixed QR code.
        return fronted
    # Drawn once per build, however many languages show it.
    return replace(fronted, qr_svg=qr.qr_svg(invite_uri))


def _warn_about_unused_own_texts(config: SiteConfig, diagnostics: Diagnostics) -> None:
    """Own texts for relay pages mean nothing on a site that fronts no relay; say so."""
    folder = config.content_dir / OWN_FOLDER
    if folder.is_dir():
        diagnostics.warning(
            display_path(config, folder),
            0,
            "the site fronts no relay, so its own texts for relay pages are not used",
            "add `fronts: chatmail.ini` to site.yaml, or remove the folder",
        )


def _warn_without_privacy_contacts(fronted: FrontedRelay, diagnostics: Diagnostics) -> None:
    """The privacy page must name whom to contact; without that it is incomplete."""
    ini = fronted.ini
    missing = ini.missing_privacy_contacts
    if not missing:
        return
    names = " and ".join(f"`{key}`" for key in missing)
    if fronted.from_ini_file:
        diagnostics.warning(
            ini.path,
            # A key written without a value lies below the section header; point at it.
            max(line_of_key(ini.path, key) for key in missing),
            f"the privacy page has no {names}: readers cannot reach the operator",
            f"set {names} in [params] of the relay's chatmail.ini",
        )
    else:
        diagnostics.warning(
            fronted.config_file,
            fronted.config_line,
            f"the privacy page of {fronted.domain} has no operator contacts",
            "point `fronts:` at the relay's chatmail.ini (`fronts: {domain: …, ini: chatmail.ini}`) "
            "with privacy_mail and privacy_postal set",
        )


def check_front_slugs_are_free(
    config: SiteConfig, content_slugs: Iterable[str], diagnostics: Diagnostics
) -> None:
    """A content page named like a relay page would collide with it in every language."""
    taken = set(FRONT_PAGES)
    for slug in content_slugs:
        if slug in taken:
            diagnostics.error(
                config.config_file,
                config.fronts.line if config.fronts else 0,
                f"the page `{slug}` collides with the pages of the fronted relay ({', '.join(FRONT_PAGES)})",
                f"rename content/<lang>/{slug}.md",
            )


# ---- localized facts -------------------------------------------------------------------


def format_size(size: int, locale: Locale) -> str:
    """A size in bytes as megabytes or, from 1 GiB, gigabytes: "500 MB", "1,5 GB", "30 Mo"."""
    value, unit = (size / _GIB, "digital-gigabyte") if size >= _GIB else (size / _MIB, "digital-megabyte")
    return format_unit(value, unit, length="short", format=_SIZE_FORMAT, locale=locale)


def format_kilobytes(size: int, locale: Locale) -> str:
    """A size in bytes as decimal kilobytes, the unit the relay software counts large messages in."""
    return format_unit(size / 1000, "digital-kilobyte", length="short", format=_SIZE_FORMAT, locale=locale)


def format_days(days: int, locale: Locale) -> str:
    """A number of days in words: "20 days", "20 Tage"."""
    for length in ("long", "short"):
        text = format_unit(days, "duration-day", length=length, locale=locale)
        # Babel falls back to the unit's id where a locale lacks a form (Dutch long days).
        if "duration-day" not in text:
            return text
    return format_decimal(days, locale=locale)


def relay_limits(ini: RelayIni, language: Language) -> dict[str, Any]:
    """What the info page shows, formatted for `language`; counts stay numbers for plurals.

    Numbers and units follow the locale the theme's sentences come out in, so a sentence
    never mixes two languages.
    """
    locale = language.ui_locale

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    return {
        "send_rate": ini.max_user_send_per_minute,
        "send_rate_text": number(ini.max_user_send_per_minute),
        "burst": ini.max_user_send_burst_size,
        "burst_text": number(ini.max_user_send_burst_size),
        "mailbox_size": format_size(ini.max_mailbox_size, locale),
        "message_size": format_size(ini.max_message_size, locale),
        "retention_days": ini.delete_mails_after,
        "retention": format_days(ini.delete_mails_after, locale),
        "large_size": format_kilobytes(LARGE_MESSAGE_BYTES, locale),
        "large_retention": format_days(ini.delete_large_after, locale),
        "inactive_days": ini.delete_inactive_users_after,
        "inactive": format_days(ini.delete_inactive_users_after, locale),
        "username_min": ini.username_min_length,
        "username_min_text": number(ini.username_min_length),
        "username_max": ini.username_max_length,
        "username_max_text": number(ini.username_max_length),
        "password_min": ini.password_min_length,
        "password_min_text": number(ini.password_min_length),
    }


def privacy_contacts(ini: RelayIni) -> dict[str, Any]:
    """The operator's contacts, each multi-line value split into its lines."""
    mail = ini.privacy_mail.strip()
    return {
        "mail": mail,
        # Only a plain address becomes a mailto link; anything else is shown as written.
        "mail_is_address": bool(re.fullmatch(r"[^\s@<>\"]+@[^\s@<>\"]+", mail)),
        "postal": ini.privacy_postal.splitlines(),
        "pdo": ini.privacy_pdo.splitlines(),
        "supervisor": ini.privacy_supervisor.splitlines(),
    }


# ---- pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontPagePlan(LocatedPage):
    """One page of the fronted relay in one language; its texts are the theme's, so it is a
    real translation only in languages the theme speaks, and a fallback elsewhere."""

    slug: str
    lang: str
    fallback: bool = False

    @property
    def template(self) -> str:
        return FRONT_PAGES[self.slug]


def front_files(site: Site, plan: SitePlan, diagnostics: Diagnostics) -> dict[str, bytes]:
    """The fronted relay's pages in every language, and what keeps its old addresses working
    (nothing when the site fronts no relay)."""
    from chatmail_site.build import PageRenderer, SitePlan, language_chooser

    fronted = site.fronted
    if fronted is None:
        return {}
    themed = theme_languages(site.languages)
    translated = {**plan.translated, **{slug: themed for slug in FRONT_PAGES}}
    renderer = PageRenderer(site, SitePlan(plan.pages, translated, plan.relay_pages), diagnostics)
    pages = [
        FrontPagePlan(slug, lang, fallback=lang not in themed)
        for slug in FRONT_PAGES
        for lang in site.languages
    ]
    files = {page.output: _render(renderer, fronted, page) for page in pages}
    # The relay software's own pages were /index.html, /info.html and /privacy.html, with the
    # QR code beside them; printed and linked addresses must keep leading somewhere. The
    # root page already chooses the language; the others do the same for their new pages.
    for old_name, slug in OLD_PAGES.items():
        files[old_name] = language_chooser(site, renderer, slug, noindex=True)
    files[old_qr_image(fronted.domain)] = qr.qr_png(fronted.invite_uri)
    return files


def front_outputs(site: Site) -> dict[str, str]:
    """The files front_files writes, each with what it is (for messages about clashes)."""
    if site.fronted is None:
        return {}
    outputs = {
        page_output(lang, slug): f"the relay page {page_url(lang, slug)}"
        for slug in FRONT_PAGES
        for lang in site.languages
    }
    outputs.update({name: "an old address of the relay software" for name in OLD_PAGES})
    outputs[old_qr_image(site.fronted.domain)] = "the relay software's old QR code image"
    return outputs


def relay_path_of(url: str) -> str | None:
    """The relay path that answers a site address (`/new/x` → `/new`), or None when free.

    The relay's nginx matches these as prefixes, so `/newsletter/` belongs to `/new` too.
    """
    return next((path for path in RELAY_PATHS if url.startswith(path)), None)


def old_qr_image(domain: str) -> str:
    """Where the relay software published the QR invite code of its relay."""
    return f"qr-chatmail-invite-{domain}.png"


def _render(renderer: PageRenderer, fronted: FrontedRelay, page: FrontPagePlan) -> bytes:
    language = renderer.site.languages[page.lang]
    links = {slug: relative_href(page.url, page_url(page.lang, slug)) for slug in FRONT_PAGES}
    ini = fronted.ini
    own = _own_text(renderer, fronted, page)
    context = {
        **renderer.common_context(page.url, language),
        "relay": {
            "domain": fronted.domain,
            "invite_uri": fronted.invite_uri,
            "self_signed": ini.self_signed,
            "ipv4": ini.ipv4_relay,
            "example_address": f"{EXAMPLE_USER}@{ini.address_domain}",
            # The relay answers /new at the root of its host, wherever the site's pages live;
            # readers without JavaScript are told its full address.
            "new_url": "/new",
            "new_address": f"https://{ini.mail_domain}/new",
            "iroh_relay": ini.iroh_relay_url,
            "limits": relay_limits(ini, language),
            "contacts": privacy_contacts(ini),
            "own": own,
            "home_href": links[HOME_SLUG],
            "info_href": links[INFO_SLUG],
            "privacy_href": links[PRIVACY_SLUG],
            "current": page.slug,
        },
        "qr_svg": fronted.qr_svg,
        "canonical": renderer.canonical(page),
        "noindex": page.fallback or (own["fallback"] and own["mode"] == "replace"),
        "hreflang": [] if page.fallback else renderer.hreflang(page),
        "switcher": renderer.switcher(page),
    }
    return renderer.site.theme.render(page.template, context).encode("utf-8")


def _own_text(renderer: PageRenderer, fronted: FrontedRelay, page: FrontPagePlan) -> dict[str, Any]:
    """The operator's own text for a page: in the page's language, else the default language's
    original, shown as an untranslated part of the page."""
    name = OWN_TEXT_NAMES[page.slug]
    default = renderer.site.config.default_language
    text = fronted.own_texts.get((name, page.lang)) or fronted.own_texts.get((name, default))
    if text is None:
        return {"mode": "", "title": "", "html": "", "lang": page.lang, "fallback": False}
    values = {
        "relay": relay_values(fronted.ini),
        "page": {OWN_TEXT_NAMES[slug]: page_url(page.lang, slug) for slug in FRONT_PAGES},
    }
    # A text shown in other languages too is reported once, where it is written.
    diagnostics = renderer.diagnostics if text.lang == page.lang else Diagnostics()
    rendered = render_own(text, values, root_prefix(page.url), MarkdownRenderer(), diagnostics)
    return {
        "mode": rendered.mode,
        "title": rendered.title,
        "html": rendered.html,
        "lang": text.lang,
        "fallback": text.lang != page.lang,
    }


# ---- deploying -------------------------------------------------------------------------


def deploy_plan(
    config: SiteConfig,
    fronted: FrontedRelay,
    outputs: Iterable[str],
    aliases: Mapping[str, str] | None = None,
    **settings: Any,
) -> DeployPlan:
    """The DeployPlan of a build: its languages and, per language, every page it wrote.

    `outputs` are the build's file names below the output root; `settings` override the
    production defaults (a test serves the same build on 127.0.0.1 without TLS).
    """
    pages: dict[str, set[str]] = {lang: set() for lang in config.languages}
    names = set(outputs)
    for name in names:
        page = page_of_output(name)
        if page is not None and page[0] in pages:
            pages[page[0]].add(page[1])
    for lang, slugs in pages.items():
        if not_found_output(lang) in names:
            slugs.add(NOT_FOUND_SLUG)
    defaults: dict[str, Any] = {"invite_uri": fronted.invite_uri, "dclogin": fronted.ini.self_signed}
    defaults.update(_certificate_files(fronted.ini))
    return DeployPlan(
        domain=fronted.domain,
        languages=config.languages,
        default_language=config.default_language,
        pages={lang: frozenset(slugs) for lang, slugs in pages.items()},
        aliases=dict(aliases or {}),
        **{**defaults, **settings},
    )


# Where the relay software keeps the certificate it makes for a relay without a domain name.
SELF_SIGNED_CERTIFICATE = ("/etc/ssl/certs/mailserver.pem", "/etc/ssl/private/mailserver.key")


def _certificate_files(ini: RelayIni) -> dict[str, str]:
    """The certificate and key nginx should use when the relay's own are not Let's Encrypt's."""
    if ini.tls_external_cert_and_key:
        certificate, key = ini.tls_external_cert_and_key.split()
    elif ini.self_signed:
        certificate, key = SELF_SIGNED_CERTIFICATE
    else:
        return {}
    return {"tls_certificate": certificate, "tls_certificate_key": key}


def deploy_files(
    config: SiteConfig,
    fronted: FrontedRelay,
    outputs: Iterable[str],
    diagnostics: Diagnostics,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """The nginx configs and their README, by their names in the folder beside the web root."""
    try:
        plan = deploy_plan(config, fronted, outputs, aliases)
    except DeployPlanError as problem:
        diagnostics.error(
            config.config_file,
            fronted.config_line,
            f"the nginx config cannot be written: {problem}",
            "check `fronts:` and the relay's mail_domain",
        )
        return {}
    return {
        f"{NGINX_FOLDER}/{config_file_name(plan)}": nginx_config(plan).encode("utf-8"),
        f"{NGINX_FOLDER}/{locations_file_name(plan)}": relay_locations(plan).encode("utf-8"),
        "README.md": deploy_readme(plan).encode("utf-8"),
    }


def serving_files(site: Site, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """What serving the build on the relay adds to the web root: gzip copies.

    Nothing for a site that fronts no relay: hosts like GitHub Pages compress on their own.
    """
    return gzip_copies(files) if site.fronted is not None else {}


def deploy_output(
    site: Site, files: Mapping[str, bytes], diagnostics: Diagnostics, aliases: Mapping[str, str]
) -> dict[str, bytes]:
    """The files for the folder beside the web root: nothing for a site that fronts no relay.

    `aliases` maps each old address the pages name to the path of its page.
    """
    if site.fronted is None:
        return {}
    return deploy_files(site.config, site.fronted, files, diagnostics, aliases)


def gzip_copies(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """A deterministic `.gz` beside each text file of the web root, for nginx's gzip_static."""
    return {
        f"{name}.gz": gzip_bytes(data) for name, data in files.items() if name.endswith(COMPRESSIBLE_SUFFIXES)
    }


def deploy_plan_for_output(site_dir: Path, out_dir: Path, **settings: Any) -> DeployPlan:
    """The DeployPlan of a site already built into `out_dir`, as the build derives it.

    Raises SiteError when the site's config or relay cannot be read.
    """
    diagnostics = Diagnostics()
    config = load_config(site_dir, diagnostics)
    fronted = None
    if config is not None:
        relays = load_relays(config, diagnostics, today=build_date())
        fronted = load_fronted_relay(config, relays, diagnostics)
    if config is None or fronted is None or diagnostics.errors:
        raise SiteError(diagnostics)
    outputs = [path.relative_to(out_dir).as_posix() for path in out_dir.rglob("*.html")]
    aliases = nginx_redirects(page_aliases(load_content(config, diagnostics)))
    return deploy_plan(config, fronted, outputs, aliases, **settings)

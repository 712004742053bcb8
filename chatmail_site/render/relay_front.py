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

import gzip
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_unit

from chatmail_site.core import qr
from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.urls import (
    page_output,
    page_url,
    relative_href,
    root_prefix,
)
from chatmail_site.load.fronted import (
    FRONT_PAGES,
    HOME_SLUG,
    INFO_SLUG,
    OLD_PAGES,
    OWN_TEXT_NAMES,
    PRIVACY_SLUG,
    FrontedRelay,
    old_qr_image,
)
from chatmail_site.load.i18n import Language, theme_languages
from chatmail_site.load.relay_own import relay_values
from chatmail_site.load.relayini import LARGE_MESSAGE_BYTES, RelayIni
from chatmail_site.model.plan import FrontPagePlan, SitePlan
from chatmail_site.model.reuse import OutputData, output_bytes
from chatmail_site.render.markdown import MarkdownRenderer
from chatmail_site.render.own_texts import render_own
from chatmail_site.render.pages import DirectiveRenderer, PageRenderer, language_chooser

if TYPE_CHECKING:
    from chatmail_site.load.site import Site

# Outputs that nginx may send precompressed; images like PNG are compressed already.
COMPRESSIBLE_SUFFIXES = (".html", ".css", ".js", ".svg", ".json", ".xml", ".txt")
_MIB = 1024**2
_GIB = 1024**3
# At most one decimal: "1.5 GB", "30 MB".
_SIZE_FORMAT = "#,##0.#"
# The random part of an address, as the relay's info page shows an example of one.
EXAMPLE_USER = "abc123xyz"


# ---- loading ---------------------------------------------------------------------------


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


def front_files(
    site: Site, plan: SitePlan, diagnostics: Diagnostics, directives: Mapping[str, DirectiveRenderer]
) -> dict[str, bytes]:
    """The fronted relay's pages in every language, and what keeps its old addresses working
    (nothing when the site fronts no relay). `directives` are those of the site's pages."""
    fronted = site.fronted
    if fronted is None:
        return {}
    themed = theme_languages(site.languages)
    translated = {**plan.translated, **{slug: themed for slug in FRONT_PAGES}}
    renderer = PageRenderer(site, SitePlan(plan.pages, translated, plan.relay_pages), diagnostics, directives)
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


def serving_files(site: Site, files: Mapping[str, OutputData]) -> dict[str, bytes]:
    """What serving the build on the relay adds to the web root: gzip copies.

    Nothing for a site that fronts no relay: hosts like GitHub Pages compress on their own.
    """
    return gzip_copies(files) if site.fronted is not None else {}


def gzip_copies(files: Mapping[str, OutputData]) -> dict[str, bytes]:
    """A deterministic `.gz` beside each text file of the web root, for nginx's gzip_static.

    Files kept from the previous build are read here: their copies need their bytes."""
    return {
        f"{name}.gz": gzip_bytes(output_bytes(data))
        for name, data in files.items()
        if name.endswith(COMPRESSIBLE_SUFFIXES)
    }


def gzip_bytes(data: bytes) -> bytes:
    """Gzip `data` reproducibly: no timestamp or file name in the header, best compression."""
    return gzip.compress(data, compresslevel=9, mtime=0)

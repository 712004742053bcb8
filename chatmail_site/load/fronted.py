"""The relay a site fronts (`fronts:` in site.yaml): its chatmail.ini or servers.yaml entry,
the operator's own texts, and the addresses its pages and its own nginx take.

Its pages live in every language at <lang>/relay (home), <lang>/relay/info and
<lang>/relay/privacy; the relay software's own pages and paths must keep working beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from chatmail_site.core import qr
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import SiteConfig
from chatmail_site.load.content import display_path
from chatmail_site.load.relay_own import OWN_FOLDER, OwnText, load_own_texts
from chatmail_site.load.relayini import RelayIni, line_of_key, load_relay_ini
from chatmail_site.load.servers import Relay

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


def relay_path_of(url: str) -> str | None:
    """The relay path that answers a site address (`/new/x` → `/new`), or None when free.

    The relay's nginx matches these as prefixes, so `/newsletter/` belongs to `/new` too.
    """
    return next((path for path in RELAY_PATHS if url.startswith(path)), None)


def old_qr_image(domain: str) -> str:
    """Where the relay software published the QR invite code of its relay."""
    return f"qr-chatmail-invite-{domain}.png"

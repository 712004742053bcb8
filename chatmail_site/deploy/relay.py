"""Deploying a site that fronts a relay: the nginx configs and README written beside the web
root (build.deploy/ for build/), worked out from the build's outputs and the relay's chatmail.ini.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from chatmail_site.core.errors import Diagnostics, SiteError
from chatmail_site.core.urls import NOT_FOUND_SLUG, not_found_output, page_of_output
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
from chatmail_site.load.content import load_content
from chatmail_site.load.fronted import FrontedRelay, load_fronted_relay
from chatmail_site.load.i18n import build_date
from chatmail_site.load.relayini import RelayIni
from chatmail_site.load.servers import load_relays
from chatmail_site.load.site import Site
from chatmail_site.plan.aliases import nginx_redirects, page_aliases


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


def deploy_output(
    site: Site, files: Iterable[str], diagnostics: Diagnostics, aliases: Mapping[str, str]
) -> dict[str, bytes]:
    """The files for the folder beside the web root: nothing for a site that fronts no relay.

    `aliases` maps each old address the pages name to the path of its page.
    """
    if site.fronted is None:
        return {}
    return deploy_files(site.config, site.fronted, files, diagnostics, aliases)


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

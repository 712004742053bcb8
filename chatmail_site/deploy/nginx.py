"""The nginx configs that serve a built site, derived from the build plan.

Two files come out for a site that fronts a relay, both beside the web root, never inside it:

- the standalone config, a whole `server {}` for a web server of the site's own: language
  negotiation for `/`, each language's 404 page, security headers, caching and gzip_static;
- the relay's location blocks: the same per-language 404 pages, headers and caching, as
  `location` blocks only, to go inside the `server {}` that the relay software writes. They
  claim no port and none of the relay's own paths, so they never conflict with its nginx.

Everything here is pure: a DeployPlan of plain data goes in, text comes out. The configs know
which languages have which pages, so adding a language to the site needs no hand edits.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chatmail_site.core.domainname import InvalidDomain, normalize_domain, normalize_relay_host

DEFAULT_NEWEMAIL_SOCKET = "/run/fcgiwrap.socket"
DEFAULT_NEWEMAIL_SCRIPT = "/usr/lib/cgi-bin/newemail.py"
DEFAULT_FASTCGI_PARAMS = "/etc/nginx/fastcgi_params"
DEFAULT_ASSET_PREFIX = "/assets/"
AUTOCONFIG_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"
MTA_STS_PATH = "/.well-known/mta-sts.txt"
# The deploy files go to a folder beside the web root: build/ → build.deploy/.
DEPLOY_SUFFIX = ".deploy"
NGINX_FOLDER = "nginx"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=63072000"
TLS12_CIPHERS = ":".join(
    f"ECDHE-{key}-{cipher}"
    for cipher in ("AES128-GCM-SHA256", "AES256-GCM-SHA384", "CHACHA20-POLY1305")
    for key in ("ECDSA", "RSA")
)
HTML_CACHE_CONTROL = "no-cache"
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Assets under a stable name (a logo that Markdown links to) may change with the next deploy.
STABLE_ASSET_CACHE_CONTROL = "public, max-age=3600"
# A fingerprinted name carries the first 10 hex digits of its content's SHA-256 (the theme
# writes `style.<hash>.css`), so its content never changes and caching it for a year is safe.
FINGERPRINTED_ASSET = r"\.[0-9a-f]{10}\.(?:css|js)$"

_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_ASSET_PREFIX = re.compile(r"^/[A-Za-z0-9._-]+/$")
# Characters that may appear unquoted in a server path inside the config; anything else
# (spaces, quotes, `;`, `{`, `$`) could end a directive or expand a variable.
_SERVER_PATH = re.compile(r"^/[A-Za-z0-9._/@+=,:~-]*$")
_INVITE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!&()*+,=%-]+$")


class DeployPlanError(ValueError):
    """A deploy setting that must not reach the config; `field` names the offending setting."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class DeployPlan:
    """What the nginx config needs to know about one relay's built site.

    Empty strings and zero mean "use the default"; __post_init__ fills them in, lists every
    language in `pages`, and refuses any value that could not safely appear in the config.
    """

    domain: str
    languages: tuple[str, ...]
    default_language: str
    pages: Mapping[str, frozenset[str]]
    invite_uri: str = ""  # default: DCACCOUNT:https://<domain>/new
    web_root: str = ""  # default: /var/www/<domain>
    tls: bool = True
    tls_certificate: str = ""  # default: /etc/letsencrypt/live/<domain>/fullchain.pem
    tls_certificate_key: str = ""  # default: /etc/letsencrypt/live/<domain>/privkey.pem
    newemail_socket: str = DEFAULT_NEWEMAIL_SOCKET
    newemail_script: str = DEFAULT_NEWEMAIL_SCRIPT
    fastcgi_params: str = DEFAULT_FASTCGI_PARAMS
    listen_address: str = ""  # default: every IPv4 and IPv6 address
    listen_port: int = 0  # default: 443 with TLS, 80 without
    server_name: tuple[str, ...] = ()  # default: the domain (and mta-sts.<domain> with mta_sts)
    autoconfig: bool = False
    mta_sts: bool = False
    asset_prefix: str = DEFAULT_ASSET_PREFIX
    access_log: str = ""  # default: nginx's own
    error_log: str = ""  # default: nginx's own
    # Old address → the page that replaced it, both paths from the site root (`aliases:`).
    aliases: Mapping[str, str] = field(default_factory=dict)
    # A relay without a domain name answers GET /new with a fresh account as JSON, which
    # the home page's script turns into a dclogin: link; there is no invite to redirect to.
    dclogin: bool = False

    def __post_init__(self) -> None:
        domain = _checked_relay_host(self.domain)
        fill = {
            "domain": domain,
            "languages": tuple(self.languages),
            "invite_uri": self.invite_uri or f"DCACCOUNT:https://{domain}/new",
            "web_root": self.web_root or f"/var/www/{domain}",
            "tls_certificate": self.tls_certificate or f"/etc/letsencrypt/live/{domain}/fullchain.pem",
            "tls_certificate_key": self.tls_certificate_key or f"/etc/letsencrypt/live/{domain}/privkey.pem",
            "listen_port": self.listen_port or (443 if self.tls else 80),
            "server_name": tuple(_checked_domain("server_name", name) for name in self.server_name)
            or ((domain, f"mta-sts.{domain}") if self.mta_sts else (domain,)),
            "pages": _checked_pages(self.languages, self.default_language, self.pages),
        }
        for name, value in fill.items():
            object.__setattr__(self, name, value)
        for name in ("web_root", "tls_certificate", "tls_certificate_key", "newemail_socket"):
            _check_server_path(name, getattr(self, name))
        for name in ("newemail_script", "fastcgi_params", "access_log", "error_log"):
            if getattr(self, name):
                _check_server_path(name, getattr(self, name))
        for alias, target in self.aliases.items():
            _check_server_path("aliases", alias)
            _check_server_path("aliases", target)
        _check_listen(self.listen_address, self.listen_port)
        if not _INVITE_URI.match(self.invite_uri):
            raise DeployPlanError("invite_uri", f"`{self.invite_uri}` is not a plain URI")
        if not _ASSET_PREFIX.match(self.asset_prefix):
            raise DeployPlanError("asset_prefix", f"`{self.asset_prefix}` must look like `/assets/`")

    def has_page(self, language: str, slug: str) -> bool:
        """True when the built site holds `<language>/<slug>.html`."""
        return slug in self.pages.get(language, frozenset())


def _checked_domain(field_name: str, value: str) -> str:
    try:
        return normalize_domain(value)
    except InvalidDomain as problem:
        raise DeployPlanError(field_name, str(problem)) from None


def _checked_relay_host(value: str) -> str:
    try:
        return normalize_relay_host(value)
    except InvalidDomain as problem:
        raise DeployPlanError("domain", str(problem)) from None


def _check_server_path(field_name: str, value: str) -> None:
    if not _SERVER_PATH.match(value) or "/../" in f"{value}/":
        raise DeployPlanError(
            field_name,
            f"`{value}` must be an absolute path of letters, digits and `._/@+=,:~-` without `..`",
        )


def _check_listen(address: str, port: int) -> None:
    if not 0 < port < 65536:
        raise DeployPlanError("listen_port", f"{port} is not a TCP port")
    if address:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise DeployPlanError("listen_address", f"`{address}` is not an IP address") from None


def _checked_pages(
    languages: tuple[str, ...], default_language: str, pages: Mapping[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    if not languages:
        raise DeployPlanError("languages", "the site needs at least one language")
    if len(set(languages)) != len(languages):
        raise DeployPlanError("languages", f"{list(languages)} lists a language twice")
    for language in languages:
        if not _LANGUAGE_CODE.match(language):
            raise DeployPlanError("languages", f"`{language}` is not a language code like `de` or `pt-BR`")
    if default_language not in languages:
        raise DeployPlanError("default_language", f"`{default_language}` is not one of {list(languages)}")
    strays = sorted(set(pages) - set(languages))
    if strays:
        raise DeployPlanError("pages", f"pages for languages the site does not have: {strays}")
    if "index" not in pages.get(default_language, frozenset()):
        raise DeployPlanError("pages", f"the default language `{default_language}` has no index page")
    return {language: frozenset(pages.get(language, ())) for language in languages}


def config_file_name(plan: DeployPlan) -> str:
    """The name of the emitted config file, also used by the deploy README."""
    return f"{plan.domain}.conf"


# --- config text -----------------------------------------------------------------------------


def _block(head: str, body: Iterable[str]) -> list[str]:
    return [f"{head} {{", *(f"    {line}" if line else "" for line in body), "}"]


def _headers(plan: DeployPlan, cache_control: str, *extra: tuple[str, str]) -> list[str]:
    """Every header a response carries, for one block.

    nginx drops all inherited add_header lines in a block that has its own, so each block
    that adds a header repeats the whole set; `always` keeps them on error responses too.
    """
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if plan.tls:
        headers.append(("Strict-Transport-Security", HSTS))
    headers.append(("Cache-Control", cache_control))
    headers.extend(extra)
    return [f'add_header {name} "{value}" always;' for name, value in headers]


def _variable_stem(plan: DeployPlan) -> str:
    # Map variables live in the shared http context, so each site gets its own names.
    return "chatmail_" + re.sub(r"[^a-z0-9]", "_", plan.domain)


def _language_pattern(language: str) -> str:
    """A regex fragment matching a site language as a browser writes it (`pt_BR` ~ `pt-br`)."""
    return "[-_]".join(re.escape(part) for part in re.split(r"[-_]", language))


def _primary(language: str) -> str:
    return re.split(r"[-_]", language, maxsplit=1)[0]


def _negotiation_maps(plan: DeployPlan) -> list[str]:
    """Maps picking the reader's language for `/` from Accept-Language.

    Browsers list their languages in descending order of preference, so the first listed
    language range whose primary language has a home page here (or `*`) is the one to serve;
    a range refused with `q=0` is skipped. One regex finds it, and a second map turns it into
    a language folder.
    """
    stem = _variable_stem(plan)
    primaries = sorted({_primary(language) for language in _home_languages(plan)})
    alternatives = "|".join([*(re.escape(primary) for primary in primaries), r"\*"])
    # Skip whole entries lazily, then match one entry: its range, then any q-value but 0.
    entry = rf"^(?:[^,]*,)*?\s*((?:{alternatives})(?:[-_][^,;\s]*)?)\s*"
    quality = r"(?:;\s*q\s*=\s*(?:1(?:\.0{0,3})?|0?\.[0-9]{0,2}[1-9][0-9]*)\s*)?(?:,|$)"
    preference = _block(
        f"map $http_accept_language ${stem}_accept", ['default "";', f'"~*{entry}{quality}" $1;']
    )
    folder = _block(
        f"map ${stem}_accept ${stem}_language",
        [f"default {plan.default_language};", *_folder_entries(plan)],
    )
    return [*preference, "", *folder]


def _home_languages(plan: DeployPlan) -> list[str]:
    return [language for language in plan.languages if plan.has_page(language, "index")]


def _folder_entries(plan: DeployPlan) -> list[str]:
    """Map a matched range (`DE-at`, `pt-PT`) to a folder, most specific folder first.

    A range finds the folder it names or one more general (`de-AT` finds `de`); failing
    that, a folder of the same primary language (`pt-PT` finds `pt-BR`). `*` and anything
    else find the default language.
    """
    homes = _home_languages(plan)
    entries = [
        f'"~*^{_language_pattern(language)}(?:[-_]|$)" {language};'
        for language in sorted(homes, key=lambda language: (-len(language), language))
    ]
    covered = set(homes)
    for language in homes:
        primary = _primary(language)
        if primary not in covered:
            covered.add(primary)
            entries.append(f'"~*^{re.escape(primary)}(?:[-_]|$)" {language};')
    return entries


def _listen_lines(plan: DeployPlan) -> list[str]:
    suffix = " ssl" if plan.tls else ""
    if not plan.listen_address:
        return [f"listen {plan.listen_port}{suffix};", f"listen [::]:{plan.listen_port}{suffix};"]
    address = ipaddress.ip_address(plan.listen_address)
    host = f"[{address}]" if address.version == 6 else str(address)
    return [f"listen {host}:{plan.listen_port}{suffix};"]


def _tls_lines(plan: DeployPlan) -> list[str]:
    if not plan.tls:
        return []
    return [
        f"ssl_certificate {plan.tls_certificate};",
        f"ssl_certificate_key {plan.tls_certificate_key};",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        # TLS 1.2 limited to forward-secret AEAD suites; TLS 1.3 suites are all strong.
        f"ssl_ciphers {TLS12_CIPHERS};",
    ]


def _log_lines(plan: DeployPlan) -> list[str]:
    lines = []
    if plan.access_log:
        lines.append(f"access_log {plan.access_log};")
    if plan.error_log:
        lines.append(f"error_log {plan.error_log};")
    return lines


def _not_found_page(plan: DeployPlan, language: str) -> list[str]:
    if plan.has_page(language, "404"):
        return [f"error_page 404 /{language}/404.html;"]
    return []


# Folder URLs: /de/chatmail/ is de/chatmail/index.html, by nginx's index module. Nothing is
# rewritten, so the same output works on any static host.
_TRY_PAGE = "try_files $uri $uri/ =404;"
# What every block serving the site's files sets for itself, so that the blocks work alone,
# inside a server block that sets none of it (the relay's).
# A relative Location keeps redirects (such as /de/chatmail → /de/chatmail/) on the address
# the reader used: behind the relay's port-443 stream proxy, nginx would otherwise name the
# inner port it listens on.
_SELF_CONTAINED = ["absolute_redirect off;", "gzip_static on;", "gzip_vary on;"]


def _language_locations(plan: DeployPlan) -> list[str]:
    lines: list[str] = []
    for language in plan.languages:
        lines += _block(
            f"location /{language}/",
            [
                *_SELF_CONTAINED,
                *_headers(plan, HTML_CACHE_CONTROL),
                *_not_found_page(plan, language),
                _TRY_PAGE,
            ],
        )
        # Without the slash, relative links in the home page would resolve one level too high.
        lines += _block(f"location = /{language}", ["absolute_redirect off;", f"return 301 /{language}/;"])
    return lines


def _alias_locations(plan: DeployPlan) -> list[str]:
    """Each old address a page names in `aliases:` answers with a permanent redirect to it."""
    lines: list[str] = []
    for alias, target in sorted(plan.aliases.items()):
        lines += _block(f"location = {alias}", ["absolute_redirect off;", f"return 301 {target};"])
    return lines


def _root_location(plan: DeployPlan) -> list[str]:
    # A redirect rather than an internal rewrite: the address bar then names the language,
    # so links, bookmarks and the language switcher work, and caches keep one copy per URL.
    # 302 because the answer depends on the request's header and may change.
    return _block(
        "location = /",
        [
            *_headers(plan, HTML_CACHE_CONTROL, ("Vary", "Accept-Language")),
            f"return 302 /${_variable_stem(plan)}_language/;",
        ],
    )


def _newemail_location(plan: DeployPlan) -> list[str]:
    # Delta Chat opens the invite URI on GET and then creates the account with a POST; a
    # relay without a domain name hands its account to the home page's script on GET instead.
    methods = (
        [*_block('if ($request_method !~ "^(?:GET|POST)$")', ["return 405;"])]
        if plan.dclogin
        else [
            *_block('if ($request_method ~ "^(?:GET|HEAD)$")', [f'return 302 "{plan.invite_uri}";']),
            *_block("if ($request_method != POST)", ["return 405;"]),
        ]
    )
    return _block(
        "location = /new",
        [
            *methods,
            f"fastcgi_pass unix:{plan.newemail_socket};",
            f"include {plan.fastcgi_params};",
            f"fastcgi_param SCRIPT_FILENAME {plan.newemail_script};",
        ],
    )


def _newemail_note(plan: DeployPlan) -> str:
    socket = f"the account-creation FastCGI socket `{plan.newemail_socket}`"
    if plan.dclogin:
        return f"- `/new` passes GET and POST to {socket}; the home page's script asks it for an account."
    return f"- `/new` sends Delta Chat to `{plan.invite_uri}` on GET and passes POST to\n  {socket}."


def _well_known_locations(plan: DeployPlan) -> list[str]:
    lines: list[str] = []
    if plan.autoconfig:
        lines += _block(f"location = {AUTOCONFIG_PATH}", ["default_type text/xml;", "try_files $uri =404;"])
    if plan.mta_sts:
        lines += _block(f"location = {MTA_STS_PATH}", ["default_type text/plain;", "try_files $uri =404;"])
    return lines


def _asset_locations(plan: DeployPlan) -> list[str]:
    fingerprinted = _block(
        f'location ~ "{FINGERPRINTED_ASSET}"', [*_headers(plan, ASSET_CACHE_CONTROL), "try_files $uri =404;"]
    )
    return _block(
        f"location {plan.asset_prefix}",
        [
            *_SELF_CONTAINED,
            *_headers(plan, STABLE_ASSET_CACHE_CONTROL),
            *_not_found_page(plan, plan.default_language),
            "try_files $uri =404;",
            *fingerprinted,
        ],
    )


def _refused_locations() -> list[str]:
    # 404 rather than 403, so the answer does not reveal whether such a file exists.
    return _block(r'location ~ "^/(?:.*/)?\."', ["return 404;"])


def site_locations(plan: DeployPlan) -> list[str]:
    """The location blocks of the site's own paths: its languages, assets and aliases.

    They claim no port and none of a relay's paths, so they fit inside any server block:
    the standalone config's, or the relay's own.
    """
    return [*_asset_locations(plan), *_language_locations(plan), *_alias_locations(plan)]


def _server_block(plan: DeployPlan) -> list[str]:
    return _block(
        "server",
        [
            *_listen_lines(plan),
            f"server_name {' '.join(plan.server_name)};",
            *_tls_lines(plan),
            *_log_lines(plan),
            f"root {plan.web_root};",
            "server_tokens off;",
            "charset utf-8;",
            *_SELF_CONTAINED,
            # try_files looks up several paths per request; caching the lookups keeps that
            # cheap, and the short validity makes a fresh deploy visible within seconds.
            "open_file_cache max=1000 inactive=20s;",
            "open_file_cache_valid 10s;",
            *_headers(plan, HTML_CACHE_CONTROL),
            *_not_found_page(plan, plan.default_language),
            "",
            *_root_location(plan),
            *_newemail_location(plan),
            *site_locations(plan),
            *_well_known_locations(plan),
            *_refused_locations(),
            *_block("location /", [_TRY_PAGE]),
        ],
    )


_PREAMBLE = """\
# nginx config for {domain}, generated by chatmail-site; rebuild the site to change it.
# For a web server of the site's own: include it inside the http {{}} block of nginx.conf,
# or drop it into sites-enabled/. On a relay deployed by its own software, use
# {locations} instead.
#
# `/` redirects to the reader's language: the first language listed in Accept-Language that
# has a home page here ({candidates}), skipping any refused with q=0, else `{default}`.
# Browsers list their languages best first, so their q-values need not be compared.
"""

_LOCATIONS_PREAMBLE = """\
# nginx location blocks for {domain}, generated by chatmail-site; rebuild the site to change them.
# They go inside the relay's `server {{}}` block (the one with `root` at this web root):
#     include /etc/nginx/chatmail-site/{locations};
# They add each language's 404 page, security headers, caching and gzip_static, and claim no
# port and none of the relay's own paths (/, /new, /cgi-bin/, /mxdeliv, /relay, /ping,
# /generate_204, /.well-known/).
"""


def locations_file_name(plan: DeployPlan) -> str:
    """The name of the location blocks made for the relay's own server block."""
    return f"{plan.domain}.locations.conf"


def nginx_config(plan: DeployPlan) -> str:
    """The standalone nginx config (maps and server block, for the http context)."""
    preamble = _PREAMBLE.format(
        domain=plan.domain,
        locations=locations_file_name(plan),
        candidates=", ".join(_home_languages(plan)),
        default=plan.default_language,
    )
    lines = [*_negotiation_maps(plan), "", *_server_block(plan)]
    return preamble + "\n" + "\n".join(lines) + "\n"


def relay_locations(plan: DeployPlan) -> str:
    """The site's location blocks alone, for the `server {}` block of the relay's nginx."""
    preamble = _LOCATIONS_PREAMBLE.format(domain=plan.domain, locations=locations_file_name(plan))
    return preamble + "\n" + "\n".join(site_locations(plan)) + "\n"


def deploy_readme(plan: DeployPlan) -> str:
    """The README placed beside the emitted configs: how to put this build on the relay."""
    web_root = "build"  # the default output folder; this folder is named after it
    conf = config_file_name(plan)
    locations = locations_file_name(plan)
    scheme = "https" if plan.tls else "http"
    return f"""\
# Deploying {plan.domain}

The web root is `{web_root}/`; this folder beside it holds server configuration only and is
never published. Everything here is generated from the site's languages and pages: rebuild
instead of editing it.

## On the relay, deployed by its own software

Point `www_folder` in the relay's chatmail.ini at the web root and run `cmdeploy run`:

    www_folder = /path/to/site/{web_root}

The relay's nginx then serves the pages, beside its own paths (`/new`, `/mxdeliv`, …). Its
nginx.conf is written anew on every deploy and includes nothing of this folder, so without
further steps:

- `/` shows the language list and sends the browser on to its language by script (readers
  without script choose from the list);
- a missing page gets nginx's plain 404 page instead of one in the reader's language;
- the relay's own headers apply: no Content-Security-Policy, no long caching of the
  fingerprinted theme files, and text is compressed on the fly instead of from the `.gz` files;
- an address without its trailing slash (`/de/chatmail`) is redirected to the relay's inner
  port, which readers cannot reach; every link the site makes ends in `/`.

Where you maintain the relay's nginx.conf yourself, include `nginx/{locations}` inside its
`server {{}}` block (the one with `root /var/www/html`) to add the 404 pages, headers, caching,
gzip_static and relative redirects. It claims no port and none of the relay's paths.

## On a web server of its own

`nginx/{conf}` is a whole server for `{scheme}://{plan.domain}/`:

1. Copy the web root: `rsync -a --delete {web_root}/ {plan.domain}:{plan.web_root}/`
2. Include `nginx/{conf}` inside the `http {{}}` block of nginx.conf, or place it in
   `/etc/nginx/sites-enabled/`.
3. Check and reload: `nginx -t && systemctl reload nginx`.

It serves:

- `/` redirects to the reader's language ({", ".join(_home_languages(plan))}; otherwise
  `{plan.default_language}`): the first one the browser lists in Accept-Language.
- `/<language>/<page>/` serves `<language>/<page>/index.html`; a missing page answers 404
  with that language's own 404 page.
{_newemail_note(plan)}
- Fingerprinted files in `{plan.asset_prefix}` (`name.<10 hex digits>.css` or `.js`) are cached
  for a year, other files there for an hour; pages are revalidated on every visit.
- Old addresses named in the pages' `aliases:` redirect permanently to their pages.
- Dotfiles are refused.
"""

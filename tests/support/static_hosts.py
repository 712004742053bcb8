"""Real nginx servers as a built site meets them outside its own config, and a crawler.

- `relay_server`: the web server of a chatmail relay deployed by its own software, rebuilt
  from the facts of the relay's nginx.conf: TLS on a loopback port, `root` at the web root,
  `index index.html index.htm`, `try_files $uri $uri/ =404`, no error_page and no rewrites,
  and the relay's own locations. Account creation and the proxied services stand in as fixed
  answers, since only their addresses matter here. `include` adds a file of location blocks
  to the server block, as an operator would.
- `plain_server`: a default-config nginx, a folder mapped to its index.html and nothing more.

`crawl` follows every internal link from `/` and reports each address that does not answer
200 directly.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from chatmail_site.commands.check import css_urls, is_external, parse_document
from tests.support.nginx import (
    RunningNginx,
    free_port,
    main_config_text,
    running_config,
    self_signed_certificate,
)

# The relay's own answers, stand-ins for fcgiwrap's newemail.py and the proxied services.
NEWEMAIL_ANSWER = "newemail.py answered"
RELAY_ENDPOINTS = {"/mxdeliv": 200, "/relay": 200, "/ping": 200, "/generate_204": 204}


def _newemail_location(path: str, domain: str) -> str:
    return f"""\
        location {path} {{
            if ($request_method = GET) {{
                return 301 dcaccount:https://{domain}/new;
            }}
            return 200 "{NEWEMAIL_ANSWER}\\n";
        }}"""


def relay_server_block(domain: str, web_root: Path, port: int, include: Path | None = None) -> str:
    """The relay's `server {}` for its web pages, with `include` inside it when given."""
    proxies = "\n".join(
        f'        location {path} {{\n            return {status} "{path.lstrip("/")}\\n";\n        }}'
        for path, status in RELAY_ENDPOINTS.items()
    )
    included = f"        include {include};" if include else ""
    return f"""\
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        root {web_root};
        index index.html index.htm;
        server_name {domain} mta-sts.{domain};
        location / {{
            try_files $uri $uri/ =404;
        }}
{_newemail_location("/new", domain)}
{_newemail_location("/cgi-bin/newemail.py", domain)}
{proxies}
{included}
    }}"""


@contextlib.contextmanager
def relay_server(
    web_root: Path, domain: str, runtime_dir: Path, include: Path | None = None
) -> Iterator[RunningNginx]:
    """The relay's web server on a loopback port with TLS, serving `web_root`."""
    runtime_dir.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed_certificate(runtime_dir / "tls", domain)
    port = free_port()
    http_lines = [
        "server_tokens off;",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        f"ssl_certificate {certificate};",
        f"ssl_certificate_key {key};",
        "gzip on;",
    ]
    main_config = runtime_dir / "nginx.conf"
    server = relay_server_block(domain, web_root, port, include)
    http_body = "\n".join(f"    {line}" for line in http_lines) + "\n" + server
    main_config.write_text(main_config_text(runtime_dir, http_body), encoding="utf-8")
    with running_config(main_config, port, tls=True) as running:
        yield running


@contextlib.contextmanager
def plain_server(web_root: Path, runtime_dir: Path) -> Iterator[RunningNginx]:
    """A default-config nginx serving `web_root`: a folder is its index.html, nothing else."""
    runtime_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = f"""\
    server {{
        listen 127.0.0.1:{port} default_server;
        root {web_root};
        index index.html index.htm;
        location / {{
            try_files $uri $uri/ =404;
        }}
    }}"""
    main_config = runtime_dir / "nginx.conf"
    main_config.write_text(main_config_text(runtime_dir, server), encoding="utf-8")
    with running_config(main_config, port) as running:
        yield running


@dataclass
class Crawl:
    """Every internal address reached from `/`, with the status it answered."""

    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def broken(self) -> dict[str, int]:
        return {path: status for path, status in self.statuses.items() if status != 200}


def crawl(server: RunningNginx, start: str = "/") -> Crawl:
    """Follow every link, stylesheet, script and image of every page, breadth first.

    A redirect counts as broken: the site's own links must reach their target directly.
    """
    result = Crawl()
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in result.statuses:
            continue
        response, body = server.request("GET", path)
        result.statuses[path] = response.status
        if response.status != 200:
            continue
        content_type = response.getheader("Content-Type", "")
        if content_type.startswith("text/html"):
            links = parse_document(body).links
        elif content_type.startswith("text/css"):
            links = css_urls(body)
        else:
            continue
        queue += [target for link in links if (target := _internal_target(path, link)) is not None]
    return result


def _internal_target(page: str, link: str) -> str | None:
    """The path a link from `page` leads to, without query and fragment; None if it leaves."""
    if not link or is_external(link) or link.startswith("data:"):
        return None
    target = urlsplit(link).path
    if not target:
        return None
    if not target.startswith("/"):
        folder = page if page.endswith("/") else posixpath.dirname(page).rstrip("/") + "/"
        joined = posixpath.normpath(folder + target)
        target = joined + "/" if target.endswith("/") and joined != "/" else joined
    return target

"""The built web root on servers that rewrite nothing: a relay's own nginx and a default nginx.

A relay deployed by its own software serves the folder named by `www_folder` with its own
nginx.conf (rebuilt here from its facts); a plain host maps a folder to its index.html. On
both, every address reachable from `/` must answer directly, and the relay's own paths must
still answer as the relay software defines them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.deploy.nginx import CONTENT_SECURITY_POLICY
from tests.support.nginx import RunningNginx
from tests.support.qr import decode_png
from tests.support.reader_site import ReaderSite, build_once, build_relay_front_site
from tests.support.sites import copy_bundled_site, parse_html
from tests.support.static_hosts import NEWEMAIL_ANSWER, RELAY_ENDPOINTS, crawl, plain_server, relay_server

pytestmark = pytest.mark.nginx

DOMAIN = "chat.example.org"  # the relay of examples/relay-site
RELAY_INVITE_REDIRECT = f"dcaccount:https://{DOMAIN}/new"
# Fewer addresses than this would mean the crawl stopped early, not that the site is whole.
LANGUAGES = ("en", "de", "fr")  # of examples/relay-site
MINIMUM_ADDRESSES = {"bundled": 60, "relay-site": 19}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReaderSite]:
    root = tmp_path_factory.mktemp("static-hosts")
    bundled = build_once(copy_bundled_site(root / "bundled"), root / "bundled-out" / "build")
    return {"bundled": bundled, "relay-site": build_relay_front_site(root / "relay-site")}


@pytest.fixture(scope="module")
def relay_site_on_relay(sites, tmp_path_factory) -> RunningNginx:
    with relay_server(sites["relay-site"].out_dir, DOMAIN, tmp_path_factory.mktemp("relay")) as server:
        yield server


@pytest.mark.parametrize("name", ["bundled", "relay-site"])
def test_every_address_from_the_root_answers_on_the_relays_web_server(sites, name, tmp_path):
    with relay_server(sites[name].out_dir, DOMAIN, tmp_path) as server:
        result = crawl(server)
    assert result.broken == {}
    assert len(result.statuses) >= MINIMUM_ADDRESSES[name]


@pytest.mark.parametrize("name", ["bundled", "relay-site"])
def test_every_address_from_the_root_answers_on_a_plain_static_server(sites, name, tmp_path):
    with plain_server(sites[name].out_dir, tmp_path) as server:
        result = crawl(server)
    assert result.broken == {}
    assert len(result.statuses) >= MINIMUM_ADDRESSES[name]


def test_an_address_without_its_slash_ends_on_the_page(sites, tmp_path):
    web_root = sites["relay-site"].out_dir
    with plain_server(web_root, tmp_path) as server:
        response, _ = server.request("GET", "/de/relay/info")
        assert response.status == 301
        location = response.getheader("Location")
        assert location.endswith("/de/relay/info/")
        followed, body = server.request("GET", location[location.index("/de/") :])
    assert (followed.status, body) == (200, (web_root / "de" / "relay" / "info" / "index.html").read_bytes())


@pytest.mark.parametrize("path", ["/new", "/cgi-bin/newemail.py"])
def test_account_creation_still_answers_as_the_relay_defines_it(relay_site_on_relay: RunningNginx, path):
    response, _ = relay_site_on_relay.request("GET", path)
    assert (response.status, response.getheader("Location")) == (301, RELAY_INVITE_REDIRECT)
    response, body = relay_site_on_relay.request("POST", path, body=b"")
    assert (response.status, body.decode().strip()) == (200, NEWEMAIL_ANSWER)


@pytest.mark.parametrize(("path", "status"), RELAY_ENDPOINTS.items())
def test_the_relays_services_keep_their_paths(relay_site_on_relay: RunningNginx, path, status):
    response, body = relay_site_on_relay.request("GET", path)
    assert (response.status, body.decode().strip()) == (status, path.lstrip("/") if status == 200 else "")


def test_the_relay_location_blocks_fit_inside_the_relays_server_block(sites, tmp_path):
    web_root = sites["relay-site"].out_dir
    locations = web_root.with_name(web_root.name + ".deploy") / "nginx" / f"{DOMAIN}.locations.conf"
    with relay_server(web_root, DOMAIN, tmp_path, include=locations) as server:  # `nginx -t` first
        assert crawl(server).broken == {}
        response, _ = server.request("GET", "/new")
        assert (response.status, response.getheader("Location")) == (301, RELAY_INVITE_REDIRECT)
        page, _ = server.request("GET", "/de/relay/")
        assert page.getheader("Content-Security-Policy") == CONTENT_SECURITY_POLICY
        missing, body = server.request("GET", "/de/no-such-page/")
        assert (missing.status, body) == (404, (web_root / "de" / "404.html").read_bytes())
        # The redirect stays on the address the reader used, not the relay's inner port.
        slashless, _ = server.request("GET", "/de/relay/info")
        assert (slashless.status, slashless.getheader("Location")) == (301, "/de/relay/info/")


def test_the_web_root_holds_nothing_but_what_is_published(sites):
    web_root: Path = sites["relay-site"].out_dir
    deploy = web_root.with_name(web_root.name + ".deploy")
    assert (deploy / "nginx" / f"{DOMAIN}.conf").is_file()
    assert not any("nginx" in path.parts or path.suffix == ".conf" for path in web_root.rglob("*"))


@pytest.mark.parametrize(
    ("old", "new"),
    [("/index.html", "/en/"), ("/info.html", "/en/relay/info/"), ("/privacy.html", "/en/relay/privacy/")],
)
def test_the_relay_softwares_old_page_addresses_lead_to_the_new_pages(relay_site_on_relay, old, new):
    response, body = relay_site_on_relay.request("GET", old)
    assert response.status == 200
    choices = [link.attrs["href"] for link in parse_html(body).find_all("a") if "data-language" in link.attrs]
    assert choices == [lang + new.removeprefix("/en") for lang in LANGUAGES]
    reached = crawl(relay_site_on_relay, old)
    assert reached.broken == {} and new in reached.statuses


def test_the_relay_softwares_old_qr_image_still_holds_the_invite(relay_site_on_relay):
    response, body = relay_site_on_relay.request("GET", f"/qr-chatmail-invite-{DOMAIN}.png")
    assert (response.status, response.getheader("Content-Type")) == (200, "image/png")
    assert decode_png(body) == f"DCACCOUNT:https://{DOMAIN}/new"

"""`aliases:` in a page's front matter: old addresses that keep leading to the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.deploy.relay import deploy_plan_for_output
from tests.support.nginx import free_port, running_nginx
from tests.support.reader_site import RELAY_FRONT_SITE
from tests.support.sites import page, parse_html, write_site
from tests.support.static_hosts import crawl, plain_server, relay_server
from tests.support.vnu import check_html

DOMAIN = "chat.example.org"


def aliased(lang: str, title: str, *aliases: str) -> str:
    """A page that names its old addresses, one per line of a YAML list."""
    listed = "".join(f"  - {alias}\n" for alias in aliases)
    return page(title, lang).replace(f"lang: {lang}\n", f"lang: {lang}\naliases:\n{listed}", 1)


def messages(result) -> list[str]:
    return sorted(diagnostic.format().splitlines()[0] for diagnostic in result.diagnostics.errors)


def test_each_alias_gets_a_redirect_page_to_its_page(tmp_path: Path):
    site = write_site(
        tmp_path,
        {
            "content/en/join.md": aliased("en", "Join a relay", "/join.html", "/old/join/"),
            "content/de/join.md": aliased("de", "Einem Relay beitreten", "/de/join.html"),
            "content/de/index.md": page("Start", "de"),
        },
    )
    result = build_site(site)
    assert messages(result) == []
    for output, href, title, lang in [
        ("join.html", "en/join/", "Join a relay", "en"),
        ("old/join/index.html", "../../en/join/", "Join a relay", "en"),
        ("de/join.html", "join/", "Einem Relay beitreten", "de"),
    ]:
        html = parse_html(result.files[output])
        assert html.find("html").attrs["lang"] == lang
        assert html.find("meta", name="robots").attrs["content"] == "noindex"
        assert html.find("meta", **{"http-equiv": "refresh"}).attrs["content"] == f"0; url={href}"
        assert html.find_all("link", rel="canonical") == []  # only with base_url: see below
        link = html.find("a")
        assert (link.attrs["href"], link.text) == (href, title)


def test_redirect_pages_are_valid_html(tmp_path: Path):
    site = write_site(
        tmp_path / "site", {"content/en/join.md": aliased("en", "Join & <help>", "/j.html", "/j/")}
    )
    out = tmp_path / "out"
    assert main(["build", "--site", str(site), "--out", str(out)]) == 0
    report = check_html([out / "j.html", out / "j" / "index.html"])
    assert report.all_errors() == [], report.format_errors()


def test_with_a_base_url_the_canonical_link_is_absolute(tmp_path: Path):
    site = write_site(tmp_path, {"content/en/join.md": aliased("en", "Join", "/join.html")})
    result = build_site(site, base_url="https://example.org/site/")
    html = parse_html(result.files["join.html"])
    assert html.find("link", rel="canonical").attrs["href"] == "https://example.org/site/en/join/"


def test_aliases_that_collide_are_errors_at_their_lines(tmp_path: Path):
    site = write_site(
        tmp_path,
        {
            # lines 5 and 6 of each file
            "content/en/join.md": aliased("en", "Join", "/en/", "/shared.html"),
            "content/en/help.md": aliased("en", "Help", "/en/join", "/shared.html"),
        },
    )
    result = build_site(site)
    assert messages(result) == [
        "content/en/help.md:5: error: the alias `/en/join/` is the address of the page en/join/",
        "content/en/join.md:5: error: the alias `/en/` is the address of the page en/",
        "content/en/join.md:6: error: the alias `/shared.html` is also named by content/en/help.md:6",
    ]


def test_an_alias_that_is_no_address_is_an_error_at_its_line(tmp_path: Path):
    site = write_site(tmp_path, {"content/en/join.md": aliased("en", "Join", "/ok.html", "/../etc/passwd")})
    result = build_site(site)
    assert messages(result) == [
        "content/en/join.md:6: error: `/../etc/passwd` cannot be an alias: use letters, digits and "
        "`._~@+=,:-` between single slashes, without `..`"
    ]


@pytest.fixture
def relay_site(tmp_path: Path) -> Path:
    site = Path(shutil.copytree(RELAY_FRONT_SITE, tmp_path / "site", ignore=shutil.ignore_patterns("build*")))
    apps = site / "content" / "en" / "apps.md"
    apps.write_text(
        apps.read_text(encoding="utf-8").replace(
            "lang: en\n", "lang: en\naliases: [/apps.html, /get-apps]\n", 1
        ),
        encoding="utf-8",
    )
    return site


def test_an_alias_under_a_path_of_the_relay_is_an_error(relay_site: Path):
    apps = relay_site / "content" / "en" / "apps.md"
    text = apps.read_text(encoding="utf-8").replace("/get-apps]", "/get-apps, /newsletter.html, /relay/apps]")
    apps.write_text(text, encoding="utf-8")
    result = build_site(relay_site)
    shadowing = "which the relay answers itself"
    assert messages(result) == [
        f"content/en/apps.md:4: error: the alias `/newsletter.html` falls under /new, {shadowing}",
        f"content/en/apps.md:4: error: the alias `/relay/apps/` falls under /relay, {shadowing}",
    ]


def built(site: Path) -> Path:
    out = site.parent / "build"
    assert main(["build", "--site", str(site), "--out", str(out), "--strict"]) == 0
    return out


@pytest.mark.nginx
def test_the_standalone_config_answers_each_alias_with_a_permanent_redirect(relay_site: Path, tmp_path: Path):
    out = built(relay_site)
    plan = deploy_plan_for_output(
        relay_site, out, tls=False, listen_address="127.0.0.1", listen_port=free_port(), web_root=str(out)
    )
    with running_nginx(plan, tmp_path / "nginx") as server:
        for path in ("/apps.html", "/get-apps", "/get-apps/"):
            response, _ = server.request("GET", path)
            assert (response.status, response.getheader("Location")) == (301, "/en/apps/"), path


@pytest.mark.nginx
def test_on_plain_servers_each_alias_leads_to_its_page(relay_site: Path, tmp_path: Path):
    out = built(relay_site)
    locations = out.with_name("build.deploy") / "nginx" / f"{DOMAIN}.locations.conf"
    with (
        plain_server(out, tmp_path / "plain") as plain,
        relay_server(out, DOMAIN, tmp_path / "relay", include=locations) as relay,
    ):
        for start in ("/apps.html", "/get-apps/"):
            reached = crawl(plain, start)
            assert reached.broken == {} and "/en/apps/" in reached.statuses, start
        response, _ = relay.request("GET", "/get-apps")
        assert (response.status, response.getheader("Location")) == (301, "/en/apps/")

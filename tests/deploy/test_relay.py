"""Deploying a site that fronts a relay: the nginx plan worked out from the build's outputs and
the relay's chatmail.ini, and the files written beside the web root."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.core.errors import Diagnostics, SiteError
from chatmail_site.deploy.nginx import nginx_config, relay_locations
from chatmail_site.deploy.relay import (
    SELF_SIGNED_CERTIFICATE,
    deploy_files,
    deploy_plan,
    deploy_plan_for_output,
)
from chatmail_site.load.config import SiteConfig
from chatmail_site.load.fronted import FrontedRelay
from chatmail_site.load.relayini import RelayIni
from tests.support.sites import MINIMAL_CONFIG, write_site

DOMAIN = "chat.example.org"
OUTPUTS = (
    "en/index.html",
    "en/relay/info/index.html",
    "en/404.html",
    "de/index.html",
    "xx/index.html",
    "sitemap.xml",
)


def site_config(root: Path) -> SiteConfig:
    return SiteConfig(root, "T", "en", ("en", "de"))


def fronted_relay(root: Path, domain: str = DOMAIN, **ini: str) -> FrontedRelay:
    relay = RelayIni(path=root / "chatmail.ini", mail_domain=domain, **ini)
    return FrontedRelay(relay, f"DCACCOUNT:https://{domain}/new", root / "site.yaml", 5, True)


def test_the_plan_lists_each_language_s_pages_and_its_404(tmp_path: Path) -> None:
    plan = deploy_plan(site_config(tmp_path), fronted_relay(tmp_path), OUTPUTS, {"/old/": "/en/"})
    assert plan.domain == DOMAIN and plan.languages == ("en", "de") and plan.default_language == "en"
    assert plan.pages == {"en": frozenset({"index", "relay/info", "404"}), "de": frozenset({"index"})}
    assert plan.invite_uri == f"DCACCOUNT:https://{DOMAIN}/new" and not plan.dclogin
    assert plan.aliases == {"/old/": "/en/"}
    assert plan.tls_certificate == f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem"


def test_settings_override_the_production_defaults(tmp_path: Path) -> None:
    plan = deploy_plan(site_config(tmp_path), fronted_relay(tmp_path), OUTPUTS, tls=False, listen_port=8080)
    assert (plan.tls, plan.listen_port) == (False, 8080)


@pytest.mark.parametrize(
    ("domain", "ini", "certificate"),
    [
        ("_test.example.org", {}, SELF_SIGNED_CERTIFICATE),
        ("203.0.113.7", {}, SELF_SIGNED_CERTIFICATE),
        (
            DOMAIN,
            {"tls_external_cert_and_key": "/etc/x/cert.pem /etc/x/key.pem"},
            ("/etc/x/cert.pem", "/etc/x/key.pem"),
        ),
    ],
)
def test_a_relay_without_let_s_encrypt_gets_its_own_certificate(
    tmp_path: Path, domain: str, ini: dict[str, str], certificate: tuple[str, str]
) -> None:
    plan = deploy_plan(site_config(tmp_path), fronted_relay(tmp_path, domain, **ini), OUTPUTS)
    assert (plan.tls_certificate, plan.tls_certificate_key) == certificate
    assert plan.dclogin is (domain != DOMAIN)


def test_the_deploy_files_are_the_plan_s_configs_and_readme(tmp_path: Path) -> None:
    config, fronted = site_config(tmp_path), fronted_relay(tmp_path)
    diagnostics = Diagnostics()
    files = deploy_files(config, fronted, OUTPUTS, diagnostics)
    assert list(diagnostics) == []
    plan = deploy_plan(config, fronted, OUTPUTS)
    assert sorted(files) == ["README.md", f"nginx/{DOMAIN}.conf", f"nginx/{DOMAIN}.locations.conf"]
    assert files[f"nginx/{DOMAIN}.conf"] == nginx_config(plan).encode("utf-8")
    assert files[f"nginx/{DOMAIN}.locations.conf"] == relay_locations(plan).encode("utf-8")


def test_a_plan_that_cannot_be_made_is_an_error_at_fronts(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    fronted = fronted_relay(tmp_path, "chat.example.org;evil")
    assert deploy_files(site_config(tmp_path), fronted, OUTPUTS, diagnostics) == {}
    (error,) = diagnostics.errors
    assert (error.path, error.line) == (str(tmp_path / "site.yaml"), 5)
    assert error.message.startswith("the nginx config cannot be written")


def test_the_plan_of_a_built_folder_is_the_build_s(tmp_path: Path) -> None:
    ini = f"[params]\nmail_domain = {DOMAIN}\n"
    site = write_site(
        tmp_path / "site", {"site.yaml": f"{MINIMAL_CONFIG}fronts: chatmail.ini\n", "chatmail.ini": ini}
    )
    out = tmp_path / "out"
    for name in ("en/index.html", "en/relay/index.html", "en/404.html"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("<p>x</p>", encoding="utf-8")
    plan = deploy_plan_for_output(site, out, tls=False)
    assert plan.domain == DOMAIN and not plan.tls
    assert plan.pages == {"en": frozenset({"index", "relay", "404"})}


def test_a_site_that_fronts_no_relay_has_no_plan(tmp_path: Path) -> None:
    with pytest.raises(SiteError):
        deploy_plan_for_output(write_site(tmp_path, {}), tmp_path / "out")

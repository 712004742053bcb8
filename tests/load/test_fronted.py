"""The relay a site fronts: found by `fronts:` in chatmail.ini or servers.yaml, its invite and
QR code, and the addresses its pages and its own nginx take."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import SiteConfig, load_config
from chatmail_site.load.fronted import (
    FrontedRelay,
    check_front_slugs_are_free,
    load_fronted_relay,
    old_qr_image,
    relay_path_of,
)
from chatmail_site.load.servers import load_relays
from tests.support.sites import MINIMAL_CONFIG, write_site

DOMAIN = "chat.example.org"
CONTACTS = "privacy_mail = privacy@example.org\nprivacy_postal = Street 1, Town\n"


def ini(domain: str = DOMAIN, extra: str = CONTACTS) -> str:
    return f"[params]\nmail_domain = {domain}\n{extra}"


def fronted_of(root: Path, fronts: str, **files: str) -> tuple[FrontedRelay | None, Diagnostics, SiteConfig]:
    """load_fronted_relay of a small site whose site.yaml says `fronts`, as the build calls it."""
    site = write_site(root, {"site.yaml": f"{MINIMAL_CONFIG}fronts: {fronts}\n", **files})
    diagnostics = Diagnostics()
    config = load_config(site, diagnostics)
    assert config is not None, [d.format() for d in diagnostics]
    relays = load_relays(config, diagnostics, today=date(2026, 1, 1))
    return load_fronted_relay(config, relays, diagnostics), diagnostics, config


def test_a_site_that_fronts_no_relay_has_none(tmp_path: Path) -> None:
    config = load_config(write_site(tmp_path, {}), Diagnostics())
    assert config is not None
    diagnostics = Diagnostics()
    assert load_fronted_relay(config, (), diagnostics) is None
    assert list(diagnostics) == []


def test_a_relay_named_by_its_ini_gets_the_account_invite_and_a_qr_code(tmp_path: Path) -> None:
    fronted, diagnostics, config = fronted_of(tmp_path, "chatmail.ini", **{"chatmail.ini": ini()})
    assert list(diagnostics) == []
    assert fronted is not None and fronted.from_ini_file
    assert fronted.domain == DOMAIN and fronted.invite_uri == f"DCACCOUNT:https://{DOMAIN}/new"
    assert (fronted.config_file, fronted.config_line) == (config.config_file, 3)
    assert fronted.qr_svg.startswith("<svg")


def test_a_relay_without_a_domain_name_gets_no_fixed_qr_code(tmp_path: Path) -> None:
    fronted, diagnostics, _ = fronted_of(
        tmp_path, "chatmail.ini", **{"chatmail.ini": ini("_test.example.org")}
    )
    assert list(diagnostics) == []
    assert fronted is not None and fronted.ini.self_signed and fronted.qr_svg == ""


def test_a_relay_of_servers_yaml_takes_its_invite_and_asks_for_contacts(tmp_path: Path) -> None:
    servers = f"- domain: {DOMAIN}\n  since: 2024-01\n"
    fronted, diagnostics, config = fronted_of(tmp_path, DOMAIN, **{"content/servers.yaml": servers})
    assert fronted is not None and not fronted.from_ini_file
    assert fronted.invite_uri.startswith(f"DCACCOUNT:https://{DOMAIN}")
    assert fronted.ini.delete_mails_after == 20  # the relay software's default
    (warning,) = diagnostics.warnings
    assert (warning.path, warning.line) == (str(config.config_file), 3)
    assert "has no operator contacts" in warning.message


def test_missing_contacts_in_the_ini_are_a_warning_at_the_key(tmp_path: Path) -> None:
    extra = "privacy_mail = privacy@example.org\nprivacy_postal =\n"
    fronted, diagnostics, config = fronted_of(tmp_path, "chatmail.ini", **{"chatmail.ini": ini(extra=extra)})
    assert fronted is not None
    (warning,) = diagnostics.warnings
    assert (warning.path, warning.line) == (str(config.root / "chatmail.ini"), 4)
    assert "`privacy_postal`" in warning.message


def test_a_domain_that_is_not_the_ini_s_is_an_error_at_fronts(tmp_path: Path) -> None:
    fronts = "{domain: other.example.org, ini: chatmail.ini}"
    fronted, diagnostics, config = fronted_of(tmp_path, fronts, **{"chatmail.ini": ini()})
    assert fronted is None
    (error,) = diagnostics.errors
    assert (error.path, error.line) == (str(config.config_file), 3)
    assert f"chatmail.ini is the config of {DOMAIN}" in error.message


def test_a_page_named_like_a_relay_page_is_an_error(tmp_path: Path) -> None:
    _, _, config = fronted_of(tmp_path, "chatmail.ini", **{"chatmail.ini": ini()})
    diagnostics = Diagnostics()
    check_front_slugs_are_free(config, ["index", "relay/info", "relays"], diagnostics)
    (error,) = diagnostics.errors
    assert error.line == 3 and "the page `relay/info` collides" in error.message


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/new", "/new"),
        ("/newsletter/", "/new"),
        ("/.well-known/mta-sts.txt", "/.well-known/"),
        ("/en/new/", None),
        ("/assets/x.png", None),
    ],
)
def test_addresses_the_relay_s_nginx_answers_are_found_by_prefix(url: str, path: str | None) -> None:
    assert relay_path_of(url) == path


def test_the_old_qr_image_is_named_after_the_domain() -> None:
    assert old_qr_image(DOMAIN) == f"qr-chatmail-invite-{DOMAIN}.png"

"""Every relay's QR invite, as the bundled site publishes it, is accepted by Delta Chat core.

The codes are read back from the published images with zxing-cpp, then handed to the core's
own QR check, the one the apps run when a reader scans the code.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image

from chatmail_site.build import BuildResult
from chatmail_site.core.urls import page_output
from chatmail_site.load.servers import Relay, qr_png_output, relay_slug
from tests.support.deltachat import QrCheck, delta_chat_core
from tests.support.qr import decode_png, decode_svg, quiet_zone_in_modules, rasterise_svg
from tests.support.relays import bundled_languages, bundled_relays

RELAYS = bundled_relays()
LANGUAGES = bundled_languages()
INLINE_SVG = re.compile(r'<div class="relay-qr-code"[^>]*>(<svg .*?</svg>)</div>', re.S)
# The QR standard's light margin around a code, in modules.
STANDARD_QUIET_ZONE = 4


@pytest.fixture(scope="module")
def check_qr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QrCheck]:
    with delta_chat_core(tmp_path_factory.mktemp("deltachat") / "accounts") as check:
        yield check


def inline_svg(result: BuildResult, lang: str, relay: Relay) -> str:
    html = result.files[page_output(lang, relay_slug(relay))].decode("utf-8")
    match = INLINE_SVG.search(html)
    assert match, f"no QR code on the {lang} page of {relay.domain}"
    return match[1]


def test_the_bundled_site_has_the_26_relays_of_the_directory() -> None:
    assert len(RELAYS) == 26
    assert "chat.sus.fr" in {relay.domain for relay in RELAYS}


@pytest.mark.parametrize("relay", RELAYS, ids=[relay.ascii_domain for relay in RELAYS])
def test_every_published_qr_code_is_an_account_invite_for_its_relay(
    bundled_build: BuildResult, check_qr: QrCheck, relay: Relay
) -> None:
    png = decode_png(bundled_build.files[qr_png_output(relay)])
    shown = {lang: decode_svg(inline_svg(bundled_build, lang, relay)) for lang in LANGUAGES}
    for payload in {png, *shown.values()}:
        assert check_qr(payload) == {"kind": "account", "domain": relay.ascii_domain}, payload


@pytest.mark.parametrize("relay", RELAYS, ids=[relay.ascii_domain for relay in RELAYS])
def test_every_relay_page_shows_its_code_with_the_standard_quiet_zone(
    bundled_build: BuildResult, relay: Relay
) -> None:
    svg = rasterise_svg(inline_svg(bundled_build, "en", relay))
    assert quiet_zone_in_modules(svg) >= STANDARD_QUIET_ZONE
    png = Image.open(io.BytesIO(bundled_build.files[qr_png_output(relay)]))
    assert quiet_zone_in_modules(png) >= STANDARD_QUIET_ZONE


def test_the_core_check_refuses_what_is_no_account_invite(check_qr: QrCheck) -> None:
    """The check above can fail: a web address is no invite, whatever its host."""
    assert check_qr("https://nine.testrun.org/new")["kind"] != "account"

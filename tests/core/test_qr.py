"""QR invite codes: a real decoder reads the relay's invite back from both images."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date

import pytest
from PIL import Image

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.qr import qr_matrix, qr_png, qr_svg
from chatmail_site.load.servers import Relay, load_servers
from tests.support import REPO_ROOT
from tests.support.qr import decode, quiet_zone_in_modules, rasterise_svg

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def relays(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Relay]:
    """Relays for each invite form and an internationalised domain, read as the site reads them."""
    path = tmp_path_factory.mktemp("qr") / "servers.yaml"
    path.write_text(
        "- domain: nine.testrun.org\n"
        "- domain: mehl.cloud\n  invite: short\n"
        "- domain: bücher.example\n"
        "- domain: почта.example\n  invite: short\n",
        encoding="utf-8",
    )
    diagnostics = Diagnostics()
    loaded = load_servers(path, diagnostics, today=date(2025, 1, 1))
    assert list(diagnostics) == []
    return {relay.domain: relay for relay in loaded}


def png_image(payload: str, scale: int = 8) -> Image.Image:
    return Image.open(io.BytesIO(qr_png(payload, scale)))


DOMAINS = ["nine.testrun.org", "mehl.cloud", "bücher.example", "почта.example"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_png_decodes_to_the_invite_uri(relays: dict[str, Relay], domain: str) -> None:
    relay = relays[domain]
    result = decode(png_image(relay.invite_uri))
    assert result.text == relay.invite_uri
    assert result.ec_level in ("M", "Q", "H")


@pytest.mark.parametrize("domain", DOMAINS)
def test_svg_decodes_to_the_invite_uri(relays: dict[str, Relay], domain: str) -> None:
    relay = relays[domain]
    result = decode(rasterise_svg(qr_svg(relay.invite_uri)))
    assert result.text == relay.invite_uri
    assert result.ec_level in ("M", "Q", "H")


def test_invites_of_both_forms_and_idna_domains_are_what_the_app_expects(relays: dict[str, Relay]) -> None:
    assert relays["nine.testrun.org"].invite_uri == "DCACCOUNT:https://nine.testrun.org/new"
    assert relays["mehl.cloud"].invite_uri == "dcaccount:mehl.cloud"
    assert relays["bücher.example"].invite_uri == "DCACCOUNT:https://xn--bcher-kva.example/new"
    assert relays["почта.example"].invite_uri.isascii()


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(png_image, id="png"),
        pytest.param(lambda payload: png_image(payload, scale=3), id="png-scale-3"),
        pytest.param(lambda payload: rasterise_svg(qr_svg(payload)), id="svg"),
    ],
)
def test_quiet_zone_is_at_least_four_modules(image: Callable[[str], Image.Image]) -> None:
    assert quiet_zone_in_modules(image("DCACCOUNT:https://nine.testrun.org/new")) >= 4


@pytest.mark.parametrize("scale", [1, 3, 8])
def test_png_size_follows_the_scale(scale: int) -> None:
    payload = "dcaccount:nine.testrun.org"
    image = png_image(payload, scale)
    assert image.size == (len(qr_matrix(payload)) * scale,) * 2
    assert image.mode == "1"


def test_png_refuses_a_scale_below_one() -> None:
    with pytest.raises(ValueError, match="scale must be at least 1"):
        qr_png("dcaccount:nine.testrun.org", scale=0)


def test_png_holds_only_the_image_chunks() -> None:
    data = qr_png("DCACCOUNT:https://nine.testrun.org/new")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    kinds = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    # No tEXt, tIME or similar chunk: nothing that could differ between two builds.
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]


def test_svg_can_be_inlined_and_sized_by_css() -> None:
    svg = qr_svg("DCACCOUNT:https://nine.testrun.org/new")
    assert svg.startswith("<svg ")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "width" not in root.attrib
    assert "height" not in root.attrib
    assert "role" not in root.attrib
    assert root.attrib["shape-rendering"] == "crispEdges"
    size = len(qr_matrix("DCACCOUNT:https://nine.testrun.org/new"))
    assert root.attrib["viewBox"] == f"0 0 {size} {size}"
    dark_paths = [el for el in root if el.attrib.get("fill") == "#000"]
    assert len(dark_paths) == 1


def test_same_invite_gives_identical_bytes_in_another_process() -> None:
    payload = "DCACCOUNT:https://xn--bcher-kva.example/new"
    here = hashlib.sha256(qr_png(payload) + qr_svg(payload).encode()).hexdigest()
    script = (
        "import hashlib, sys\n"
        "from chatmail_site.core.qr import qr_png, qr_svg\n"
        "p = sys.argv[1]\n"
        "print(hashlib.sha256(qr_png(p) + qr_svg(p).encode()).hexdigest())\n"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    there = subprocess.run(
        [sys.executable, "-c", script, payload], capture_output=True, text=True, check=True, env=environment
    ).stdout.strip()
    assert there == here
    assert qr_png(payload) == qr_png(payload)
    assert qr_svg(payload) == qr_svg(payload)


def test_different_invites_give_different_codes() -> None:
    assert qr_png("dcaccount:a.example") != qr_png("dcaccount:b.example")
    assert qr_svg("dcaccount:a.example") != qr_svg("dcaccount:b.example")


def test_the_longest_domain_still_fits_and_decodes() -> None:
    domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    payload = f"DCACCOUNT:https://{domain}/new"
    assert decode(png_image(payload)).text == payload
    assert decode(rasterise_svg(qr_svg(payload))).text == payload

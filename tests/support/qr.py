"""Reading QR codes back with a real decoder: zxing-cpp on PNG bytes, and on SVG rendered by resvg."""

from __future__ import annotations

import io
import re

import resvg_py
import zxingcpp
from PIL import Image

SVG_PIXELS_PER_MODULE = 10


def decode(image: Image.Image) -> zxingcpp.Result:
    """The one QR code in `image`; fails when there is none or more than one."""
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return result


def rasterise_svg(svg: str) -> Image.Image:
    """Render the SVG with resvg, a real SVG renderer, at a whole number of pixels per module."""
    modules = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    side = modules * SVG_PIXELS_PER_MODULE
    png = resvg_py.svg_to_bytes(svg_string=svg, width=side, height=side)
    return Image.open(io.BytesIO(png)).convert("L")


def decode_png(data: bytes) -> str:
    """The text of the QR code in a PNG file's bytes."""
    return decode(Image.open(io.BytesIO(data))).text


def decode_svg(svg: str) -> str:
    """The text of the QR code drawn by an SVG."""
    return decode(rasterise_svg(svg)).text

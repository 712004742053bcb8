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


def quiet_zone_in_modules(image: Image.Image) -> float:
    """The narrowest light margin around the code, in modules measured off the bitmap itself.

    The module size comes from the top-left finder pattern, whose dark top edge is always
    seven modules wide.
    """
    gray = image.convert("L")
    dark = gray.point(lambda value: 255 if value < 128 else 0)
    left, top, right, bottom = dark.getbbox()
    run = 0
    while gray.getpixel((left + run, top)) < 128:
        run += 1
    module = run / 7
    margins = (left, top, gray.width - right, gray.height - bottom)
    return min(margins) / module


def decode_png(data: bytes) -> str:
    """The text of the QR code in a PNG file's bytes."""
    return decode(Image.open(io.BytesIO(data))).text


def decode_svg(svg: str) -> str:
    """The text of the QR code drawn by an SVG."""
    return decode(rasterise_svg(svg)).text

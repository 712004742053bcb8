"""QR invite codes as SVG and PNG, byte for byte the same for the same invite.

Only the module matrix comes from the `qrcode` package; both images are drawn here so the
output is small, crisp and reproducible (no timestamps, no library version in the bytes).
The SVG has no XML declaration and no width or height, so a page can inline it and size it
with CSS; the page adds the accessible name and caption.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterator

# The QR standard asks for a light margin of at least four modules around the code.
QUIET_ZONE = 4

# A fixed level keeps the PNG bytes the same across runs; zlib's output for one level and
# one input does not change.
_PNG_COMPRESSION = 9
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Matrix = tuple[tuple[bool, ...], ...]


# Encoding is the costly step, and a relay's page shows the SVG while its download is the
# PNG: both draw from one encoding. The matrix is immutable, so sharing it is safe.
@functools.lru_cache(maxsize=1024)
def qr_matrix(payload: str) -> Matrix:
    """The QR modules for `payload`, quiet zone included; True is a dark module."""
    # Imported on first use: a rebuild that keeps its QR images draws none.
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def qr_svg(payload: str) -> str:
    """An inline SVG of the QR code: a light square and one path of dark runs, in module units."""
    matrix = qr_matrix(payload)
    size = len(matrix)
    # The light square keeps the code scannable on dark page themes; the dark modules are
    # one path of horizontal runs, which keeps the markup small.
    dark = "".join(f"M{x} {y}h{length}v1h-{length}z" for y, x, length in _dark_runs(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<path fill="#fff" d="M0 0h{size}v{size}H0z"/>'
        f'<path fill="#000" d="{dark}"/>'
        "</svg>"
    )


def qr_png(payload: str, scale: int = 8) -> bytes:
    """A 1-bit grayscale PNG of the QR code, `scale` pixels per module."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    matrix = qr_matrix(payload)
    width = len(matrix) * scale
    rows = b"".join(b"\x00" + _png_row(row, scale) for row in matrix for _ in range(scale))
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1 bit, grayscale, no interlace
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, _PNG_COMPRESSION))
        + _png_chunk(b"IEND", b"")
    )


def _dark_runs(matrix: Matrix) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            yield y, start, x - start


def _png_row(row: tuple[bool, ...], scale: int) -> bytes:
    # In 1-bit grayscale a set bit is white, so dark modules are the zero bits.
    bits = "".join(("0" if dark else "1") * scale for dark in row)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

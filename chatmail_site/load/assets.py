"""content/assets/: the site's own files that pages link to, published under assets/.

They come from pull requests and are served from the site's own origin, where the
Content-Security-Policy allows scripts (`script-src 'self'`) and GitHub Pages sets no policy
at all. So only kinds of file that a browser never runs are published: raster images, fonts,
PDF and plain text. HTML, JavaScript, CSS, SVG (which may hold script) and every other kind
are refused with a diagnostic. Each file must also start the way its kind does, so an
"image.png" that is really HTML is refused too; the standalone nginx config adds
`X-Content-Type-Options: nosniff` besides, so a browser never guesses a type either.
The theme's own static files are trusted and not checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from chatmail_site.core.errors import Diagnostics
from chatmail_site.core.safety import SourceProblem, read_source

ASSETS_FOLDER = "assets"


def _starts_with(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(signatures)


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _avif(data: bytes) -> bool:
    # An ISO media file: a `ftyp` box whose brands name AVIF.
    return data[4:8] == b"ftyp" and (b"avif" in data[8:64] or b"avis" in data[8:64])


def _plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


_FONT = _starts_with(b"\x00\x01\x00\x00", b"true", b"OTTO")
# Each published extension (lowercase) with the test its content must pass.
PUBLISHED_KINDS: Mapping[str, Callable[[bytes], bool]] = {
    ".png": _starts_with(b"\x89PNG\r\n\x1a\n"),
    ".jpg": _starts_with(b"\xff\xd8\xff"),
    ".jpeg": _starts_with(b"\xff\xd8\xff"),
    ".gif": _starts_with(b"GIF87a", b"GIF89a"),
    ".webp": _webp,
    ".avif": _avif,
    ".ico": _starts_with(b"\x00\x00\x01\x00"),
    ".woff": _starts_with(b"wOFF"),
    ".woff2": _starts_with(b"wOF2"),
    ".ttf": _FONT,
    ".otf": _FONT,
    ".pdf": _starts_with(b"%PDF-"),
    ".txt": _plain_text,
}
KINDS_HINT = (
    "content/assets/ publishes images (.png, .jpg, .gif, .webp, .avif, .ico), fonts (.woff, .woff2, "
    ".ttf, .otf), .pdf and .txt files"
)
SVG_HINT = (
    "an SVG can carry script, so it is not published from content/; convert it to PNG, or have "
    "the maintainers add it to the theme's static/ folder"
)


def load_assets(
    content_dir: Path, files: Iterable[Path], display: Callable[[Path], str], diagnostics: Diagnostics
) -> dict[str, bytes]:
    """The published assets, `assets/<path>` → bytes, from the site's checked source files.

    `files` are the source tree's accepted files; those below content/assets/ are read
    (hidden ones such as .gitkeep are skipped) and every refused one is reported.
    """
    folder = content_dir / ASSETS_FOLDER
    published: dict[str, bytes] = {}
    for path in files:
        if not path.is_relative_to(folder) or any(p.startswith(".") for p in path.relative_to(folder).parts):
            continue
        data = _checked_asset(path, display(path), diagnostics)
        if data is not None:
            published[f"{ASSETS_FOLDER}/{path.relative_to(folder).as_posix()}"] = data
    return published


def _checked_asset(path: Path, shown: str, diagnostics: Diagnostics) -> bytes | None:
    suffix = path.suffix
    looks_right = PUBLISHED_KINDS.get(suffix)
    if looks_right is None:
        kind = f"`{suffix}` files" if suffix else "files without an extension"
        hint = SVG_HINT if suffix.lower() == ".svg" else KINDS_HINT
        if suffix.lower() in PUBLISHED_KINDS:
            hint = f"write the extension in lowercase: `{path.stem}{suffix.lower()}`"
        message = f"{kind} are not published from content/assets/ (only kinds that cannot run script are)"
        diagnostics.error(shown, 0, message, hint)
        return None
    try:
        data = read_source(path)
    except SourceProblem as problem:
        diagnostics.error(shown, 0, problem.message, problem.hint)
        return None
    if not looks_right(data):
        diagnostics.error(
            shown,
            0,
            f"the file's content is not that of a `{suffix}` file",
            "save the file again in the format its extension names, or rename it",
        )
        return None
    return data

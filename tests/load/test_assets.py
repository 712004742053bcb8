"""content/assets/: only files a browser never runs are published, each checked by its content."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.core.errors import Diagnostic, Diagnostics
from chatmail_site.load.assets import load_assets


def errors_of(result) -> list[Diagnostic]:
    return result.diagnostics.errors


def formatted(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def shown(path: Path) -> str:
    """How the tests below name a file in a diagnostic: its name only."""
    return f"shown:{path.name}"


def written(content: Path, files: dict[str, bytes]) -> list[Path]:
    paths = []
    for name, data in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths


# The first bytes of each kind of asset the site publishes (enough for the type check).
ASSET_SAMPLES: dict[str, bytes] = {
    "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(16),
    "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(16),
    "photo.jpeg": b"\xff\xd8\xff\xe1" + bytes(16),
    "anim.gif": b"GIF89a" + bytes(16),
    "image.webp": b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8),
    "image.avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1" + bytes(8),
    "favicon.ico": b"\x00\x00\x01\x00\x01\x00" + bytes(16),
    "font.woff": b"wOFF" + bytes(16),
    "font.woff2": b"wOF2" + bytes(16),
    "font.ttf": b"\x00\x01\x00\x00" + bytes(16),
    "font.otf": b"OTTO" + bytes(16),
    "guide.pdf": b"%PDF-1.7\n" + bytes(16),
    "notes/readme.txt": b"Plain text, even <b>with</b> brackets.\n",
}


@pytest.mark.parametrize(
    ("name", "data", "hint"),
    [
        ("x.html", b'<script src="evil.js"></script>', "publishes images"),
        ("evil.js", b"alert(document.cookie)", "publishes images"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "convert it to PNG"),
        ("page.xhtml", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>", ""),
        ("feed.xml", b"<?xml version='1.0'?><x/>", ""),
        ("style.css", b"body{}", ""),
        ("data.json", b"{}", ""),
        ("x.htm", b"<script>alert(1)</script>", ""),
        ("sub/x.shtml", b"<script>alert(1)</script>", ""),
        ("README", b"no extension", ""),
        ("logo.PNG", ASSET_SAMPLES["logo.png"], "lowercase"),
        ("image.png", b"<html><script>alert(1)</script></html>", "format its extension names"),
        ("photo.jpg", b"<svg onload=alert(1)>", "format its extension names"),
        ("doc.pdf", b"<script>alert(1)</script>", "format its extension names"),
        ("text.txt", b"\xff\xfe<\x00s\x00", "format its extension names"),
    ],
)
def test_an_asset_that_could_run_script_is_an_error_at_its_file(make_site, name: str, data: bytes, hint: str):
    result = build_site(make_site({f"content/assets/{name}": data}))
    (error,) = errors_of(result)
    assert (error.path, error.line) == (f"content/assets/{name}", 0), error.format()
    assert hint in error.hint
    assert f"assets/{name}" not in result.files


def test_images_fonts_pdf_and_text_are_published_as_they_are(make_site):
    files: dict[str, str | bytes] = {f"content/assets/{name}": data for name, data in ASSET_SAMPLES.items()}
    result = build_site(make_site({**files, "content/assets/.gitkeep": ""}))
    assert not errors_of(result), formatted(result)
    published = {name: data for name, data in result.files.items() if name.startswith("assets/")}
    for name, data in ASSET_SAMPLES.items():
        assert published[f"assets/{name}"] == data
    assert "assets/.gitkeep" not in published


def test_only_visible_files_below_assets_are_published_by_their_path(tmp_path: Path) -> None:
    content = tmp_path / "content"
    files = written(
        content,
        {
            "assets/logo.png": ASSET_SAMPLES["logo.png"],
            "assets/docs/notes.txt": b"\xef\xbb\xbfA text with a BOM.\n",
            "assets/.gitkeep": b"",
            "assets/.hidden/x.js": b"alert(1)",
            "en/index.md": b"---\n",
        },
    )
    diagnostics = Diagnostics()
    published = load_assets(content, files, shown, diagnostics)
    assert list(diagnostics) == []
    assert published == {
        "assets/logo.png": ASSET_SAMPLES["logo.png"],
        "assets/docs/notes.txt": b"\xef\xbb\xbfA text with a BOM.\n",
    }


def test_each_refused_file_is_reported_by_its_shown_name_and_the_rest_published(tmp_path: Path) -> None:
    content = tmp_path / "content"
    files = written(
        content, {"assets/README": b"text", "assets/fake.gif": b"GIF", "assets/ok.gif": b"GIF89a..."}
    )
    diagnostics = Diagnostics()
    published = load_assets(content, files, shown, diagnostics)
    assert list(published) == ["assets/ok.gif"]
    assert sorted((d.path, d.line, d.message) for d in diagnostics.errors) == [
        (
            "shown:README",
            0,
            "files without an extension are not published from content/assets/ "
            "(only kinds that cannot run script are)",
        ),
        ("shown:fake.gif", 0, "the file's content is not that of a `.gif` file"),
    ]

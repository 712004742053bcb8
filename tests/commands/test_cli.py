"""The command line: exit codes, the summary line, and output left whole on failure."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from chatmail_site import __version__
from chatmail_site.commands.cli import main
from tests.support.sites import page


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_successful_build_exits_0_and_prints_a_summary(make_site, capsys):
    site = make_site({"content/en/about.md": page("About", "en")})
    assert main(["build", "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("built: 2 pages (en 2), 0 warnings, 0 errors, ")
    assert (site / "build" / "en" / "about" / "index.html").is_file()


def test_content_error_exits_1_and_leaves_previous_output_whole(make_site, capsys):
    site = make_site({"content/en/about.md": page("About", "en")})
    out = site / "public"
    assert main(["build", "--site", str(site), "--out", str(out)]) == 0
    before = tree_digest(out)
    (site / "content/en/about.md").write_text("---\ntitle: About: us\nlang: en\n---\n")
    assert main(["build", "--site", str(site), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "content/en/about.md:2: error: YAML syntax error" in captured.err
    assert "build failed, output left unchanged" in captured.out
    assert tree_digest(out) == before


def test_strict_turns_warnings_into_failure(make_site, capsys):
    site = make_site({"content/en/about.md": page("About", "en", titel="x")})
    assert main(["build", "--site", str(site)]) == 0
    assert main(["build", "--site", str(site), "--strict"]) == 1
    assert "(strict: warnings count as errors)" in capsys.readouterr().out


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["build", "--site", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main([]) == 2


def test_refuses_to_replace_a_folder_it_did_not_create(make_site, capsys):
    site = make_site({})
    foreign = site / "precious"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert main(["build", "--site", str(site), "--out", str(foreign)]) == 2
    assert "was not created by chatmail-site" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_site_config_errors_are_all_reported(make_site, capsys):
    site = make_site({"site.yaml": "titel: T\nlanguages: [en, xx-nonsense]\nbase_url: ftp://x\n"})
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "site.yaml:1: warning: unknown setting `titel`" in err and "did you mean `title`?" in err
    assert "site.yaml:2: error: `xx-nonsense` is not a language tag" in err
    assert "site.yaml:3: error: `ftp://x` is not a web address" in err


def test_module_entry_point_and_version():
    run = subprocess.run([sys.executable, "-m", "chatmail_site", "--version"], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout.strip() == f"chatmail-site {__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "chatmail_site", "build", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--strict" in helped.stdout


def test_no_traceback_for_a_broken_site(make_site):
    site = make_site({"content/en/index.md": b"\xff\xfe garbage", "content/en/x.md": "---\n[\n---\n"})
    run = subprocess.run(
        [sys.executable, "-m", "chatmail_site", "build", "--site", str(site)], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "content/en/index.md:1: error: the file is not valid UTF-8 text" in run.stderr
    assert "content/en/x.md:" in run.stderr


def test_clean_deletes_its_own_output_first(make_site, capsys):
    site = make_site({"content/en/about.md": page("About", "en")})
    out = site / "build"
    assert main(["build", "--site", str(site)]) == 0
    (site / "content/en/about.md").write_text("---\ntitle: About: us\nlang: en\n---\n")
    assert main(["build", "--site", str(site), "--clean"]) == 1
    assert not out.exists()
    (site / "content/en/about.md").write_text(page("About", "en"))
    assert main(["build", "--site", str(site), "--clean"]) == 0
    assert (out / "en" / "about" / "index.html").is_file()


def test_clean_never_deletes_a_folder_it_did_not_create(make_site, capsys):
    site = make_site({})
    foreign = site / "elsewhere"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert main(["build", "--site", str(site), "--out", str(foreign), "--clean"]) == 2
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert main(["build", "--site", str(site), "--out", str(site / "content"), "--clean"]) == 2
    assert (site / "content/en/index.md").is_file()


def test_starting_a_build_loads_no_library_it_may_not_need():
    # Each costs a build's start time: the preview server and its file watcher, the link
    # checker's web client (which xml.sax.saxutils brings in too), the QR encoder when every
    # image is kept, and the progress bar when no one watches a terminal.
    unneeded = ("chatmail_site.commands.serve", "watchdog", "urllib.request", "qrcode", "tqdm")
    code = f"import sys, chatmail_site.commands.cli; print([m for m in {unneeded!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"

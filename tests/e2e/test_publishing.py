"""Publishing from CI: the workflow keeps its gates, the report carries diagnostics to the
right lines, and a build under a preview path stays inside that path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from tests.support import REPO_ROOT
from tests.support.sites import parse_html

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "publish.yml"
REPORT_SCHEMA = json.loads((REPO_ROOT / "schemas" / "build-report.schema.json").read_text())
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def run_lines(job: str) -> list[str]:
    return [line.strip() for step in steps(job) for line in step.get("run", "").splitlines()]


def readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.S)
    assert block, "the README opens with a sh block of commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_runs_on_push_to_main_and_pull_requests():
    triggers = workflow()["on"]
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers


def test_installs_exactly_the_locked_versions_and_builds():
    lines = run_lines("build")
    assert "uv sync --locked" in lines
    assert "chatmail-site build" in lines


@pytest.mark.parametrize(
    "gate",
    [
        r"chatmail-site build --strict --report build-report\.json",
        r"chatmail-site annotate build-report\.json",
        r"chatmail-site check",
        r"chatmail-site i18n check",
        r"chatmail-site status --json > translation-status\.json",
        r"chatmail-site status --markdown >> \"\$GITHUB_STEP_SUMMARY\"",
    ],
)
def test_every_gate_is_a_step(gate: str):
    assert any(re.match(gate, line) for line in run_lines("build")), gate


def test_gates_are_not_allowed_to_fail_silently():
    for step in steps("build"):
        assert not step.get("continue-on-error"), step["name"]


def test_status_and_report_are_uploaded_even_when_the_build_fails():
    upload = next(s for s in steps("build") if s["name"].startswith("Upload build report"))
    assert upload["if"] == "always()"
    assert "translation-status.json" in upload["with"]["path"]


def test_every_action_is_pinned_to_a_full_commit():
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED.match(step["uses"]), step["uses"]


def test_least_privilege_permissions():
    data = workflow()
    assert data["permissions"] == {"contents": "read"}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_main_deploys_to_pages_and_pull_requests_upload_a_preview():
    by_action = {s["uses"].split("@")[0]: s for s in steps("build") if "uses" in s}
    assert "refs/heads/main" in by_action["actions/upload-pages-artifact"]["if"]
    preview = next(s for s in steps("build") if s["name"].startswith("Upload preview"))
    assert preview["if"] == "github.event_name == 'pull_request'"
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_web_root_is_published_as_built():
    """build/ holds only what is published (server configuration goes beside it), so it is
    uploaded directly, with no staging step that could forget to leave something out."""
    assert not any("stage" in step["name"].lower() for step in steps("build"))
    uploads = [
        step
        for step in steps("build")
        if "uses" in step
        and "upload" in step["uses"]
        and step["name"] != "Upload build report and translation status"
    ]
    assert len(uploads) == 2
    for step in uploads:
        assert step["with"]["path"] == "build"


def test_report_of_a_strict_build_with_a_broken_translation(bundled_site: Path, tmp_path: Path, capsys):
    broken = bundled_site / "content" / "de" / "donate.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    report_path = tmp_path / "build-report.json"
    assert main(["build", "--site", str(bundled_site), "--strict", "--report", str(report_path)]) == 1
    report = json.loads(report_path.read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["succeeded"] is False and report["strict"] is True
    entry = next(d for d in report["diagnostics"] if "titel" in d["message"])
    assert entry == {
        "path": "content/de/donate.md",
        "line": 2,
        "severity": "warning",
        "message": "unknown front-matter key `titel`",
        "hint": "did you mean `title`?",
    }
    capsys.readouterr()
    assert main(["annotate", str(report_path)]) == 0
    annotations = capsys.readouterr().out.splitlines()
    assert (
        "::error file=content/de/donate.md,line=2,title=chatmail-site::unknown front-matter key `titel` "
        "(hint: did you mean `title`?)" in annotations
    )


def test_report_of_a_good_build(bundled_site: Path, tmp_path: Path):
    report_path = tmp_path / "nested" / "report.json"
    assert main(["build", "--site", str(bundled_site), "--report", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["succeeded"] is True
    assert report["pages"]["total"] == sum(report["pages"]["per_language"].values()) > 0
    assert report["timings"]["total"] > 0


BASE = "https://example.org/pr-12/"


def test_preview_path_build_stays_under_its_base(bundled_site: Path):
    result = build_site(bundled_site, base_url=BASE)
    assert result.diagnostics.errors == []
    checked = 0
    for name, data in result.files.items():
        if not name.endswith((".html", ".xml", ".txt", ".json")):
            continue
        text = data.decode("utf-8")
        for url in re.findall(r'(?:href|src)="([^"]+)"', text) + re.findall(r"<loc>([^<]+)</loc>", text):
            checked += 1
            if url.startswith("/"):
                assert url.startswith("/pr-12/"), f"{name}: {url}"
            parts = urlsplit(url)
            if parts.netloc == "example.org":
                assert parts.path.startswith("/pr-12/"), f"{name}: {url}"
    assert checked > 100


def test_preview_path_sets_canonical_and_alternates(bundled_site: Path):
    result = build_site(bundled_site, base_url=BASE)
    page = parse_html(result.files["de/chatmail/index.html"])
    assert page.find("link", rel="canonical").attrs["href"] == BASE + "de/chatmail/"
    alternates = {e.attrs["hreflang"]: e.attrs["href"] for e in page.find_all("link", rel="alternate")}
    assert alternates["x-default"] == BASE + "en/chatmail/"
    assert alternates["de"] == BASE + "de/chatmail/"
    not_found = parse_html(result.files["de/404.html"])
    assert not_found.find("link", rel="stylesheet").attrs["href"].startswith("/pr-12/assets/")


def test_job_summary_table_of_translation_completeness(bundled_site: Path, capsys):
    assert main(["status", "--site", str(bundled_site), "--markdown"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[:2] == ["language", "done"]
    by_language = {
        cells[0]: cells for cells in ([c.strip() for c in r.strip("|").split("|")] for r in rows[1:])
    }
    assert list(by_language) == ["en", "de", "fr", "nl", "sk", "id"]
    assert by_language["en"][1] == "100%"
    fallback = header.index("fallback")
    assert int(by_language["sk"][fallback]) == int(by_language["id"][fallback]) > 0

"""The GitHub workflows pass actionlint (with ShellCheck for their scripts) and zizmor.

A finding that stays is justified in a `# zizmor: ignore[…]` comment on its line, which the
tool reads; there is nothing to justify to actionlint. Both tools come from the locked test
environment and run offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_publishing import readme_commands
from tests.support import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: run `bash scripts/install-test-deps.sh`")
    return found


def workflow_files(folder: Path) -> list[str]:
    files = sorted(str(path) for path in folder.glob("*.yml"))
    assert files, f"no workflows in {folder}"
    return files


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    # actionlint hands `run:` scripts to the ShellCheck it finds on PATH.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *workflow_files(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def zizmor(folder: Path) -> subprocess.CompletedProcess[str]:
    options = ["--offline", "--persona", "pedantic", "--no-progress", "--format", "plain"]
    return subprocess.run(
        [tool("zizmor"), *options, *workflow_files(folder)], capture_output=True, text=True, check=False
    )


def test_there_is_a_publish_and_a_canary_workflow() -> None:
    assert sorted(path.name for path in WORKFLOWS.glob("*.yml")) == ["canary.yml", "publish.yml"]


def test_actionlint_finds_nothing() -> None:
    result = actionlint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = zizmor(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


BAD_WORKFLOW = """\
name: Bad
on: [pull_request]
jobs:
  echo:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}" $UNQUOTED
      - run: echo ${{ matrix.missing }}
"""


def test_both_tools_report_the_mistakes_they_are_there_for(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BAD_WORKFLOW, encoding="utf-8")
    linted = actionlint(tmp_path)
    assert linted.returncode == 1
    assert "matrix" in linted.stdout  # an expression naming a matrix the job does not have
    assert "SC2086" in linted.stdout  # ShellCheck: an unquoted variable
    audited = zizmor(tmp_path)
    assert audited.returncode != 0
    for audit in ("template-injection", "unpinned-uses", "artipacked", "excessive-permissions"):
        assert audit in audited.stdout, audit


def test_the_publish_workflow_installs_the_lock_and_keeps_the_build_cache() -> None:
    publish = (WORKFLOWS / "publish.yml").read_text(encoding="utf-8")
    assert "uv sync --locked" in publish
    assert "pip install -e" not in publish
    assert "uses: actions/cache@" in publish
    assert "hashFiles('uv.lock', 'pyproject.toml', 'chatmail_site/**')" in publish


def test_the_canary_runs_weekly_unlocked_and_compares_a_cached_build_with_a_clean_one() -> None:
    canary = (WORKFLOWS / "canary.yml").read_text(encoding="utf-8")
    first, second = readme_commands()
    assert f"          {first}\n" in canary and f"run: {second}\n" in canary
    assert "schedule:" in canary and "workflow_dispatch:" in canary
    assert 'CHATMAIL_SITE_UNLOCKED: "1"' in canary
    assert "scripts/locked_versions.py --drift" in canary
    assert "--no-cache" in canary and "diff -r build" in canary

"""The package's shape: one package per stage, imports only downwards, tests mirroring the code.

The layers contract lives in pyproject.toml ([tool.importlinter]) and is checked here with
import-linter, counting every import: at module level, inside functions and under
TYPE_CHECKING.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support import REPO_ROOT

PACKAGE = REPO_ROOT / "chatmail_site"


def contract() -> dict:
    settings = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return settings["tool"]["importlinter"]


def layers() -> list[str]:
    (layered,) = [c for c in contract()["contracts"] if c["type"] == "layers"]
    return layered["layers"]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter run on the package found in `root`, with the project's contract."""
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
    ]
    return subprocess.run(
        [*command, str(REPO_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_stages_import_only_downwards() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_imports_under_type_checking_count() -> None:
    assert contract()["exclude_type_checking_imports"] is False


def test_every_package_and_top_level_module_is_a_layer() -> None:
    names = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    names |= {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert {f"chatmail_site.{name}" for name in names} == set(layers())


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    # The same package with one import from a lower stage into a higher one, hidden inside a
    # function as a lazy import would be: the check must still see it.
    copy = tmp_path / "chatmail_site"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    errors = copy / "core" / "errors.py"
    errors.write_text(
        errors.read_text(encoding="utf-8")
        + "\n\ndef _late():\n    from chatmail_site.build import build_site\n",
        encoding="utf-8",
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "chatmail_site.core is not allowed to import chatmail_site.build" in result.stdout


def test_every_module_has_a_test_file_in_the_same_place() -> None:
    # chatmail_site/render/pages.py is tested in tests/render/test_pages.py, and so on.
    modules = [path for path in PACKAGE.rglob("*.py") if not path.name.startswith("__")]
    missing = [
        str(path.relative_to(REPO_ROOT))
        for path in modules
        if not (REPO_ROOT / "tests" / path.parent.relative_to(PACKAGE) / f"test_{path.name}").is_file()
    ]
    assert modules and missing == []

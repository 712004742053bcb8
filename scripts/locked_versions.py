"""The package versions of uv.lock, and how an installed environment departs from them.

`python scripts/locked_versions.py NAME` prints the locked version of one package (the
install script takes uv's own version from here). `python scripts/locked_versions.py --drift`
lists every installed package whose version differs from the lock or that the lock does not
have, and exits 1 when there is any: the canary job runs it when the suite fails
against the newest releases, so the failure names the releases that could have caused it.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parent.parent / "uv.lock"
# Installed by the tools that make an environment, never by the project.
INSTALLER_PACKAGES = frozenset({"pip", "setuptools", "wheel"})


def normalized(name: str) -> str:
    """A package name as package indexes compare them (`PyYAML` and `pyyaml` are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str) -> dict[str, str]:
    """Package name → version for every package of a uv.lock that comes from an index."""
    return {
        normalized(package["name"]): package["version"]
        for package in tomllib.loads(lock_text).get("package", [])
        if "registry" in package.get("source", {})
    }


def local_packages(lock_text: str) -> set[str]:
    """The lock's packages built from the checkout (the project itself): nothing to compare."""
    return {
        normalized(package["name"])
        for package in tomllib.loads(lock_text).get("package", [])
        if "registry" not in package.get("source", {})
    }


def installed_versions() -> dict[str, str]:
    """Package name → version of every distribution the running interpreter sees."""
    return {normalized(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def drift(locked: Mapping[str, str], installed: Mapping[str, str], ignored: Iterable[str] = ()) -> list[str]:
    """One line per package whose installed version is not the locked one, sorted by name."""
    ignored = {normalized(name) for name in ignored} | INSTALLER_PACKAGES
    lines = []
    for name in sorted(set(locked) | set(installed)):
        if name in ignored:
            continue
        want, have = locked.get(name), installed.get(name)
        # A locked package that is not installed is one for another platform (colorama on Windows).
        if have is None or want == have:
            continue
        if want is None:
            lines.append(f"{name}: {have} installed, not in the lock")
        else:
            lines.append(f"{name}: locked {want}, installed {have}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=LOCK_FILE, help="the lock file (default: uv.lock)")
    parser.add_argument("--ignore", action="append", default=[], metavar="NAME", help="leave a package out")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("package", nargs="?", help="print the locked version of this package")
    what.add_argument("--drift", action="store_true", help="list packages installed at other versions")
    args = parser.parse_args(argv)
    lock_text = args.lock.read_text(encoding="utf-8")
    locked = locked_versions(lock_text)
    if args.package:
        version = locked.get(normalized(args.package))
        if version is None:
            print(f"{args.package} is not in {args.lock}", file=sys.stderr)
            return 1
        print(version)
        return 0
    lines = drift(locked, installed_versions(), [*args.ignore, *local_packages(lock_text)])
    for line in lines:
        print(line)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

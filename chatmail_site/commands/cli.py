"""The command line: commands, options and exit codes. No build logic lives here."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from chatmail_site import __version__
from chatmail_site.build import BuildResult, build_site
from chatmail_site.commands.i18n import register_commands as register_translation_commands
from chatmail_site.commands.progress import progress_bar
from chatmail_site.commands.report import (
    MalformedReport,
    build_report,
    github_annotations,
    read_report,
    write_report,
)
from chatmail_site.core.errors import Diagnostics, ExitCode, escape_control, print_diagnostics
from chatmail_site.deploy.nginx import DEPLOY_SUFFIX
from chatmail_site.incremental.buildcache import (
    CachedBuild,
    cache_dir_for,
    load_previous,
    remove_cache,
    save_build_records,
)
from chatmail_site.load.config import base_url_problem, load_config
from chatmail_site.load.i18n import source_date_problem
from chatmail_site.model.reuse import OutputData
from chatmail_site.render.pool import available_cores
from chatmail_site.write.output import (
    OutputError,
    check_output_location,
    check_owned,
    remove_output,
    write_atomically,
)

EXIT_OK = ExitCode.OK
EXIT_CONTENT_ERROR = ExitCode.CONTENT_ERROR
EXIT_USAGE = ExitCode.USAGE


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    site_dir = Path(args.site)
    if not site_dir.is_dir():
        return usage_error(f"the site folder {site_dir} does not exist")
    date_problem = source_date_problem()
    if date_problem:
        return usage_error(date_problem)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatmail-site", description="Build the multilingual pages of chatmail relays."
    )
    parser.add_argument("--version", action="version", version=f"chatmail-site {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    build = commands.add_parser("build", help="build the static site")
    add_site_option(build)
    build.add_argument("--out", help="output folder (default: SITE/build)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument(
        "--clean",
        action="store_true",
        help="delete the output folder and its build cache first (only ones chatmail-site made)",
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="render every page, without reading or writing the build cache next to the output",
    )
    build.add_argument(
        "--jobs",
        type=positive_int,
        metavar="N",
        help="render on N processes (default: one per CPU core, for sites large enough to gain)",
    )
    build.add_argument("--base-url", help="publish under this address (overrides base_url in site.yaml)")
    build.add_argument("--report", metavar="FILE", help="also write the results as JSON for CI")
    build.set_defaults(handler=run_build)
    annotate = commands.add_parser("annotate", help="print a build report's diagnostics as CI annotations")
    annotate.add_argument("report", help="the JSON file written by `build --report`")
    annotate.set_defaults(handler=run_annotate, site=".")
    register_translation_commands(commands, add_site_option)
    check = commands.add_parser("check", help="check that every link, anchor and asset of the site resolves")
    add_site_option(check)
    check.add_argument("--out", help="check this already built output folder instead of building in memory")
    check.add_argument("--external", action="store_true", help="also fetch outside links (needs the network)")
    check.set_defaults(handler=run_check)
    preview = commands.add_parser("serve", help="preview the site, rebuilt and reloaded as you edit it")
    add_site_option(preview)
    preview.add_argument("--host", default="127.0.0.1", help="listen address (default: 127.0.0.1)")
    preview.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    preview.add_argument("--open", action="store_true", help="open the preview in a web browser")
    preview.set_defaults(handler=run_serve)
    relay = commands.add_parser("relay", help="work with the pages of the relay the site fronts")
    relay_commands = relay.add_subparsers(title="relay commands", metavar="ACTION")
    import_command = relay_commands.add_parser(
        "import-www",
        help="turn a relay's www/src pages into the site's own texts for its relay pages",
    )
    add_site_option(import_command)
    import_command.add_argument("folder", help="the relay's www/src folder (index.md, info.md, privacy.md)")
    import_command.add_argument(
        "--force", action="store_true", help="replace own texts and images already there"
    )
    import_command.set_defaults(handler=run_import_www)
    return parser


def run_import_www(args: argparse.Namespace) -> int:
    diagnostics = Diagnostics()
    config = load_config(Path(args.site), diagnostics)
    from chatmail_site.commands.relay_import import import_www  # as for run_serve

    written = import_www(config, Path(args.folder), diagnostics, force=args.force) if config else []
    print_diagnostics(diagnostics)
    for path in written:
        print(f"wrote {path}")
    return EXIT_CONTENT_ERROR if diagnostics.errors else EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    # Imported here: the preview's server and file watching would add to every build's start.
    from chatmail_site.commands.serve import serve

    return serve(Path(args.site), args.host, args.port, open_browser=args.open)


def add_site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site", default=".", help="the site folder with site.yaml (default: the current folder)"
    )


def output_dir(args: argparse.Namespace) -> Path:
    return Path(args.out) if args.out else Path(args.site) / "build"


def deploy_dir_for(out_dir: Path) -> Path:
    """The folder beside the web root for server configuration: build/ → build.deploy/."""
    return out_dir.with_name(out_dir.name + DEPLOY_SUFFIX)


def write_output(out_dir: Path, files: Mapping[str, OutputData], deploy_files: dict[str, bytes]) -> None:
    """Swap in the web root, then the deploy folder beside it (or remove a stale one).

    Each of the two is replaced atomically, the web root first. Both are checked before
    either is written, so a folder that cannot be replaced leaves both as they were.
    """
    deploy_dir = deploy_dir_for(out_dir)
    check_owned(out_dir.absolute())
    check_owned(deploy_dir.absolute())
    write_atomically(out_dir, files)
    if deploy_files:
        write_atomically(deploy_dir, deploy_files)
    elif deploy_dir.exists():
        remove_output(deploy_dir)  # the site no longer fronts a relay


def usage_error(message: str) -> int:
    """Say what is wrong with how the command was used (the text escaped like a diagnostic)."""
    print(f"chatmail-site: error: {escape_control(message)}", file=sys.stderr)
    return EXIT_USAGE


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not `{text}`")
    return int(text)


def run_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    problem = base_url_problem(args.base_url) if args.base_url is not None else None
    if problem:
        return usage_error(f"--base-url: {problem}")
    out_dir = output_dir(args)
    cache_dir = cache_dir_for(out_dir)
    try:
        check_output_location(out_dir, Path(args.site))
        check_output_location(deploy_dir_for(out_dir), Path(args.site))
        if args.clean:
            remove_output(out_dir)
            remove_output(deploy_dir_for(out_dir))
            remove_cache(cache_dir)
    except OutputError as exc:
        return usage_error(str(exc))
    except OSError as exc:  # a read-only or busy output folder: nothing was built yet
        return usage_error(f"cannot remove {exc.filename or out_dir}: {exc.strerror}")
    cached = None if args.no_cache else CachedBuild(load_previous(cache_dir, out_dir))
    result = build_site(
        Path(args.site),
        base_url=args.base_url,
        reuse_source=cached,
        jobs=args.jobs or available_cores(),
        progress=progress_bar,
    )
    print_diagnostics(result.diagnostics)
    for notice in result.notices:
        print(notice, file=sys.stderr)
    failed = result.diagnostics.failed(strict=args.strict)
    if not failed:
        try:
            write_output(out_dir, result.files, result.deploy_files)
        except OutputError as exc:
            return usage_error(str(exc))
        except OSError as exc:  # a full disk or a read-only folder: the previous output stays
            return usage_error(f"cannot write {output_dir(args)}: {exc.strerror}")
        records = cached.records(result) if cached is not None else None
        if records is not None:
            save_build_records(cache_dir, out_dir, records, result.files)
    elapsed = time.perf_counter() - started
    if args.report:
        timings = {**result.timings, "total": elapsed}
        report = build_report(
            pages_per_language=result.pages_per_language,
            diagnostics=result.diagnostics,
            timings=timings,
            strict=args.strict,
            succeeded=not failed,
        )
        write_report(Path(args.report), report)
    print(summary_line(result, elapsed, failed, args.strict))
    return EXIT_CONTENT_ERROR if failed else EXIT_OK


def run_annotate(args: argparse.Namespace) -> int:
    try:
        report = read_report(Path(args.report))
    except OSError as exc:
        return usage_error(f"cannot read the report {args.report}: {exc.strerror}")
    except MalformedReport as exc:
        return usage_error(f"{args.report} is not a report of `chatmail-site build --report`: {exc}")
    for line in github_annotations(report):
        print(line)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Report every broken link as `page: link: reason`; exit 1 if there is any."""
    # Imported here, as for run_serve: the link checker's web client is for this command only.
    from chatmail_site.commands.check import base_path_of, check_links, read_output

    site_dir = Path(args.site)
    # The base path of site.yaml tells which root-relative links stay inside the site.
    config = load_config(site_dir, Diagnostics()) if (site_dir / "site.yaml").is_file() else None
    if args.out:
        out_dir = Path(args.out)
        if not out_dir.is_dir():
            return usage_error(f"the output folder {out_dir} does not exist")
        files = read_output(out_dir)
    else:
        result = build_site(site_dir)
        print_diagnostics(result.diagnostics)
        if result.diagnostics.failed(strict=False):
            print("check failed: the site does not build")
            return EXIT_CONTENT_ERROR
        files = result.files
    broken = check_links(files, base_path_of(config.base_url if config else None), external=args.external)
    for link in broken:
        print(link.format())
    pages = sum(1 for path in files if path.endswith(".html"))
    print(f"checked {plural(pages, 'page')}: {plural(len(broken), 'broken link')}", file=sys.stderr)
    return EXIT_CONTENT_ERROR if broken else EXIT_OK


def summary_line(result: BuildResult, elapsed: float, failed: bool, strict: bool) -> str:
    per_language = ", ".join(f"{lang} {count}" for lang, count in result.pages_per_language.items())
    total = sum(result.pages_per_language.values())
    errors = len(result.diagnostics.errors)
    warnings = len(result.diagnostics.warnings)
    outcome = "build failed, output left unchanged" if failed else "built"
    strict_note = " (strict: warnings count as errors)" if strict and warnings else ""
    return (
        f"{outcome}: {total} pages ({per_language or 'none'}), "
        f"{plural(warnings, 'warning')}, {plural(errors, 'error')}{strict_note}, {elapsed:.2f} s"
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

"""Command line: ``ossref check | build | serve | new | cite``.

:func:`main` takes argv and returns the exit code, so tests call it in-process.
Exit codes: 0 success; 1 findings fail the check (or ``new`` refused to
overwrite, or the build failed, or ``cite`` found no work for an identifier);
2 usage or configuration error (for ``cite`` also no network or a service
error, naming the service); 3 an internal
error in ossref itself (a bug: reported in one line, never as a traceback);
130 after Ctrl-C and 143 after SIGTERM (``build`` cleans up first).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

from ossref import __version__
from ossref.config import Config, ConfigError, find_root, load_config
from ossref.report.formats import FORMATS, json_items, report, text_items, text_line

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: Set by :func:`console` only: the check's result is kept here until the
#: process ends, so that its state (millions of objects on a large wiki) is
#: not freed one object at a time just before exiting (0.1-0.15 s at 10,000
#: entries). ``main`` called in-process (tests) keeps nothing.
_KEPT: list | None = None


EXIT_HELP = """exit status:
  0  success: no errors (with --strict, no warnings either)
  1  findings fail the check; `new` refused (the name exists); the build failed
  2  usage or configuration error (bad option, invalid mkdocs.yml, missing folder)
  3  internal error in ossref itself (please report it)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ossref", description="Check and build an ossref wiki.",
                                     epilog=EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"ossref {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, epilog=EXIT_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--root", type=Path, default=None,
                       help="project folder holding mkdocs.yml (default: found from the current folder up)")
        return p

    p = command("check", "check entries, citations and links")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="report only findings in these files and the findings they cause elsewhere "
                        "(the whole project is still checked)")
    p.add_argument("--changed-since", metavar="REV", default=None,
                   help="scope to the files changed since git revision REV, and report findings that are "
                        "new since REV (the project at REV is checked too)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="text and github formats: print only the summary line")
    p.add_argument("--no-cache", action="store_true",
                   help="parse every file and leave the cache folder alone (as OSSREF_NO_CACHE=1 does)")
    p.add_argument("--online", action="store_true",
                   help="also ask Crossref and NCBI whether each record's identifiers resolve and belong "
                        "to one work (answers are kept in online_cache)")

    p = command("build", "check, then build the site into a folder swapped in only on success")
    p.add_argument("--site-dir", type=Path, default=None,
                   help="output folder (default: site_dir of mkdocs.yml, else site)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")

    p = command("serve", "live preview: rebuild on every change and serve the last good site")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; the preview is not meant for a network)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")

    p = command("cite", "add BibTeX records by DOI, PMID or PMCID, from Crossref and PubMed")
    p.add_argument("identifiers", nargs="+", metavar="IDENTIFIER",
                   help="10.xxxx/..., doi:..., https://doi.org/..., pmid:12345678 or PMC1234567")
    p.add_argument("--bib", type=Path, default=None,
                   help="BibTeX file in the citations folder to add to (default: the only one there)")
    p.add_argument("--key", default=None, help="citation key of the record (one identifier only)")
    p.add_argument("--dry-run", action="store_true", help="print the records, write nothing")

    p = command("new", "scaffold a new entry in the docs folder")
    p.add_argument("condition", help='the condition name, e.g. "Calcific tendinitis"')
    p.add_argument("--author", action="append", default=[], metavar="NAME",
                   help="credit NAME (a person) in the entry's `authors`; repeat for each author, in order. "
                        "Without it `authors` holds a placeholder that `ossref check` reports "
                        "(placeholder-author) until you write the names in")
    return parser


def _config(root: Path | None, require_folders: bool = False) -> Config:
    if root is None:
        root = find_root(Path.cwd())
        if root is None:
            raise ConfigError("no mkdocs.yml here or in any parent folder (use --root)")
    return load_config(root, require_folders=require_folders)


def _use_colour(out: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        # argparse writes help and usage errors to sys.stdout/sys.stderr;
        # send them to the caller's streams (tests run the CLI in-process).
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own usage message
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    if args.command is None:  # a bare `ossref`: show what it can do
        parser.print_help(out)
        return EXIT_OK
    try:
        config = _config(args.root, require_folders=args.command in ("check", "build"))
        if args.command == "check":
            return _check(config, args, out, err)
        if args.command == "build":
            return _build(config, args, out, err)
        if args.command == "serve":
            return _serve(config, args, out, err)
        if args.command == "new":
            return _new(config, args, out, err)
        if args.command == "cite":
            from ossref.online.cite import cite

            return cite(config, args.identifiers, bib=args.bib, key=args.key, dry_run=args.dry_run,
                        out=out, err=err)
    except ConfigError as exc:
        if args.command == "check" and args.format != "text":
            # Tools reading the output must still get one complete document.
            from ossref.pipeline import CheckResult

            report(CheckResult(None, exc.diagnostics), args.format, out)
        elif not exc.positioned:
            err.write(f"ossref: {exc}\n")
        else:
            for d in exc.diagnostics:
                err.write(f"ossref: {text_line(d)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("ossref: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        err.write(f"ossref: internal error: {type(exc).__name__}: {exc} (please report this)\n")
        return EXIT_INTERNAL
    return EXIT_USAGE


def _check(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ossref.pipeline import check

    scope = None
    if args.paths or args.changed_since is not None:
        from ossref.scope import ScopeError, resolve_scope

        try:
            scope = resolve_scope(config, args.paths, args.changed_since)
        except ScopeError as exc:
            err.write(f"ossref: {exc}\n")
            return EXIT_USAGE
    # A warm check keeps each file's part of the json or text report, to render only what changed.
    colour = _use_colour(out)
    render = json_items if args.format == "json" else \
        text_items if args.format == "text" and not args.quiet and not colour else None
    result = check(config, keep_pages=False, cache=not args.no_cache, render=render)
    for note in result.notes:
        err.write(f"ossref: {note}\n")
    if args.online:
        from ossref.online.verify import check_online

        result = check_online(config, result, err)
    hidden = 0
    if scope is not None:
        from ossref.scope import ScopeError, apply_scope

        try:
            # After the check, so the base check can start from its fresh snapshot.
            result, hidden = apply_scope(result, scope, config, cache=not args.no_cache)
        except ScopeError as exc:
            err.write(f"ossref: {exc}\n")
            return EXIT_USAGE
    if _KEPT is not None:
        _KEPT.append(result)
    report(result, args.format, out, quiet=args.quiet, colour=colour, hidden=hidden,
           uri_prefix=_git_prefix(config) if args.format == "sarif" else "")
    return EXIT_FAIL if result.failed(args.strict) else EXIT_OK


def _git_prefix(config: Config) -> str:
    """The project folder's path inside its git repository ("" at the top),
    so SARIF locations are relative to the repository as code scanning wants."""
    from ossref.scope import git_prefix

    return git_prefix(config.root)


def _build(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ossref.publish.build import Interrupted, build, default_site_dir

    site_dir = args.site_dir if args.site_dir is not None else default_site_dir(config)
    try:
        return build(config, site_dir, args.strict, out, err)
    except Interrupted as exc:
        err.write("ossref: terminated\n")
        return 128 + exc.signum


def _serve(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ossref.publish.serve import serve

    if not 0 <= args.port <= 65535:
        err.write(f"ossref: --port must be between 0 and 65535, got {args.port}\n")
        return EXIT_USAGE
    return serve(config, args.host, args.port, out, err)


def _new(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ossref.scaffold import ScaffoldError, new_entry

    try:
        path = new_entry(config, args.condition, authors=args.author)
    except ScaffoldError as exc:
        err.write(f"ossref: {exc}\n")
        return exc.exit_code
    out.write(f"created {path.relative_to(config.root).as_posix()}\n")
    return EXIT_OK


def console() -> None:
    """Entry point of the ``ossref`` console script (and ``python -m ossref``).

    After a check, the process ends without the interpreter's teardown,
    which would free the kept result object by object: the output streams
    are flushed first (exit 120 when that fails, as Python's own exit
    does), and no worker process or temporary file is left by then (the
    load's workers are shut down, the cache's writes are complete)."""
    global _KEPT
    _KEPT = []
    code = main()
    if not _KEPT:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = 120
    os._exit(code)

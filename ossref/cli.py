"""Command line: ``ossref check | build | serve | new``.

:func:`main` takes argv and returns the exit code, so tests call it in-process.
Exit codes: 0 success; 1 findings fail the check (or ``new`` refused to
overwrite, or the build failed); 2 usage or configuration error; 3 an internal
error in ossref itself (a bug: reported in one line, never as a traceback);
130 after Ctrl-C and 143 after SIGTERM (``build`` cleans up first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from . import __version__
from .config import Config, ConfigError, find_root, load_config
from .report import FORMATS, report

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ossref", description="Check and build an ossref wiki.")
    parser.add_argument("--version", action="version", version=f"ossref {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--root", type=Path, default=None,
                       help="project folder holding mkdocs.yml (default: found from the current folder up)")
        return p

    p = command("check", "check entries, citations and links")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--no-cache", action="store_true",
                   help="parse every file and leave the cache folder alone (as OSSREF_NO_CACHE=1 does)")

    p = command("build", "check, then build the site into a folder swapped in only on success")
    p.add_argument("--site-dir", type=Path, default=None,
                   help="output folder (default: site_dir of mkdocs.yml, else site)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")

    p = command("serve", "live preview: rebuild on every change and serve the last good site")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; the preview is not meant for a network)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")

    p = command("new", "scaffold a new entry in the docs folder")
    p.add_argument("condition", help='the condition name, e.g. "Calcific tendinitis"')
    return parser


def _config(root: Path | None) -> Config:
    if root is None:
        root = find_root(Path.cwd())
        if root is None:
            raise ConfigError("no mkdocs.yml here or in any parent folder (use --root)")
    return load_config(root)


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse prints its own usage message
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    try:
        config = _config(args.root)
        if args.command == "check":
            return _check(config, args, out, err)
        if args.command == "build":
            return _build(config, args, out, err)
        if args.command == "serve":
            return _serve(config, args, out, err)
        if args.command == "new":
            return _new(config, args, out, err)
    except ConfigError as exc:
        err.write(f"ossref: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("ossref: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        err.write(f"ossref: internal error: {type(exc).__name__}: {exc} (please report this)\n")
        return EXIT_INTERNAL
    return EXIT_USAGE


def _check(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .pipeline import check

    result = check(config, keep_pages=False, cache=not args.no_cache)
    for note in result.notes:
        err.write(f"ossref: {note}\n")
    report(result, args.format, out)
    return EXIT_FAIL if result.failed(args.strict) else EXIT_OK


def _build(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .build import Interrupted, build, default_site_dir

    site_dir = args.site_dir if args.site_dir is not None else default_site_dir(config)
    try:
        return build(config, site_dir, args.strict, out, err)
    except Interrupted as exc:
        err.write("ossref: terminated\n")
        return 128 + exc.signum


def _serve(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .serve import serve

    if not 0 <= args.port <= 65535:
        err.write(f"ossref: --port must be between 0 and 65535, got {args.port}\n")
        return EXIT_USAGE
    return serve(config, args.host, args.port, out, err)


def _new(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .scaffold import ScaffoldError, new_entry

    try:
        path = new_entry(config, args.condition)
    except ScaffoldError as exc:
        err.write(f"ossref: {exc}\n")
        return exc.exit_code
    out.write(f"created {path.relative_to(config.root).as_posix()}\n")
    return EXIT_OK


def console() -> None:
    """Entry point of the ``ossref`` console script."""
    sys.exit(main())

"""When each file was last committed, from one ``git log`` call.

:func:`last_commit_dates` is the only I/O :mod:`ossref.site.resolve` does. It never
raises and never writes to the terminal: a folder that is not in a git
repository, a missing ``git``, a shallow clone or a repository git refuses to
read (``safe.directory``) simply yield fewer dates, possibly none.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from pathlib import Path

__all__ = ["last_commit_dates"]

#: Longest a ``git log`` may run, in seconds, before the dates are given up on
#: (a build must not hang on a huge or broken repository).
TIMEOUT = 60.0

# Every token of `git log -z` output is NUL-terminated; a commit header is
# marked with \x01 so it cannot be mistaken for a file name.
_HEADER = "\x01"
_CHUNK = 1 << 16


def last_commit_dates(root: Path, paths: list[str]) -> dict[str, dt.date]:
    """The committer date of the last commit touching each of ``paths``.

    ``paths`` are relative to ``root`` with forward slashes (``Page.path``);
    the result maps each path that git knows to its date, and leaves out the
    others (never committed, or no usable repository). One ``git log`` runs
    over the history of ``root``; it is stopped as soon as every path has a
    date, so a long history costs no more than the commits it needs.
    """
    wanted = set(paths)
    if not wanted:
        return {}
    try:
        return _read_log(root, wanted)
    except (OSError, ValueError, subprocess.SubprocessError):
        return {}


def _command() -> list[str]:
    return [
        "git",
        "-c", "core.quotePath=false",
        "-c", "log.showSignature=false",
        "log",
        # %ci, not %cs: the date is its first ten characters on any git version.
        f"--format={_HEADER}%ci",
        "-z",
        "--name-only",
        # Only changes below `root`, named relative to it, even when the
        # repository's top is above it. No pathspec: with one, git also
        # simplifies history, diffing every commit twice (2x slower on a
        # 10,000-file folder).
        "--relative",
        # Rename detection is slow on large histories and changes nothing
        # here: the renamed file is still listed under its new name.
        "--no-renames",
    ]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    env.pop("GIT_PAGER", None)
    return env


def _read_log(root: Path, wanted: set[str]) -> dict[str, dt.date]:
    found: dict[str, dt.date] = {}
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        _command(), cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=_environment(),
    )
    # A blocked read cannot watch a clock; a timer ends a git that hangs.
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        _parse_stream(proc.stdout, wanted, found)  # type: ignore[arg-type]
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()  # every path has its date: the rest of the history is not needed
        proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()
    return found


def _parse_stream(stream, wanted: set[str], found: dict[str, dt.date]) -> None:
    date: dt.date | None = None
    pending = b""
    while len(found) < len(wanted):
        chunk = stream.read1(_CHUNK)
        if not chunk:
            break
        *tokens, pending = (pending + chunk).split(b"\0")
        for raw in tokens:
            token = raw.decode("utf-8", "surrogateescape")
            if token.startswith(_HEADER):
                date = _date(token[1:11])
                continue
            # The first name after a header follows the header's newline.
            name = token[1:] if token.startswith("\n") else token
            if date is not None and name in wanted and name not in found:
                found[name] = date


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None

"""Which files the project has, and which may be read.

:func:`walk` lists a folder's files without following a symbolic link and
without opening anything that is not a regular file, reporting each such
thing as ``unsafe-path``; :func:`read_pages` and :func:`bib_files` give each
file found its path relative to the project root (and a page its slug).
Reading bytes is :mod:`ossref.load.files`' job; parsing them is not done here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterator

from ossref.config import Config, relpath
from ossref.diagnostics import Diagnostic, diag
from ossref.load.files import read_bytes
from ossref.load.published import is_published


def walk(folder: Path, root: Path, suffix: str, others: list[tuple[Path, bool]] | None = None,
         strings: bool = False) -> tuple[list[Path], list[Diagnostic]]:
    """Regular files ending in ``suffix`` below ``folder``, sorted, plus an
    ``unsafe-path`` diagnostic for every symlink ending in ``suffix`` or
    leading to a folder (never followed), every symlink that loops, and every
    file that is not a regular file, whatever their names (a FIFO, socket or
    device: never opened, since opening a FIFO blocks until someone writes).

    ``others``, when given, receives every other file met (not hidden) as
    (path, is a regular file), unsorted: what links to non-Markdown files
    are checked against, in the same pass over the folder.

    Hidden files and folders (``.git``, editor swap files) are skipped.
    Folders are visited top-down, sub-folders in name order (as ``os.walk``
    does); entry types come from ``os.scandir``, without a ``stat`` per file.
    With ``strings`` the files found are given as strings, in the same
    order (a warm check of a large wiki need not make a Path of each)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    if folder.is_symlink():
        problems.append(_unsafe(folder, root, "folder is a symbolic link"))
        return found, problems
    stack = [str(folder)]
    while stack:
        here = stack.pop()
        dirs: list[tuple[str, bool]] = []
        files: list[tuple[str, bool, bool]] = []  # (name, is a link, is a regular file)
        loops: list[str] = []
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            # Told apart only to word the finding: a link to a
                            # folder is reported whatever its name.
                            try:
                                to_dir = entry.is_dir()
                            except OSError as exc:  # a loop, or a target out of reach
                                to_dir = False
                                if exc.errno == errno.ELOOP:  # whatever its name: it is no file at all
                                    loops.append(entry.name)
                                    continue
                            (dirs.append((entry.name, True)) if to_dir
                             else files.append((entry.name, True, False)))
                        elif entry.is_dir(follow_symlinks=False):
                            dirs.append((entry.name, False))
                        else:
                            files.append((entry.name, False, entry.is_file(follow_symlinks=False)))
                    except OSError:
                        files.append((entry.name, False, False))
        except OSError:  # unreadable folder: skipped, as os.walk does
            continue
        for name in sorted(loops):
            if not name.startswith("."):
                problems.append(_unsafe(Path(here, name), root, "symbolic link that loops"))
        subdirs = []
        for name, link in sorted(dirs):
            if name.startswith("."):
                continue
            if link:
                problems.append(_unsafe(Path(here, name), root, "folder is a symbolic link"))
            else:
                subdirs.append(os.path.join(here, name))
        for name, link, regular in sorted(files):
            if name.startswith("."):
                continue
            if not name.endswith(suffix) and (link or regular):
                # A special file is reported whatever its name (below): nothing
                # in the folder should be one, and no reader must meet it.
                if others is not None:
                    others.append((Path(here, name), regular and not link))
                continue
            if link:
                problems.append(_unsafe(Path(here, name), root, "file is a symbolic link"))
            elif regular:
                found.append(os.path.join(here, name))  # type: ignore[arg-type]
            else:
                path = Path(here, name)
                problems.append(_unsafe(path, root, f"{_kind(path)}, not a regular file",
                                        "replace it with a plain text file, or delete it"))
        stack.extend(reversed(subdirs))
    found.sort(key=_parts)  # as Paths sort: by their parts
    return (found if strings else [Path(path) for path in found]), problems


def _parts(path: str) -> list[str]:
    return path.split(os.sep)


def _kind(path: Path) -> str:
    """What a non-regular file is, for a message (``lstat`` never opens it)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "file that cannot be inspected"
    for test, what in ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return what
    return "special file"


def _unsafe(path: Path, root: Path, what: str, hint: str = "replace the link with the file itself") -> Diagnostic:
    return diag(relpath(path, root), 1, 1, "unsafe-path", f"{what}; it is not read", hint)


def slug_for(path: Path, docs: Path) -> str:
    return path.relative_to(docs).with_suffix("").as_posix()


def read_pages(paths: list[Path], config: Config) -> Iterator[tuple[str, str, bytes | None, list[Diagnostic]]]:
    """(rel, slug, bytes or None, diagnostics of reading) of each Markdown file."""
    for path, rel, slug in page_names(paths, config):
        data, problems = read_bytes(path, rel, config.max_file_bytes)
        yield rel, slug, data, problems


def page_names(paths: list[Path], config: Config) -> Iterator[tuple[Path, str, str]]:
    """(path, rel, slug) of each Markdown file (a Path, or a string from
    :func:`walk` with ``strings``), without reading it."""
    rel_of = Relative(config.root)
    under_docs = Relative(config.docs_path)
    for path in paths:
        rel = rel_of(path) or relpath(Path(path), config.root)
        slug = under_docs(path)
        slug = slug[: -len(".md")] if slug and slug.endswith(".md") else slug_for(Path(path), config.docs_path)
        yield path, rel, slug


def bib_files(config: Config) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """(path, rel) of every BibTeX file in the citations folder, in order,
    and the diagnostics of walking it."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    if config.citations_path.is_dir() or config.citations_path.is_symlink():
        found, problems = walk(config.citations_path, config.root, ".bib")
    rel_of = Relative(config.root)
    return [(p, rel_of(p) or relpath(p, config.root)) for p in found], problems


def docs_files(others: list[tuple[Path, bool]], config: Config) -> dict[str, bool]:
    """Path relative to the root -> whether the site publishes it, for each
    file of the docs folder that is not Markdown."""
    rel_of = Relative(config.root)
    out: dict[str, bool] = {}
    for path, regular in others:
        out[rel_of(path) or relpath(path, config.root)] = is_published(path.name, regular)
    return out


def read_within(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes; None when :func:`read_bytes` refuses them (the
    BibTeX loader then reports why, reading it itself)."""
    return read_bytes(path, "", max_bytes)[0]


class Relative:
    """The path below ``folder`` with forward slashes, by slicing the
    string, for the plain case (``relpath`` costs ~30 us a call, a tenth of a
    warm run on a large wiki); None otherwise, for the caller to use
    :func:`relpath` or :func:`slug_for`."""

    def __init__(self, folder: Path) -> None:
        self.prefix = os.path.join(str(folder), "")
        self.plain = os.pardir not in Path(self.prefix).parts

    def __call__(self, path: Path) -> str | None:
        text = str(path)
        if self.plain and text.startswith(self.prefix):
            rest = text[len(self.prefix):]
            parts = rest.split(os.sep)
            if rest and os.pardir not in parts and os.curdir not in parts and "" not in parts:
                return "/".join(parts)
        return None

"""Find and read the project's files: Markdown pages and BibTeX records.

:func:`load_project` walks the docs and citations folders without following
symlinks, reads each file at most once, refuses anything that is a link or
resolves outside the project, and returns a :class:`~ossref.model.Project`
with every diagnostic found while loading. It never raises for bad content;
only a missing docs folder is a :class:`~ossref.config.ConfigError`.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .bibliography import load_bibliography
from .config import Config, ConfigError, relpath
from .diagnostics import Diagnostic, diag
from .frontmatter import parse_frontmatter
from .model import Page, Project
from .scan import scan_body
from .schema import read_entry

#: File and folder names of slugs: lower-case ASCII kebab-case.
SLUG_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

#: Control characters (other than tab and line ends) and the bidirectional
#: overrides and isolates that can make text read differently from what it is.
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def walk(folder: Path, root: Path, suffix: str) -> tuple[list[Path], list[Diagnostic]]:
    """Regular files ending in ``suffix`` below ``folder``, sorted, plus an
    ``unsafe-path`` diagnostic for every symlink met (never followed).

    Hidden files and folders (``.git``, editor swap files) are skipped."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    if folder.is_symlink():
        problems.append(_unsafe(folder, root, "folder is a symbolic link"))
        return found, problems
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if name.startswith("."):
                dirnames.remove(name)
            elif (here / name).is_symlink():
                problems.append(_unsafe(here / name, root, "folder is a symbolic link"))
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(suffix):
                continue
            path = here / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(_unsafe(path, root, "file is a symbolic link"))
            elif stat.S_ISREG(mode):
                found.append(path)
    return sorted(found), problems


def _unsafe(path: Path, root: Path, what: str) -> Diagnostic:
    return diag(relpath(path, root), 1, 1, "unsafe-path", f"{what}; it is not read",
                "replace the link with the file itself")


def read_text(path: Path, rel: str, max_bytes: int) -> tuple[str | None, list[Diagnostic]]:
    """The file's text (UTF-8, a BOM removed), or None with a ``read-error``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [diag(rel, 1, 1, "read-error", f"file is {size} bytes, more than the limit of {max_bytes}",
                               "split it, or raise extra.ossref.max_file_bytes")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [diag(rel, 1, 1, "read-error", f"cannot read file: {exc.strerror or exc}")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [diag(rel, line, column, "read-error", f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                           "save the file as UTF-8")]


def unsafe_text(text: str, rel: str) -> list[Diagnostic]:
    """One ``unsafe-text`` diagnostic per offending character, at most five."""
    out = []
    for match in UNSAFE_TEXT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        out.append(diag(rel, line, column, "unsafe-text", f"invisible control character U+{ord(match.group()):04X}",
                        "delete it; it can make text display differently from what it is"))
        if len(out) == 5:
            break
    return out


def slug_for(path: Path, docs: Path) -> str:
    return path.relative_to(docs).with_suffix("").as_posix()


def load_page(path: Path, config: Config) -> tuple[Page | None, list[Diagnostic]]:
    """Read and parse one Markdown file; None when it could not be read."""
    rel = relpath(path, config.root)
    text, problems = read_text(path, rel, config.max_file_bytes)
    slug = slug_for(path, config.docs_path)
    if not all(SLUG_PART.fullmatch(part) for part in slug.split("/")):
        problems.append(diag(rel, 1, 1, "invalid-slug", f"file name `{slug}` is not lower-case kebab-case",
                             "rename it using a-z, 0-9 and single hyphens, e.g. `myositis-ossificans.md`"))
    if text is None:
        return None, problems
    if not text.strip():
        problems.append(diag(rel, 1, 1, "empty-page", "page is empty", "write the page, or delete the file"))
    problems += unsafe_text(text, rel)
    fm = parse_frontmatter(text, rel, config.max_frontmatter_bytes, config.max_yaml_depth)
    problems += fm.diagnostics
    page = Page(path=rel, slug=slug, source=text, meta=fm.data, meta_pos=fm.positions,
                body=fm.body, body_line=fm.body_line, meta_ok=fm.ok)
    if fm.ok:
        page.entry, found = read_entry(fm.data, fm.positions, rel)
        problems += found
    page.scan = scan_body(page.body, page.body_line)
    return page, problems


def load_project(config: Config) -> tuple[Project, list[Diagnostic]]:
    """Load every page and BibTeX file of the project."""
    if not config.docs_path.is_dir():
        raise ConfigError(f"docs folder {config.docs_dir}/ does not exist in {config.root}")
    problems: list[Diagnostic] = []
    md_files, found = walk(config.docs_path, config.root, ".md")
    problems += found
    pages = []
    for path in md_files:
        page, found = load_page(path, config)
        problems += found
        if page is not None:
            pages.append(page)
    bib_files: list[Path] = []
    if config.citations_path.is_dir() or config.citations_path.is_symlink():
        bib_files, found = walk(config.citations_path, config.root, ".bib")
        problems += found
    pairs = [(p, relpath(p, config.root)) for p in bib_files]
    references, found = load_bibliography(pairs, config.max_file_bytes)
    problems += found
    return Project(pages=pages, references=references, bib_files=[r for _, r in pairs]), problems

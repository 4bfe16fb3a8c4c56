"""Scoped checks: ``ossref check PATH...`` and ``ossref check --changed-since REV``.

The whole project is always checked, because cross-file rules need every
page. A scope only decides which findings are reported:

- findings in the named files (or files under a named folder);
- with ``--changed-since REV``: also every finding that the project as it is
  at REV does not have (a page whose link broke because its target was
  renamed, a differential that lost its entry). The files are those of
  ``git diff --name-only REV`` plus untracked ones, and the project at REV is
  read with ``git archive`` into a temporary folder and checked there;
- with plain paths (no base to compare with): also findings in other files
  whose message names a named file's slug, condition name, alias, file name
  or one of its BibTeX keys.

Naming ``mkdocs.yml`` scopes to everything: configuration touches every file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ossref.config import CONFIG_FILE, Config, ConfigError, is_inside

if TYPE_CHECKING:
    from ossref.diagnostics import Diagnostic
    from ossref.pipeline import CheckResult

#: A finding's identity when comparing with the base; the hint is left out
#: because a did-you-mean may change with the names around it.
FindingKey = tuple[str, int, int, str, str]

_BIB_KEY = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()]+)\s*,")


class ScopeError(Exception):
    """A scope that cannot be worked out (a path outside the project, a
    revision git does not know); the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Scope:
    #: Project-relative paths (forward slashes) of the named files.
    files: frozenset[str]
    #: Project-relative folders named, each ending in "/".
    folders: frozenset[str] = frozenset()
    #: Names a finding elsewhere may quote to be in scope (plain paths only).
    words: frozenset[str] = frozenset()
    #: The base commit of ``--changed-since``; None without one.
    base: str | None = None
    #: True when mkdocs.yml is named: no finding is left out.
    everything: bool = False

    def covers(self, path: str) -> bool:
        return path in self.files or any(path.startswith(folder) for folder in self.folders)


def key(d: Diagnostic) -> FindingKey:
    return (d.path, d.line, d.column, d.code, d.message)


def resolve_scope(config: Config, paths: list[Path], changed_since: str | None,
                  cwd: Path | None = None) -> Scope:
    """The scope of ``paths`` (relative to ``cwd``, default the current
    folder) and of the files changed since git revision ``changed_since``;
    raises ScopeError. Cheap: the base revision is checked by :func:`apply_scope`."""
    cwd = cwd or Path.cwd()
    files: set[str] = set()
    folders: set[str] = set()
    for path in paths:
        full = (cwd / path).resolve()
        if not is_inside(full, config.root):
            raise ScopeError(f"{path} is outside the project {config.root}")
        if not full.exists():
            raise ScopeError(f"{path} does not exist")
        rel = full.relative_to(config.root).as_posix()
        if full.is_dir():
            if rel == ".":
                return Scope(frozenset(), everything=True)
            folders.add(rel + "/")
        else:
            files.add(rel)
    base = None
    if changed_since is not None:
        base = _verify(config.root, changed_since)
        files |= changed_files(config.root, base)
    if CONFIG_FILE in files:
        return Scope(frozenset(files), everything=True)
    words = frozenset() if base is not None else frozenset(_names(config, files))
    return Scope(frozenset(files), frozenset(folders), words, base)


def apply_scope(result: CheckResult, scope: Scope, config: Config, *, cache: bool = True) -> tuple[CheckResult, int]:
    """``result`` (the check of the whole project) with only the findings in
    ``scope``, and how many were left out. With a base revision, checks the
    project at that revision first (raises ScopeError when git cannot give it);
    ``cache`` lets that check start from the current check's store."""
    if scope.everything:
        return result, 0
    before = base_findings(config, scope.base, cache=cache) if scope.base is not None else None
    patterns = [re.compile(r"(?<![\w.-])" + re.escape(word) + r"(?![\w-])", re.IGNORECASE)
                for word in sorted(scope.words) if word]
    kept = []
    for d in result.diagnostics:
        if scope.covers(d.path):
            kept.append(d)
        elif before is not None:
            if key(d) not in before:
                kept.append(d)
        elif any(p.search(d.message) for p in patterns):
            kept.append(d)
    return replace(result, diagnostics=kept), len(result.diagnostics) - len(kept)


# --------------------------------------------------------------------------- git


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ScopeError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        raise ScopeError(f"git {args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _verify(root: Path, rev: str) -> str:
    # A revision starting with "-" would be read by git as an option.
    if not rev or rev.startswith("-"):
        raise ScopeError(f"--changed-since: {rev!r} is not a git revision")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except ScopeError:
        raise ScopeError(f"--changed-since: git knows no commit {rev!r}") from None


def changed_files(root: Path, rev: str) -> set[str]:
    """Project-relative paths changed since ``rev`` (committed, staged or not)
    and untracked files that are not ignored; deleted files included."""
    commit = _verify(root, rev)
    changed = _git(root, "diff", "--name-only", "--relative", "-z", commit, "--").split("\0")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    return {p for p in changed + untracked if p}


def git_prefix(root: Path) -> str:
    """``root``'s path inside its git repository ("" at the top, or outside git)."""
    try:
        return _git(root, "rev-parse", "--show-prefix").strip()
    except ScopeError:
        return ""


def base_findings(config: Config, rev: str, *, cache: bool = True) -> set[FindingKey]:
    """The finding keys of the project as it is at ``rev``, checked in a
    temporary copy with the current configuration; empty when the project
    did not exist there yet. With ``cache``, the copy starts from a copy of
    the project's store and its journal (what warm checks appended since the
    store was last written whole), so only files that differ from both are
    parsed; the project's own cache is never written."""
    from ossref.load.store import JOURNAL_NAME, STORE_NAME, cache_folder
    from ossref.pipeline import check

    commit = _verify(config.root, rev)
    prefix = git_prefix(config.root)
    wanted = [name for name in (CONFIG_FILE, config.docs_dir, config.citations_dir)
              if _exists_at(config.root, f"{commit}:{prefix}{name}")]
    if config.docs_dir not in wanted:
        return set()
    with tempfile.TemporaryDirectory(prefix="ossref-base-") as tmp:
        _extract(config.root, f"{commit}:{prefix}" if prefix else commit, wanted, Path(tmp))
        base = replace(config, root=Path(tmp).resolve())
        mine, theirs = cache_folder(config), cache_folder(base)
        if cache and mine is not None and theirs is not None and (mine / STORE_NAME).is_file():
            theirs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(mine / STORE_NAME, theirs / STORE_NAME)
            if (mine / JOURNAL_NAME).is_file():
                shutil.copyfile(mine / JOURNAL_NAME, theirs / JOURNAL_NAME)
        try:
            result = check(base, keep_pages=False, cache=cache)
        except ConfigError:
            return set()
        return {key(d) for d in result.diagnostics}


def _exists_at(root: Path, object_name: str) -> bool:
    try:
        _git(root, "cat-file", "-e", object_name)
    except ScopeError:
        return False
    return True


def _extract(root: Path, tree: str, paths: list[str], target: Path) -> None:
    try:
        # From the top of the work tree: below it, git reads the paths as
        # relative to the current folder rather than to ``tree``.
        top = _git(root, "rev-parse", "--show-toplevel").strip()
        proc = subprocess.Popen(["git", "-C", top, "archive", "--format=tar", tree, "--", *paths],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise ScopeError(f"cannot run git: {exc}") from None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            # "data" refuses absolute paths, links out of the folder and devices:
            # the old revision is as untrusted as the new one.
            archive.extractall(target, filter="data")
    except (tarfile.TarError, OSError) as exc:
        proc.kill()
        raise ScopeError(f"cannot read the project at {tree}: {exc}") from None
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        proc.wait()
    if proc.returncode != 0:
        raise ScopeError(f"git archive failed: {stderr.strip()}")


# --------------------------------------------------------------------------- names


def _names(config: Config, files: set[str]) -> set[str]:
    """What other files' findings call the named files: a page's slug, file
    name, condition and aliases; a BibTeX file's name and keys."""
    from ossref.load.frontmatter import parse_frontmatter

    docs = config.docs_dir.strip("/") + "/"
    words: set[str] = set()
    for rel in files:
        path = config.root / rel
        words.add(rel)
        words.add(path.name)
        try:
            if path.stat().st_size > (config.max_file_bytes if rel.endswith(".md") else config.max_bib_bytes):
                continue
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if rel.endswith(".md") and rel.startswith(docs):
            words.add(rel[len(docs):-len(".md")])
            front = parse_frontmatter(text, rel, config.max_frontmatter_bytes, config.max_yaml_depth)
            data = front.data if front.ok and isinstance(front.data, dict) else {}
            aliases = data.get("aliases")
            names = [data.get("condition"), *(aliases if isinstance(aliases, list) else [])]
            words.update(name for name in names if isinstance(name, str) and name.strip())
        elif rel.endswith(".bib"):
            words.update(_BIB_KEY.findall(text))
    return words

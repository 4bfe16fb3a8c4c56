"""The incremental part of the MkDocs adapter (``ossref serve``).

Incremental builds (``ossref serve``): given an :class:`Increment` (the
previous complete site, its :class:`Built` record and the staged files that
changed since), the build renders only the changed and new pages, through
MkDocs' own dirty build with every file told exactly whether it changed
(never by modification times), into the same fresh folder as always. MkDocs
is handed the files, pages and nav the previous build left (:class:`Kept`)
when the staging folder holds the same files, instead of making them all
again. The site is then completed (:func:`complete`): with the increment's
spare (the folder served before the current one, :class:`Spare`), that
folder is brought up to date with only the files that differ and put where
the fresh folder was; without, every other file a full build would write is
hard-linked from the previous site. Either way files of pages that are no
longer staged are not carried over. Material's search index is written
whole, from each page's records as JSON text kept from the build that last
rendered it, in the order a full build writes them. Anything the increment
cannot vouch for makes it a full build: another ``mkdocs.yml``, theme, MkDocs
or Material version, nav, search engine, or a plugin other than Material's
search (a plugin may read every page).

Only :mod:`ossref.mkdocs.adapter` uses this module: it is the adapter's, split
off to keep each file to one job, and like the adapter it may import MkDocs.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Protocol

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, InclusionLevel

__all__ = ["Built", "Increment", "Kept", "Spare", "complete", "outputs", "release_pages", "reusing", "search_pieces",
           "splice", "staged_files"]

# Distributions whose code or templates shape every page: another version of
# any of them makes an increment a full build.
_DISTRIBUTIONS = ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "Pygments", "Jinja2")


@dataclass(frozen=True)
class Built:
    """What a build leaves for the next one to build incrementally.

    ``signature`` stands for everything but the staged pages that shapes the
    site (``mkdocs.yml``, theme, versions, nav, search engine); ``search`` holds
    each page's records of Material's search index, by path under the staging
    folder (empty without Material's search); ``rendered`` counts the pages
    MkDocs rendered this time; ``incremental`` says whether an increment was used.
    """

    signature: str
    search: Mapping[str, tuple[dict, ...]] = field(default_factory=dict)
    rendered: int = 0
    incremental: bool = False
    #: The theme's folders, in MkDocs' order: what the output audit accepts
    #: as the theme's own files and scripts.
    theme_dirs: tuple[str, ...] = ()
    #: The theme's name (``material``, ``mkdocs``...).
    theme_name: str = ""
    #: Every file the build wrote or carried over, by path under the site
    #: folder (None: not known, look at the folder): what the next increment
    #: may take from it without asking the file system about each.
    outputs: frozenset[str] | None = None
    #: Names this build's site for the output audit's memory of it
    #: (:class:`ossref.site.audit.Memo`).
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    #: When the site was completed from a spare (:class:`Spare`): the token
    #: of the served build it was made from, the files this build wrote and
    #: the files of that site it lacks. Every other file is the served
    #: site's own, the same inode. None: not known (look at every file).
    since: str | None = None
    written: frozenset[str] | None = None
    removed: frozenset[str] | None = None
    #: Each page's records of Material's search index as the JSON text the
    #: index holds them in, by path under the staging folder (filled by
    #: increments; a page missing is written from :attr:`search`).
    pieces: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: MkDocs' own objects of this build, for the next increment (:class:`Kept`).
    kept: Kept | None = field(default=None, compare=False, repr=False)


class Kept:
    """MkDocs' files of a build (theme files included) and their pages and
    navigation, for the next increment: MkDocs makes all of them again on
    every build, a page object for every file, although an increment
    renders a few. Reused only by the build that follows the one that left
    them (``owner``, its token), from the same staging folder holding the
    same files (then MkDocs, with the same configuration, would make the same
    files in the same order); the build using them makes a new page for each
    page it renders, as MkDocs does, and gives the others the build's date.
    A build that fails leaves them owned by nobody: the next one makes its own."""

    def __init__(self, owner: str, staging: str, staged: frozenset[str], files: Files) -> None:
        self.owner: str | None = owner
        self.staging = staging
        self.staged = staged
        self.files = files

    def take(self, owner: str, staging: str, staged: frozenset[str]) -> Files | None:
        """The files, for the build following ``owner``'s, or None."""
        usable = self.owner == owner and self.staging == staging and self.staged == staged
        self.owner = None
        return self.files if usable else None


def staged_files(staging: Path) -> frozenset[str]:
    """Every file under ``staging``, by path under it."""
    return frozenset(_written(staging))


@contextmanager
def reusing(files: Files | None) -> Iterator[None]:
    """While inside, MkDocs' build takes ``files`` (:class:`Kept`) instead
    of reading the docs and theme folders, and keeps the page of every file
    it does not render. Nothing changes with None."""
    if files is None:
        yield
        return
    from mkdocs.commands import build as module
    from mkdocs.utils import get_build_date

    real_files, real_navigation = module.get_files, module.get_navigation

    def get_files(config: MkDocsConfig) -> Files:
        for file in files:
            file.dest_dir = config.site_dir
            file.__dict__.pop("abs_dest_path", None)  # a cached property of the last site folder
        # MkDocs adds the theme's files to what this returns: they are in it.
        files.add_files_from_theme = lambda env, config: None  # type: ignore[method-assign]
        # MkDocs and its plugins ask for the pages about ten times a build,
        # each a pass over every file; nothing changes the files once MkDocs
        # has them (only Material's search may take part in an increment).
        found: dict[object, list] = {}

        def documentation_pages(*, inclusion=InclusionLevel.is_included) -> list:
            if inclusion not in found:
                found[inclusion] = Files.documentation_pages(files, inclusion=inclusion)
            return list(found[inclusion])

        files.documentation_pages = documentation_pages  # type: ignore[method-assign]
        return files

    def get_navigation(given: Files, config: MkDocsConfig) -> object:
        date = get_build_date()
        for file in given:
            page = file.page
            if page is None:
                continue
            if file.is_modified():
                file.page = None  # MkDocs makes a new one, as for a full build
            else:
                page.update_date = date
        return real_navigation(given, config)

    module.get_files, module.get_navigation = get_files, get_navigation  # type: ignore[assignment]
    try:
        yield
    finally:
        module.get_files, module.get_navigation = real_files, real_navigation  # type: ignore[assignment]
        files.__dict__.pop("add_files_from_theme", None)
        files.__dict__.pop("documentation_pages", None)


def release_pages(files: Files | None) -> None:
    """Drop what only the build itself needed of each page (its Markdown
    and HTML): at 10,000 entries, kept pages would hold them all."""
    for file in files or ():
        page = file.page
        if page is not None:
            page.markdown = page.content = None


def search_pieces(order: Sequence[str], rendered: Mapping[str, tuple[dict, ...]],
                  previous: Built) -> dict[str, str]:
    """Each page's records of the search index as JSON text, in ``order``:
    the pages ``rendered`` now from their records, the rest from the
    ``previous`` build's pieces (else its records)."""
    out = {}
    for uri in order:
        if uri in rendered:
            out[uri] = _dumps(rendered[uri])
            continue
        piece = previous.pieces.get(uri)
        out[uri] = piece if piece is not None else _dumps(previous.search.get(uri, ()))
    return out


def _dumps(records: Sequence[dict]) -> str:
    # As Material writes its whole index: the same separators and default.
    return ",".join(json.dumps(record, separators=(",", ":"), default=str) for record in records)


def splice(empty: str, pieces: Mapping[str, str]) -> str | None:
    """The search index text: ``empty``, what Material writes with no
    records (``{"config":{...},"docs":[]}``), with ``pieces`` as its
    records; None when ``empty`` is not of that form."""
    if not empty.endswith(_EMPTY_DOCS):
        return None
    return empty[: -len("]}")] + ",".join(piece for piece in pieces.values() if piece) + "]}"


_EMPTY_DOCS = '"docs":[]}'


class Spare(Protocol):
    """The folder served before the current one, kept to be brought up to
    date and swapped in (:class:`ossref.publish.swap.SpareSite`)."""

    def complete(self, new: Path, written: set[str], outputs: frozenset[str]) -> frozenset[str] | None:
        """Make ``new``, which holds the files the build wrote (``written``),
        the complete site: those, and each of ``outputs`` the served site has.
        Returns the served site's files the new one lacks; None when it
        could not (``new`` is then as it was)."""


@dataclass(frozen=True)
class Increment:
    """Leave to build only what changed since a previous build (see :func:`build_html`).

    ``base`` is the complete site that build produced, ``previous`` its
    :class:`Built`, ``changed`` the paths under the staging folder of every
    staged file that is new or whose content changed since (the caller
    compares the staged files, fragments included; a path that is not staged
    any more needs no mention). With ``spare`` the new site is completed
    from it (:func:`complete`).
    """

    base: Path
    previous: Built
    changed: frozenset[str]
    #: Where the rest of the site comes from instead of a folder of hard
    #: links made for each build; None: that folder (:func:`_carry_over`).
    spare: Spare | None = None


def _regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def outputs(files: Files) -> frozenset[str]:
    """What a successful build of ``files`` leaves in its site folder (see :attr:`Built.outputs`)."""
    return frozenset(file.dest_uri for file in files if file.inclusion.is_included())


def _only_changed(files: Files, increment: Increment, *, searching: bool) -> None:
    """Tell MkDocs' dirty build, file by file, whether to build it: when it
    changed, or the previous site lacks its output, or (a page) its search
    records. Files made in memory by a plugin are always built."""
    base = str(increment.base)
    known = increment.previous.outputs
    has = (lambda dest: dest in known) if known is not None else (
        lambda dest: _regular_file(os.path.join(base, dest)))
    for file in files:
        if file.abs_src_path is None:
            continue
        build = (file.src_uri in increment.changed
                 or not has(file.dest_uri)
                 or (searching and file.is_documentation_page() and file.src_uri not in increment.previous.search))
        # MkDocs asks each file; an instance attribute answers for this build only.
        file.is_modified = (lambda build=build: build)  # type: ignore[method-assign]


def _carry_over(files: Files, base: Path, site_dir: Path) -> None:
    """Hard-link (else copy) from ``base`` into ``site_dir`` every output of
    ``files`` this build did not write. Outputs of files that are gone are not
    in ``files``, so they stay behind.

    At 10,000 entries this is a folder and three files a page, so the file
    system is asked as little as it can be: only the files this build was
    told to write are looked for in ``site_dir`` (a file built in memory by
    a plugin counts as one), and a missing ``base`` file is found by the
    link failing rather than by a look first."""
    made: set[str] = set()
    site, source_root = str(site_dir), str(base)
    for file in files:
        if not file.inclusion.is_included():
            continue
        target = os.path.join(site, file.dest_uri)
        if (file.abs_src_path is None or file.is_modified()) and os.path.lexists(target):
            continue
        source = os.path.join(source_root, file.dest_uri)
        folder = os.path.dirname(target)
        if folder not in made:
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            made.add(folder)
        try:
            os.link(source, target)
        except FileExistsError:
            continue  # written by this build after all
        except OSError:
            if not _regular_file(source):
                continue  # the previous site lacks it: this build wrote it, or nobody does
            shutil.copy2(source, target)  # a file system without hard links


def _written(site_dir: Path) -> set[str]:
    """Every file under ``site_dir``, by path under it."""
    out: set[str] = set()
    root = str(site_dir)
    start = len(root) + 1
    for parent, _, names in os.walk(root):
        rel = parent[start:].replace(os.sep, "/")
        out.update(f"{rel}/{name}" if rel else name for name in names)
    return out


def complete(files: Files, increment: Increment, site_dir: Path) -> tuple[frozenset[str], frozenset[str]] | None:
    """After the dirty build of ``files`` into ``site_dir``: make it the whole
    site, from the increment's spare when it has one, else by
    :func:`_carry_over`. Returns (the files this build wrote, the files of
    the served site the new one lacks) when the spare was used, else None."""
    if increment.spare is not None:
        written = _written(site_dir)
        removed = increment.spare.complete(site_dir, written, outputs(files))
        if removed is not None:
            return frozenset(written), removed
    _carry_over(files, increment.base, site_dir)
    return None


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _signature(config: MkDocsConfig, nav: list[dict[str, str]], search: str) -> str:
    """A digest of what shapes every page besides its own staged file:
    ``mkdocs.yml``, the nav, the search engine, the plugins, the versions of
    MkDocs, Material and the Markdown libraries, and the theme's folders (the
    files of any folder that is not part of an installed theme package)."""
    h = hashlib.blake2b(digest_size=16)

    def add(*parts: object) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    add(Path(config.config_file_path).read_bytes(), json.dumps(nav), search, config.theme.name,
        *config.plugins.keys(), *(f"{d}={_version(d)}" for d in _DISTRIBUTIONS))
    packaged = _theme_packages()
    for folder in config.theme.dirs:
        add(folder)
        if any(folder == p or folder.startswith(p + os.sep) for p in packaged):
            continue  # an installed theme: its version stands for its files
        for parent, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(parent, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                add(os.path.relpath(path, folder), st.st_size, st.st_mtime_ns)
    return h.hexdigest()


def _theme_packages() -> list[str]:
    """Folders of the installed theme packages that :data:`_DISTRIBUTIONS` version."""
    import mkdocs

    found = [os.path.dirname(os.path.abspath(mkdocs.__file__))]
    try:
        import material
    except ImportError:
        return found
    return found + [os.path.dirname(os.path.abspath(material.__file__))]

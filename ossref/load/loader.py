"""Find and read the project's files: Markdown pages and BibTeX records.

:func:`load_project` walks the docs and citations folders without following
symlinks, reads each file at most once, refuses anything that is a link or
resolves outside the project, and returns a :class:`~ossref.model.Project`
with every diagnostic found while loading. It never raises for bad content;
only a missing docs folder is a :class:`~ossref.config.ConfigError`.

Per-file results (a page's front matter, schema and body scan; a BibTeX
file's records) are cached in the project's ``cache_dir`` by a hash of the
file's bytes, its path, the loading options and the code (see
:mod:`ossref.load.cache`); the cross-file BibTeX checks always rerun. A cached
result is the result loading the same bytes again would give, so the cache
changes speed only. ``OSSREF_NO_CACHE=1`` turns it off.

:func:`load_facts` is the same loading for ``ossref check``, which keeps of
each page only its :class:`~ossref.model.PageFacts` and diagnostics, between
runs too (:mod:`ossref.load.snapshot`), never the page itself.

When many files miss the cache (a cold run on a large wiki), they are parsed
by two worker processes; ``OSSREF_JOBS=1`` keeps everything in-process.
"""

from __future__ import annotations

import copy
import errno
import gc
import marshal
import os
import re
import stat
import threading
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from ossref.load.bibliography import load_bib_bytes, load_bib_file, merge_bibliography
from ossref.load.cache import Store, dumps, loads, open_store, unwritable_note
from ossref.check.rules import page_rules
from ossref.config import Config, ConfigError, relpath
from ossref.diagnostics import Diagnostic, diag
from ossref.load.frontmatter import parse_frontmatter
from ossref.model import Page, PageFacts, Project, ProjectFacts, Reference
from ossref.load.published import is_published
from ossref.load.scan import scan_body
from ossref.site.pagemeta import check_page_meta
from ossref.load.files import decode_text, read_bytes, read_text
from ossref.check.recover import partial_facts, recover_names, unread_facts
from ossref.load.schema import read_entry
from ossref.text.slugs import SLUG_PART, suggested_slug
from ossref.text.textsafety import UNSAFE_TEXT

T = TypeVar("T")




def walk(folder: Path, root: Path, suffix: str,
         others: list[tuple[Path, bool]] | None = None) -> tuple[list[Path], list[Diagnostic]]:
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
    does); entry types come from ``os.scandir``, without a ``stat`` per file."""
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
                found.append(Path(here, name))
            else:
                path = Path(here, name)
                problems.append(_unsafe(path, root, f"{_kind(path)}, not a regular file",
                                        "replace it with a plain text file, or delete it"))
        stack.extend(reversed(subdirs))
    return sorted(found), problems


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
    data, problems = read_bytes(path, rel, config.max_file_bytes)
    return parse_page(data, rel, slug_for(path, config.docs_path), config, problems)


def parse_page(data: bytes | None, rel: str, slug: str, config: Config,
               problems: list[Diagnostic] | None = None) -> tuple[Page | None, list[Diagnostic]]:
    """Parse one Markdown file's bytes (None: it could not be read, and
    ``problems`` says why), and run the rules that need only this file
    (:func:`ossref.check.rules.page_rules`). A pure function of its arguments:
    what the cache stores."""
    problems = list(problems or [])
    text = None
    if data is not None:
        text, found = decode_text(data, rel)
        problems += found
    if not all(SLUG_PART.fullmatch(part) for part in slug.split("/")):
        problems.append(diag(rel, 1, 1, "invalid-slug", f"file name `{slug}` is not lower-case kebab-case",
                             _slug_hint(slug)))
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
        problems += check_page_meta(fm.data, fm.positions, rel, config.statuses)
    page.scan = scan_body(page.body, page.body_line)
    problems += page_rules(page)
    return page, problems


def _slug_hint(slug: str) -> str:
    """``invalid-slug``'s hint: the name this very file, or the first folder
    of its path that is not kebab-case, should have."""

    parts = slug.split("/")
    bad = next(i for i, part in enumerate(parts) if not SLUG_PART.fullmatch(part))
    better = suggested_slug(parts[bad])
    if not better:
        return "rename it using a-z, 0-9 and single hyphens"
    if bad == len(parts) - 1:
        return f"rename it to `{better}.md`"
    return f"rename the folder `{parts[bad]}` to `{better}`"


# --------------------------------------------------------------------------- cache form
#
# A cached page is stored without its text: the source is the file's bytes,
# which the loader has in hand anyway (it hashes them), and the body is
# almost always a suffix of the source. That keeps the store a tenth of the
# size of the wiki.


def freeze_page(page: Page | None, problems: list[Diagnostic]) -> bytes:
    """The cache blob of a :func:`parse_page` result."""
    if page is None:
        return dumps((None, 0, problems))
    shell = copy.copy(page)
    source, body = page.source, page.body
    start = len(source) - len(body)
    if source.endswith(body):
        shell.body = ""
    else:  # not expected: keep the body itself
        start = -1
    shell.source = ""
    return dumps((shell, start, problems))


def thaw_page(value: Any, data: bytes) -> tuple[Page | None, list[Diagnostic]]:
    """A :func:`parse_page` result from its unpickled cache blob and the
    file's bytes; raises on a malformed value (the caller reparses)."""
    shell, start, problems = value
    if shell is None:
        return None, list(problems)
    if not isinstance(shell, Page) or not isinstance(start, int):
        raise TypeError("not a cached page")
    text = data.decode("utf-8-sig")
    shell.source = text
    if start >= 0:
        shell.body = text[start:]
    return shell, list(problems)


def freeze_bib(loaded: tuple[list[Reference], list[Diagnostic]]) -> bytes:
    return dumps(loaded)


def thaw_bib(value: Any) -> tuple[list[Reference], list[Diagnostic]]:
    refs, problems = value
    if not isinstance(refs, list) or not all(isinstance(r, Reference) for r in refs):
        raise TypeError("not a cached BibTeX file")
    return refs, list(problems)


# --------------------------------------------------------------------------- workers
#
# Parsing is CPU-bound Python, so a cold run on a large wiki spreads the files
# that missed the cache over two worker processes. A worker returns cache
# blobs (it has to serialise its results anyway), which the parent unpickles
# and stores as they are. Measured on the 2-CPU development machine with the
# second CPU free, a 10,000-entry cold check (benchmarks/generate.py) went
# from ~11 s to ~8.5 s of wall time for ~15% more CPU time; below
# PARALLEL_MIN_BYTES the start-up cost outweighs the gain.

#: Parse in worker processes only when the files to parse hold this many bytes.
PARALLEL_MIN_BYTES = 6_000_000
#: Files per task sent to a worker.
_CHUNK_BYTES = 2_000_000
JOBS_ENV = "OSSREF_JOBS"


def _jobs() -> int:
    """Worker processes to parse with: ``OSSREF_JOBS`` if set; else 2 when
    this process may use two CPUs and the second one is idle. Workers cost
    ~15% more CPU in all (results cross a pipe), so on a machine already
    busy with other work they only slow the run down."""
    raw = os.environ.get(JOBS_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            return 1
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    jobs = min(2, available)
    if jobs > 1:
        try:
            busy = os.getloadavg()[0]  # counts this process too
        except (AttributeError, OSError):
            busy = 0.0
        if busy > available - 0.5:
            jobs = 1
    return jobs


def _work_pages(items: list[tuple[bytes, str, str]], config: Config) -> list[bytes]:
    """Worker: parse pages from their bytes; their cache blobs, in order."""
    gc.disable()  # a worker makes no reference cycles worth collecting
    return [freeze_page(*parse_page(data, rel, slug, config)) for data, rel, slug in items]


def _work_bib(path: str, rel: str, data: bytes | None, config: Config) -> bytes:
    """Worker: load one BibTeX file; its cache blob."""
    gc.disable()
    return freeze_bib(_load_bib(Path(path), rel, data, config))


def _load_bib(path: Path, rel: str, data: bytes | None, config: Config) -> tuple[list[Reference], list[Diagnostic]]:
    """Load a BibTeX file: from ``data`` when given (the bytes the cache key
    was made from, so the result belongs to exactly them even if the file
    changes meanwhile); else the file itself is read."""
    if data is None:
        return load_bib_file(path, rel, config.max_file_bytes, config.max_bib_expansion, config.max_bib_blocks)
    return load_bib_bytes(data, rel, config.max_file_bytes, config.max_bib_expansion, config.max_bib_blocks)


def _executor(jobs: int):
    import concurrent.futures
    import multiprocessing

    # fork is cheap and shares the loaded modules, but is unsafe in a
    # process running other threads (ossref serve): then spawn.
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if "fork" in methods and threading.active_count() == 1 else "spawn"
    return concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading makes millions of objects and no reference cycles: pause the
    cyclic GC (30% of a cold load on a large wiki), then move what was made
    into the oldest generation, so the next young collections do not scan it
    all over again. Nothing is frozen for good: it stays collectable."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- project


def load_project(config: Config, *, cache: bool = True,
                 notes: list[str] | None = None) -> tuple[Project, list[Diagnostic]]:
    """Load every page and BibTeX file of the project. ``cache=False`` (or
    ``OSSREF_NO_CACHE=1`` in the environment) neither reads nor writes the
    check cache. A cache that cannot be written (read-only folder, full
    disk) is no cache: a line saying so is appended to ``notes``, for the
    caller to show (it is no diagnostic: nothing is wrong with the project)."""
    if not config.docs_path.is_dir():
        raise ConfigError(f"docs folder {config.docs_dir}/ does not exist in {config.root}")
    with _gc_paused():
        store = open_store(config, enabled=cache)
        problems: list[Diagnostic] = []
        others: list[tuple[Path, bool]] = []
        md_files, found = walk(config.docs_path, config.root, ".md", others)
        problems += found
        pairs, bib_walk = _bib_files(config)
        loader = _Loader(config, store)
        page_results = loader.pages(md_files)
        bib_results = loader.bibs(pairs)
        loader.run()
        pages = []
        unread: list[PageFacts] = []
        rel_of, under_docs = _Relative(config.root), _Relative(config.docs_path)
        for path, result in zip(md_files, page_results):
            page, found = result()
            problems += found
            if page is not None:
                pages.append(page)
                continue
            rel = rel_of(path) or relpath(path, config.root)
            slug = (under_docs(path) or "").removesuffix(".md") or slug_for(path, config.docs_path)
            # Read once more, on this error path only, for the names of a
            # file that is not UTF-8 (the cache keeps no text of it).
            unread.append(unread_facts(rel, slug, read_bytes(path, rel, config.max_file_bytes)[0]))
        problems += bib_walk
        references, found = merge_bibliography([result() for result in bib_results])
        problems += found
        store.save()
    _note_unwritable(notes, config, store.problem)
    return Project(pages=pages, references=references, bib_files=[r for _, r in pairs],
                   files=_docs_files(others, config), unread=unread), problems


def load_facts(config: Config, *, cache: bool = True,
               notes: list[str] | None = None) -> tuple[ProjectFacts, list[Diagnostic]]:
    """What ``ossref check`` needs of the project: the facts of every page,
    where each BibTeX record is, and every diagnostic found while loading;
    :func:`load_project` without keeping a page in memory.

    Each file is read and hashed; a page whose path and bytes are those of
    the last run's snapshot (:mod:`ossref.load.snapshot`) is not parsed again, nor
    are the BibTeX files when none changed. ``cache=False`` (or
    ``OSSREF_NO_CACHE=1``) parses everything and writes nothing. ``notes``:
    as for :func:`load_project`."""
    from ossref.load.snapshot import freeze_diagnostics, open_snapshot, thaw_diagnostics

    if not config.docs_path.is_dir():
        raise ConfigError(f"docs folder {config.docs_dir}/ does not exist in {config.root}")
    with _gc_paused():
        snapshot = open_snapshot(config, enabled=cache)
        problems: list[Diagnostic] = []
        others: list[tuple[Path, bool]] = []
        md_files, found = walk(config.docs_path, config.root, ".md", others)
        problems += found
        records: dict[str, Any] = {}  # rel -> PageRecord, in path order
        misses: list[tuple[bytes, str, str, bytes]] = []  # (data, rel, slug, key)
        for rel, slug, data, found in _read_pages(md_files, config):
            if data is None:  # unreadable or too large: nothing to keep but its slug
                _, found = parse_page(None, rel, slug, config, found)
                records[rel] = (b"", tuple(unread_facts(rel, slug, None)), freeze_diagnostics(found))
                continue
            key = snapshot.key(rel, data) if snapshot.enabled else b""
            record = snapshot.page(rel, key) if key else None
            records[rel] = record
            if record is None:
                misses.append((data, rel, slug, key))
        for rel, record in _parse_facts(misses, config):
            records[rel] = record
        del misses
        bibs, store_problem = _bib_facts(config, snapshot)
        pages: list[PageFacts] = []
        for rel, (_, facts, diagnostics) in records.items():
            if diagnostics:
                problems += thaw_diagnostics(diagnostics)
            if facts is not None:
                pages.append(PageFacts._make(facts))
        signature, references, bib_diagnostics = bibs
        problems += thaw_diagnostics(bib_diagnostics)
        if snapshot.enabled:
            kept = {rel: record for rel, record in records.items() if record[0]}
            if kept != snapshot.pages or bibs != snapshot.bibs:
                snapshot.save(kept, bibs)
    _note_unwritable(notes, config, snapshot.problem or store_problem)
    bib_files = [rel for rel, _ in signature]
    return ProjectFacts(pages=pages, references=references, bib_files=bib_files,
                        files=_docs_files(others, config)), problems


def _docs_files(others: list[tuple[Path, bool]], config: Config) -> dict[str, bool]:
    """Path relative to the root -> whether the site publishes it, for each
    file of the docs folder that is not Markdown."""
    rel_of = _Relative(config.root)
    out: dict[str, bool] = {}
    for path, regular in others:
        out[rel_of(path) or relpath(path, config.root)] = is_published(path.name, regular)
    return out


def _read_pages(paths: list[Path], config: Config) -> Iterator[tuple[str, str, bytes | None, list[Diagnostic]]]:
    """(rel, slug, bytes or None, diagnostics of reading) of each Markdown file."""
    rel_of = _Relative(config.root)
    under_docs = _Relative(config.docs_path)
    for path in paths:
        rel = rel_of(path) or relpath(path, config.root)
        slug = under_docs(path)
        slug = slug[: -len(".md")] if slug and slug.endswith(".md") else slug_for(path, config.docs_path)
        data, problems = read_bytes(path, rel, config.max_file_bytes)
        yield rel, slug, data, problems


def _bib_files(config: Config) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """(path, rel) of every BibTeX file in the citations folder, in order,
    and the diagnostics of walking it."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    if config.citations_path.is_dir() or config.citations_path.is_symlink():
        found, problems = walk(config.citations_path, config.root, ".bib")
    rel_of = _Relative(config.root)
    return [(p, rel_of(p) or relpath(p, config.root)) for p in found], problems


def _read_within(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes; None when :func:`read_bytes` refuses them (the
    BibTeX loader then reports why, reading it itself)."""
    return read_bytes(path, "", max_bytes)[0]


def _chunks(items: list[T], size_of: Callable[[T], int]) -> list[list[T]]:
    """``items`` in order, cut into tasks for a worker of about
    :data:`_CHUNK_BYTES` each."""
    chunks: list[list[T]] = []
    size = 0
    for item in items:
        if not chunks or size >= _CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += size_of(item)
    return chunks


def _parse_facts(misses: list[tuple[bytes, str, str, bytes]], config: Config) -> Iterator[tuple[str, Any]]:
    """(rel, PageRecord) of each page in ``misses``: parsed here, or in worker
    processes when there are many bytes to parse (see :func:`_jobs`)."""
    todo = sum(len(miss[0]) for miss in misses)
    jobs = _jobs()
    if jobs > 1 and todo >= PARALLEL_MIN_BYTES and len(misses) > 1:
        try:
            yield from _parse_facts_parallel(misses, config, jobs)
            return
        except (OSError, ImportError, BrokenProcessPool):
            pass  # the platform cannot run workers: parse them here
    for data, rel, slug, key in misses:
        yield rel, (key, *_page_record(data, rel, slug, config))


def _page_record(data: bytes, rel: str, slug: str, config: Config) -> tuple[Any, tuple]:
    """(facts as a plain tuple or None, diagnostics as tuples) of one page."""
    from ossref.check.rules import page_facts
    from ossref.load.snapshot import freeze_diagnostics

    page, problems = parse_page(data, rel, slug, config)
    facts = page_facts(page) if page is not None else unread_facts(rel, slug, data)
    return tuple(facts), freeze_diagnostics(problems)


def _work_facts(items: list[tuple[bytes, str, str]], config: Config) -> bytes:
    """Worker: the facts records of pages, marshalled (a fraction of the
    size of whole pages, which is what makes them cheap to send back)."""
    gc.disable()
    return marshal.dumps([_page_record(data, rel, slug, config) for data, rel, slug in items])


def _parse_facts_parallel(misses: list[tuple[bytes, str, str, bytes]], config: Config,
                          jobs: int) -> Iterator[tuple[str, Any]]:
    chunks = _chunks(misses, lambda miss: len(miss[0]))
    with _executor(jobs) as pool:
        futures = [(chunk, pool.submit(_work_facts, [m[:3] for m in chunk], config)) for chunk in chunks]
        del chunks
        # Collected in full before yielding: a worker that fails makes the
        # caller parse everything itself, never half of it twice.
        done = [(chunk, marshal.loads(future.result())) for chunk, future in futures]
    for chunk, results in done:
        for (_, rel, _, key), (facts, diagnostics) in zip(chunk, results):
            yield rel, (key, facts, diagnostics)


def _note_unwritable(notes: list[str] | None, config: Config, problem: OSError | None) -> None:
    if notes is not None and problem is not None:
        note = unwritable_note(config, problem)
        if note not in notes:
            notes.append(note)


def _bib_facts(config: Config, snapshot: Any) -> tuple[tuple, OSError | None]:
    """The BibTeX part of the facts: (signature, {key: (path, line, column)},
    diagnostics as tuples), and why the check cache could not be written
    (or None). The last run's when every BibTeX file has the same path and
    bytes; else loaded through the check cache and merged."""
    from ossref.load.snapshot import freeze_diagnostics

    pairs, problems = _bib_files(config)
    contents: dict[Path, bytes | None] = {}
    if snapshot.enabled:
        for path, _ in pairs:
            contents[path] = _read_within(path, config.max_file_bytes)
    # The bytes hashed here are the bytes parsed below, so the signature
    # stored with the result is the signature of what it was made from.
    signature = tuple((rel, snapshot.key(rel, contents[path]) if contents.get(path) is not None else b"")
                      for path, rel in pairs)
    if snapshot.bibs is not None and snapshot.bibs[0] == signature and all(key for _, key in signature):
        return snapshot.bibs, None
    store = open_store(config, enabled=snapshot.enabled)
    loader = _Loader(config, store)
    results = loader.bibs(pairs, contents)
    loader.run()
    references, found = merge_bibliography([result() for result in results])
    store.save(prune=False)
    positions = {key: (ref.path, ref.line, ref.column) for key, ref in references.items()}
    return (signature, positions, freeze_diagnostics(problems + found)), store.problem


class _Loader:
    """Reads every file once, serves cache hits, and parses the misses
    in-process or in worker processes. ``pages``/``bibs`` return one callable
    per file that gives its result after :meth:`run`."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.page_misses: list[tuple[int, bytes, str, str, bytes]] = []  # (slot, data, rel, slug, key)
        self.bib_misses: list[tuple[int, Path, str, bytes | None, bytes]] = []  # (slot, path, rel, data, key)
        self.page_slots: list[Any] = []
        self.bib_slots: list[Any] = []

    def pages(self, paths: list[Path]) -> list[Any]:
        config, store = self.config, self.store
        out = []
        for rel, slug, data, problems in _read_pages(paths, config):
            if data is None:  # unreadable or too large: nothing to cache
                out.append(_ready(parse_page(None, rel, slug, config, problems)))
                continue
            key = store.key("page", rel, data) if store.enabled else b""
            hit = self._hit(key, lambda value, data=data: thaw_page(value, data))
            if hit is not None:
                out.append(_ready(hit))
                continue
            slot = len(self.page_slots)
            self.page_slots.append(None)
            self.page_misses.append((slot, data, rel, slug, key))
            out.append(lambda slot=slot: self.page_slots[slot])
        return out

    def bibs(self, pairs: list[tuple[Path, str]], contents: dict[Path, bytes | None] | None = None) -> list[Any]:
        """``contents``: the bytes of some of the files, already read (None:
        unreadable or too large); the others are read here."""
        config, store = self.config, self.store
        out = []
        for path, rel in pairs:
            if not store.enabled:  # nothing to key: parse the file itself, possibly in a worker
                slot = len(self.bib_slots)
                self.bib_slots.append(None)
                self.bib_misses.append((slot, path, rel, contents.get(path) if contents else None, b""))
                out.append(lambda slot=slot: self.bib_slots[slot])
                continue
            if contents is not None and path in contents:
                data = contents[path]
            else:
                data = _read_within(path, config.max_file_bytes)
            if data is None:  # a file load_bib_file reports on by itself (too large, unreadable)
                out.append(_ready(_load_bib(path, rel, None, config)))
                continue
            key = store.key("bib", rel, data)
            hit = self._hit(key, thaw_bib)
            if hit is not None:
                out.append(_ready(hit))
                continue
            slot = len(self.bib_slots)
            self.bib_slots.append(None)
            self.bib_misses.append((slot, path, rel, data, key))
            out.append(lambda slot=slot: self.bib_slots[slot])
        return out

    def _hit(self, key: bytes, thaw) -> Any | None:
        if not key:
            return None
        value = self.store.get(key)
        if value is None:
            return None
        try:
            return thaw(value)
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            self.store.drop(key)
            return None

    def run(self) -> None:
        """Parse every miss and store its result."""
        todo = sum(len(m[1]) for m in self.page_misses) + sum(
            len(m[3]) if m[3] is not None else _size(m[1]) for m in self.bib_misses)
        jobs = _jobs()
        if jobs > 1 and todo >= PARALLEL_MIN_BYTES and len(self.page_misses) + len(self.bib_misses) > 1:
            try:
                self._run_parallel(jobs)
            except (OSError, ImportError, BrokenProcessPool):
                pass  # the platform cannot run workers: parse what is left here
        self._run_serial()
        self.page_misses, self.bib_misses = [], []

    def _run_serial(self) -> None:
        config, store = self.config, self.store
        misses, self.page_misses = self.page_misses, []
        misses.reverse()
        while misses:  # popped, so that each file's bytes go once parsed
            slot, data, rel, slug, key = misses.pop()
            if self.page_slots[slot] is not None:
                continue
            result = parse_page(data, rel, slug, config)
            if store.enabled:
                store.put_blob(key, freeze_page(*result))
            self.page_slots[slot] = result
        for slot, path, rel, data, key in self.bib_misses:
            if self.bib_slots[slot] is not None:
                continue
            result = _load_bib(path, rel, data, config)
            if store.enabled:
                store.put_blob(key, freeze_bib(result))
            self.bib_slots[slot] = result

    def _run_parallel(self, jobs: int) -> None:
        config, store = self.config, self.store
        with _executor(jobs) as pool:
            # BibTeX files first: each is one big task.
            bib_futures = [(slot, key, pool.submit(_work_bib, str(path), rel, data, config))
                           for slot, path, rel, data, key in self.bib_misses]
            chunks = _chunks(self.page_misses, lambda miss: len(miss[1]))
            page_futures = [(chunk, pool.submit(_work_pages, [(m[1], m[2], m[3]) for m in chunk], config))
                            for chunk in chunks]
            del chunks
            page_futures.reverse()
            # From here the chunks own the misses, so that each file's bytes
            # and blobs can go once used; if this fails, the rest go back.
            self.page_misses = []
            try:
                while page_futures:
                    chunk, future = page_futures[-1]
                    blobs = future.result()
                    for (slot, data, _rel, _slug, key), blob in zip(chunk, blobs):
                        self.page_slots[slot] = thaw_page(loads(blob), data)
                        if store.enabled:
                            store.put_blob(key, blob)
                    del blobs, future
                    page_futures.pop()
            except BaseException:
                self.page_misses = [miss for chunk, _ in reversed(page_futures) for miss in chunk]
                raise
            bib_futures.reverse()
            while bib_futures:
                slot, key, future = bib_futures.pop()
                blob = future.result()
                del future
                self.bib_slots[slot] = thaw_bib(loads(blob))
                if store.enabled:
                    store.put_blob(key, blob)


class _Relative:
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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _ready(value: Any):
    return lambda: value



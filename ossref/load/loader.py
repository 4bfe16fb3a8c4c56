"""Load a project: the one route ``check``, ``build`` and ``serve`` take.

:func:`load` walks the docs and citations folders (:mod:`ossref.load.walk`:
no symbolic link followed, nothing but regular files opened), reads each
file once, and gives back what the caller needs of it:

* ``need="facts"`` (``ossref check``): each page's
  :class:`~ossref.model.PageFacts` and where each BibTeX record is, as a
  :class:`~ossref.model.ProjectFacts`. No :class:`~ossref.model.Page` is
  kept in memory, nor unpickled from the store;
* ``need="pages"`` (``build``, ``serve``): a :class:`~ossref.model.Project`
  of parsed pages and references. A page found in the store is rebuilt from
  the page stored without its text and the file's bytes, which were read
  anyway to find its entry.

and every diagnostic found while loading. It never raises for bad content;
only a missing docs folder is a :class:`~ossref.config.ConfigError`.

Each file's result is kept in the store (:mod:`ossref.load.store`), the
facts in the part every run reads and the page in the part only
``need="pages"`` reads (:mod:`ossref.load.records`), so a check warms what
the build reuses and the other way round; the merge of the
BibTeX files is kept too. A stored result is the result loading the same
bytes again would give, so the store changes speed only.

The per-page rules are the check stage's (:func:`ossref.check.page.page_rules`);
the pipeline hands them in as ``rules``, so loading never imports checking.
A load without them neither reads nor writes the store (its results would
lack those findings). When many files miss the store, they are parsed in
worker processes (:mod:`ossref.load.workers`). When the store holds nothing
to look up (a cold run, or no cache), this process does not read the pages:
the workers read their own files (only paths cross the pipe), the results
are taken as each task completes, and this process parses the BibTeX files
meanwhile.

:func:`load_project` and :func:`load_facts` are :func:`load` with one
``need`` each, under their former names; :func:`load_references` loads
the BibTeX files alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from ossref.config import Config, ConfigError
from ossref.diagnostics import Diagnostic
from ossref.load import workers
from ossref.load.bibliography import load_bib, merge_bibliography
from ossref.load.facts import page_facts
from ossref.load.files import read_bytes  # noqa: F401 - importable from here too
from ossref.load.parse import PageRules, load_page, parse_page, unsafe_text  # noqa: F401 - importable from here too
from ossref.load.memo import LoadMemo, stat_key
from ossref.load.records import (entry_facts, entry_page, freeze_bib, freeze_diagnostics, page_entry, split_entry,
                                 thaw_bib, thaw_diagnostics)
from ossref.load.recover import recover_names, unread_facts  # noqa: F401 - importable from here too
from ossref.load.store import PAGE, Store, content_address, open_store, unwritable_note
from ossref.load.walk import bib_files, docs_files, page_names, read_pages, read_within, slug_for, walk  # noqa: F401
from ossref.model import Page, PageFacts, Project, ProjectFacts, Reference
from ossref.text.textsafety import UNSAFE_TEXT  # noqa: F401 - importable from here too

#: What a caller needs of each page: its facts only, or the parsed page.
Need = Literal["facts", "pages"]


def load(config: Config, *, need: Need = "facts", rules: PageRules | None = None, cache: bool = True,
         notes: list[str] | None = None, memo: LoadMemo | None = None,
         memo_out: LoadMemo | None = None) -> tuple[Project | ProjectFacts, list[Diagnostic]]:
    """Load every page and BibTeX file of the project: a
    :class:`~ossref.model.ProjectFacts` for ``need="facts"``, a
    :class:`~ossref.model.Project` for ``need="pages"``, and the diagnostics
    found, the ``rules``' findings on each page included.

    ``cache=False`` (or ``OSSREF_NO_CACHE=1``) neither reads nor writes the
    store. A store that cannot be written (read-only folder, full disk) is
    no store: a line saying so is appended to ``notes``, for the caller to
    show (it is no diagnostic: nothing is wrong with the project).

    ``memo_out`` (``need="facts"`` only) receives, per file read, its stat
    and what loading it gave (:class:`~ossref.load.memo.LoadMemo`); given the
    previous run's ``memo``, a file whose stat it trusts is taken from it
    without being read, and the files that are read are parsed without the
    store (neither read nor written): the memo holds what the store would.
    The result is the same as without a memo."""
    if need not in ("facts", "pages"):
        raise ValueError(f"need: {need!r}")
    if memo_out is not None:
        if need != "facts":
            raise ValueError("a load memo is for need='facts'")
        return load_with_memo(config, rules, cache, notes, memo, memo_out, False)  # type: ignore[return-value]
    if not config.docs_path.is_dir():
        raise ConfigError(f"docs folder {config.docs_dir}/ does not exist in {config.root}")
    with workers.gc_paused():
        store = open_store(config, enabled=cache and rules is not None, salt=_rules_salt(rules),
                           with_pages=need == "pages")
        problems: list[Diagnostic] = []
        others: list[tuple[Path, bool]] = []
        md_files, found = walk(config.docs_path, config.root, ".md", others)
        problems += found
        run = _Run(config, store, need, rules)
        if store.empty:  # nothing to look up: whoever parses a page reads it
            for path, rel, slug in page_names(md_files, config):
                run.page_unread(path, rel, slug, _size(path))
        else:
            for rel, slug, data, found in read_pages(md_files, config):
                run.page(rel, slug, data, found)
        pairs, bib_walk = bib_files(config)
        run.bibs(pairs)
        run.parse()
        facts: list[PageFacts] = []
        pages: list[Page] = []
        unread: list[PageFacts] = []
        for one, page, found in run.page_results:
            problems += thaw_diagnostics(found) if isinstance(found, tuple) else found
            if need == "facts":
                facts.append(one)
            elif page is not None:
                pages.append(page)
            else:
                unread.append(one)
        problems += bib_walk
        references, found = run.bibliography()
        problems += found
        store.save()
    if notes is not None and store.problem is not None:
        note = unwritable_note(config, store.problem)
        if note not in notes:
            notes.append(note)
    files = docs_files(others, config)
    bib_rels = [rel for _, rel in pairs]
    if need == "facts":
        return ProjectFacts(pages=facts, references=references, bib_files=bib_rels, files=files), problems
    return Project(pages=pages, references=references, bib_files=bib_rels, files=files, unread=unread), problems


def load_with_memo(config: Config, rules: PageRules | None, cache: bool, notes: list[str] | None,
                   memo: LoadMemo | None, out: LoadMemo, quick: bool) -> tuple[ProjectFacts | None, list[Diagnostic]]:
    """:func:`load` with ``need="facts"`` through a memo (see there); with
    ``quick``, (None, []) when every file's stat is trusted and the folders
    hold the same files and give the same walk findings as for ``memo``:
    nothing changed, and nothing but stats was looked at (``out`` is then
    not filled in, and ``memo`` stays the one to use)."""
    import time

    out.taken_ns = time.time_ns()  # before any stat: a file changed from now on is racy
    warm = memo is not None and bool(memo.stats) and cache
    enabled = cache and rules is not None
    with workers.gc_paused():
        others: list[tuple[Path, bool]] = []
        md_files, walked = walk(config.docs_path, config.root, ".md", others, strings=True)
        pairs, bib_walk = bib_files(config)
        files = docs_files(others, config)
        # First the stats alone, so that a run where none changed reads
        # nothing else, and the store is opened only for files the memo does
        # not serve.
        named = list(page_names(md_files, config))
        keys = [stat_key(path) for path, _, _ in named]
        hits = [warm and memo is not None and memo.trusts(key, memo.stats.get(rel))
                for (_, rel, _), key in zip(named, keys)]
        bib_stats = tuple((rel, stat_key(path)) for path, rel in pairs)
        bibs_same = (warm and memo is not None and len(memo.bibs) == len(bib_stats)
                     and all(rel == old_rel and memo.trusts(key, old_key)
                             for (rel, key), (old_rel, old_key) in zip(bib_stats, memo.bibs)))
        out.walked = (freeze_diagnostics(walked + bib_walk), files)
        present = {rel for _, rel, _ in named}
        gone = warm and memo is not None and len(memo.stats) != sum(hits) + sum(
            1 for hit, (_, rel, _) in zip(hits, named) if not hit and rel in memo.stats)
        if quick and warm and memo is not None and all(hits) and bibs_same and not gone \
                and out.walked == memo.walked:
            return None, []  # nothing changed
        entries = memo.entries if warm and memo is not None else {}
        merged = memo.bibliography if bibs_same and memo is not None else None
        slots: list[Any] = []
        misses: list[tuple[int, Path, str, str, Any]] = []
        for (path, rel, slug), key, hit in zip(named, keys, hits):
            entry = entries.get(rel) if hit else None
            if entry is not None:
                out.add(rel, key, entry)  # type: ignore[arg-type]
                slots.append((PageFacts._make(entry[0]), None, entry[1]))
            else:
                misses.append((len(slots), path, rel, slug, key))
                slots.append(None)
        store = open_store(config, enabled=enabled and bool(misses or merged is None or gone),
                           salt=_rules_salt(rules), with_pages=False)
        run = _Run(config, store, "facts", rules)
        read: list[tuple[int, str, Any, bytes]] = []  # (slot, rel, stat, address) of each page read
        # A store with nothing in it (a cold run) can only miss: then there
        # is nothing to look up, and whoever parses a page reads it.
        unread = store.empty
        later: list[tuple[int, str, Any]] = []  # (slot, rel, stat) of each page left to read
        for slot, path, rel, slug, key in misses:
            slots[slot] = len(run.page_results)
            if unread:
                later.append((slot, rel, key))
                run.page_unread(path, rel, slug, key[0] if key is not None else 0)
                continue
            data, found = read_bytes(path, rel, config.max_file_bytes)
            if data is not None and key is not None:
                read.append((slot, rel, key, store.address("page", rel, data) if store.enabled else b""))
            run.page(rel, slug, data, found)
        out.read = len(misses)
        out.changed = {rel for _, _, rel, _, _ in misses}
        if gone and memo is not None:
            out.changed |= memo.stats.keys() - present
        if merged is None:
            run.bibs(pairs)
            out.read += len(pairs)
        run.parse()
        for slot, rel, key in later:
            address = run.read_addresses.get(slots[slot])
            if address is not None and key is not None:
                read.append((slot, rel, key, address))
        read.sort(key=lambda item: item[0])
        results = [run.page_results[slot] if isinstance(slot, int) else slot for slot in slots]
        problems: list[Diagnostic] = list(walked)
        facts: list[PageFacts] = []
        for one, _, found in results:
            problems += thaw_diagnostics(found) if isinstance(found, tuple) else found
            facts.append(one)
        for slot, rel, key, address in read:
            one, _, found = results[slot]
            out.add(rel, key, (tuple(one), found if isinstance(found, tuple) else freeze_diagnostics(found), address))
        problems += bib_walk
        if merged is not None:
            references, found = merged[0], thaw_diagnostics(merged[1])
        else:
            references, found = run.bibliography()
        if all(key is not None for _, key in bib_stats):
            out.bibs, out.bibliography = bib_stats, (references, freeze_diagnostics(found))
            out.bib_addresses = tuple(run.bib_addresses) if merged is None else memo.bib_addresses  # type: ignore
            if merged is None and run.bib_addresses:
                out.bib_addresses += (run._merged_address(),)
        problems += found
        if not warm:
            store.save()
        elif gone:  # keep what the files still there need, and nothing else
            store.keep_all({entry[2] for entry in out.entries.values()} | set(out.bib_addresses))
            store.save()
        else:
            store.append()  # it looked up only what changed: everything else is kept
    if store.problem is not None:
        out.problem = store.problem
        if notes is not None:
            note = unwritable_note(config, store.problem)
            if note not in notes:
                notes.append(note)
    return ProjectFacts(pages=facts, references=references, bib_files=[rel for _, rel in pairs], files=files), problems


def load_project(config: Config, *, cache: bool = True, notes: list[str] | None = None,
                 rules: PageRules | None = None) -> tuple[Project, list[Diagnostic]]:
    """:func:`load` with ``need="pages"``."""
    project, problems = load(config, need="pages", rules=rules, cache=cache, notes=notes)
    assert isinstance(project, Project)
    return project, problems


def load_facts(config: Config, *, cache: bool = True, notes: list[str] | None = None,
               rules: PageRules | None = None) -> tuple[ProjectFacts, list[Diagnostic]]:
    """:func:`load` with ``need="facts"``."""
    facts, problems = load(config, need="facts", rules=rules, cache=cache, notes=notes)
    assert isinstance(facts, ProjectFacts)
    return facts, problems


def load_references(config: Config, *, rules: PageRules | None = None, cache: bool = True,
                    notes: list[str] | None = None) -> tuple[dict[str, Reference], list[Diagnostic], tuple]:
    """The BibTeX files alone, as :func:`load` with ``need="pages"`` gives
    them: the references and the BibTeX findings (the walk's excepted), and
    ((rel, stat), ...) of each file as it was before it was read (see
    :class:`~ossref.load.memo.LoadMemo`'s ``bibs``). Through the store, to
    which it adds only what it parsed: for ``ossref serve`` after an edit
    of a BibTeX file, while its pages are in memory."""
    with workers.gc_paused():
        pairs, _ = bib_files(config)
        stats = tuple((rel, stat_key(path)) for path, rel in pairs)
        store = open_store(config, enabled=cache and rules is not None, salt=_rules_salt(rules), with_pages=False)
        run = _Run(config, store, "pages", rules)
        run.bibs(pairs)
        run.parse()
        references, found = run.bibliography()
        store.append()
    if notes is not None and store.problem is not None:
        note = unwritable_note(config, store.problem)
        if note not in notes:
            notes.append(note)
    return references, found, stats


def _rules_salt(rules: PageRules | None) -> bytes:
    if rules is None:
        return b"no rules"
    return f"{getattr(rules, '__module__', '?')}.{getattr(rules, '__qualname__', repr(rules))}".encode()


# --------------------------------------------------------------------------- one run


class _Run:
    """One load: serves store hits as files are read, collects the misses,
    parses them (:meth:`parse`), and stores what was parsed."""

    def __init__(self, config: Config, store: Store, need: Need, rules: PageRules | None) -> None:
        self.config, self.store, self.need, self.rules = config, store, need, rules
        #: Per page, in path order: (facts, page or None, diagnostics as a list or frozen tuple).
        self.page_results: list[Any] = []
        self.page_misses: list[tuple[int, bytes, str, str, bytes]] = []  # (slot, data, rel, slug, address)
        #: Misses not read yet (:meth:`page_unread`): (slot, path, rel, slug, size as stat-ed).
        self.page_later: list[tuple[int, str, str, str, int]] = []
        #: slot -> address of each page of :attr:`page_later` once read (b"" without a store); none
        #: for a file that could not be read.
        self.read_addresses: dict[int, bytes] = {}
        #: Per BibTeX file, in order: (records, diagnostics), or None until parsed.
        self.bib_results: list[Any] = []
        self.bib_misses: list[tuple[int, Path, str, bytes | None, bytes]] = []  # (slot, path, rel, data, address)
        self.bib_addresses: list[bytes] = []
        self.merged: tuple[dict, list[Diagnostic]] | None = None  # the check's merge, from the store

    # ------------------------------------------------------------------ pages

    def page(self, rel: str, slug: str, data: bytes | None, problems: list[Diagnostic]) -> None:
        """Take one page: from the store, or noted as a miss."""
        if data is None:  # unreadable or too large: nothing to store but its slug
            _, problems = parse_page(None, rel, slug, self.config, problems, self.rules)
            self.page_results.append((unread_facts(rel, slug, None), None, problems))
            return
        store = self.store
        address = store.address("page", rel, data) if store.enabled else b""
        blob = store.get_blob(address) if address else None
        if blob is not None:
            try:
                if self.need == "facts":
                    facts, frozen = entry_facts(blob)
                    self.page_results.append((facts, None, frozen))
                else:
                    page_part = store.get_blob(address, PAGE)
                    if page_part is None:
                        raise LookupError("no page stored")
                    page, frozen, facts = entry_page(blob, data, page_part)
                    self.page_results.append((facts, page, frozen))
                return
            except Exception:  # noqa: BLE001 - a malformed entry is a miss
                store.drop(address)
        self.page_misses.append((len(self.page_results), data, rel, slug, address))
        self.page_results.append(None)

    def page_unread(self, path: str | Path, rel: str, slug: str, size: int) -> None:
        """Note one page as a miss without reading it (the store holds
        nothing to look up): whoever parses it reads it, a worker process
        included, so that only its path crosses the pipe."""
        self.page_later.append((len(self.page_results), str(path), rel, slug, size))
        self.page_results.append(None)

    def _read_later(self, slot: int, path: str, rel: str, slug: str) -> None:
        """Read, parse and take one page of :attr:`page_later` here."""
        data, found = read_bytes(Path(path), rel, self.config.max_file_bytes)
        if data is None:
            _, problems = parse_page(None, rel, slug, self.config, found, self.rules)
            self.page_results[slot] = (unread_facts(rel, slug, None), None, problems)
            return
        address = self.store.address("page", rel, data) if self.store.enabled else b""
        self.read_addresses[slot] = address
        self._parsed_page(slot, data, address, _parse(data, rel, slug, self.config, self.rules))

    def _parsed_page(self, slot: int, data: bytes, address: bytes, result: Any) -> None:
        """Store and take a page parsed here: (page, diagnostics, facts)."""
        page, problems, facts = result
        if self.store.enabled:
            self._store_page(address, page_entry(page, problems, facts))
        self.page_results[slot] = (facts, page if self.need == "pages" else None, problems)

    def _sent_later(self, slot: int, address: bytes | None, blob: bytes, data: bytes | None) -> None:
        """Take a page of :attr:`page_later` a worker read and parsed
        (:func:`_work_paths`)."""
        if address is None:  # it could not be read: nothing to store
            facts, frozen = entry_facts(blob)
            self.page_results[slot] = (facts, None, frozen)
            return
        self.read_addresses[slot] = address
        self._sent_page(slot, data if data is not None else b"", address, blob)

    def _sent_page(self, slot: int, data: bytes, address: bytes, blob: bytes) -> None:
        """Store and take a page a worker parsed: its entry."""
        if self.store.enabled:
            self._store_page(address, blob)
        if self.need == "facts":
            facts, frozen = entry_facts(blob)
            self.page_results[slot] = (facts, None, frozen)
        else:
            page, frozen, facts = entry_page(blob, data)
            self.page_results[slot] = (facts, page, frozen)

    def _store_page(self, address: bytes, blob: bytes) -> None:
        """Keep a page's entry: its facts where every run reads them, its
        page where only a build does."""
        facts_part, page_part = split_entry(blob)
        self.store.put_blob(address, bytes(facts_part))
        self.store.put_blob(address, bytes(page_part), PAGE)

    # ------------------------------------------------------------------ BibTeX

    def bibs(self, pairs: list[tuple[Path, str]]) -> None:
        """Take the BibTeX files: for a check whose files are all as last
        time, only the stored merge; else each file from the store or noted
        as a miss."""
        store, config = self.store, self.config
        contents: list[bytes | None] = [None] * len(pairs)
        if store.enabled:
            # The bytes hashed here are the bytes parsed below, so what is
            # stored belongs to exactly them even if a file changes meanwhile.
            contents = [read_within(path, config.max_bib_bytes) for path, _ in pairs]
            self.bib_addresses = [store.address("bib", rel, data) if data is not None else b""
                                  for (_, rel), data in zip(pairs, contents)]
        if self.need == "facts" and self._merged_from_store():
            for address in self.bib_addresses:
                store.keep(address)
            return
        for (path, rel), data, address in zip(pairs, contents, self.bib_addresses or [b""] * len(pairs)):
            slot = len(self.bib_results)
            if store.enabled and data is None:  # a file load_bib_file reports on by itself (too large, unreadable)
                self.bib_results.append(_load_bib(path, rel, None, config))
                continue
            value = store.get(address) if address else None
            if value is not None:
                try:
                    self.bib_results.append(thaw_bib(value))
                    continue
                except Exception:  # noqa: BLE001 - a malformed entry is a miss
                    store.drop(address)
            self.bib_results.append(None)
            self.bib_misses.append((slot, path, rel, data, address))

    def _merged_address(self) -> bytes:
        if not self.store.enabled or not all(self.bib_addresses):
            return b""
        return self.store.combine("bibliography", self.bib_addresses)

    def _merged_from_store(self) -> bool:
        address = self._merged_address()
        value = self.store.get(address) if address else None
        if value is None:
            return False
        try:
            positions, frozen = value
            if not isinstance(positions, dict) or not isinstance(frozen, tuple):
                raise TypeError("not a stored bibliography")
            self.merged = positions, thaw_diagnostics(frozen)
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            self.store.drop(address)
            return False
        return True

    def bibliography(self) -> tuple[dict, list[Diagnostic]]:
        """The references (for ``facts``: where each key is defined) and the
        BibTeX diagnostics, cross-file ones included."""
        if self.merged is not None:
            return self.merged
        references, found = merge_bibliography(self.bib_results)
        positions = {key: (ref.path, ref.line, ref.column) for key, ref in references.items()}
        address = self._merged_address()
        if address and not self.store.keep(address):
            self.store.put(address, (positions, freeze_diagnostics(found)))
        return (positions if self.need == "facts" else references), found

    def _parsed_bib(self, slot: int, address: bytes, result: tuple[list[Reference], list[Diagnostic]]) -> None:
        if address:
            self.store.put_blob(address, freeze_bib(result))
        self.bib_results[slot] = result

    # ------------------------------------------------------------------ parsing

    def parse(self) -> None:
        """Parse every miss, in worker processes when there is much to parse."""
        todo = sum(len(m[1]) for m in self.page_misses) + sum(m[4] for m in self.page_later) + sum(
            len(m[3]) if m[3] is not None else _size(m[1]) for m in self.bib_misses)
        count = workers.worth_workers(todo, len(self.page_misses) + len(self.page_later) + len(self.bib_misses))
        if count > 1:
            try:
                _parse_parallel(self, count)
                return
            except workers.POOL_ERRORS:
                # The platform cannot run workers, or a worker died: what
                # they did not give back is parsed here.
                results = self.page_results
                self.page_misses = [m for m in self.page_misses if results[m[0]] is None]
                self.page_later = [m for m in self.page_later if results[m[0]] is None]
        config, rules = self.config, self.rules
        later, self.page_later = self.page_later, []
        for slot, path, rel, slug, _ in later:
            self._read_later(slot, path, rel, slug)
        misses, self.page_misses = self.page_misses, []
        misses.reverse()
        while misses:  # popped, so that each file's bytes go once parsed
            slot, data, rel, slug, address = misses.pop()
            self._parsed_page(slot, data, address, _parse(data, rel, slug, config, rules))
        self._parse_bibs()

    def _parse_bibs(self) -> None:
        """Parse the BibTeX misses here."""
        misses, self.bib_misses = self.bib_misses, []
        for slot, path, rel, data, address in misses:
            self._parsed_bib(slot, address, _load_bib(path, rel, data, self.config))


def _parse(data: bytes, rel: str, slug: str, config: Config,
           rules: PageRules | None) -> tuple[Page | None, list[Diagnostic], PageFacts]:
    """(page or None, diagnostics, facts) of one page's bytes."""
    page, problems = parse_page(data, rel, slug, config, None, rules)
    facts = page_facts(page) if page is not None else unread_facts(rel, slug, data)
    return page, problems, facts


def _load_bib(path: Path, rel: str, data: bytes | None, config: Config) -> tuple[list[Reference], list[Diagnostic]]:
    """Load a BibTeX file: from ``data`` when given (the bytes its address
    was made from); else the file itself is read."""
    return load_bib(path, rel, data, config)


# --------------------------------------------------------------------------- worker processes
#
# A worker sends back entries as the store keeps them (it has to serialise
# its results anyway), which the parent stores as they are and decodes as
# far as the caller needs: for a check, the facts part only. A worker given
# paths (a cold run) reads the files and sends each one's address too.


def _work_pages(items: list[tuple[bytes, str, str]], config: Config, rules: PageRules | None,
                with_page: bool) -> list[bytes]:
    """Worker: parse pages from their bytes; their entries, in order."""
    workers.in_worker()
    out = []
    for data, rel, slug in items:
        page, problems, facts = _parse(data, rel, slug, config, rules)
        out.append(page_entry(page, problems, facts, with_page))
    return out


def _work_paths(items: list[tuple[str, str, str]], config: Config, rules: PageRules | None, with_page: bool,
                context: bytes | None, with_data: bool) -> list[tuple[bytes | None, bytes, bytes | None]]:
    """Worker: read and parse pages; per page, in order, (its store address,
    b"" without a store (``context`` None), or None when it could not be
    read; its entry; its bytes when ``with_data``)."""
    workers.in_worker()
    out: list[tuple[bytes | None, bytes, bytes | None]] = []
    for path, rel, slug in items:
        data, found = read_bytes(Path(path), rel, config.max_file_bytes)
        if data is None:
            _, problems = parse_page(None, rel, slug, config, found, rules)
            out.append((None, page_entry(None, problems, unread_facts(rel, slug, None), False), None))
            continue
        address = content_address(context, "page", rel, data) if context is not None else b""
        page, problems, facts = _parse(data, rel, slug, config, rules)
        out.append((address, page_entry(page, problems, facts, with_page), data if with_data else None))
    return out


def _parse_parallel(run: _Run, count: int) -> None:
    """Parse ``run``'s misses in ``count`` worker processes, taking each
    task's results as it completes, while this process parses the BibTeX
    files. A pool that fails raises, and leaves the pages whose results
    were not taken as misses (each page is taken once)."""
    with_page = run.store.enabled or run.need == "pages"
    context = run.store.context if run.store.enabled else None
    pages = run.need == "pages"
    with workers.executor(count) as pool:
        tasks: dict[Any, tuple[bool, list]] = {}
        for chunk in workers.chunks(run.page_later, lambda miss: miss[4]):
            future = pool.submit(_work_paths, [(m[1], m[2], m[3]) for m in chunk], run.config, run.rules,
                                 with_page, context, pages)
            tasks[future] = (True, chunk)
        for chunk in workers.chunks(run.page_misses, lambda miss: len(miss[1])):
            future = pool.submit(_work_pages, [(m[1], m[2], m[3]) for m in chunk], run.config, run.rules,
                                 with_page)
            tasks[future] = (False, chunk)
        run._parse_bibs()  # meanwhile, here
        for future in workers.as_completed(tasks):
            later, chunk = tasks.pop(future)
            if later:
                for (slot, *_), (address, blob, data) in zip(chunk, future.result()):
                    run._sent_later(slot, address, blob, data)
            else:
                for (slot, data, _, _, address), blob in zip(chunk, future.result()):
                    run._sent_page(slot, data, address, blob)
    run.page_misses, run.page_later = [], []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

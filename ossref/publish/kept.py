"""The parsed pages and references ``ossref serve`` keeps between rebuilds.

A preview rebuild checks from the facts the check keeps in memory
(:func:`ossref.pipeline.check` with ``keep_pages=False`` and a state); the
render needs the parsed pages too. :class:`KeptPages` holds them between
rebuilds and, after a check, brings them to what that check saw, reading
and parsing again only the files whose stat the check's load memo
(:mod:`ossref.load.memo`) gives differently from the one they were read
with. The 10,000 pages of a large wiki are thus neither unpickled from the
store nor parsed again on every rebuild.

What makes the project it gives the one the check checked: a page is taken
from memory only while its file's stat is the one the check saw and old
enough to be trusted (:meth:`ossref.load.memo.LoadMemo.trusts`' rule: a
file written within :data:`~ossref.load.memo.RACY_NS` of a read is read
again); a page read again must have the stat the check saw before it is
read, and give the facts and per-file findings the check recorded for it
(what the check's findings are a function of); the references must give
the check's record positions and BibTeX findings. When anything differs (a
file saved again between the check and this step), :meth:`KeptPages.project`
says so, and the caller checks again.
"""

from __future__ import annotations

import time

from ossref.config import Config
from ossref.load.files import read_bytes
from ossref.load.loader import load, load_references
from ossref.load.memo import RACY_NS, LoadMemo, StatKey, stat_key
from ossref.load.parse import PageRules, parse_page
from ossref.load.facts import page_facts
from ossref.load.records import freeze_diagnostics
from ossref.model import Page, PageFacts, Project, Reference

__all__ = ["BULK", "KeptPages"]

#: More pages to read than this, and they are loaded through the store
#: (in worker processes when worth it) rather than parsed one by one: the
#: first build, a ``git checkout``.
BULK = 64


class KeptPages:
    """Parsed pages (each with the stat it was read with) and the references
    of the last :meth:`project`; :attr:`parsed` names the pages the last
    call parsed, :attr:`changed` the pages whose object changed since
    :meth:`take_changed` was last called (None: unknown, compare them all)."""

    def __init__(self, rules: PageRules) -> None:
        self.rules = rules
        self._pages: dict[str, tuple[StatKey, int, Page]] = {}  # rel -> (stat, when read, page)
        self._order: list[str] = []  # the pages' paths in the walk's order
        self._bibs: tuple[tuple, int, dict[str, Reference]] | None = None  # (((rel, stat), ...), when read, refs)
        self.parsed: list[str] = []
        self.changed: set[str] | None = None

    def clear(self) -> None:
        self._pages, self._order, self._bibs, self.changed = {}, [], None, None

    def take_changed(self) -> dict[str, Page | None] | None:
        """The pages added or read again since the last call, by path, and
        those removed (None); None when not known (see
        :meth:`ossref.site.incremental.StagedSite.update`)."""
        changed, self.changed = self.changed, set()
        if changed is None:
            return None
        return {rel: one[2] if (one := self._pages.get(rel)) is not None else None for rel in changed}

    def project(self, config: Config, memo: LoadMemo, pages: int, notes: list[str]) -> Project | None:
        """The project whose facts the check that left ``memo`` (and counted
        ``pages`` Markdown files) checked; None when it cannot be made (a
        file changed since the check read it, or a page could not be read:
        then a check that loads the pages itself is the way)."""
        self.parsed = []
        stats = memo.stats
        try:
            entries = memo.entries  # with the bibliography: read on first use when the state came from disk
        except Exception:  # noqa: BLE001 - a state that turns out unusable: the caller checks without it
            return None
        if len(stats) != pages or memo.bibliography is None:
            return None  # an unreadable page, a file without a stat: not in the memo
        kept = self._pages
        stale = [rel for rel, key in stats.items() if not _trusted(kept.get(rel), key)]
        fresh: dict[str, tuple[StatKey, int, Page]] = {}
        if len(stale) > BULK:
            taken = time.time_ns()
            project, _ = load(config, need="pages", rules=self.rules, notes=notes)
            assert isinstance(project, Project)
            wanted = set(stale)
            for page in project.pages:
                key = stats.get(page.path)
                # Unchanged since the check stat-ed it, then: the bytes it read.
                if page.path in wanted and _trusted((key, memo.taken_ns, page), stat_key(config.root / page.path)):
                    fresh[page.path] = (key, taken, page)  # type: ignore[assignment]
        for rel in stale:
            if rel not in fresh:
                one = self._read(config, rel, stats[rel], entries.get(rel))
                if one is None:
                    return None
                fresh[rel] = one
        references = self._references(config, memo, notes)
        if references is None:
            return None
        gone = kept.keys() - stats.keys()
        added = any(rel not in kept for rel in fresh)
        for rel in gone:
            del kept[rel]
        kept.update(fresh)
        if gone or added or len(self._order) != len(kept):
            self._order = sorted(stats, key=_parts)
        if self.changed is not None:
            self.changed |= gone | fresh.keys()
        return Project(pages=[kept[rel][2] for rel in self._order], references=references,
                       bib_files=[rel for rel, _ in memo.bibs], files=memo.walked[1] if memo.walked else None)

    def _read(self, config: Config, rel: str, key: StatKey, entry: tuple | None) -> tuple[StatKey, int, Page] | None:
        """Read and parse one page; None unless it is what the check saw."""
        if entry is None:
            return None
        taken = time.time_ns()
        path = config.root / rel
        if stat_key(path) != key:
            return None  # saved again since the check read it
        data, problems = read_bytes(path, rel, config.max_file_bytes)
        if data is None:
            return None
        self.parsed.append(rel)
        slug = PageFacts._make(entry[0]).slug
        page, problems = parse_page(data, rel, slug, config, problems, self.rules)
        if page is None or tuple(page_facts(page)) != tuple(entry[0]) or freeze_diagnostics(problems) != entry[1]:
            return None
        return key, taken, page

    def _references(self, config: Config, memo: LoadMemo, notes: list[str]) -> dict[str, Reference] | None:
        """The references the check saw: the kept ones while every BibTeX
        file's stat is as they were read with; else loaded again (through
        the store) and compared with the check's record positions and
        findings."""
        kept = self._bibs
        if kept is not None and kept[0] == memo.bibs and all(key[1] < kept[1] - RACY_NS for _, key in memo.bibs):
            return kept[2]
        taken = time.time_ns()
        references, found, stats = load_references(config, rules=self.rules, notes=notes)
        positions = {key: (ref.path, ref.line, ref.column) for key, ref in references.items()}
        assert memo.bibliography is not None
        if stats != memo.bibs or positions != memo.bibliography[0] or freeze_diagnostics(found) != memo.bibliography[1]:
            return None
        self._bibs = (stats, taken, references)
        return references


def _trusted(kept: tuple[StatKey, int, Page] | None, key: StatKey | None) -> bool:
    """Whether a page read with stat ``kept[0]`` at ``kept[1]`` is the file
    whose stat is ``key`` now (the rule of :meth:`ossref.load.memo.LoadMemo.trusts`)."""
    return kept is not None and key is not None and kept[0] == key and key[1] < kept[1] - RACY_NS


def _parts(rel: str) -> list[str]:
    return rel.split("/")

"""Keep a staging folder up to date, resolving and rendering only what an edit changed.

:class:`StagedSite` (one per ``ossref serve`` session) holds a staging folder
and, for each page, the record of what it read of other files while it was
resolved and rendered (:mod:`ossref.site.world`). After an edit it:

1. compares the new project with the last one: files added, removed or
   whose bytes changed, BibTeX records whose type or fields changed, docs
   files (images) added, removed or changed;
2. finds the facts those changes could alter (the changed pages' cards, the
   names and URLs they had or have now, the records) and keeps those whose
   value differs between the old and the new world;
3. resolves again the changed pages and every page that read such a fact,
   then the pages whose backlinks or "listed as a differential of" changed
   as a result, until nothing more changes;
4. renders those pages, and the home, references and tag pages when a list
   they show may have changed (a page added or removed, a name, title,
   summary, tag, description or cited work of a page, a record) or the
   home page itself is among them;
5. writes only the staged files whose text changed, and deletes those no
   page stages any more.

Everything else keeps its staged Markdown. What no fact names (the
configuration, ossref itself, the build date, the token key; see
``inputs``) makes the update a full render into an emptied folder, as does
a change to which docs files are published. The result is byte for byte
what :func:`ossref.site.render.render_site` writes for the same project
(``tests/test_incremental.py`` checks it after every kind of edit).

One thing is not followed: a page without an ``updated`` date takes its
last commit's date, read when the page is rendered; a commit alone (no file
changed) does not render it again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ossref.config import Config
from ossref.diagnostics import Diagnostic
from ossref.model import Page, Project, Reference
from ossref.site.markup import staged_path, url_key
from ossref.site.render import Renderer, docs_files
from ossref.site.resolve import (ResolvedPage, Site, _tags, dates, differential_targets, link_targets, page_tags,
                                 published, resolve_lists, resolve_own, site_of)
from ossref.site.world import World, fact, names_of, record_of

__all__ = ["Staged", "StagedSite"]

#: The unit of the home page and the generated pages (never a page's path).
GENERATED = ""


@dataclass
class Staged:
    """What one update did. ``digests``: every staged file (path under the
    staging folder) -> a digest of its bytes and, for Markdown, of whether
    the docs folder has it (the page's "Edit this page" link)."""

    diagnostics: list[Diagnostic]
    digests: dict[str, str]
    full: bool
    #: Pages (and the generated pages, counted once) resolved and rendered.
    rendered: int = 0
    #: Staged files written or deleted.
    written: list[str] = field(default_factory=list)
    #: Every staged page's date, as :func:`ossref.site.sitemap.lastmod_dates`
    #: gives it for a full build (the sitemap lists unchanged pages too).
    lastmod: dict = field(default_factory=dict)


@dataclass
class _State:
    inputs: str
    pages: dict[str, Page]
    references: dict[str, Reference]
    world: World
    site: Site
    resolved: dict[str, ResolvedPage]
    reads: dict[str, set[tuple]]  # unit -> facts read
    readers: dict[tuple, set[str]]  # fact -> units that read it
    files: dict[str, dict[str, str]]  # unit -> staged files it wrote -> digest
    owner: dict[str, str]  # staged file -> unit
    diagnostics: dict[str, list[Diagnostic]]  # unit -> render diagnostics
    outgoing: dict[str, tuple[set[str], set[str]]]  # page -> (link targets, differential targets)
    docs: dict[str, tuple]  # docs file -> (published, size, mtime, inode)
    digests: dict[str, str] = field(default_factory=dict)
    lastmod: dict = field(default_factory=dict)  # staged page -> its date (see Staged.lastmod)
    home: str | None = None  # the home page's path
    #: Whether the last increment's pages were the same paths as before (no
    #: page came or went; then the site's list of pages is patched).
    same_pages: bool = False
    position: dict[str, int] = field(default_factory=dict)  # page -> its place in the site's list of pages


def _unit(page: Page) -> str:
    return GENERATED if page.slug == "index" else page.path


def _list_card(page: Page) -> tuple:
    """What the generated pages may show of ``page`` (see step 4)."""
    entry = page.entry
    description = page.meta.get("description") if isinstance(page.meta, dict) else None
    cites = tuple(item.key for group in page.scan.citations for item in group.items)
    # Not the headings: no list shows them (the home page's links to an
    # anchor are the home page's own reads).
    return (page.slug, page.title, entry.summary if entry else None, page_tags(page),
            description if isinstance(description, str) else None,
            (entry.condition, tuple(entry.aliases), tuple(k for k, _ in entry.references)) if entry else None,
            cites)


class StagedSite:
    """A staging folder kept equal to :func:`~ossref.site.render.render_site`'s
    output for the last project given to :meth:`update`."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        self._state: _State | None = None

    def full_next(self, inputs: str) -> bool:
        """Whether :meth:`update` with ``inputs`` will render every page."""
        return self._state is None or self._state.inputs != inputs

    def update(self, project: Project, config: Config, defer: Callable[[str], str], inputs: str,
               changed: dict[str, Page | None] | None = None) -> Staged:
        """Stage ``project`` (which passed the check); ``inputs`` is a digest of
        what shapes every page and no fact names (a change: a full render).
        ``changed``, when known, maps every page added, removed (None) or
        given as another :class:`~ossref.model.Page` object since the last
        update to its page (a page object is never changed in place): the
        other pages are then not compared with their last version, and when
        no page came or went, the lookups by path and URL and the site's list
        of pages are the last ones patched. On an exception the folder's
        state is unknown: the next update is full."""
        state, self._state = self._state, None
        if state is None or state.inputs != inputs:
            self._state, staged = self._full(project, config, defer, inputs)
        else:
            staged = self._increment(state, project, config, defer, changed)
            self._state = state if staged is not None else None
            if staged is None:  # which files are published changed
                self._state, staged = self._full(project, config, defer, inputs)
        staged.lastmod = dict(self._state.lastmod)
        return staged

    # ----------------------------------------------------------------- full

    def _full(self, project: Project, config: Config, defer: Callable[[str], str],
              inputs: str) -> tuple[_State, Staged]:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        world = World(project.pages, project.references)
        resolved = {page.path: ResolvedPage(page) for page in project.pages}
        reads: dict[str, set[tuple]] = {}
        for rp in resolved.values():
            world.reads = reads.setdefault(_unit(rp.page), set())
            resolve_own(rp, world)
        world.reads = None
        state = _State(inputs, {p.path: p for p in project.pages}, project.references, world,
                       None, resolved, reads, {}, {}, {}, {}, {}, {})  # type: ignore[arg-type]
        state.home = next((p for p in state.pages if _unit(state.pages[p]) == GENERATED), None)
        for rp in resolved.values():
            state.outgoing[rp.page.path] = (link_targets(rp), differential_targets(rp))
        world.linkers, world.listers = _reverse(state.outgoing)
        state.docs = _docs(config)
        written = self._copy_docs(state, config, {}, state.docs)
        staged = self._render(state, project, config, defer, set(resolved), True)
        staged.full = True
        staged.written = written + staged.written
        return state, staged

    # ----------------------------------------------------------------- increment

    def _increment(self, state: _State, project: Project, config: Config,
                   defer: Callable[[str], str], hint: dict[str, Page | None] | None) -> Staged | None:
        docs = _docs(config)
        if {k for k, v in docs.items() if not v[0]} != {k for k, v in state.docs.items() if not v[0]}:
            return None  # links to unpublished files are reported on every page
        written = self._copy_docs(state, config, state.docs, docs)
        state.docs = docs
        old = state.pages
        old_world = state.world
        # With a hint that no page came or went, the last lookups are patched
        # where pages changed (a page's slug and URL follow from its path),
        # instead of being made again from every page; the same for the
        # site's list of pages (see _render).
        patched = hint is not None and len(project.pages) == len(old) and all(
            page is not None and p in old and old_world.by_url.get(url_key(page.slug)) is old[p]
            for p, page in hint.items())
        if patched:
            assert hint is not None
            new, by_url = dict(old), dict(old_world.by_url)
            for p, page in hint.items():
                new[p] = by_url[url_key(page.slug)] = page  # type: ignore[union-attr]
            changed = {p for p in hint if new[p].source != old[p].source}
        else:
            new = {page.path: page for page in project.pages}
            changed = {p for p in new.keys() | old.keys()
                       if (p in old) != (p in new) or (p in new and new[p].source != old[p].source)}
            state.home = next((p for p in new if _unit(new[p]) == GENERATED), None)
        state.same_pages = patched
        refs = _changed_refs(state.references, project.references)
        # The name index is the last one while no page came or went and no
        # changed page answers to other names (rebuilding it is most of this
        # step's cost at 10,000 entries).
        same_names = all(p in old and p in new and list(names_of(old[p])) == list(names_of(new[p])) for p in changed)
        world = World(project.pages, project.references, old_world.index if same_names else None,
                      (dict(new), by_url) if patched else None)
        world.linkers, world.listers = old_world.linkers, old_world.listers
        facts: set[tuple] = set()
        for path in changed:
            before, after = old.get(path), new.get(path)
            candidates = [("page", path)]
            candidates += [("name", n) for page in (before, after) if page is not None for n in names_of(page)]
            candidates += [("url", url_key(page.slug)) for page in (before, after) if page is not None]
            facts.update(k for k in candidates if fact(old_world, k) != fact(world, k))
        facts.update(("ref", key) for key in refs)
        if refs:
            facts.add(("refs",))
        lists = bool(refs) or any(p not in old or p not in new or _list_card(old[p]) != _list_card(new[p])
                                  for p in changed)
        tags = old_world.tags
        if lists:
            tags = tuple(_tags([p for p in project.pages if published(p)]))
            if tags != old_world.tags:
                facts.add(("tags",))
        world.tags = tags
        state.pages, state.references, state.world = new, project.references, world
        for path in changed - new.keys():  # removed: forget the page, delete its files when writing
            facts |= self._forget(state, path)
        units = {p for p in changed if p in new} | {u for k in facts for u in state.readers.get(k, ())}
        paths = self._resolve(state, world, {_page_of(state, u, new) for u in units} - {None}, lists)
        if (lists or GENERATED in units) and state.home is not None:
            paths.add(state.home)
        for key in refs:
            state.site.formatted.pop(key, None)
        if refs:  # a record inherits from another through crossref
            for key in [k for k in state.site.formatted if (r := project.references.get(k)) is None
                        or r.fields.get("crossref")]:
                state.site.formatted.pop(key, None)
        staged = self._render(state, project, config, defer, paths, lists or GENERATED in units
                              or any(_unit(new[p]) == GENERATED for p in paths))
        staged.written = written + staged.written
        return staged

    def _resolve(self, state: _State, world: World, paths: set[str], lists: bool) -> set[str]:
        """Resolve ``paths`` again, and the pages whose linkers or listers
        that changed, until none changes; returns every page resolved."""
        done: set[str] = set()
        todo = set(paths)
        while todo:
            touched: set[str] = set()
            for path in todo:
                rp = ResolvedPage(state.pages[path])
                self._unread(state, _unit(rp.page))
                world.reads = state.reads.setdefault(_unit(rp.page), set())
                resolve_own(rp, world)
                world.reads = None
                state.resolved[path] = rp
                before = state.outgoing.get(path, (set(), set()))
                after = (link_targets(rp), differential_targets(rp))
                state.outgoing[path] = after
                touched |= _update_reverse(world, path, before, after)
            done |= todo
            todo = {p for key in touched for u in state.readers.get(key, ()) if (p := _page_of(state, u, state.pages))}
            todo -= done
        return done

    def _forget(self, state: _State, path: str) -> set[tuple]:
        """Drop a removed page; returns the linkers and listers facts that changed."""
        page = state.resolved.pop(path).page
        state.lastmod.pop(staged_path(page), None)
        self._unread(state, _unit(page))
        if _unit(page) != GENERATED:
            state.reads.pop(path, None)
        before = state.outgoing.pop(path, (set(), set()))
        state.diagnostics.pop(path, None)
        return _update_reverse(state.world, path, before, (set(), set()))

    @staticmethod
    def _unread(state: _State, unit: str) -> None:
        for key in state.reads.get(unit, ()):
            readers = state.readers.get(key)
            if readers is not None:
                readers.discard(unit)
                if not readers:
                    del state.readers[key]
        state.reads[unit] = set()

    # ----------------------------------------------------------------- render and write

    def _render(self, state: _State, project: Project, config: Config, defer: Callable[[str], str],
                paths: set[str], lists: bool) -> Staged:
        world = state.world
        again = [rp for path in paths if (rp := state.resolved.get(path)) is not None]
        again.sort(key=lambda rp: rp.page.path)
        for rp in again:
            world.reads = state.reads.setdefault(_unit(rp.page), set())
            resolve_lists(rp, world)
        world.reads = None
        dates(again, config)
        for rp in again:
            if rp.updated is not None:
                state.lastmod[staged_path(rp.page)] = rp.updated
            else:
                state.lastmod.pop(staged_path(rp.page), None)
        if state.same_pages and state.site is not None:
            pages = list(state.site.pages)  # the same paths in the same places: only the resolved again change
            for rp in again:
                pages[state.position[rp.page.path]] = rp
        else:
            pages = [state.resolved[page.path] for page in project.pages]
            state.position = {rp.page.path: i for i, rp in enumerate(pages)}
        if lists or state.site is None:
            site = site_of(pages, project, world, state.site.formatted if state.site is not None else {})
        else:
            old = state.site
            site = Site(pages, project.references, old.tags, old.references_index, old.az, old.formatted, world)
        state.site = site
        unpublished = {rel for rel, (published_, *_) in state.docs.items() if not published_}
        sink: dict[str, str] = {}
        renderer = Renderer(site, config, self.staging, defer, sink, unpublished)
        out: dict[str, dict[str, str]] = {}
        home = None
        for rp in again:
            unit = _unit(rp.page)
            if unit == GENERATED:
                home = rp
                continue
            before = len(renderer.diagnostics)
            world.reads = state.reads[unit]
            renderer.page(rp)
            state.diagnostics[unit] = renderer.diagnostics[before:]
            out[unit], sink = sink, {}
            renderer.sink = sink
        if lists or home is not None:
            if home is None:
                home = next((rp for rp in pages if _unit(rp.page) == GENERATED), None)
            before = len(renderer.diagnostics)
            world.reads = state.reads.setdefault(GENERATED, set())
            renderer.generated(home)
            state.diagnostics[GENERATED] = renderer.diagnostics[before:]
            out[GENERATED] = sink
        world.reads = None
        for unit in out:
            for key in state.reads.get(unit, ()):
                state.readers.setdefault(key, set()).add(unit)
        written = self._write(state, config, out)
        diagnostics = sorted(d for found in state.diagnostics.values() for d in found)
        return Staged(diagnostics, state.digests, False, len(out), written)

    def _write(self, state: _State, config: Config, out: dict[str, dict[str, str]]) -> list[str]:
        """Write the units' new files where their text changed; delete the
        files of gone pages, and those a unit stopped writing, unless
        another unit writes them now."""
        written: list[str] = []
        stale: set[str] = set()
        gone = () if state.same_pages else [u for u in state.files if u != GENERATED and u not in state.pages]
        for unit in gone:
            stale |= state.files.pop(unit).keys()
        for unit, files in out.items():
            previous = state.files.get(unit, {})
            stale |= previous.keys() - files.keys()
            digests = {}
            for rel, text in files.items():
                data = text.encode("utf-8")
                digest = _digest(data, rel, config)
                digests[rel] = digest
                state.owner[rel] = unit
                if state.digests.get(rel) != digest:
                    path = self.staging / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    state.digests[rel] = digest
                    written.append(rel)
            state.files[unit] = digests
        for rel in stale:
            unit = state.owner.get(rel)
            if unit is not None and rel in state.files.get(unit, {}):
                continue  # written by another unit now
            state.owner.pop(rel, None)
            if state.digests.pop(rel, None) is not None:
                _unlink(self.staging / rel)
                written.append(rel)
        return written

    def _copy_docs(self, state: _State, config: Config, before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
        """Copy the published docs files (images) that are new or changed;
        delete the copies of those gone."""
        written = []
        for rel, info in after.items():
            if info[0] and before.get(rel) != info:
                target = self.staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(config.docs_path / rel, target)
                state.digests[rel] = _digest(target.read_bytes(), rel, config)
                written.append(rel)
        for rel, info in before.items():
            if info[0] and not after.get(rel, (False,))[0]:
                state.digests.pop(rel, None)
                _unlink(self.staging / rel)
                written.append(rel)
        return written


def _page_of(state: _State, unit: str, pages: dict[str, Page]) -> str | None:
    """The page a unit resolves: itself, or for the generated unit the home page."""
    if unit != GENERATED:
        return unit if unit in pages else None
    return state.home if state.home in pages else None


def _reverse(outgoing: dict[str, tuple[set[str], set[str]]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    linkers: dict[str, set[str]] = {}
    listers: dict[str, set[str]] = {}
    for path, (links, differentials) in outgoing.items():
        for target in links:
            linkers.setdefault(target, set()).add(path)
        for target in differentials:
            listers.setdefault(target, set()).add(path)
    return linkers, listers


def _update_reverse(world: World, path: str, before: tuple[set[str], set[str]],
                    after: tuple[set[str], set[str]]) -> set[tuple]:
    """Move ``path`` from the linkers and listers of its old targets to its
    new ones; returns the facts that changed."""
    changed: set[tuple] = set()
    for kind, reverse, old, new in (("linkers", world.linkers, before[0], after[0]),
                                    ("listers", world.listers, before[1], after[1])):
        for target in old - new:
            found = reverse.get(target)
            if found is not None:
                found.discard(path)
                if not found:
                    del reverse[target]
            changed.add((kind, target))
        for target in new - old:
            reverse.setdefault(target, set()).add(path)
            changed.add((kind, target))
    return changed


def _changed_refs(before: dict[str, Reference], after: dict[str, Reference]) -> set[str]:
    if before is after:
        return set()
    return {key for key in before.keys() | after.keys()
            if before.get(key) != after.get(key) and record_of(before.get(key)) != record_of(after.get(key))}


def _docs(config: Config) -> dict[str, tuple]:
    out = {}
    for rel, source, published_ in docs_files(config.docs_path):
        try:
            st = source.stat() if published_ else None
        except OSError:
            st = None
        out[rel] = (published_, st.st_size, st.st_mtime_ns, st.st_ino) if st is not None else (published_,)
    return out


def _digest(data: bytes, rel: str, config: Config) -> str:
    """As :func:`ossref.publish.preview` compares staged files."""
    h = hashlib.blake2b(data, digest_size=16)
    if rel.endswith(".md"):
        h.update(b"\0source" if (config.docs_path / rel).is_file() else b"\0generated")
    return h.hexdigest()


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass

"""The cross-file checks, run per page and re-run only where something they read changed.

:func:`ossref.check.rules.check_facts` is one :class:`CrossCheck` run from
nothing. A :class:`CrossCheck` kept from a previous run (in memory, or
thawed from the store by :mod:`ossref.check.state`) is updated by
:meth:`CrossCheck.update` with the project's new facts and re-runs the rules
only for the pages they could have changed for.

The idea is the site stage's (:mod:`ossref.site.world`): a page's findings
are a function of its own :class:`~ossref.model.PageFacts` and of the named
facts of other files it reads, and every read is recorded as a key:

* ``n<name>``: which page a normalized name (slug, condition, alias) names;
* ``p<path>``: whether there is a page at ``path``, and its slug, whether it
  is an entry, parsed in part only, and its headings' anchors;
* ``g<path>``: the sections the build adds to that page (what links to it,
  who lists it as a differential, what it cites: :meth:`CrossCheck.generated`);
* ``l<path>``: the entries that page lists as differentials, resolved;
* ``r<key>``: whether there is a BibTeX record with that key;
* ``N``, ``K``, ``F``: all names, all BibTeX keys, the docs folder's other
  files (read by did-you-mean hints and by links to files).

A page is run again when its own facts changed or the value of a key it
read did; what a page contributes to other pages' keys (the pages it links
to, the entries it lists) is worked out first, for every page run again,
so the keys ``g`` and ``l`` are current before any finding reads them. The
rules that look at all pages at once (``duplicate-entry``,
``confusable-name``) are run again when any page's names changed, and
``unused-reference`` is worked out from a count of citing pages per key.

Each page's findings are capped per rule (:func:`ossref.caps.cap_per_code`)
and given their hints on their own, which is what capping them all at once
gives: no rule's findings of one file come from two places.

Everything kept is plain data (strings, ints, tuples, sets, dicts), so that
:mod:`marshal` can store it (:meth:`CrossCheck.freeze`).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache, partial
from urllib.parse import unquote

from markdown.extensions.toc import slugify

from ossref.caps import cap_per_code
from ossref.check.index import NameIndex, normalize
from ossref.check.names import duplicate_names
from ossref.check.sections import UNPUBLISHED_FOLDER
from ossref.diagnostics import Diagnostic, Severity, diag
from ossref.load.published import IMAGE_EXTENSIONS
from ossref.load.scan import cite_syntax, url_scheme
from ossref.model import PageFacts
from ossref.text.suggest import Suggester

__all__ = ["CrossCheck", "freeze_row", "thaw_rows"]

#: A finding as kept: (path, line, column, code, message, hint, severity value).
Frozen = tuple


def _order(path: str) -> list[str]:
    return path.split("/")


class CrossCheck:
    """The cross-file checks' state after one run: the facts checked, each
    page's findings with the keys it read and what it contributes to others,
    and the findings of the rules over all pages. :meth:`update` brings it
    to a new set of facts and returns whether anything was re-run;
    :meth:`findings` gives every cross-file finding of the current facts,
    exactly those a run from nothing gives."""

    def __init__(self) -> None:
        self.facts: dict[str, PageFacts] = {}
        self.references: dict[str, tuple[str, int, int]] = {}
        self.files: dict[str, bool] | None = None
        #: normalized slug (or name) -> paths of the pages holding it, in path order.
        self.slug_holders: dict[str, list[str]] = {}
        self.name_holders: dict[str, list[str]] = {}
        #: path -> (findings, keys read, pages linked to, entries listed, entries listed that parsed)
        self.results: dict[str, tuple[tuple, tuple, frozenset, frozenset, frozenset]] = {}
        self.gen: dict[str, frozenset[str]] = {}
        self.link_in: Counter[str] = Counter()
        self.listed_in: Counter[str] = Counter()
        self.cite_count: Counter[str] = Counter()
        self.name_findings: tuple = ()
        #: How many pages' rules ran in the last :meth:`update`; for tests and benchmarks.
        self.rerun: int = 0
        #: Paths whose findings (:meth:`page_findings`) the last :meth:`update` changed, gone pages included.
        self.changed_rows: set[str] = set()
        #: Paths whose entry in :attr:`results` the last :meth:`update` changed or removed.
        self.touched: set[str] = set()
        self._index: NameIndex[PageFacts] | None = None
        self._keys: _Keys | None = None
        self._anchors: dict[str, _Anchors] = {}

    # ------------------------------------------------------------------ the run

    def update(self, pages: list[PageFacts], references: dict[str, tuple[str, int, int]],
               files: dict[str, bool] | None) -> None:
        """Check ``pages`` (in path order), ``references`` and ``files`` as
        :func:`ossref.check.rules.check_facts` would, re-running the rules only
        where what they read changed since the last update."""
        new = {f.path: f for f in pages}
        old = self.facts
        self.changed_rows = set()
        changed = {path for path, f in new.items() if old.get(path) != f}
        removed = [path for path in old if path not in new]
        keys: set[str] = set()
        names_changed = bool(removed)
        candidates: set[str] = set()
        for path in (*changed, *removed):
            before, after = old.get(path), new.get(path)
            if before is None or after is None or _named(before) != _named(after):
                keys.add("p" + path)
            if before is None or after is None or (before.slug, before.names) != (after.slug, after.names):
                names_changed = True
                for f in (before, after):
                    if f is not None:
                        candidates |= _name_keys(f)
        owners = {key: self._owner(key) for key in candidates}
        for path in (*changed, *removed):
            before, after = old.get(path), new.get(path)
            if before is not None and (after is None or (before.slug, before.names) != (after.slug, after.names)):
                self._unhold(before)
        for path in changed:
            before, after = old.get(path), new[path]
            if before is None or (before.slug, before.names) != (after.slug, after.names):
                self._hold(after)
        keys |= {"n" + key for key in candidates if self._owner(key) != owners[key]}
        if names_changed:
            keys.add("N")
            self._index = None
        if list(references) != list(self.references):
            keys.add("K")
            self._keys = None
            keys |= {"r" + key for key in references.keys() ^ self.references.keys()}
        if files != self.files:
            keys.add("F")
        self.facts, self.references, self.files = new, references, files
        self._anchors = {}
        if self._keys is None:
            self._keys = _Keys(references)

        # Whose contributions (links, differentials) may have changed.
        first = changed | {path for path, result in self.results.items() if not keys.isdisjoint(result[1])}
        first -= set(removed)
        touched: set[str] = set()
        for path in removed:
            self.changed_rows.add(path)
            touched |= self._drop(path, old[path])
            keys |= {"g" + path, "l" + path}
        outputs: dict[str, tuple] = {}
        for path in first:
            reads: set[str] = set()
            outputs[path] = self._outputs(new[path], reads)
            before = self.results.get(path)
            if before is None or before[4] != outputs[path][2]:
                keys.add("l" + path)
            touched |= self._contribute(path, outputs[path])
        # Which pages' generated sections or differential lists changed.
        for path in touched | first:
            if path not in new:
                self.gen.pop(path, None)
                continue
            gen = self._generated(new[path], outputs.get(path) or self.results[path][2:])
            if self.gen.get(path) != gen:
                self.gen[path] = gen
                keys.add("g" + path)
        second = first | {path for path, result in self.results.items()
                          if path not in first and not keys.isdisjoint(result[1])}
        for path in second:
            self._run(new[path], outputs.get(path))
        for path in changed:
            f_old = old.get(path)
            if f_old is not None:
                self.cite_count.subtract({key for key, _, _ in f_old.cites})
            self.cite_count.update({key for key, _, _ in new[path].cites})
        for path in removed:
            self.cite_count.subtract({key for key, _, _ in old[path].cites})
        if names_changed:
            self.name_findings = tuple(_freeze(d) for d in cap_per_code(list(duplicate_names(pages))))
        self.rerun = len(second)
        self.touched = first | second | set(removed)

    def findings(self) -> list[Diagnostic]:
        """Every cross-file finding of the facts of the last :meth:`update`:
        the names' (:meth:`name_diagnostics`), each page's
        (:meth:`page_findings`), then ``unused-reference`` (:meth:`unused`)."""
        out = self.name_diagnostics()
        for rows in self.page_findings().values():
            out += _thaw(rows)
        return out + self.unused()

    def name_diagnostics(self) -> list[Diagnostic]:
        """``duplicate-entry`` and ``confusable-name`` findings."""
        return _thaw(self.name_findings)

    def page_findings(self) -> dict[str, tuple]:
        """Each page's own cross-file findings (as :func:`_freeze` rows), by path; none for a page without any."""
        return {path: result[0] for path, result in self.results.items() if result[0]}

    def unused(self) -> list[Diagnostic]:
        """``unused-reference``: a BibTeX record no page cites."""
        count = self.cite_count
        return [diag(path, line, column, "unused-reference", f"reference `{key}` is cited by no page",
                     f"cite it with {cite_syntax(key)} where it supports a statement, or remove it")
                for key, (path, line, column) in self.references.items() if count[key] <= 0]

    # ------------------------------------------------------------------ names

    def _owner(self, key: str) -> str | None:
        holders = self.slug_holders.get(key) or self.name_holders.get(key)
        return holders[0] if holders else None

    def _hold(self, f: PageFacts) -> None:
        for table, keys in ((self.slug_holders, _slug_keys(f)), (self.name_holders, _names_keys(f))):
            for key in keys:
                holders = table.setdefault(key, [])
                holders.append(f.path)
                if len(holders) > 1:
                    holders.sort(key=_order)

    def _unhold(self, f: PageFacts) -> None:
        for table, keys in ((self.slug_holders, _slug_keys(f)), (self.name_holders, _names_keys(f))):
            for key in keys:
                holders = table.get(key)
                if holders is not None and f.path in holders:
                    holders.remove(f.path)
                    if not holders:
                        del table[key]

    def lookup(self, ref: str, reads: set[str]) -> PageFacts | None:
        key = normalize(ref.removesuffix(".md"))
        reads.add("n" + key)
        owner = self._owner(key)
        return self.facts[owner] if owner is not None else None

    def page(self, path: str, reads: set[str]) -> PageFacts | None:
        reads.add("p" + path)
        return self.facts.get(path)

    def _name_hint(self, ref: str, page: PageFacts, otherwise: str) -> str:
        """Did-you-mean for ``ref`` written in ``page``: never ``page`` itself,
        which could only be wrong (a page does not list or link itself by name)."""
        return self.name_index().suggest(ref, exclude=page) or otherwise

    def name_index(self) -> NameIndex[PageFacts]:
        if self._index is None:
            pages = sorted(self.facts.values(), key=lambda f: _order(f.path))
            self._index = NameIndex.of((f.slug, [name for name, _, _ in f.names], f) for f in pages)
        return self._index

    # ------------------------------------------------------------------ contributions

    def _outputs(self, f: PageFacts, reads: set[str]) -> tuple[frozenset, frozenset, frozenset]:
        """(pages ``f`` links to, when published; entries it lists, when an
        entry; those of them that parsed): what it adds to other pages'
        generated sections and differential lists."""
        linked: set[str] = set()
        if _published(f):
            docs_root = f.path[: len(f.path) - len(f.slug) - len(".md")]
            for target_ref, _, wiki, image, _, _ in f.links:
                if wiki:
                    target = self.lookup(target_ref, reads) if target_ref else f
                elif image or not target_ref.endswith(".md") or url_scheme(target_ref) is not None:
                    continue
                else:
                    resolved = _resolve(posixpath.dirname(f.path), target_ref)
                    target = self.page(resolved, reads) if resolved.startswith(docs_root) else None
                if target is not None and target is not f:
                    linked.add(target.path)
        listing: set[str] = set()
        parsed: set[str] = set()
        if f.entry:
            for ref, _, _ in f.differentials:
                target = self.lookup(ref, reads)
                if target is None:
                    continue
                reads.add("p" + target.path)
                if target.entry and target is not f:
                    listing.add(target.path)
                    if not target.partial:
                        parsed.add(target.path)
        return frozenset(linked), frozenset(listing), frozenset(parsed)

    def _contribute(self, path: str, outputs: tuple) -> set[str]:
        """Count ``outputs`` as ``path``'s instead of its previous ones; the pages whose counts changed."""
        before = self.results.get(path)
        # A page's slug is its path's: whether it is published is the same before and after.
        published = _published(self.facts[path])
        old_links, old_listed = (before[2], before[3] if published else frozenset()) \
            if before is not None else (frozenset(), frozenset())
        new_links, new_listed = outputs[0], outputs[1] if published else frozenset()
        self.link_in.subtract(old_links)
        self.link_in.update(new_links)
        self.listed_in.subtract(old_listed)
        self.listed_in.update(new_listed)
        # Until the page is run again its previous findings stand, with its new outputs.
        self.results[path] = (*before[:2], *outputs) if before is not None else ((), (), *outputs)
        return set(old_links ^ new_links) | set(old_listed ^ new_listed)

    def _drop(self, path: str, f: PageFacts) -> set[str]:
        """Forget the page ``f`` that was at ``path``; the pages whose counts changed."""
        before = self.results.pop(path, None)
        self.gen.pop(path, None)
        if before is None:
            return set()
        listed = before[3] if _published(f) else frozenset()
        self.link_in.subtract(before[2])
        self.listed_in.subtract(listed)
        return set(before[2]) | set(listed)

    def generated(self, path: str, reads: set[str]) -> frozenset[str]:
        """The anchors of the sections the build adds to the page at ``path``,
        as :mod:`ossref.site.resolve` and :mod:`ossref.site.render` decide them
        (see :func:`_generated`)."""
        reads.add("g" + path)
        return self.gen[path]

    def _generated(self, f: PageFacts, outputs: tuple) -> frozenset[str]:
        """On an entry, "Differential diagnosis" when it lists another entry,
        "Listed as a differential of" when a published entry lists it,
        "References" when its body cites a known work, "Further reading" when
        its front matter lists a known work the body does not cite, "What
        links here" when another published page links to it, and "Cite this
        page"; on another page, "References" and "What links here" likewise.
        A link to a section the page will not have is broken on the site."""
        references = self.references
        body = {key for key, _, _ in f.cites[: f.body_cites] if key in references}
        anchors = set()
        if body:
            anchors.add("references")
        if self.link_in[f.path] > 0:
            anchors.add("what-links-here")
        if f.entry:
            anchors.add("cite-this-page")
            if outputs[1]:
                anchors.add("differential-diagnosis")
            if self.listed_in[f.path] > 0:
                anchors.add("listed-as-a-differential-of")
            if any(key in references and key not in body for key, _, _ in f.cites[f.body_cites:]):
                anchors.add("further-reading")
        return frozenset(anchors)

    # ------------------------------------------------------------------ findings

    def _run(self, f: PageFacts, outputs: tuple | None) -> None:
        reads: set[str] = set()
        computed = self._outputs(f, reads)
        found: list[Diagnostic | _Pending] = [*self._links(f, reads), *self._citations(f, reads),
                                              *self._differentials(f, reads)]
        frozen = tuple(_freeze(d) for d in _with_hints(found))
        before = self.results.get(f.path)
        if before is None or before[0] != frozen:
            self.changed_rows.add(f.path)
        # The keys read as a tuple: only ever tested against the keys that changed
        # (``isdisjoint``), and a tuple unmarshals in half the time of a set.
        self.results[f.path] = (frozen, tuple(sorted(reads)), *computed)

    def _links(self, page: PageFacts, reads: set[str]) -> Iterable[Diagnostic | _Pending]:
        docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]  # "content/"
        for target_ref, anchor, wiki, image, line, column in page.links:
            if wiki:
                target = self.lookup(target_ref, reads) if target_ref else page
                if target is None:
                    reads.add("N")
                    yield _later(_broken(page, line, column, f"cross-link [[{target_ref}]] names no page", ""),
                                 self._name_hint, target_ref, page, "link to a slug, condition name or alias")
                    continue
            else:
                # As in ossref.check.page's _body_rules: "#" may stand in an entity of the scheme.
                full = target_ref + "#" + anchor if anchor else target_ref
                if url_scheme(full) is not None or target_ref.startswith(("/", "//")):
                    continue
                if not target_ref:
                    if image:
                        continue
                    target = page
                elif not target_ref.endswith(".md"):
                    yield from self._file_link(page, target_ref, line, column, docs_root, reads)
                    continue
                elif image:  # an image of a page: no file to check, no anchor to find
                    continue
                else:
                    resolved = _resolve(posixpath.dirname(page.path), target_ref)
                    target = self.page(resolved, reads) if resolved.startswith(docs_root) else None
                    if target is None:
                        where = "leaves the docs folder" if not resolved.startswith(docs_root) else "names no page"
                        yield _broken(page, line, column, f"link to `{target_ref}` {where}",
                                      "link to a page's .md file relative to this one, or use [[slug]]")
                        continue
            reads.add("p" + target.path)
            if not anchor or target.partial:  # a page that did not parse: its headings are unknown
                continue
            ids = self._anchors.get(target.path)
            if ids is None:
                ids = self._anchors[target.path] = _Anchors(set(target.anchors) | self.gen[target.path])
            reads.add("g" + target.path)
            if anchor not in ids and slugify(anchor, "-") not in ids:
                yield _later(_broken(page, line, column, f"`{target.slug}` has no heading with anchor `#{anchor}`",
                                     ""), ids.hint, anchor)

    def _file_link(self, page: PageFacts, target_ref: str, line: int, column: int, docs_root: str,
                   reads: set[str]) -> Iterable[Diagnostic]:
        """A relative link (or image) to a file that is not Markdown: it must
        stay in the docs folder, and name a file there that the site publishes.
        The query is not part of the file's name, and %-escapes are decoded, as
        the web server reads the path."""
        path = unquote(target_ref.partition("?")[0])
        if not path:
            return
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), path))
        # A path with an extension is one MkDocs looks up as a file: whether it is
        # there is ossref.check.linked_files' finding (it follows MkDocs' lookup), so
        # it is not reported twice; here only what MkDocs does not look up.
        looked_up = bool(posixpath.splitext(path)[1])
        if not resolved.startswith(docs_root):
            if looked_up:
                return
            yield _broken(page, line, column, f"link to `{target_ref}` leaves the docs folder",
                          "link only to files inside the docs folder, or use a full https:// address")
            return
        reads.add("F")
        files = self.files
        if files is None:
            return
        published = files.get(resolved)
        if published is None:
            if looked_up:
                return
            yield _broken(page, line, column, f"link to `{target_ref}` names no file in the docs folder",
                          "check the file name and folder, relative to this page's file")
        elif not published and not (looked_up and posixpath.splitext(path)[1].lower() in IMAGE_EXTENSIONS):
            # (An image of a published type that is not a regular file, a
            # symlink: ossref.check.linked_files reports it, as MkDocs would miss it.)
            yield diag(page.path, line, column, "unpublished-file",
                       f"`{target_ref}` is not published: besides Markdown, only"
                       f" {', '.join(sorted(IMAGE_EXTENSIONS))} files are copied into the site",
                       "convert it to PNG or WebP, or link to where it is hosted with https://;"
                       " SVG, HTML, JavaScript and CSS can carry script")

    def _citations(self, page: PageFacts, reads: set[str]) -> Iterable[Diagnostic | _Pending]:
        known = self.references
        keys = self._keys
        assert keys is not None
        for key, line, column in page.cites:
            reads.add("r" + key)
            if key in known:
                continue
            reads.add("K")
            yield _later(diag(page.path, line, column, "unknown-citation",
                              f"citation key `{key}` is in no BibTeX file"), keys.hint, key)

    def _differentials(self, page: PageFacts, reads: set[str]) -> Iterable[Diagnostic | _Pending]:
        if not page.entry:
            return
        for ref, line, column in page.differentials:
            target = self.lookup(ref, reads)
            if target is None:
                reads.add("N")
                yield _later(diag(page.path, line, column, "unknown-differential",
                                  f"differential `{ref}` names no entry"),
                             self._name_hint, ref, page, "name an entry by slug, condition or alias")
                continue
            reads.add("p" + target.path)
            if target.partial and target is not page:
                # It did not parse: its own diagnostic says so, and whether it
                # is an entry or lists this one back is unknown.
                continue
            if not target.entry:
                yield diag(page.path, line, column, "unknown-differential",
                           f"differential `{ref}` names `{target.slug}`, which is not an entry",
                           "differentials must be entries: pages with a `condition`")
                continue
            if target is page:
                yield diag(page.path, line, column, "invalid-field",
                           f"`{ref}` is this entry itself", "remove it from `differentials`")
                continue
            reads.add("l" + target.path)
            if page.path not in self.results[target.path][4]:
                yield diag(page.path, line, column, "one-way-differential",
                           f"`{target.slug}` does not list `{page.slug}` back as a differential",
                           f"add `{page.slug}` to the differentials of {target.path}")

    # ------------------------------------------------------------------ storing

    def freeze(self, known: Callable[[str], bool] = lambda path: False) -> tuple:
        """This state as plain data for :mod:`marshal`, without the facts of
        the pages for which ``known`` is true (the caller keeps those);
        :meth:`thaw` is its inverse."""
        return (tuple(tuple(f) for path, f in self.facts.items() if not known(path)), tuple(self.facts),
                self.references, self.files, self.slug_holders, self.name_holders, self.results, self.gen,
                dict(self.link_in), dict(self.listed_in), dict(self.cite_count), self.name_findings)

    @classmethod
    def thaw(cls, value: tuple, facts_of: Callable[[str], PageFacts]) -> CrossCheck:
        """The state :meth:`freeze` gave ``value`` for, the facts it left out
        given by ``facts_of(path)``; raises on anything else."""
        (extra, paths, references, files, slug_holders, name_holders, results, gen, link_in, listed_in, cite_count,
         name_findings) = value
        state = cls()
        given = {f[0]: PageFacts._make(f) for f in extra}
        state.facts = {path: given[path] if path in given else facts_of(path) for path in paths}
        state.references, state.files = dict(references), files
        state.slug_holders, state.name_holders = slug_holders, name_holders
        state.results, state.gen = results, gen
        state.link_in, state.listed_in, state.cite_count = Counter(link_in), Counter(listed_in), Counter(cite_count)
        state.name_findings = name_findings
        state._keys = _Keys(state.references)
        return state


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1 << 16)
def _resolve(here: str, target: str) -> str:
    """The path ``target``, written in a page of folder ``here``, names.
    Remembered: a wiki's pages link to the same few pages over and over."""
    return posixpath.normpath(posixpath.join(here, target))


def _published(f: PageFacts) -> bool:
    return not f.slug.startswith(UNPUBLISHED_FOLDER + "/")


#: A finding whose hint is still to be worked out, by calling the function:
#: hints ("did you mean") are the costly part of a finding, so they are
#: worked out only for the findings that survive the cap (:func:`_with_hints`).
_Pending = tuple[Diagnostic, Callable[[], str]]


def _later(d: Diagnostic, hint: Callable[..., str], *args: object) -> _Pending:
    return d, partial(hint, *args)


def _with_hints(found: list[Diagnostic | _Pending]) -> list[Diagnostic]:
    """``found`` capped per file and rule (:func:`cap_per_code`), the hints of
    the findings left worked out: at most :data:`MAX_PER_CODE` per file and rule."""
    hints: dict[int, Callable[[], str]] = {}
    diagnostics = []
    for item in found:
        if isinstance(item, tuple):
            d, hint = item
            hints[id(d)] = hint
            item = d
        diagnostics.append(item)
    return [replace(d, hint=hints[id(d)]()) if id(d) in hints else d for d in cap_per_code(diagnostics)]


class _Keys:
    """The BibTeX keys, with a did-you-mean for an unknown one."""

    def __init__(self, references: dict[str, tuple[str, int, int]]) -> None:
        self.references = references
        self._suggester: Suggester | None = None

    def __contains__(self, key: str) -> bool:
        return key in self.references

    def hint(self, key: str) -> str:
        if self._suggester is None:
            self._suggester = Suggester(self.references)
        close = self._suggester.closest(key, cutoff=0.7)
        return f"did you mean `{close}`?" if close else "add its BibTeX record to citations/ first"


def _broken(page: PageFacts, line: int, column: int, message: str, hint: str) -> Diagnostic:
    return diag(page.path, line, column, "broken-link", message, hint)


class _Anchors(set):
    """A page's anchors, with a did-you-mean built on the first question."""

    suggester: Suggester | None = None

    def hint(self, anchor: str) -> str:
        if self.suggester is None:
            self.suggester = Suggester(self)
        close = self.suggester.closest(anchor)
        return f"did you mean `#{close}`?" if close else "anchors come from the page's headings"




def freeze_row(d: Diagnostic) -> Frozen:
    """``d`` as a plain tuple, for :mod:`marshal`: (path, line, column, code, message, hint, severity value)."""
    return (d.path, d.line, d.column, d.code, d.message, d.hint, d.severity.value)


_SEVERITY = {severity.value: severity for severity in Severity}


def thaw_rows(rows: Iterable[Frozen]) -> list[Diagnostic]:
    """The inverse of :func:`freeze_row`, for many rows."""
    return [Diagnostic(path, line, column, code, message, hint, _SEVERITY[severity])
            for path, line, column, code, message, hint, severity in rows]


_freeze, _thaw = freeze_row, thaw_rows


def _named(f: PageFacts) -> tuple:
    """What another page's rules read of ``f`` through a ``p`` key."""
    return f.slug, f.entry, f.partial, f.anchors


def _slug_keys(f: PageFacts) -> set[str]:
    key = normalize(f.slug)
    return {key}


def _names_keys(f: PageFacts) -> set[str]:
    # As NameIndex does: every name written, even one that normalizes to nothing.
    return {normalize(name) for name, _, _ in f.names if name}


def _name_keys(f: PageFacts) -> set[str]:
    return _slug_keys(f) | _names_keys(f)

"""What one page may read of the other files, each read recorded: the dependency record.

A page's staged output is a function of its own file and of named facts of
other files. :func:`ossref.site.resolve.resolve` and
:func:`ossref.site.render.render_site` read those facts only through a
:class:`World`, which adds each one, as a key, to the record of the page
being resolved or rendered (:attr:`World.reads`). :func:`fact` gives a key's
value in a world, so after an edit the incremental build
(:mod:`ossref.site.incremental`) compares the old and new values of the keys
the edit could have changed, and renders again exactly the pages that read
one that did. Since every read goes through here, nothing a page reads can
be left out of its record.

The keys, and the value each names:

- ``("page", path)``: the page's card (:func:`card`): what any other page
  shows of it or resolves on it: slug, title, entry or not, summary, headings.
  Another page's :class:`~ossref.model.Page` is only ever obtained here, and
  only its card may be read.
- ``("name", key)``: the path of the page a normalized slug or name names.
- ``("linkers", path)``: the other pages whose body links to the page.
- ``("listers", path)``: the entries that list the page as a differential.
- ``("ref", key)``: a BibTeX record's type and fields; ``("refs",)``: all of
  them (a ``crossref`` may be matched in any case, by a scan).
- ``("url", key)``: the page at a URL (:func:`ossref.site.markup.url_key`).
- ``("tags",)``: every tag as first written, in order (tag pages' file names).

What no key names is the same for every page and makes any change a full
render: the configuration, the build date, ossref itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from ossref.check.index import NameIndex, anchors, normalize
from ossref.model import Page, Reference
from ossref.site.markup import url_key

__all__ = ["World", "card", "fact"]


def card(page: Page | None) -> tuple | None:
    """What other pages may read of ``page``: the value of ``("page", path)``."""
    if page is None:
        return None
    entry = page.entry
    return (page.slug, page.title, entry is not None, entry.summary if entry is not None else "",
            tuple((h.level, h.anchor, h.text) for h in page.scan.headings))


def record_of(ref: Reference | None) -> tuple | None:
    """The value of ``("ref", key)``: what formatting reads of a record
    (not where it is written, so moving a record re-renders nothing)."""
    return None if ref is None else (ref.key, ref.entry_type, tuple(sorted(ref.fields.items())))


class World:
    """The pages and records of one build, read page by page.

    ``linkers`` and ``listers`` (target path -> paths) are filled by
    resolve once every page's own links and differentials are known."""

    def __init__(self, pages: list[Page], references: dict[str, Reference],
                 index: NameIndex[str] | None = None,
                 lookups: tuple[dict[str, Page], dict[str, Page]] | None = None) -> None:
        self.pages = pages
        #: ``lookups``: :attr:`by_path` and :attr:`by_url` made by the caller
        #: (an earlier world's, patched where pages changed), as this would make them.
        self.by_path = lookups[0] if lookups is not None else {page.path: page for page in pages}
        #: Names -> page paths; ``index``: an earlier world's, when the pages
        #: and their names are the same (see :func:`names_of`).
        self.index: NameIndex[str] = index if index is not None else NameIndex.of(
            (page.slug, (page.entry.condition, *page.entry.aliases) if page.entry is not None else (), page.path)
            for page in pages)
        self.references = references
        self.by_url = lookups[1] if lookups is not None else {url_key(page.slug): page for page in pages}
        self.linkers: dict[str, set[str]] = {}
        self.listers: dict[str, set[str]] = {}
        self.tags: tuple[str, ...] = ()
        #: The record of the page being resolved or rendered; None: not recorded.
        self.reads: set[tuple] | None = None
        self._anchors: dict[str, set[str]] = {}

    def _read(self, key: tuple) -> None:
        if self.reads is not None:
            self.reads.add(key)

    # ----------------------------------------------------------------- pages

    def page(self, path: str) -> Page | None:
        """The page at ``path`` (relative to the root), if any."""
        self._read(("page", path))
        return self.by_path.get(path)

    def lookup(self, ref: str) -> Page | None:
        """The page a slug, condition or alias names (:meth:`NameIndex.lookup`)."""
        key = normalize(ref.removesuffix(".md"))
        self._read(("name", key))
        path = self.index.by_slug.get(key) or self.index.by_name.get(key)
        if path is None:
            return None
        self._read(("page", path))
        return self.by_path[path]

    def at_url(self, key: str) -> Page | None:
        """The page whose URL has the key ``key``, if any."""
        self._read(("url", key))
        found = self.by_url.get(key)
        if found is not None:
            self._read(("page", found.path))
        return found

    def anchors(self, page: Page) -> set[str]:
        """Every anchor a link may point at on ``page`` (part of its card)."""
        self._read(("page", page.path))
        found = self._anchors.get(page.path)
        if found is None:
            found = self._anchors[page.path] = anchors(page)
        return found

    def linking(self, path: str) -> list[Page]:
        """The other pages whose body links to the page at ``path``."""
        self._read(("linkers", path))
        return [self.page(p) for p in sorted(self.linkers.get(path, ()))]  # type: ignore[misc]

    def listing(self, path: str) -> list[Page]:
        """The entries that list the page at ``path`` as a differential."""
        self._read(("listers", path))
        return [self.page(p) for p in sorted(self.listers.get(path, ()))]  # type: ignore[misc]

    # ----------------------------------------------------------------- the rest

    def reference(self, key: str) -> Reference | None:
        self._read(("ref", key))
        ref = self.references.get(key)
        if ref is not None and ref.fields.get("crossref"):
            # Formatting inherits from the parent record, found by any case.
            self._read(("refs",))
        return ref

    def tag_list(self) -> tuple[str, ...]:
        self._read(("tags",))
        return self.tags


def fact(world: World, key: tuple) -> object:
    """The value of ``key`` in ``world`` (see the module docstring)."""
    kind = key[0]
    if kind == "page":
        return card(world.by_path.get(key[1]))
    if kind == "name":
        return world.index.by_slug.get(key[1]) or world.index.by_name.get(key[1])
    if kind == "linkers":
        return tuple(sorted(world.linkers.get(key[1], ())))
    if kind == "listers":
        return tuple(sorted(world.listers.get(key[1], ())))
    if kind == "ref":
        return record_of(world.references.get(key[1]))
    if kind == "refs":
        return None  # compared by the caller, record by record
    if kind == "url":
        found = world.by_url.get(key[1])
        return None if found is None else found.path
    if kind == "tags":
        return world.tags
    raise ValueError(f"unknown fact {key!r}")


def names_of(page: Page) -> Iterable[str]:
    """The normalized keys ``page`` answers to in a :class:`NameIndex`."""
    yield normalize(page.slug)
    if page.entry is not None:
        for name in (page.entry.condition, *page.entry.aliases):
            if name:
                yield normalize(name)

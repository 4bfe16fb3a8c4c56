"""Name lookup: which page a slug, condition name or alias refers to.

Shared by the checks (is this target real?) and by rendering (where does it
link?), so that both always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Generic, TypeVar

from ossref.model import Page
from ossref.text.suggest import Suggester
from ossref.text.textsafety import name_key

T = TypeVar("T")

#: Headings ossref adds to every entry page, by anchor. Links may target them.
GENERATED_ANCHORS = {
    "differential-diagnosis": "Differential diagnosis",
    "listed-as-a-differential-of": "Listed as a differential of",
    "references": "References",
    "further-reading": "Further reading",
    "what-links-here": "What links here",
    "cite-this-page": "Cite this page",
}


@lru_cache(maxsize=1 << 16)
def normalize(name: str) -> str:
    """Compare names case- and Unicode-insensitively: NFKC, case-folded,
    invisible and default-ignorable characters removed, inner white space
    collapsed (:func:`ossref.text.textsafety.name_key`).
    "Myositis\u200b  Ossificans" == "myositis ossificans".

    Remembered: a check looks up the same few names (link targets,
    differentials) tens of times each. For printable ASCII, which NFKC
    leaves alone, which has no invisible character and whose case folding
    is lower-casing, the same result is worked out without Unicode tables."""
    if name.isascii() and name.isprintable():
        return " ".join(name.lower().split())
    return name_key(name)


class NameIndex(Generic[T]):
    """Maps normalized slugs, conditions and aliases to pages.

    A name claimed by two entries maps to the first (in path order); the
    ``duplicate-entry`` check reports the clash. ``NameIndex(pages)`` indexes
    :class:`Page` objects; :meth:`of` indexes anything else by the same rules
    (the checks index :class:`~ossref.model.PageFacts`).
    """

    def __init__(self, pages: Iterable[Page] = ()) -> None:
        self.by_slug: dict[str, T] = {}
        self.by_name: dict[str, T] = {}
        self._suggester: Suggester | None = None
        self._add((page.slug,
                   (page.entry.condition, *page.entry.aliases) if page.entry is not None else (),
                   page) for page in pages)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, Iterable[str], T]]) -> NameIndex[T]:
        """The index of ``(slug, names, value)`` rows, in path order; ``names``
        are an entry's condition and aliases (none for other pages)."""
        index: NameIndex[T] = cls()
        index._add(rows)
        return index

    def _add(self, rows: Iterable[tuple[str, Iterable[str], T]]) -> None:
        self._suggester = None
        # What each reference written named, as it was written: pages name
        # the same few others over and over.
        self._found: dict[str, T | None] = {}
        for slug, names, value in rows:
            self.by_slug.setdefault(normalize(slug), value)
            for name in names:
                if name:
                    self.by_name.setdefault(normalize(name), value)

    def lookup(self, ref: str) -> T | None:
        try:
            return self._found[ref]
        except KeyError:
            pass
        key = normalize(ref.removesuffix(".md"))
        found = self._found[ref] = self.by_slug.get(key) or self.by_name.get(key)
        return found

    def suggest(self, ref: str, exclude: T | None = None) -> str:
        """A did-you-mean hint for an unknown reference, or an empty string.
        Bounded work whatever the number of names (:mod:`ossref.text.suggest`).

        Never suggests a name of ``exclude`` (the page the reference is
        written in), nor a name that differs from ``ref`` only in case,
        spaces, hyphens or underscores: that would repeat what is written."""
        if self._suggester is None:
            self._suggester = Suggester([*self.by_slug, *self.by_name])
        written = _loose(normalize(ref.removesuffix(".md")))

        def skip(name: str) -> bool:
            return (_loose(name) == written
                    or (exclude is not None and (self.by_slug.get(name) is exclude or self.by_name.get(name) is exclude)))

        close = self._suggester.closest(normalize(ref), cutoff=0.6, skip=skip)
        return f"did you mean `{close}`?" if close else ""


def _loose(name: str) -> str:
    """A normalized name with hyphens and underscores read as spaces."""
    return " ".join(name.replace("-", " ").replace("_", " ").split())


def anchors(page: Page) -> set[str]:
    """Every anchor a link may point at on ``page``."""
    return anchor_set((h.anchor for h in page.scan.headings), page.entry is not None)


def anchor_set(headings: Iterable[str], entry: bool) -> set[str]:
    """The anchors a link may point at on a page whose headings have the
    anchors ``headings``: those, and on an entry the generated sections'."""
    found = set(headings)
    if entry:
        found |= set(GENERATED_ANCHORS)
    return found

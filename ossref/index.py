"""Name lookup: which page a slug, condition name or alias refers to.

Shared by the checks (is this target real?) and by rendering (where does it
link?), so that both always agree.
"""

from __future__ import annotations

import difflib
import unicodedata

from .model import Page

#: Headings ossref adds to every entry page, by anchor. Links may target them.
GENERATED_ANCHORS = {
    "differential-diagnosis": "Differential diagnosis",
    "listed-as-a-differential-of": "Listed as a differential of",
    "references": "References",
    "further-reading": "Further reading",
    "what-links-here": "What links here",
    "cite-this-page": "Cite this page",
}


def normalize(name: str) -> str:
    """Compare names case- and Unicode-insensitively: NFKC, case-folded,
    inner white space collapsed. "Myositis  Ossificans" == "myositis ossificans"."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class NameIndex:
    """Maps normalized slugs, conditions and aliases to pages.

    A name claimed by two entries maps to the first (in path order); the
    ``duplicate-entry`` check reports the clash.
    """

    def __init__(self, pages: list[Page]) -> None:
        self.by_slug: dict[str, Page] = {}
        self.by_name: dict[str, Page] = {}
        for page in pages:
            self.by_slug.setdefault(normalize(page.slug), page)
        for page in pages:
            if page.entry is None:
                continue
            for name in (page.entry.condition, *page.entry.aliases):
                if name:
                    self.by_name.setdefault(normalize(name), page)

    def lookup(self, ref: str) -> Page | None:
        key = normalize(ref.removesuffix(".md"))
        return self.by_slug.get(key) or self.by_name.get(key)

    def suggest(self, ref: str) -> str:
        """A did-you-mean hint for an unknown reference, or an empty string."""
        choices = list(self.by_slug) + list(self.by_name)
        close = difflib.get_close_matches(normalize(ref), choices, n=1, cutoff=0.6)
        return f"did you mean `{close[0]}`?" if close else ""


def anchors(page: Page) -> set[str]:
    """Every anchor a link may point at on ``page``."""
    found = {h.anchor for h in page.scan.headings}
    if page.entry is not None:
        found |= set(GENERATED_ANCHORS)
    return found

"""A page's facts: what the cross-file checks need to know of one page.

:func:`page_facts` reduces a parsed :class:`~ossref.model.Page` to its
:class:`~ossref.model.PageFacts` (names, anchors, links, citations,
differentials), which is all ``ossref check`` keeps of a page in memory and
what the store keeps of it for the check. It reads the one page only, so it
belongs to loading; the rules that compare facts across files are
:mod:`ossref.check.rules`.
"""

from __future__ import annotations

from ossref.load.recover import partial_facts
from ossref.model import Page, PageFacts, Position


def page_facts(page: Page) -> PageFacts:
    """What :func:`ossref.check.rules.check_facts` needs of ``page``."""
    entry = page.entry
    names: tuple = ()
    differentials: tuple = ()
    cites: list[tuple] = []
    for group in page.scan.citations:
        # The first key of a group is reported at its "[" (the `[@key]` token
        # an editor sees); later keys at their own "@", so each is findable.
        first = True
        for item in group.items:
            at = group.pos if first else item.pos
            cites.append((item.key, at.line, at.column))
            first = False
    body_cites = len(cites)
    if entry is not None:
        names = ((entry.condition, *_at(entry.condition_pos)),
                 *((alias, *_at(pos)) for alias, pos in zip(entry.aliases, entry.alias_pos)))
        differentials = tuple((item.ref, *_at(item.pos)) for item in entry.differentials)
        cites += ((key, *_at(pos)) for key, pos in entry.references)
    if not page.meta_ok:
        return partial_facts(page.path, page.slug, page.source, _link_facts(page), tuple(cites))
    return PageFacts(
        path=page.path,
        slug=page.slug,
        entry=entry is not None,
        names=names,
        anchors=tuple(h.anchor for h in page.scan.headings),
        differentials=differentials,
        links=_link_facts(page),
        cites=tuple(cites),
        body_cites=body_cites,
    )


def _link_facts(page: Page) -> tuple:
    return tuple([(link.target, link.anchor, link.wiki, link.image, link.pos.line, link.pos.column)
                  for link in page.scan.links])


def _at(pos: Position) -> tuple[int, int]:
    return pos.line, pos.column

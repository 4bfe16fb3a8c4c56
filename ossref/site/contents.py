"""The items of an entry's "On this page" list: each section heading's text as
a reader sees it, and the id the built page gives that heading.

The scan (:mod:`ossref.load.scan`) reads a heading as Python-Markdown's ``toc``
extension does: its plain text (emphasis markers, link syntax, tags and
entities resolved) and the id slugified from it. The staged page differs in
two ways the list must follow. Its title heading (the entry's condition)
comes first and takes its id before any body heading does. And a citation in
a heading is replaced by ossref's superscript, which the build writes after
Markdown ran (a deferred token), so ``toc`` neither sees its ``[@key]`` text
nor slugifies the superscript: the heading's id and text are those of the
heading without its citations. Ids are then made unique in page order, as
``toc`` does (``notes``, ``notes_1``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from markdown.extensions.toc import slugify
from markdown.extensions.toc import unique as _toc_unique

from ossref.model import Page

__all__ = ["Item", "contents_items", "contents_html"]

#: (href fragment, text): one line of the list.
Item = tuple[str, str]


def _make_unique() -> Callable[[str, set[str], dict[str, int]], str]:
    try:
        _toc_unique("x", {"x"}, {})
    except TypeError:  # Markdown < 3.11: no counters cache
        return lambda id_, ids, counters: _toc_unique(id_, ids)
    return _toc_unique


_unique = _make_unique()


def _without_citations(text: str, cited: list[str]) -> str:
    """``text`` (a heading's plain text) without the source text ``cited``
    of the citations on its line, white space collapsed.

    The scan keeps a citation's ``[@key]`` verbatim in a heading's plain text
    (it is not Markdown ``toc`` would resolve), so removing that source text
    leaves what the built heading reads around the superscript."""
    for source in cited:
        text = text.replace(source, " ")
    return " ".join(text.split())


def contents_items(page: Page, title: str | None, level: int = 2) -> list[Item]:
    """The list's items for ``page``: each heading of ``level``, in page
    order, as (id, text), where id is the one the built page gives it.

    ``title`` is the text of the title heading the staged page puts first
    (the entry's condition), None when there is none. A heading whose text is
    empty once citations are gone is left out (a link needs a name), but its
    id is still taken, as in the built page."""
    ids: set[str] = set()
    counters: dict[str, int] = {}
    if title is not None:
        _unique(slugify(" ".join(title.split()), "-"), ids, counters)
    # Citations by line, so that each heading looks only at its own.
    cited: dict[int, list[str]] = {}
    for group in page.scan.citations:
        cited.setdefault(group.pos.line, []).append(page.body[group.start:group.end])
    items = []
    for heading in page.scan.headings:
        text = _without_citations(heading.text, cited.get(heading.pos.line, []))
        anchor = _unique(slugify(text, "-"), ids, counters)
        if heading.level == level and text:
            items.append((anchor, text))
    return items


def contents_html(items: Sequence[Item]) -> str:
    """``items`` as the folded list, every string HTML-escaped; empty for
    fewer than two items (one section needs no list)."""
    if len(items) < 2:
        return ""
    lines = "".join(f'<li><a href="#{html.escape(a, quote=True)}">{html.escape(t, quote=False)}</a></li>'
                    for a, t in items)
    return f'<details class="ossref-contents"><summary>On this page</summary><ul>{lines}</ul></details>'

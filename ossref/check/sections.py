"""What ossref adds to a page and where, decided once for the check and the renderer.

ossref adds sections to every page after its body (:data:`ENTRY_SECTIONS`
on an entry, :data:`TOPIC_SECTIONS` on another page), gives generated
elements ids (``ref-3``, ``cite-3-1``), and writes pages of its own
(``references``, ``tags/``). A body heading with the anchor of one of those
would give the page two elements with one id: Python-Markdown renames the
second heading (``references_1``), so links and the table of contents reach
the wrong one.

An editor may open two of the sections with a heading of their own
(:data:`EDITOR_SECTIONS`): many references write a prose "Differential
diagnosis". The generated part then goes at the end of the editor's section
(:func:`own_sections`), under the one heading. Every other clash is a finding
of :func:`page_findings`, which the loader runs with the other per-page rules,
so ``ossref check`` reports it before ``ossref build`` would render it; and so
are two pages at one URL (:func:`url_clashes`, across pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown.extensions.toc import slugify

from ossref.diagnostics import Diagnostic, diag
from ossref.check.index import GENERATED_ANCHORS
from ossref.model import Heading, Page

__all__ = ["EDITOR_SECTIONS", "ENTRY_SECTIONS", "RESERVED_PATHS", "TOPIC_SECTIONS", "UNPUBLISHED_FOLDER",
           "own_sections", "page_findings", "reserved_path", "url_clashes", "url_key"]

#: Sections ossref adds to an entry, by anchor, in page order.
ENTRY_SECTIONS = tuple(GENERATED_ANCHORS)
#: Sections ossref may add to a page that is not an entry.
TOPIC_SECTIONS = ("references", "what-links-here")
#: Generated sections an editor may open with a heading of their own; the
#: generated table or list then ends the editor's section.
EDITOR_SECTIONS = ("differential-diagnosis", "references")
#: URL paths (as :func:`url_key` gives them) of the pages ossref generates:
#: one path, or a folder and everything in it.
RESERVED_PATHS = ("references", "tags")
#: The folder of the docs folder that MkDocs never publishes (its default
#: ``exclude_docs``, always applied): theme templates would live there.
UNPUBLISHED_FOLDER = "templates"

# Ids of generated elements inside a page: reference list items and citation
# superscripts (ossref.site.render). A heading with one would take their links.
_GENERATED_ID = re.compile(r"ref-[1-9]\d*|cite-[1-9]\d*-[1-9]\d*")


def url_key(slug: str) -> str:
    """The page's URL path with directory URLs, without the trailing slash:
    ``tags/index`` and ``tags`` are both ``tags``."""
    if slug == "index":
        return ""
    return slug.removesuffix("/index") if slug.endswith("/index") else slug


def reserved_path(slug: str) -> str | None:
    """The generated page or folder whose URL the page ``slug`` would take,
    or :data:`UNPUBLISHED_FOLDER` for a page in it, or None."""
    if slug.startswith(UNPUBLISHED_FOLDER + "/"):
        return UNPUBLISHED_FOLDER
    key = url_key(slug)
    for reserved in RESERVED_PATHS:
        if key == reserved or key.startswith(reserved + "/"):
            return reserved
    return None


def url_clashes(pages: Iterable[tuple[str, str]], directory_urls: bool = True) -> list[Diagnostic]:
    """A ``duplicate-url`` for each page (path, slug), in path order, whose URL
    an earlier page already has: ``x.md`` and ``x/index.md`` with directory
    URLs. MkDocs would publish one of them and drop the other without a word."""
    owners: dict[str, str] = {}
    out = []
    for path, slug in pages:
        key = url_key(slug) if directory_urls else slug
        owner = owners.setdefault(key, path)
        if owner != path:
            out.append(diag(path, 1, 1, "duplicate-url",
                            f"`{path}` has the same URL as `{owner}` (`{key}/`): only one of them"
                            " would be published",
                            f"rename or move one of them; `{key}.md` and `{key}/index.md` are one page"))
    return out


def _top_level(lines: list[str], body_line: int, heading: Heading) -> bool:
    """Whether ``heading`` (of a body split into ``lines``, the first being
    file line ``body_line``) starts its line, outside any list, quote or
    admonition: at most three spaces before it, as Markdown allows."""
    i = heading.pos.line - body_line
    if not 0 <= i < len(lines):
        return False
    prefix = lines[i][: heading.pos.column - 1]
    return len(prefix) <= 3 and not prefix.strip(" ")


def own_sections(page: Page) -> dict[str, int]:
    """For each of :data:`EDITOR_SECTIONS` that the body of ``page`` opens
    itself, with a heading of that anchor at the top level: the offset in
    ``page.body`` where the editor's section ends, which is the start of the
    line of the next top-level heading of the same or a higher level, or the
    end of the body. The generated part of that section goes there."""
    headings = page.scan.headings
    wanted = [i for i, h in enumerate(headings) if h.anchor in EDITOR_SECTIONS]
    if not wanted:
        return {}
    lines = page.body.split("\n")
    out: dict[str, int] = {}
    for i in wanted:
        heading = headings[i]
        if heading.anchor in out or not _top_level(lines, page.body_line, heading):
            continue
        end = next((h for h in headings[i + 1:]
                    if h.level <= heading.level and _top_level(lines, page.body_line, h)), None)
        line = end.pos.line - page.body_line if end is not None else len(lines)
        if line >= len(lines):
            out[heading.anchor] = len(page.body)
        else:
            out[heading.anchor] = len("\n".join(lines[:line])) + 1 if line > 0 else 0
    return out


def page_findings(page: Page) -> list[Diagnostic]:
    """``reserved-heading`` and ``reserved-path`` findings of ``page``: what
    would give it an id twice, or lose a generated page, found from the page
    alone, whatever the rest of the wiki links or cites."""
    return [*_reserved_headings(page), *_reserved_path(page)]


def _reserved_path(page: Page) -> Iterable[Diagnostic]:
    reserved = reserved_path(page.slug)
    if reserved is None:
        return
    key = url_key(page.slug)
    if reserved == UNPUBLISHED_FOLDER:
        yield diag(page.path, 1, 1, "reserved-path",
                   f"`{page.path}` is in `{UNPUBLISHED_FOLDER}/`, a folder MkDocs never publishes:"
                   " the page would be left out of the site",
                   f"move the page out of `{UNPUBLISHED_FOLDER}/`; keep notes that are not to be"
                   " published outside the docs folder")
        return
    if reserved == "references":
        what = "has the URL of the references page ossref generates (`references/`), which would be left out"
    elif key == "tags":
        what = "has the URL of the tag index ossref generates (`tags/`), which would be left out"
    else:
        what = (f"is in `tags/`, where ossref writes a page for each tag: a tag with the slug"
                f" `{key.removeprefix('tags/')}` would lose its page to this one")
    yield diag(page.path, 1, 1, "reserved-path", f"`{page.path}` {what}",
               "rename or move this page: `references` and everything in `tags/` are ossref's")


def _reserved_headings(page: Page) -> Iterable[Diagnostic]:
    added = ENTRY_SECTIONS if page.entry is not None else TOPIC_SECTIONS
    mergeable = own_sections(page)
    # An entry's title heading (its condition) comes first on the page and
    # keeps its anchor; a body heading with the same one would be renamed.
    title = slugify(" ".join(page.entry.condition.split()), "-") if page.entry is not None else None
    for heading in page.scan.headings:
        anchor = heading.anchor
        if anchor in mergeable:
            continue
        if anchor == title:
            yield diag(page.path, heading.pos.line, heading.pos.column, "reserved-heading",
                       f"heading `{_show(heading.text)}` has the anchor of the page's title heading (`#{anchor}`),"
                       " which ossref makes from `condition`; the page would have it twice",
                       "rename the heading: the title already names the condition")
            continue
        if anchor in EDITOR_SECTIONS and anchor in added:
            yield diag(page.path, heading.pos.line, heading.pos.column, "reserved-heading",
                       f"heading `{_show(heading.text)}` is the {GENERATED_ANCHORS[anchor]} section ossref adds to this"
                       " page, but it is inside a list, quote or other block, where ossref cannot add to it",
                       "start the heading at the beginning of a line, outside any list, quote or admonition")
        elif anchor in added:
            yield diag(page.path, heading.pos.line, heading.pos.column, "reserved-heading",
                       f"heading `{_show(heading.text)}` is also a section ossref adds to this page"
                       f" (`#{anchor}`); the page would have it twice",
                       f"rename the heading, e.g. `{_rename(anchor)}`: ossref writes the"
                       f" {GENERATED_ANCHORS[anchor]} section itself")
        elif _GENERATED_ID.fullmatch(anchor):
            yield diag(page.path, heading.pos.line, heading.pos.column, "reserved-heading",
                       f"heading `{_show(heading.text)}` has the anchor `#{anchor}`, an id ossref gives to a"
                       " reference or citation on the page; links to it would go to the wrong place",
                       "rename the heading")
    entry = page.entry
    if entry is not None:
        anchor = title
        if anchor in added or _GENERATED_ID.fullmatch(anchor):
            yield diag(page.path, entry.condition_pos.line, entry.condition_pos.column, "reserved-heading",
                       f"condition `{_show(entry.condition)}` is the page's title heading, with the anchor"
                       f" `#{anchor}` of a section or id ossref adds to the page",
                       "name the condition itself, not a section of the page")


_RENAMES = {
    "listed-as-a-differential-of": "Conditions that mimic it",
    "further-reading": "Other sources",
    "what-links-here": "Related entries",
    "cite-this-page": "How to cite",
}


def _rename(anchor: str) -> str:
    return _RENAMES.get(anchor, "Notes")


def _show(text: str, limit: int = 80) -> str:
    """``text`` for a message: printable, no backticks, at most ``limit`` characters."""
    text = "".join(c if c.isprintable() else " " for c in text).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

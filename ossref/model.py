"""The values that flow through the pipeline: load -> check -> resolve -> render.

Plain data only; no I/O and no behaviour beyond small derived properties.
Every position here is 1-based and refers to the file on disk (not to the
body or the front matter alone), so checks can report it unchanged.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Position:
    line: int
    column: int


# --------------------------------------------------------------------------- BibTeX


@dataclass
class Reference:
    """One BibTeX record that loaded.

    ``fields`` maps lower-cased field names to their values exactly as written
    between the delimiters (LaTeX is *not* decoded here: decoding is slow and
    only cited records are ever formatted; see :mod:`ossref.site.vancouver`).
    """

    key: str
    entry_type: str  # lower-cased, e.g. "article"
    fields: dict[str, str]
    path: str  # relative to the project root
    line: int  # of the "@type{key" line
    column: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


# --------------------------------------------------------------------------- pages


@dataclass
class Differential:
    ref: str  # slug, condition name or alias, as written
    distinguishing: str  # may be empty
    pos: Position  # of the list item


@dataclass(frozen=True)
class Author:
    """One author of an entry: a person's name, or an organisation's."""

    name: str
    organization: bool = False


@dataclass
class Entry:
    """The typed view of an entry's front matter (a page with ``condition``)."""

    condition: str
    aliases: list[str] = field(default_factory=list)
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    updated: _dt.date | None = None
    differentials: list[Differential] = field(default_factory=list)
    references: list[tuple[str, Position]] = field(default_factory=list)
    #: Who wrote the entry, in the order to credit them.
    authors: list[Author] = field(default_factory=list)
    #: When a named reviewer last checked the entry, and who.
    reviewed: _dt.date | None = None
    reviewed_by: list[str] = field(default_factory=list)
    condition_pos: Position = Position(1, 1)
    alias_pos: list[Position] = field(default_factory=list)


@dataclass
class CitationItem:
    key: str
    locator: str  # "p. 3", or empty
    pos: Position  # of the "@key"


@dataclass
class CitationGroup:
    """``[@a; @b, p. 3]``: ``start``/``end`` are offsets into ``Page.body``."""

    items: list[CitationItem]
    start: int
    end: int
    pos: Position  # of the "["


@dataclass
class Link:
    """A cross-link ``[[target#anchor|label]]`` (``wiki=True``) or a Markdown
    link/image ``[label](url)`` (``wiki=False``); offsets into ``Page.body``."""

    target: str  # wiki: target as written; markdown: the URL
    anchor: str
    label: str
    start: int
    end: int
    pos: Position
    wiki: bool
    image: bool = False


@dataclass
class Heading:
    level: int
    text: str
    anchor: str  # the id MkDocs' toc extension gives it
    pos: Position


@dataclass
class RawHtml:
    snippet: str
    pos: Position


@dataclass
class MalformedCitation:
    """Bracketed text that holds a citation key but is no citation, so the
    page would show it as written (``[@a and @b]``)."""

    text: str  # the group as written, at most 80 characters on one line
    problem: str  # one of scan.NO_KEY, TWO_KEYS, NESTED_KEY, UNCLOSED
    pos: Position  # of the "["


@dataclass
class BodyScan:
    """What the body holds, ignoring code spans and fenced/indented code."""

    citations: list[CitationGroup] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    html: list[RawHtml] = field(default_factory=list)
    #: ``{: ...}`` / ``{#id}`` attribute lists, refused like raw HTML.
    attr_lists: list[RawHtml] = field(default_factory=list)
    #: Bracket groups that look like citations but are none.
    malformed_citations: list[MalformedCitation] = field(default_factory=list)


@dataclass
class Page:
    """One Markdown file under the docs folder that could be read."""

    path: str  # relative to the project root, e.g. "content/myositis-ossificans.md"
    slug: str  # path under the docs folder without ".md", e.g. "myositis-ossificans"
    source: str  # the whole file
    meta: dict  # front matter as plain data ({} when absent or invalid)
    #: Position of each front-matter node by its key path: ("condition",) is the
    #: key's value, ("differentials", 0) the first list item,
    #: ("differentials", 0, "entry") a value inside it. Keys themselves are at
    #: ("condition", "<key>").
    meta_pos: dict[tuple, Position]
    body: str
    body_line: int  # file line on which body offset 0 stands
    entry: Entry | None = None
    scan: BodyScan = field(default_factory=BodyScan)
    meta_ok: bool = True  # False when front matter failed to parse

    @property
    def is_entry(self) -> bool:
        return self.entry is not None

    @property
    def title(self) -> str:
        if self.entry:
            return self.entry.condition
        title = self.meta.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        for heading in self.scan.headings:
            if heading.level == 1:
                return heading.text
        return self.slug.rsplit("/", 1)[-1].replace("-", " ").capitalize()


class PageFacts(NamedTuple):
    """What the cross-file checks need to know of one page, and nothing more:
    small enough that the store (:mod:`ossref.load.store`) holds the
    facts of a whole wiki and reads them back in a blink.

    Only plain tuples, strings, ints and bools, so that :mod:`marshal` can
    store it (after ``tuple(facts)``). The items of the tuple fields are plain
    tuples too, laid out as their comments say; positions are 1-based file
    positions, like everywhere else.
    """

    path: str
    slug: str
    entry: bool  # True for an entry (a page with a `condition`)
    names: tuple  # (name, line, column): the condition, then each alias; () for other pages
    anchors: tuple  # the anchor of each heading of the body, in order
    differentials: tuple  # (ref as written, line, column), in order
    links: tuple  # (target, anchor, wiki, image, line, column), as Link has them
    cites: tuple  # (key, line, column): each citation use, then each front-matter `references` key
    body_cites: int = 0  # how many of ``cites`` are citation uses in the body (the first ones)
    #: True when the file could not be read or its front matter not parsed:
    #: ``names`` then holds only the names recovered for certain
    #: (:func:`ossref.load.recover.recover_names`), and what the page lists or
    #: links to is unknown. Such a page still answers to its names, so one
    #: mistake is reported once, in its own file.
    partial: bool = False


@dataclass
class Project:
    """Everything loaded, before cross-file checks."""

    pages: list[Page]
    references: dict[str, Reference]  # by key, first definition wins
    bib_files: list[str]
    #: Every file of the docs folder that is not Markdown (nor hidden), by its
    #: path relative to the root, with whether the site publishes it. None:
    #: not known, and links to such files are not checked.
    files: dict[str, bool] | None = None
    #: The facts of the pages that could not be read (not UTF-8, too large),
    #: partial (:attr:`PageFacts.partial`): the checks still know their names.
    unread: list[PageFacts] = field(default_factory=list)


@dataclass
class ProjectFacts:
    """What ``ossref check`` loads instead of a :class:`Project`: the facts
    of every page that could be read, in path order, and where each BibTeX
    record is."""

    pages: list[PageFacts]
    references: dict[str, tuple[str, int, int]]  # key -> (path, line, column) of its record
    bib_files: list[str]
    files: dict[str, bool] | None = None  # as Project.files

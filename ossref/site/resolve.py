"""Resolve a checked project into a :class:`Site`: everything render needs, decided.

:func:`resolve` numbers citations, finds every link's target and anchor,
pairs differentials, collects backlinks, tags, the A-Z list and the
references index, formatting each reference in use once (render reuses the
result). It is pure apart from one ``git log`` (through
:mod:`ossref.load.gitdates`) for pages without an ``updated`` date, and it expects
a project that passed :func:`ossref.pipeline.check`: a name, key or anchor
that does not resolve is skipped here, never reported (the check reports it).

Each page is resolved on its own (:func:`resolve_own`, then
:func:`resolve_lists` once every page's links are known), reading the other
pages, names and records only through a :class:`~ossref.site.world.World`,
which records what it read: :mod:`ossref.site.incremental` resolves again
only the pages whose reads changed.

All paths in a Site are ``Page.path``/``Page.slug`` values; hrefs are
relative Markdown links to ``.md`` sources, which MkDocs turns into URLs and
validates.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from markdown.extensions.toc import slugify

from ossref.check.rules import url_scheme
from ossref.config import Config
from ossref.load.gitdates import last_commit_dates
from ossref.check.index import GENERATED_ANCHORS, anchors, normalize
from ossref.model import Link, Page, Project, Reference
from ossref.check.sections import UNPUBLISHED_FOLDER
from ossref.site.vancouver import Formatted, format_reference
from ossref.site.world import World

__all__ = ["AzItem", "ResolvedLink", "ResolvedPage", "Site", "cross_links", "dates", "first_author", "page_tags",
           "real_anchor", "relative_href", "resolve", "resolve_lists", "resolve_own", "site_of", "sort_key", "topics"]


@dataclass
class ResolvedLink:
    """Where one :class:`~ossref.model.Link` of a body goes.

    ``href`` is the target's ``.md`` path relative to the linking page plus
    ``#anchor`` (the heading's real id), or only ``#anchor`` on the same page.
    ``text`` is the plain text to show when the link has no label: the target
    as the editor wrote it when that is a name (``[[OIH]]`` shows "OIH"), the
    target's title when it was written as a slug (``[[myositis-ossificans]]``
    shows "Myositis ossificans", not the file name), or the heading's text
    for a bare ``[[#anchor]]``.
    ``rewrite`` says whether render must replace the link in the body: always
    for wiki links; for a Markdown ``.md`` link only when its anchor was given
    by heading text and had to be normalized.
    """

    link: Link
    target: Page
    href: str
    text: str
    rewrite: bool


@dataclass
class ResolvedPage:
    """One page with everything around it resolved."""

    page: Page
    #: Citation key -> number, in order of first use in the body.
    numbers: dict[str, int] = field(default_factory=dict)
    #: The references cited in the body, in number order (``cited[n - 1]`` is number n).
    cited: list[Reference] = field(default_factory=list)
    #: Front-matter ``references`` not cited in the body, in front-matter order.
    further: list[Reference] = field(default_factory=list)
    #: (differential entry, distinguishing text), in front-matter order.
    differentials: list[tuple[Page, str]] = field(default_factory=list)
    #: Entries listing this one as a differential, by title.
    differential_of: list[Page] = field(default_factory=list)
    #: Other pages whose body links here, by title.
    backlinks: list[Page] = field(default_factory=list)
    #: Body links that point at a page of the wiki, in body order.
    links: list[ResolvedLink] = field(default_factory=list)
    updated: dt.date | None = None


@dataclass(frozen=True)
class AzItem:
    """One line of the A-Z index: an entry's condition, or one of its aliases."""

    name: str
    page: Page
    alias: bool
    letter: str  # the group: "A".."Z", another script's capital, or "0-9" / "#"


@dataclass
class Site:
    """A resolved wiki: pages in path order, plus the site-wide lists."""

    pages: list[ResolvedPage]
    references: dict[str, Reference]
    #: Tag as first written -> pages carrying it, entries and topic pages
    #: (by title); tags sorted case-insensitively. Spellings differing only
    #: in case or Unicode form are one tag.
    tags: dict[str, list[Page]]
    #: Every work cited in a body or listed in front matter, once, with the
    #: pages that use it (by title); sorted by first author, year, title.
    references_index: list[tuple[Reference, list[Page]]]
    #: Conditions and aliases, sorted by name within letter groups.
    az: list[AzItem]
    #: Every work of ``references_index``, formatted once (render reuses it).
    formatted: dict[str, Formatted] = field(default_factory=dict)
    #: What pages read each other through (render reads through it too).
    world: World | None = None


def resolve(project: Project, config: Config, world: World | None = None) -> Site:
    """Resolve ``project`` (which passed the check) into a :class:`Site`.

    ``world`` (:class:`~ossref.site.world.World` of the project, made when not
    given) is what each page reads the others through."""
    world = world if world is not None else World(project.pages, project.references)
    resolved = [ResolvedPage(page) for page in project.pages]
    for rp in resolved:
        resolve_own(rp, world)
    world.linkers, world.listers = cross_links(resolved)
    for rp in resolved:
        resolve_lists(rp, world)
    dates(resolved, config)
    return site_of(resolved, project, world)


def site_of(resolved: list[ResolvedPage], project: Project, world: World,
            formatted: dict[str, Formatted] | None = None) -> Site:
    """The :class:`Site` of ``resolved`` (every page of ``project``, resolved):
    the site-wide lists made, and ``world.tags`` set. ``formatted`` keeps
    formatted references from one build to the next (the incremental one
    drops those whose record changed); a full build starts with none."""
    formatted = {} if formatted is None else formatted
    live = [p for p in project.pages if published(p)]
    tags = _tags(live)
    world.tags = tuple(tags)
    return Site(
        pages=resolved,
        references=project.references,
        tags=tags,
        references_index=_references_index(resolved, formatted, project.references),
        az=_az(live),
        formatted=formatted,
        world=world,
    )


def resolve_own(rp: ResolvedPage, world: World) -> None:
    """What ``rp``'s page decides itself: citation numbers, links and
    differentials (read through ``world``, which records the reads)."""
    _number_citations(rp, world)
    rp.links = list(_resolve_links(rp.page, world))
    _own_differentials(rp, world)


def cross_links(resolved: list[ResolvedPage]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(target path -> paths of the other pages linking to it, target path ->
    paths of the entries listing it as a differential), for
    :attr:`World.linkers <ossref.site.world.World>` and ``listers``."""
    linkers: dict[str, set[str]] = {}
    listers: dict[str, set[str]] = {}
    for rp in resolved:
        for target in link_targets(rp):
            linkers.setdefault(target, set()).add(rp.page.path)
        for target in differential_targets(rp):
            listers.setdefault(target, set()).add(rp.page.path)
    return linkers, listers


def link_targets(rp: ResolvedPage) -> set[str]:
    """Paths of the other pages ``rp``'s body links to."""
    return {link.target.path for link in rp.links if link.target is not rp.page}


def differential_targets(rp: ResolvedPage) -> set[str]:
    """Paths of the entries ``rp`` lists as differentials."""
    return {target.path for target, _ in rp.differentials}


def resolve_lists(rp: ResolvedPage, world: World) -> None:
    """``rp``'s backlinks and the entries listing it, once every page's own
    links are known (:func:`cross_links`)."""
    rp.backlinks = _by_title(p for p in world.linking(rp.page.path) if published(p))
    rp.differential_of = _by_title(p for p in world.listing(rp.page.path) if published(p))


# --------------------------------------------------------------------------- citations


def _number_citations(rp: ResolvedPage, world: World) -> None:
    for group in rp.page.scan.citations:
        for item in group.items:
            if item.key not in rp.numbers:
                ref = world.reference(item.key)
                if ref is not None:
                    rp.numbers[item.key] = len(rp.numbers) + 1
                    rp.cited.append(ref)
    if rp.page.entry is None:
        return
    seen = set(rp.numbers)
    for key, _ in rp.page.entry.references:
        if key not in seen:
            ref = world.reference(key)
            if ref is not None:
                seen.add(key)
                rp.further.append(ref)


# --------------------------------------------------------------------------- links


def relative_href(from_path: str, to_path: str) -> str:
    """``to_path`` relative to the folder of ``from_path`` (both relative to
    the same folder, with forward slashes), URL-quoted.

    Plain string work: ``posixpath.relpath`` asks the OS for the current
    folder on every call, which adds up over 10,000 pages."""
    here = from_path.split("/")[:-1]
    there = to_path.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    return quote("/".join(parts), safe="/-._~")


def _resolve_links(page: Page, world: World):
    docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]
    for link in page.scan.links:
        if link.wiki:
            target = world.lookup(link.target) if link.target else page
            if target is not None:
                yield _wiki_link(page, link, target, docs_root, world)
        elif not link.image:
            target = _markdown_target(page, link, world, docs_root)
            if target is not None:
                yield _markdown_link(page, link, target, docs_root, world)


def _markdown_target(page: Page, link: Link, world: World, docs_root: str) -> Page | None:
    if not link.target:
        return page if link.anchor else None
    # The same reading as checks._links, so a link resolves here iff it was checked.
    if url_scheme(link.target) is not None or link.target.startswith("/") or not link.target.endswith(".md"):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), link.target))
    return world.page(resolved) if resolved.startswith(docs_root) else None


def _anchor(target: Page, anchor: str, world: World) -> str:
    return real_anchor(target, anchor, world.anchors(target)) if anchor else ""


def _wiki_link(page: Page, link: Link, target: Page, docs_root: str, world: World) -> ResolvedLink:
    anchor = _anchor(target, link.anchor, world)
    href = _href(page, target, anchor, docs_root)
    if not link.target:
        text = _heading_text(target, anchor) or link.anchor or target.title
    elif normalize(link.target.removesuffix(".md")) == normalize(target.slug):
        text = target.title
    else:
        text = link.target
    return ResolvedLink(link, target, href, text, rewrite=True)


def _markdown_link(page: Page, link: Link, target: Page, docs_root: str, world: World) -> ResolvedLink:
    anchor = _anchor(target, link.anchor, world)
    href = _href(page, target, anchor, docs_root) if link.target else "#" + anchor
    return ResolvedLink(link, target, href, link.label, rewrite=anchor != link.anchor)


def _href(page: Page, target: Page, anchor: str, docs_root: str) -> str:
    fragment = "#" + quote(anchor, safe="-._~") if anchor else ""
    if target is page and fragment:
        return fragment
    return relative_href(page.path[len(docs_root):], target.path[len(docs_root):]) + fragment


def real_anchor(target: Page, anchor: str, known: set[str] | None = None) -> str:
    """The id ``anchor`` names on ``target``: itself when it is an id, else its
    slug, the same two readings ``checks._has_anchor`` accepts. ``known`` is
    ``index.anchors(target)`` when the caller has it."""
    if known is None:
        known = anchors(target)
    if anchor in known:
        return anchor
    slug = slugify(anchor, "-")
    return slug if slug in known else anchor


def _heading_text(target: Page, anchor: str) -> str:
    for heading in target.scan.headings:
        if heading.anchor == anchor:
            return heading.text
    return GENERATED_ANCHORS.get(anchor, "")


# --------------------------------------------------------------------------- differentials


def _own_differentials(rp: ResolvedPage, world: World) -> None:
    """Fill an entry's ``differentials``, in front-matter order, once each."""
    entry = rp.page.entry
    if entry is None:
        return
    seen: set[str] = set()
    for item in entry.differentials:
        target = world.lookup(item.ref)
        if target is None or target.entry is None or target is rp.page or target.path in seen:
            continue
        seen.add(target.path)
        rp.differentials.append((target, item.distinguishing))


def _by_title(pages) -> list[Page]:
    return sorted(pages, key=lambda p: (sort_key(p.title), p.path))


# --------------------------------------------------------------------------- dates


def dates(resolved: list[ResolvedPage], config: Config) -> None:
    """Set each page's ``updated``: its front matter's, else its last commit's."""
    undated: list[ResolvedPage] = []
    for rp in resolved:
        rp.updated = _front_matter_date(rp.page)
        if rp.updated is None:
            undated.append(rp)
    if not undated:
        return
    found = last_commit_dates(config.root, [rp.page.path for rp in undated])
    for rp in undated:
        rp.updated = found.get(rp.page.path)


def _front_matter_date(page: Page) -> dt.date | None:
    if page.entry is not None:
        return page.entry.updated
    value = page.meta.get("updated")  # topic pages: not typed by the schema
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


# --------------------------------------------------------------------------- site-wide lists


@functools.lru_cache(maxsize=65536)
def sort_key(name: str) -> str:
    """Order names as a reader expects: case, accents and width ignored."""
    decomposed = unicodedata.normalize("NFKD", normalize(name))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tags(pages: list[Page]) -> dict[str, list[Page]]:
    spelling: dict[str, str] = {}
    members: dict[str, dict[str, Page]] = {}
    for page in pages:
        for tag in page_tags(page):
            key = normalize(tag)
            if not key:
                continue
            spelling.setdefault(key, tag)
            members.setdefault(key, {})[page.path] = page
    ordered = sorted(spelling, key=lambda k: (sort_key(k), spelling[k]))
    return {spelling[k]: _by_title(members[k].values()) for k in ordered}


def page_tags(page: Page) -> list[str]:
    """An entry's tags, or a topic page's: the text items of its front-matter
    ``tags`` list (the schema checks them on entries only; anything else a
    topic page writes there is ignored). The home page has none."""
    if page.entry is not None:
        return page.entry.tags
    if page.slug == "index":
        return []
    tags = page.meta.get("tags") if isinstance(page.meta, dict) else None
    if not isinstance(tags, list):
        return []
    return [" ".join(t.split()) for t in tags if isinstance(t, str) and t.strip()]


def topics(pages: list[Page]) -> list[Page]:
    """Pages that are not entries (no ``condition``) and not the home page, by title."""
    return _by_title(p for p in pages if p.entry is None and p.slug != "index" and published(p))


def published(page: Page) -> bool:
    """Whether MkDocs publishes the page: never one in the folder it always
    leaves out (``reserved-path`` when a project lets that pass), so no
    generated list may link to it."""
    return not page.slug.startswith(UNPUBLISHED_FOLDER + "/")


def _letter(name: str) -> str:
    for ch in sort_key(name):
        if ch.isalpha():
            return ch.upper()
        if ch.isdigit():
            return "0-9"
    return "#"


def _az(pages: list[Page]) -> list[AzItem]:
    items: list[AzItem] = []
    for page in pages:
        if page.entry is None:
            continue
        items.append(AzItem(page.entry.condition, page, False, _letter(page.entry.condition)))
        seen = {normalize(page.entry.condition)}
        for alias in page.entry.aliases:
            if normalize(alias) not in seen:
                seen.add(normalize(alias))
                items.append(AzItem(alias, page, True, _letter(alias)))

    def order(item: AzItem) -> tuple:
        group = (0 if item.letter == "#" else 1 if item.letter == "0-9" else 2, item.letter)
        return (group, sort_key(item.name), item.alias, item.name, item.page.path)

    return sorted(items, key=order)


def _references_index(resolved: list[ResolvedPage], formatted: dict[str, Formatted],
                       records: dict[str, Reference] | None = None) -> list[tuple[Reference, list[Page]]]:
    """Every work used, with its users; fills ``formatted`` on the way, since
    the order is read from the formatted reference. ``records`` (every
    record) lets a record inherit through ``crossref``."""
    users: dict[str, list[Page]] = {}
    refs: dict[str, Reference] = {}
    for rp in resolved:
        for ref in (*rp.cited, *rp.further):
            if ref.key not in refs:
                refs[ref.key] = ref
                if ref.key not in formatted:
                    formatted[ref.key] = format_reference(ref, records)
            users.setdefault(ref.key, []).append(rp.page)
    ordered = sorted(refs.values(), key=lambda ref: _reference_order(ref, formatted[ref.key]))
    return [(ref, _by_title(users[ref.key])) for ref in ordered]


def first_author(formatted: Formatted) -> tuple[str, bool]:
    """(first author, whether more follow) read from a formatted reference:
    its text starts with the authors ("Adams C, Brown D. Title...") or, for an
    anonymous work, with its title, which then stands in for the author."""
    text = formatted.text
    comma, stop = text.find(", "), text.find(". ")
    if comma != -1 and (stop == -1 or comma < stop):
        return text[:comma], True
    return (text[:stop] if stop != -1 else text), False


def _reference_order(ref: Reference, formatted: Formatted) -> tuple:
    """First author, year, then the whole reference."""
    year = _YEAR.search(ref.get("year") or ref.get("date"))
    return (sort_key(first_author(formatted)[0]), year.group(0) if year else "",
            sort_key(formatted.text), ref.key)


_YEAR = re.compile(r"\d{4}")

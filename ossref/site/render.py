"""Write a resolved :class:`~ossref.site.resolve.Site` as Markdown for MkDocs.

:func:`render_site` stages one Markdown file per page, at the page's own path
under the docs folder (so URLs and "Edit this page" links stay those of the
real docs folder), plus the generated pages ``index.md`` (A-Z), ``references.md``
and ``tags/``, and copies images. MkDocs then builds the staging folder.

Every string from front matter or BibTeX is escaped as :mod:`ossref.site.markup`
says, the one rule. Formatted references (:mod:`ossref.site.vancouver`, already
HTML-escaped) are only ever placed inside raw HTML *blocks*, which
Python-Markdown does not parse.

Links in the body stay Markdown links to ``.md`` sources, which MkDocs turns
into URLs and validates. What ossref generates (citation superscripts, the
differential table, reference lists, backlinks, the A-Z, references and tag
listings) is final HTML with final URLs, written where ``defer`` says: inline
(the default), or as a token that :class:`~ossref.site.deferred.Deferred` expands
after MkDocs rendered the page, so that Markdown and search never parse it.
HTML fragments escape every string with ``html.escape``.

Other pages are read only through the site's :class:`~ossref.site.world.World`,
which records what each page read (:func:`render_page` and
:func:`render_generated` render one page, or the generated ones, for the
incremental build).
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import shutil
import stat
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ossref.check.index import GENERATED_ANCHORS, normalize
from ossref.check.sections import own_sections
from ossref.config import Config
from ossref.diagnostics import Diagnostic, diag
from ossref.load.published import IMAGE_EXTENSIONS
from ossref.model import CitationGroup, Link, Page, Reference
from ossref.site import citemeta
from ossref.site.contents import contents_html, contents_items
from ossref.site.deferred import inline
from ossref.site.generated import GeneratedPages
# Re-exported: these lived here before render was split.
from ossref.site.markup import (_DUMPER, _a, _front_matter, _link, _names, _page_url, _relpath, _staged,  # noqa: F401
                                attr_text, build_date, md_text, staged_path, tag_slugs, url_href, url_key)
from ossref.site.pagemeta import staged_head, staged_meta
from ossref.site.resolve import ResolvedPage, Site, first_author, relative_href
from ossref.site.search import META_KEY, SPELLINGS, search_meta
from ossref.site.vancouver import Formatted, authors_and_title, format_reference
from ossref.site.world import World

__all__ = ["IMAGE_EXTENSIONS", "Renderer", "attr_text", "docs_files", "md_text", "render_site", "staged_path",
           "tag_slugs"]

#: Joins the ends of a range of citation numbers: "1–3".
_RANGE_DASH = "\u2013"


def render_site(site: Site, config: Config, staging: Path,
                defer: Callable[[str], str] = inline, downloads: dict[str, str] | None = None) -> list[Diagnostic]:
    """Write the staged Markdown of ``site`` into ``staging`` (created if needed;
    pass an empty folder) and copy the allowed images from the docs folder.
    Generated HTML goes through ``defer`` (see the module docstring).
    With ``downloads``, each entry's citation downloads (``.bib``, ``.ris``:
    path under the site -> text) go into it instead of ``staging``, for the
    caller to write into the built site: MkDocs only copies them, and two
    files and a folder per entry staged, copied and removed again were a
    tenth of a 1,000-entry build's time.

    A generated section that the body opens with a heading of its own
    (:func:`ossref.check.sections.own_sections`) is written at the end of the
    editor's section, without a second heading. What ``ossref check`` reports
    is not reported again: a content page at a generated page's URL
    (``reserved-path``) is kept and the generated page not written, and a
    body heading with the anchor of another generated section
    (``reserved-heading``) is left as it is.

    Returns ``render-error`` diagnostics: a link to a docs file of a type
    that is not published. Reads the docs folder only to copy images.
    """
    renderer = _Renderer(site, config, staging, defer)
    renderer.downloads = downloads
    return renderer.run()


class _References:
    """Each reference formatted once per build, with its hover title.

    vancouver's own cache holds 4,096 records; a 10,000-entry wiki cites
    more, and in an order that would keep evicting them."""

    def __init__(self, formatted: dict[str, Formatted]) -> None:
        self._formatted = formatted  # from resolve: every reference in use
        self._done: dict[str, tuple[Formatted, str]] = {}
        self._search: dict[str, str] = {}

    def get(self, ref: Reference) -> tuple[Formatted, str]:
        """(formatted reference, attribute-escaped short citation)."""
        found = self._done.get(ref.key)
        if found is None:
            formatted = self._formatted.get(ref.key) or format_reference(ref)
            found = self._done[ref.key] = (formatted, attr_text(short_citation(ref, formatted)))
        return found

    def search_text(self, ref: Reference) -> str:
        """:func:`~ossref.site.vancouver.authors_and_title` of ``ref``, once per build."""
        found = self._search.get(ref.key)
        if found is None:
            found = self._search[ref.key] = authors_and_title(ref)
        return found


def short_citation(ref: Reference, formatted: Formatted) -> str:
    """"Zelmanovich R et al., 2023": the hover title of a citation number.

    Not the whole reference: repeated on every citation it made the staged
    Markdown of a 1,000-entry wiki 30% larger and its MkDocs build 10% slower,
    and the full reference is one click away in the page's References."""
    first, more = first_author(formatted)
    who = first + " et al." if more else first
    year = _YEAR.search(ref.get("year") or ref.get("date"))
    return f"{who}, {year.group(0)}" if year else who


_YEAR = re.compile(r"\d{4}")


# --------------------------------------------------------------------------- citations


class _Citations:
    """The superscripts of one page, and where each number is first cited."""

    def __init__(self, rp: ResolvedPage, refs: _References) -> None:
        self.rp = rp
        self.refs = refs
        self.count: dict[int, int] = defaultdict(int)
        self.first_id: dict[int, str] = {}

    def sup(self, group: CitationGroup) -> str:
        items = [(self.rp.numbers[i.key], i.locator) for i in group.items if i.key in self.rp.numbers]
        if not items:
            return ""
        if any(locator for _, locator in items):
            parts = [(n, ", " + md_text(loc) if loc else "") for n, loc in items]
            pieces, sep = self._anchors(parts), "; "
        else:
            pieces, sep = self._runs(sorted({n for n, _ in items})), ","
        first_id, first = pieces[0]
        body = sep.join([first] + [p for _, p in pieces[1:]])
        return f'<sup class="ossref-cite" id="{first_id}">{body}</sup>'

    def _anchors(self, parts: list[tuple[int, str]]) -> list[tuple[str, str]]:
        return [self._anchor(n, suffix, i == 0) for i, (n, suffix) in enumerate(parts)]

    def _runs(self, numbers: list[int]) -> list[tuple[str, str]]:
        """Consecutive runs of three or more as "a–b"; the numbers a range
        hides are first cited, for their back-links, at its start."""
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(numbers):
            j = i
            while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
                j += 1
            if j - i >= 2:
                start_id, start = self._anchor(numbers[i], "", not out)
                for hidden in numbers[i + 1 : j]:
                    self.first_id.setdefault(hidden, start_id)
                _, end = self._anchor(numbers[j], "", False)
                out.append((start_id, start + _RANGE_DASH + end))
            else:
                out += [self._anchor(n, "", not out and k == i) for k, n in enumerate(numbers[i : j + 1], i)]
            i = j + 1
        return out

    def _anchor(self, n: int, suffix: str, on_sup: bool) -> tuple[str, str]:
        """(id, markup) of one number's link. Every link shown gets an id
        ``cite-N-M`` (M-th link to number N on the page), except that the
        group's first id goes on the ``<sup>``: a single citation is then
        ``<sup id="cite-N-M"><a href="#ref-N">``, the form the brief set."""
        self.count[n] += 1
        ident = f"cite-{n}-{self.count[n]}"
        self.first_id.setdefault(n, ident)
        _, title = self.refs.get(self.rp.cited[n - 1])
        id_attr = "" if on_sup else f' id="{ident}"'
        # The number alone would be announced as "1": a screen reader reads "reference 1".
        return ident, f'<a{id_attr} href="#ref-{n}" title="{title}"><span class="ossref-sr">reference </span>{n}</a>{suffix}'

    def back_id(self, n: int) -> str:
        return self.first_id.get(n, f"cite-{n}-1")


# --------------------------------------------------------------------------- the renderer


@dataclass
class _Section:
    anchor: str
    lines: list[str]


class _Renderer(GeneratedPages):
    """Stages the pages of ``site``. With ``sink``, files go into it (path
    under the staging folder -> text) instead of the staging folder."""

    def __init__(self, site: Site, config: Config, staging: Path, defer: Callable[[str], str],
                 sink: dict[str, str] | None = None, unpublished: set[str] | None = None) -> None:
        self.site = site
        self.world = site.world if site.world is not None else World([rp.page for rp in site.pages], site.references)
        self.defer = defer
        self.config = config
        self.staging = staging
        self.sink = sink
        self.refs = _References(site.formatted)
        self.tag_slug = tag_slugs(list(site.tags))
        self.tag_of = {normalize(tag): tag for tag in site.tags}
        self.diagnostics: list[Diagnostic] = []
        self._made: set[Path] = set()
        self.unpublished: set[str] = set() if unpublished is None else unpublished
        self.spellings = SPELLINGS + self.config.search_synonyms
        # "Cited" in Citing Medicine is the day the reader read the page; the
        # build's day stands in where no script replaces it (and in downloads).
        self.today = build_date()
        #: Where citation downloads go instead of the staging folder (see render_site).
        self.downloads: dict[str, str] | None = None

    def run(self) -> list[Diagnostic]:
        self.staging.mkdir(parents=True, exist_ok=True)
        self._copy_images()
        home: ResolvedPage | None = None
        for rp in self.site.pages:
            if rp.page.slug == "index":
                home = rp
                continue
            self.page(rp)
        self.generated(home)
        return sorted(self.diagnostics)

    def page(self, rp: ResolvedPage) -> None:
        """Stage one page (not the home page: see :meth:`generated`)."""
        self._write(_staged(rp.page), self._page(rp))

    def generated(self, home: ResolvedPage | None) -> None:
        """Stage the home page (``home``, the docs folder's ``index.md``, with
        the topics and the A-Z) and the references and tag pages."""
        self._write("index.md", self._home(home))
        self._generated("references", self._references_page)
        self._generated("tags/index", self._tags_index)
        for tag, slug in self.tag_slug.items():
            self._generated(f"tags/{slug}", lambda tag=tag, slug=slug: self._tag_page(tag, slug))

    # ----------------------------------------------------------------- files

    def _write(self, rel: str, text: str) -> None:
        if self.sink is not None:
            self.sink[rel] = text
            return
        path = self.staging / rel
        folder = path.parent
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        path.write_text(text, encoding="utf-8")

    def _download(self, rel: str, text: str) -> None:
        if self.downloads is not None:
            self.downloads[rel] = text
        else:
            self._write(rel, text)

    def _generated(self, slug: str, make) -> None:
        # The check reports the content page that has this URL (reserved-path).
        if self.world.at_url(url_key(slug)) is None:
            self._write(slug + ".md", make())

    def _source(self, slug: str) -> str:
        """The staged file at the URL of the generated page ``slug``: its own,
        or that of the content page that has the URL (``reserved-path``, when
        a project lets that pass), so that links to it still resolve."""
        owner = self.world.at_url(url_key(slug))
        return _staged(owner) if owner is not None else slug + ".md"

    def _copy_images(self) -> None:
        for rel, source, published in docs_files(self.config.docs_path):
            if not published:
                self.unpublished.add(rel)
                continue
            target = self.staging / rel
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            shutil.copyfile(source, target)

    # ----------------------------------------------------------------- pages

    def _page(self, rp: ResolvedPage) -> str:
        page = rp.page
        cites = _Citations(rp, self.refs)
        own = own_sections(page)
        ends = sorted(set(own.values()))
        pieces = self._body(rp, cites, ends)
        self._check_links(page)
        if page.entry is not None:
            sections = self._entry_sections(rp, cites)
            head = self._entry_head(rp, [s.anchor for s in sections])
        else:
            head = _front_matter(self._with_search(self._topic_meta(page), rp))
            sections = self._topic_sections(rp, cites)
        if own:
            # The editor opened these sections: their generated part closes
            # the editor's section, under the editor's heading alone.
            # Sections that end together close inner first: the one whose
            # heading comes later in the body is inside the other.
            line = {h.anchor: h.pos.line for h in page.scan.headings if h.anchor in own}
            closing: dict[int, list[str]] = defaultdict(list)
            for section in sorted((s for s in sections if s.anchor in own), key=lambda s: -line[s.anchor]):
                closing[own[section.anchor]] += section.lines[len(self._heading(section.anchor)):] + [""]
            sections = [s for s in sections if s.anchor not in own]
            body = pieces[0]
            for end, piece in zip(ends, pieces[1:]):
                lines = closing.get(end)
                if lines:
                    body = body.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n\n"
                body += piece
        else:
            body = pieces[0]
        parts = [head, body.strip("\n"), "\n"]
        for section in sections:
            parts += ["\n", "\n".join(section.lines), "\n"]
        return "".join(parts)

    def _entry_head(self, rp: ResolvedPage, generated: Sequence[str] = ()) -> str:
        page, entry = rp.page, rp.page.entry
        assert entry is not None
        c = self._citation(rp)
        names, properties = citemeta.head_tags(c)
        head = staged_head(names, properties, citemeta.json_ld(c), self.config.license_url)
        meta = staged_meta(entry.condition, entry.summary or page.meta.get("description"), page.meta,
                           self.config.statuses, head)
        base = self._download_base(page)
        self._download(base + ".bib", citemeta.bibtex(c, posixpath.basename(page.slug)))
        self._download(base + ".ris", citemeta.ris(c))
        lines = [f"# {md_text(entry.condition)}", ""]
        if entry.aliases:
            lines += ["**Also known as:** " + ", ".join(md_text(a) for a in entry.aliases), ""]
        if entry.summary:
            lines += [md_text(entry.summary), ""]
        if entry.tags:
            links = [self._tag_link(page, tag) for tag in entry.tags]
            lines += ["**Tags:** " + ", ".join(links), ""]
        lines += [self._block(self._byline(rp)), "", self._block(self._notice(page)), ""]
        contents = self._contents(page, generated)
        if contents:
            lines += [self._block(contents), ""]
        return _front_matter(self._with_search(meta, rp)) + "\n".join(lines) + "\n"

    def _with_search(self, meta: dict[str, Any], rp: ResolvedPage) -> dict[str, Any]:
        """``meta`` (the staged front matter) with, last, what else finds the
        page (:func:`ossref.site.search.search_meta`): other spellings of its
        words, the authors and titles of the works it cites, its names for
        ranking. In the same mapping, so that the front matter is dumped once."""
        page = rp.page
        title, aliases = (page.entry.condition, page.entry.aliases) if page.entry else (page.title, [])
        texts = [page.body, page.entry.summary if page.entry else ""]
        cited = [self.refs.search_text(ref) for ref in (*rp.cited, *rp.further)]
        found = search_meta(title, aliases, texts, cited, self.spellings)
        if not found:
            return meta
        return {**{k: v for k, v in meta.items() if k != META_KEY}, META_KEY: found}

    @staticmethod
    def _contents(page: Page, generated: Sequence[str]) -> str:
        """The entry's sections as links, folded: on a narrow screen
        Material's table of contents lives in the navigation drawer, which
        entries are not in, so this is how a reader there reaches them (the
        theme's stylesheet hides it where the table of contents shows)."""
        links = contents_items(page, page.entry.condition if page.entry is not None else None)
        seen = {a for a, _ in links}
        links += [(a, GENERATED_ANCHORS[a]) for a in generated if a in GENERATED_ANCHORS and a not in seen]
        return contents_html(links)

    @staticmethod
    def _byline(rp: ResolvedPage) -> str:
        """Who wrote the entry, when it last changed, and who reviewed it
        when: only what the front matter (or git, for the date) says."""
        entry = rp.page.entry
        assert entry is not None
        parts = []
        if entry.authors:
            parts.append("By " + html.escape(_names([a.name for a in entry.authors]), quote=False) + ".")
        if rp.updated is not None:
            parts.append(f"Last updated {rp.updated.isoformat()}.")
        if entry.reviewed is not None and entry.reviewed_by:
            who = html.escape(_names(entry.reviewed_by), quote=False)
            parts.append(f"Reviewed {entry.reviewed.isoformat()} by {who}.")
        else:
            # Said outright, so that a reader never takes silence for a review.
            parts.append("Not yet reviewed by a named reviewer.")
        return f'<p class="ossref-byline">{" ".join(parts)}</p>'

    def _notice(self, page: Page) -> str:
        about = self.world.at_url("about")
        more = f' See <a href="{self._href(page, about)}">About</a>.' if about is not None and about is not page else ""
        return ('<p class="ossref-notice"><strong>Not medical advice.</strong> This entry summarises published '
                "literature for education and reference. It does not replace assessment by a qualified "
                f"clinician, and it may be incomplete or out of date.{more}</p>")

    def _tag_link(self, page: Page, tag: str) -> str:
        self.world.tag_list()  # the tag pages' file names depend on every tag
        canonical = self.tag_of.get(normalize(tag), tag)
        href = relative_href(_staged(page), self._source(f"tags/{self.tag_slug[canonical]}"))
        return _link(md_text(tag), href)

    def _topic_meta(self, page: Page) -> dict[str, Any]:
        # Always a title (the page's own, its first heading, its file name):
        # MkDocs' fallback would take the first heading unescaped.
        return staged_meta(page.title, page.meta.get("description"), page.meta, self.config.statuses)

    # ----------------------------------------------------------------- body

    def _body(self, rp: ResolvedPage, cites: _Citations, cuts: Sequence[int] = ()) -> list[str]:
        """The body with citations and page links replaced, spliced by offset,
        in ``len(cuts) + 1`` pieces: cut at each of the sorted body offsets
        ``cuts``, which fall between edits (at line starts or the end)."""
        body = rp.page.body
        edits: list[tuple[int, int, str | None]] = [(cut, cut, None) for cut in cuts]
        for group in rp.page.scan.citations:
            sup = cites.sup(group)
            # No space before a superscript: "text[1]" as typeset, not "text [1]".
            start = group.start
            while start > 0 and body[start - 1] in " \t":
                start -= 1
            if start == 0 or body[start - 1] == "\n":
                start = group.start
            edits.append((start, group.end, self.defer(sup) if sup else ""))
        for rl in rp.links:
            if not rl.rewrite:
                continue
            if rl.link.wiki:
                label = rl.link.label or md_text(rl.text)
                edits.append((rl.link.start, rl.link.end, _link(label, rl.href)))
            else:
                span = _fragment_span(body, rl.link)
                if span is not None:
                    edits.append((*span, rl.href[rl.href.index("#"):]))
        # A cut sorts before an edit at its offset (a link opening a line).
        edits.sort(key=lambda e: (e[0], e[1]))
        pieces: list[str] = []
        out: list[str] = []
        at = 0
        for start, end, replacement in edits:
            if replacement is None:
                start = max(start, at)  # never inside an edit: after it
                out.append(body[at:start])
                pieces.append("".join(out))
                out, at = [], start
                continue
            if start < at:  # nested in an edit already made (cannot happen after the check)
                continue
            out += [body[at:start], replacement]
            at = end
        out.append(body[at:])
        pieces.append("".join(out))
        return pieces

    def _check_links(self, page: Page) -> None:
        """Report links to docs files that are not published (SVG, HTML...):
        MkDocs would only say "not found"."""
        if not self.unpublished:
            return
        here = page.slug.rsplit("/", 1)[0] + "/" if "/" in page.slug else ""
        for link in page.scan.links:
            if link.wiki or not link.target or ":" in link.target or link.target.startswith("/"):
                continue
            rel = os.path.normpath(here + link.target).replace(os.sep, "/")
            if rel in self.unpublished:
                self.diagnostics.append(diag(
                    page.path, link.pos.line, link.pos.column, "render-error",
                    f"`{link.target}` is not published: only {', '.join(sorted(IMAGE_EXTENSIONS))} files are copied",
                    "convert it to PNG or WebP; SVG and HTML can carry script"))

    # ----------------------------------------------------------------- sections

    def _entry_sections(self, rp: ResolvedPage, cites: _Citations) -> list[_Section]:
        sections = [
            self._differentials(rp),
            self._page_list("listed-as-a-differential-of", rp.page, rp.differential_of),
            self._references(rp, cites),
            self._further(rp),
            self._page_list("what-links-here", rp.page, rp.backlinks),
            self._cite_this(rp),
        ]
        return [s for s in sections if s is not None]

    def _topic_sections(self, rp: ResolvedPage, cites: _Citations) -> list[_Section]:
        sections = [self._references(rp, cites), self._page_list("what-links-here", rp.page, rp.backlinks)]
        out = [s for s in sections if s is not None]
        if rp.updated is not None:
            # A section of its own, so that it stays last when the References
            # go into the editor's section of that name.
            out.append(_Section("", [f"Last updated: {rp.updated.isoformat()}"]))
        return out

    @staticmethod
    def _heading(anchor: str) -> list[str]:
        return [f"## {GENERATED_ANCHORS[anchor]}", ""]

    def _href(self, here: Page | str, there: Page) -> str:
        slug = here if isinstance(here, str) else here.slug
        return url_href(slug, there.slug, self.config.use_directory_urls)

    def _block(self, html_block: str) -> str:
        """A generated HTML block, on lines of its own."""
        return self.defer(html_block)

    def _differentials(self, rp: ResolvedPage) -> _Section | None:
        if not rp.differentials:
            return None
        rows = []
        for target, distinguishing in rp.differentials:
            summary = target.entry.summary if target.entry else ""
            rows.append(f"<tr><td>{_a(target.title, self._href(rp.page, target))}</td>"
                        f"<td>{html.escape(summary, quote=False)}</td>"
                        f"<td>{html.escape(distinguishing, quote=False)}</td></tr>")
        table = ("<table>\n<thead>\n<tr><th>Condition</th><th>Summary</th><th>Distinguishing features</th></tr>\n"
                 "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")
        return _Section("differential-diagnosis", self._heading("differential-diagnosis") + [self._block(table)])

    def _page_list(self, anchor: str, here: Page | str, pages: list[Page]) -> _Section | None:
        if not pages:
            return None
        items = "".join(f"<li>{_a(p.title, self._href(here, p))}</li>" for p in pages)
        return _Section(anchor, self._heading(anchor) + [self._block(f"<ul>{items}</ul>")])

    def _references(self, rp: ResolvedPage, cites: _Citations) -> _Section | None:
        if not rp.cited:
            return None
        items = ['<ol class="ossref-references">']
        for n, ref in enumerate(rp.cited, 1):
            formatted, _ = self.refs.get(ref)
            back = f'<a class="ossref-backref" href="#{cites.back_id(n)}" title="Back to the text">\u21a9</a>'
            items.append(f'<li id="ref-{n}">{formatted.html} {back}</li>')
        items.append("</ol>")
        return _Section("references", self._heading("references") + [self._block("\n".join(items))])

    def _further(self, rp: ResolvedPage) -> _Section | None:
        if not rp.further:
            return None
        items = "".join(f"<li>{self.refs.get(ref)[0].html}</li>" for ref in rp.further)
        block = self._block(f'<ul class="ossref-further">{items}</ul>')
        return _Section("further-reading", self._heading("further-reading") + [block])

    def _citation(self, rp: ResolvedPage) -> citemeta.EntryCitation:
        entry = rp.page.entry
        assert entry is not None
        url = ""
        if self.config.site_url:
            url = self.config.site_url.rstrip("/") + "/" + _page_url(rp.page.slug, self.config.use_directory_urls)
        cited = [(ref, self.refs.get(ref)[0]) for ref in [*rp.cited, *rp.further]]
        return citemeta.EntryCitation(
            title=entry.condition, site_name=self.config.site_name, url=url, authors=list(entry.authors),
            updated=rp.updated, cited=self.today, summary=entry.summary, aliases=list(entry.aliases),
            reviewed=entry.reviewed, reviewed_by=list(entry.reviewed_by), references=cited,
            license=self.config.license, license_url=self.config.license_url)

    def _download_base(self, page: Page) -> str:
        """The staged path, without extension, of an entry's BibTeX and RIS
        files: beside the page's HTML file, named after the page, so that the
        link is that name alone and the saved file says what it holds."""
        url = _page_url(page.slug, self.config.use_directory_urls)
        folder = url.rstrip("/") if self.config.use_directory_urls else posixpath.dirname(url)
        return posixpath.join(folder, posixpath.basename(page.slug))

    def _cite_this(self, rp: ResolvedPage) -> _Section:
        c = self._citation(rp)
        lead, cited, tail = citemeta.citing_medicine(c)
        if c.url:
            before, _, _ = tail.partition(c.url)
            href = html.escape(c.url, quote=True)
            tail_html = html.escape(before, quote=False) + f'<a href="{href}">{href}</a>'
        else:
            tail_html = html.escape(tail, quote=False)
        name = html.escape(posixpath.basename(self._download_base(rp.page)), quote=True)
        licence = ""
        if c.license and c.license_url:
            licence = f' Text licensed under <a href="{html.escape(c.license_url)}">{html.escape(c.license)}</a>.'
        elif c.license:
            licence = f" Text licensed under {html.escape(c.license)}."
        block = (f'<div class="ossref-cite-this"><p class="ossref-citation">{html.escape(lead, quote=False)}'
                 f'<span class="ossref-cited">{cited}</span>{tail_html}</p>\n'
                 f'<p class="ossref-downloads">Download the citation: <a href="{name}.bib">BibTeX</a> '
                 f'or <a href="{name}.ris">RIS</a> (for Zotero, EndNote, Mendeley).{licence}</p></div>')
        return _Section("cite-this-page", self._heading("cite-this-page") + [self._block(block)])



def docs_files(docs: Path):
    """(path under ``docs``, path, published) of every file of the docs folder
    that is not Markdown nor hidden: published when it is a regular image file."""
    for folder, dirs, files in os.walk(docs, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith(".") or name.endswith(".md"):
                continue
            source = Path(folder) / name
            rel = source.relative_to(docs).as_posix()
            yield rel, source, source.suffix.lower() in IMAGE_EXTENSIONS and stat.S_ISREG(source.lstat().st_mode)


def _fragment_span(body: str, link: Link) -> tuple[int, int] | None:
    """Offsets of ``#anchor`` in a Markdown link's destination: the last
    occurrence in the link that ends the destination (before ")", ">", a
    space or a title), so a label that mentions it is left alone."""
    needle = "#" + link.anchor
    at = body.rfind(needle, link.start, link.end)
    while at != -1:
        after = body[at + len(needle) : at + len(needle) + 1]
        if after in (")", ">") or after.isspace():
            return at, at + len(needle)
        at = body.rfind(needle, link.start, at)
    return None


#: The renderer, for the incremental build: ``Renderer(site, config, staging,
#: defer, sink, unpublished)``, then :meth:`~_Renderer.page` per page and
#: :meth:`~_Renderer.generated` (the files go to ``sink``; ``unpublished``, the
#: docs files that are not published, comes from :func:`docs_files`).
Renderer = _Renderer

"""The checks beyond one file's syntax: citations, links, differentials, names,
and the body rules.

:func:`page_rules` (raw HTML, unsafe URLs, too-complex Markdown) needs one
page only; the loader runs it while parsing, so its findings are cached with
the file's. :func:`check_facts` needs the whole project, but only the
:class:`~ossref.model.PageFacts` of each page (:func:`page_facts`): names,
anchors, links, citations and differentials, which is what lets a check of a
large wiki skip holding every page in memory. :func:`check_project` runs it
on a loaded project. They return diagnostics; they print and change nothing.

No file yields more than :data:`MAX_PER_CODE` diagnostics of one rule: the
rest are summed up in one more (:func:`cap_per_code`), so a hostile file
cannot bury the report under hundreds of thousands of lines.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable
from urllib.parse import unquote

from markdown.extensions.toc import slugify

from .diagnostics import Diagnostic, diag
from .index import NameIndex, anchor_set, normalize
from .model import Page, PageFacts, Position, Project
from .published import IMAGE_EXTENSIONS
from .scan import MAX_INLINE_WORK, SAFE_SCHEMES, complexity, url_scheme

__all__ = ["MAX_PER_CODE", "SAFE_SCHEMES", "cap_per_code", "check_facts", "check_project", "page_facts", "page_rules",
           "url_scheme"]

#: Most diagnostics of one rule reported for one file. A real file has a
#: handful; past this many, the author needs the first ones and a count.
MAX_PER_CODE = 50
_CLEAN_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")


def cap_per_code(diagnostics: list[Diagnostic], limit: int = MAX_PER_CODE) -> list[Diagnostic]:
    """``diagnostics`` with at most ``limit`` of one rule per file: the first
    ``limit`` by position, then one diagnostic of the same rule, at the first
    one left out, saying how many more there are and on which lines. Nothing
    goes unreported: every finding is listed or counted in a summary. The
    order is kept when nothing is left out; otherwise the result is sorted."""
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault((d.path, d.code), []).append(d)
    if all(len(group) <= limit for group in groups.values()):
        return diagnostics
    out: list[Diagnostic] = []
    for (path, code), group in groups.items():
        if len(group) <= limit:
            out += group
            continue
        group.sort()
        out += group[:limit]
        rest = group[limit:]
        out.append(summary(path, code, rest[0].line, rest[0].column, rest[-1].line, len(rest), limit))
    return sorted(out)


def summary(path: str, code: str, line: int, column: int, last_line: int, count: int,
            limit: int = MAX_PER_CODE) -> Diagnostic:
    """The diagnostic standing for ``count`` more of rule ``code`` in ``path``,
    from ``line``:``column`` to ``last_line``."""
    lines = f"line {line}" if last_line == line else f"lines {line}-{last_line}"
    return diag(path, line, column, code,
                f"... and {count:,} more `{code}` findings in this file ({lines}), not listed one by one",
                f"fix the {limit} listed above and check again")


def page_rules(page: Page) -> list[Diagnostic]:
    """The rules that need nothing but the page itself (``too-complex``,
    ``raw-html``, ``unsafe-url``, ``citation-in-heading``), capped per rule. The loader runs them as
    part of parsing a file, so that they are cached with its other results."""
    return cap_per_code([*_too_complex(page), *_body_rules(page), *_citations_in_headings(page)])


def page_facts(page: Page) -> PageFacts:
    """What :func:`check_facts` needs of ``page``."""
    entry = page.entry
    names: tuple = ()
    differentials: tuple = ()
    cites = [
        # The first key of a group is reported at its "[" (the `[@key]` token
        # an editor sees); later keys at their own "@", so each is findable.
        (item.key, *_at(group.pos if i == 0 else item.pos))
        for group in page.scan.citations
        for i, item in enumerate(group.items)
    ]
    if entry is not None:
        names = ((entry.condition, *_at(entry.condition_pos)),
                 *((alias, *_at(pos)) for alias, pos in zip(entry.aliases, entry.alias_pos)))
        differentials = tuple((item.ref, *_at(item.pos)) for item in entry.differentials)
        cites += ((key, *_at(pos)) for key, pos in entry.references)
    return PageFacts(
        path=page.path,
        slug=page.slug,
        entry=entry is not None,
        names=names,
        anchors=tuple(h.anchor for h in page.scan.headings),
        differentials=differentials,
        links=tuple((link.target, link.anchor, link.wiki, link.image, *_at(link.pos)) for link in page.scan.links),
        cites=tuple(cites),
    )


def _at(pos: Position) -> tuple[int, int]:
    return pos.line, pos.column


def check_project(project: Project) -> list[Diagnostic]:
    """The cross-file checks of a loaded project (the per-file rules ran in
    the loader, see :func:`page_rules`)."""
    return check_facts([page_facts(page) for page in project.pages],
                       {key: (ref.path, ref.line, ref.column) for key, ref in project.references.items()},
                       project.files)


def check_facts(pages: list[PageFacts], references: dict[str, tuple[str, int, int]],
                files: dict[str, bool] | None = None) -> list[Diagnostic]:
    """Every cross-file diagnostic of a project whose pages have ``pages``
    facts (in path order) and whose BibTeX records are ``references``: key ->
    (path, line, column) of the record. ``files`` are the docs folder's other
    files, as :attr:`~ossref.model.Project.files` has them; with None, links
    to files that are not Markdown are checked only for leaving the docs
    folder."""
    index: NameIndex[PageFacts] = NameIndex.of((f.slug, [name for name, _, _ in f.names], f) for f in pages)
    by_path = {f.path: f for f in pages}
    known: dict[str, set[str]] = {}
    out: list[Diagnostic] = []
    cited: set[str] = set()
    for facts in pages:
        out += cap_per_code([*_links(facts, index, by_path, known, files),
                             *_citations(facts, references, cited)])
    out += _differentials(pages, index)
    out += _duplicate_names(pages)
    unused = [diag(path, line, column, "unused-reference", f"reference `{key}` is cited by no page",
                   "cite it with [@" + key + "] where it supports a statement, or remove it")
              for key, (path, line, column) in references.items() if key not in cited]
    return out + cap_per_code(unused)


def _too_complex(page: Page) -> Iterable[Diagnostic]:
    for pos, message, hint in complexity(page.body, page.body_line):
        yield diag(page.path, pos.line, pos.column, "too-complex", message, hint)
    yield from _too_complex_front_matter(page)


def _too_complex_front_matter(page: Page) -> Iterable[Diagnostic]:
    """Front-matter text is rendered into the page too, each character that
    Markdown or HTML gives a meaning to written as a character reference
    (ossref.render.md_text); Python-Markdown copies the paragraph once per
    reference, so one long string of such characters is as slow as such a
    body. (A 60,000-character summary of "[" passed the body checks and took
    5 s to render; of "&", 3.1 s.) Judged like a paragraph of the body,
    counting every character that is not a letter, digit or space."""
    stack: list[tuple[tuple, object]] = [((), page.meta)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, str) and len(value) * len(value) > MAX_INLINE_WORK // 6:
            marked = len(value) - sum(1 for c in value if c.isalnum() or c.isspace())
            if marked * (len(value) + 5 * marked) > MAX_INLINE_WORK:
                pos = page.meta_pos.get(path)
                line, column = (pos.line, pos.column) if pos else (1, 1)
                yield diag(page.path, line, column, "too-complex",
                           f"this front-matter text has {marked:,} punctuation characters in {len(value):,}:"
                           " too many for Python-Markdown to render in reasonable time",
                           "front matter is for short metadata: move long text into the body, in paragraphs")


def _citations_in_headings(page: Page) -> Iterable[Diagnostic]:
    """A citation on a heading's line. The check reads such a heading's
    anchor from its text with the citation key in it ("imaging-findings-beta2021"),
    while the site's id comes from the text without it ("imaging-findings"),
    the superscript being added after Markdown: a link could pass the check
    and still miss. And a heading names a section; the statements under it
    are what a work supports."""
    lines = {heading.pos.line for heading in page.scan.headings}
    for group in page.scan.citations:
        if group.pos.line in lines:
            keys = "; ".join("@" + item.key for item in group.items)
            yield diag(page.path, group.pos.line, group.pos.column, "citation-in-heading",
                       f"citation [{keys}] in a heading", "cite the work in the text under the heading")


def _body_rules(page: Page) -> Iterable[Diagnostic]:
    for found in page.scan.html:
        yield diag(page.path, found.pos.line, found.pos.column, "raw-html",
                   f"raw HTML is not allowed: {found.snippet}",
                   "write Markdown instead; HTML comments <!-- --> are fine")
    for found in page.scan.attr_lists:
        yield diag(page.path, found.pos.line, found.pos.column, "raw-html",
                   f"attribute lists are not allowed: {found.snippet}",
                   "remove the {: ...} block; headings get their ids automatically")
    for link in page.scan.links:
        if link.wiki:
            continue
        # The scanner splits off "#fragment"; an entity such as "&#x09;" contains one.
        scheme = url_scheme(link.target + ("#" + link.anchor if link.anchor else ""))
        if scheme is None or scheme in SAFE_SCHEMES:
            continue
        if _CLEAN_SCHEME.fullmatch(scheme):
            yield diag(page.path, link.pos.line, link.pos.column, "unsafe-url",
                       f"link scheme `{scheme}:` is not allowed",
                       "only http, https and mailto links, or relative links to pages")
        else:
            yield diag(page.path, link.pos.line, link.pos.column, "unsafe-url",
                       f"link destination `{_show(scheme)}:...` may render with a scheme other than"
                       " http, https or mailto",
                       "write the URL plainly: no code spans, backslashes or brackets before its first colon")


def _show(text: str, limit: int = 40) -> str:
    text = "".join(c if c.isprintable() else " " for c in text).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _links(page: PageFacts, index: NameIndex[PageFacts], by_path: dict[str, PageFacts],
           known: dict[str, set[str]], files: dict[str, bool] | None) -> Iterable[Diagnostic]:
    docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]  # "content/"
    for target_ref, anchor, wiki, image, line, column in page.links:
        if wiki:
            target = index.lookup(target_ref) if target_ref else page
            if target is None:
                hint = index.suggest(target_ref) or "link to a slug, condition name or alias"
                yield _broken(page, line, column, f"cross-link [[{target_ref}]] names no page", hint)
                continue
        else:
            # As in _body_rules: "#" may stand in an entity of the scheme.
            full = target_ref + "#" + anchor if anchor else target_ref
            if url_scheme(full) is not None or target_ref.startswith(("/", "//")):
                continue
            if not target_ref:
                if image:
                    continue
                target = page
            elif not target_ref.endswith(".md"):
                yield from _file_link(page, target_ref, line, column, docs_root, files)
                continue
            elif image:  # an image of a page: no file to check, no anchor to find
                continue
            else:
                here = posixpath.dirname(page.path)
                resolved = posixpath.normpath(posixpath.join(here, target_ref))
                target = by_path.get(resolved) if resolved.startswith(docs_root) else None
                if target is None:
                    where = "leaves the docs folder" if not resolved.startswith(docs_root) else "names no page"
                    yield _broken(page, line, column, f"link to `{target_ref}` {where}",
                                  "link to a page's .md file relative to this one, or use [[slug]]")
                    continue
        if not anchor:
            continue
        ids = known.get(target.path)
        if ids is None:
            ids = known[target.path] = anchor_set(target.anchors, target.entry)
        if anchor not in ids and slugify(anchor, "-") not in ids:
            close = difflib.get_close_matches(anchor, sorted(ids), n=1)
            hint = f"did you mean `#{close[0]}`?" if close else "anchors come from the page's headings"
            yield _broken(page, line, column, f"`{target.slug}` has no heading with anchor `#{anchor}`", hint)


def _file_link(page: PageFacts, target_ref: str, line: int, column: int, docs_root: str,
               files: dict[str, bool] | None) -> Iterable[Diagnostic]:
    """A relative link (or image) to a file that is not Markdown: it must
    stay in the docs folder, and name a file there that the site publishes.
    The query is not part of the file's name, and %-escapes are decoded, as
    the web server reads the path."""
    path = unquote(target_ref.partition("?")[0])
    if not path:
        return
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), path))
    if not resolved.startswith(docs_root):
        yield _broken(page, line, column, f"link to `{target_ref}` leaves the docs folder",
                      "link only to files inside the docs folder, or use a full https:// address")
        return
    if files is None:
        return
    published = files.get(resolved)
    if published is None:
        yield _broken(page, line, column, f"link to `{target_ref}` names no file in the docs folder",
                      "check the file name and folder, relative to this page's file")
    elif not published:
        yield diag(page.path, line, column, "unpublished-file",
                   f"`{target_ref}` is not published: besides Markdown, only"
                   f" {', '.join(sorted(IMAGE_EXTENSIONS))} files are copied into the site",
                   "convert it to PNG or WebP, or link to where it is hosted with https://;"
                   " SVG, HTML, JavaScript and CSS can carry script")


def _broken(page: PageFacts, line: int, column: int, message: str, hint: str) -> Diagnostic:
    return diag(page.path, line, column, "broken-link", message, hint)


def _citations(page: PageFacts, keys: dict[str, tuple[str, int, int]], cited: set[str]) -> Iterable[Diagnostic]:
    for key, line, column in page.cites:
        if key in keys:
            cited.add(key)
            continue
        close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.7)
        hint = f"did you mean `{close[0]}`?" if close else "add its BibTeX record to citations/ first"
        yield diag(page.path, line, column, "unknown-citation", f"citation key `{key}` is in no BibTeX file", hint)


def _differentials(pages: list[PageFacts], index: NameIndex[PageFacts]) -> Iterable[Diagnostic]:
    lists: dict[str, set[str]] = {}
    resolved: list[tuple[PageFacts, int, int, PageFacts]] = []
    for page in pages:
        if not page.entry:
            continue
        mine = lists.setdefault(page.path, set())
        for ref, line, column in page.differentials:
            target = index.lookup(ref)
            if target is None:
                hint = index.suggest(ref) or "name an entry by slug, condition or alias"
                yield diag(page.path, line, column, "unknown-differential",
                           f"differential `{ref}` names no entry", hint)
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
            mine.add(target.path)
            resolved.append((page, line, column, target))
    for page, line, column, target in resolved:
        if page.path not in lists.get(target.path, set()):
            yield diag(page.path, line, column, "one-way-differential",
                       f"`{target.slug}` does not list `{page.slug}` back as a differential",
                       f"add `{page.slug}` to the differentials of {target.path}")


def _duplicate_names(pages: list[PageFacts]) -> Iterable[Diagnostic]:
    owners: dict[str, tuple[PageFacts, str]] = {}
    for page in pages:
        names = [(page.slug, 1, 1), *page.names]
        seen_here: set[str] = set()
        for name, line, column in names:
            key = normalize(name)
            if not key or key in seen_here:
                continue
            seen_here.add(key)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (page, name)
                continue
            yield diag(page.path, line, column, "duplicate-entry",
                       f"`{name}` is already the name of {owner[0].path} (`{owner[1]}`)",
                       "names, aliases and slugs must be unique, ignoring case and Unicode form")

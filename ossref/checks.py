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

from markdown.extensions.toc import slugify

from .diagnostics import Diagnostic, diag
from .index import NameIndex, anchor_set, normalize
from .model import Page, PageFacts, Position, Project
from .scan import (MAX_INLINE_WORK, NESTED_KEY, NO_KEY, SAFE_SCHEMES, TWO_KEYS, UNCLOSED, cite_syntax, complexity,
                   url_scheme)

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
    ``raw-html``, ``unsafe-url``, ``citation-in-heading``, ``malformed-citation``),
    capped per rule. The loader runs them as part of parsing a file, so that
    they are cached with its other results."""
    return cap_per_code([*_too_complex(page), *_body_rules(page), *_citations_in_headings(page),
                         *_malformed_citations(page)])


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
                       {key: (ref.path, ref.line, ref.column) for key, ref in project.references.items()})


def check_facts(pages: list[PageFacts], references: dict[str, tuple[str, int, int]]) -> list[Diagnostic]:
    """Every cross-file diagnostic of a project whose pages have ``pages``
    facts (in path order) and whose BibTeX records are ``references``: key ->
    (path, line, column) of the record."""
    index: NameIndex[PageFacts] = NameIndex.of((f.slug, [name for name, _, _ in f.names], f) for f in pages)
    by_path = {f.path: f for f in pages}
    known: dict[str, set[str]] = {}
    out: list[Diagnostic] = []
    cited: set[str] = set()
    for facts in pages:
        out += cap_per_code([*_links(facts, index, by_path, known), *_citations(facts, references, cited)])
    out += _differentials(pages, index)
    out += _duplicate_names(pages)
    unused = [diag(path, line, column, "unused-reference", f"reference `{key}` is cited by no page",
                   f"cite it with {cite_syntax(key)} where it supports a statement, or remove it")
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


_MALFORMED = {
    NO_KEY: ("an item has no @key", "give each item between `;` one key, or remove the extra `;`"),
    TWO_KEYS: ("an item holds two keys", "separate the items with `;`, as in [@a; @b]"),
    NESTED_KEY: ("a key is inside its nested brackets",
                 "cite the works as items of one group, as in [@a, p. 3; see @b]"),
    UNCLOSED: ("it has no closing `]` in its paragraph", "close the bracket"),
}


def _malformed_citations(page: Page) -> Iterable[Diagnostic]:
    """Bracketed text with a citation key that the scanner does not read as
    a citation: the page would show it as written, and its keys are unchecked."""
    for found in page.scan.malformed_citations:
        why, hint = _MALFORMED[found.problem]
        yield diag(page.path, found.pos.line, found.pos.column, "malformed-citation",
                   f"`{found.text}` is not a citation: {why}",
                   hint + "; write \\@ for an @ that is text")


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
           known: dict[str, set[str]]) -> Iterable[Diagnostic]:
    docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]  # "content/"
    for target_ref, anchor, wiki, image, line, column in page.links:
        if wiki:
            target = index.lookup(target_ref) if target_ref else page
            if target is None:
                hint = index.suggest(target_ref) or "link to a slug, condition name or alias"
                yield _broken(page, line, column, f"cross-link [[{target_ref}]] names no page", hint)
                continue
        else:
            if image or url_scheme(target_ref) is not None or target_ref.startswith(("/", "//")):
                continue
            if not target_ref:
                target = page
            elif target_ref.endswith(".md"):
                here = posixpath.dirname(page.path)
                resolved = posixpath.normpath(posixpath.join(here, target_ref))
                target = by_path.get(resolved) if resolved.startswith(docs_root) else None
                if target is None:
                    where = "leaves the docs folder" if not resolved.startswith(docs_root) else "names no page"
                    yield _broken(page, line, column, f"link to `{target_ref}` {where}",
                                  "link to a page's .md file relative to this one, or use [[slug]]")
                    continue
            else:
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

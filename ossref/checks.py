"""Checks across the loaded project: citations, links, differentials, names.

:func:`check_project` returns diagnostics; it prints nothing and changes
nothing. Per-file problems (YAML, schema, BibTeX syntax) were already found by
the loaders; this module adds what needs the whole project, and the body
rules (raw HTML, unsafe URLs, too-complex Markdown) that need the body.

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
from .index import NameIndex, anchors, normalize
from .model import Link, Page, Project
from .scan import MAX_INLINE_WORK, SAFE_SCHEMES, complexity, url_scheme

__all__ = ["MAX_PER_CODE", "SAFE_SCHEMES", "cap_per_code", "check_project", "url_scheme"]

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


def check_project(project: Project) -> list[Diagnostic]:
    index = NameIndex(project.pages)
    by_path = {page.path: page for page in project.pages}
    out: list[Diagnostic] = []
    cited: set[str] = set()
    for page in project.pages:
        found = list(_too_complex(page))
        found += _body_rules(page)
        found += _links(page, index, by_path)
        found += _citations(page, project, cited)
        out += cap_per_code(found)
    out += _differentials(project.pages, index)
    out += _duplicate_names(project.pages)
    unused = [diag(ref.path, ref.line, ref.column, "unused-reference", f"reference `{key}` is cited by no page",
                   "cite it with [@" + key + "] where it supports a statement, or remove it")
              for key, ref in project.references.items() if key not in cited]
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


def _links(page: Page, index: NameIndex, by_path: dict[str, Page]) -> Iterable[Diagnostic]:
    docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]  # "content/"
    for link in page.scan.links:
        if link.wiki:
            target = index.lookup(link.target) if link.target else page
            if target is None:
                hint = index.suggest(link.target) or "link to a slug, condition name or alias"
                yield _broken(page, link, f"cross-link [[{link.target}]] names no page", hint)
                continue
        else:
            if link.image or url_scheme(link.target) is not None or link.target.startswith(("/", "//")):
                continue
            if not link.target:
                target = page
            elif link.target.endswith(".md"):
                here = posixpath.dirname(page.path)
                resolved = posixpath.normpath(posixpath.join(here, link.target))
                target = by_path.get(resolved) if resolved.startswith(docs_root) else None
                if target is None:
                    where = "leaves the docs folder" if not resolved.startswith(docs_root) else "names no page"
                    yield _broken(page, link, f"link to `{link.target}` {where}",
                                  "link to a page's .md file relative to this one, or use [[slug]]")
                    continue
            else:
                continue
        if link.anchor and not _has_anchor(target, link.anchor):
            close = difflib.get_close_matches(link.anchor, sorted(anchors(target)), n=1)
            hint = f"did you mean `#{close[0]}`?" if close else "anchors come from the page's headings"
            yield _broken(page, link, f"`{target.slug}` has no heading with anchor `#{link.anchor}`", hint)


def _has_anchor(target: Page, anchor: str) -> bool:
    known = anchors(target)
    return anchor in known or slugify(anchor, "-") in known


def _broken(page: Page, link: Link, message: str, hint: str) -> Diagnostic:
    return diag(page.path, link.pos.line, link.pos.column, "broken-link", message, hint)


def _citations(page: Page, project: Project, cited: set[str]) -> Iterable[Diagnostic]:
    keys = project.references
    # The first key of a group is reported at its "[" (the `[@key]` token an
    # editor sees); later keys at their own "@", so each is findable.
    uses = [
        (item.key, group.pos if i == 0 else item.pos)
        for group in page.scan.citations
        for i, item in enumerate(group.items)
    ]
    if page.entry is not None:
        uses += page.entry.references
    for key, pos in uses:
        if key in keys:
            cited.add(key)
            continue
        close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.7)
        hint = f"did you mean `{close[0]}`?" if close else "add its BibTeX record to citations/ first"
        yield diag(page.path, pos.line, pos.column, "unknown-citation",
                   f"citation key `{key}` is in no BibTeX file", hint)


def _differentials(pages: list[Page], index: NameIndex) -> Iterable[Diagnostic]:
    lists: dict[str, set[str]] = {}
    resolved: list[tuple[Page, object, Page]] = []
    for page in pages:
        if page.entry is None:
            continue
        mine = lists.setdefault(page.path, set())
        for item in page.entry.differentials:
            target = index.lookup(item.ref)
            if target is None:
                hint = index.suggest(item.ref) or "name an entry by slug, condition or alias"
                yield diag(page.path, item.pos.line, item.pos.column, "unknown-differential",
                           f"differential `{item.ref}` names no entry", hint)
                continue
            if target.entry is None:
                yield diag(page.path, item.pos.line, item.pos.column, "unknown-differential",
                           f"differential `{item.ref}` names `{target.slug}`, which is not an entry",
                           "differentials must be entries: pages with a `condition`")
                continue
            if target is page:
                yield diag(page.path, item.pos.line, item.pos.column, "invalid-field",
                           f"`{item.ref}` is this entry itself", "remove it from `differentials`")
                continue
            mine.add(target.path)
            resolved.append((page, item, target))
    for page, item, target in resolved:
        if page.path not in lists.get(target.path, set()):
            yield diag(page.path, item.pos.line, item.pos.column, "one-way-differential",
                       f"`{target.slug}` does not list `{page.slug}` back as a differential",
                       f"add `{page.slug}` to the differentials of {target.path}")


def _duplicate_names(pages: list[Page]) -> Iterable[Diagnostic]:
    owners: dict[str, tuple[Page, str]] = {}
    for page in pages:
        names = [(page.slug, None)]
        if page.entry is not None:
            names.append((page.entry.condition, page.entry.condition_pos))
            names += list(zip(page.entry.aliases, page.entry.alias_pos))
        seen_here: set[str] = set()
        for name, pos in names:
            key = normalize(name)
            if not key or key in seen_here:
                continue
            seen_here.add(key)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (page, name)
                continue
            line, column = (pos.line, pos.column) if pos else (1, 1)
            yield diag(page.path, line, column, "duplicate-entry",
                       f"`{name}` is already the name of {owner[0].path} (`{owner[1]}`)",
                       "names, aliases and slugs must be unique, ignoring case and Unicode form")

"""The checks across files: citations, links, differentials, names.

The rules that need one page only are :mod:`ossref.check.page` (run by the
loader while it parses each file; :func:`page_rules` is importable from here
too). :func:`check_facts` needs the whole project, but only the
:class:`~ossref.model.PageFacts` of each page
(:func:`ossref.load.facts.page_facts`): names,
anchors, links, citations and differentials, which is what lets a check of a
large wiki skip holding every page in memory. :func:`check_project` runs it
on a loaded project. They return diagnostics; they print and change nothing.

No file yields more than :data:`MAX_PER_CODE` diagnostics of one rule: the
rest are summed up in one more (:func:`cap_per_code`), so a hostile file
cannot bury the report under hundreds of thousands of lines. The pipeline
caps every rule of every file once more at the end
(:func:`ossref.pipeline.apply_rules`); the caps here keep the number of
findings held in memory bounded, and mean a hint ("did you mean") is worked
out only for a finding that will be reported.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache, partial
from urllib.parse import unquote

from markdown.extensions.toc import slugify

from ossref.diagnostics import Diagnostic, diag
from ossref.check.index import NameIndex, anchor_set, normalize
from ossref.model import PageFacts, Project
# MAX_PER_CODE, cap_per_code and suppressed_count stay importable from here (the checks' API).
from ossref.caps import MAX_PER_CODE, cap_per_code, suppressed_count  # noqa: F401
from ossref.load.published import IMAGE_EXTENSIONS
# page_rules and page_facts stay importable from here (the checks' API).
from ossref.check.page import page_rules  # noqa: F401
from ossref.check.sections import UNPUBLISHED_FOLDER
from ossref.load.facts import page_facts
from ossref.load.scan import SAFE_SCHEMES, cite_syntax, url_scheme  # noqa: F401
from ossref.text.suggest import Suggester
from ossref.text.textsafety import INVISIBLE, skeleton

__all__ = ["MAX_PER_CODE", "SAFE_SCHEMES", "cap_per_code", "check_facts", "check_project", "page_facts", "page_rules",
           "suppressed_count", "url_scheme"]

def _visible(name: str) -> str:
    """``name`` with each invisible character written as an escape, for messages."""
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000
                         else f"\\U{ord(m.group()):08x}", name)


def _char_name(char: str) -> str:
    return unicodedata.name(char, "control character").lower()


def check_project(project: Project) -> list[Diagnostic]:
    """The cross-file checks of a loaded project (the per-file rules ran in
    the loader, see :func:`ossref.check.page.page_rules`)."""
    facts = sorted([*map(page_facts, project.pages), *project.unread], key=lambda f: f.path.split("/"))
    return check_facts(facts,
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
    generated = _generated_sections(pages, index, by_path, references)
    known: dict[str, _Anchors] = {}
    found: list[Diagnostic | _Pending] = []
    cited: set[str] = set()
    keys = _Keys(references)
    for facts in pages:
        found += _links(facts, index, by_path, known, files, generated)
        found += _citations(facts, keys, cited)
    found += _differentials(pages, index)
    found += _duplicate_names(pages)
    found += [diag(path, line, column, "unused-reference", f"reference `{key}` is cited by no page",
                   f"cite it with {cite_syntax(key)} where it supports a statement, or remove it")
              for key, (path, line, column) in references.items() if key not in cited]
    return _with_hints(found)


def _generated_sections(pages: list[PageFacts], index: NameIndex[PageFacts], by_path: dict[str, PageFacts],
                        references: dict[str, tuple[str, int, int]]) -> dict[str, frozenset[str]]:
    """The anchors of the sections the build adds to each page, by path, as
    :mod:`ossref.site.resolve` and :mod:`ossref.site.render` decide them: on an entry,
    "Differential diagnosis" when it lists another entry, "Listed as a
    differential of" when a published entry lists it, "References" when its
    body cites a known work, "Further reading" when its front matter lists a
    known work the body does not cite, "What links here" when another
    published page links to it, and "Cite this page"; on another page,
    "References" and "What links here" likewise. A link to a section the page
    will not have is broken on the site, so the check must not accept it."""
    linked: set[str] = set()
    listing: set[str] = set()
    listed: set[str] = set()
    for f in pages:
        if not _published(f):
            continue
        docs_root = f.path[: len(f.path) - len(f.slug) - len(".md")]
        for target_ref, _, wiki, image, _, _ in f.links:
            if wiki:
                target = index.lookup(target_ref) if target_ref else f
            elif image or not target_ref.endswith(".md") or url_scheme(target_ref) is not None:
                continue
            else:
                resolved = _resolve(posixpath.dirname(f.path), target_ref)
                target = by_path.get(resolved) if resolved.startswith(docs_root) else None
            if target is not None and target is not f:
                linked.add(target.path)
    for f in pages:
        if not f.entry:
            continue
        for ref, _, _ in f.differentials:
            target = index.lookup(ref)
            if target is not None and target.entry and target is not f:
                listing.add(f.path)
                if _published(f):
                    listed.add(target.path)
    out: dict[str, frozenset[str]] = {}
    for f in pages:
        body = {key for key, _, _ in f.cites[: f.body_cites] if key in references}
        anchors = set()
        if body:
            anchors.add("references")
        if f.path in linked:
            anchors.add("what-links-here")
        if f.entry:
            anchors.add("cite-this-page")
            if f.path in listing:
                anchors.add("differential-diagnosis")
            if f.path in listed:
                anchors.add("listed-as-a-differential-of")
            if any(key in references and key not in body for key, _, _ in f.cites[f.body_cites:]):
                anchors.add("further-reading")
        out[f.path] = frozenset(anchors)
    return out


@lru_cache(maxsize=1 << 16)
def _resolve(here: str, target: str) -> str:
    """The path ``target``, written in a page of folder ``here``, names.
    Remembered: a wiki's pages link to the same few pages over and over."""
    return posixpath.normpath(posixpath.join(here, target))


def _published(f: PageFacts) -> bool:
    return not f.slug.startswith(UNPUBLISHED_FOLDER + "/")


#: A finding whose hint is still to be worked out, by calling the function:
#: hints ("did you mean") are the costly part of a finding, so they are
#: worked out only for the findings that survive the cap (:func:`_with_hints`).
_Pending = tuple[Diagnostic, Callable[[], str]]


def _later(d: Diagnostic, hint: Callable[..., str], *args: object) -> _Pending:
    return d, partial(hint, *args)


def _with_hints(found: list[Diagnostic | _Pending]) -> list[Diagnostic]:
    """``found`` capped per file and rule (:func:`cap_per_code`), the hints of
    the findings left worked out: at most :data:`MAX_PER_CODE` per file and rule."""
    hints: dict[int, Callable[[], str]] = {}
    diagnostics = []
    for item in found:
        if isinstance(item, tuple):
            d, hint = item
            hints[id(d)] = hint
            item = d
        diagnostics.append(item)
    return [replace(d, hint=hints[id(d)]()) if id(d) in hints else d for d in cap_per_code(diagnostics)]


class _Keys:
    """The BibTeX keys, with a did-you-mean for an unknown one."""

    def __init__(self, references: dict[str, tuple[str, int, int]]) -> None:
        self.references = references
        self._suggester: Suggester | None = None

    def __contains__(self, key: str) -> bool:
        return key in self.references

    def hint(self, key: str) -> str:
        if self._suggester is None:
            self._suggester = Suggester(self.references)
        close = self._suggester.closest(key, cutoff=0.7)
        return f"did you mean `{close}`?" if close else "add its BibTeX record to citations/ first"


def _links(page: PageFacts, index: NameIndex[PageFacts], by_path: dict[str, PageFacts],
           known: dict[str, _Anchors], files: dict[str, bool] | None,
           generated: dict[str, frozenset[str]] | None = None) -> Iterable[Diagnostic | _Pending]:
    docs_root = page.path[: len(page.path) - len(page.slug) - len(".md")]  # "content/"
    for target_ref, anchor, wiki, image, line, column in page.links:
        if wiki:
            target = index.lookup(target_ref) if target_ref else page
            if target is None:
                yield _later(_broken(page, line, column, f"cross-link [[{target_ref}]] names no page", ""),
                             _name_hint, index, target_ref, page, "link to a slug, condition name or alias")
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
                resolved = _resolve(posixpath.dirname(page.path), target_ref)
                target = by_path.get(resolved) if resolved.startswith(docs_root) else None
                if target is None:
                    where = "leaves the docs folder" if not resolved.startswith(docs_root) else "names no page"
                    yield _broken(page, line, column, f"link to `{target_ref}` {where}",
                                  "link to a page's .md file relative to this one, or use [[slug]]")
                    continue
        if not anchor or target.partial:  # a page that did not parse: its headings are unknown
            continue
        ids = known.get(target.path)
        if ids is None:
            ids = known[target.path] = _Anchors(anchor_set(target.anchors, target.entry) if generated is None
                                                else set(target.anchors) | generated[target.path])
        if anchor not in ids and slugify(anchor, "-") not in ids:
            yield _later(_broken(page, line, column, f"`{target.slug}` has no heading with anchor `#{anchor}`", ""),
                         ids.hint, anchor)


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
    # A path with an extension is one MkDocs looks up as a file: whether it is
    # there is ossref.check.linked_files' finding (it follows MkDocs' lookup), so
    # it is not reported twice; here only what MkDocs does not look up.
    looked_up = bool(posixpath.splitext(path)[1])
    if not resolved.startswith(docs_root):
        if looked_up:
            return
        yield _broken(page, line, column, f"link to `{target_ref}` leaves the docs folder",
                      "link only to files inside the docs folder, or use a full https:// address")
        return
    if files is None:
        return
    published = files.get(resolved)
    if published is None:
        if looked_up:
            return
        yield _broken(page, line, column, f"link to `{target_ref}` names no file in the docs folder",
                      "check the file name and folder, relative to this page's file")
    elif not published and not (looked_up and posixpath.splitext(path)[1].lower() in IMAGE_EXTENSIONS):
        # (An image of a published type that is not a regular file, a
        # symlink: ossref.check.linked_files reports it, as MkDocs would miss it.)
        yield diag(page.path, line, column, "unpublished-file",
                   f"`{target_ref}` is not published: besides Markdown, only"
                   f" {', '.join(sorted(IMAGE_EXTENSIONS))} files are copied into the site",
                   "convert it to PNG or WebP, or link to where it is hosted with https://;"
                   " SVG, HTML, JavaScript and CSS can carry script")


def _broken(page: PageFacts, line: int, column: int, message: str, hint: str) -> Diagnostic:
    return diag(page.path, line, column, "broken-link", message, hint)


def _name_hint(index: NameIndex[PageFacts], ref: str, page: PageFacts, otherwise: str) -> str:
    """Did-you-mean for ``ref`` written in ``page``: never ``page`` itself,
    which could only be wrong (a page does not list or link itself by name)."""
    return index.suggest(ref, exclude=page) or otherwise


class _Anchors(set):
    """A page's anchors, with a did-you-mean built on the first question."""

    suggester: Suggester | None = None

    def hint(self, anchor: str) -> str:
        if self.suggester is None:
            self.suggester = Suggester(self)
        close = self.suggester.closest(anchor)
        return f"did you mean `#{close}`?" if close else "anchors come from the page's headings"


def _citations(page: PageFacts, keys: _Keys, cited: set[str]) -> Iterable[Diagnostic | _Pending]:
    known = keys.references
    for key, line, column in page.cites:
        if key in known:
            cited.add(key)
            continue
        yield _later(diag(page.path, line, column, "unknown-citation", f"citation key `{key}` is in no BibTeX file"),
                     keys.hint, key)


def _differentials(pages: list[PageFacts], index: NameIndex[PageFacts]) -> Iterable[Diagnostic | _Pending]:
    lists: dict[str, set[str]] = {}
    resolved: list[tuple[PageFacts, int, int, PageFacts]] = []
    for page in pages:
        if not page.entry:
            continue
        mine = lists.setdefault(page.path, set())
        for ref, line, column in page.differentials:
            target = index.lookup(ref)
            if target is None:
                yield _later(diag(page.path, line, column, "unknown-differential",
                                  f"differential `{ref}` names no entry"),
                             _name_hint, index, ref, page, "name an entry by slug, condition or alias")
                continue
            if target.partial and target is not page:
                # It did not parse: its own diagnostic says so, and whether it
                # is an entry or lists this one back is unknown.
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
    """``duplicate-entry`` for names equal after NFKC, case folding and
    removal of invisible characters (:func:`~ossref.check.index.normalize`);
    ``confusable-name`` for names of two pages that differ only in letters
    drawn alike, as Latin `o` and Cyrillic `о` (:func:`~ossref.text.textsafety.skeleton`)."""
    owners: dict[str, tuple[PageFacts, str]] = {}
    looks: dict[str, tuple[PageFacts, str, str, int, int]] = {}
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
                look = skeleton(name)
                alike = looks.setdefault(look, (page, name, key, line, column))
                if alike[0] is not page:
                    # Reported on the name that has the look-alike letters, whichever comes first.
                    if key != look:
                        yield _confusable(page, line, column, name, key, *alike[:3])
                    else:
                        yield _confusable(alike[0], alike[3], alike[4], alike[1], alike[2], page, name, key)
                continue
            yield diag(page.path, line, column, "duplicate-entry",
                       f"`{_visible(name)}` is already the name of {owner[0].path} (`{_visible(owner[1])}`)",
                       "names, aliases and slugs must be unique, ignoring case, Unicode form and invisible characters")


def _confusable(page: PageFacts, line: int, column: int, name: str, key: str,
                other: PageFacts, other_name: str, other_key: str) -> Diagnostic:
    at = next((i for i, (a, b) in enumerate(zip(key, other_key)) if a != b), min(len(key), len(other_key)))
    mine = f"U+{ord(key[at]):04X} ({_char_name(key[at])})" if at < len(key) else "nothing"
    theirs = f"U+{ord(other_key[at]):04X} ({_char_name(other_key[at])})" if at < len(other_key) else "nothing"
    return diag(page.path, line, column, "confusable-name",
                f"`{_visible(name)}` looks the same as `{_visible(other_name)}`, a name of {other.path}, but has {mine}"
                f" where that has {theirs}",
                "write names in one script: a Cyrillic or Greek letter that looks Latin makes two names look alike")

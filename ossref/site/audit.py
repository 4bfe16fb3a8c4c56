"""The output audit: the last step of every build, on the files it will publish.

Content is checked before it is rendered, and every page body is sanitized;
this module assumes both missed something (a template that does not escape,
a scanner that reads Markdown differently from the renderer) and verifies the
finished site folder itself before it is swapped in. It parses every HTML
page with an HTML5 parser (lexbor, through selectolax: the parsing a browser
does, not regular expressions) and every JSON file with :mod:`json`, and
enforces one policy, declared below and nowhere else:

- elements: only those the theme, Python-Markdown's enabled extensions and
  ossref produce (:data:`ELEMENTS`); never ``iframe``, ``object``, ``embed``,
  ``base``, ``frame`` and the like, never ``<meta http-equiv="refresh">``;
- attributes: only those of :data:`ATTRIBUTES` (and ``aria-*`` and the theme's
  and ossref's own ``data-`` prefixes), never an event handler (``on*``);
- ``<script>``: a source that is one of the theme's own static files, byte for
  byte; a JSON data block that parses; or inline code that one of the theme's
  templates contains, with only URL-safe characters where the template
  interpolates (:class:`Theme`);
- URLs in every URL-bearing attribute: relative, ``http``, ``https`` or
  ``mailto`` after the normalisation a browser applies (entities decoded, tabs
  and newlines dropped, leading controls and spaces stripped); ``data:`` only
  as an image's source;
- every string in a search index (Material's ``search_index.json``) obeys the
  same rules when read as HTML, since the search UI inserts it as HTML;
- every internal ``href`` and ``src`` resolves to a published file, and a
  fragment to an ``id`` in that page (``broken-link``).

It returns :class:`Violation` values; :mod:`ossref.publish.build` turns them into
diagnostics at the source file and fails the build, leaving the live site as
it was.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser

from ossref.site.sanitize import ALLOWED_TAGS, URL_SCHEMES

__all__ = ["ATTRIBUTES", "ELEMENTS", "Memo", "Theme", "Violation", "Written", "audit_site", "body_links",
           "unchecked_links", "url_is_safe"]

# --------------------------------------------------------------------------- the policy

#: Elements a published page may hold: the body sanitizer's allow-list (page
#: bodies, generated HTML) and what the theme's templates write around it.
ELEMENTS = frozenset(ALLOWED_TAGS) | frozenset({
    "html", "head", "title", "meta", "link", "body", "script", "noscript",
    "header", "footer", "main", "nav", "article", "aside", "section",
    "form", "input", "label", "button", "output", "progress",
    "svg", "path", "g", "circle", "rect", "polygon", "polyline", "line", "ellipse", "use", "defs", "symbol",
    "title", "desc", "mark", "kbd", "small", "del", "ins", "s", "u", "q", "cite", "time", "figure", "figcaption",
    "picture", "source", "colgroup", "col",
})

#: Elements never published, whatever produced them.
FORBIDDEN_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
                                "template", "style", "math", "foreignobject", "animate", "set", "handler"})

#: Attributes any element may carry; anything else is refused.
ATTRIBUTES = frozenset({
    "id", "class", "title", "lang", "dir", "role", "hidden", "tabindex", "translate",
    "href", "src", "alt", "rel", "target", "type", "name", "content", "charset", "media", "sizes",
    "width", "height", "loading", "decoding", "crossorigin", "integrity", "async", "defer", "referrerpolicy",
    "for", "value", "placeholder", "autocapitalize", "autocomplete", "autocorrect", "spellcheck", "required",
    "checked", "disabled", "readonly", "open", "start", "reversed", "align", "colspan", "rowspan", "scope",
    "headers", "datetime", "cite", "accesskey", "enterkeyhint", "inputmode", "max", "min", "step",
    # SVG icons of the theme.
    "xmlns", "viewbox", "d", "fill", "stroke", "stroke-width", "fill-rule", "clip-rule", "transform",
    "x", "y", "cx", "cy", "r", "rx", "ry", "points", "x1", "x2", "y1", "y2", "preserveaspectratio", "focusable",
})

#: ``data-`` attributes of the theme and ossref (and Pagefind's markers).
DATA_PREFIXES = ("data-md-", "data-ossref-", "data-pagefind-")

#: Attributes that hold a URL (or a list of them), as browsers read them.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "cite", "background", "data",
                            "xlink:href", "srcset", "ping", "manifest", "codebase", "longdesc", "icon"})

# What browsers ignore in a URL before reading its scheme.
_URL_STRIP = "".join(chr(c) for c in range(0x21))
_URL_DROP = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp|avif)[;,]", re.I)

# Where a template interpolates inside an allowed inline script: URL-safe
# characters only, so the value cannot leave the JavaScript string it is in.
_INTERPOLATED = r"[A-Za-z0-9_./:~%+\-]*"
_JSON_STRING = r'"[^"\\<>&\n]*"'
_JSON_SCALAR = rf"(?:{_JSON_STRING}|-?[0-9]+(?:\.[0-9]+)?|true|false|null)"
_JSON_VALUE = rf"(?:{_JSON_SCALAR}|\{{\s*(?:{_JSON_STRING}\s*:\s*{_JSON_SCALAR}\s*,?\s*)*\}})"
_TEMPLATE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_TEMPLATE_SCRIPT_SRC = re.compile(r"<script\b[^>]*?\ssrc=\"([^\"]*)\"")
_TEMPLATE_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9:\-]*)((?:[^<>{]|\{\{[^}]*\}\}|\{%[^%]*%\})*)>")
_TEMPLATE_ATTRIBUTE = re.compile(r"[\s\"'}]([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=")
_JINJA = re.compile(r"\{\{.*?\}\}", re.S)


def url_is_safe(url: str, *, image: bool = False) -> bool:
    """Whether a browser would load or follow ``url`` (an attribute's value,
    entities already decoded) only as a relative URL or with an allowed
    scheme; ``image``: ``data:`` image URLs are allowed too."""
    cleaned = url.strip(_URL_STRIP).translate(_URL_DROP)
    found = _SCHEME.match(cleaned)
    if found is None:
        return True
    scheme = found.group(1).lower()
    if scheme in URL_SCHEMES:
        return True
    return image and scheme == "data" and _DATA_IMAGE.match(cleaned) is not None


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Violation:
    """One thing the site must not publish. ``file`` is the path under the
    site folder (forward slashes); ``code`` is ``unsafe-output`` or
    ``broken-link``; ``value`` is the offending URL, tag or attribute, for
    finding it in a source file."""

    file: str
    code: str
    message: str
    value: str = ""


@dataclass(frozen=True)
class Theme:
    """What the theme publishes of its own, read from its folders (``dirs``, in
    MkDocs' order: the first that has a path wins): its static files, and from
    its templates (``*.html``) the elements and attribute names they write,
    the sources of their ``<script>`` elements and their inline scripts, each
    as a pattern in which every ``{{ ... }}`` stands for what it can print
    (see :func:`_pattern`)."""

    dirs: tuple[Path, ...] = ()
    #: Elements (tag and attributes) already judged: their violations, ids and links (see :func:`_judge`).
    judged: dict[tuple, tuple] = field(default_factory=dict, compare=False, repr=False)
    elements: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()
    script_sources: tuple[re.Pattern[str], ...] = ()
    inline_scripts: tuple[re.Pattern[str], ...] = ()
    #: Whether the theme's search shows index strings as HTML (Material's
    #: does; MkDocs' own themes escape them and show text).
    search_html: bool = True

    @classmethod
    def from_dirs(cls, dirs: Sequence[str | Path], *, search_html: bool = True) -> Theme:
        """Read the templates of the theme folders. A script whose text holds a
        ``{%`` tag, or interpolates anything of ``page`` (front matter, titles:
        content), is never allowed. Folders whose name starts with a dot
        (Material's icons) hold no templates and are skipped."""
        elements: set[str] = set()
        attributes: set[str] = set()
        sources: dict[str, re.Pattern[str]] = {}
        inline: dict[str, re.Pattern[str]] = {}
        for folder in dirs:
            for parent, subdirs, names in os.walk(folder):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.endswith(".html"):
                        continue
                    try:
                        text = Path(parent, name).read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError):
                        continue
                    for tag, inside in _TEMPLATE_TAG.findall(text):
                        elements.add(tag.lower())
                        attributes.update(a.lower() for a in _TEMPLATE_ATTRIBUTE.findall(inside))
                    for src in _TEMPLATE_SCRIPT_SRC.findall(text):
                        # Only URLs with a literal host: a source inside the
                        # site must be one of the theme's files, byte for byte.
                        if src.startswith(("https://", "http://")) and "{{" not in src.split("/", 3)[2] \
                                and not re.search(r"\{\{[^}]*\bpage\b", src):
                            pattern = _pattern(src)
                            sources.setdefault(pattern, re.compile(pattern))
                    for body in _TEMPLATE_SCRIPT.findall(text):
                        if "{%" in body or "{#" in body or re.search(r"\{\{[^}]*\bpage\b", body):
                            continue
                        pattern = _pattern(body)
                        inline.setdefault(pattern, re.compile(pattern))
        return cls(tuple(Path(d) for d in dirs), {}, frozenset(elements), frozenset(attributes),
                   tuple(sources.values()), tuple(inline.values()), search_html)

    def is_static(self, site: Path, rel: str) -> bool:
        """Whether ``site/rel`` is the theme's own static file ``rel``, byte
        for byte (templates are never static files)."""
        if rel.endswith(".html") or "/." in "/" + rel:
            return False
        for folder in self.dirs:
            source = folder / rel
            if source.is_file():
                try:
                    return _digest(source) == _digest(site / rel)
                except OSError:
                    return False
        return False

    def allows_element(self, tag: str) -> bool:
        return tag in self.elements or (tag in ELEMENTS and tag not in FORBIDDEN_ELEMENTS)

    def allows_attribute(self, name: str) -> bool:
        return (name in ATTRIBUTES or name in self.attributes or name.startswith(("aria-", *DATA_PREFIXES))) \
            and not name.startswith("on")

    def allows_source(self, src: str) -> bool:
        return any(p.fullmatch(src) for p in self.script_sources)

    def allows_inline(self, code: str) -> bool:
        return any(p.fullmatch(code) for p in self.inline_scripts)


def _pattern(template: str) -> str:
    """A regular expression for what ``template`` (text with Jinja
    ``{{ ... }}``) can print: the text as it is, and for each interpolation
    URL-safe characters, or with ``tojson`` a JSON string, number, constant or
    flat object, none of which can leave the JavaScript expression it is in."""
    out = []
    last = 0
    for m in _JINJA.finditer(template):
        out.append(re.escape(template[last:m.start()]))
        out.append(_JSON_VALUE if "tojson" in m.group(0) else _INTERPOLATED)
        last = m.end()
    out.append(re.escape(template[last:]))
    return "".join(out)


def _digest(path: Path) -> bytes:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()


# --------------------------------------------------------------------------- the audit

#: File types a site may publish besides the theme's static files.
# .bib and .ris: an entry's citation downloads (ossref.site.citemeta), plain text
# no browser renders as a page.
PUBLISHED_TYPES = frozenset({".html", ".xml", ".gz", ".json", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif",
                             ".txt", ".bib", ".ris"})
# Pagefind writes its bundles with types of its own; its fragments hold the
# pages' text as HTML (gzip, a signature, then JSON).
_PAGEFIND_FOLDERS = ("pagefind/", "pagefind-text/")
_PAGEFIND_TYPES = frozenset({".js", ".json", ".pagefind", ".pf_meta", ".pf_index", ".pf_fragment"})
_PAGEFIND_SIGNATURE = b"pagefind_dcd"


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    #: (attribute value, the element's tag) of every internal URL.
    links: list[tuple[str, str]] = field(default_factory=list)
    #: The files whose presence or ids its links' verdicts read (None: not checked yet).
    targets: set[str] | None = None


@dataclass(frozen=True)
class Written:
    """What an incremental build changed in the site it started from
    (``ossref serve``): ``since`` names that site (the ``token`` its audit
    was given), ``files`` are the files this build wrote, ``removed`` the
    files of that site the new one lacks. The builder vouches that every
    other file of the new site is that site's own file, the same inode."""

    since: str
    files: frozenset[str]
    removed: frozenset[str] = frozenset()


class Memo:
    """What an audit learned of each file that passed it, for the next audit
    of a site whose unchanged files are hard links to this one's
    (``ossref serve``): a file that is the same inode, size and modification
    time is not read again. Only files that passed are kept, and only when
    the whole site passed."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, int, int, int], _Page | None]] = {}
        #: Every file the last passed audit listed, and the hash of each string
        #: of a JSON file it passed: a page whose links and targets did not
        #: change, and a string already passed, are not checked again.
        self._listed: frozenset[str] = frozenset()
        self._strings: set[int] = set()
        #: The ``token`` of the site the last passed audit was given.
        self.token: str | None = None

    @staticmethod
    def _identity(path: Path) -> tuple[int, int, int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns

    def get(self, site: Path, rel: str) -> tuple[bool, _Page | None]:
        known = self._files.get(rel)
        if known is not None and known[0] == self._identity(site / rel):
            return True, known[1]
        return False, None

    def replace(self, site: Path, passed: dict[str, _Page | None], listed: frozenset[str] = frozenset(),
                strings: set[int] | None = None, token: str | None = None,
                written: Written | None = None) -> None:
        self._listed = listed
        self._strings |= strings or set()
        self.token = token
        if written is not None:
            # Only the files written are new; the rest are the same inodes as before.
            for rel in written.removed:
                self._files.pop(rel, None)
            update = {rel: passed[rel] for rel in written.files if rel in passed}
            for rel in written.files:
                self._files.pop(rel, None)
        else:
            self._files = {}
            update = passed
        for rel, page in update.items():
            identity = self._identity(site / rel)
            if identity is not None:
                self._files[rel] = (identity, page)


def audit_site(site: Path, theme: Theme, *, base_path: str = "/", memo: Memo | None = None,
               token: str | None = None, written: Written | None = None) -> list[Violation]:
    """Audit every file under ``site`` (see the module notes). ``base_path`` is
    the URL path the site is published at (from ``site_url``), so that
    root-relative URLs (``/ossref/...``) can be resolved. With ``memo``, files
    a previous audit passed and that are still the same file are not read
    again, and the memo is replaced by what this audit passed (only when the
    whole site passed), under ``token``. Never raises on content; an
    unreadable file is itself a violation.

    With ``written`` as well, and a memo of the site it names
    (``written.since``, the token of the memo's last passed audit), the
    folder is not walked nor any file looked at but those written: the
    files are the memo's site's, less ``written.removed``, plus
    ``written.files``, and every one not written is, by the builder's word,
    the file that audit passed. Files written are audited whatever the memo
    knows of their paths; the links of every page that reaches a file
    written or removed are checked again. The verdict is that of a full
    audit of the folder. Without such a memo ``written`` is ignored."""
    site = Path(site)
    found: list[Violation] = []
    pages: dict[str, _Page] = {}
    passed: dict[str, _Page | None] = {}
    verified_static: dict[str, bool] = {}
    listed: list[str] = []
    read: set[str] = set()
    strings: set[int] = set()
    if written is not None and (memo is None or memo.token is None or memo.token != written.since):
        written = None
    if written is not None:
        assert memo is not None
        names: Iterator[str] | list[str] = sorted((memo._listed - written.removed) | written.files)
    else:
        names = _files(site)
    for rel in names:
        listed.append(rel)
        suffix = posixpath.splitext(rel)[1].lower()
        if written is not None and rel not in written.files:
            page = memo._files.get(rel, (None, None))[1]  # type: ignore[union-attr]
            passed[rel] = page
            if page is not None:
                pages[rel] = page
            continue
        if memo is not None and written is None:
            known, page = memo.get(site, rel)
            if known:
                passed[rel] = page
                if page is not None:
                    pages[rel] = page
                continue
        before = len(found)
        if suffix == ".html":
            page = _Page()
            pages[rel] = page
            found += _audit_html(site, rel, page, theme, verified_static, base_path)
        elif rel.startswith(_PAGEFIND_FOLDERS):
            if suffix == ".pf_fragment":
                found += _audit_pagefind_fragment(site, rel)
            elif suffix not in _PAGEFIND_TYPES:
                found.append(Violation(rel, "unsafe-output", f"{rel} is not a file Pagefind writes", rel))
        elif theme.is_static(site, rel):
            continue
        elif suffix == ".json":
            found += _audit_json(site, rel, html=theme.search_html,
                                 seen=(memo._strings, strings) if memo is not None else None)
        elif suffix in _DOWNLOAD_TYPES:
            found += _audit_download(site, rel)
        elif suffix not in PUBLISHED_TYPES:
            found.append(Violation(rel, "unsafe-output", f"{rel} is a file of a type the site never publishes", rel))
        read.add(rel)  # not the theme's own files: what a link's verdict reads is whether they exist
        if len(found) == before:
            passed[rel] = pages.get(rel)
    only = None
    if memo is not None and memo._listed:
        # A link's verdict reads only whether its target exists and the
        # target's ids: pages read again, and those linking to a file read
        # again, added or removed, are checked again.
        changed = read | (memo._listed ^ set(listed))
        only = {rel for rel, page in pages.items()
                if rel in changed or page.targets is None or not page.targets.isdisjoint(changed)}
    found += _broken_links(site, pages, base_path, only)
    if memo is not None and not found:
        memo.replace(site, passed, frozenset(listed), strings, token, written)
    return found


def _files(site: Path) -> Iterator[str]:
    for parent, dirs, names in os.walk(site):
        dirs.sort()
        for name in sorted(names):
            yield Path(parent, name).relative_to(site).as_posix()


def _audit_html(site: Path, rel: str, page: _Page, theme: Theme, verified: dict[str, bool],
                base_path: str) -> list[Violation]:
    try:
        text = (site / rel).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Violation(rel, "unsafe-output", f"{rel} cannot be read as UTF-8: {exc}")]
    out: list[Violation] = []
    here = posixpath.dirname(rel)
    judged = theme.judged
    ids = page.ids
    links = page.links
    for node in LexborHTMLParser(text).root.traverse(include_text=False):
        tag = node.tag
        if tag.startswith("-"):  # comments, the doctype
            continue
        attrs = node.attributes
        # The theme repeats the same elements on every page: each distinct
        # element (tag and attributes) is judged once per build, and what it
        # gives the page (ids, links) read from it once too.
        key = (tag, *attrs.items())
        known = judged.get(key)
        if known is None:
            known = judged[key] = _judge(tag, attrs, theme)
        found, own_ids, own_links = known
        if found:
            out += [Violation(rel, v.code, v.message, v.value) for v in found]
        if tag == "script":
            out += _script(site, rel, here, attrs, node.text(deep=True), theme, verified, base_path)
        if own_ids:
            ids.update(own_ids)
        if own_links:
            links += own_links
    return out


def _judge(tag: str, attrs: dict[str, str | None], theme: Theme) -> tuple[tuple[Violation, ...], tuple[str, ...],
                                                                          tuple[tuple[str, str], ...]]:
    """What one element (``tag`` with ``attrs``) means to the audit, wherever
    it is: its violations (without a file), the ids it gives its page (``id``;
    ``name`` on ``<a>``), and its internal-link candidates (``href`` and
    ``src`` values with the tag; none for ``<script>``, whose source
    :func:`_script` judges)."""
    own_ids = []
    ident = attrs.get("id")
    if ident:
        own_ids.append(ident)
    if tag == "a" and attrs.get("name"):
        own_ids.append(attrs["name"] or "")
    own_links = []
    if tag != "script":
        for name in ("href", "src"):
            value = attrs.get(name)
            if value is not None:
                own_links.append((value, tag))
    return tuple(_element("", tag, attrs, theme)), tuple(own_ids), tuple(own_links)


def _element(where: str, tag: str, attrs: dict[str, str | None], theme: Theme) -> list[Violation]:
    out = []
    if not theme.allows_element(tag):
        out.append(Violation(where, "unsafe-output", f"element <{tag}> is not one the site publishes", f"<{tag}"))
    if tag == "meta" and (attrs.get("http-equiv") or "").strip().lower() == "refresh":
        out.append(Violation(where, "unsafe-output", "<meta http-equiv=\"refresh\"> redirects the reader",
                             "http-equiv"))
    for name, value in attrs.items():
        value = value or ""
        name = name.lower()  # SVG attributes keep their case (viewBox)
        if name.startswith("on"):
            out.append(Violation(where, "unsafe-output", f"event handler {name}= on <{tag}>", name))
        elif not theme.allows_attribute(name):
            out.append(Violation(where, "unsafe-output", f"attribute {name}= on <{tag}> is not one the site publishes",
                                 name))
        if name in URL_ATTRIBUTES or name.endswith(":href"):
            urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
            for url in urls:
                if not url_is_safe(url, image=(tag in ("img", "source") and name in ("src", "srcset"))):
                    out.append(Violation(where, "unsafe-output", f"unsafe URL in {name}= of <{tag}>: {url[:80]}",
                                         url))
    return out


def _script(site: Path, rel: str, here: str, attrs: dict[str, str | None], code: str, theme: Theme,
            verified: dict[str, bool], base_path: str) -> list[Violation]:
    src = attrs.get("src")
    kind = (attrs.get("type") or "").strip().lower()
    if src is not None:
        target = _internal_path(src, here, base_path)
        if target is None:
            if theme.allows_source(src):  # a URL written in a template of the theme
                return []
            return [Violation(rel, "unsafe-output", f"<script> from outside the site: {src[:80]}", src)]
        if target not in verified:
            verified[target] = theme.is_static(site, target)
        if not verified[target]:
            return [Violation(rel, "unsafe-output", f"<script> source {src[:80]} is not one of the theme's files", src)]
        return []
    if kind in ("application/json", "application/ld+json"):
        try:
            json.loads(code)
        except ValueError:
            return [Violation(rel, "unsafe-output", "a JSON <script> block does not parse as JSON", "<script")]
        return []
    if kind in ("", "text/javascript", "module") and theme.allows_inline(code):
        return []
    return [Violation(rel, "unsafe-output", f"inline <script> that no theme template contains: {code[:60]!r}",
                      code[:200])]


#: Citation downloads ("Cite this page"): plain text, never a tag.
_DOWNLOAD_TYPES = frozenset({".bib", ".ris"})


def _audit_download(site: Path, rel: str) -> list[Violation]:
    try:
        text = (site / rel).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Violation(rel, "unsafe-output", f"{rel} cannot be read as UTF-8: {exc}")]
    if "<" in text or ">" in text:
        return [Violation(rel, "unsafe-output", f"{rel} holds an angle bracket, which a browser could read as a tag",
                          "<")]
    return []


def _audit_pagefind_fragment(site: Path, rel: str) -> list[Violation]:
    try:
        data = gzip.decompress((site / rel).read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return [Violation(rel, "unsafe-output", f"{rel} is not a Pagefind fragment: {exc}")]
    return _audit_json_bytes(rel, data.removeprefix(_PAGEFIND_SIGNATURE))


def _audit_json(site: Path, rel: str, *, html: bool = True,
                seen: tuple[set[int], set[int]] | None = None) -> list[Violation]:
    try:
        data = (site / rel).read_bytes()
    except OSError as exc:
        return [Violation(rel, "unsafe-output", f"{rel} cannot be read: {exc}")]
    return _audit_json_bytes(rel, data, html=html, seen=seen)


def _audit_json_bytes(rel: str, raw: bytes, *, html: bool = True,
                      seen: tuple[set[int], set[int]] | None = None) -> list[Violation]:
    """The JSON document parses, and with ``html`` every string, read as
    HTML, holds only what a page body may: Material's search shows them as
    HTML. (Without, its strings are text that the theme escapes.) ``seen``:
    (hashes of strings an earlier audit passed, skipped; the set to add the
    hashes of this one's to). Python's string hash is keyed per process, so
    no string can be made to collide with a passed one on purpose."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [Violation(rel, "unsafe-output", f"{rel} is not valid JSON: {exc}")]
    out: list[Violation] = []
    if not html:
        return out
    for text in _strings(data):
        if "<" not in text:
            continue
        if seen is not None:
            key = hash(text)
            if key in seen[0]:
                continue
            seen[1].add(key)
        for node in LexborHTMLParser(f"<body>{text}</body>").body.traverse(include_text=False):
            tag = node.tag
            if tag.startswith("-") or tag == "body":
                continue
            if tag not in ALLOWED_TAGS and tag != "mark":
                out.append(Violation(rel, "unsafe-output", f"element <{tag}> in a search string", f"<{tag}"))
                continue
            out += _element(rel, tag, node.attributes, _NO_THEME)
    return out


_NO_THEME = Theme()


def _strings(data: object) -> Iterator[str]:
    stack = [data]
    while stack:  # no recursion: depth is the file's, not ours
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(k for k in item if isinstance(k, str))
        elif isinstance(item, list):
            stack.extend(item)


# --------------------------------------------------------------------------- links


@functools.lru_cache(maxsize=1 << 16)
def _internal_path(url: str, here: str, base_path: str = "/") -> str | None:
    """The file under the site that a URL on a page in folder ``here`` names,
    without fragment; None for an external URL (a scheme or ``//``). ``""`` is
    the page itself. A path that leaves the site gives ``"../..."``."""
    cleaned = url.strip(_URL_STRIP).translate(_URL_DROP)
    if _SCHEME.match(cleaned) or cleaned.startswith("//"):
        return None
    path = cleaned.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return ""
    path = unquote(path)
    if path.startswith("/"):
        base = base_path if base_path.endswith("/") else base_path + "/"
        if not path.startswith(base) and path + "/" != base:
            return "../" + path.lstrip("/")
        joined = path[len(base):]
    else:
        joined = posixpath.join(here, path)
    trailing = path.endswith("/")
    normal = posixpath.normpath(joined) if joined else "."
    if normal == ".":
        normal = ""
    if trailing or normal == "":
        normal = posixpath.join(normal, "index.html") if normal else "index.html"
    return normal


def _broken_links(site: Path, pages: dict[str, _Page], base_path: str,
                  only: set[str] | None = None) -> list[Violation]:
    """Broken links and fragments of the pages (of those in ``only`` when given)."""
    out = []
    exists: dict[str, bool] = {}
    # The same URL from the same folder names the same file: the theme's
    # links repeat on every page of a folder.
    # With it, what else a link's verdict needs that depends on the URL and
    # folder alone: the files it reads, and its fragment.
    resolved: dict[tuple[str, str], tuple[str | None, str, tuple[str, ...], str]] = {}
    for rel, page in pages.items():
        if only is not None and rel not in only:
            continue
        here = posixpath.dirname(rel)
        page.targets = targets = set()
        for url, tag in page.links:
            key = (here, url)
            known = resolved.get(key)
            if known is None:
                raw = _internal_path(url, here, base_path) if url.strip() else None
                known = resolved[key] = (*_resolve(site, pages, exists, url, here, base_path),
                                         (raw, posixpath.join(raw, "index.html")) if raw else (),
                                         unquote(url.split("#", 1)[1]) if "#" in url else "")
            target, problem, reads, fragment = known
            if reads:
                targets.update(reads)
            if problem:
                out.append(Violation(rel, "broken-link", problem, url))
                continue
            if target is None:
                continue
            if target == "":
                target = rel
            if fragment and target in pages and fragment not in pages[target].ids:
                out.append(Violation(rel, "broken-link", f"link to #{fragment[:60]}, which {target} has no id for",
                                     url))
    return out


def _resolve(site: Path, pages: dict[str, _Page], exists: dict[str, bool], url: str, here: str,
             base_path: str) -> tuple[str | None, str]:
    """(the published file ``url`` names from folder ``here``: None when
    external or not to be checked, "" for the page itself; a problem, or "")."""
    if not url.strip():
        return None, ""
    target = _internal_path(url, here, base_path)
    if target is None or target == "":
        return target, ""
    if target.startswith("../") or target == "..":
        return None, f"link leaves the site: {url[:80]}"
    if target in pages:
        return target, ""
    if posixpath.join(target, "index.html") in pages:
        return posixpath.join(target, "index.html"), ""
    if target not in exists:
        exists[target] = (site / target).is_file()
    if not exists[target]:
        return None, f"link to a file the site does not publish: {url[:80]}"
    return target, ""


# --------------------------------------------------------------------------- check against renderer

# Links Python-Markdown's own extensions make, which no scanner is asked to
# predict: heading permalinks and footnote references.
_OWN_LINK_CLASSES = frozenset({"headerlink", "footnote-ref", "footnote-backref"})


def body_links(html: str) -> list[str]:
    """The internal URLs of the links and images in a page body as Markdown
    rendered it (before sanitizing), except those Python-Markdown's
    extensions make themselves (:data:`_OWN_LINK_CLASSES`)."""
    out = []
    for node in LexborHTMLParser(f"<body>{html}</body>").body.traverse(include_text=False):
        if node.tag not in ("a", "img"):
            continue
        attrs = node.attributes
        url = attrs.get("href" if node.tag == "a" else "src")
        if url is None or _OWN_LINK_CLASSES.intersection((attrs.get("class") or "").split()):
            continue
        if _internal_path(url, "") is not None:
            out.append(url)
    return out


def page_dest(src: str, directory_urls: bool = True) -> str:
    """The file MkDocs writes for the Markdown page ``src`` (path under the
    docs folder): ``a/b.md`` -> ``a/b/index.html``."""
    stem = src[: -len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def predicted_links(src: str, dest: str, markdown: str, directory_urls: bool = True) -> dict[tuple[str, str], object]:
    """What the check's scanner reads in ``markdown`` (a page file, front
    matter and all) of page ``src`` written to ``dest``: each Markdown link's
    (published file, fragment), with the position of its first occurrence."""
    from ossref.load.scan import scan_body

    body, line = _after_front_matter(markdown)
    here_src = posixpath.dirname(src)
    predicted: dict[tuple[str, str], object] = {}
    for link in scan_body(body, line).links:
        if link.wiki:
            continue
        target = link.target
        path = _internal_path(target, here_src) if target else ""
        if path is None:
            continue
        if path == "" or not target:
            path = dest
        elif path.endswith(".md"):
            path = page_dest(path, directory_urls)
        predicted.setdefault((path, link.anchor), link.pos)
    return predicted


def rendered_target(url: str, dest: str) -> tuple[str, str] | None:
    """(published file, fragment) that ``url`` on the page ``dest`` names;
    None for an external URL."""
    path = _internal_path(url, posixpath.dirname(dest))
    if path is None:
        return None
    return path or dest, unquote(url.split("#", 1)[1]) if "#" in url else ""


def unchecked_links(src: str, dest: str, staged: str, rendered: list[str],
                    directory_urls: bool = True) -> list[str]:
    """The URLs of ``rendered`` (from :func:`body_links` on the page built from
    the staged Markdown ``staged`` of page ``src``, written to ``dest``) that
    the check's scanner does not predict from that same Markdown: each is a
    place where the check and the renderer read the page differently."""
    predicted = predicted_links(src, dest, staged, directory_urls)
    out = []
    for url in rendered:
        target = rendered_target(url, dest)
        if target is not None and target not in predicted:
            out.append(url)
    return out


def _after_front_matter(text: str) -> tuple[str, int]:
    """The body of a page file and the line it starts on."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end != -1:
            head = text[: end + 5]
            return text[end + 5:], head.count("\n") + 1
    return text, 1

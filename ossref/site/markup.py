"""The small pieces every staged page is made of: escaping, links, URLs, front matter.

Escaping, the one rule: every string that comes from front matter or BibTeX
goes through :func:`md_text` (or :func:`attr_text` inside a raw HTML
attribute; front matter is built by :func:`ossref.site.pagemeta.staged_meta`, which
HTML-escapes every string MkDocs' templates will write unescaped). It collapses white space
and writes each character that Markdown, its common extensions or HTML give
a meaning to as a numeric character reference (``[`` -> ``&#91;``), and the
characters that only matter at the start of a line (``#``, ``-``, ``1.``...)
when the string starts with them. Python-Markdown passes references through
as text in paragraphs, table cells, link labels and raw HTML alike, so no such
string can open a link, a tag, an attribute, a table cell or a block, whatever
extensions are enabled. HTML fragments escape every string with ``html.escape``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import posixpath
import re
from collections.abc import Sequence
from typing import Any

import yaml
from markdown.extensions.toc import slugify, slugify_unicode

from ossref.model import Page

__all__ = ["attr_text", "build_date", "md_text", "tag_slugs", "url_href", "url_key"]


# Anywhere in a line: Python-Markdown's inline syntax, HTML's special
# characters, and what common extensions use (tables "|", attr_list "{",
# tilde/caret/mark "~^=", arithmatex "$").
_ACTIVE = "\\`*_{}[]()<>!|&~^=$\"'"
_ENTITIES = {ord(ch): f"&#{ord(ch)};" for ch in _ACTIVE}
# Only at the start of a line: headings, lists, setext/hr lines, details
# ("???"), blocks ("///"), definitions (":"), ordered lists ("1." / "1)").
_LEADING = re.compile(r"[#+\-.=?/:]|\d+[.)]")
# Inside a raw HTML attribute value the tag is stashed as a whole only after
# Python-Markdown's code, escape and link patterns ran, and the tables
# extension splits cells before that: those characters, and HTML's.
_ATTR_ENTITIES = {ord(ch): f"&#{ord(ch)};" for ch in "&<>\"'\\`[]|{}"}


def md_text(value: object) -> str:
    """``value`` as inert Markdown: one line, every active character an entity.

    Safe as Markdown text anywhere in a line or at its start, in table cells,
    link labels, and as raw HTML text or (double-quoted) attribute value."""
    text = " ".join(str(value).split())
    lead = _LEADING.match(text)
    if lead is None:
        return text.translate(_ENTITIES)
    end = lead.end()
    return text[: end - 1] + f"&#{ord(text[end - 1])};" + text[end:].translate(_ENTITIES)


def attr_text(value: object) -> str:
    """``value`` for a double-quoted attribute of raw inline HTML: one line,
    HTML-escaped, and nothing Markdown would act on before the tag is kept."""
    return " ".join(str(value).split()).translate(_ATTR_ENTITIES)


def build_date() -> dt.date:
    """The day of the build: from ``SOURCE_DATE_EPOCH`` when set (reproducible
    builds; MkDocs reads it too), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.datetime.now(dt.timezone.utc).date()



def tag_slugs(tags: list[str]) -> dict[str, str]:
    """A distinct file slug for each tag: ASCII kebab-case when the tag has
    ASCII letters, else its Unicode slug, else a short hash; "-2", "-3"...
    when two tags would share one."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for tag in tags:
        base = slugify(tag, "-") or slugify_unicode(tag, "-")
        base = base or "tag-" + hashlib.sha1(tag.encode("utf-8")).hexdigest()[:8]
        slug, n = base, 1
        while slug in used or slug == "index":
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        out[tag] = slug
    return out


# --------------------------------------------------------------------------- small pieces


def _link(label_md: str, href: str) -> str:
    return f"[{label_md}]({href})"


# libyaml's emitter, when PyYAML has it, is ten times faster; both are safe dumpers.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Characters a YAML reader takes back as themselves, written raw, inside a
# double-quoted scalar: printable (YAML 1.1's set), and neither a line break
# (NEL, U+2028, U+2029: folded into a space) nor the byte-order mark. JSON
# escapes the rest of what it escapes (quote, backslash, controls) with
# escapes YAML reads the same way.
_YAML_SAFE_TEXT = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")


def _front_matter(data: dict[str, Any]) -> str:
    """Staged front matter holding ``data``: what MkDocs' YAML reader gives
    back is ``data`` itself. As one line of JSON, which YAML reads as a flow
    mapping, when every value is one JSON and YAML read alike (text, whole
    numbers, booleans, null, lists, mappings with text keys): dumping it costs
    a tenth of PyYAML's representer, a tenth of rendering a 1,000-entry wiki.
    Otherwise (a date, a float, text with a control or line-break character)
    as PyYAML dumps it."""
    if _json_safe(data):
        return f"---\n{json.dumps(data, ensure_ascii=False)}\n---\n\n"
    dumped = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False,
                       default_flow_style=False, width=1 << 30)
    return f"---\n{dumped}---\n\n"


def _json_safe(data: object) -> bool:
    """Whether JSON writes ``data`` as text a YAML reader reads back as
    ``data``, with the same types (see :func:`_front_matter`)."""
    stack = [data]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not _YAML_SAFE_TEXT.fullmatch(item):  # type: ignore[arg-type]
                return False
        elif kind is dict:
            for key, value in item.items():  # type: ignore[attr-defined]
                if type(key) is not str or not _YAML_SAFE_TEXT.fullmatch(key):
                    return False
                stack.append(value)
        elif kind is list:
            stack.extend(item)  # type: ignore[arg-type]
        elif not (item is None or kind is bool or kind is int):
            return False  # floats: JSON's 1e+100 is text to YAML 1.1; dates; anything else
    return True


def _page_url(slug: str, directory_urls: bool = True) -> str:
    """The page's URL path under the site, as MkDocs makes it."""
    if not directory_urls:
        return slug + ".html"
    if slug == "index":
        return ""
    return slug[: -len("index")] if slug.endswith("/index") else slug + "/"


def url_href(from_slug: str, to_slug: str, directory_urls: bool = True, anchor: str = "") -> str:
    """The relative URL from one page to another, as MkDocs would write it
    for a Markdown link between their sources."""
    here = posixpath.dirname(_page_url(from_slug, directory_urls).rstrip("/")) if not directory_urls \
        else _page_url(from_slug).rstrip("/")
    target = _page_url(to_slug, directory_urls)
    rel = _relpath(target.rstrip("/") or ".", here or ".")
    if directory_urls:
        rel = "./" if rel == "." else rel + "/"
    href = html.escape(rel, quote=True)
    return f"{href}#{html.escape(anchor, quote=True)}" if anchor else href


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath(path, start)`` for two relative paths, without its
    two ``abspath`` calls: a seventh of rendering a 1,000-entry wiki went there."""
    to = [part for part in path.split("/") if part not in ("", ".")]
    here = [part for part in start.split("/") if part not in ("", ".")]
    if ".." in to or ".." in here or path.startswith("/") or start.startswith("/"):
        return posixpath.relpath(path, start)
    common = 0
    for a, b in zip(to, here):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


def _a(label: str, href: str) -> str:
    """An HTML link; ``label`` is plain text, ``href`` already escaped."""
    return f'<a href="{href}">{html.escape(label, quote=False)}</a>'


def url_key(slug: str) -> str:
    """The key of a page's URL (no trailing slash), as two pages sharing a URL share it."""
    return _page_url(slug).rstrip("/")


def _staged(page: Page) -> str:
    return page.slug + ".md"


def staged_path(page: Page) -> str:
    """Where :func:`ossref.site.render.render_site` writes ``page``, relative to the staging folder."""
    return _staged(page)


def _names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

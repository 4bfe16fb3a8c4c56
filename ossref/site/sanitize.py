"""The second, enforcing layer: an allow-list sanitizer for rendered page bodies.

The checks refuse raw HTML and unsafe URLs in content before anything is
rendered; this module assumes they missed something. Every page body MkDocs
renders passes through :func:`sanitize_html` (wired in by
:mod:`ossref.mkdocs.adapter`), so whatever reaches the built site is limited
to the elements and attributes that Python-Markdown's enabled extensions,
Material and ossref's own render produce.

Kept: headings, paragraphs, lists, tables, admonitions, details, footnotes,
highlighted code, images, definition lists, quotes, emphasis, ``sup``/``sub``,
``abbr``; ``id`` and ``class`` on any kept element; ``rel`` on links;
``href`` and ``src`` with
the schemes http, https and mailto, or relative and fragment URLs.
Dropped: every other element (``script`` and ``style`` together with their
content), every event handler, ``style`` attributes, and any URL with another
scheme (``javascript:``, ``data:``, ``vbscript:``...), however it is written:
nh3 parses the HTML as a browser does, decoding entities and ignoring the
tabs and newlines browsers ignore in a scheme, before it judges the URL.
"""

from __future__ import annotations

import re

import nh3

__all__ = ["sanitize_html", "ALLOWED_TAGS", "ALLOWED_ATTRIBUTES", "URL_SCHEMES"]

URL_SCHEMES = frozenset({"http", "https", "mailto"})

ALLOWED_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6",
    "p", "div", "span", "br", "hr", "blockquote",
    "a", "img",
    "em", "strong", "b", "i", "sup", "sub", "abbr", "code", "pre",
    "ol", "ul", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "details", "summary",
})

# `id` and `class` everywhere: heading anchors, footnote back-references,
# admonition and Pygments classes and ossref's own citation markup need them,
# and neither can carry script.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"id", "class"}),
    # rel: the formatted references mark their identifier links "noopener".
    "a": frozenset({"href", "title", "rel"}),
    "img": frozenset({"src", "alt", "title"}),
    "abbr": frozenset({"title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"align"}),
    "td": frozenset({"align"}),
    "details": frozenset({"open"}),
}

# Python-Markdown's tables extension writes column alignment as an inline
# style. Style attributes are dropped wholesale, so this one exact form is
# rewritten first into the equivalent `align` attribute. The pattern can only
# match a real start tag: inside text or an attribute value the `<` or the
# quotes would be escaped. Whatever it produces is still sanitized below.
_TABLE_ALIGN = re.compile(r'<(th|td) style="text-align: (left|right|center);">')

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    # No rel is added: there is no target="_blank" to guard, and the output
    # should differ from the input only where the input was unsafe.
    link_rel=None,
    strip_comments=True,
)
# The same, keeping HTML comments: the build's tokens for generated HTML
# (ossref.site.deferred) are comments, expanded after the page body is sanitized.
# A comment cannot execute or carry attributes; browsers render nothing of it.
_CLEANER_KEEPING_COMMENTS = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=None,
    strip_comments=False,
)


def sanitize_html(html: str, *, keep_comments: bool = False) -> str:
    """Return ``html`` (a page body fragment) with everything outside the
    allow-list removed. Safe markup comes out with the same elements, ids,
    classes and URLs; the function is idempotent and never raises on any
    string input. HTML comments are removed unless ``keep_comments``."""
    cleaner = _CLEANER_KEEPING_COMMENTS if keep_comments else _CLEANER
    return cleaner.clean(_TABLE_ALIGN.sub(r'<\1 align="\2">', html))

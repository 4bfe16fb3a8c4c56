"""URL schemes and link destinations as the browser reads the rendered href.

:func:`url_scheme` says which scheme a destination may render with, and
:data:`SAFE_SCHEMES` which ones a link may have (the ``unsafe-url`` rule
imports both). :func:`_unescape_dest` and :func:`_split_url` turn a
destination as written into a :class:`~ossref.model.Link`'s target and
anchor. Pure functions of their arguments.
"""

from __future__ import annotations

import html as _html
import re

from ossref.load.scan.base import _H_ESCAPABLE, _H_ESCAPE

#: The only schemes a link may have; anything else is ``unsafe-url``.
SAFE_SCHEMES = ("http", "https", "mailto")
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers drop tabs and newlines anywhere in a URL (and leading C0 controls
# and spaces), so "java\tscript:" is javascript:. Dropping every control and
# space is stricter than that, never looser.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
# What Python-Markdown rewrites in an inline link's destination before it
# becomes the href: backslash escapes, code spans (their backticks go), and
# references and footnote references (replaced by their text). Its escape,
# backtick, reference and footnote patterns all run before its link pattern.
_PM_REWRITTEN = re.compile(r"[\\`\[\]]")


def url_scheme(url: str) -> str | None:
    """The scheme a browser may see in the href rendered from link destination
    ``url``, lower-cased; None for a relative URL.

    Entities are decoded (the browser decodes them in the href), controls and
    spaces dropped, and leading ``<`` removed (Python-Markdown strips the
    angle brackets of ``<url>`` forms). When the text before the first colon
    is not a scheme as written but holds a character Python-Markdown rewrites
    (``\\``, a backtick, ``[`` or ``]``), the result is that text itself: the
    rendered href may well start with a scheme (```java`s`cript:``` renders as
    ``javascript:``), and such text is never one of :data:`SAFE_SCHEMES`.
    """
    cleaned = _URL_IGNORED.sub("", _html.unescape(url) if "&" in url else url).lstrip("<")
    match = _URL_SCHEME.match(cleaned)
    if match:
        return match.group(1).lower()
    colon = cleaned.find(":")
    if colon > 0 and _PM_REWRITTEN.search(cleaned, 0, colon):
        return cleaned[:colon].lower()
    return None


def _unsafe(url: str) -> bool:
    scheme = url_scheme(url)
    return scheme is not None and scheme not in SAFE_SCHEMES


def _unescape_dest(url: str, backslashes: bool = True) -> str:
    """A link destination as the browser reads the rendered href: without the
    backslash escapes Python-Markdown resolves in inline text (not in a
    reference definition: ``backslashes=False``), entities decoded."""
    if backslashes and "\\" in url:
        url = _H_ESCAPE.sub(lambda m: m.group(1) if m.group(1) in _H_ESCAPABLE else m.group(0), url)
    if "&" in url:
        url = _html.unescape(url)
    return url


def _split_url(url: str) -> tuple[str, str]:
    target, _, anchor = url.partition("#")
    return target, anchor

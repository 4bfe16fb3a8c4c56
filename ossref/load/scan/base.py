"""Primitives the scanner's passes share: the working copies' conventions and small helpers.

A *working copy* of a body (see :mod:`ossref.load.scan.codespans`) has the
body's length: a newline that ends a block is :data:`_SEP` (``"\x00"``), and
text hidden from the inline patterns (code, comments) is blanked to spaces of
equal length, so an offset into a copy is an offset into the body.

Here: blanking spans, the backslash-escape test, a monotone "find the next"
helper (:class:`_Next`) that keeps a series of searches linear, the end of an
HTML comment as a browser reads it, bracket-pattern building, snippets for
messages, and the Python-Markdown inline patterns more than one pass needs.
Nothing here depends on another module of the package. The names are private
to the package; :mod:`ossref.load.scan` exposes the public ones.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_SEP = "\x00"  # stands in for a newline that ends a block, in the working copies
_BLANK_RUN = re.compile(r"[^\n\x00]+")
_TICKS = re.compile(r"`+")
_WS = re.compile(r"\s+")

try:  # Python-Markdown's own patterns, so what the scan reads matches what it renders
    from markdown.inlinepatterns import AUTOLINK_RE as _PM_AUTOLINK
    from markdown.inlinepatterns import AUTOMAIL_RE as _PM_AUTOMAIL
    from markdown.inlinepatterns import ENTITY_RE as _PM_ENTITY
    from markdown.inlinepatterns import HTML_RE as _PM_HTML

    _H_AUTOLINK = re.compile(_PM_AUTOLINK)
    _H_AUTOMAIL = re.compile(_PM_AUTOMAIL)
    _H_HTML = re.compile(_PM_HTML, re.DOTALL)
    _H_ENTITY = re.compile(_PM_ENTITY)
except Exception:  # noqa: BLE001 - older Markdown or Python without possessive quantifiers
    _H_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>")
    _H_AUTOMAIL = re.compile(r"<([^<> !]+@[^@<> ]+)>")
    _H_HTML = re.compile(r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--)>)", re.DOTALL)
    _H_ENTITY = re.compile(r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)")

# Python-Markdown's escapable characters; the tables extension adds "|".
_H_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|")
_H_ESCAPE = re.compile(r"\\(.)")


def _nested(atom: str, open_: str, close: str, depth: int) -> str:
    """A pattern of ``atom`` characters and balanced ``open_``/``close``
    groups nested up to ``depth`` deep. Its alternatives start with different
    characters, so a match never backtracks between them."""
    inner = f"{atom}*"
    for _ in range(depth):
        inner = f"(?:{atom}|{open_}{inner}{close})*"
    return inner


#: A bracket label: brackets nested three deep (see :data:`ossref.load.scan.links._BRACKETS`).
_LABEL = _nested(r"(?:[^\[\]\\\x00]|\\[^\x00])", r"\[", r"\]", 3)
_PAREN_OPEN, _PAREN_CLOSE = r"\(", r"\)"


def _blank(text: str) -> str:
    return _BLANK_RUN.sub(lambda m: " " * len(m.group()), text)


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each (sorted, disjoint) span blanked; newlines kept."""
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for s, e in spans:
        if s < last:  # overlapping span: keep what is left of it
            s = last
        if e <= s:
            continue
        out.append(text[last:s])
        out.append(_blank(text[s:e]))
        last = e
    out.append(text[last:])
    return "".join(out)


def _escaped(text: str, i: int) -> bool:
    """Whether text[i] is preceded by an odd number of backslashes."""
    j = i
    while j > 0 and text[j - 1] == "\\":
        j -= 1
    return (i - j) % 2 == 1


class _Next:
    """First index >= pos of ``needle`` in ``text``.

    Remembers its last answer, so a series of non-decreasing queries costs one
    pass over the text in total however many times it is asked (a plain
    ``find`` per query is quadratic on input like ten thousand ``<!--``).
    """

    __slots__ = ("text", "needle", "lo", "at")

    def __init__(self, text: str, needle: str) -> None:
        self.text, self.needle, self.lo, self.at = text, needle, -1, -1

    def find(self, pos: int) -> int:
        if self.lo != -1 and self.lo <= pos and (self.at == -1 or self.at >= pos):
            return self.at
        self.lo = pos
        self.at = self.text.find(self.needle, pos)
        return self.at


def _comment_end(text: str, s: int, close: _Next, bang: _Next) -> int:
    """End offset of the HTML comment opening at ``s`` as a browser reads it, or -1.

    Browsers end a comment at ``-->`` or ``--!>``, and read ``<!-->`` and
    ``<!--->`` as complete empty comments; anything we skip as a comment must
    be a comment to the browser too.
    """
    a = s + 4
    if text.startswith(">", a):
        return a + 1
    if text.startswith("->", a):
        return a + 2
    e1 = close.find(a)
    e2 = bang.find(a)
    if e1 == -1 and e2 == -1:
        return -1
    if e2 == -1 or (e1 != -1 and e1 < e2):
        return e1 + 3
    return e2 + 4


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` is in one of the sorted, disjoint (start, end) ``spans``."""
    k = bisect_right(spans, (offset, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


def _blank_line_in(text: str) -> bool:
    return re.search(r"\n[ \t]*\n", text) is not None


_SNIPPET_SPACES = str.maketrans("\n\r\t", "   ")


def _snippet(text: str) -> str:
    """At most 80 characters, on one line (a tag may span lines)."""
    return text[:80].translate(_SNIPPET_SPACES)


def _snippet_tag(body: str, s: int) -> str:
    window = body[s : s + 80]
    close = window.find(">")
    return _snippet(window[: close + 1] if close != -1 else window)

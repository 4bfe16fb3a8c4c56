"""A second, simple look for links with unsafe destinations the main passes missed.

:class:`_LinkSweep` matches brackets with a stack, as Python-Markdown's
link patterns count them, so it finds what the bounded patterns of
:mod:`ossref.load.scan.links` leave: labels and destinations nested deeper,
reference definitions behind container markers, links in text that is code
to CommonMark only. It reports only those whose destination may render with
an unsafe scheme, for the ``unsafe-url`` rule. Linear.
"""

from __future__ import annotations

import html as _html
import re
from bisect import bisect_right

from ossref.load.scan.base import _SEP, _escaped
from ossref.load.scan.blocks import Blocks
from ossref.load.scan.urls import _split_url, _unsafe
from ossref.model import Link

_SWEEP_BRACKET = re.compile(r"[\[\]\x00]")
_SWEEP_CLOSE = re.compile(r"\](?=[(:])")
_SWEEP_SPACE = re.compile(r"[ \t\n]*")
_SWEEP_PLAIN = re.compile(r"[A-Za-z0-9+.\- \t\n]+")
_SWEEP_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});?")
# What may stand before a reference definition's "[" on its line for
# Python-Markdown: block quote and list markers, indentation (admonitions,
# list items, definitions), a definition's ":" and a footnote's "[^id]:".
_SWEEP_DEF_PREFIX = re.compile(r"(?:[ \t>*+\-:]|[0-9]{1,9}[.)]|\[\^[^\[\]\x00\n]*\]:)*")
_SWEEP_DEF_URL = re.compile(r"[ \t]*(?:[\n\x00][ \t>]*)?([^\s\x00]+)")


class _LinkSweep:
    """A second, deliberately simple look for links with unsafe destinations.

    In a reading of the body (code blanked, blocks separated by ``"\\x00"``)
    every ``]`` that closes a ``[`` (brackets matched with a stack, as
    Python-Markdown's getText counts them) and is followed by ``(`` starts an
    inline link's destination, and one followed by ``:`` with only container
    markers before its ``[`` on the line is a reference definition. Of those
    the main pass did not already find, each whose destination may render
    with a scheme other than :data:`SAFE_SCHEMES` becomes a :class:`Link`
    (``start`` at its ``[``, ``end`` after the scheme's colon; it may overlap
    other constructs, and is never rewritten by a renderer: its target is
    not a page).

    Linear: brackets are matched once; reading a destination stops at the
    first character that cannot be part of a scheme, and jumps over bracket
    groups and code spans, so no two destinations read the same characters.
    """

    def __init__(self, blk: Blocks, ma: str, closes: set[int], def_starts: set[int], found_in_a: int,
                 defs_in_a: int) -> None:
        self.blk = blk
        self.body = blk.body
        self.ma = ma  # the CommonMark reading
        self.closes = closes  # inline links the main pass found, by their "]"
        # How many of those, and of the definitions, are in the CommonMark reading.
        self.found_in_a, self.defs_in_a = found_in_a, defs_in_a
        self.def_starts = def_starts
        self.emitted: set[int] = set()  # the "]" of links found, in either reading
        self._colons: list[int] | None = None
        self._prefix: dict[int, int] = {}  # line start -> end of its container prefix

    def run(self, text: str) -> list[tuple[int, Link]]:
        if text is self.ma and text.count("](") <= self.found_in_a and text.count("]:") <= self.defs_in_a:
            # Each "](" closes a link the main pass found in this reading, each
            # "]:" is a definition it found: nothing is left (most pages).
            return []
        pairs: dict[int, int] = {}  # "[" -> its "]"
        opener: dict[int, int] = {}  # "]" -> its "["
        stack: list[int] = []
        for m in _SWEEP_BRACKET.finditer(text):
            i = m.start()
            c = text[i]
            if c == _SEP:
                stack.clear()
            elif i and text[i - 1] == "\\" and _escaped(text, i):
                continue
            elif c == "[":
                stack.append(i)
            elif stack:
                o = stack.pop()
                pairs[o] = i
                opener[i] = o
        found: list[tuple[int, Link]] = []
        for m in _SWEEP_CLOSE.finditer(text):
            c = m.start()
            o = opener.get(c)
            if o is None or c in self.emitted:
                continue
            if text[c + 1] == "(":
                if c in self.closes:
                    continue
                link = self._inline(text, o, c, pairs)
            elif o not in self.def_starts and text[o + 1 : o + 2] != "^" and text.find("[", o + 1, c) == -1:
                link = self._definition(text, o, c)
            else:
                continue
            if link is not None:
                self.emitted.add(c)
                found.append((link.start, link))
        return found

    def _inline(self, text: str, o: int, c: int, pairs: dict[int, int]) -> Link | None:
        body = self.body
        i = _SWEEP_SPACE.match(text, c + 2).end()
        if text.startswith("<", i):
            i += 1
        start = i
        composed = False
        n = len(text)
        while i < n:
            t = text[i]
            b = body[i]
            if t != b:
                if b == "\r":
                    i += 1
                    continue
                if t == _SEP or b != "`":  # a block boundary, or a blanked comment: no scheme
                    return None
                # A code span: Python-Markdown keeps its text and drops the backticks.
                composed = True
                e = _SWEEP_PLAIN.match(text, i).end()
                colon = self._colon(i, e)
                if colon != -1:
                    return self._made(o, c, start, colon + 1, body[start : colon + 1], composed)
                i = e
            elif b == ":":
                return self._made(o, c, start, i + 1, body[start : i + 1], composed)
            elif b == "`":  # code to the other reading, perhaps
                composed = True
                i += 1
            elif b == "\\":
                composed = True
                i += 2
            elif b == "[":
                e = pairs.get(i)
                if e is None:
                    return None
                composed = True
                colon = self._colon(i, e)
                if colon != -1:
                    return self._made(o, c, start, e + 1, body[start : colon + 1], composed)
                i = e + 1
            elif b == "&":
                m = _SWEEP_ENTITY.match(body, i)
                if m is None:
                    return None
                char = _html.unescape(m.group())
                if char == ":":
                    return self._made(o, c, start, m.end(), body[start : m.end()], composed)
                if len(char) != 1 or _SWEEP_PLAIN.fullmatch(char) is None:
                    return None
                i = m.end()
            else:
                # Read the run in the body: in the reading, a blanked code span
                # looks like spaces. A block boundary ends it.
                m = _SWEEP_PLAIN.match(body, i)
                if m is None:
                    return None
                sep = text.find(_SEP, i, m.end())
                i = m.end() if sep == -1 else sep
        return None

    def _made(self, o: int, c: int, start: int, end: int, target: str, composed: bool) -> Link | None:
        if not composed and not _unsafe(target):
            return None
        body = self.body
        image = o > 0 and body[o - 1] == "!" and not _escaped(body, o - 1)
        s = o - 1 if image else o
        label = body[o + 1 : c].strip()
        return Link(target, "", label, s, max(end, c + 1), self.blk.pos(s), wiki=False, image=image)

    def _colon(self, a: int, b: int) -> int:
        """Offset of the first ":" in ``body[a:b]``, or -1."""
        if self._colons is None:
            self._colons = [m.start() for m in re.finditer(":", self.body)]
        k = bisect_right(self._colons, a - 1)
        if k < len(self._colons) and self._colons[k] < b:
            return self._colons[k]
        return -1

    def _definition(self, text: str, o: int, c: int) -> Link | None:
        blk = self.blk
        line = bisect_right(blk.line_starts, o) - 1
        ls = blk.line_starts[line]
        end = self._prefix.get(ls)
        if end is None:
            end = self._prefix[ls] = _SWEEP_DEF_PREFIX.match(self.body, ls).end()
        if end != o:
            return None
        m = _SWEEP_DEF_URL.match(text, c + 2)
        if m is None:
            return None
        url = self.body[m.start(1) : m.end(1)].lstrip("<").rstrip(">")
        if not _unsafe(url):
            return None
        target, anchor = _split_url(url)
        return Link(target, anchor, self.body[o + 1 : c].strip(), o, m.end(1), blk.pos(o), wiki=False)

"""Find what a page body holds: citations, links, headings, raw HTML, attribute lists.

The one entry point is :func:`scan_body`. It is a pure function (no I/O, no
global state), never raises, and runs in time linear in the size of the body:
no recursion over the input, no regular expression that can backtrack
quadratically, and every "find the next X" search advances monotonically.

How it works, in passes over the text:

1. A line pass finds the block structure: fenced code, indented code, HTML
   comments that start a line, ATX and setext headings, and which newlines are
   *inside* a paragraph. Every other newline is replaced by ``"\\x00"`` in a
   working copy, so no later inline pattern can match across a block boundary
   (a blank line, a heading, a code block).
2. Code spans and one-line HTML comments are found left to right, and blanked
   (replaced by spaces of equal length) in the working copy. Offsets into the
   copy are therefore offsets into the body.
3. Regular expressions over the blanked copy find links, citations, autolinks,
   raw HTML and attribute lists. Headings get their text and anchor from a
   small emulation of Python-Markdown's inline rendering.

Two readings of the body, on purpose. The brief for this module follows
CommonMark for what counts as code; the page is rendered by Python-Markdown,
which disagrees in a few places (an unclosed or indented fence is not code to
it, and its code spans pair backticks differently). Hiding raw HTML that the
renderer will emit would defeat the ``raw-html`` check, so raw HTML is
reported when it is outside code in *either* reading; everything else follows
the CommonMark reading only.
"""

from __future__ import annotations

import html as _html
import re
from bisect import bisect_right
from typing import Callable

from markdown.extensions.toc import slugify as _toc_slugify
from markdown.extensions.toc import unique as _toc_unique

from .model import BodyScan, CitationGroup, CitationItem, Heading, Link, Position, RawHtml

__all__ = ["scan_body"]

# ----------------------------------------------------------------------------- entry point


def scan_body(body: str, body_line: int) -> BodyScan:
    """Scan ``body`` (the Markdown after the front matter) and return what it holds.

    ``body_line`` is the 1-based file line on which body offset 0 stands.

    Contract:

    * Every :class:`~ossref.model.Position` returned is a *file* position:
      1-based line (``body_line`` + newlines before the offset) and 1-based
      column counted in Unicode code points; a tab is one column. Only ``"\\n"``
      ends a line (a ``"\\r"`` before it is part of the line).
    * ``start``/``end`` of citation groups and links are offsets into
      ``body`` (end exclusive) covering the whole construct (``![`` to ``)``,
      ``[[`` to ``]]``, ``<`` to ``>``, ``[`` to ``]``), so a renderer can
      splice a replacement in.
    * Nothing inside fenced code, indented code, code spans or HTML comments
      is reported, except raw HTML that Python-Markdown would render (see the
      module docstring).
    * Results are in body order within each list. Heading anchors are the ids
      Python-Markdown's ``toc`` extension gives, de-duplicated in order.
    * Pure, never raises (on an internal error it returns what it found so
      far; that is a bug to report, not a behaviour to rely on), linear time.
    """
    result = BodyScan()
    try:
        _Scanner(body, body_line).run(result)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; see docstring
        if __debug__ and _RAISE_FOR_TESTS:
            raise
    return result


#: Tests flip this to see internal errors instead of a partial result.
_RAISE_FOR_TESTS = False

# ----------------------------------------------------------------------------- patterns

_SEP = "\x00"  # stands in for a newline that ends a block, in the working copies

_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ \t]*\r?$")
# Python-Markdown's fenced_code accepts only these info strings (see its FENCED_BLOCK_RE).
_PM_FENCE_INFO = re.compile(
    r"[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=([\"'])[^\n]*?\1[ ]*)?)\r?$"
)
_ATX = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?[ \t]*\r?$")
_SETEXT_UNDERLINE = re.compile(r"[=-]+[ \t]*\r?$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*\r?$")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|\r?$)")
_QUOTE_PREFIX = re.compile(r"(?: {0,3}>[ ]?)+")
_BLANK_RUN = re.compile(r"[^\n\x00]+")
_TICKS = re.compile(r"`+")
_TICKS_OR_COMMENT = re.compile(r"`+|<!--")

# A `[`, `![` or `[[` not escaped by an odd number of backslashes is found by
# searching for the bracket and then counting backslashes (see _escaped).
_LABEL = r"(?:[^\[\]\\\x00]|\\[^\x00]|\[(?:[^\[\]\\\x00]|\\[^\x00])*\])*"
_DEST_CHAR = r"(?:[^\s()\\\x00]|\\[^\s\x00])"
_DEST = rf"(?:<[^<>\n\x00]*>|(?:{_DEST_CHAR}|\({_DEST_CHAR}*\))+)"
_TITLE = r"(?:\"[^\"\x00]*\"|'[^'\x00]*'|\([^()\x00]*\))"
_BRACKETS = re.compile(
    r"(?P<wiki>\[\[(?P<winner>[^\[\]\x00]*)\]\])"
    rf"|(?P<link>\[(?P<label>{_LABEL})\]\([ \t\n]*(?:(?P<dest>{_DEST})(?:[ \t\n]+{_TITLE})?[ \t\n]*)?\))"
    r"|(?P<cite>\[(?P<cinner>[^\[\]\x00]*)\])"
)
_BRACKET_START = re.compile(r"\[")
_REFDEF = re.compile(
    r"(?:(?<=[\n\x00])|\A)[ ]{0,3}(?P<open>\[)(?P<id>[^\[\]\x00\n^][^\[\]\x00\n]*)\]:[ \t]*(?:\n[ \t]*)?"
    rf"(?P<dest><[^<>\n\x00]*>|[^\s\x00]+)(?:[ \t\n]+{_TITLE})?[ \t]*(?=[\n\x00]|\Z)"
)
_CITE_KEY = re.compile(r"(?<![\w@])@(\w(?:[\w.:\-]*[\w\-])?)")
_ANGLE = re.compile(
    r"<(?:(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>\x00]*)>"
    r"|(?P<mail>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
    r"|(?P<html>/?[A-Za-z]|![A-Za-z]|!\[CDATA\[|\?))"
)
# The forms the brief names ({: ...}, {#id}, {.class}) and, because
# Python-Markdown's attr_list also accepts them, bare key=value lists
# such as {onclick=...}.
_ATTR = re.compile(r"\{[ \t]*(?::|[#.]|[^\s{}=:\x00]+=)[^{}\n\x00]*\}")
_TRAILING_ATTR = re.compile(r"[ \t]*\{[ \t]*(?::|[#.]|[^\s{}=:]+=)[^{}\n]*\}[ \t]*$")
_WS = re.compile(r"\s+")


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


# ----------------------------------------------------------------------------- code spans


def _inline_code(text: str, pm: bool) -> list[tuple[int, int]]:
    """Code spans and one-line HTML comments in ``text``, as sorted (start, end).

    ``text`` has its block boundaries marked with ``"\\x00"``; nothing pairs
    across one. With ``pm=False`` backtick runs pair as in CommonMark (a run
    closes only on the next run of the same length). With ``pm=True`` they
    pair as Python-Markdown 3.11 pairs them: failing an equal run, an opener
    pairs with the first of the longest later runs if that is shorter.

    A comment must close on its own line here: Python-Markdown renders a
    comment that spans lines inside a paragraph, but not one that spans a
    blank line or a heading, so a one-line rule is the simple safe one.
    (Comments that start a line are handled by the line pass.)
    """
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    if not runs and "<!--" not in text:
        return []
    # Segment index of each run, for "must close before the block ends".
    zeros = [m.start() for m in re.finditer(_SEP, text)]
    seg_end_of_run: list[int] = []
    zi = 0
    nz = len(zeros)
    for s, _ in runs:
        while zi < nz and zeros[zi] < s:
            zi += 1
        seg_end_of_run.append(zeros[zi] if zi < nz else len(text))
    run_index = {s: k for k, (s, _) in enumerate(runs)}
    by_len: dict[int, list[int]] = {}
    for s, e in runs:
        by_len.setdefault(e - s, []).append(s)
    ptr = dict.fromkeys(by_len, 0)

    def next_run(length: int, pos: int, limit: int) -> int:
        lst = by_len.get(length)
        if not lst:
            return -1
        i = ptr[length]
        n = len(lst)
        while i < n and lst[i] < pos:
            i += 1
        ptr[length] = i
        return lst[i] if i < n and lst[i] < limit else -1

    later_max: list[int] = []
    if pm:
        # later_max[k]: longest run after run k in the same block.
        later_max = [0] * len(runs)
        best = 0
        for k in range(len(runs) - 1, -1, -1):
            later_max[k] = best
            if k and seg_end_of_run[k - 1] != seg_end_of_run[k]:
                best = 0
            else:
                best = max(best, runs[k][1] - runs[k][0])

    close, bang = _Next(text, "-->"), _Next(text, "--!>")
    newline, sep = _Next(text, "\n"), _Next(text, _SEP)
    spans: list[tuple[int, int]] = []
    pos = 0
    search = _TICKS_OR_COMMENT.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        s, e = m.span()
        if text[s] == "<":
            end = _comment_end(text, s, close, bang)
            nl, sp = newline.find(s), sep.find(s)
            line_end = min(x for x in (nl, sp, len(text)) if x != -1)
            if end != -1 and end <= line_end:
                spans.append((s, end))
                pos = end
            else:
                pos = s + 4
            continue
        op = s + 1 if _escaped(text, s) else s
        length = e - op
        pos = e
        if length == 0:
            continue
        k = run_index[s]
        limit = seg_end_of_run[k]
        c = next_run(length, e, limit)
        if c != -1:
            spans.append((op, c + length))
            pos = c + length
        elif pm and 0 < later_max[k] < length:
            shorter = later_max[k]
            c = next_run(shorter, e, limit)
            if c != -1:
                spans.append((op, c + shorter))
                pos = c + shorter
    return spans


# ----------------------------------------------------------------------------- heading text

try:  # Python-Markdown's own patterns, so heading text matches what it renders
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

_H_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!")
_H_ESCAPE = re.compile(r"\\(.)")
_H_PLACEHOLDER = re.compile("\x02(\\d+)\x03")
_H_WIKI = re.compile(r"\[\[([^\[\]]*)\]\]")
_H_LINK = re.compile(
    r"(?P<img>!?)\[(?P<label>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"(?:(?P<inline>\(\s*(?:<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\))"
    r"|(?P<refpart>\s?\[(?P<ref>[^\]]*)\]))?"
)
# Python-Markdown's emphasis delimiters (inlinepatterns.Delimiter): `*` "dumb", `_` "smart".
_H_DELIMS = {
    "*": re.compile(
        r"(?P<ambiguous>(?<!^)(?<![\s*])\*+(?![\s*])(?!$))"
        r"|(?P<end>(?<!^)(?<![\s*])\*+)"
        r"|(?P<start>\*+(?![\s*])(?!$))"
    ),
    "_": re.compile(
        r"(?P<ambiguous>(?<!^)(?<![\s_])(?<![\w_])_+(?![\w_])(?![\s_])(?!$))"
        r"|(?P<end>(?<!^)(?<![\s_])_+(?![\w_]))"
        r"|(?P<start>(?<![\w_])_+(?![\s_])(?!$))"
    ),
}


def _delimiters_used(s: str, token: str, used: bytearray) -> None:
    """Mark in ``used`` the ``token`` characters that pair as emphasis.

    A simplified form of Python-Markdown's delimiter algorithm: runs that can
    open go on a stack, runs that can close consume openers from the top.
    It ignores the "rule of 3", which only matters for contrived runs.
    """
    rx = _H_DELIMS[token]
    stack: list[list[int]] = []  # [inner end of opener, remaining length]
    i = s.find(token)
    n = len(s)
    while i != -1:
        j = i
        while j < n and s[j] == token:
            j += 1
        m = rx.match(s, i)
        if m is not None:
            kind = m.lastgroup
            rs, re_ = m.span()
            left = re_ - rs
            if kind != "start" and stack:
                c = rs
                while left and stack:
                    top = stack[-1]
                    k = min(top[1], left)
                    used[top[0] - k : top[0]] = b"\x01" * k
                    used[c : c + k] = b"\x01" * k
                    top[0] -= k
                    top[1] -= k
                    c += k
                    left -= k
                    if not top[1]:
                        stack.pop()
                if left and kind == "ambiguous":
                    stack.append([re_, left])
            elif kind != "end":
                stack.append([re_, left])
            j = max(j, re_)
        i = s.find(token, j)


def _strip_emphasis(s: str) -> str:
    if "*" not in s and "_" not in s:
        return s
    used = bytearray(len(s))
    _delimiters_used(s, "*", used)
    _delimiters_used(s, "_", used)
    return "".join(ch for ch, u in zip(s, used) if not u)


def _code_intervals_in_line(s: str) -> list[tuple[int, int]]:
    return _inline_code(s, pm=True)


def _plain(raw: str, refs: set[str], depth: int = 0) -> str:
    """Heading source -> the plain text Python-Markdown's toc slugifies.

    The toc extension takes the rendered inner HTML, strips tags, unescapes
    entities and slugifies. Emulated here: code spans keep their content
    verbatim, links keep their label, images and tags vanish, entities are
    decoded, escapes resolved, and emphasis markers that pair are dropped.
    """
    raw = raw.replace("\x02", "").replace("\x03", "")
    store: list[str] = []

    def ph(value: str) -> str:
        store.append(value)
        return f"\x02{len(store) - 1}\x03"

    spans = _code_intervals_in_line(raw)
    if spans:
        parts: list[str] = []
        last = 0
        for a, b in spans:
            parts.append(raw[last:a])
            chunk = raw[a:b]
            if chunk.startswith("<!--"):
                parts.append(ph(""))
            else:
                ticks = len(chunk) - len(chunk.lstrip("`"))
                parts.append(ph(chunk[ticks : len(chunk) - ticks].strip()))
            last = b
        parts.append(raw[last:])
        raw = "".join(parts)

    raw = _H_ESCAPE.sub(lambda m: ph(m.group(1)) if m.group(1) in _H_ESCAPABLE else m.group(0), raw)

    def sub_plain(text: str) -> str:
        return _plain(text, refs, depth + 1) if depth < 3 else text

    def wiki(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        return ph(sub_plain(label.strip() or target.partition("#")[0].strip()))

    raw = _H_WIKI.sub(wiki, raw)

    def link(m: re.Match[str]) -> str:
        image = bool(m.group("img"))
        label = m.group("label")
        if m.group("inline") is None:
            ref = m.group("ref") if m.group("refpart") is not None else None
            key = _WS.sub(" ", ref or label).strip().lower()
            if key not in refs:
                return m.group(0)  # Python-Markdown leaves an undefined reference as text
        return ph("") if image else ph(sub_plain(label))

    if "[" in raw:
        raw = _H_LINK.sub(link, raw)
    if "<" in raw:
        raw = _H_AUTOLINK.sub(lambda m: ph(m.group(1)), raw)
        raw = _H_AUTOMAIL.sub(lambda m: ph(m.group(1).removeprefix("mailto:")), raw)
        raw = _H_HTML.sub(lambda m: ph(""), raw)
    if "&" in raw:
        raw = _H_ENTITY.sub(lambda m: ph(_html.unescape(m.group(1))), raw)
    raw = _strip_emphasis(raw)
    if store:
        raw = _H_PLACEHOLDER.sub(lambda m: store[int(m.group(1))], raw)
    return " ".join(raw.split())


def _make_unique() -> Callable[[str, set[str], dict[str, int]], str]:
    try:
        _toc_unique("x", {"x"}, {})
    except TypeError:  # Markdown < 3.11: no counters cache (quadratic on many duplicates)
        return lambda id_, ids, counters: _toc_unique(id_, ids)
    return _toc_unique


_unique = _make_unique()

# ----------------------------------------------------------------------------- the scanner


class _Scanner:
    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.body_line = body_line
        self.line_starts: list[int] = [0]

    # -- positions

    def pos(self, offset: int) -> Position:
        i = bisect_right(self.line_starts, offset) - 1
        if i < 0:
            i = 0
        return Position(self.body_line + i, offset - self.line_starts[i] + 1)

    # -- pass 1: blocks

    def blocks(self) -> None:
        """Classify lines; fill the lists the later passes need."""
        body = self.body
        lines = body.split("\n")
        starts = self.line_starts = []
        off = 0
        for ln in lines:
            starts.append(off)
            off += len(ln) + 1

        nlines = len(lines)
        joins = [False] * nlines  # joins[i]: the newline ending line i is inside a paragraph
        blank_both: list[tuple[int, int]] = []  # code/comments in both readings
        a_only: list[tuple[int, int]] = []  # fenced code that Python-Markdown renders as text
        headings: list[tuple[int, int, str]] = []  # (level, offset of marker, raw text)
        close, bang = _Next(body, "-->"), _Next(body, "--!>")

        TEXT, BLANK, OTHER = 0, 1, 2
        prev = BLANK  # the body starts like after a blank line
        prev_block_start = False  # was the previous TEXT line the first of a block
        in_list = False
        in_icode = False
        comment_end = -1
        fence: tuple[str, int, int, int, bool] | None = None  # char, length, first line, indent, info ok
        i = 0
        while i < nlines:
            ln = lines[i]
            s = starts[i]
            e = s + len(ln)

            if fence is not None:
                char, flen, first, findent, info_ok = fence
                stripped = ln.lstrip(" \t")
                ind = len(ln) - len(stripped)
                m = _FENCE_CLOSE.match(stripped) if stripped[:1] == char else None
                if m and ind <= (7 if in_list else 3) and len(m.group(1)) >= flen and m.group(1)[0] == char:
                    body_text = body[starts[first + 1] if first + 1 < nlines else e : s]
                    exact = ind == 0 and findent == 0 and m.group(1) == char * flen and "\t" not in ln
                    no_blank = all(x.strip() for x in lines[first + 1 : i])
                    pm_ok = exact and (info_ok or (char == "`" and no_blank and "```" not in body_text))
                    self._fence_done(first, i, pm_ok, lines, joins, blank_both, a_only)
                    fence = None
                    prev = OTHER
                i += 1
                continue

            if comment_end > s:
                if comment_end >= e:
                    prev = OTHER
                    i += 1
                    continue
                # A comment block ends on this line; the rest is a new paragraph.
                if body[comment_end:e].strip():
                    prev, prev_block_start = TEXT, True
                else:
                    prev = OTHER
                i += 1
                continue

            stripped = ln.lstrip(" \t")
            if not stripped or stripped == "\r":
                prev = BLANK
                i += 1
                continue
            ind = len(ln) - len(stripped)
            if "\t" in ln[:ind]:
                col = 0
                for ch in ln[:ind]:
                    col = col + 4 - col % 4 if ch == "\t" else col + 1
                ind = col
            after_blank = prev == BLANK
            code_indent = 8 if in_list else 4

            # Indented code cannot interrupt a paragraph (that is a continuation line).
            if ind >= code_indent and (prev != TEXT or in_icode):
                in_icode = True
                blank_both.append((s, e))
                prev = OTHER
                i += 1
                continue
            in_icode = False

            first = stripped[0]
            is_item = False
            if first in "-*+0123456789":
                is_item = _LIST_ITEM.match(ln) is not None and not _HR.match(ln)
            if is_item:
                in_list = True
            elif in_list and after_blank and ind == 0:
                in_list = False

            # Fenced code.
            if first in "`~" and ind <= (7 if in_list else 3):
                m = _FENCE_OPEN.match(stripped)
                if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                    info_ok = _PM_FENCE_INFO.match(m.group(2)) is not None
                    fence = (m.group(1)[0], len(m.group(1)), i, ind, info_ok)
                    i += 1
                    continue

            # A comment that starts a line: Python-Markdown passes it through
            # as a block, however many lines (even blank ones) it spans.
            if first == "<" and ind <= 3 and stripped.startswith("<!--"):
                cs = s + (len(ln) - len(stripped))
                end = _comment_end(body, cs, close, bang)
                if end != -1:
                    blank_both.append((cs, end))
                    if end <= e:
                        comment_end = end
                        continue  # re-read this line as "comment ends here"
                    comment_end = end
                    prev = OTHER
                    i += 1
                    continue

            heading_indent_ok = ind == 0 or (in_list and ind % 4 == 0)

            # ATX heading, also inside a block quote.
            atx_line = stripped
            if first == ">":
                q = _QUOTE_PREFIX.match(ln)
                atx_line = ln[q.end() :] if q else stripped
                heading_indent_ok = True
            if atx_line[:1] == "#" and heading_indent_ok:
                m = _ATX.match(atx_line)
                if m:
                    marker = s + len(ln) - len(atx_line)
                    headings.append((len(m.group(1)), marker, _atx_text(m.group(2) or "")))
                    prev = OTHER
                    i += 1
                    continue

            # Setext underline: Python-Markdown only makes a heading of the
            # first line of a block, and reads this before lists and quotes.
            if (
                first in "=-"
                and ind == 0
                and prev == TEXT
                and prev_block_start
                and _SETEXT_UNDERLINE.match(stripped)
            ):
                t = lines[i - 1]
                t_stripped = t.strip(" \t\r")
                marker = starts[i - 1] + len(t) - len(t.lstrip(" \t"))
                headings.append((1 if first == "=" else 2, marker, t_stripped))
                if i >= 2:
                    joins[i - 2] = False
                prev = OTHER
                i += 1
                continue

            if first in "-*_" and _HR.match(ln):
                prev = OTHER
                i += 1
                continue

            # A paragraph (or list item, quote, table row) line. A list item
            # does not start a block for Python-Markdown's setext rule, but its
            # inline content is separate from the line before.
            if prev == TEXT and not is_item:
                joins[i - 1] = True
            prev_block_start = prev != TEXT
            prev = TEXT
            i += 1

        if fence is not None:
            char, flen, first, findent, info_ok = fence
            self._fence_done(first, nlines, False, lines, joins, blank_both, a_only)

        self.lines = lines
        self.joins = joins
        self.blank_both = sorted(blank_both)
        self.a_only = a_only
        self.headings_raw = headings

    def _fence_done(self, first: int, last: int, pm_ok: bool, lines: list[str], joins: list[bool],
                    blank_both: list[tuple[int, int]], a_only: list[tuple[int, int]]) -> None:
        """Record fenced code from line ``first`` to ``last`` (inclusive; may be past the end)."""
        starts = self.line_starts
        s = starts[first]
        stop = min(last, len(lines) - 1)
        e = starts[stop] + len(lines[stop])
        if pm_ok:
            blank_both.append((s, e))
            return
        a_only.append((s, e))
        # To Python-Markdown these lines are paragraphs: let their newlines
        # join so its reading pairs backticks across them as it would.
        for k in range(first, stop):
            if lines[k].strip() and lines[k + 1].strip():
                joins[k] = True

    # -- the working copies

    def copies(self) -> None:
        lines = self.lines
        joins = self.joins
        parts: list[str] = []
        last = len(lines) - 1
        for k, ln in enumerate(lines):
            if ln.endswith("\r"):
                ln = ln[:-1] + " "
            parts.append(ln)
            if k != last:
                parts.append("\n" if joins[k] else _SEP)
        m0 = _blanked("".join(parts), self.blank_both)
        # The CommonMark reading: every fence is code.
        ma_blocks = _blanked(m0, self.a_only)
        cm_spans = _inline_code(ma_blocks, pm=False)
        self.ma = _blanked(ma_blocks, cm_spans)
        # The Python-Markdown reading, only used for raw HTML; mostly identical.
        self.mb = None
        if self.a_only or "`" in m0:
            pm_spans = _inline_code(m0, pm=True)
            if self.a_only or pm_spans != cm_spans:
                self.mb = _blanked(m0, pm_spans)

    # -- pass 3: inline constructs

    def run(self, out: BodyScan) -> None:
        self.blocks()
        self.copies()
        body, ma = self.body, self.ma
        dests: list[tuple[int, int]] = []  # link destinations: not autolinks, not HTML
        refs: set[str] = set()

        defs: list[tuple[int, Link]] = []
        for m in _REFDEF.finditer(ma):
            s = m.start("open")
            if _escaped(ma, s):
                continue
            dest = body[m.start("dest") : m.end("dest")]
            dests.append((m.start("dest"), m.end("dest")))
            refs.add(_WS.sub(" ", m.group("id")).strip().lower())
            target, anchor = _split_url(dest[1:-1] if dest.startswith("<") else dest)
            defs.append((s, Link(target, anchor, m.group("id").strip(), s, m.end(), self.pos(s), wiki=False)))
        def_starts = {s for s, _ in defs}

        links: list[tuple[int, Link]] = list(defs)
        # After a link, its label is scanned too (an image inside a link, a
        # citation in a label) before scanning resumes after the link.
        resume: list[tuple[int, int]] = []
        pos, limit = 0, len(ma)
        search = _BRACKET_START.search
        match = _BRACKETS.match
        while True:
            b = search(ma, pos, limit)
            if b is None:
                if not resume:
                    break
                pos, limit = resume.pop()
                continue
            s = b.start()
            m = None if _escaped(ma, s) else match(ma, s, limit)
            if m is None:
                pos = s + 1
            elif m.group("wiki") is not None:
                inner = body[m.start("winner") : m.end("winner")]
                target, _, label = inner.partition("|")
                target, _, anchor = target.partition("#")
                links.append((s, Link(" ".join(target.split()), anchor.strip(), label.strip(),
                                      s, m.end(), self.pos(s), wiki=True)))
                pos = m.end()
            elif m.group("link") is not None:
                image = s > 0 and ma[s - 1] == "!" and not _escaped(ma, s - 1)
                start = s - 1 if image else s
                dest_s, dest_e = m.span("dest")
                dest = body[dest_s:dest_e] if dest_s != -1 else ""
                if dest_s != -1:
                    dests.append((dest_s, dest_e))
                if dest.startswith("<") and dest.endswith(">"):
                    dest = dest[1:-1]
                target, anchor = _split_url(dest)
                label = body[m.start("label") : m.end("label")].strip()
                links.append((start, Link(target, anchor, label, start, m.end(), self.pos(start),
                                          wiki=False, image=image)))
                resume.append((m.end(), limit))
                pos, limit = m.start("label"), m.end("label")
            else:
                group = None if s in def_starts else self._citation(m)
                if group is not None:
                    out.citations.append(group)
                    pos = m.end()
                else:
                    pos = s + 1  # a construct may still start inside these brackets

        # Autolinks and raw HTML.
        dests.sort()
        html_at: dict[int, None] = {}
        for text, is_a in ((ma, True), (self.mb, False)):
            if text is None:
                continue
            di = 0
            nd = len(dests)
            for m in _ANGLE.finditer(text):
                s = m.start()
                while di < nd and dests[di][1] <= s:
                    di += 1
                if di < nd and dests[di][0] <= s:
                    continue
                if m.lastgroup == "html":
                    html_at[s] = None
                elif is_a:
                    if m.lastgroup == "auto":
                        url = m.group("auto")
                        target, anchor = _split_url(url)
                    else:
                        url = m.group("mail")
                        target, anchor = "mailto:" + url, ""
                    links.append((s, Link(target, anchor, url, s, m.end(), self.pos(s), wiki=False)))
        for s in sorted(html_at):
            out.html.append(RawHtml(_snippet_tag(body, s), self.pos(s)))

        links.sort(key=lambda x: x[0])
        out.links.extend(link for _, link in links)

        for m in _ATTR.finditer(ma):
            s = m.start()
            if _escaped(ma, s):
                continue
            out.attr_lists.append(RawHtml(_snippet(body[s : m.end()]), self.pos(s)))

        ids: set[str] = set()
        counters: dict[str, int] = {}
        for level, marker, raw in self.headings_raw:
            text = _plain(raw, refs)
            anchor = _unique(_toc_slugify(text, "-"), ids, counters)
            out.headings.append(Heading(level, text, anchor, self.pos(marker)))

    def _citation(self, m: re.Match[str]) -> CitationGroup | None:
        """The citation group in the single-bracket match ``m``, if it is one."""
        ma = self.ma
        end = m.end()
        if ma.startswith("(", end):
            return None  # [@key](url) is a link whose label failed to parse as one
        inner_s = m.start("cinner")
        inner = m.group("cinner")
        if "@" not in inner:
            return None
        if "\n" in inner and _blank_line_in(inner):
            return None
        items: list[CitationItem] = []
        off = 0
        for part in inner.split(";"):
            keys = list(_CITE_KEY.finditer(part))
            if len(keys) != 1:
                return None
            k = keys[0]
            rest_s = inner_s + off + k.end()
            rest = self.body[rest_s : inner_s + off + len(part)]
            rest = rest.strip()
            if rest.startswith(","):
                rest = rest[1:].strip()
            at = inner_s + off + k.start()
            items.append(CitationItem(k.group(1), " ".join(rest.split()), self.pos(at)))
            off += len(part) + 1
        s = m.start()
        return CitationGroup(items, s, end, self.pos(s))


def _blank_line_in(text: str) -> bool:
    return re.search(r"\n[ \t]*\n", text) is not None


def _atx_text(raw: str) -> str:
    """ATX heading content without its closing ``#`` run, as Python-Markdown reads it."""
    raw = raw.rstrip(" \t\r")
    stripped = raw.rstrip("#")
    if len(stripped) != len(raw) and not _escaped(raw, len(stripped)):
        raw = stripped
    m = _TRAILING_ATTR.search(raw)
    if m:
        raw = raw[: m.start()]
    return raw.strip()


def _split_url(url: str) -> tuple[str, str]:
    target, _, anchor = url.partition("#")
    return target, anchor


def _snippet(text: str) -> str:
    return " ".join(text[:80].split("\n")).replace("\r", " ").replace("\t", " ")


def _snippet_tag(body: str, s: int) -> str:
    window = body[s : s + 80]
    close = window.find(">")
    return _snippet(window[: close + 1] if close != -1 else window)

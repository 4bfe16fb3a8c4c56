"""What one line, or a line and the next, is to Python-Markdown's block parser.

The classifiers the line pass (:mod:`ossref.load.scan.blocks`) asks about a
line: the patterns of fences, headings, rules, list items, quotes,
containers and reference definitions; whether a line ends the paragraph
before it (:func:`_pm_interrupts`); how many lines a reference definition
takes (:func:`_def_span`); whether two lines start a table
(:func:`_table_start`); an ATX heading's text (:func:`_atx_text`); and
whether an offset is inside an HTML comment Python-Markdown's HTML parser
still holds open (:class:`_OpenComments`). Each is pure and reads a bounded
window (the line, the next one or two) except :class:`_OpenComments`, which
is linear over a series of increasing queries.
"""

from __future__ import annotations

import re

from ossref.load.scan.base import _Next, _comment_end, _escaped

_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ \t]*\r?$")
# Python-Markdown's fenced_code accepts only these info strings (see its FENCED_BLOCK_RE).
_PM_FENCE_INFO = re.compile(
    r"[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=([\"'])[^\n]*?\1[ ]*)?)\r?$"
)
# Python-Markdown's (HashHeaderProcessor): no space needed after the "#"s,
# and a seventh "#" is text.
_ATX = re.compile(r"(#{1,6})(.*?)[ \t]*\r?$")
# Block quote and list item markers as Python-Markdown reads them before a
# heading in a list item: "1)" starts no list, a tab after the marker none.
_PM_ITEM_PREFIX = re.compile(r"(?:[ ]{0,3}(?:[*+-]|[0-9]+\.)[ ]+)+")
_SETEXT_UNDERLINE = re.compile(r"[=-]+[ \t]*\r?$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*\r?$")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|\r?$)")
_QUOTE_PREFIX = re.compile(r"(?: {0,3}>[ ]?)+")
# A reference definition on one line (its URL may follow on the next), as
# Python-Markdown's ReferenceProcessor matches it, after any block quote or
# list markers: it splits the paragraph around the definition.
_DEF_BODY = (
    r" {0,3}\[[^\[\]\n]*\]:[ \t]*(?:(?P<url>[^\s]+)[ \t]*(?P<title>\"[^\"\n]*\"|'[^'\n]*'|\([^\n]*\))?[ \t]*)?\r?$"
)
# After block quote markers; or quote and list markers, on a line that starts a list item.
_DEF_LINE = re.compile(r"(?:[ \t]*>)*" + _DEF_BODY)
_DEF_LINE_ITEM = re.compile(r"(?:[ \t]*(?:>|[-*+][ \t]|[0-9]{1,9}[.)][ \t]))*" + _DEF_BODY)
_DEF_URL_LINE = re.compile(r"[ \t>]*[^\s]+[ \t]*(?P<title>\"[^\"\n]*\"|'[^'\n]*'|\([^\n]*\))?[ \t]*\r?$")
_DEF_TITLE_LINE = re.compile(r"[ \t>]*(?:\"[^\"\n]*\"|'[^'\n]*'|\([^\n]*\))[ \t]*\r?$")
_NEXT_HEADING = re.compile(r"(?:>[ ]?)*#")
_DD_START = re.compile(r" {0,3}:[ \t]+(?=\[)")
_DD_HEADING = re.compile(r" {0,3}:[ \t]+(?=#)")
# Lines that open a block whose body Python-Markdown reads indented by four
# more columns, even after blank lines: admonitions (!!!), details (???),
# footnote definitions and definitions (def_list).
_CONTAINER_OPEN = re.compile(r"(?:!!! ?|\?\?\?\+? ?)[\w\-]|\[\^[^\]\n]*\]:|:[ \t]")
#: A line starting with none of these (after indentation) is plain paragraph text.
_SPECIAL_FIRST = frozenset("-*+_=#>`~<0123456789")
_TRAILING_ATTR = re.compile(r"[ \t]*\{[ \t]*(?::|[#.]|[^\s{}=:]+=)[^{}\n]*\}[ \t]*$")


_PARSER_COMMENT_CLOSE = re.compile(r"--\s*>")


class _OpenComments:
    """Whether an offset lies inside an HTML comment opened earlier, as the
    HTML parser Python-Markdown runs over the whole text before the block
    parser (markdown.htmlparser) sees comments: every "<!--" outside fenced
    code opens one, wherever it stands, and it runs to the later of the
    browser's end and the parser's ("--", spaces, ">"). A line-start "<!--"
    inside one is no block of its own: the lines after it stay paragraph
    text. Queries must come in increasing order; linear in total."""

    def __init__(self, body: str, close: _Next, bang: _Next) -> None:
        self.body = body
        self.close, self.bang = close, bang
        self.opens = [m.start() for m in re.finditer("<!--", body)] if "<!--" in body else []
        self.k = 0
        self.until = -1  # end of the last comment opened so far
        self.f = 0  # fenced code already passed, in blank_both

    def covers(self, offset: int, fenced: list[tuple[int, int]]) -> bool:
        opens, body = self.opens, self.body
        while self.k < len(opens) and opens[self.k] < offset:
            q = opens[self.k]
            self.k += 1
            if q < self.until or self._in(q, fenced):
                continue
            end = _comment_end(body, q, self.close, self.bang)
            m = _PARSER_COMMENT_CLOSE.search(body, q + 4)
            parser_end = m.end() if m else len(body)
            self.until = max(end if end != -1 else len(body), parser_end)
        return offset < self.until

    def _in(self, q: int, fenced: list[tuple[int, int]]) -> bool:
        while self.f < len(fenced) and fenced[self.f][1] <= q:
            self.f += 1
        return self.f < len(fenced) and fenced[self.f][0] <= q


try:
    from markdown.util import BLOCK_LEVEL_ELEMENTS as _PM_BLOCK_LEVEL
except ImportError:  # pragma: no cover - Markdown without it
    _PM_BLOCK_LEVEL = ["div", "p", "pre", "table", "blockquote", "details", "ul", "ol", "dl", "h1", "h2", "h3"]
_PM_BLOCK_TAGS = frozenset(_PM_BLOCK_LEVEL)
_PM_TAG_START = re.compile(r"</?([A-Za-z][A-Za-z0-9\-]*)")
_FOOTNOTE_DEF = re.compile(r"\[\^[^\]\n]*\]:")


def _pm_interrupts(line: str) -> bool:
    """Whether Python-Markdown may end a paragraph before ``line``: a blank
    line, or one that starts a block its processors find anywhere in a block
    (heading, rule, quote, fence, block-level HTML, definitions, footnotes,
    admonitions), or a setext underline. List items do not: they only start
    a block."""
    stripped = line.lstrip(" \t")
    if not stripped.strip():
        return True
    if len(line) - len(stripped) > 3:
        return False
    c = stripped[0]
    if c == "#":  # Python-Markdown: only in the first column
        return line[:1] == "#"
    if c in "-*_" and _HR.match(line):
        return True
    if c in "=-":  # a setext underline, when the line before starts its block
        return _SETEXT_UNDERLINE.match(stripped) is not None
    if c == ">":
        return True
    if c in "`~":
        m = _FENCE_OPEN.match(stripped)
        return (m is not None and not (m.group(1)[0] == "`" and "`" in m.group(2))
                and _PM_FENCE_INFO.match(m.group(2)) is not None)
    if c == "<":
        if stripped.startswith("<!--"):
            return True
        m = _PM_TAG_START.match(stripped)
        return m is not None and m.group(1).lower() in _PM_BLOCK_TAGS
    if c == "[":
        return _FOOTNOTE_DEF.match(stripped) is not None or _DEF_LINE.match(line) is not None
    if c in "!?:":
        return _CONTAINER_OPEN.match(stripped) is not None
    return False


def _def_span(lines: list[str], i: int, col: int, item: bool = False, block_start: bool = False) -> int:
    """How many lines, from ``lines[i]``, a reference definition takes (0: it
    is not one), as Python-Markdown matches it: URL on the line or the next,
    a title on the same line as the URL or the next. ``item``: the line
    starts a list item (else list markers are text before the "[").
    ``block_start``: the line starts a block, where a setext underline on
    the next line makes it a heading instead (Python-Markdown tries that first)."""
    m = (_DEF_LINE_ITEM if item else _DEF_LINE).match(lines[i], col)
    if m is None:
        return 0
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if block_start and nxt is not None and nxt[:1] in ("=", "-") and _SETEXT_UNDERLINE.match(nxt):
        return 0
    if m.group("url") is None and nxt is not None and _NEXT_HEADING.match(nxt):
        return 0  # Python-Markdown splits the block at a "#" line first
    if m.group("url") is None:
        u = _DEF_URL_LINE.match(nxt) if nxt is not None else None
        if u is None:
            return 0
        if u.group("title") is None and i + 2 < len(lines) and _DEF_TITLE_LINE.match(lines[i + 2]):
            return 3
        return 2
    if m.group("title") is None and nxt is not None and _DEF_TITLE_LINE.match(nxt):
        return 2
    return 1


def _table_cells(row: str) -> list[str]:
    row = row.strip(" \t\r")
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return row.split("|")


def _table_start(header: str, separator: str) -> bool:
    """Whether Python-Markdown's tables extension reads these two lines as a table's start."""
    sep = separator.strip(" \t\r")
    if not sep or "-" not in sep or set(sep) - set("|:- \t"):
        return False
    head = _table_cells(header)
    if len(head) < 2 and not (header.strip().startswith("|") or header.rstrip(" \t\r").endswith("|")):
        return False
    return len(_table_cells(separator)) == len(head)


def _atx_text(raw: str) -> str:
    """ATX heading content without its closing ``#`` run, as Python-Markdown reads it."""
    raw = raw.rstrip(" \t\r")
    stripped = raw.rstrip("#")
    if len(stripped) != len(raw):
        # An escaped "#" is text; the run after it still closes the heading.
        raw = stripped + "#" if _escaped(raw, len(stripped)) else stripped
    m = _TRAILING_ATTR.search(raw)
    if m:
        raw = raw[: m.start()]
    return raw.strip()

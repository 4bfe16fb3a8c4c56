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

Two readings of the body, on purpose. What counts as code follows
CommonMark (as ossref's rules promise authors); the page is rendered by Python-Markdown,
which disagrees in a few places (an unclosed or indented fence is not code to
it, its code spans pair backticks differently, and it reads HTML comments its
own way). Hiding raw HTML or a script link that the renderer will emit would
defeat the ``raw-html`` and ``unsafe-url`` checks, so raw HTML is reported
when it is outside code in *either* reading, and so is a link whose
destination may render with an unsafe scheme (see :func:`url_scheme` and
:class:`_LinkSweep`). Links, reference definitions, autolinks and headings
that Python-Markdown renders from text that is code only to CommonMark (a
fence that never closes, backticks it pairs otherwise) are reported too, so
that the link checks see every href and anchor the site has; citations
follow the CommonMark reading only.

Link destinations and heading anchors are Python-Markdown's: a link's target
is its href as the browser reads it (backslash escapes resolved, entities
decoded; no CommonMark "(title)"), an autolink needs "scheme://" (``<http:x>``
is a tag), and a line starting with "#" is a heading with or without a space.

Both readings follow Python-Markdown's block structure where it matters for
those two rules: text indented under an admonition, a details block, a
footnote or a definition is text, not indented code; a block quote, a
reference definition, an admonition or a definition splits the paragraph
before it, so backticks do not pair across it.

:func:`complexity` is separate: where Python-Markdown itself would be too
slow on a body, or fail.
"""

from __future__ import annotations

import html as _html
import re
from bisect import bisect_right
from typing import Callable

from markdown.extensions.toc import slugify as _toc_slugify
from markdown.extensions.toc import unique as _toc_unique

from ossref.model import BodyScan, CitationGroup, CitationItem, Heading, Link, MalformedCitation, Position, RawHtml

__all__ = ["SAFE_SCHEMES", "cite_syntax", "scan_body", "url_scheme"]

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
      is reported, except raw HTML and unsafe links that Python-Markdown
      would render (see the module docstring).
    * Results are in body order within each list. Ranges never partly
      overlap, but one may lie inside a link's label: the image in
      ``[![alt](i.png)](page.md)``, a citation in ``[see [@a]](page.md)``.
    * Heading anchors are the ids Python-Markdown's ``toc`` extension gives,
      de-duplicated in order; an attribute list (``{#id}``) never sets one.
    * Links: ``target`` is the URL without its ``#fragment`` and ``anchor``
      the fragment, for every URL; e-mail autolinks get a ``mailto:`` target.
      The URL is the href Python-Markdown renders, as a browser reads it:
      an inline link's backslash escapes resolved, entities decoded.
      Wiki links keep the target as written (whitespace collapsed).
    * Pure, never raises (on an internal error it returns what it found so
      far; that is a bug to report, not a behaviour to rely on), linear time.
    """
    result = BodyScan()
    try:
        _Scanner(body, body_line).run(result)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; see docstring
        pass
    return result


def _scan_strict(body: str, body_line: int) -> BodyScan:
    """:func:`scan_body` letting internal errors propagate, for tests."""
    result = BodyScan()
    _Scanner(body, body_line).run(result)
    return result

# ----------------------------------------------------------------------------- URL schemes

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


# ----------------------------------------------------------------------------- patterns

_SEP = "\x00"  # stands in for a newline that ends a block, in the working copies

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
# Lines that open a block whose body Python-Markdown reads indented by four
# more columns, even after blank lines: admonitions (!!!), details (???),
# footnote definitions and definitions (def_list).
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
_CONTAINER_OPEN = re.compile(r"(?:!!! ?|\?\?\?\+? ?)[\w\-]|\[\^[^\]\n]*\]:|:[ \t]")
#: A line starting with none of these (after indentation) is plain paragraph text.
_SPECIAL_FIRST = frozenset("-*+_=#>`~<0123456789")
_BLANK_RUN = re.compile(r"[^\n\x00]+")
_TICKS = re.compile(r"`+")


def _nested(atom: str, open_: str, close: str, depth: int) -> str:
    """A pattern of ``atom`` characters and balanced ``open_``/``close``
    groups nested up to ``depth`` deep. Its alternatives start with different
    characters, so a match never backtracks between them."""
    inner = f"{atom}*"
    for _ in range(depth):
        inner = f"(?:{atom}|{open_}{inner}{close})*"
    return inner


# Bracket constructs are matched at each "[" found by a plain search; whether
# it is escaped is decided by counting backslashes (_escaped), which a
# lookbehind cannot do. A label may hold brackets nested three deep
# ("[a [b [c [d]]]](x.md)"); Python-Markdown follows any depth (deeper labels
# are left to _LinkSweep, which finds unsafe destinations only).
_LABEL = _nested(r"(?:[^\[\]\\\x00]|\\[^\x00])", r"\[", r"\]", 3)
_DEST_CHAR = r"(?:[^\s()\\\x00]|\\[^\s\x00])"
_PAREN_OPEN, _PAREN_CLOSE = r"\(", r"\)"
_DEST_PARENS = _nested(_DEST_CHAR, _PAREN_OPEN, _PAREN_CLOSE, 1)
_DEST = rf"(?:<[^<>\n\x00]*>|(?:{_DEST_CHAR}|\({_DEST_PARENS}\))+)"
_TITLE = r"(?:\"[^\"\x00]*\"|'[^'\x00]*'|\([^()\x00]*\))"
# A link's destination as CommonMark has it, else anything up to the matching
# parenthesis, spaces included: Python-Markdown renders [a](my page.md) as a
# link. Parentheses may nest two deep: "[a](x(y(z)).md)".
_LOOSE = _nested(r"[^()\x00]", _PAREN_OPEN, _PAREN_CLOSE, 2)
_BRACKETS = re.compile(
    r"(?P<wiki>\[\[(?P<winner>[^\[\]\x00]*)\]\])"
    rf"|(?P<link>\[(?P<label>{_LABEL})\]\("
    rf"(?:[ \t\n]*(?:(?P<dest>{_DEST})(?:[ \t\n]+{_TITLE})?[ \t\n]*)?\)|(?P<loose>{_LOOSE})\)))"
    r"|(?P<cite>\[(?P<cinner>[^\[\]\x00]*)\])"
)
# Python-Markdown's "[a](<url> 'title')" (LinkInlineProcessor.RE_LINK).
_PM_POINTED = re.compile(r"""\s*<([^<>]*)>\s*(?:(?:'[^']*'|"[^"]*")\s*)?$""")
_LOOSE_TITLE = re.compile(r"(?:^|\s+)(?:\"[^\"]*\"|'[^']*')\s*$")
_BRACKET_START = re.compile(r"\[")
_REFDEF_START = re.compile(r"[\n\x00] {0,3}\[")
# Also after block quote and list markers: for text the line pass did not
# read (see _Scanner.a_only).
_REFDEF_START_NESTED = re.compile(r"[\n\x00](?:[ \t>]|[*+-][ \t]|[0-9]{1,9}\.[ \t])*\[")
_REFDEF = re.compile(
    r"(?P<open>\[)(?P<id>(?:[^\[\]\x00\n^][^\[\]\x00\n]*)?)\]:[ \t]*(?:[\n\x00][ \t>]*)?"
    # No space in the destination, even in <...>: Python-Markdown's rule. A
    # definition it rejects is rendered as text, raw HTML included.
    rf"(?P<dest>[^\s\x00]+)(?:[ \t\n\x00]+{_TITLE})?[ \t]*(?=[\n\x00]|\Z)"
)
_ANGLE = re.compile(
    r"<(?:(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>\x00]*)>"
    r"|(?P<mail>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
    r"|(?P<html>/?[A-Za-z]|![A-Za-z]|!\[CDATA\[|\?)"
    # What else Python-Markdown's AUTOMAIL_RE takes: "<(x)@y.org>".
    r"|(?P<pmmail>[^<> !\x00]+@[^@<> \x00]+>))"
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


def _inline_code(text: str, pm: bool, comments: bool = True) -> tuple[list[tuple[int, int]], bool]:
    """Code spans and one-line HTML comments in ``text``, as sorted (start, end).

    Returns the spans and whether some backtick run found no equal run to
    close it (only then can the ``pm`` readings differ).

    ``text`` has its block boundaries marked with ``"\x00"``; nothing pairs
    across one. With ``pm=False`` backtick runs pair as in CommonMark (a run
    closes only on the next run of the same length). With ``pm=True`` they
    pair as Python-Markdown 3.11 pairs them: failing an equal run, an opener
    pairs with the first of the longest later runs if that is shorter, and
    failing that the search resumes as far past the run as the run is long
    (so it may resume inside a later run); and a comment cannot hold "<!--".

    With ``comments=False`` only code spans are found, as Python-Markdown
    finds them in a paragraph before anything else (comments come later, as
    inline HTML).

    A comment must close in its own block: Python-Markdown keeps a comment
    that spans lines of one paragraph, but renders the ``<!--`` of one that
    runs past a blank line or a heading as text, and what follows as Markdown.
    (Comments that start a line are blocks of their own; see the line pass.)
    """
    runs = [m.span() for m in _TICKS.finditer(text)] if "`" in text else []
    comment_at = text.find("<!--") if comments else -1
    if not runs and comment_at == -1:
        return [], False
    nruns = len(runs)
    # End of the block holding each run: a span must close before it.
    seg_end: list[int] = []
    if nruns:
        sep = text.find(_SEP)
        for s, _ in runs:
            while sep != -1 and sep < s:
                sep = text.find(_SEP, s)
            seg_end.append(sep if sep != -1 else len(text))
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
    if pm and nruns:
        # later_max[k]: longest run after run k in the same block.
        later_max = [0] * nruns
        best = 0
        for k in range(nruns - 1, -1, -1):
            later_max[k] = best
            if k and seg_end[k - 1] != seg_end[k]:
                best = 0
            else:
                best = max(best, runs[k][1] - runs[k][0])

    close, bang = _Next(text, "-->"), _Next(text, "--!>")
    sep_next = _Next(text, _SEP)
    spans: list[tuple[int, int]] = []
    unmatched = False
    pos = 0
    k = 0  # next run to consider
    while True:
        # The next token is the earlier of the next run and the next "<!--".
        if pm:  # Python-Markdown may resume inside a run (see below)
            while k < nruns and runs[k][1] <= pos:
                k += 1
        else:
            while k < nruns and runs[k][0] < pos:
                k += 1
        if comment_at != -1 and comment_at < pos:
            comment_at = text.find("<!--", pos)
        run_at = runs[k][0] if k < nruns else -1
        if run_at == -1 and comment_at == -1:
            break
        if pm and run_at != -1 and run_at < pos:
            run_at = pos
        if comment_at != -1 and (run_at == -1 or comment_at < run_at):
            s = comment_at
            if s and text[s - 1] == "\\" and _escaped(text, s):
                pos = s + 1  # "\<!--" is text
                continue
            end = _comment_end(text, s, close, bang)
            block_end = sep_next.find(s)
            if pm and end != -1 and text.find("<!--", s + 4, end) != -1:
                # Python-Markdown's inline comment cannot hold "<!--": it
                # renders this "<!--" as text, and what follows as Markdown.
                end = -1
            if end != -1 and (block_end == -1 or end <= block_end):
                spans.append((s, end))
                pos = end
            else:
                pos = s + 4
            continue
        s, e = runs[k]
        s = max(s, run_at)
        op = s + 1 if _escaped(text, s) else s
        length = e - op
        pos = e
        if length == 0:
            continue
        limit = seg_end[k]
        c = next_run(length, e, limit)
        if c != -1:
            spans.append((op, c + length))
            pos = c + length
            continue
        unmatched = True
        if pm:
            if 0 < later_max[k] < length:
                shorter = later_max[k]
                c = next_run(shorter, e, limit)
                if c != -1:
                    spans.append((op, c + shorter))
                    pos = c + shorter
                    continue
            # Python-Markdown 3.11 (BacktickInlineProcessor.find_code_spans)
            # resumes its search for an opener as many characters after the
            # run as the run is long: "``x```" never pairs its "```", whose
            # first two backticks are skipped. Text it skips cannot open a
            # code span, so raw HTML after it is rendered.
            pos = min(op + 2 * length, limit)
    return spans, unmatched


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

_H_SPECIAL = re.compile(r"[`\\\[<&*_\x02\x03]")
# Python-Markdown's escapable characters; the tables extension adds "|".
_H_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|")
_H_ESCAPE = re.compile(r"\\(.)")
_H_PLACEHOLDER = re.compile("\x02(\\d+)\x03")
_H_WIKI = re.compile(r"\[\[([^\[\]]*)\]\]")
_H_FOOTNOTE = re.compile(r"\[\^([^\]]*)\]")  # Python-Markdown's FOOTNOTE_RE
# A footnote definition's id, at the start of a line after container markers.
_FOOTNOTE_ID = re.compile(r"(?:^|[\n\x00])[ \t>]*\[\^([^\]\n\x00]*)\]:")
_H_LABEL = _nested(r"[^\[\]]", r"\[", r"\]", 3)
_H_PARENS = _nested("[^()]", _PAREN_OPEN, _PAREN_CLOSE, 2)
# Python-Markdown's link patterns (inlinepatterns), in the order it applies
# each to the whole text: reference, link, image, image reference, short
# reference, short image reference; as (pattern, is an image, is a reference).
_H_LINK_PASSES = (
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]\s?\[(?P<id>[^\]]*)\]"), False, True),
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]\({_H_PARENS}\)"), False, False),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]\({_H_PARENS}\)"), True, False),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]\s?\[(?P<id>[^\]]*)\]"), True, True),
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]"), False, True),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]"), True, True),
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
_H_DELIM_CHAR = re.compile(r"[*_]")
_H_DELIM_RUN = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}
#: Longest heading text given the exact emphasis emulation (it copies the
#: text once per emphasis run); beyond it emphasis markers are simply kept.
_H_EMPHASIS_MAX = 10_000


def _rule_of_3(opener: int, closer: int) -> bool:
    return (opener + closer) % 3 == 0 and (opener % 3 != 0 or closer % 3 != 0)


def _emphasis_run(data: str, at: int, used: bytearray) -> int:
    """One pass of Python-Markdown's DelimiterProcessor.handleMatch from ``at``.

    A transcription of its pairing loop (Markdown 3.11) that records which
    delimiter characters pair, in ``used``, instead of building elements.
    Both tokens use ``strong,em`` tags, so ``max_size`` is 2 and ``double`` is
    off, which drops those branches. Returns where the next pass starts.
    """
    stacks: dict[str, list[tuple[int, int, bool, int, int]]] = {"*": [], "_": []}
    regions: list[tuple[int, int, int, int]] = []

    def any_stack(skip: str | None = None) -> bool:
        return any(st for tok, st in stacks.items() if tok != skip)

    def search(start: int) -> re.Match[str] | None:
        while True:
            c = _H_DELIM_CHAR.search(data, start)
            if c is None:
                return None
            i = c.start()
            tok = data[i]
            m = _H_DELIMS[tok].match(data, i)
            if m is not None and not (not stacks[tok] and m.lastgroup == "end"):
                return m
            start = i + 1

    def add_region(a: int, b: int, c: int, d: int) -> None:
        regions.append((a, b, c, d))
        for st in stacks.values():
            while st:
                p = st[-1][0]
                if max(p, a) <= min(p, d - 1):
                    st.pop()
                    continue
                break

    tok = data[at]
    m2 = _H_DELIMS[tok].match(data, at)
    if m2 is None or m2.lastgroup == "end":
        if m2 is None:
            m2 = _H_DELIM_RUN[tok].match(data, at)
        return m2.end() if m2 is not None else at + 1
    stack = stacks[tok]
    start, end = m2.span()
    length = end - start
    stack.append((start, start + length, m2.lastgroup != "start", length, length))

    while any_stack():
        m2 = search(end)
        if m2 is None:
            break
        tok = data[m2.start()]
        stack = stacks[tok]
        start, end = m2.span()
        current = end - start
        is_start = m2.lastgroup != "end"
        is_end = not is_start or m2.lastgroup != "start"
        is_ambiguous = is_start and is_end
        last = stack[-1][-1] if stack else 0

        if stack and is_ambiguous and current != last and _rule_of_3(stack[-1][3], current):
            for i in range(len(stack) - 2, -1, -1):
                if stack[i][-1] == current and not _rule_of_3(stack[i][3], current):
                    last = current
                    break

        if stack and is_end and (
            (current > last and (not is_ambiguous or not _rule_of_3(stack[-1][3], current)))
            or current == last
            or current >= 3
        ):
            is_start = False
            original = current
            while stack and current and last <= current:
                delimiter = stack.pop()
                size = min(delimiter[-1], 1 if delimiter[-1] == 3 else 2)
                add_region(delimiter[1] - size, delimiter[1], start, start + size)
                start += size
                current -= size
                if size < delimiter[-1]:
                    new = delimiter[-1] - size
                    stack.append((delimiter[0], delimiter[1] - size, delimiter[2], delimiter[3], new))
                if not stack:
                    if any_stack(tok):
                        stack.clear()
                        continue
                    is_end = False
                    break
                last = stack[-1][-1]
            if original >= 3 and current and is_ambiguous:
                stack.append((m2.start() + (original - current), end, False, original, current))
                is_end = False
            else:
                is_end = bool(current and stack and last > current)

        if stack and is_end and (last >= 3 or not is_ambiguous) and last > current:
            delimiter = stack.pop()
            while stack and delimiter[-1] != 3 and delimiter[2]:
                delimiter = stack.pop()
                last = delimiter[-1]
            if delimiter[2] and delimiter[-1] != 3:
                if any_stack(tok):
                    stack.clear()
                    continue
                break
            is_start = False
            ds, de = delimiter[0], delimiter[1]
            while current:
                size = min(current, 1 if current == 3 else 2)
                new = last - size
                add_region(ds + new, de, start, start + size)
                start += size
                current -= size
                last -= size
                de -= size
            if last:
                stack.append((ds, de, False, delimiter[3], last))

        if is_start:
            stack.append((start, end, is_ambiguous, current, current))

    if not regions:
        left = sorted(stacks["*"] + stacks["_"])
        return left[-1][1] if left else at + 1
    for a, b, c, d in regions:
        used[a:b] = b"\x01" * (b - a)
        used[c:d] = b"\x01" * (d - c)
    return max(r[3] for r in regions)


def _strip_emphasis(s: str) -> str:
    """``s`` without the ``*``/``_`` that Python-Markdown pairs as emphasis."""
    if ("*" not in s and "_" not in s) or len(s) > _H_EMPHASIS_MAX:
        return s
    used = bytearray(len(s))
    data = s
    pos = 0
    while True:
        c = _H_DELIM_CHAR.search(data, pos)
        if c is None:
            break
        nxt = _emphasis_run(data, c.start(), used)
        if nxt > c.start() and used[nxt - 1]:
            # Python-Markdown continues after a placeholder standing for the
            # emphasis just built; its last character is "\x03".
            data = data[: nxt - 1] + "\x03" + data[nxt:]
        pos = max(nxt, c.start() + 1)
    return "".join(ch for ch, u in zip(s, used) if not u)


def _plain(raw: str, refs: set[str], depth: int = 0, store: list[str] | None = None,
           footnotes: frozenset[str] | set[str] = frozenset()) -> str:
    """Heading source -> the plain text Python-Markdown's toc slugifies.

    The toc extension takes the rendered inner HTML, strips tags, unescapes
    entities and slugifies. Emulated here: code spans keep their content
    verbatim, links keep their label, images, tags and references to the
    ``footnotes`` defined vanish (toc leaves the footnote's number out),
    entities are decoded, escapes resolved, and emphasis markers that pair
    are dropped.
    """
    if not _H_SPECIAL.search(raw):
        return " ".join(raw.split())
    if store is None:
        # Python-Markdown drops these too; here they delimit placeholders.
        raw = raw.replace("\x02", "").replace("\x03", "")
        store = []

    def ph(value: str) -> str:
        store.append(value)
        return f"\x02{len(store) - 1}\x03"

    spans = _inline_code(raw, pm=True, comments=False)[0] if "`" in raw else None
    if spans:
        parts: list[str] = []
        last = 0
        for a, b in spans:
            parts.append(raw[last:a])
            chunk = raw[a:b]
            # The closing run has the opener's length (the opener may be the
            # front part of a longer run, see _inline_code).
            ticks = len(chunk) - len(chunk.rstrip("`"))
            parts.append(ph(chunk[ticks : len(chunk) - ticks].strip()))
            last = b
        parts.append(raw[last:])
        raw = "".join(parts)

    raw = _H_ESCAPE.sub(lambda m: ph(m.group(1)) if m.group(1) in _H_ESCAPABLE else m.group(0), raw)
    if footnotes and "[^" in raw:
        raw = _H_FOOTNOTE.sub(lambda m: ph("") if m.group(1) in footnotes else m.group(0), raw)

    def sub_plain(text: str) -> str:
        return _plain(text, refs, depth + 1, store, footnotes) if depth < 3 else text

    def wiki(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        return ph(sub_plain(label.strip() or target.partition("#")[0].strip()))

    raw = _H_WIKI.sub(wiki, raw)

    if "[" in raw:
        for pattern, image, ref in _H_LINK_PASSES:
            parts = []
            pos = 0
            while True:
                m = pattern.search(raw, pos)
                if m is None:
                    break
                label = m.group("label")
                if ref:
                    # Python-Markdown neither strips the id nor the label here.
                    key = m.group("id") if "id" in pattern.groupindex else ""
                    if _WS.sub(" ", key or label).lower() not in refs:
                        # An undefined reference stays text, and the pattern
                        # goes on after it; later patterns still read it.
                        parts.append(raw[pos : m.end()])
                        pos = m.end()
                        continue
                parts += [raw[pos : m.start()], ph("") if image else ph(sub_plain(label))]
                pos = m.end()
            parts.append(raw[pos:])
            raw = "".join(parts)
    if "<" in raw:
        # An autolink's text keeps its entities; toc decodes them.
        raw = _H_AUTOLINK.sub(lambda m: ph(_html.unescape(m.group(1))), raw)
        raw = _H_AUTOMAIL.sub(lambda m: ph(m.group(1).removeprefix("mailto:")), raw)
        raw = _H_HTML.sub(lambda m: ph(""), raw)
    if "&" in raw:
        raw = _H_ENTITY.sub(lambda m: ph(_html.unescape(m.group(1))), raw)
    raw = _strip_emphasis(raw)
    for _ in range(3):  # a stored text may hold placeholders (an escape in an autolink)
        if not store or "\x02" not in raw:
            break
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
        #: Reference definition ids as Python-Markdown stores them (stripped, lower case).
        self.ref_ids: set[str] = set()
        self._braces: dict[int, int] | None = None  # "{" -> its "}", for @{...} keys
        self._at: _Next | None = None
        #: Bracket groups that hold a key but are no citation, in body order.
        self.malformed: list[MalformedCitation] = []

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
        self.headings_raw = headings
        close, bang = _Next(body, "-->"), _Next(body, "--!>")
        html_open = _OpenComments(body, close, bang)
        self.pm_fences: list[tuple[int, int]] = []  # fenced code to Python-Markdown, in order
        self.fence_after_text = False  # the open fence's line follows paragraph text
        self.terms: list[tuple[int, int]] = []  # (start, end) offsets of lines def_list makes terms
        # (line, column its container's body starts at) of each reference
        # definition, also in block quotes, list items and admonitions.
        self.def_lines: list[tuple[int, int]] = []

        TEXT, BLANK, OTHER = 0, 1, 2
        prev = BLANK  # the body starts like after a blank line
        prev_block_start = False  # was the previous TEXT line the first of a block
        in_list = False
        list_open = False  # the last block is a list, to Python-Markdown's ListIndentProcessor
        list_block = False  # the current block is indented content of that list
        in_quote = False  # the current paragraph is inside a block quote
        block_first = 0  # first line after the last blank line
        unjoined = 0  # lines before this one were made terms already
        icode: list[tuple[int, int]] = []  # the indented-code entries of blank_both
        not_code: set[tuple[int, int]] = set()  # ... that turned out to be definition terms
        containers: list[int] = []  # body indents of open admonitions, footnotes, definitions
        in_icode = False
        in_table = False
        after_quote_heading = False
        prev_quote_heading = False  # the previous TEXT line followed a heading inside a quote
        comment_end = -1
        fence: tuple[str, int, int, int, bool] | None = None  # char, length, first line, indent, info ok
        lead = 0  # the first line that is not empty
        while lead < nlines and not lines[lead]:
            lead += 1
        i = 0
        # A fence Python-Markdown does not take for one (it never closes, or
        # closes otherwise) is code to CommonMark only: its lines are read
        # again from the fence's line, as the paragraph text Python-Markdown
        # makes of them. Once per line at most, so the pass stays linear: no
        # fence opened in lines read again is read a third time.
        reread_end = 0  # lines before this one may have been read twice
        reread_at = -1  # the fence line to read as text this time
        while i < nlines or (fence is not None and fence[2] >= reread_end):
            if i >= nlines:  # the fence never closed
                first = fence[2]
                self._fence_done(first, nlines, False, lines, joins, blank_both, a_only, reread=True)
                fence = None
                i, reread_end, reread_at = first, nlines, first
                continue
            ln = lines[i]
            s = starts[i]
            e = s + len(ln)

            if fence is not None:
                char, flen, first, findent, info_ok = fence
                stripped = ln.lstrip(" \t")
                ind = len(ln) - len(stripped)
                box = containers[-1] if containers and ind >= containers[-1] else 0
                ind -= box
                m = _FENCE_CLOSE.match(stripped) if stripped[:1] == char else None
                if m and ind <= (7 if in_list else 3) and len(m.group(1)) >= flen and m.group(1)[0] == char:
                    body_text = body[starts[first + 1] if first + 1 < nlines else e : s]
                    exact = ind == 0 and findent == 0 and m.group(1) == char * flen and "\t" not in ln
                    no_blank = all(x.strip() for x in lines[first + 1 : i])
                    pm_ok = exact and (info_ok or (char == "`" and no_blank and "```" not in body_text))
                    if not pm_ok and first >= reread_end:
                        self._fence_done(first, i, False, lines, joins, blank_both, a_only, reread=True)
                        fence = None
                        i, reread_end, reread_at = first, i + 1, first
                        continue
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

            quote_heading_before = after_quote_heading
            after_quote_heading = False
            stripped = ln.lstrip(" \t")
            if ln and i == lead and (not stripped or stripped == "\r") and len(ln.expandtabs(4).rstrip("\r")) < 4:
                # Python-Markdown blanks a line of spaces only after a newline:
                # as the document's first line it starts a paragraph, so an
                # indented line after it is no code. (Leading empty lines may
                # be stripped on the way to it.)
                prev, prev_block_start = TEXT, True
                i += 1
                continue
            if not stripped or stripped == "\r" or (
                stripped[0] == ">" and not stripped.strip(" \t\r>") and len(ln) - len(stripped) <= 3
                and "\t" not in ln[: len(ln) - len(stripped)]
            ):
                # A line of only ">" markers is a blank line inside the quote.
                prev = BLANK
                block_first = i + 1
                in_table = False
                i += 1
                continue
            ind = len(ln) - len(stripped)
            if "\t" in ln[:ind]:
                col = 0
                for ch in ln[:ind]:
                    col = col + 4 - col % 4 if ch == "\t" else col + 1
                ind = col
            # A container's body ends at a line indented less after a blank
            # line (a lazy continuation line keeps it open).
            while containers and ind < containers[-1] and prev == BLANK:
                containers.pop()
            box = containers[-1] if containers and ind >= containers[-1] else 0
            code_indent = max(box + 4, 8 if in_list or list_open else 4)

            # Indented code cannot interrupt a paragraph (that is a continuation line).
            if ind >= code_indent and (prev != TEXT or in_icode):
                in_icode = True
                blank_both.append((s, e))
                icode.append((s, e))
                prev = OTHER
                i += 1
                continue
            in_icode = False

            # From here on, indentation counts from the container's body, as
            # Python-Markdown reads the body with that much removed; ``col``
            # is where the body starts in the line (no tab: else 0).
            col = box if box and ln[:box] == " " * box else 0
            ind -= box
            first = stripped[0]
            # Python-Markdown's processors for these search the whole block,
            # so such a line splits a paragraph: nothing pairs across it.
            # A line less indented than an open container's body is not part
            # of it (Python-Markdown takes only the indented lines) and does
            # not continue the paragraph before it.
            outside = bool(containers) and not box
            opener = first in "!?[:" and ind <= (7 if in_list else 3) and _CONTAINER_OPEN.match(stripped) is not None
            if opener:
                containers.append(box + ind + 4)
                if first == ":" and prev != BLANK:
                    # def_list runs before most block processors and makes
                    # each line of the block before a definition a term of
                    # its own: no paragraph, no indented code, no reference
                    # definition; each is inline text.
                    for k in range(max(block_first, unjoined), i):
                        joins[k] = False
                    unjoined = i
                    self.terms.append((starts[block_first], s))
                    while icode and icode[-1][0] >= starts[block_first]:
                        not_code.add(icode.pop())
                    if prev == OTHER:
                        prev = TEXT
            if first not in _SPECIAL_FIRST and not in_table and ind < 4:
                # The common case, a line of prose: nothing below can apply
                # but the paragraph bookkeeping at the end of this loop.
                if in_list and ind == 0 and prev != TEXT:
                    in_list = False
                if prev != TEXT:
                    list_open = list_block = False
                span = _def_span(lines, i, col, block_start=prev != TEXT) if first == "[" and "]:" in ln else 0
                if first == ":" and opener and "#" in ln:
                    # A heading as a definition's text.
                    d = _DD_HEADING.match(ln, col)
                    m = _ATX.match(ln, d.end()) if d else None
                    tail = ln.rstrip("\r")
                    if m and not (tail.endswith("\\") and _escaped(tail + " ", len(tail))):
                        headings.append((len(m.group(1)), s + d.end(), _atx_text(m.group(2) or "")))
                        prev = OTHER
                        i += 1
                        continue
                if not span and first == ":" and opener and "]:" in ln:
                    # A reference definition as a definition's text.
                    d = _DD_START.match(ln, col)
                    if d and _def_span(lines, i, d.end()):
                        self.def_lines.append((i, d.end()))
                if span:
                    self.def_lines.append((i, col))
                    for k in range(i, i + span - 1):
                        joins[k] = True
                    prev = OTHER
                    i += span
                    continue
                in_quote = prev == TEXT and in_quote
                if prev == TEXT and not opener and not outside:
                    joins[i - 1] = True
                    prev_block_start = False
                else:
                    prev_block_start = True
                    if "|" in ln and i + 1 < nlines and _table_start(ln, lines[i + 1]):
                        in_table = True
                prev_quote_heading = quote_heading_before
                # An admonition's or details' first line is its title: an
                # unindented line after it starts a block of its own.
                prev = OTHER if opener and first in "!?" else TEXT
                i += 1
                continue
            is_item = False
            if first in "-*+0123456789":
                is_item = _LIST_ITEM.match(ln, col) is not None and not _HR.match(ln, col)
            # Python-Markdown: a list cannot interrupt a paragraph; an unindented
            # line ends a list unless it lazily continues an item's paragraph.
            if is_item:
                in_list = in_list or prev != TEXT
            elif in_list and ind == 0 and (prev != TEXT or first in "#-*_=<"):
                in_list = False
            # For indented code, Python-Markdown asks whether the block before
            # is a list: an indented block after it is the last item's (and
            # takes its lazy lines along), whatever those lines are.
            if prev != TEXT:
                if is_item:
                    list_open, list_block = True, False
                else:
                    list_block = list_open and ind >= 4
                    list_open = list_block
            elif list_open and not list_block and not is_item and ind < 4 and (
                first in "#<" or _HR.match(ln, col) or (first in "=-" and _SETEXT_UNDERLINE.match(stripped))
            ):
                list_open = False

            # Fenced code.
            if first in "`~" and ind <= (7 if in_list else 3) and i != reread_at:
                m = _FENCE_OPEN.match(stripped)
                if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                    info_ok = _PM_FENCE_INFO.match(m.group(2)) is not None
                    fence = (m.group(1)[0], len(m.group(1)), i, ind, info_ok)  # ind: from the box
                    self.fence_after_text = prev == TEXT
                    in_table = False
                    i += 1
                    continue

            # A comment that starts a line: Python-Markdown passes it through
            # as a block, however many lines (even blank ones) it spans;
            # unless an earlier "<!--" is still open to its HTML parser.
            if first == "<" and ind <= 3 and stripped.startswith("<!--"):
                cs = s + (len(ln) - len(stripped))
                end = _comment_end(body, cs, close, bang) if not html_open.covers(cs, self.pm_fences) else -1
                if end != -1:
                    in_table = False
                    blank_both.append((cs, end))
                    if end <= e:
                        comment_end = end
                        continue  # re-read this line as "comment ends here"
                    comment_end = end
                    prev = OTHER
                    i += 1
                    continue

            if in_table:
                # Python-Markdown's tables take every line up to a blank one as a row.
                prev, prev_block_start = TEXT, False
                i += 1
                continue

            heading_indent_ok = ind == 0 or (in_list and ind % 4 == 0 and prev != TEXT)

            # ATX heading, also inside a block quote or a list item.
            atx_line = stripped
            if first == ">":
                q = _QUOTE_PREFIX.match(ln, col)
                atx_line = ln[q.end() :] if q else stripped
                heading_indent_ok = True
                if prev != TEXT and atx_line[:1] in "*+-0123456789":
                    p = _PM_ITEM_PREFIX.match(atx_line)
                    if p and atx_line[p.end() : p.end() + 1] == "#":
                        atx_line = atx_line[p.end() :]
            elif is_item and in_list and not (
                # Python-Markdown reads a setext heading before a list.
                prev == BLANK and i + 1 < nlines and lines[i + 1][:1] in ("=", "-")
                and _SETEXT_UNDERLINE.match(lines[i + 1])
            ):
                p = _PM_ITEM_PREFIX.match(ln, col)
                if p and ln[p.end() : p.end() + 1] == "#":
                    atx_line = ln[p.end() :]
                    heading_indent_ok = True
            if atx_line[:1] == "#" and heading_indent_ok:
                m = _ATX.match(atx_line)
                # Python-Markdown's heading pattern cannot end on a lone backslash.
                tail = atx_line.rstrip("\r")
                if m and not (tail.endswith("\\") and _escaped(tail + " ", len(tail))):
                    marker = s + len(ln) - len(atx_line)
                    headings.append((len(m.group(1)), marker, _atx_text(m.group(2) or "")))
                    prev = OTHER
                    # Python-Markdown splits the block around a heading, but
                    # not around one inside a quote; a definition after it
                    # takes no term from the lines before.
                    after_quote_heading = first == ">"
                    if first != ">":
                        block_first = i + 1
                    i += 1
                    continue

            # Setext underline: Python-Markdown only makes a heading of the
            # first line of a block, and reads this before lists and quotes.
            if (
                first in "=-"
                and ind == 0
                and prev == TEXT
                and prev_block_start
                and not (first == "-" and prev_quote_heading)
                and _SETEXT_UNDERLINE.match(stripped)
            ):
                t = lines[i - 1]
                t_stripped = t.strip(" \t\r")
                marker = starts[i - 1] + len(t) - len(t.lstrip(" \t"))
                headings.append((1 if first == "=" else 2, marker, t_stripped))
                if i >= 2:
                    joins[i - 2] = False
                block_first = i + 1
                prev = OTHER
                i += 1
                continue

            # A thematic break, unless Python-Markdown's setext rule (tried
            # first) makes it the text of a heading underlined on the next line.
            if first in "-*_" and _HR.match(ln, col):
                nxt = lines[i + 1] if i + 1 < nlines else ""
                if not (prev != TEXT and nxt[:1] in ("=", "-") and _SETEXT_UNDERLINE.match(nxt)):
                    prev = OTHER
                    in_list = False
                    i += 1
                    continue

            # In a block quote, a definition may follow list markers too.
            span = _def_span(lines, i, col, (is_item and in_list) or first == ">", prev != TEXT) if "]:" in ln else 0
            def_col = col
            if not span and "]:" in ln and (in_list or list_open) and ln.startswith("    ", col):
                # Inside a list item's indented content.
                def_col = col + 4
                span = _def_span(lines, i, def_col)
            if span:
                self.def_lines.append((i, def_col))
                for k in range(i, i + span - 1):
                    joins[k] = True
                prev = OTHER
                i += span
                continue

            # A block-level tag starting a line is an HTML block to both
            # readings: it ends the paragraph before it, and no code span
            # pairs across it (that would hide it from the raw-html rule).
            # (Unless an inline comment opened before it is still open.)
            if first == "<" and ind <= 3:
                t = _PM_TAG_START.match(stripped)
                if (t is not None and t.group(1).lower() in _PM_BLOCK_TAGS
                        and not html_open.covers(s + len(ln) - len(stripped), self.pm_fences)):
                    in_table = False
                    prev = OTHER
                    i += 1
                    continue

            # A paragraph (or list item, quote, table row) line. A list item
            # does not start a block for Python-Markdown's setext rule, but its
            # inline content is separate from the line before.
            # A quote line splits the paragraph before it, unless that is in
            # the quote already (lazy continuation lines are).
            quote_line = first == ">" and ind <= 3
            quote_breaks = quote_line and not in_quote
            in_quote = quote_line or (prev == TEXT and in_quote)
            # A list item line only starts new inline content inside a list:
            # after a paragraph, Python-Markdown reads it as more paragraph.
            if prev == TEXT and not (is_item and in_list) and not quote_breaks and not outside:
                joins[i - 1] = True
            prev_block_start = prev != TEXT or quote_breaks
            prev_quote_heading = quote_heading_before
            if prev_block_start and "|" in ln and i + 1 < nlines and _table_start(ln, lines[i + 1]):
                in_table = True
            prev = TEXT
            i += 1

        if fence is not None:  # an unclosed fence, in lines read twice already
            self._fence_done(fence[2], nlines, False, lines, joins, blank_both, a_only)

        self.lines = lines
        self.joins = joins
        self.blank_both = sorted(x for x in blank_both if x not in not_code) if not_code else sorted(blank_both)
        self.a_only = a_only

    def _fence_done(self, first: int, last: int, pm_ok: bool, lines: list[str], joins: list[bool],
                    blank_both: list[tuple[int, int]], a_only: list[tuple[int, int]],
                    reread: bool = False) -> None:
        """Record fenced code from line ``first`` to ``last`` (inclusive; may be
        past the end). ``reread``: the line pass reads these lines again as
        Python-Markdown's text, which finds their headings and paragraphs."""
        starts = self.line_starts
        s = starts[first]
        stop = min(last, len(lines) - 1)
        e = starts[stop] + len(lines[stop])
        if pm_ok:
            blank_both.append((s, e))
            self.pm_fences.append((s, e))
            return
        a_only.append((s, e))
        if reread:
            return
        # Python-Markdown finds a heading on any line of a block that starts
        # with "#": these lines are text to it.
        for k in range(first + 1, stop + 1):
            line = lines[k]
            if line[:1] == "#":
                m = _ATX.match(line)
                tail = line.rstrip("\r")
                if m and not (tail.endswith("\\") and _escaped(tail + " ", len(tail))):
                    self.headings_raw.append((len(m.group(1)), starts[k], _atx_text(m.group(2) or "")))
        if self.fence_after_text and first:
            joins[first - 1] = True  # no fence to Python-Markdown: the paragraph goes on
        # To Python-Markdown these lines are paragraphs: let their newlines
        # join so its reading pairs backticks across them as it would; but a
        # line that starts a block of its own (a raw HTML block, a quote, a
        # heading, an admonition, a definition...) splits the paragraph
        # before any backticks pair.
        for k in range(first, stop):
            if lines[k].strip() and not _pm_interrupts(lines[k + 1]):
                joins[k] = True
        # A definition makes each line of its block a term of its own.
        block = first - 1 if self.fence_after_text and first else first
        for k in range(first, stop + 1):
            line = lines[k]
            if not line.strip():
                block = k + 1
            elif line.lstrip(" ")[:1] == ":" and len(line) - len(line.lstrip(" ")) <= 3 and _CONTAINER_OPEN.match(
                line.lstrip(" ")
            ):
                for j in range(block, k):
                    joins[j] = False
                block = k

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
        cm_spans, unmatched = _inline_code(ma_blocks, pm=False)
        self.ma = _blanked(ma_blocks, cm_spans)
        # The Python-Markdown reading, only used for raw HTML and unsafe links.
        # It can differ only when a fence is not code to it, a backtick run
        # was unmatched, or there is an inline comment.
        self.mb = None
        if self.a_only or unmatched or "<!--" in m0:
            # Python-Markdown pairs every backtick of a paragraph before it
            # looks for HTML: a comment whose "-->" falls in a code span does
            # not end there. (CommonMark takes whichever comes first.)
            pm_spans, _ = _inline_code(m0, pm=True, comments=False)
            if "<!--" in m0:
                comments, _ = _inline_code(_blanked(m0, pm_spans), pm=True)
                pm_spans = sorted(pm_spans + comments)
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
        def_dests: list[tuple[int, int]] = []  # reference definitions' URLs
        first = re.match(r" {0,3}\[", ma)
        starts = [first.end() - 1] if first else []
        starts.extend(m.end() - 1 for m in _REFDEF_START.finditer(ma))
        if self.def_lines:
            # Those the line pass found inside containers, after their markers.
            for i, col in self.def_lines:
                at = self.lines[i].find("[", col)
                if at != -1:
                    starts.append(self.line_starts[i] + at)
            starts = sorted(set(starts))
        terms = self.terms
        candidates = [(ma, s) for s in starts]
        if self.a_only and self.mb is not None:
            # Fenced code to CommonMark that Python-Markdown renders as text
            # (a fence that never closes, say): its definitions count.
            mb = self.mb
            candidates += [(mb, m.end() - 1) for m in _REFDEF_START_NESTED.finditer(mb)
                           if _inside(self.a_only, m.end() - 1)]
        defs_in_a = 0
        for text, s in candidates:
            if terms and _inside(terms, s):
                continue  # a definition term, to Python-Markdown: text
            m = _REFDEF.match(text, s)
            # Python-Markdown reads definitions before code spans: a code
            # span blanked in the reading may hide text that spoils one.
            if m is None or (text[s : m.end()] != body[s : m.end()] and _REFDEF.match(body, s) is None):
                continue
            dest = body[m.start("dest") : m.end("dest")]
            # Not in ``dests``: Python-Markdown may read this line otherwise
            # (a setext heading, a definition term) and render a tag in it.
            def_dests.append((m.start("dest"), m.end("dest")))
            refs.add(_WS.sub(" ", m.group("id")).strip().lower())
            self.ref_ids.add(m.group("id").strip().lower())
            target, anchor = _split_url(_unescape_dest(dest[1:-1] if dest.startswith("<") else dest, False))
            defs.append((s, Link(target, anchor, m.group("id").strip(), s, m.end(), self.pos(s), wiki=False)))
            defs_in_a += text is ma
        def_dests.sort()
        def_starts = {s for s, _ in defs}

        links: list[tuple[int, Link]] = list(defs)
        closes: set[int] = set()  # the "]" of every inline link found, before its "("
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
            m = None if (s and ma[s - 1] == "\\" and _escaped(ma, s)) else match(ma, s, limit)
            if m is not None and m.group("cite") is not None and "@" not in m.group("cinner"):
                pos = s + 1  # plain brackets (the common case, decided by the pattern alone)
            elif m is None or m.group("cite") is not None:
                # Not a link: a citation group, perhaps (its own parser, as
                # the pattern's "cite" branch knows no nested brackets or keys).
                group = None if (m is None and s and ma[s - 1] == "\\" and _escaped(ma, s)) or s in def_starts \
                    else self._citation(s, limit, dests, m is not None)
                if group is not None:
                    out.citations.append(group)
                    pos = group.end
                else:
                    pos = s + 1  # a construct may still start inside these brackets
            elif m.group("wiki") is not None:
                inner = body[m.start("winner") : m.end("winner")]
                target, _, label = inner.partition("|")
                target, _, anchor = target.partition("#")
                links.append((s, Link(" ".join(target.split()), anchor.strip(), label.strip(),
                                      s, m.end(), self.pos(s), wiki=True)))
                pos = m.end()
            elif m.group("link") is not None:
                link = self._inline_link(ma, m, dests)
                closes.add(m.end("label"))
                links.append((link.start, link))
                resume.append((m.end(), limit))
                pos, limit = m.start("label"), m.end("label")

        found_in_a = len(closes)
        if self.mb is not None:
            # Inline links in Python-Markdown's reading that the CommonMark
            # one has in code: a fence that never closes, backticks paired
            # otherwise. Python-Markdown renders them.
            mb = self.mb
            for b in _BRACKET_START.finditer(mb):
                s = b.start()
                if s and mb[s - 1] == "\\" and _escaped(mb, s):
                    continue
                m = _BRACKETS.match(mb, s)
                if m is None or m.group("link") is None or m.end("label") in closes:
                    continue
                link = self._inline_link(mb, m, dests)
                closes.add(m.end("label"))
                links.append((link.start, link))

        # Autolinks and raw HTML, as Python-Markdown reads each "<": an
        # autolink needs "scheme://" (<http:x> is a tag to it, with whatever
        # attributes follow), an e-mail autolink its own loose pattern.
        dests.sort()
        html_at: dict[int, None] = {}
        autolinks: set[int] = set()
        for text in (ma, self.mb):
            if text is None:
                continue
            di = 0
            nd = len(dests)
            # Where a tag may still be an autolink to Python-Markdown ("<a(b@c>").
            slashes, at_sign, gt = _Next(text, "://"), _Next(text, "@"), _Next(text, ">")
            for m in _ANGLE.finditer(text):
                s = m.start()
                while di < nd and dests[di][1] <= s:
                    di += 1
                if di < nd and dests[di][0] <= s:
                    continue
                if m.lastgroup != "html" and def_dests and _inside(def_dests, s):
                    continue  # "<url>" of a reference definition: the definition is the link
                auto = None
                if m.lastgroup != "html":
                    auto = _pm_autolink(text, s)
                else:
                    end = gt.find(s)
                    if end != -1 and (-1 < slashes.find(s) < end or -1 < at_sign.find(s) < end):
                        auto = _pm_autolink(text, s)
                if auto is not None:
                    if s not in autolinks:
                        autolinks.add(s)
                        url, end, mail = auto
                        if mail:
                            target, anchor = "mailto:" + url.removeprefix("mailto:"), ""
                        else:
                            target, anchor = _split_url(_unescape_dest(url))
                        links.append((s, Link(target, anchor, url, s, end, self.pos(s), wiki=False)))
                    continue
                if m.lastgroup in ("mail", "pmmail"):
                    continue  # text to Python-Markdown
                if m.lastgroup == "auto" and _unsafe(m.group("auto")):
                    # A tag to Python-Markdown, but reported as the unsafe
                    # URL CommonMark would link: refused either way.
                    if s not in autolinks:
                        autolinks.add(s)
                        url = m.group("auto")
                        target, anchor = _split_url(url)
                        links.append((s, Link(target, anchor, url, s, m.end(), self.pos(s), wiki=False)))
                    continue
                html_at[s] = None
        for s in sorted(html_at):
            out.html.append(RawHtml(_snippet_tag(body, s), self.pos(s)))

        # Links Python-Markdown renders that the passes above did not find:
        # labels and destinations nested deeper than the patterns follow,
        # reference definitions inside block quotes, lists and admonitions,
        # and links in text that is code only to CommonMark. Only those with
        # an unsafe destination are added, for the unsafe-url rule.
        sweep = _LinkSweep(self, closes, def_starts, found_in_a, defs_in_a)
        links += sweep.run(ma)
        if self.mb is not None:
            links += sweep.run(self.mb)

        links.sort(key=lambda x: x[0])
        out.links.extend(link for _, link in links)

        for m in _ATTR.finditer(ma):
            s = m.start()
            if _escaped(ma, s):
                continue
            out.attr_lists.append(RawHtml(_snippet(body[s : m.end()]), self.pos(s)))

        out.malformed_citations.extend(self.malformed)

        ids: set[str] = set()
        counters: dict[str, int] = {}
        seen: dict[str, tuple[str, str]] = {}  # raw text -> (text, slug): pages repeat headings
        footnotes = {m.group(1) for m in _FOOTNOTE_ID.finditer(ma)} if "[^" in ma else set()
        for level, marker, raw in self.headings_raw:
            done = seen.get(raw)
            if done is None:
                text = _plain(raw, refs, footnotes=footnotes)
                done = seen[raw] = (text, _toc_slugify(text, "-"))
            text, slug = done
            out.headings.append(Heading(level, text, _unique(slug, ids, counters), self.pos(marker)))

    def _inline_link(self, text: str, m: re.Match[str], dests: list[tuple[int, int]]) -> Link:
        """The link of the ``_BRACKETS`` match ``m`` (its "link" group) in the
        reading ``text``; its destination's span goes into ``dests``."""
        body = self.body
        s = m.start()
        image = s > 0 and text[s - 1] == "!" and not _escaped(text, s - 1)
        start = s - 1 if image else s
        dest_s, dest_e = m.span("dest")
        if dest_s != -1:
            dests.append((dest_s, dest_e))
            dest = body[dest_s:dest_e]
            if dest.startswith("<") and dest.endswith(">"):
                dest = dest[1:-1]
        elif m.group("loose") is not None:
            # Python-Markdown's reading; raw HTML in it is still reported.
            dest = body[m.start("loose") : m.end("loose")]
            dest = _LOOSE_TITLE.sub("", dest).strip()
        else:
            dest = ""
        close = m.end("label")
        inner = body[close + 2 : m.end() - 1]
        if "`" in inner and inner != text[close + 2 : m.end() - 1]:
            # A code span inside the parentheses, blanked above. Python-
            # Markdown renders it as its text, backticks gone
            # ([x](`javascript:...`) links to javascript:), so the
            # destination is the text as written, for url_scheme to judge.
            dest = _LOOSE_TITLE.sub("", inner).strip()
        elif dest_s != -1:
            # The href is Python-Markdown's reading of the parentheses: it
            # knows no "(title)" ([a](x.md (t)) links to "x.md (t)"), and a
            # title alone leaves the href empty ([a]( "t")).
            pointed = _PM_POINTED.match(inner)
            dest = pointed.group(1).strip() if pointed else _LOOSE_TITLE.sub("", inner).strip()
        target, anchor = _split_url(_unescape_dest(dest))
        label = body[m.start("label") : m.end("label")].strip()
        return Link(target, anchor, label, start, m.end(), self.pos(start), wiki=False, image=image)

    def _citation(self, s: int, limit: int, spans: list[tuple[int, int]], has_at: bool) -> CitationGroup | None:
        """The citation group whose "[" is ``ma[s]`` and that ends by ``limit``,
        if it is one (see :func:`_cite_group` for the grammar); adds the span of
        each key to ``spans`` (text that never reaches the page as written,
        so not raw HTML or an autolink). ``has_at``: an "@" is known to follow
        before ``limit``. Bracket groups that look like citations but are none
        go to ``self.malformed``."""
        ma, body = self.ma, self.body
        if self._braces is None:
            self._braces = _brace_pairs(ma) if "@{" in ma else {}
        if not has_at:
            if self._at is None:
                self._at = _Next(ma, "@")
            at = self._at.find(s)
            if at == -1 or at >= limit:
                return None
            # The bracket shape first, at C speed: most such "[" open brackets
            # nested too deep, or a link that failed. Braced keys may hide
            # brackets, so not on a page with "@{".
            if not self._braces and _CITE_SHAPE.match(ma, s, limit) is None:
                return None
        found = _cite_group(ma, s, limit, self._braces)
        if found is None:
            return None
        end, items, problem = found
        if ma.startswith("(", end):
            return None  # [@key](url) is a link whose destination failed to parse
        if problem != UNCLOSED and self.ref_ids and _pm_reference(ma, body, s, end, self.ref_ids):
            return None
        if problem is not None:
            self.malformed.append(MalformedCitation(_snippet(body[s:end]), problem, self.pos(s)))
            return None
        if "\n" in ma[s:end] and _blank_line_in(ma[s:end]):
            return None
        out: list[CitationItem] = []
        for at, key_end, item_end, key in items:
            rest = body[key_end:item_end].strip()
            if rest.startswith(","):
                rest = rest[1:].strip()
            if "\\" in rest:
                rest = _ESCAPE.sub(r"\1", rest)
            if "\n" in rest or "  " in rest or "\t" in rest:
                rest = " ".join(rest.split())
            out.append(CitationItem(key, rest, self.pos(at)))
            spans.append((at, key_end))
        return CitationGroup(out, s, end, self.pos(s))


# ----------------------------------------------------------------------------- citations

# A citation key as pandoc reads it (its citeKey): a letter, digit or "_";
# then letters, digits, "_", and : . # $ % & - + ? < > ~ / when a letter,
# digit or "_" follows (punctuation that ends a key is text, as in
# "[@smith2020-]" or "[@a.]"), or ":" and "/" before a "/" ("https://").
# Python's \w is pandoc's isAlphaNum or "_".
_KEY = r"\w(?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*"
_KEY_RE = re.compile(_KEY)
# An "@" that may open a key: not inside a word (pandoc: not after a string,
# so "a@b.org" is no citation), not after another "@". "@{" opens a braced key.
_CITE_AT = re.compile(rf"(?<![\w@])@(?:({_KEY})|\{{)")
# What the group parser stops at; everything else is prefix or locator text.
_CITE_SPECIAL = re.compile(r"[\[\]\\;@\x00]")
_BRACE_SPECIAL = re.compile(r"[{}\s\x00]")
# A group's brackets: one level of nesting, escapes, closed or open to the
# block's end. What _cite_group can accept has this shape (without @{...}).
_CITE_SHAPE = re.compile(rf"\[{_LABEL}(?:\]|(?:\[(?:[^\[\]\\\x00]|\\[^\x00])*)?(?:\x00|\Z))")
# A backslash escape: CommonMark's (and pandoc's) ASCII punctuation.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Python-Markdown's [text][id] (ReferenceInlineProcessor.RE_LINK), within a block.
_PM_REF_ID = re.compile(r"\s?\[([^\]\x00]*)\]")


def cite_syntax(key: str) -> str:
    """How to cite ``key`` in an entry: ``[@key]``, or ``[@{key}]`` when the
    plain form would not read back as the whole key."""
    return f"[@{key}]" if _KEY_RE.fullmatch(key) else f"[@{{{key}}}]"


def _pm_reference(text: str, body: str, s: int, end: int, ids: set[str]) -> bool:
    """Whether Python-Markdown renders the bracket group ``body[s:end]`` as a
    reference link: followed by ``[id]`` (one white-space character between
    allowed) with ``id`` defined, or its own text defined as an id (that
    covers ``[text][]``, ``[text]`` and ``[text][undefined]``, which its
    short-reference pattern reads again). Ids are matched as it matches
    them: lower case, white-space runs as one space."""
    m = _PM_REF_ID.match(text, end)
    if m is not None and m.group(1) and _WS.sub(" ", body[m.start(1) : m.end(1)].lower()) in ids:
        return True
    return _WS.sub(" ", body[s + 1 : end - 1].lower()) in ids


def _brace_pairs(text: str) -> dict[int, int]:
    """Offset of each "{" -> its matching "}", for braces balanced within a
    run of text without white space (pandoc's @{...} key has none). One pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_SPECIAL.finditer(text):
        i = m.start()
        c = text[i]
        if c == "{":
            stack.append(i)
        elif c == "}":
            if stack:
                pairs[stack.pop()] = i
        else:
            stack.clear()
    return pairs


#: Why a bracket group holding a key is no citation (see :func:`_cite_group`).
NO_KEY, TWO_KEYS, NESTED_KEY, UNCLOSED = "no-key", "two-keys", "nested-key", "unclosed"


def _cite_group(text: str, s: int, limit: int, braces: dict[int, int]
                ) -> tuple[int, list[tuple[int, int, int, str]], str | None] | None:
    """Parse the bracketed citation group opening at ``text[s] == "["``.

    Returns (end, items, problem). With ``problem`` None it is a citation
    group: ``end`` is just after the closing "]", and each item is (offset
    of its "@", end of its key, end of the item, key). Otherwise the text
    holds a key outside nested brackets but is no citation, and
    ``problem`` says why: an item without a key
    (NO_KEY), an item with two (TWO_KEYS), a key in nested brackets
    (NESTED_KEY), or no closing "]" in the block (UNCLOSED, ``end`` at the
    block's end). None: no key outside nested brackets, or brackets nested
    two levels deep.

    The grammar is pandoc's normal citation, with the project's limits:
    items are separated by ";" and each holds exactly one key (anything
    before it is a prefix, after it a locator); ``@{...}`` holds any key
    without white space, braces balanced, and ``]``, ``;`` or ``[`` inside
    it are part of the key; a backslash escapes the next character
    (``\\@`` is text, not a key); the prefix or locator may hold brackets
    one level deep, with no key inside them (pandoc would read a nested
    citation there: the inner group is the citation then). Nothing crosses
    a block boundary (``"\\x00"``) or ``limit``.

    Each call reads at most up to the second unmatched "[" after ``s``, or
    to the end of the block, so the calls from every "[" of a page read
    each character a bounded number of times.
    """
    items: list[tuple[int, int, int, str]] = []
    keys: list[tuple[int, int, str]] = []  # this item's keys: (at, key end, key)
    depth = 0
    problem: str | None = None
    top_key = False  # a key outside nested brackets: the text looks like a citation
    i = s + 1
    while True:
        m = _CITE_SPECIAL.search(text, i, limit)
        if m is None or text[m.start()] == "\x00":
            end = m.start() if m is not None else limit
            return (end, [], UNCLOSED) if top_key else None
        j = m.start()
        c = text[j]
        if c == "\\":
            i = j + 2 if j + 1 < limit and text[j + 1] != "\x00" else j + 1
        elif c == "[":
            if depth:
                return None
            depth, i = 1, j + 1
        elif c == "]":
            if depth:
                depth, i = 0, j + 1
                continue
            if problem is None and len(keys) != 1:
                problem = NO_KEY if not keys else TWO_KEYS
            if problem is not None:
                return (j + 1, [], problem) if top_key else None
            items.append((*keys[0][:2], j, keys[0][2]))
            return j + 1, items, None
        elif c == ";":
            if not depth:
                if problem is None and len(keys) != 1:
                    problem = NO_KEY if not keys else TWO_KEYS
                if not problem:
                    items.append((*keys[0][:2], j, keys[0][2]))
                keys = []
            i = j + 1
        else:  # "@"
            k = _CITE_AT.match(text, j, limit)
            if k is None:
                i = j + 1
                continue
            if k.group(1) is not None:
                key, key_end = k.group(1), k.end()
            else:
                close = braces.get(j + 1, -1)
                if close == -1 or close >= limit or close == j + 2:
                    i = j + 1  # no balanced, non-empty @{...}: text
                    continue
                key, key_end = text[j + 2 : close], close + 1
            if depth:
                problem = problem or NESTED_KEY
            else:
                top_key = True
                keys.append((j, key_end, key))
            i = key_end


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


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` is in one of the sorted, disjoint (start, end) ``spans``."""
    k = bisect_right(spans, (offset, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


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


def _unsafe(url: str) -> bool:
    scheme = url_scheme(url)
    return scheme is not None and scheme not in SAFE_SCHEMES


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

    def __init__(self, scanner: "_Scanner", closes: set[int], def_starts: set[int], found_in_a: int,
                 defs_in_a: int) -> None:
        self.sc = scanner
        self.body = scanner.body
        self.closes = closes  # inline links the main pass found, by their "]"
        # How many of those, and of the definitions, are in the CommonMark reading.
        self.found_in_a, self.defs_in_a = found_in_a, defs_in_a
        self.def_starts = def_starts
        self.emitted: set[int] = set()  # the "]" of links found, in either reading
        self._colons: list[int] | None = None
        self._prefix: dict[int, int] = {}  # line start -> end of its container prefix

    def run(self, text: str) -> list[tuple[int, Link]]:
        if text is self.sc.ma and text.count("](") <= self.found_in_a and text.count("]:") <= self.defs_in_a:
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
        return Link(target, "", label, s, max(end, c + 1), self.sc.pos(s), wiki=False, image=image)

    def _colon(self, a: int, b: int) -> int:
        """Offset of the first ":" in ``body[a:b]``, or -1."""
        if self._colons is None:
            self._colons = [m.start() for m in re.finditer(":", self.body)]
        k = bisect_right(self._colons, a - 1)
        if k < len(self._colons) and self._colons[k] < b:
            return self._colons[k]
        return -1

    def _definition(self, text: str, o: int, c: int) -> Link | None:
        sc = self.sc
        line = bisect_right(sc.line_starts, o) - 1
        ls = sc.line_starts[line]
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
        return Link(target, anchor, self.body[o + 1 : c].strip(), o, m.end(1), sc.pos(o), wiki=False)


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


def _blank_line_in(text: str) -> bool:
    return re.search(r"\n[ \t]*\n", text) is not None


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


def _pm_autolink(text: str, s: int) -> tuple[str, int, bool] | None:
    """The autolink Python-Markdown reads at the "<" at ``text[s]``, as
    (URL as written, end offset, is an e-mail), or None. Neither runs past a
    block boundary."""
    m = _H_AUTOLINK.match(text, s)
    if m is not None and _SEP not in m.group():
        return m.group(1), m.end(), False
    m = _H_AUTOMAIL.match(text, s)
    if m is not None and _SEP not in m.group():
        return m.group(1), m.end(), True
    return None


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


_SNIPPET_SPACES = str.maketrans("\n\r\t", "   ")


def _snippet(text: str) -> str:
    """At most 80 characters, on one line (a tag may span lines)."""
    return text[:80].translate(_SNIPPET_SPACES)


def _snippet_tag(body: str, s: int) -> str:
    window = body[s : s + 80]
    close = window.find(">")
    return _snippet(window[: close + 1] if close != -1 else window)


# ----------------------------------------------------------------------------- complexity
#
# Python-Markdown 3.11 with the wiki's extensions (toc, tables, admonition,
# footnotes, def_list, pymdownx.details, superfences, highlight) is
# super-linear on some input well within the 1 MB file limit, and fails with
# RecursionError on some deep nesting. A page past one of these limits is a
# ``too-complex`` error, so the build refuses it rather than hang or crash.
# Each limit is far above what a real entry needs (the wiki's own entries,
# repeated to 1 MB, render in 0.36 s) and keeps rendering well under a second.
#
# Measured with markdown.markdown(text, extensions=<the wiki's>) on one core,
# Python 3.11 (input: size, seconds); see the report of the hardening change.

#: Container levels before a line's text: block quote markers, list markers,
#: and each 4 columns of indentation. ("- " * 500 + "x": 1 KB, RecursionError;
#: 250 list items each indented 4 more: 125 KB, RecursionError; 400 lines of
#: "> " * i + "- x": 161 KB, 3.6 s; 600 lines of ">" * i + " x": 181 KB, 2.8 s.)
MAX_NESTING = 32
#: Emphasis levels open at once in a paragraph (a run of n "*" or "_" counts n).
#: ("*" * 2,000 + "x" + "*" * 2,000: 4 KB, RecursionError; "*a " * 2,000 + "x" +
#: " a*" * 2,000: 12 KB, RecursionError; "*_" * 50,000 + "x" + "_*" * 50,000:
#: 200 KB, 13.6 s.)
MAX_EMPHASIS = 32
#: Characters scanned by the link, reference and image patterns in one
#: paragraph: from each "[" to its "]" (or the paragraph's end), and from each
#: "](" to its ")". ("[" * 3,000: 3 KB, 1.4 s; "[a " * 3,000: 9 KB, 3.8 s;
#: "[a](" * 3,000: 12 KB, 2.3 s; "[" * 10,000 + "x" + "]" * 10,000: 20 KB, 14.8 s.)
MAX_BRACKET_SCAN = 2_000_000
#: Characters scanned for closing backtick runs in one paragraph, following
#: Python-Markdown's own pairing. ("`" * k + "x" for k = 1..800: 320 KB, 5.9 s;
#: "``x`" * 10,000: 40 KB, 9.7 s; the same * 3,000: 12 KB, 0.9 s.)
MAX_BACKTICK_SCAN = 5_000_000
#: Inline constructs (counted as their characters: \ ` [ < & * _ and hard
#: breaks) times the length of the paragraph, list item, heading or table row
#: holding them: each one found copies the paragraph. (100,000 "&amp;": 500 KB,
#: 15 s; 50,000 "[a](b) ": 350 KB, 7.4 s; 50,000 "<http://x.org> ": 750 KB,
#: 4.0 s; "a  \n" * 100,000: 400 KB, 13 s; "\\" * 1,000,000: over 30 s.)
MAX_INLINE_WORK = 2_000_000_000
#: Lines that split a block (headings, rules, setext underlines, fences,
#: admonitions) times the length of the block, for a block without blank
#: lines: each split copies the rest. ("# x\n" * 10,000: 40 KB, 6.8 s;
#: "a\n---\n" * 10,000: 60 KB, 16 s; "***\n" * 10,000: 40 KB, 8.8 s;
#: "!!! note\n" * 20,000: 180 KB, 5.9 s.)
MAX_SPLIT_WORK = 20_000_000
#: Footnote references and definitions on a page. ("x[^1] " * 2,000: 12 KB,
#: 2.4 s; 20,000 footnotes, referenced and defined: 500 KB, 17 s.)
MAX_FOOTNOTES = 1_000
#: Definitions (":   ...") in one block without a blank line between them.
#: ("T\n:   d\n" * 500: 4 KB, RecursionError; * 300: 0.09 s.)
MAX_DEFINITIONS = 200
#: Fenced code blocks on a page; each is highlighted on its own. (10,000
#: fences: 110 KB, 3.5 s; "```\n" * 50,000: 200 KB, 17 s.)
MAX_FENCES = 1_000
#: Rows of one table. (100,000 rows: 1 MB, 4.9 s; 10,000 rows: 100 KB, 0.4 s.)
MAX_TABLE_ROWS = 5_000

_CX_DEEP = re.compile(r"^[ \t>*+\-.)0-9]{%d,}" % (MAX_NESTING + 1), re.M)
# The same test as a search for a literal "\n" first, which is ten times faster.
_CX_DEEP_AFTER_NEWLINE = re.compile(r"\n[ \t>*+\-.)0-9]{%d}" % (MAX_NESTING + 1))
_CX_BLANK = re.compile(r"\n[ \t\r]*(?=\n)")
_CX_INLINE_START = re.compile(r"^[ \t>]*(?:[-*+][ \t]|[0-9]{1,9}[.)][ \t]|#|\|)", re.M)
_CX_SPLIT = re.compile(
    r"^[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|[-*_=](?:[ \t]*[-*_=]){2,}[ \t]*\r?$|`{3}|~{3}|!!!|\?{3})", re.M
)
_CX_FENCE = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})", re.M)
_CX_DEFINITION = re.compile(r"^[ ]{0,3}:[ \t]", re.M)
_CX_PIPE_LINE = re.compile(r"^[^\n|]*\|", re.M)
_CX_EMPHASIS = re.compile(r"[*_]+")
_CX_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_CX_BRACKETS = re.compile(r"[\[\]()]|\n[ \t\r]*\n")
_CX_INLINE_CHARS = ("\\", "`", "[", "<", "&", "*", "_")


def complexity(body: str, body_line: int) -> list[tuple[Position, str, str]]:
    """Where ``body`` is past a limit above: ``(position, message, hint)``, at
    most one per limit, at the line where it is crossed (the first line of
    the paragraph or block, for limits on one).

    Pure and linear in the size of the body; a page within every limit costs
    only a few counts over its text (C speed), as the exact passes run only
    when a cheap bound says a limit might be crossed.
    """
    return _Complexity(body, body_line).run()


class _Complexity:
    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.body_line = body_line
        self.out: list[tuple[Position, str, str]] = []
        self._blocks: list[tuple[int, int]] | None = None

    def pos(self, offset: int) -> Position:
        body = self.body
        return Position(self.body_line + body.count("\n", 0, offset), offset - (body.rfind("\n", 0, offset) + 1) + 1)

    def add(self, offset: int, message: str, hint: str) -> None:
        self.out.append((self.pos(offset), message, hint))

    def blocks(self) -> list[tuple[int, int]]:
        """(start, end) of every run of non-blank lines."""
        if self._blocks is None:
            out: list[tuple[int, int]] = []
            at = 0
            for m in _CX_BLANK.finditer(self.body):
                if m.start() > at:
                    out.append((at, m.start()))
                at = m.end() + 1
            if at < len(self.body):
                out.append((at, len(self.body)))
            self._blocks = out
        return self._blocks

    def run(self) -> list[tuple[Position, str, str]]:
        body = self.body
        n = len(body)
        if not n:
            return []
        if _CX_DEEP_AFTER_NEWLINE.search(body) or _CX_DEEP.match(body):
            self.nesting()
        if body.count("*") + body.count("_") > MAX_EMPHASIS:
            self.emphasis()
        # Each limit below is on one paragraph or block, which is no longer
        # than the longest run of text without an empty line: most pages are
        # cleared by that length alone.
        longest = max(map(len, body.split("\n\n"))) if n * n > MAX_BRACKET_SCAN else n
        if longest * longest > MAX_BRACKET_SCAN and (body.count("[") + body.count("(")) * longest > MAX_BRACKET_SCAN:
            self.brackets()
        if longest * longest > MAX_BACKTICK_SCAN and body.count("`") * longest > MAX_BACKTICK_SCAN:
            self.backticks()
        if longest * longest > MAX_INLINE_WORK:
            self.inline()
        if longest * longest > MAX_SPLIT_WORK:
            self.splits()
        if n > 4 * MAX_FOOTNOTES and body.count("[^") > MAX_FOOTNOTES:
            m = None
            for k, m in enumerate(re.finditer(r"\[\^", body)):
                if k == MAX_FOOTNOTES:
                    break
            self.add(m.start(), f"more than {MAX_FOOTNOTES:,} footnote references and definitions on one page",
                     "Python-Markdown takes seconds to render thousands of footnotes: cite sources with [@key]")
        if n > 3 * MAX_DEFINITIONS and body.count(":") > MAX_DEFINITIONS:
            self.definitions()
        if n > 6 * MAX_FENCES and body.count("`") + body.count("~") > 6 * MAX_FENCES:
            for k, m in enumerate(_CX_FENCE.finditer(body)):
                if k == 2 * MAX_FENCES:
                    self.add(m.start(), f"more than {MAX_FENCES:,} fenced code blocks on one page",
                             "each is highlighted on its own: split the page, or merge the blocks")
                    break
        if n > 2 * MAX_TABLE_ROWS and body.count("|") > MAX_TABLE_ROWS:
            self.tables()
        return self.out

    # -- the exact passes

    def nesting(self) -> None:
        body = self.body
        for m in _CX_DEEP.finditer(body):
            depth, cols, i, end = 0, 0, m.start(), m.end()
            while i < end:
                c = body[i]
                if c == " ":
                    cols += 1
                elif c == "\t":
                    cols += 4 - cols % 4
                elif c == ">":
                    depth += 1 + cols // 4
                    cols = 0
                elif c in "-*+" and i + 1 < len(body) and body[i + 1] in " \t":
                    depth += 1 + cols // 4
                    cols = 0
                elif c.isdigit():
                    j = i
                    while j < end and body[j].isdigit():
                        j += 1
                    if j < len(body) - 1 and body[j] in ".)" and body[j + 1] in " \t":
                        depth += 1 + cols // 4
                        cols = 0
                        i = j
                    else:
                        break
                else:
                    break
                i += 1
            depth += cols // 4
            if depth > MAX_NESTING:
                self.add(m.start(), f"block quotes, lists or indentation nested {depth} levels deep"
                                    f" (the limit is {MAX_NESTING})",
                         "Python-Markdown fails or takes seconds on such nesting: flatten the structure")
                return

    def emphasis(self) -> None:
        body = self.body
        n = len(body)
        depth = 0
        last = 0
        for m in _CX_EMPHASIS.finditer(body):
            run = m.group()
            s, e = m.span()
            if depth and _CX_BLANK_LINE.search(body, last, s):
                depth = 0  # a new paragraph
            last = e
            before = body[s - 1] if s else " "
            after = body[e] if e < n else " "
            opens = not after.isspace()
            closes = not before.isspace()
            if opens and closes:
                if "*" not in run and before.isalnum() and after.isalnum():
                    continue  # snake_case: "_" inside a word is no emphasis
                opens = depth == 0
            if opens:
                depth += len(run)
                if depth > MAX_EMPHASIS:
                    self.add(s, f"emphasis markers (* or _) nested {depth} levels deep"
                                f" (the limit is {MAX_EMPHASIS})",
                             "Python-Markdown fails on deeply nested emphasis: remove the extra * and _")
                    return
            elif closes:
                depth = max(0, depth - len(run))

    def brackets(self) -> None:
        body = self.body
        n = len(body)
        opens: list[int] = []  # "[" not yet closed
        parens: list[tuple[int, bool]] = []  # "(" not yet closed; True after "]"
        work = 0
        block = 0

        def flush(end: int) -> bool:
            nonlocal work
            work += sum(end - o for o in opens) + sum(end - o for o, link in parens if link)
            opens.clear()
            parens.clear()
            return work > MAX_BRACKET_SCAN

        for m in _CX_BRACKETS.finditer(body):
            c = m.group()
            i = m.start()
            if c == "[":
                opens.append(i)
            elif c == "]":
                if opens:
                    work += i - opens.pop()
            elif c == "(":
                parens.append((i, i > 0 and body[i - 1] == "]"))
            elif c == ")":
                if parens:
                    o, link = parens.pop()
                    if link:
                        work += i - o
            else:
                if flush(i):
                    break
                work = 0
                block = m.end()
                continue
            if work > MAX_BRACKET_SCAN:
                break
        else:
            if not flush(n):
                return
        self.add(block, "this paragraph's brackets and parentheses would take Python-Markdown too long to match"
                        f" (over {MAX_BRACKET_SCAN:,} characters scanned)",
                 "close every [ with ] and every ]( with ), or split the paragraph")

    def backticks(self) -> None:
        body = self.body
        for start, end in self.blocks():
            if body.count("`", start, end) * (end - start) <= MAX_BACKTICK_SCAN:
                continue
            runs = [m.span() for m in _TICKS.finditer(body, start, end)]
            by_len: dict[int, list[int]] = {}
            for s, e in runs:
                by_len.setdefault(e - s, []).append(s)
            later_max = [0] * len(runs)
            best = 0
            for k in range(len(runs) - 1, -1, -1):
                later_max[k] = best
                best = max(best, runs[k][1] - runs[k][0])
            work = 0
            pos = start
            for k, (s, e) in enumerate(runs):
                if e <= pos:
                    continue
                s = max(s, pos)
                if s == runs[k][0] and _escaped(body, s):
                    s += 1
                length = e - s
                if length == 0:
                    continue
                # A run cut short (escaped, or partly used by the previous
                # span) may have a length no run has: then nothing closes it.
                lst = by_len.get(length, ())
                j = bisect_right(lst, s)
                if j < len(lst):
                    work += lst[j] - s
                    pos = lst[j] + length
                    continue
                work += end - s  # Python-Markdown scans to the paragraph's end
                shorter = later_max[k]
                if 0 < shorter < length:
                    lst = by_len[shorter]
                    pos = lst[bisect_right(lst, s)] + shorter
                else:
                    pos = s + 2 * length
                if work > MAX_BACKTICK_SCAN:
                    self.add(start, "this paragraph's backticks would take Python-Markdown too long to pair"
                                    f" (over {MAX_BACKTICK_SCAN:,} characters scanned)",
                             "close every code span with as many backticks as opened it, or use a fenced block")
                    return

    def inline(self) -> None:
        body = self.body
        # Python-Markdown renders each list item, heading and table row on its
        # own: a new one starts a new piece of inline text.
        cuts = sorted({m.start() for m in _CX_INLINE_START.finditer(body)})
        for start, end in self.blocks():
            lo = bisect_right(cuts, start)
            hi = bisect_right(cuts, end)
            edges = [start] + cuts[lo:hi] + [end]
            for a, b in zip(edges, edges[1:]):
                if (b - a) * (b - a) <= MAX_INLINE_WORK:
                    continue
                count = sum(body.count(c, a, b) for c in _CX_INLINE_CHARS) + body.count("  \n", a, b)
                if count * (b - a) > MAX_INLINE_WORK:
                    self.add(a, f"this paragraph has {count:,} inline constructs in {b - a:,} characters:"
                                " too many for Python-Markdown to render in reasonable time",
                             "split it into smaller paragraphs")
                    return

    def splits(self) -> None:
        body = self.body
        marks = [m.start() for m in _CX_SPLIT.finditer(body)]
        if len(marks) * len(body) <= MAX_SPLIT_WORK:
            return
        for start, end in self.blocks():
            k = bisect_right(marks, end - 1) - bisect_right(marks, start - 1)
            if k * (end - start) > MAX_SPLIT_WORK:
                self.add(start, f"this block has {k:,} headings, rules or fences in {end - start:,} characters"
                                " without a blank line between them: too slow for Python-Markdown to render",
                         "put a blank line before and after each heading, rule and fence")
                return

    def definitions(self) -> None:
        body = self.body
        marks = [m.start() for m in _CX_DEFINITION.finditer(body)]
        if len(marks) <= MAX_DEFINITIONS:
            return
        for start, end in self.blocks():
            lo = bisect_right(marks, start - 1)
            hi = bisect_right(marks, end - 1)
            if hi - lo > MAX_DEFINITIONS:
                self.add(marks[lo + MAX_DEFINITIONS], f"more than {MAX_DEFINITIONS} definitions without a blank line"
                                                      " between them: Python-Markdown nests each in the one before"
                                                      " and fails",
                         "put a blank line between the definitions")
                return

    def tables(self) -> None:
        body = self.body
        run_start, run_len, last_line_end = -1, 0, -2
        for m in _CX_PIPE_LINE.finditer(body):
            s = m.start()
            if s == last_line_end + 1:
                run_len += 1
            else:
                run_start, run_len = s, 1
            if run_len > MAX_TABLE_ROWS:
                self.add(run_start, f"a table of more than {MAX_TABLE_ROWS:,} rows",
                         "split the table, or move the data to a file the page links to")
                return
            nl = body.find("\n", s)
            last_line_end = nl if nl != -1 else len(body)

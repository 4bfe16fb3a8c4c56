"""Citation groups: pandoc's ``[@key]`` syntax, read as the project limits it.

:func:`_cite_group` is the grammar (pandoc's normal citation: items
separated by ";", one key each, ``@{...}`` braced keys, escapes, one level
of brackets in prefixes and locators); :class:`Citations` applies it at a
"[" of the CommonMark reading and decides what is a citation group, what is
a reference link to Python-Markdown, and what is a malformed group (the
reasons :data:`NO_KEY`, :data:`TWO_KEYS`, :data:`NESTED_KEY`,
:data:`UNCLOSED`). :func:`cite_syntax` writes a key back as an author
would. Reading every "[" of a page reads each character a bounded number of
times.
"""

from __future__ import annotations

import re
from typing import Callable

from ossref.load.scan.base import _LABEL, _WS, _Next, _blank_line_in, _snippet
from ossref.model import CitationGroup, CitationItem, MalformedCitation, Position

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


class Citations:
    """The citation groups of the CommonMark reading ``ma`` of ``body``, read
    one "[" at a time by the bracket walk (:mod:`ossref.load.scan.links`).

    ``ref_ids``: the reference definition ids, as Python-Markdown stores
    them (stripped, lower case): a group it renders as a reference link is no
    citation. ``pos`` maps an offset to a file position. Bracket groups that
    hold a key but are no citation collect in ``malformed``, in the order
    read.
    """

    def __init__(self, body: str, ma: str, ref_ids: set[str], pos: Callable[[int], Position]) -> None:
        self.body, self.ma, self.ref_ids, self.pos = body, ma, ref_ids, pos
        self._braces: dict[int, int] | None = None  # "{" -> its "}", for @{...} keys
        self._at: _Next | None = None
        #: Bracket groups that hold a key but are no citation, in body order.
        self.malformed: list[MalformedCitation] = []

    def read(self, s: int, limit: int, spans: list[tuple[int, int]], has_at: bool) -> CitationGroup | None:
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

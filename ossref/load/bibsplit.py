"""Split BibTeX text into blocks, as bibtexparser 2's splitter does, faster.

:func:`split_blocks` returns exactly the blocks of
``bibtexparser.parse_string(text, parse_stack=[])`` (duplicate-key wrappers
removed), with the same types, raw text, keys, fields and 0-based lines.
bibtexparser steps through every brace, comma and newline in Python (12 s
of issue #15's 21 s check of a 6.7 MB export); here the common shape of an
entry, the one reference managers write, is read with a few regular
expressions per field, and any other text is handed to bibtexparser itself.
Written against bibtexparser 2.1's splitter; the differential tests say
whether another version still agrees.

Why handing pieces over gives the same result: bibtexparser starts a new
block at every ``@type{`` that begins a line, whatever it was reading (an
unclosed block is cut there), and what it reads from that ``@`` on depends
only on the text that follows. So the text is cut at the end of an entry of
the common shape that starts a line; the piece before is parsed by
bibtexparser on its own, its lines shifted by the lines before it.

The common shape (anything else goes to bibtexparser): ``@type{key,`` with
``name = value`` fields separated by commas, a value being braced groups
(nested up to :data:`MAX_DEPTH` deep; ``\\{`` and ``\\}`` do not count, as in
bibtexparser), ``"quoted"`` text without braces or backslashes, and bare
words, joined freely; no ``@`` outside braces or quotes and none that starts
a line; a type that bibtexparser does not read as a comment, preamble or
string. ``tests/test_bibsplit.py`` checks the two splitters agree on every
``.bib`` file the project holds, the fuzz corpora and generated text.

Work is linear in the text: each try at the common shape is bounded by the
next ``@`` that starts a line, and these bounds only move forward.
"""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
)

__all__ = ["MAX_DEPTH", "ONE_GROUP", "FastEntry", "split_blocks", "split_blocks_slow"]

# Where bibtexparser starts a block: "@type" then "{" or "(" (its own rule).
_BLOCK_START = re.compile(r"@\w*[ \t]*(?=[{(])")
# An "@" that starts a line (after blanks): bibtexparser starts a block at
# such an "@type{" whatever it was reading. Any such "@" bounds a fast read.
_LINE_AT = re.compile(r"\n[^\S\n]*@")
# A "@type{" that starts a line: where a piece for bibtexparser may end.
_LINE_BLOCK = re.compile(r"^[^\S\n]*(@\w*[ \t]*)(?=\{)", re.M)

#: Deepest nesting of braces in a value read here; deeper goes to bibtexparser.
MAX_DEPTH = 8


def _braced(depth: int) -> str:
    # Inside braces: a backslash takes a following brace with it (bibtexparser
    # does not count a brace after a backslash); quotes, commas and newlines
    # are plain text there.
    inner = r"[^{}\\]++|\\[{}]?+"
    if depth > 1:
        inner += "|" + _braced(depth - 1)
    return r"\{(?:" + inner + r")*+\}"


# A key: no character bibtexparser acts on (backslash: it hides the next one).
_KEY = r'[^{}",=\\@]*+'
# A value: plain text, braced groups and brace-free quoted text, in any order.
_VALUE = r'(?:[^{}",\\@]++|' + _braced(MAX_DEPTH) + r'|"[^"{}\\]*+")*+'
_FIELD = re.compile(r"(" + _KEY + r")=(" + _VALUE + r")[,}]")
# From after the "{": the key, then "}" or fields up to the closing "}"
# (after a last comma, only blanks may come before it).
_ENTRY = re.compile(r"(" + _KEY + r")(?:\}|(,)(?:" + _KEY + "=" + _VALUE + r",)*+(?:"
                    + _KEY + "=" + _VALUE + r"\}|()\s*+\}))")
_NON_SPACE = re.compile(r"\S")
#: One braced group, as bibtexparser and the loader delimit it.
ONE_GROUP = re.compile(_braced(MAX_DEPTH))
_NOT_ENTRY = ("@comment", "@preamble", "@string")


def split_blocks_slow(text: str) -> list[Block]:
    """bibtexparser's blocks of ``text``, duplicate-key wrappers removed:
    what :func:`split_blocks` must equal."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    return [_unwrap(block) for block in library.blocks]


def split_blocks(text: str) -> list[Block]:
    """The blocks of ``text``, equal to :func:`split_blocks_slow`'s."""
    return _Splitter(text).split()


class FastEntry(Entry):
    """An entry read here. Its fields are kept as ``pairs`` of (name,
    value); the :class:`~bibtexparser.model.Field` objects, with their lines,
    are built only if :attr:`fields` is asked for (the loader needs the
    pairs only: 200,000 fields' objects and lines cost a third of a second)."""

    def __init__(self, entry_type: str, key: str, pairs: list[tuple[str, str]], start_line: int, raw: str,
                 span: tuple[int, int]) -> None:
        super().__init__(entry_type, key, [], start_line, raw)
        self.pairs = pairs
        self._span = span  # where the fields are in ``raw``
        self._built = False

    @property
    def fields(self) -> list[Field]:
        if not self._built:
            raw, line, counted = self.raw or "", self.start_line or 0, 0
            lo, hi = self._span
            for match, (name, value) in zip(_FIELD.finditer(raw, lo, hi), self.pairs):
                equals = match.end(1)
                line += raw.count("\n", counted, equals) - raw.count("\\\n", max(counted - 1, 0), equals)
                counted = equals
                self._fields.append(Field(name, value, line))
            self._built = True
        return self._fields

    @fields.setter
    def fields(self, value: list[Field]) -> None:
        self._fields, self._built = value, True


def _unwrap(block: Block) -> Block:
    if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
        return block.ignore_error_block
    return block


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.blocks: list[Block] = []
        self._line_pos = 0  # lines are counted up to here
        self._line = 0  # bibtexparser's 0-based line at _line_pos
        self._bound_from = -1  # _bound is the first line-start "@" after this
        self._bound = 0

    def split(self) -> list[Block]:
        text, n = self.text, len(self.text)
        done = 0  # everything before is split; it is the end of an entry, or 0
        while True:
            start = _BLOCK_START.search(text, done)
            if start is None:
                self._comment(done, n)
                return self.blocks
            entry = self._entry(start)
            if entry is not None:
                self._comment(done, start.start())
                self.blocks.append(entry)
                done = len(entry.raw) + start.start()
                continue
            # Not the common shape: bibtexparser reads from `done` to the end
            # of the next entry of the common shape that starts a line.
            end, tail = n, None
            for candidate in _LINE_BLOCK.finditer(text, start.start() + 1):
                match = _BLOCK_START.match(text, candidate.start(1))
                if match is not None:
                    tail = self._entry(match)
                    if tail is not None:
                        end = match.start() + len(tail.raw)
                        break
            self._slow(done, end)
            done = end
            if end == n:
                return self.blocks

    # ------------------------------------------------------------ lines

    def _line_at(self, pos: int) -> int:
        """bibtexparser's 0-based line at ``pos``: it counts a newline only
        when no backslash comes right before it. Counted from the previous
        position asked for, mostly just before."""
        text, last = self.text, self._line_pos
        if pos >= last:
            self._line += text.count("\n", last, pos) - text.count("\\\n", max(last - 1, 0), pos)
        else:
            self._line -= text.count("\n", pos, last) - text.count("\\\n", max(pos - 1, 0), last)
        self._line_pos = pos
        return self._line

    def _next_bound(self, pos: int) -> int:
        """Offset of the first "@" after ``pos`` that starts a line, or the end."""
        if not self._bound_from <= pos < self._bound:
            found = _LINE_AT.search(self.text, pos + 1)
            self._bound = found.end() - 1 if found else len(self.text)
        self._bound_from = pos
        return self._bound

    # ----------------------------------------------------------- blocks

    def _entry(self, start: re.Match[str]) -> FastEntry | None:
        """The entry starting at ``start`` (its "@type" mark), if it has the
        common shape; None otherwise."""
        text = self.text
        mark = start.group().lower()
        if mark.startswith(_NOT_ENTRY):
            return None
        at = start.start()
        opening = start.end()
        if text[opening] != "{":
            return None
        bound = self._next_bound(at)
        whole = _ENTRY.match(text, opening + 1, bound)
        if whole is None:
            return None
        pos = whole.end()
        if whole.group(2) is None:
            lo = hi = pos
        else:
            # The whole entry has the shape, so the fields follow one another
            # from the key's comma to the "}" (or to blanks before it, which a
            # search would scan again from each position).
            lo, hi = whole.end(2), pos if whole.start(3) < 0 else whole.start(3)
        pairs = [(name.strip(), value.strip()) for name, value in _FIELD.findall(text, lo, hi)]
        return FastEntry(mark[1:].strip(), whole.group(1).strip(), pairs, self._line_at(at),
                         text[at:pos], (lo - at, hi - at))

    def _comment(self, begin: int, end: int) -> None:
        """The text between two blocks, as bibtexparser keeps it: from its
        first non-blank character, trailing blanks cut, on that character's
        line; nothing when it is all blank. At the file's start bibtexparser
        counts from an added newline, at line -1: the same line in the end."""
        text = self.text
        found = _NON_SPACE.search(text, begin, end)
        if found is None:
            return
        first = found.start()
        raw = text[first:end].rstrip()
        line = self._line_at(begin) + text.count("\n", begin, first)
        self.blocks.append(ImplicitComment(start_line=line, raw=raw, comment=raw))

    def _slow(self, begin: int, end: int) -> None:
        """bibtexparser's blocks of ``text[begin:end]``, at their lines in the file."""
        shift = self._line_at(begin)
        for block in split_blocks_slow(self.text[begin:end]):
            if shift:
                # bibtexparser's blocks have no setter for their line.
                block._start_line_in_file = (block.start_line or 0) + shift
                if isinstance(block, Entry):
                    for field in block.fields:
                        field._start_line = field.start_line + shift
            self.blocks.append(block)

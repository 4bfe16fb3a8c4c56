"""The line pass: a body's block structure, as both readings need it.

:class:`Blocks` reads the body once, line by line, the way Python-Markdown's
block parser (with the wiki's extensions) will: fenced and indented code,
HTML comments and block-level tags that start a line, ATX and setext
headings, reference definitions (also inside block quotes, lists,
admonitions and definitions), tables, definition terms, and which newlines
are *inside* a paragraph. It records what the later passes need (see the
attributes) and reads no inline construct. Linear: each line is read once,
or twice when a fence CommonMark takes for one is text to Python-Markdown.
"""

from __future__ import annotations

from bisect import bisect_right

from ossref.load.scan.base import _Next, _comment_end, _escaped
from ossref.load.scan.lines import (_ATX, _CONTAINER_OPEN, _DD_HEADING, _DD_START, _FENCE_CLOSE, _FENCE_OPEN, _HR,
                                    _LIST_ITEM, _PM_BLOCK_TAGS, _PM_FENCE_INFO, _PM_ITEM_PREFIX, _PM_TAG_START,
                                    _QUOTE_PREFIX, _SETEXT_UNDERLINE, _SPECIAL_FIRST, _OpenComments, _atx_text,
                                    _def_span, _pm_interrupts, _table_start)
from ossref.model import Position


class Blocks:
    """The block structure of ``body`` (read on construction), and file
    positions of its offsets (:meth:`pos`; ``body_line`` is the file line of
    offset 0).

    Attributes, for the later passes:

    * ``lines``, ``line_starts``: the body split at ``"\n"``, and the offset
      of each line.
    * ``joins[i]``: the newline ending line ``i`` is inside a paragraph (every
      other newline becomes a block boundary in the working copies).
    * ``blank_both``: sorted (start, end) spans that are code or comments in
      both readings; ``a_only``: fenced code to CommonMark that
      Python-Markdown renders as text; ``pm_fences``: fenced code to
      Python-Markdown, in order.
    * ``headings_raw``: (level, offset of the marker, raw text) of each
      heading, in the order found.
    * ``terms``: (start, end) offsets of the lines def_list makes terms.
    * ``def_lines``: (line, column its container's body starts at) of each
      reference definition, also in block quotes, list items and admonitions.
    """

    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.body_line = body_line
        self.line_starts: list[int] = [0]
        self._read()

    def pos(self, offset: int) -> Position:
        """The file position of body offset ``offset``."""
        i = bisect_right(self.line_starts, offset) - 1
        if i < 0:
            i = 0
        return Position(self.body_line + i, offset - self.line_starts[i] + 1)

    def _read(self) -> None:
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

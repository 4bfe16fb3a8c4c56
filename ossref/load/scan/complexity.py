"""The ``too-complex`` guard: where Python-Markdown itself would be too slow on a body, or fail.

:func:`complexity` reports each limit below that a body crosses. It is
separate from the scan (the check's ``too-complex`` rule calls it) and shares
nothing with it but two primitives.

Python-Markdown 3.11 with the wiki's extensions (toc, tables, admonition,
footnotes, def_list, pymdownx.details, superfences, highlight) is
super-linear on some input well within the 1 MB file limit, and fails with
RecursionError on some deep nesting. A page past one of these limits is a
``too-complex`` error, so the build refuses it rather than hang or crash.
Each limit is far above what a real entry needs (the wiki's own entries,
repeated to 1 MB, render in 0.36 s) and keeps rendering well under a second.

Measured with markdown.markdown(text, extensions=<the wiki's>) on one core,
Python 3.11 (input: size, seconds); see the report of the hardening change.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ossref.load.scan.base import _TICKS, _escaped
from ossref.model import Position

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

"""Code spans and inline comments, and the two working copies they are blanked in.

:func:`_inline_code` finds code spans (and one-line HTML comments) as
CommonMark pairs backticks, or as Python-Markdown 3.11 does;
:func:`working_copies` builds from the line pass's results the two readings
of the body the inline passes search (CommonMark's for what counts as code,
Python-Markdown's for raw HTML and unsafe links). Linear in the text.
"""

from __future__ import annotations

from ossref.load.scan.base import _SEP, _TICKS, _Next, _blanked, _comment_end, _escaped

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


def working_copies(lines: list[str], joins: list[bool], blank_both: list[tuple[int, int]],
                   a_only: list[tuple[int, int]]) -> tuple[str, str | None]:
    """The two readings of a body the inline passes search, from the line
    pass's results (see :class:`ossref.load.scan.blocks.Blocks`).

    Returns ``(ma, mb)``. Both are the body with every newline that is not
    inside a paragraph (``joins``) replaced by ``"\x00"``, a ``"\r"``
    ending a line by a space, and code and comments blanked. ``ma`` is the
    CommonMark reading: every fence is code (``a_only`` too), backticks pair
    as CommonMark pairs them. ``mb`` is Python-Markdown's: ``a_only`` is
    text, backticks pair as it pairs them and its inline comments are
    blanked; it is None when it would equal ``ma`` (most pages).
    """
    parts: list[str] = []
    last = len(lines) - 1
    for k, ln in enumerate(lines):
        if ln.endswith("\r"):
            ln = ln[:-1] + " "
        parts.append(ln)
        if k != last:
            parts.append("\n" if joins[k] else _SEP)
    m0 = _blanked("".join(parts), blank_both)
    # The CommonMark reading: every fence is code.
    ma_blocks = _blanked(m0, a_only)
    cm_spans, unmatched = _inline_code(ma_blocks, pm=False)
    ma = _blanked(ma_blocks, cm_spans)
    # The Python-Markdown reading, only used for raw HTML and unsafe links.
    # It can differ only when a fence is not code to it, a backtick run
    # was unmatched, or there is an inline comment.
    mb = None
    if a_only or unmatched or "<!--" in m0:
        # Python-Markdown pairs every backtick of a paragraph before it
        # looks for HTML: a comment whose "-->" falls in a code span does
        # not end there. (CommonMark takes whichever comes first.)
        pm_spans, _ = _inline_code(m0, pm=True, comments=False)
        if "<!--" in m0:
            comments, _ = _inline_code(_blanked(m0, pm_spans), pm=True)
            pm_spans = sorted(pm_spans + comments)
        if a_only or pm_spans != cm_spans:
            mb = _blanked(m0, pm_spans)
    return ma, mb

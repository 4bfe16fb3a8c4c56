"""Findings per file and rule: at most :data:`MAX_PER_CODE` listed, the rest counted.

Every reader and check caps its own findings through :func:`cap_per_code`
(so a hostile file costs bounded memory), and the pipeline caps them all
once more; :func:`summary` writes the one finding that counts the rest, and
:func:`suppressed_count` adds those counts up for the report's summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ossref.diagnostics import Diagnostic, diag

__all__ = ["MAX_PER_CODE", "cap_per_code", "findings_at", "summary", "suppressed_count"]

#: Most diagnostics of one rule reported for one file. A real file has a
#: handful; past this many, the author needs the first ones and a count.
MAX_PER_CODE = 50


def cap_per_code(diagnostics: list[Diagnostic], limit: int = MAX_PER_CODE) -> list[Diagnostic]:
    """``diagnostics`` with at most ``limit`` of one rule per file: the first
    ``limit`` by position, then one diagnostic of the same rule, at the first
    one left out, saying how many more there are and on which lines. Nothing
    goes unreported: every finding is listed or counted in a summary. The
    order is kept when nothing is left out; otherwise the result is sorted.

    Summaries already in ``diagnostics`` (a reader that capped its own
    findings early, to keep memory bounded) are merged into the new one, so
    capping twice gives what capping once would, and :func:`suppressed_count`
    stays exact."""
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault((d.path, d.code), []).append(d)
    if all(len(group) <= limit and not any(map(_is_summary, group)) for group in groups.values()):
        return diagnostics
    out: list[Diagnostic] = []
    for (path, code), group in groups.items():
        carried = [(d, _summary_counts(d)) for d in group if _is_summary(d)]
        real = sorted(d for d in group if not _is_summary(d))
        if not carried and len(real) <= limit:
            out += real
            continue
        out += real[:limit]
        rest = real[limit:]
        count = len(rest) + sum(n for _, (n, _) in carried)
        starts = [(d.line, d.column) for d in rest[:1]] + [(d.line, d.column) for d, _ in carried]
        line, column = min(starts)
        last = max([d.line for d in rest[-1:]] + [last for _, (_, last) in carried])
        out.append(summary(path, code, line, column, last, count, limit))
    return sorted(out)


def summary(path: str, code: str, line: int, column: int, last_line: int, count: int,
            limit: int = MAX_PER_CODE) -> Diagnostic:
    """The diagnostic standing for ``count`` more of rule ``code`` in ``path``,
    from ``line``:``column`` to ``last_line``."""
    lines = f"line {line}" if last_line == line else f"lines {line}-{last_line}"
    return diag(path, line, column, code,
                f"... and {count:,} more `{code}` findings in this file ({lines}), not listed one by one",
                f"fix the {limit} listed above and check again")


# What summary() writes. Every other message starts with fixed words of
# ossref's own, never with text from the input, so this cannot be forged.
_SUMMARY = re.compile(r"\.\.\. and ([0-9,]+) more `([a-z-]+)` findings in this file "
                      r"\((?:line (\d+)|lines \d+-(\d+))\), not listed one by one")


def _is_summary(d: Diagnostic) -> bool:
    if not d.message.startswith("... and "):
        return False
    match = _SUMMARY.fullmatch(d.message)
    return match is not None and match.group(2) == d.code


def _summary_counts(d: Diagnostic) -> tuple[int, int]:
    """(findings counted, last line) of a :func:`summary` diagnostic."""
    match = _SUMMARY.fullmatch(d.message)
    assert match is not None
    return int(match.group(1).replace(",", "")), int(match.group(3) or match.group(4))


def suppressed_count(diagnostics: Iterable[Diagnostic]) -> int:
    """How many findings the :func:`summary` diagnostics among ``diagnostics`` stand for."""
    return sum(_summary_counts(d)[0] for d in diagnostics if _is_summary(d))


def findings_at(path: str, code: str, text: str, pattern: re.Pattern[str], message: Callable[[str], str],
                hint: str, limit: int = MAX_PER_CODE) -> list[Diagnostic]:
    """A diagnostic of rule ``code`` at each match of ``pattern`` in ``text``
    (1-based line and column, counted in code points), its message made by
    ``message(matched text)``. Past ``limit`` the rest are only counted, into
    one :func:`summary`: a megabyte of matches costs positions, not a third
    of a million diagnostics."""
    out: list[Diagnostic] = []
    line, line_start, counted, more, last, first = 1, 0, 0, 0, 0, (1, 1)
    for match in pattern.finditer(text):
        at = match.start()
        newlines = text.count("\n", counted, at)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, at) + 1
        counted = at
        if len(out) < limit:
            out.append(diag(path, line, at - line_start + 1, code, message(match.group()), hint))
        else:
            if not more:
                first = (line, at - line_start + 1)
            more, last = more + 1, line
    if more:
        out.append(summary(path, code, *first, last, more, limit))
    return out

"""Did-you-mean suggestions with bounded work per question.

``difflib.get_close_matches(word, choices)`` compares ``word`` with every
choice: a page of 7,000 unknown citations against 5,000 BibTeX keys spent a
minute there. :class:`Suggester` indexes its choices once by character
trigrams and, for each question, compares with difflib only the few choices
that share the most trigrams with it, so a question costs at most
:data:`WORK_PER_QUESTION` steps however many choices there are.

A suggestion is a hint: the index may miss the closest choice when it shares
only very common trigrams with the question, and then it suggests another
one or none. That is the price of the bound.
"""

from __future__ import annotations

import difflib
import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable

#: Characters of a question, and of a choice, that are compared: a 60,000
#: character citation key is judged by its start.
MAX_CHARS = 64
#: Postings read per trigram of the question: those of the choices nearest to
#: it in sorted order, so a trigram shared by 20,000 keys costs no more than a
#: rare one.
MAX_POSTINGS = 32
#: Choices compared with difflib per question, the ones sharing most trigrams.
MAX_CANDIDATES = 8
#: Choices next to the question in sorted order, compared as well: they catch
#: a typo in the last characters when every trigram is common.
NEIGHBOURS = 2
#: Upper bound of :attr:`Suggester.work` added by one question.
WORK_PER_QUESTION = (MAX_CHARS + 2) * MAX_POSTINGS + (MAX_CANDIDATES + 2 * NEIGHBOURS) * MAX_CHARS


def _trigrams(text: str) -> set[tuple[str, str, str]]:
    padded = f"\0{text}\0"
    return set(zip(padded, padded[1:], padded[2:]))


class Suggester:
    """The closest of a fixed set of ``choices`` to a question, if close enough.

    Building the index is linear in the choices' length (each cut to
    :data:`MAX_CHARS`) and happens on the first question, so a check that
    needs no hint pays nothing. :attr:`work` counts postings read and
    characters compared, for tests that bound it.
    """

    def __init__(self, choices: Iterable[str]) -> None:
        self._choices = sorted(set(choices))
        self._postings: dict[tuple[str, str, str], list[int]] | None = None
        self.work = 0

    def _index(self) -> dict[tuple[str, str, str], list[int]]:
        if self._postings is None:
            postings: defaultdict[tuple[str, str, str], list[int]] = defaultdict(list)
            for i, choice in enumerate(self._choices):
                for gram in _trigrams(choice[:MAX_CHARS]):
                    postings[gram].append(i)  # ascending i: each list stays sorted
            self._postings = dict(postings)
        return self._postings

    def closest(self, question: str, cutoff: float = 0.6,
                skip: Callable[[str], bool] | None = None) -> str | None:
        """The choice most like ``question`` (difflib's ratio, at least
        ``cutoff``) among a bounded number of candidates, or None. Choices
        for which ``skip`` is true are never returned."""
        if not self._choices:
            return None
        postings = self._index()
        short = question[:MAX_CHARS]
        here = bisect_left(self._choices, short)
        shared: dict[int, int] = {}
        for gram in _trigrams(short):
            found = postings.get(gram)
            if not found:
                continue
            at = bisect_left(found, here)
            window = found[max(0, at - MAX_POSTINGS // 2): at + MAX_POSTINGS // 2]
            self.work += len(window)
            for i in window:
                shared[i] = shared.get(i, 0) + 1
        picked = set(heapq.nlargest(MAX_CANDIDATES, shared, key=lambda i: (shared[i], -i)))
        picked.update(range(max(0, here - NEIGHBOURS), min(len(self._choices), here + NEIGHBOURS)))
        best, best_ratio = None, cutoff
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(short)
        for i in sorted(picked):
            choice = self._choices[i]
            if skip is not None and skip(choice):
                continue
            matcher.set_seq1(choice[:MAX_CHARS])
            self.work += MAX_CHARS
            if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                ratio = matcher.ratio()
                if ratio > best_ratio or (ratio == best_ratio and best is None):
                    best, best_ratio = choice, ratio
        return best

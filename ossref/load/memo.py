"""What a check's load found per file, by the file's stat: a warm check reads only what changed.

:func:`ossref.load.loader.load` given a :class:`LoadMemo` (``need="facts"``)
takes a file's facts and findings from it, without opening the file, when
the file's stat (size, mtime, ctime, inode, device) is the one recorded when
it was last read, and records each file it read into a new memo.

What the memo trusts, and why that is safe: a file whose stat is unchanged
is taken to have unchanged bytes, as git, make and rsync take it. Editors,
``git checkout`` and ``cp`` all change mtime or size or ctime, and the
ctime cannot be set back by anyone but the kernel. The one case a stat
misses is a file written twice within the timestamps' granularity, the
second time after it was read, with the same size: git's "racily clean"
file. So an entry is trusted only when the file's mtime is older than the
moment its stat was taken by :data:`RACY_NS` (git trusts an index entry only
when it is older than the index file); a file modified in that window is
read again on the next run, and on every run until it is old enough.

The memo belongs to the machine that wrote it (the store's MAC guards it on
disk, :mod:`ossref.check.state`); a fresh clone has no memo, so a stranger's
pull request cannot make a CI check trust a stat: every file of a clone is
read.
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["RACY_NS", "LoadMemo", "stat_key"]

#: How much older than the memo a file's mtime must be for its stat to be
#: trusted: file systems with coarse timestamps (FAT: 2 s) included.
RACY_NS = 2_000_000_000

#: (size, mtime_ns, ctime_ns, inode, device) of a file.
StatKey = tuple[int, int, int, int, int]


def stat_key(path: str | os.PathLike) -> StatKey | None:
    """The stat a memo entry is keyed by, without following a symlink; None
    when the file cannot be stat-ed (then it is read, and the reader says why)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


class LoadMemo:
    """Per file, as last read: its stat and what loading it gave.

    * ``stats``: rel -> stat of each page read;
    * ``entries``: rel -> (facts as a tuple, diagnostics frozen as
      :func:`ossref.load.records.freeze_diagnostics` has them, the store
      address of its entry or b""), given with ``bibliography`` by ``entries_source`` on first use
      (a warm run where no stat changed never needs them);
    * ``bibs``: ((rel, stat), ...) of every BibTeX file, in order, and
      ``bibliography``: (where each key is defined, frozen diagnostics) of
      their merge, or None; ``bib_addresses``: the store addresses of their
      entries and of the merge;
    * ``walked``: the diagnostics of walking the folders and the docs
      folder's other files, as last seen (a run where these and every stat
      are as they were changed nothing).

    ``taken_ns`` is when the stats were taken (before any was). Plain data
    only, for :mod:`marshal`."""

    def __init__(self, taken_ns: int = 0) -> None:
        self.taken_ns = taken_ns
        self.stats: dict[str, StatKey] = {}
        self._entries: dict[str, tuple] | None = {}
        self.entries_source: Callable[[], tuple[dict[str, tuple], tuple | None]] | None = None
        self.bibs: tuple = ()
        self.bibliography: tuple | None = None
        self.bib_addresses: tuple = ()
        self.walked: tuple = ()
        #: Files read this run (not served from the memo); for the caller and tests.
        self.read: int = 0
        #: Why the store could not be written this run, or None.
        self.problem: OSError | None = None
        #: Pages whose entry this run changed: read again, or gone.
        self.changed: set[str] = set()

    @property
    def entries(self) -> dict[str, tuple]:
        if self._entries is None:
            assert self.entries_source is not None
            self._entries, self.bibliography = self.entries_source()
            self.entries_source = None
        return self._entries

    def trusts(self, key: StatKey | None, recorded: StatKey | None) -> bool:
        """Whether a file whose stat is ``key`` now, ``recorded`` when last
        read, is unchanged: the same stat, and not racily clean."""
        return key is not None and key == recorded and key[1] < self.taken_ns - RACY_NS

    def add(self, rel: str, key: StatKey, entry: tuple) -> None:
        self.stats[rel] = key
        self.entries[rel] = entry

    def hot(self) -> tuple:
        """What every warm run reads: the stats and what was walked."""
        return self.taken_ns, self.stats, self.bibs, self.bib_addresses, self.walked

    def cold(self) -> tuple:
        """What only a run that found a change reads."""
        return self.entries, self.bibliography

    @classmethod
    def thaw(cls, hot: tuple, cold: Callable[[], tuple]) -> LoadMemo:
        """The memo :meth:`hot` and :meth:`cold` gave; ``cold`` is called on
        first use of :attr:`entries` or :attr:`bibliography` (see :meth:`warm_up`)."""
        taken_ns, stats, bibs, bib_addresses, walked = hot
        if not isinstance(taken_ns, int) or not isinstance(stats, dict) or not isinstance(bibs, tuple):
            raise TypeError("not a load memo")
        memo = cls(taken_ns)
        memo.stats, memo.bibs, memo.bib_addresses, memo.walked = stats, bibs, bib_addresses, walked
        memo._entries = None

        # Not a closure over the memo: a cycle would leave its entries to the cyclic GC.
        def source() -> tuple[dict[str, tuple], tuple | None]:
            entries, bibliography = cold()
            if not isinstance(entries, dict):
                raise TypeError("not a load memo")
            return entries, bibliography

        memo.entries_source = source
        return memo

"""A check's state between runs: what lets a warm ``ossref check`` redo only what changed.

:class:`CheckState` is what :func:`ossref.pipeline.check` (``keep_pages=False``)
accepts as ``state=`` and returns in :attr:`~ossref.pipeline.CheckResult.state`:
the load memo (each file's stat and facts, :mod:`ossref.load.memo`) and the
cross-file checks' state (:mod:`ossref.check.crossfile`). A long-running
process (``ossref serve``) keeps it in memory and hands it back for the
next check; ``ossref check`` keeps it on disk, in ``check-state.bin`` in the
cache folder, with the store's guarantees (:mod:`ossref.load.store`):

* stale-proof: the state is for one :func:`context` (ossref's code
  fingerprint, the options loading depends on, the per-page rules, and the
  whole configuration); a state of another context is no state;
* MACs keyed with this machine's secret (:func:`ossref.load.store.machine_key`)
  cover its two parts: the first (what every warm run reads) in
  ``check-state.bin``, which also lists the MACs of the second's files (what
  only a run that found a change reads, in ``check-state.parts/``, one per
  bucket of paths, each named by its MAC and checked when first read): a
  planted, altered, truncated, missing or swapped file is no state, and no
  part is unmarshalled before its MAC matched;
* an unwritable folder means no state (the check says so once, as for the store);
* it goes with the store: it names the stat of ``store.bin`` and
  ``store.journal`` as they were when it was written, and a state whose
  store has been replaced, altered, truncated or removed since is no state
  (the check then loads through the store, with all its checks).

The value is :mod:`marshal` data (only plain types), read only after its MAC matched.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import shutil
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from ossref.check.crossfile import CrossCheck
from ossref.config import Config
from ossref.load.memo import LoadMemo, stat_key
from ossref.model import PageFacts
from ossref.load import store
from ossref.load.store import JOURNAL_NAME, STORE_NAME, cache_folder, prepare_folder, write_atomic

__all__ = ["PARTS_NAME", "STATE_NAME", "CheckState", "StateUnusable", "context", "read_state", "remove_state",
           "store_stamp", "write_state"]

STATE_NAME = "check-state.bin"
_MAGIC = b"ossref-check-state\0\x03"
#: The folder, next to the state, of its second part's files (see :func:`write_state`).
PARTS_NAME = "check-state.parts"
_MAC_SIZE = 32


def context(config: Config, salt: bytes) -> bytes:
    """What a state is a function of besides the files: code, options, rules (``salt``), configuration."""
    h = hashlib.blake2b(digest_size=32)
    # Looked up on the module, so that what the store is stale for, the state is too.
    for part in (store.code_fingerprint(), store.options_salt(config), salt, repr(config).encode()):
        h.update(len(part).to_bytes(8, "little") + part)
    return h.digest()


class StateUnusable(Exception):
    """The part of a state read only when something changed turned out unusable."""


class CheckState:
    """What one check leaves for the next: :attr:`memo` (each file's stat and
    load results), :attr:`cross` (the cross-file checks' per-page findings
    and reads), :attr:`by_path` (each file's findings before and after the
    project's rules) and :attr:`last` (the last result), for the
    configuration :attr:`context` names.

    Contract: hand the state a check returned to the next check of the same
    project (``check(config, keep_pages=False, state=previous)``), and only
    to it; the check takes it over (it is updated in place and returned
    again), so do not use it after handing it on, nor hand one state to two
    checks at once. The findings are then exactly those of a check without
    a state: a state of another configuration or code is ignored, and a
    file's stat is trusted only as :mod:`ossref.load.memo` says. A check
    that raises leaves the state unusable: start the next one without it.

    What a run where nothing changed needs (the stats, the last result) is
    read at once; the rest (:attr:`cross`, :attr:`by_path`, the memo's
    entries) on first use, its MAC checked then; a failed check raises
    :class:`StateUnusable`."""

    def __init__(self, context: bytes, memo: LoadMemo | None = None) -> None:
        self.context = context
        self.memo = memo if memo is not None else LoadMemo()
        #: The store's files' stats when this state was written (:func:`store_stamp`).
        self.stamp: tuple = ()
        #: (pages, entries, references, BibTeX files, suppressed) of the last check, or None.
        self.last: tuple | None = None
        #: The last check's findings, by path in path order, as rows (:func:`ossref.check.crossfile.freeze_row`).
        self.reported: dict[str, tuple] = {}
        #: Each path's :attr:`reported` findings as the renderer :attr:`render_key` names wrote them
        #: (see :func:`ossref.pipeline.check`'s ``render``), for the paths in :attr:`reported`.
        self.render_key: str = ""
        self.rendered: dict[str, str] = {}
        #: The digest of the part holding :attr:`reported` and :attr:`rendered` as read or last written,
        #: and whether they changed since (then :func:`write_state` writes that part again).
        self.report_digest: bytes | None = None
        self.report_dirty = True
        self._cross: CrossCheck | None = CrossCheck()
        self._by_path: dict[str, tuple] | None = {}
        self._cold: Callable[[], tuple] | None = None
        #: Files the last check read, and pages whose cross-file rules it ran (for tests and benchmarks).
        self.read = 0
        self.rerun = 0
        #: The digests of the second part's buckets as read or last written (:func:`write_state` writes again
        #: only the ones that changed), and the paths whose records changed since (None: all may have).
        self.digests: list[bytes] | None = None
        self.dirty: set[str] | None = None

    @property
    def cross(self) -> CrossCheck:
        return self.cross_sharing(None, ())

    def cross_sharing(self, memo: LoadMemo | None, pages: Iterable[PageFacts]) -> CrossCheck:
        """:attr:`cross`; when it is read now, the facts of each page that
        ``memo`` (the next check's) took as it was from this state's memo
        are those of ``pages`` (that check's facts) rather than a copy:
        one object less per page, and compared by identity."""
        if self._cross is None:
            entries = self.memo.entries  # the facts of the pages it read
            taken = memo.entries if memo is not None else {}
            fresh = {f.path: f for f in pages}

            def facts_of(path: str) -> PageFacts:
                entry = entries[path]
                if taken.get(path) is entry and path in fresh:
                    return fresh[path]
                return PageFacts._make(entry[0])

            self._cross = CrossCheck.thaw(self._cold_part()[1], facts_of)
        return self._cross

    @property
    def by_path(self) -> dict[str, tuple]:
        """path -> (findings going in before the page's own, and after them;
        findings reported), as rows: see :func:`ossref.pipeline._reported`."""
        if self._by_path is None:
            by_path = self._cold_part()[2]
            if not isinstance(by_path, dict):
                raise StateUnusable("not a state")
            self._by_path = by_path
        return self._by_path

    def _cold_part(self) -> tuple:
        assert self._cold is not None
        return self._cold()

    def changed(self, paths: set[str] | None) -> None:
        """Note that what the state keeps for ``paths`` changed (None: anything may have)."""
        if paths is None or self.dirty is None:
            self.dirty = None
        else:
            self.dirty |= paths


def store_stamp(config: Config) -> tuple:
    """The stats of the store's files (``store.bin``, ``store.journal``), None for a missing one."""
    folder = cache_folder(config)
    if folder is None:
        return ()
    return stat_key(folder / STORE_NAME), stat_key(folder / JOURNAL_NAME)


def _path(config: Config) -> Path | None:
    folder = cache_folder(config)
    return folder / STATE_NAME if folder is not None else None


def read_state(config: Config, ctx: bytes) -> CheckState | None:
    """The state on disk for ``ctx``, or None (missing, other context, not
    this machine's, altered, truncated, unusable, or its store changed)."""
    if store.disabled_by_env():
        return None
    secret, path = store.machine_key(), _path(config)
    if secret is None or path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + len(ctx)
    if len(data) < head + 8 + _MAC_SIZE or data[:len(_MAGIC)] != _MAGIC or data[len(_MAGIC):head] != ctx:
        return None
    size = int.from_bytes(data[head:head + 8], "little")
    hot_at = head + 8 + _MAC_SIZE
    if hot_at + size != len(data):
        return None
    view = memoryview(data)
    if not hmac.compare_digest(data[head + 8:hot_at], _mac(secret, data[:head], b"hot", view[hot_at:])):
        return None
    try:
        stamp, memo_hot, last, report_digest, digests = marshal.loads(view[hot_at:])
        if not isinstance(digests, list) or len(digests) != BUCKETS + 1 \
                or not all(isinstance(d, bytes) and len(d) == _MAC_SIZE for d in [report_digest, *digests]):
            return None
        if stamp != store_stamp(config) or stamp[0] is None:
            return None  # its store is gone or was changed by another hand
        parts = path.parent / PARTS_NAME
        # The last result, which a run where nothing changed reports as it is.
        try:
            reported, render_key, rendered = marshal.loads(_read_part(parts, secret, data[:head], report_digest))
        except StateUnusable:
            return None
        if not isinstance(reported, dict) or not isinstance(rendered, dict) or not isinstance(render_key, str):
            return None
        cache: list[tuple] = []

        # cold() refers to nothing that refers to the state: a cycle would keep
        # the state's millions of objects for the cyclic GC to traverse, at
        # the latest when the interpreter exits (0.3-0.5 s at 10,000 entries).
        def cold() -> tuple:
            if not cache:
                blobs = [_read_part(parts, secret, data[:head], digest) for digest in digests]
                try:
                    value = _unbucket(blobs[0], blobs[1:], reported)
                except StateUnusable:
                    raise
                except Exception as exc:  # noqa: BLE001 - marshal raises several kinds
                    raise StateUnusable(str(exc)) from exc
                cache.append(value)
            return cache[0]

        state = CheckState(ctx, LoadMemo.thaw(memo_hot, lambda: cold()[0]))
        state._cross, state._by_path, state._cold = None, None, cold
        state.stamp, state.last, state.reported = stamp, last, reported
        state.render_key, state.rendered = render_key, rendered
        state.report_digest, state.report_dirty = report_digest, False
        # Reused by write_state only after cold() checked every part (it reads them all first).
        state.digests = list(digests[1:])
        state.dirty = set()
    except StateUnusable:
        raise
    except Exception:  # noqa: BLE001 - an unusable state is no state
        return None
    return state


def _read_part(parts: Path, secret: bytes, head: bytes, digest: bytes) -> bytes:
    """The part file named by ``digest`` when its keyed digest is that; else :class:`StateUnusable`."""
    try:
        blob = (parts / (digest.hex() + ".bin")).read_bytes()
    except OSError as exc:
        raise StateUnusable("a part is missing") from exc
    if not hmac.compare_digest(digest, _mac(secret, head, b"part", blob)):
        raise StateUnusable("altered")
    return blob


def write_state(config: Config, state: CheckState) -> OSError | None:
    """Write ``state`` atomically; the error when it could not be (then no
    state is left behind: the old one is removed, as it is out of date).

    The second part is files in :data:`PARTS_NAME`, each named by its keyed
    digest, which the first part lists (a check that reads an older first
    part finds its own parts, or a part that fails its digest: no state): a
    bucket no path of which changed is not written again, the first part is
    replaced last, and the parts it no longer lists are removed after it."""
    secret, path = store.machine_key(), _path(config)
    if secret is None or path is None or store.disabled_by_env():
        return None
    try:
        head = _MAGIC + state.context
        prepare_folder(path.parent)
        parts = path.parent / PARTS_NAME
        parts.mkdir(exist_ok=True)
        digests: list[bytes] = []
        for blob, written in _bucket(state):
            if written is None:
                written = _mac(secret, head, b"part", blob)
                # Written even when a file of that name is there: it may be a damaged one.
                write_atomic(parts / (written.hex() + ".bin"), lambda out: out.write(blob))
            digests.append(written)
        state.digests = digests[1:]
        report = state.report_digest
        if report is None or state.report_dirty:
            blob = marshal.dumps((state.reported, state.render_key, state.rendered))
            report = _mac(secret, head, b"part", blob)
            write_atomic(parts / (report.hex() + ".bin"), lambda out: out.write(blob))
            state.report_digest, state.report_dirty = report, False
        hot = marshal.dumps((store_stamp(config), state.memo.hot(), state.last, report, digests))
        write_atomic(path, lambda out: out.writelines((head, len(hot).to_bytes(8, "little"), _mac(secret, head, b"hot", hot), hot)))
        keep = {digest.hex() + ".bin" for digest in [report, *digests]}
        for name in os.listdir(parts):
            if name not in keep:
                try:
                    os.unlink(parts / name)
                except OSError:
                    pass
    except (OSError, ValueError) as exc:
        remove_state(config)
        return exc if isinstance(exc, OSError) else OSError(str(exc))
    return None


#: The second part's per-path records are kept in this many buckets, each
#: marshalled on its own, so that a check that changed a few files marshals
#: and writes again only their buckets' (the rest are copied as they were read).
BUCKETS = 64


@lru_cache(maxsize=None)
def _bucket_of(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % BUCKETS


def _bucket(state: CheckState) -> list[tuple[bytes, bytes | None]]:
    """The second part as (bytes, None) to write, or (b"", digest) of a
    part as read or last written when no path of its bucket changed: the
    rest (bibliography and the cross-file state but its per-path results),
    then each bucket's per-path records (memo entries, cross-file results
    and reported findings, by path), each marshalled on its own."""
    entries, bibliography = state.memo.cold()
    cross = state.cross.freeze(entries.__contains__)
    results, by_path = cross[6], state.by_path
    rest = marshal.dumps((bibliography, cross[:6] + (None,) + cross[7:]))
    old = state.digests if state.dirty is not None and state.digests is not None else None
    todo = set(range(BUCKETS)) if old is None else {_bucket_of(path) for path in state.dirty or ()}
    parts: list[tuple[dict, dict, dict]] = [({}, {}, {}) for _ in range(BUCKETS)]
    if todo:
        reported = state.reported
        for path, value in entries.items():
            b = _bucket_of(path)
            if b in todo:
                parts[b][0][path] = value
        # A file's findings as reported, and most often its cross-file
        # findings too, are the rows the report part holds (which every warm
        # run reads): kept there only, None standing for them here.
        for path, value in by_path.items():
            b = _bucket_of(path)
            if b in todo:
                rows = reported.get(path, ())
                parts[b][2][path] = value if value[2] != rows else (value[0], value[1], None)
        for path, value in results.items():
            b = _bucket_of(path)
            if b in todo:
                rows = reported.get(path, ())
                parts[b][1][path] = value if value[0] != rows else (None, *value[1:])
    out: list[tuple[bytes, bytes | None]] = [(rest, None)]
    out += [(marshal.dumps(parts[b]), None) if old is None or b in todo else (b"", old[b]) for b in range(BUCKETS)]
    state.dirty = set()
    return out


def _unbucket(rest: bytes, chunks: list[bytes], reported: dict[str, tuple]) -> tuple:
    """The inverse of :func:`_bucket`, given the reported findings written
    with it: (memo cold part, cross-file state, by_path)."""
    bibliography, cross = marshal.loads(rest)
    entries: dict = {}
    results: dict = {}
    by_path: dict = {}
    for chunk in chunks:
        a, b, c = marshal.loads(chunk)
        if not (isinstance(a, dict) and isinstance(b, dict) and isinstance(c, dict)):
            raise StateUnusable("not a state")
        entries.update(a)
        for path, value in b.items():
            results[path] = value if value[0] is not None else (reported.get(path, ()), *value[1:])
        for path, value in c.items():
            by_path[path] = value if value[2] is not None else (value[0], value[1], reported.get(path, ()))
    return (entries, bibliography), cross[:6] + (results,) + cross[7:], by_path


def _mac(secret: bytes, head: bytes, part: bytes, body: bytes | memoryview) -> bytes:
    # HMAC-SHA256: with the CPU's SHA instructions (OpenSSL uses them) it
    # takes half the time of keyed BLAKE2b, and a warm check at 10,000
    # entries checks some 70 MB.
    h = hmac.new(secret, head, hashlib.sha256)
    h.update(part)
    h.update(body)
    return h.digest()


def remove_state(config: Config) -> None:
    """Remove the state on disk, if any (its store could not be written)."""
    path = _path(config)
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass
        shutil.rmtree(path.parent / PARTS_NAME, ignore_errors=True)

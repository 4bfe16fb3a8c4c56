"""The check snapshot: what ``ossref check`` learned of each file last time.

``ossref check`` needs, of each page, only its :class:`~ossref.model.PageFacts`
and the diagnostics of its own file, and of the BibTeX files only where each
record is and what the files' diagnostics were. This module keeps exactly
that between runs, in one file, ``<cache_dir>/check-facts.bin``, so that a
repeat run re-reads and re-hashes every file but parses only the ones that
changed. (:mod:`ossref.load.cache` keeps whole parsed pages for ``build`` and
``serve``; a check does not need them, and loading 10,000 of them costs
more than a second.)

Stale-proof, like the cache: a page's record is used only when the BLAKE2b
hash of its path and bytes equals the one it was stored under, and the
BibTeX part only when every BibTeX file's path and hash are the same, in the
same order. The whole snapshot counts only when it was written by the same
code (:func:`ossref.load.cache.code_fingerprint`) with the same loading options.

Safe to read: the snapshot sits in the project, where a pull request could
put a file of its own. Its contents are :mod:`marshal` data, which must not
be fed untrusted bytes, so the file carries a BLAKE2b MAC of everything in it,
keyed with this machine's secret (:func:`ossref.load.cache.machine_key`, kept
outside every project): a file that was not written by ossref on this
machine, or was changed since, is ignored. A snapshot that is missing,
truncated, corrupt or unusable in any way is an empty one: never an error,
and never a different result.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from ossref.load import cache
from ossref.config import Config
from ossref.diagnostics import Diagnostic, Severity

SNAPSHOT_NAME = "check-facts.bin"
#: Bump when the payload changes shape.
SNAPSHOT_FORMAT = 1

_MAGIC = b"ossref-check-facts\0"
_MAC_SIZE = 32

#: A page's record: (key, facts as a plain tuple or None, diagnostics as tuples).
PageRecord = tuple[bytes, "tuple | None", tuple]
#: The BibTeX part: (signature: (path, key) of each file in order, {key: (path, line, column)},
#: diagnostics as tuples).
BibRecord = tuple[tuple, dict, tuple]


class Snapshot:
    """The records the last check left (:meth:`load`), and :meth:`save` for
    this one's. A disabled snapshot (``path`` None) has no records and saves
    nothing."""

    def __init__(self, path: Path | None, secret: bytes = b"", context: bytes = b"") -> None:
        self.path = path
        self._secret = secret
        self._context = context  # code fingerprint and options: part of what the MAC covers
        self.pages: dict[str, PageRecord] = {}
        self.bibs: BibRecord | None = None
        #: Why :meth:`save` could not write the file (disk full, read-only
        #: folder), or None.
        self.problem: OSError | None = None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def key(self, rel: str, data: bytes) -> bytes:
        """The hash of a file's path and bytes: what a page's record is stored
        under, and what the BibTeX signature lists for each file."""
        h = hashlib.blake2b(digest_size=20)
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
        return h.digest()

    def page(self, rel: str, key: bytes) -> PageRecord | None:
        """The last run's record of page ``rel`` if its bytes hashed to ``key``."""
        found = self.pages.get(rel)
        return found if found is not None and found[0] == key else None

    def load(self) -> None:
        """Read the file; anything wrong with it leaves the snapshot empty."""
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError:
            return
        head = len(_MAGIC) + _MAC_SIZE
        if len(data) < head or not data.startswith(_MAGIC):
            return
        payload = memoryview(data)[head:]
        if not hmac.compare_digest(self._mac(payload), data[len(_MAGIC):head]):
            return
        try:
            fmt, pages, bibs = marshal.loads(payload)
            if fmt != SNAPSHOT_FORMAT or not isinstance(pages, dict):
                return
        except Exception:  # noqa: BLE001 - a snapshot we cannot read is no snapshot
            return
        self.pages, self.bibs = pages, bibs

    def save(self, pages: dict[str, PageRecord], bibs: BibRecord | None) -> None:
        """Replace the file with these records, atomically; never raises (a
        snapshot that cannot be written only makes the next run slower)."""
        if self.path is None:
            return
        tmp = None
        try:
            payload = marshal.dumps((SNAPSHOT_FORMAT, pages, bibs))
            cache.prepare_folder(self.path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".check-facts-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC)
                fh.write(self._mac(payload))
                fh.write(payload)
            os.replace(tmp, self.path)
            tmp = None
        except OSError as exc:
            self.problem = exc
        except ValueError as exc:  # marshal: a value it cannot write
            self.problem = OSError(str(exc))
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _mac(self, payload: Any) -> bytes:
        h = hashlib.blake2b(key=self._secret, digest_size=_MAC_SIZE)
        h.update(self._context)
        h.update(payload)
        return h.digest()


def open_snapshot(config: Config, enabled: bool = True) -> Snapshot:
    """The project's snapshot, read; a disabled one when ``enabled`` is
    false, ``OSSREF_NO_CACHE`` is set, there is no machine secret or no
    usable cache folder (the same rules as :func:`ossref.load.cache.open_store`)."""
    if not enabled or cache.disabled_by_env():
        return Snapshot(None)
    secret = cache.machine_key()
    folder = cache.cache_folder(config)
    if secret is None or folder is None:
        return Snapshot(None)
    context = cache.code_fingerprint() + b"\0" + cache.options_salt(config) + b"\0"
    snapshot = Snapshot(folder / SNAPSHOT_NAME, secret, context)
    snapshot.load()
    return snapshot


def freeze_diagnostics(diagnostics: list[Diagnostic]) -> tuple:
    """``diagnostics`` as plain tuples, for :mod:`marshal`."""
    return tuple((d.path, d.line, d.column, d.code, d.message, d.hint, d.severity.value) for d in diagnostics)


def thaw_diagnostics(frozen: tuple) -> list[Diagnostic]:
    """The inverse of :func:`freeze_diagnostics`."""
    return [Diagnostic(path, line, column, code, message, hint, Severity(severity))
            for path, line, column, code, message, hint, severity in frozen]

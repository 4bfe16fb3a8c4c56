"""Reading one content file: safely, within a size limit, as UTF-8.

Every reader of content (pages, BibTeX) goes through :func:`read_bytes`, so
no file is followed through a symlink, waited on (a FIFO) or read past the
size cap, whoever reads it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ossref.diagnostics import Diagnostic, diag

__all__ = ["decode_text", "read_bytes", "read_text"]


def read_text(path: Path, rel: str, max_bytes: int) -> tuple[str | None, list[Diagnostic]]:
    """The file's text (UTF-8, a BOM removed), or None with a ``read-error``."""
    data, problems = read_bytes(path, rel, max_bytes)
    if data is None:
        return None, problems
    return decode_text(data, rel)


def read_bytes(path: Path, rel: str, max_bytes: int) -> tuple[bytes | None, list[Diagnostic]]:
    """The file's bytes, or None with a ``read-error``: unreadable, larger
    than ``max_bytes`` (never read past the limit), or not a regular file.

    Opened without following a symlink and without blocking, and checked on
    the open descriptor, so a file swapped for a link or a FIFO after
    :func:`walk` saw it is refused, not followed or waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        return None, [diag(rel, 1, 1, "read-error", f"cannot read file: {exc.strerror or exc}",
                           "check that the file exists, is readable and is not a link")]
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, [diag(rel, 1, 1, "read-error", "not a regular file",
                               "replace it with a plain text file")]
        if info.st_size > max_bytes:
            return None, [_too_large(rel, info.st_size, max_bytes)]
        data = _read_at_most(fd, max_bytes + 1, info.st_size + 1)
    except OSError as exc:
        return None, [diag(rel, 1, 1, "read-error", f"cannot read file: {exc.strerror or exc}",
                           "check that the file is readable")]
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew since fstat
        return None, [_too_large(rel, len(data), max_bytes)]
    return data, []


def _read_at_most(fd: int, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes of ``fd``, asking first for the ``expected``
    size (the file's size and one byte more, to see it grew): a buffered
    ``read(limit)`` would set aside ``limit`` bytes for every small file,
    which costs more than the read on a large wiki."""
    chunks = []
    left = limit
    want = min(expected, limit)
    while left > 0:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
        want = min(left, 1 << 16)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _too_large(rel: str, size: int, max_bytes: int) -> Diagnostic:
    return diag(rel, 1, 1, "read-error", f"file is {size} bytes, more than the limit of {max_bytes}",
                "split it, or raise extra.ossref.max_file_bytes")


def decode_text(data: bytes, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """``data`` as UTF-8 text with a BOM removed, or None with a ``read-error``."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [diag(rel, line, column, "read-error", f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                           "save the file as UTF-8")]

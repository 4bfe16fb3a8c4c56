"""The folders of a build and the swap: where the new site is made, and how it
replaces the old one whole.

Each staging folder and each temporary folder beside the site has a lock file
next to it, held under ``flock`` by its build while it runs; the next build
removes folders whose lock nobody holds, and never one that another running
build owns (:func:`_new_dir`). A folder the build cannot create stops it with
exit 2 and a message naming the folder (:class:`BuildDirError`); two builds
swapping into the same site at once both succeed (:func:`swap_in`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ossref.config import ConfigError

try:
    import fcntl
except ImportError:  # not POSIX: folders are not locked, and killed builds' folders stay
    fcntl = None  # type: ignore[assignment]

__all__ = ["BuildDirError", "SpareSite", "swap_in"]


def _shown(path: Path) -> str:
    try:
        shown = path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return shown.rstrip("/") + "/"



class BuildDirError(ConfigError):
    """A folder the build needs cannot be created (read-only or full file
    system, no permission): ``ossref build`` exits 2 with this message."""


#: Folder path -> descriptor of its lock file, held under ``flock`` while
#: this process owns the folder (see :func:`_new_dir`).
_LOCKS: dict[str, int] = {}
_LOCK_SUFFIX = ".lock"


def _new_dir(parent: Path, prefix: str, mode: int = 0o777) -> Path:
    """Create an empty folder ``parent/<prefix><random>``, owned by this
    process until :func:`_remove` or :func:`swap_in` is done with it.

    Unlike mkdtemp, it gets the umask's usual permissions (pass ``mode``
    0o700 for a private one): it may become the published site.

    Ownership is a lock file beside it, ``<folder>.lock``, created first and
    held under ``flock`` for as long as the folder is in use. The kernel
    drops the lock when the process ends, however it ends (SIGKILL
    included), so a folder whose lock is free was left by a build that is
    gone: :func:`_sweep` removes those of this ``prefix`` first. A folder
    another running build owns is never touched."""
    _sweep(parent, prefix)
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        lock = _take_lock(path)
        if lock is None:
            continue
        try:
            os.mkdir(path, mode)
        except BaseException as exc:
            _drop_lock(path, lock)
            if isinstance(exc, FileExistsError):
                continue
            raise
        _LOCKS[str(path)] = lock
        return path


def _take_lock(folder: Path) -> int | None:
    """Create ``<folder>.lock`` and lock it; None if that name is taken, -1
    where there is no ``flock``."""
    if fcntl is None:
        return -1
    try:
        fd = os.open(f"{folder}{_LOCK_SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    except FileExistsError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        _drop_lock(folder, fd)
        raise
    return fd


def _drop_lock(folder: Path, fd: int) -> None:
    """Delete ``<folder>.lock``, then let go of it (in this order, so no
    other build can take a lock on a file about to vanish and think the
    folder is left over)."""
    if fd < 0:
        return
    try:
        os.unlink(f"{folder}{_LOCK_SUFFIX}")
    except OSError:
        pass
    os.close(fd)


def _release(folder: Path) -> None:
    """This process is done with ``folder`` (removed, or swapped in)."""
    fd = _LOCKS.pop(str(folder), None)
    if fd is not None:
        _drop_lock(folder, fd)


def _sweep(parent: Path, prefix: str) -> None:
    """Remove the folders ``parent/<prefix>*`` that killed builds left
    behind: those whose lock file nobody holds. Only this user's folders
    and lock files are considered (``parent`` may be the shared system
    temporary folder); lock files are opened without following links, and
    a folder is never followed either. Never raises for what it finds."""
    if fcntl is None:
        return
    try:
        names = os.listdir(parent)
    except OSError:
        return
    me = os.geteuid()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_LOCK_SUFFIX)):
            continue
        folder = parent / name[: -len(_LOCK_SUFFIX)]
        if str(folder) in _LOCKS:
            continue
        try:
            fd = os.open(parent / name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if info.st_uid != me or not stat.S_ISREG(info.st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a running build owns it
            try:
                there = os.lstat(folder)
            except FileNotFoundError:
                there = None
            if there is not None:
                if not stat.S_ISDIR(there.st_mode) or there.st_uid != me:
                    continue
                shutil.rmtree(folder, ignore_errors=True)
                if os.path.lexists(folder):
                    continue  # keep the lock file: a later build tries again
            os.unlink(parent / name)
        except OSError:
            continue
        finally:
            os.close(fd)


def _staging_dir() -> Path:
    """A new private folder in the system's temporary folder, to render into."""
    parent = Path(tempfile.gettempdir())
    try:
        return _new_dir(parent, "ossref-staging-", 0o700)
    except OSError as exc:
        raise BuildDirError(f"cannot create a staging folder in {parent}: {exc.strerror or exc}; "
                            "set TMPDIR to a writable folder") from None


def _site_temp_dir(site: Path) -> Path:
    """A new folder beside ``site`` for MkDocs to build into (it must be on
    the same file system, for the swap). Folders left there by killed
    builds (``.<name>.tmp-*``, ``.<name>.old-*``) are removed first."""
    parent = site.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _sweep(parent, f".{site.name}.old-")
        return _new_dir(parent, f".{site.name}.tmp-")
    except OSError as exc:
        raise BuildDirError(f"cannot build into {_shown(site)}: cannot create a folder in {parent} "
                            f"({exc.strerror or exc}); make that folder writable, or choose another --site-dir"
                            ) from None


def _remove(path: Path | None) -> None:
    if path is not None and (path.exists() or path.is_symlink()):
        shutil.rmtree(path, ignore_errors=True)
    if path is not None:
        _release(path)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        _renameat2 = _libc.renameat2  # glibc >= 2.28
        _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        _renameat2.restype = ctypes.c_int
    except (OSError, AttributeError):
        _renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False when the system cannot (no
    renameat2, or a file system without RENAME_EXCHANGE)."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


#: Tries of :func:`swap_in` before it gives up; each one fails only when
#: another build changed ``target`` in between.
_SWAP_TRIES = 50


def swap_in(new: Path, target: Path, discard: Callable[[Path], None] | None = None) -> None:
    """Make the complete folder ``new`` appear at ``target`` (same parent
    folder), removing the previous ``target``. Readers of ``target`` see the
    old folder or the new one: with RENAME_EXCHANGE never neither; with the
    two-rename fallback, for an instant, nothing.

    Race-free between builds: nothing is checked before it is renamed. An
    exchange that finds no ``target`` becomes a rename, and a rename that
    finds one (another build got there first) becomes an exchange, so two
    builds swapping at once both succeed, and the later one's site stays.
    ``discard`` removes the previous site's folder (default: at once; the
    preview removes it after serving the new one)."""
    discard = discard or _remove
    for _ in range(_SWAP_TRIES):
        try:
            exchanged = _exchange(new, target)
        except FileNotFoundError:  # no target (yet, or any more)
            if _rename_into_place(new, target):
                _release(new)
                return
            continue
        if exchanged:
            discard(new)  # now the previous site
            return
        if _swap_by_renames(new, target, discard):
            _release(new)
            return
    raise OSError(errno.EBUSY, f"{target} kept changing while this build swapped its site in")


def _rename_into_place(new: Path, target: Path) -> bool:
    """Rename ``new`` to ``target``; False when a ``target`` appeared meanwhile."""
    try:
        os.rename(new, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            return False
        raise
    return True


def _swap_by_renames(new: Path, target: Path, discard: Callable[[Path], None] = _remove) -> bool:
    """The swap without RENAME_EXCHANGE: the previous ``target`` is renamed
    aside, ``new`` into its place, and the aside folder removed. False when
    another build changed ``target`` in between (the caller tries again)."""
    if _rename_into_place(new, target):
        return True
    aside = _new_dir(target.parent, f".{target.name}.old-")
    os.rmdir(aside)  # the name, and its lock, are this build's: the old site goes there
    try:
        os.rename(target, aside)
    except FileNotFoundError:  # another build moved it: start again
        _release(aside)
        return False
    try:
        placed = _rename_into_place(new, target)
    except BaseException:
        try:
            os.rename(aside, target)
        except OSError:
            pass  # another build's site is there now
        _remove(aside)
        raise
    discard(aside)
    return placed


# --------------------------------------------------------------------------- the spare site (ossref serve)


class SpareSite:
    """The second of two site folders that ``ossref serve`` uses in turn.

    A rebuild of one changed page would otherwise need a new folder holding
    every file of the site (hard links to the served one: at 10,000 entries
    10,000 folders and 30,000 links, and as many removals afterwards). Here
    the folder served before the current one is kept (:meth:`adopt`),
    brought up to date with only the files that differ (:meth:`complete`)
    and swapped in whole, as any new site is (:func:`swap_in`).

    What it relies on: a served folder is never written to, so the spare
    differs from it only at the paths it remembers (the files the build
    that replaced it wrote or removed); every other file of the spare is
    the served file itself, the same inode. Files are put in place by a
    link to a temporary name and a rename, never by writing into a file,
    since a file of the spare may be a hard link to the served one.
    Anything unexpected (no ``renameat2``, no hard links, an error half-way)
    forgets the spare: the next increment makes a new one, and the build at
    hand carries the site over as before. A failed or interrupted rebuild
    loses the spare (its build removes its folder) and never the served site.
    """

    def __init__(self, site: Path) -> None:
        self.site = site
        self._folder: Path | None = None
        #: Paths where the spare may differ from the served site.
        self._stale: set[str] = set()
        #: Every file of the served site, by path under it.
        self._served: set[str] | None = None
        #: (folder, listing, differences from the served site) of the site
        #: last completed, until it is served: the exchange of its swap puts
        #: the served site at that folder's path.
        self._pending: tuple[Path, set[str], set[str]] | None = None
        self._usable = _renameat2 is not None

    def complete(self, new: Path, written: set[str], outputs: frozenset[str]) -> frozenset[str] | None:
        """Make ``new`` (a folder beside the served site, holding only the
        files a build wrote: ``written``) the complete site that build
        describes: ``written``, and every file of ``outputs`` the served site
        has, taken from it. The spare, brought up to date, is exchanged with
        ``new``, whose own files are linked into it first. Returns the files
        of the served site the new one lacks, or None when it could not
        (``new`` is then as it was)."""
        if not self._usable:
            return None
        try:
            if self._folder is None or self._served is None:
                self._make()
            folder, served = self._folder, self._served
            assert folder is not None and served is not None
            listing = {rel for rel in served if rel in outputs} | written
            removed = served - listing
            for rel in sorted(self._stale | written | removed):
                if rel in written:
                    _place(new / rel, folder / rel)
                elif rel in listing:
                    _place(self.site / rel, folder / rel)
                else:
                    _unlink(folder, rel)
            if not _exchange(folder, new):
                self._usable = False
                raise OSError(errno.ENOTSUP, "cannot exchange folders")
        except OSError:
            self.forget()
            return None
        # The exchange put the build's own folder where the spare was.
        _remove(folder)
        self._folder = None
        self._pending = (new, listing, written | removed)
        self._stale = set()
        return frozenset(removed)

    def adopt(self, folder: Path) -> bool:
        """``folder`` is the site that was served until a new one was swapped
        in: keep it as the spare when the new one is the site last completed
        (the swap exchanged the two). False otherwise (then it is the
        caller's to remove)."""
        if self._pending is None or self._pending[0] != folder:
            return False
        _, self._served, self._stale = self._pending
        self._pending = None
        self._folder = folder
        return True

    def forget(self) -> Path | None:
        """Give up the spare; returns its folder (the caller removes it) or None."""
        folder, self._folder = self._folder, None
        self._served, self._pending, self._stale = None, None, set()
        if folder is not None and not folder.exists():
            _release(folder)
            return None
        return folder

    def _make(self) -> None:
        """A new spare: a folder of hard links to every file of the served site."""
        self.forget()
        folder = _new_dir(self.site.parent, f".{self.site.name}.tmp-")
        self._folder = folder
        served: set[str] = set()
        root = str(self.site)
        start = len(root) + 1
        try:
            for parent, dirs, names in os.walk(root):
                rel = parent[start:]
                into = os.path.join(folder, rel) if rel else str(folder)
                for name in dirs:
                    os.mkdir(os.path.join(into, name))
                for name in names:
                    os.link(os.path.join(parent, name), os.path.join(into, name), follow_symlinks=False)
                    served.add(f"{rel}/{name}".replace(os.sep, "/") if rel else name)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                self._usable = False  # no hard links here
            raise
        self._served = served
        self._stale = set()


def _place(source: Path, target: Path) -> None:
    """Put a hard link to ``source`` at ``target``, replacing what is there,
    without writing into the file ``target`` was (it may be a served one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".ossref-place-{secrets.token_hex(4)}"
    os.link(source, temporary, follow_symlinks=False)
    try:
        os.replace(temporary, target)
    except OSError:
        os.unlink(temporary)
        raise


def _unlink(folder: Path, rel: str) -> None:
    """Remove the file ``folder/rel``, and the folders it leaves empty."""
    path = folder / rel
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except IsADirectoryError:
        shutil.rmtree(path)
    parent = path.parent
    while parent != folder:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent

"""The store: per-file load results, content-addressed, in one file.

The only reader and writer of the cache folder (``cache_dir``,
``.ossref-cache`` at the project root by default). Reading, YAML, schema,
body scanning and BibTeX parsing are done per file and are most of what a
cold run spends its time on; :mod:`ossref.load.loader` keeps each file's
result here and reuses it while nothing it depends on has changed. ``check``,
``build`` and ``serve`` share it: what one of them parsed, the others reuse.

Stale-proof by construction: an entry's address is a BLAKE2b hash of
everything its value is a function of (:meth:`Store.address`):

* the file's bytes as read (never its mtime or size alone), its path relative
  to the project root, and what kind of result it is;
* the configuration options that change parsing (:func:`options_salt`) and
  the per-page rules the check stage handed in;
* the code: ossref's version, a hash of the source of every ossref module,
  the Python version and the parsing libraries' versions
  (:func:`code_fingerprint`). Editing ossref, or upgrading PyYAML, empties
  the store in effect.

A changed input gives another address, which simply misses. There is no
invalidation to get wrong.

One file, ``<cache_dir>/store.bin``: a header (magic, format, a hash of the
code and options, the length of the first part) and then records, each a
key (which part, and an address), a MAC, a length and the value. Records
come in two parts: first what a check reads (each page's facts and
findings, the BibTeX results), then what only a build reads (each page's
parsed page, :data:`PAGE`, kept under its facts' address). A check reads
and MAC-checks the first part only and never reads the second, unless it
writes the file: then it copies the second part's records that belong to a
facts record it kept, as they are (their MACs are checked by whoever reads
them). A run that changed anything writes a new file next to it and
``os.replace``\\ s it over the old one at the end, keeping only the
entries the run used (so results for deleted or edited files do not pile
up); a run that changed nothing writes nothing. A warm check through a
load memo (:mod:`ossref.load.memo`) looks up only the files that changed,
so it keeps everything and appends what it parsed to ``store.journal``
instead (:meth:`Store.append`): records laid out as the store's, after the
same header, read after the store's and replacing them, folded into the
store by the next full write (or when it grows past a quarter of the store).

One serialisation: values are pickles (:func:`dumps`), read back by an
unpickler that resolves only ossref's own data classes and a few standard
types (:func:`loads`), so even a value that passed its MAC could not name
a function to call.

One MAC: the cache folder sits in the project, so a pull request can plant a
store, or alter one. Every record carries a keyed BLAKE2b MAC of its
address and value, keyed with this machine's secret (:func:`machine_key`,
``~/.cache/ossref/cache-key``, made on first use, outside every project).
A record whose MAC does not match (planted, altered, written elsewhere) is
a miss; a store that is missing, truncated (its last record cut: the
records before it still count), or for other code or options is an empty
one. The store never turns into an error or a different result, and an
unwritable folder only means no cache (:func:`unwritable_note`).

Set ``OSSREF_NO_CACHE=1`` (or ``--no-cache``, or ``cache=False``) to bypass
it: neither read nor written.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from ossref import __version__
from ossref.config import Config, is_inside

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

#: Bump when the file layout or what the loader stores changes shape.
STORE_FORMAT = 2
STORE_NAME = "store.bin"
#: Records a run added without rewriting the store (:meth:`Store.append`), laid out as the store's.
JOURNAL_NAME = "store.journal"
#: What earlier versions kept in the cache folder (two caches, two formats):
#: nothing reads them now, so a full write removes them.
_RETIRED_NAMES = ("check-cache.bin", "check-facts.bin")
#: Environment variable that turns the store off when set to anything but "" or "0".
NO_CACHE_ENV = "OSSREF_NO_CACHE"

_MAGIC = b"ossref-store\0"
_ADDRESS_SIZE = 20
_MAC_SIZE = 16
_RECORD = struct.Struct("<Q")  # the value's length
_PART = struct.Struct("<Q")  # the FACTS part's length in bytes
#: The parts of the store: what every run reads, and what only a build reads.
FACTS = b"f"
PAGE = b"p"
_KEY_SIZE = 1 + _ADDRESS_SIZE
_TEMP_PREFIX = ".store-"
_GITIGNORE = "# Created by ossref: the check cache; safe to delete.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ossref.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


# --------------------------------------------------------------------------- keys


@lru_cache(maxsize=1)
def machine_key() -> bytes | None:
    """This machine's secret for the records' MACs, or None (then no cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "ossref" / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".cache-key-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        os.replace(tmp, path)  # a concurrent run's key may win; both then read the same file
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


@lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """A hash of the code a stored result came from: ossref's version and the
    source of all its modules, the Python version and the parsing libraries'
    versions. Reading ossref's ~200 KB of source costs about a millisecond."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{STORE_FORMAT}\0{__version__}\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    for name in ("yaml", "bibtexparser", "markdown"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except ImportError:
                module = None
        h.update(f"{name}={getattr(module, '__version__', '?')}\0".encode())
    yaml_module = sys.modules.get("yaml")
    h.update(f"libyaml={getattr(yaml_module, '__with_libyaml__', '?')}\0".encode())
    package = Path(__file__).resolve().parent.parent  # the whole ossref package
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"\0unreadable\0")
    return h.digest()


def options_salt(config: Config) -> bytes:
    """The configuration options a file's load result depends on."""
    fields = (config.docs_dir, config.citations_dir, config.max_file_bytes,
              config.max_frontmatter_bytes, config.max_yaml_depth, config.statuses, config.max_bib_expansion,
              config.max_bib_blocks, config.max_bib_bytes, config.max_bib_fields)
    return repr(fields).encode()


def disabled_by_env() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0")


# --------------------------------------------------------------------------- values


class _DataOnlyUnpickler(pickle.Unpickler):
    """Resolves only the classes the loader stores; anything else (a function
    to call, a module to import) makes the value unusable."""

    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED_GLOBALS.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"stored value names {module}.{name}")


_ALLOWED_GLOBALS: dict[str, frozenset[str]] = {
    "copyreg": frozenset({"__newobj__", "_reconstructor"}),
    "builtins": frozenset({"object", "set", "frozenset", "list", "dict", "tuple", "bytes", "bytearray"}),
    "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
    "ossref.model": frozenset({
        "Position", "Reference", "Differential", "Author", "Entry", "CitationItem", "CitationGroup", "Link",
        "Heading", "RawHtml", "MalformedCitation", "BodyScan", "Page", "Project",
    }),
    "ossref.diagnostics": frozenset({"Diagnostic", "Severity"}),
}
_CUSTOM_PICKLING = ("__slots__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__getnewargs__",
                    "__getnewargs_ex__")


def loads(blob: bytes | memoryview) -> Any:
    """The inverse of :func:`dumps`, for ossref's data only."""
    return _DataOnlyUnpickler(io.BytesIO(blob)).load()


def dumps(value: Any) -> bytes:
    """Pickle ``value`` as the store does: the plain pickle format, made
    ~35% faster for ossref's dataclasses by reducing them without going
    through ``object.__reduce_ex__`` (the bytes load with plain ``pickle.loads``)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(value)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _dispatch_table() -> dict:
    import copyreg
    import dataclasses

    from ossref import diagnostics, model

    table = copyreg.dispatch_table.copy()
    newobj = copyreg.__newobj__

    def reduce(obj: Any) -> tuple:
        # What object.__reduce_ex__(2+) gives for a plain class instance.
        return (newobj, (type(obj),), obj.__dict__ or None)

    for module in (model, diagnostics):
        for value in vars(module).values():
            if (isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__
                    and not any(name in vars(value) for name in _CUSTOM_PICKLING)):
                table[value] = reduce
    return table


# --------------------------------------------------------------------------- the store


def content_address(context: bytes, kind: str, rel: str, data: bytes) -> bytes:
    """:meth:`Store.address` of a store whose :attr:`Store.context` is
    ``context``: a function of its arguments only, so that a worker process
    that read the file computes the very address the store would."""
    h = hashlib.blake2b(context, digest_size=_ADDRESS_SIZE)
    h.update(kind.encode() + b"\0" + rel.encode("utf-8", "surrogateescape") + b"\0")
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)
    return h.digest()


class Store:
    """Values by address, in two parts: :data:`FACTS` (read by every run)
    and :data:`PAGE` (read only by a store opened ``with_pages``). A
    disabled store (``path`` None) misses every lookup and writes nothing.

    :meth:`get` and :meth:`put` work on values, :meth:`get_blob` and
    :meth:`put_blob` on their :func:`dumps` bytes (what a worker process
    sends back). Every entry looked up or put is kept for the next run, and
    so is the :data:`PAGE` record of every :data:`FACTS` address kept;
    :meth:`save` writes the file when that set or a value changed."""

    def __init__(self, path: Path | None, secret: bytes = b"", context: bytes = b"",
                 with_pages: bool = True) -> None:
        self.path = path
        self._secret = secret
        self._context = context
        self._with_pages = with_pages
        self._header = _MAGIC + struct.pack("<I", STORE_FORMAT) + hashlib.blake2b(context, digest_size=16).digest()
        # Keyed by part (one byte) + address.
        self._old: dict[bytes, tuple[memoryview, memoryview]] = {}  # (mac, value) as read
        self._kept: dict[bytes, tuple[bytes | memoryview, bytes | memoryview]] = {}  # for the next run
        self._changed = False
        self._new: set[bytes] = set()  # keys put this run
        self._journal_pages: dict[bytes, tuple[memoryview, memoryview]] = {}  # PAGE records of the journal, unread
        self._journal_size = 0
        self._main_size = 0
        #: Why the store could not be written this run (disk full, read-only
        #: folder), or None; the run goes on without it.
        self.problem: OSError | None = None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def context(self) -> bytes:
        """What every address here is salted with (:func:`content_address`):
        for a worker process that reads files itself. It is no secret: it
        hashes the code, the options and the rules."""
        return self._context

    @property
    def empty(self) -> bool:
        """Whether a lookup can only miss: no record read from the file, and
        none put or kept yet (a cold run, or a disabled store)."""
        return not self._old and not self._kept

    def address(self, kind: str, rel: str, data: bytes) -> bytes:
        """The address of the ``kind`` result of ``data``, read from ``rel``."""
        return content_address(self._context, kind, rel, data)

    def combine(self, kind: str, addresses: list[bytes]) -> bytes:
        """The address of a result that depends on exactly these entries'
        inputs, in this order (the merge of the BibTeX files)."""
        h = hashlib.blake2b(self._context, digest_size=_ADDRESS_SIZE)
        h.update(kind.encode() + b"\0" + len(addresses).to_bytes(8, "little"))
        for address in addresses:
            h.update(address)
        return h.digest()

    def get_blob(self, address: bytes, part: bytes = FACTS) -> bytes | memoryview | None:
        """The stored bytes at ``address`` in ``part`` (kept for the next
        run), or None. Bytes whose MAC does not match are a miss, and so is
        every :data:`PAGE` record of a store opened without them."""
        key = part + address
        found = self._kept.get(key)
        if found is not None:
            return found[1]
        found = self._old.pop(key, None)
        if found is None:
            return None
        mac, blob = found
        if not hmac.compare_digest(mac, self._mac(key, blob)):
            self._changed = True
            return None
        self._kept[key] = found
        return blob

    def get(self, address: bytes) -> Any | None:
        """The stored value at ``address``, or None. A value that fails to
        load is a miss (and is dropped)."""
        blob = self.get_blob(address)
        if blob is None:
            return None
        try:
            return loads(blob)
        except Exception:  # noqa: BLE001 - a bad value is only a miss
            self.drop(address)
            return None

    def keep_all(self, addresses: set[bytes] | None = None) -> None:
        """Keep for the next run every entry read from the file (of
        ``addresses`` only, when given), as it is: its MAC is checked by
        whoever reads it. For a run that looked up only what changed and
        rewrites the store (:meth:`append`, deleted files)."""
        for key, value in self._old.items():
            if key not in self._kept and (addresses is None or key[1:] in addresses):
                self._kept[key] = value
        self._old = {}
        self._changed = True

    def keep(self, address: bytes) -> bool:
        """Whether there is a good entry at ``address``, keeping it for the
        next run without loading it."""
        return self.get_blob(address) is not None

    def drop(self, address: bytes) -> None:
        """Forget ``address`` in both parts: its value turned out unusable."""
        for part in (FACTS, PAGE):
            self._old.pop(part + address, None)
            self._kept.pop(part + address, None)
        self._changed = True

    def put_blob(self, address: bytes, blob: bytes, part: bytes = FACTS) -> None:
        """Store ``blob`` (a :func:`dumps` result, or bytes laid out by the
        caller from such results) at ``address`` in ``part``."""
        if self.path is None:
            return
        key = part + address
        self._kept[key] = (self._mac(key, blob), blob)
        self._new.add(key)
        self._changed = True

    def put(self, address: bytes, value: Any) -> None:
        if self.path is not None:
            self.put_blob(address, dumps(value))

    def _mac(self, key: bytes, blob: bytes | memoryview) -> bytes:
        h = hashlib.blake2b(key=self._secret, digest_size=_MAC_SIZE)
        h.update(self._header)
        h.update(key)
        h.update(blob)
        return h.digest()

    # ------------------------------------------------------------------ file
    #
    # Layout: header (magic, format, hash of the code fingerprint and
    # options), the first part's length in bytes, then one record per entry,
    # the FACTS part's first: key (part, address), MAC, value length, value.
    # Values are read as slices of one buffer (no copies) and written back
    # as they are.

    def load(self) -> None:
        """Read the store file (without its :data:`PAGE` part unless opened
        ``with_pages``); anything wrong with it means an empty store."""
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as fh:
                first = fh.read(len(self._header) + _PART.size)
                if len(first) < len(self._header) + _PART.size or not first.startswith(self._header):
                    self._changed = True  # another format, code or options: rewrite it
                    return
                (size,) = _PART.unpack_from(first, len(self._header))
                data = fh.read() if self._with_pages else fh.read(size)
        except FileNotFoundError:
            return
        except OSError:
            self._changed = True  # unreadable: replace it
            return
        self._old, whole = _records(data)
        self._main_size = len(data)
        if not whole or len(data) < size:
            self._changed = True  # truncated: the records before the cut still count
        self._read_journal()

    def _read_journal(self) -> None:
        """Add the journal's records (:meth:`append`), which replace the
        store's of the same key; a journal of other code or options, or
        unreadable, means a rewrite that drops it."""
        assert self.path is not None
        try:
            data = (self.path.parent / JOURNAL_NAME).read_bytes()
        except FileNotFoundError:
            return
        except OSError:
            self._changed = True
            return
        if not data.startswith(self._header):
            self._changed = True
            return
        records, whole = _records(data[len(self._header):])
        if not whole:
            self._changed = True
        self._journal_size = len(data)
        for key, value in records.items():
            if self._with_pages or key[:1] == FACTS:
                self._old[key] = value
            else:
                self._journal_pages[key] = value

    def save(self) -> None:
        """Write the entries kept this run, atomically, when anything changed
        (including entries no longer used: deleted or edited files). Never
        raises: a store that cannot be written is no store."""
        if self.path is None or (not self._changed and not self._old):
            return
        try:
            pages = self._pages_to_carry()
            facts = [(key, value) for key, value in self._kept.items() if key[:1] == FACTS]
            pages += [(key, value) for key, value in self._kept.items() if key[:1] != FACTS]
            head = _KEY_SIZE + _MAC_SIZE + _RECORD.size
            size = sum(head + len(blob) for _, (_, blob) in facts)
            prepare_folder(self.path.parent)

            def write(out: BinaryIO) -> None:
                out.write(self._header)
                out.write(_PART.pack(size))
                for key, (mac, blob) in (*facts, *pages):
                    out.write(key)
                    out.write(mac)
                    out.write(_RECORD.pack(len(blob)))
                    out.write(blob)

            write_atomic(self.path, write)
        except (OSError, ValueError) as exc:
            if self.problem is None:
                self.problem = exc if isinstance(exc, OSError) else OSError(str(exc))
            return
        try:  # its records are in the file just written
            os.unlink(self.path.parent / JOURNAL_NAME)
        except OSError:
            pass
        self._old = {}
        self._journal_pages = {}
        self._new = set()
        self._changed = False
        _remove_stale_temporaries(self.path.parent)
        for name in _RETIRED_NAMES:
            try:
                os.unlink(self.path.parent / name)
            except OSError:
                pass

    def append(self) -> None:
        """Save what this run put, and only that, by appending it to the
        journal: a write proportional to the change, for a run that looked
        up only the files that changed (every entry it did not look up is
        kept). When the journal has grown past a quarter of the store, the
        store is rewritten with everything instead (:meth:`save`), the
        journal folded in. Never raises, as :meth:`save`."""
        if self.path is None or not self._new:
            return
        new = [(key, self._kept[key]) for key in self._new if key in self._kept]
        size = sum(_KEY_SIZE + _MAC_SIZE + _RECORD.size + len(blob) for _, (_, blob) in new)
        if self._journal_size + size > max(self._main_size // 4, 1 << 20):
            self.keep_all()
            self.save()
            return
        try:
            prepare_folder(self.path.parent)
            fd = os.open(self.path.parent / JOURNAL_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _CLOEXEC, 0o600)
            with os.fdopen(fd, "ab") as out:
                if out.tell() == 0:
                    out.write(self._header)
                for key, (mac, blob) in new:
                    out.write(key + bytes(mac) + _RECORD.pack(len(blob)) + bytes(blob))
        except OSError as exc:
            if self.problem is None:
                self.problem = exc
            return
        self._journal_size += size
        self._new = set()

    def _pages_to_carry(self) -> list[tuple[bytes, tuple]]:
        """For a store opened without its :data:`PAGE` part: that part's
        records, as the file on disk has them, whose address is kept in the
        :data:`FACTS` part and that this run did not replace. Not MAC-checked
        here: whoever reads them does. Nothing for a store read whole (its
        unused records are dropped) or a file of other code or options."""
        if self._with_pages or self.path is None:
            return []
        try:
            with open(self.path, "rb") as fh:
                first = fh.read(len(self._header) + _PART.size)
                if len(first) < len(self._header) + _PART.size or not first.startswith(self._header):
                    return []
                (size,) = _PART.unpack_from(first, len(self._header))
                fh.seek(size, os.SEEK_CUR)
                records, _ = _records(fh.read())
        except OSError:
            return []
        records.update(self._journal_pages)
        kept = self._kept
        return [(key, value) for key, value in records.items()
                if key[:1] == PAGE and FACTS + key[1:] in kept and key not in kept]


def _records(data: bytes) -> tuple[dict[bytes, tuple[memoryview, memoryview]], bool]:
    """Key -> (MAC, value) of the records laid out in ``data``, up to the
    first one cut short, and whether none was."""
    out: dict[bytes, tuple[memoryview, memoryview]] = {}
    view = memoryview(data)
    pos, end = 0, len(data)
    head = _KEY_SIZE + _MAC_SIZE + _RECORD.size
    unpack = _RECORD.unpack_from
    while pos < end:
        if pos + head > end:
            return out, False
        key = data[pos:pos + _KEY_SIZE]
        mac = view[pos + _KEY_SIZE:pos + _KEY_SIZE + _MAC_SIZE]
        (length,) = unpack(data, pos + _KEY_SIZE + _MAC_SIZE)
        pos += head
        if length > end - pos:  # truncated: what came before still counts
            return out, False
        out[key] = (mac, view[pos:pos + length])
        pos += length
    return out, True


def write_atomic(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Make ``target`` hold what ``write`` writes, whole or not at all:
    ``write`` fills a temporary file beside it, which then replaces it.
    Raises what writing raises, and leaves no temporary file behind (one a
    killed run left in the cache folder is removed by a later :meth:`save`)."""
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            write(out)
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _remove_stale_temporaries(folder: Path, age: float = 3600.0) -> None:
    """Delete temporary files left by runs that were killed (an hour old)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        if name.startswith(_TEMP_PREFIX) and name.endswith(".tmp"):
            try:
                path = folder / name
                if now - path.stat().st_mtime > age:
                    path.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- the folder


def unwritable_note(config: Config, exc: OSError) -> str:
    """The one line a run prints when it could not write its cache."""
    why = exc.strerror or str(exc) or type(exc).__name__
    return (f"warning: cannot write the cache in {config.cache_dir}/ ({why}); "
            "this run used no cache, and the next one will parse every file again")


def prepare_folder(folder: Path) -> None:
    """Create the cache folder, marked so that git and backup tools skip it."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        try:
            with open(folder / name, "x", encoding="utf-8") as fh:
                fh.write(text)
        except OSError:
            pass


def cache_folder(config: Config) -> Path | None:
    """The resolved ``cache_dir``, or None when it would be outside the
    project or inside the docs or citations folder (then there is no cache)."""
    try:
        folder = (config.root / config.cache_dir).resolve()
        root = config.root.resolve()
        forbidden = [(config.root / config.docs_dir).resolve(), (config.root / config.citations_dir).resolve()]
    except (OSError, RuntimeError):
        return None
    if not is_inside(folder, root) or any(is_inside(folder, f) for f in forbidden):
        return None
    return folder


def open_store(config: Config, enabled: bool = True, salt: bytes = b"", with_pages: bool = True) -> Store:
    """The project's store, read; a disabled one when ``enabled`` is false,
    ``OSSREF_NO_CACHE`` is set, there is no machine secret, or there is no
    usable :func:`cache_folder`. ``salt``: what else every value stored
    depends on (the per-page rules handed to the loader). Without
    ``with_pages`` the :data:`PAGE` part is neither read nor MAC-checked
    (what a check needs)."""
    if not enabled or disabled_by_env():
        return Store(None)
    secret = machine_key()
    folder = cache_folder(config)
    if secret is None or folder is None:
        return Store(None)
    context = code_fingerprint() + b"\0" + options_salt(config) + b"\0" + salt + b"\0"
    store = Store(folder / STORE_NAME, secret, context, with_pages)
    store.load()
    return store

"""The check cache: per-file load results, keyed by what they depend on.

Reading, YAML, schema, body scanning and BibTeX parsing are done per file and
are most of what a cold check spends its time on; the cross-file checks
always rerun. So :mod:`ossref.load.loader` stores each file's result here and
reuses it while nothing it depends on has changed.

Stale-proof by construction: a result is stored under a key that is a
BLAKE2b hash of everything it is a function of:

* the file's bytes as read (never its mtime or size alone), its path relative
  to the project root and its kind (page or BibTeX file);
* the configuration options that affect loading (folders, size and depth
  limits), see :func:`options_salt`;
* the code: ossref's version, a hash of the source of every ossref module,
  the Python version and the versions of the parsing libraries, see
  :func:`code_fingerprint`. Editing ossref, or upgrading PyYAML, empties the
  cache in effect.

A changed input gives a different key, which simply misses. There is no
invalidation to get wrong.

The store is one file, ``<cache_dir>/check-cache.bin`` (``cache_dir`` is
``.ossref-cache`` at the project root by default; the configuration refuses
one inside the docs or citations folder, and :func:`open_store` checks again).
It is read once per run. When anything changed, the new store is written
during the run to a temporary file in the same folder (so no run holds two
copies of it in memory) and ``os.replace``d over the old one at the end, so
a reader never sees half a store; a run that changed nothing writes nothing.
Only entries used in the run are written back, so results for deleted or
edited files do not accumulate. Every record carries a CRC-32 of its bytes.
A store that is missing, truncated, corrupted, written by another cache
format or for another code fingerprint or options is ignored and rebuilt
(a record that fails its CRC is a miss); the cache never turns into an error
or a different result, and an unwritable folder only means no cache.

Set ``OSSREF_NO_CACHE=1`` in the environment (or call
``load_project(config, cache=False)``) to bypass it: neither read nor written.

Untrusted stores: the cache folder sits in the project, so a pull request can
add a store of its own. Two things keep that from mattering. The header
hashes a secret key kept outside every project (``~/.cache/ossref/cache-key``,
made on first use), so a store written anywhere else never matches and is
ignored. And values are unpickled by an unpickler that resolves only ossref's
own data classes and a few standard types, so even a store that did match
could not name a function to call.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import secrets
import struct
import sys
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from ossref import __version__
from ossref.config import Config, is_inside

#: Bump when what the loader stores changes shape.
CACHE_FORMAT = 1
STORE_NAME = "check-cache.bin"
#: Environment variable that turns the cache off when set to anything but "" or "0".
NO_CACHE_ENV = "OSSREF_NO_CACHE"

_MAGIC = b"ossref-check-cache\0"
_GITIGNORE = "# Created by ossref: the check cache; safe to delete.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ossref.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


@lru_cache(maxsize=1)
def machine_key() -> bytes | None:
    """This machine's secret for store headers, or None (then no cache)."""
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


class _DataOnlyUnpickler(pickle.Unpickler):
    """Resolves only the classes the loader stores; anything else (a function
    to call, a module to import) makes the entry unusable."""

    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED_GLOBALS.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"cache entry names {module}.{name}")


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


def loads(blob: bytes | memoryview) -> Any:
    """The inverse of :func:`dumps`, for ossref's data only."""
    return _DataOnlyUnpickler(io.BytesIO(blob)).load()


def disabled_by_env() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0")


@lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """A hash of the code a cached result came from: ossref's version and the
    source of all its modules, the Python version and the parsing libraries'
    versions. Reading ossref's ~200 KB of source costs about a millisecond."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{CACHE_FORMAT}\0{__version__}\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
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
              config.max_bib_blocks)
    return repr(fields).encode()


class Store:
    """Per-file results by key. A disabled store (``path`` None) misses every
    lookup and writes nothing.

    Writing streams: until the first change (a new result, or an unusable
    one) entries served from the old file are only noted; from the first
    change on, every entry kept is written to a temporary file at once, and
    :meth:`save` moves that file over the old one. A run that changes
    nothing writes nothing, and no run holds a second copy of the store in
    memory."""

    def __init__(self, path: Path | None, fingerprint: bytes, salt: bytes) -> None:
        self.path = path
        self._prefix = fingerprint + b"\0" + salt + b"\0"
        self._header = _MAGIC + struct.pack("<I", CACHE_FORMAT) + hashlib.blake2b(self._prefix, digest_size=16).digest()
        self._old: dict[bytes, tuple[int, memoryview]] = {}  # key -> (crc32, blob) as read
        self._used: set[bytes] = set()  # keys kept for the next run
        self._pending: list[tuple[bytes, int, memoryview]] = []  # kept before the first change
        self._out: Any = None  # the temporary file, once something changed
        self._tmp: str | None = None
        self._changed = False
        self._failed = False
        #: Why the store could not be written this run (disk full, read-only
        #: folder), or None; the run goes on without a cache.
        self.problem: OSError | None = None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def key(self, kind: str, rel: str, data: bytes) -> bytes:
        """The key of the result of loading ``data``, read from ``rel``."""
        h = hashlib.blake2b(self._prefix, digest_size=_KEY_SIZE)
        h.update(kind.encode() + b"\0" + rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
        return h.digest()

    def get_blob(self, key: bytes) -> memoryview | None:
        """The stored blob for ``key`` (kept for the next run), or None. A blob
        whose checksum does not match is a miss."""
        found = self._old.get(key)
        if found is None:
            return None
        crc, blob = found
        if zlib.crc32(blob) != crc:
            self.drop(key)
            return None
        self._keep(key, crc, blob)
        return blob

    def get(self, key: bytes) -> Any | None:
        """The stored value for ``key``, or None. A blob that fails to load is
        a miss (and is dropped)."""
        blob = self.get_blob(key)
        if blob is None:
            return None
        try:
            return loads(blob)
        except Exception:  # noqa: BLE001 - a bad entry is only a miss
            self.drop(key)
            return None

    def drop(self, key: bytes) -> None:
        """Forget ``key``: its stored value turned out unusable. (If it was
        already written, the result stored for it next comes later in the
        file, and the later record wins when the file is read.)"""
        self._old.pop(key, None)
        self._pending = [p for p in self._pending if p[0] != key]
        self._used.discard(key)
        self._changed = True

    def put_blob(self, key: bytes, blob: bytes) -> None:
        """Store ``blob`` (a :func:`dumps` result) under ``key``."""
        if self.path is None:
            return
        self._changed = True
        self._keep(key, zlib.crc32(blob), blob)

    def put(self, key: bytes, value: Any) -> None:
        if self.path is not None:
            self.put_blob(key, dumps(value))

    # ------------------------------------------------------------------ file
    #
    # Layout: header (magic, format, hash of the code fingerprint and options),
    # then one record per entry: key, CRC-32 of the blob, blob length, blob.
    # Blobs are read as slices of one buffer (no copies) and written back
    # as they are. When a key occurs twice, the later record counts.

    def _keep(self, key: bytes, crc: int, blob: bytes | memoryview) -> None:
        self._used.add(key)
        if self._out is None and self._changed and not self._failed:
            self._start()
        if self._out is not None:
            self._write(key, crc, blob)
        elif not self._changed:
            self._pending.append((key, crc, blob))

    def _start(self) -> None:
        """Open the temporary file and write what was kept so far."""
        assert self.path is not None
        try:
            prepare_folder(self.path.parent)
            fd, self._tmp = tempfile.mkstemp(prefix=".check-cache-", suffix=".tmp", dir=self.path.parent)
            self._out = os.fdopen(fd, "wb", buffering=1 << 20)
            self._out.write(self._header)
        except OSError as exc:
            self._abandon(exc)
            return
        pending, self._pending = self._pending, []
        for key, crc, blob in pending:
            self._write(key, crc, blob)

    def _write(self, key: bytes, crc: int, blob: bytes | memoryview) -> None:
        try:
            self._out.write(key + _RECORD.pack(crc, len(blob)))
            self._out.write(blob)
        except (OSError, ValueError) as exc:
            self._abandon(exc)

    def _abandon(self, exc: Exception) -> None:
        """Writing failed (disk full, read-only folder): no cache this run."""
        self._failed = True
        if self.problem is None:
            self.problem = exc if isinstance(exc, OSError) else OSError(str(exc))
        self._pending = []
        if self._out is not None:
            try:
                self._out.close()
            except OSError:
                pass
        self._out = None
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
        self._tmp = None

    def load(self) -> None:
        """Read the store file; anything wrong with it means an empty cache."""
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return
        except OSError:
            self._changed = True  # unreadable: replace it
            return
        entries = _decode(data, self._header)
        if entries is None:
            self._changed = True  # unusable: rewrite it
            return
        self._old = entries

    def save(self, prune: bool = True) -> None:
        """Finish writing, atomically, when anything changed (including
        entries no longer used: deleted or edited files). Never raises: a
        cache that cannot be written is no cache. ``prune=False`` keeps the
        entries this run did not use, for a run that used only some kinds
        (``ossref check`` reads BibTeX files here, never pages)."""
        if self.path is None or self._failed:
            return
        if not prune and self._changed:
            for key, (crc, blob) in list(self._old.items()):
                if key not in self._used:
                    self._keep(key, crc, blob)
        if self._out is None:
            if not self._changed and (not prune or self._used == self._old.keys()):
                self._pending = []
                return
            self._changed = True
            self._start()
            if self._out is None:
                return
        try:
            self._out.close()
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self._abandon(exc)
            return
        self._out, self._tmp = None, None
        self._changed = False
        _remove_stale_temporaries(self.path.parent)


def _remove_stale_temporaries(folder: Path, age: float = 3600.0) -> None:
    """Delete temporary files left by runs that were killed (an hour old)."""
    import time

    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        if name.startswith(".check-cache-") and name.endswith(".tmp"):
            try:
                path = folder / name
                if now - path.stat().st_mtime > age:
                    path.unlink()
            except OSError:
                pass


_KEY_SIZE = 20
_CUSTOM_PICKLING = ("__slots__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__getnewargs__",
                    "__getnewargs_ex__")
_RECORD = struct.Struct("<IQ")  # crc32, blob length


def dumps(value: Any) -> bytes:
    """Pickle ``value`` as the cache does: the plain pickle format, made
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


def _decode(data: bytes, header: bytes) -> dict[bytes, tuple[int, memoryview]] | None:
    """The entries of a store file, or None when it is not a valid store for
    this code and these options (another format, fingerprint or options), or
    is truncated. A record's blob is checked against its CRC when used."""
    if not data.startswith(header):
        return None
    view = memoryview(data)
    entries: dict[bytes, tuple[int, memoryview]] = {}
    pos, end = len(header), len(data)
    head = _KEY_SIZE + _RECORD.size
    unpack = _RECORD.unpack_from
    while pos < end:
        if pos + head > end:
            return None
        key = data[pos:pos + _KEY_SIZE]
        crc, length = unpack(data, pos + _KEY_SIZE)
        pos += head
        if pos + length > end:
            return None
        entries[key] = (crc, view[pos:pos + length])
        pos += length
    return entries


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


def open_store(config: Config, enabled: bool = True) -> Store:
    """The project's store, loaded; a disabled one when ``enabled`` is false,
    ``OSSREF_NO_CACHE`` is set, there is no machine secret, or there is no
    usable :func:`cache_folder`."""
    if not enabled or disabled_by_env():
        return Store(None, b"", b"")
    key = machine_key()
    if key is None:
        return Store(None, b"", b"")
    fingerprint = code_fingerprint() + key
    salt = options_salt(config)
    folder = cache_folder(config)
    if folder is None:
        return Store(None, fingerprint, salt)
    store = Store(folder / STORE_NAME, fingerprint, salt)
    store.load()
    return store

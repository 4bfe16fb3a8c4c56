"""What every fuzz target shares: the promises it asserts, and a driver.

The promises (SECURITY.md), for any bytes a contributor can send:

* no exception escapes (a crash is an uncaught exception in a target);
* bounded work: one input costs at most :data:`CPU_SECONDS` of CPU time
  (libFuzzer's ``-timeout`` catches a hang, ``-rss_limit_mb`` memory);
* every diagnostic is well formed: the file's own path, ``1 <= line <=`` the
  file's line count, ``column >= 1``, a registered rule code, a severity, a
  message;
* a result read back from the cache equals the result computed without it.

The driver is atheris (libFuzzer, coverage-guided) when it is installed
(and ``OSSREF_FUZZ_DRIVER`` is not ``plain``), so
``python fuzz/fuzz_bibtex.py -max_total_time=60 fuzz/corpus/bibtex`` works
as with any atheris harness. Without atheris, the same command runs a plain
random driver: every seed, then random mutations of them (byte flips,
insertions of syntax tokens, splices) until ``-max_total_time`` is up. It
finds less, and is there so the harnesses run on any machine.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

try:
    if os.environ.get("OSSREF_FUZZ_DRIVER") == "plain":  # tests: no instrumentation of the suite's modules
        raise ImportError
    import atheris
except ImportError:  # the plain driver below
    atheris = None

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: CPU seconds one input may cost. Atheris' coverage instrumentation makes
#: the code several times slower, so the bound is wider under it.
CPU_SECONDS = float(os.environ.get("OSSREF_FUZZ_CPU_SECONDS", "8" if atheris is not None else "2"))
#: Peak resident memory of the whole fuzzing process (the plain driver's
#: check; under atheris, pass -rss_limit_mb).
RSS_LIMIT_MB = 400


def instrumented():
    """Context manager around the imports of the code under test."""
    if atheris is not None:
        return atheris.instrument_imports(include=["ossref", "bibtexparser"])
    import contextlib

    return contextlib.nullcontext()


def lines_of(text: str, lone_cr: bool = False) -> int:
    """Lines in ``text``: "\\n" ends a line; with ``lone_cr``, so do "\\r\\n"
    and a lone "\\r" (as the BibTeX reader counts them). Generous: the larger count."""
    count = text.count("\n")
    if lone_cr:
        count = max(count, text.replace("\r\n", "\n").replace("\r", "\n").count("\n"))
    return count + 1


def check_diagnostics(diagnostics: Iterable, path: str, text: str | None, lone_cr: bool = False) -> None:
    """Assert that each diagnostic is well formed and belongs to ``path``,
    whose decoded text is ``text`` (None: it could not be decoded, so only
    line 1... of the raw bytes can be named; any line is accepted)."""
    from ossref.diagnostics import RULES, Severity

    limit = lines_of(text, lone_cr) if text is not None else None
    for d in diagnostics:
        assert d.path == path, d
        assert d.line >= 1 and d.column >= 1, d
        if limit is not None:
            assert d.line <= limit, (d, limit)
        assert d.code in RULES, d
        assert isinstance(d.severity, Severity), d
        assert d.message.strip(), d


class bounded:
    """``with bounded():`` asserts the block costs at most :data:`CPU_SECONDS` of CPU."""

    def __enter__(self) -> "bounded":
        self.start = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        spent = time.process_time() - self.start
        if exc[0] is None:
            assert spent <= CPU_SECONDS, f"one input took {spent:.2f} s of CPU (the bound is {CPU_SECONDS} s)"


def decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# ------------------------------------------------------------------------ the driver

#: Tokens the plain driver inserts: pieces of the syntax every reader knows.
TOKENS = [b"---\n", b"\n", b"@string{", b"@article{", b"}", b"{", b"\"", b"#", b",", b"=", b"[@", b"]", b"[[",
          b"]]", b"(", b")", b"<", b">", b"`", b"```\n", b"- ", b"> ", b"    ", b"\t", b"\r", b"\xe2\x80\x8b",
          b"\xe2\x80\xae", b"\x00", b"&a ", b"*a", b"!!python/object:os.system", b"%", b"\\", b"|", b"*", b"_",
          b"http://", b"javascript:", b"condition: ", b"aliases: [", b"references: [", b"10.1000/x", b"doi = "]


def _mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        at = rng.randint(0, len(out))
        if choice < 0.4:
            out[at:at] = rng.choice(TOKENS) * rng.choice((1, 1, 1, 2, 8, 64))
        elif choice < 0.6 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif choice < 0.8 and out:
            del out[at:at + rng.randint(1, 16)]
        else:
            other = rng.choice(seeds) if seeds else b""
            start = rng.randint(0, len(other))
            out[at:at] = other[start:start + rng.randint(1, 200)]
    return bytes(out[:200_000])


def _plain_driver(target: Callable[[bytes], None], argv: list[str]) -> None:
    seconds = 10.0
    runs = None
    folders = []
    for arg in argv[1:]:
        if arg.startswith("-max_total_time="):
            seconds = float(arg.split("=", 1)[1])
        elif arg.startswith("-runs="):
            runs = int(arg.split("=", 1)[1])
        elif not arg.startswith("-"):
            folders.append(Path(arg))
    seeds = [p.read_bytes() for folder in folders if folder.is_dir() for p in sorted(folder.iterdir()) if p.is_file()]
    rng = random.Random(int(os.environ.get("OSSREF_FUZZ_SEED", "0")))
    deadline = time.monotonic() + seconds
    done = 0
    queue = list(seeds)
    while (runs is None or done < runs) and (queue or time.monotonic() < deadline):
        data = queue.pop() if queue else _mutate(rng, rng.choice(seeds) if seeds else b"", seeds)
        try:
            target(data)
        except BaseException:
            crash = Path(f"crash-plain-{done}")
            crash.write_bytes(data)
            print(f"fuzz: input {done} crashed; written to {crash}", file=sys.stderr)
            raise
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert peak <= RSS_LIMIT_MB, f"peak memory {peak:.0f} MB after input {done}"
        done += 1
    print(f"fuzz: {done} inputs, no failure (plain random driver; install atheris for coverage guidance)")


def main(target: Callable[[bytes], None]) -> None:
    """Fuzz ``target`` with atheris if installed, else with the plain driver."""
    if atheris is not None:
        atheris.Setup(sys.argv, target)
        atheris.Fuzz()
    else:
        _plain_driver(target, sys.argv)

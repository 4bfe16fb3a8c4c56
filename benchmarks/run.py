"""Benchmark ``ossref check`` and ``ossref build`` against a bare ``mkdocs build``.

    python benchmarks/run.py [--shapes wiki,export] [--sizes 1000,5000] [--check-sizes 1000,5000]
                             [--serve-sizes 1000] [--repeat 3] [--out benchmarks/out]
                             [--seed 0] [--section-bytes 1000-3000]

For every shape (``generate.py``'s own "wiki" and issue #15's "export",
side by side) and size it generates (or reuses) a synthetic wiki under
``OUT/corpus-[SHAPE-]N-sSEED``, then runs each command as a fresh subprocess
``--repeat`` times and reports the median wall time, the median CPU time
(user + system, workers included) and the largest peak RSS, read with
``os.wait4`` (on Linux a process's peak includes the peaks of the children it
waited for as a maximum, not a sum: for a check that parses in worker
processes it is the largest single process).

Commands, for ``--check-sizes``:

* ``check cold``: ``ossref check`` with the cache folder removed first;
* ``check warm``: ``ossref check`` again with one entry edited since the last
  run (a sentence appended; a different one each repeat), so the cache
  serves every other file.

and for ``--sizes``, alternately:

* ``build``: ``ossref build`` with the cache folder removed first (as in CI,
  which restores no cache), into a site folder under OUT, the output audit
  included; "n/a" when ``ossref build --help`` does not exit 0;
* ``bare``: ``mkdocs build`` of the editors' own ``content/``, not staged by
  ossref, with the corpus's ``mkdocs.yml`` and ossref's short nav
  (:func:`bare_config`): what a user has without ossref. ``build/bare`` is
  the ratio of the CPU medians (issue #15's target: at most 1.15).

and for ``--serve-sizes`` (none by default), one ``ossref serve`` process per
size, the cache folder removed first:

* ``first build``: from starting the process to its "serving" line (the
  first, full build included), and the process's CPU time until then;
* ``edit to preview``: from writing an edited entry (a sentence appended, a
  different one each repeat) to the server sending that entry's page with
  the sentence in it, polled over HTTP every 20 ms: what a reader of the
  preview waits, the server noticing the change included (file events, else
  its 0.5 s polling). The edits are 1 to 1.4 s apart (the previous site's
  removal, in the background, may still run: at 10,000 entries it takes
  several seconds of wall time). CPU is the
  server's (its Pagefind runs included) from the edit to the end of the
  rebuild, read from ``/proc``; peak RSS is the server's high-water mark.

It prints the machine, the exact command line and Markdown tables ready to
paste into the README, with the growth factor between consecutive sizes,
and writes them with the raw numbers to ``OUT/results-<time>.md`` and
``.json``. Run one at a time per ``OUT``: runs share its corpora and sites.

The machine's load average is printed before and after: other processes
competing for the CPUs inflate wall times, and on a busy machine CPU times
too (shared caches and cores: 2-2.5 times at a load average of 15 on 2
cores), so compare figures from one run, as build/bare does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/generate.py)

CACHE_DIR = ".ossref-cache"  # the default cache_dir; the generated mkdocs.yml keeps it
MARKER = ".bench-corpus.json"


# ----------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    cpu: float
    rss_kb: int
    code: int


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.code == 0 for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_kb for r in self.runs) / 1024

    def as_json(self) -> dict:
        return {"note": self.note, "runs": [r.__dict__ for r in self.runs],
                "median_wall_s": self.wall if self.runs else None,
                "median_cpu_s": self.cpu if self.runs else None,
                "peak_rss_mb": self.rss_mb if self.runs else None}


def run_once(argv: list[str], cwd: Path | None = None, env: dict | None = None, log: Path | None = None) -> Run:
    """Run ``argv`` as a fresh process; its wall time, CPU time and peak RSS
    (from ``os.wait4``: the process and the children it waited for)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    if cwd is None:
        cwd = Path(tempfile.gettempdir())  # not the repository: "python -m" would import from the folder it runs in
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    rss = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024  # KB
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_kb=rss, code=proc.returncode)


def repeat_runs(measure: Measure, times: int, argv: list[str], log: Path, before=None) -> None:
    """Run ``argv`` ``times`` times into ``measure``; stop at the first failure
    and show the end of its output."""
    for _ in range(times):
        if before is not None:
            before()
        size = log.stat().st_size if log.exists() else 0
        run = run_once(argv, log=log)
        measure.runs.append(run)
        if run.code != 0:
            with open(log, "rb") as fh:
                fh.seek(size)
                tail = fh.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            print(f"  FAILED (exit {run.code}): {' '.join(argv)}", *("    " + line for line in tail), sep="\n",
                  file=sys.stderr, flush=True)
            return


def ossref(*args: str) -> list[str]:
    return [sys.executable, "-m", "ossref", *args]


def build_available() -> bool:
    try:
        done = subprocess.run(ossref("build", "--help"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=tempfile.gettempdir(), timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


# ----------------------------------------------------------------------------- corpora


def generator_id(n: int, seed: int, section_bytes: tuple[int, int], shape: str = "wiki") -> dict:
    sources = [HERE / "generate.py"] + ([HERE / "export.py"] if shape == "export" else [])
    digest = hashlib.blake2b(b"".join(p.read_bytes() for p in sources), digest_size=12).hexdigest()
    return {"n": n, "seed": seed, "shape": shape,
            "section_bytes": list(section_bytes) if shape == "wiki" else None,
            "generator_version": generate.GENERATOR_VERSION, "generator_sha": digest}


def corpus(out: Path, n: int, seed: int, section_bytes: tuple[int, int],
           search: str = "material", shape: str = "wiki") -> tuple[Path, dict]:
    """The corpus of ``shape`` for (n, seed), generated unless an identical
    one exists; with ``search`` "pagefind", its mkdocs.yml says
    ``search: pagefind``. The export shape has its own section sizes."""
    suffix = "" if section_bytes == generate.SECTION_BYTES or shape != "wiki" \
        else f"-b{section_bytes[0]}-{section_bytes[1]}"
    if search != "material":
        suffix += f"-{search}"
    root = out / f"corpus-{'' if shape == 'wiki' else shape + '-'}{n}-s{seed}{suffix}"
    wanted = {**generator_id(n, seed, section_bytes, shape), "search": search}
    marker = root / MARKER
    try:
        found = json.loads(marker.read_text())
        if {k: found.get(k) for k in wanted} == wanted:
            return root, found
    except (OSError, ValueError):
        pass
    print(f"  generating {n} entries ({shape} shape) into {root} ...", flush=True)
    if root.exists():
        shutil.rmtree(root)
    counts = generate.generate_shape(shape, n, root, seed, section_bytes)
    if search != "material":
        yml = root / "mkdocs.yml"
        text = yml.read_text()
        assert "\n  ossref:\n" in text
        yml.write_text(text.replace("\n  ossref:\n", f"\n  ossref:\n    search: {search}\n", 1))
    info = {**wanted, **counts}
    marker.write_text(json.dumps(info, indent=1))
    return root, info


class Edit:
    """Appends a different sentence to one entry each time, restoring it at the end.

    Each write replaces the file whole, as many editors save: a preview that
    polls the folder never sees it half written (and rebuilds once)."""

    def __init__(self, root: Path) -> None:
        entries = sorted(p for p in (root / "content").glob("*.md") if p.name != "index.md")
        self.path = entries[len(entries) // 2]
        self.original = self.path.read_bytes()
        self.count = 0
        self._tmp = root / ".bench-edit.tmp"  # beside the watched folders, on the same file system

    def _write(self, data: bytes) -> None:
        self._tmp.write_bytes(data)
        os.replace(self._tmp, self.path)

    def change(self) -> str:
        """Edit the entry; returns the sentence added."""
        self.count += 1
        sentence = f"This paragraph was added by benchmark edit number {self.count} at {time.time():.6f}."
        self._write(self.original + f"\n{sentence}\n".encode())
        return sentence

    def restore(self) -> None:
        self._write(self.original)


def bare_config(root: Path, where: Path) -> Path:
    """A mkdocs.yml for the bare build: the corpus's own, its ``docs_dir`` the
    corpus's ``content/`` as the editors wrote it (no ossref staging: no
    reference lists, no differential tables, ``[[links]]`` and ``[@keys]``
    left as text), and the short ``nav`` ossref's adapter sets (Home, and the
    other items that exist): MkDocs' default nav would list every entry in
    every page's sidebar, which costs several times the whole build."""
    try:
        from ossref.mkdocs.adapter import NAV  # noqa: PLC0415  (the product's own list, when importable)
    except ImportError:
        NAV = (("Home", "index.md"),)  # noqa: N806
    content = root / "content"
    nav = [(title, path) for title, path in NAV if (content / path).is_file()]
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("docs_dir:")]
    lines.append(f"docs_dir: {json.dumps(str(content))}")
    lines.append("nav:")
    lines += [f"  - {json.dumps(title)}: {json.dumps(path)}" for title, path in nav]
    where.mkdir(parents=True, exist_ok=True)
    config = where / "mkdocs.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


# ----------------------------------------------------------------------------- the runs


def bench_check(root: Path, repeat: int, log: Path) -> tuple[Measure, Measure]:
    cache = root / CACHE_DIR
    cold, warm = Measure(), Measure()
    command = ossref("check", "--root", str(root))
    repeat_runs(cold, repeat, command, log, before=lambda: shutil.rmtree(cache, ignore_errors=True))
    edit = Edit(root)
    try:
        if not cache.is_dir():
            run_once(command, log=log)  # fill the cache
        repeat_runs(warm, repeat, command, log, before=edit.change)
    finally:
        edit.restore()
    warm.note = f"edited: {edit.path.relative_to(root).as_posix()}"
    return cold, warm


def bench_build(root: Path, out: Path, name: str, repeat: int, log: Path,
                can_build: bool) -> tuple[Measure, Measure]:
    """``ossref build`` (cache removed first) and a bare ``mkdocs build`` of
    the same corpus's ``content/`` (:func:`bare_config`), alternating, so
    that a change in the machine's load falls on both."""
    build, bare = Measure(), Measure()
    site = out / f"site-ossref-{name}"
    bare_site = out / f"site-bare-{name}"
    config = bare_config(root, out / f"bare-{name}")
    if not can_build:
        build.note = "n/a: ossref build is not available"
    bare.note = "the editors' content/, the corpus's mkdocs.yml, ossref's short nav"
    for _ in range(repeat):
        if can_build and (not build.runs or build.ok):
            repeat_runs(build, 1, ossref("build", "--root", str(root), "--site-dir", str(site)), log,
                        before=lambda: shutil.rmtree(root / CACHE_DIR, ignore_errors=True))
        if not bare.runs or bare.ok:
            repeat_runs(bare, 1, [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config),
                                  "-d", str(bare_site)], log,
                        before=lambda: shutil.rmtree(bare_site, ignore_errors=True))
    return build, bare


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process and of the children
    it waited for; 0.0 where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command name: utime, stime, cutime, cstime are fields 14-17 of proc(5).
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _proc_peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _Lines:
    """Collects a process's output lines (into the log too) from a thread."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.lines: list[str] = []
        self._proc = proc
        self._log = log
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self._log, "a", encoding="utf-8") as log:
            for line in self._proc.stdout:
                self.lines.append(line)
                log.write(line)

    def wait_for(self, predicate, timeout: float, since: int | None = None) -> str | None:
        """The first line from number ``since`` on (default: from now on) for
        which ``predicate`` holds; None on timeout or when the process ended."""
        seen = len(self.lines) if since is None else since
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            while seen < len(self.lines):
                seen += 1
                if predicate(self.lines[seen - 1]):
                    return self.lines[seen - 1]
            if self._proc.poll() is not None and seen == len(self.lines):
                return None
            time.sleep(0.005)
        return None


def _page_has(url: str, text: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return text in response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return False


def bench_serve(root: Path, repeat: int, log: Path) -> tuple[Measure, Measure]:
    """``ossref serve`` on ``root``: its first build, then edit to preview."""
    first, edits = Measure(), Measure()
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    edit = Edit(root)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(ossref("serve", "--root", str(root), "--port", "0"), cwd=tempfile.gettempdir(), env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = _Lines(proc, log)
    rendered: list[str] = []
    try:
        # The first build is a full one: about 7 minutes at 10,000 entries on 2 shared cores.
        line = output.wait_for(lambda ln: ln.startswith("serving "), timeout=3600)
        built = any(ln.startswith("built ") for ln in output.lines)
        first.runs.append(Run(time.perf_counter() - start, _proc_cpu(proc.pid), _proc_peak_kb(proc.pid),
                              0 if line and built else 1))
        if line is None or not built:
            print("  FAILED: ossref serve did not start or its first build failed; see", log, file=sys.stderr)
            return first, edits
        url = line.split()[1] + edit.path.stem + "/"
        for i in range(repeat):
            # Past the server's last poll, so each edit is one rebuild; the
            # tenths spread the edits over the 0.5 s between its polls.
            time.sleep(1.0 + (i % 5) / 10)
            cpu = _proc_cpu(proc.pid)
            since = len(output.lines)  # the rebuild's summary may come before the page is polled
            t0 = time.perf_counter()
            sentence = edit.change()
            shown = False
            while not shown and time.perf_counter() - t0 < 300:
                shown = _page_has(url, sentence)
                if not shown:
                    time.sleep(0.02)
            wall = time.perf_counter() - t0
            done = output.wait_for(lambda ln: ln.startswith("built ") or "not built" in ln, timeout=300, since=since)
            if done and "rendered" in done:
                rendered.append(done.rsplit("(", 1)[1].split()[0])
            edits.runs.append(Run(wall, _proc_cpu(proc.pid) - cpu, _proc_peak_kb(proc.pid), 0 if shown else 1))
            if not shown:
                print(f"  FAILED: the edit of {edit.path.name} never showed; see {log}", file=sys.stderr)
                break
    finally:
        edit.restore()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    edits.note = (f"edited: {edit.path.relative_to(root).as_posix()}; pages MkDocs rendered per rebuild: "
                  + (", ".join(rendered) if rendered else "all (full rebuilds)"))
    return first, edits


# ----------------------------------------------------------------------------- report


def fmt_time(m: Measure) -> str:
    if not m.runs:
        return "n/a"
    flag = "" if m.ok else " (failed!)"
    return f"{m.wall:.2f} s{flag}"


def fmt_cpu(m: Measure) -> str:
    return f"{m.cpu:.2f} s" if m.runs else "n/a"


def fmt_rss(m: Measure) -> str:
    return f"{m.rss_mb:.0f} MB" if m.runs else "n/a"


def growth(rows: list[tuple[int, Measure]]) -> list[str]:
    """"x10 entries: x9.8 time" between consecutive sizes."""
    out = []
    for (n0, m0), (n1, m1) in zip(rows, rows[1:]):
        if m0.runs and m1.runs and m0.wall > 0:
            cpu = f", ×{m1.cpu / m0.cpu:.1f} CPU" if m0.cpu > 0 else ""
            out.append(f"{n0:,}→{n1:,} (×{n1 / n0:.3g} entries): ×{m1.wall / m0.wall:.1f} wall{cpu}")
    return out


def machine() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    cpus = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        mem = "? RAM"
    return (f"{platform.system()} {platform.machine()}, {cpus} CPUs, {mem}, Python {platform.python_version()}, "
            f"ossref at {commit or '?'}{' + uncommitted changes' if dirty else ''}")


def ossref_location() -> str:
    """Where the ``ossref`` the runs import comes from (PYTHONPATH can point
    the benchmark at another checkout)."""
    try:
        done = subprocess.run([sys.executable, "-c", "import ossref; print(ossref.__file__)"], capture_output=True,
                              text=True, cwd=tempfile.gettempdir(), timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return str(Path(done.stdout.strip()).parent) if done.returncode == 0 else "not importable"


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _ratio(build: Measure, bare: Measure) -> str:
    if not (build.runs and bare.runs and build.ok and bare.ok and bare.cpu > 0):
        return "n/a"
    return f"{build.cpu / bare.cpu:.2f}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="Benchmark ossref check and build against a bare mkdocs build.")
    parser.add_argument("--shapes", default="wiki,export",
                        help="corpus shapes, in this order: wiki (this project's own, checks clean) and/or export "
                             "(a reference manager's .bib, one-way differentials; issue #15); default both")
    parser.add_argument("--sizes", default="1000,5000", help="entries per wiki for the build benchmark")
    parser.add_argument("--check-sizes", default="1000,5000", help="entries per wiki for the check benchmark")
    parser.add_argument("--serve-sizes", default="",
                        help="entries per wiki for the ossref serve edit-to-preview benchmark (default: none)")
    parser.add_argument("--search", choices=("material", "pagefind"), default="material",
                        help="the corpora's search engine (extra.ossref.search; default: material)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where corpora, sites and results go")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--section-bytes", type=generate.parse_range, default=generate.SECTION_BYTES,
                        metavar="MIN-MAX", help="prose per body section in bytes, shape wiki (default 1000-3000)")
    args = parser.parse_args(argv)

    def sizes(text: str) -> list[int]:
        return sorted({int(x) for x in text.split(",") if x.strip()}) if text.strip() else []

    shapes = [x.strip() for x in args.shapes.split(",") if x.strip()]
    unknown = [x for x in shapes if x not in generate.SHAPES]
    if unknown or not shapes:
        parser.error(f"--shapes takes {' and/or '.join(generate.SHAPES)}, got {args.shapes!r}")
    check_sizes, build_sizes, serve_sizes = sizes(args.check_sizes), sizes(args.sizes), sizes(args.serve_sizes)

    def listed(numbers: list[int]) -> str:
        return ",".join(map(str, numbers)) or '""'

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "run.log"
    command = "python benchmarks/run.py " + " ".join(
        [f"--shapes {','.join(shapes)}", f"--sizes {listed(build_sizes)}", f"--check-sizes {listed(check_sizes)}"]
        + ([f"--serve-sizes {listed(serve_sizes)}"] if serve_sizes else [])
        + ([f"--search {args.search}"] if args.search != "material" else [])
        + [f"--repeat {args.repeat}", f"--seed {args.seed}"]
        + ([f"--section-bytes {args.section_bytes[0]}-{args.section_bytes[1]}"]
           if args.section_bytes != generate.SECTION_BYTES else []))
    header = [f"Machine: {machine()}", f"Command: `{command}`", f"Load average at start: {load()}",
              f"ossref imported from: {ossref_location()}"]
    print("\n".join(header), flush=True)

    can_build = build_available()
    corpora: dict[tuple[str, int], tuple[Path, dict]] = {}
    for shape in shapes:
        for n in sorted(set(check_sizes) | set(build_sizes) | set(serve_sizes)):
            corpora[shape, n] = corpus(out, n, args.seed, args.section_bytes, args.search, shape)

    results: dict = {"command": command, "machine": header[0], "check": {}, "build": {}, "serve": {}}
    check_rows: list[tuple[str, int, Measure, Measure]] = []
    build_rows: list[tuple[str, int, Measure, Measure]] = []
    serve_rows: list[tuple[str, int, Measure, Measure]] = []
    for shape in shapes:
        for n in check_sizes:
            root, info = corpora[shape, n]
            print(f"check, {shape}, {n:,} entries ...", flush=True)
            cold, warm = bench_check(root, args.repeat, log)
            check_rows.append((shape, n, cold, warm))
            results["check"][f"{shape}-{n}"] = {"corpus": info, "cold": cold.as_json(),
                                                "warm_one_changed": warm.as_json()}
        for n in build_sizes:
            root, info = corpora[shape, n]
            print(f"build, {shape}, {n:,} entries ...", flush=True)
            build, bare = bench_build(root, out, f"{shape}-{n}", args.repeat, log, can_build)
            build_rows.append((shape, n, build, bare))
            results["build"][f"{shape}-{n}"] = {"corpus": info, "build": build.as_json(),
                                                "bare_mkdocs": bare.as_json()}
        for n in serve_sizes:
            root, info = corpora[shape, n]
            print(f"serve, {shape}, {n:,} entries ...", flush=True)
            first, edits = bench_serve(root, args.repeat, log)
            serve_rows.append((shape, n, first, edits))
            results["serve"][f"{shape}-{n}"] = {"corpus": info, "first_build": first.as_json(),
                                                "edit_to_preview": edits.as_json()}

    def corpus_cells(shape: str, n: int) -> str:
        info = corpora[shape, n][1]
        return (f"| {shape} | {n:,} | {info.get('references', 2 * n):,} | {info.get('page_bytes', 0) / 1e6:.1f} MB "
                f"| {info.get('bib_bytes', 0) / 1e6:.1f} MB in {info.get('bib_files', '?')} |")

    lines = [*header[:2], header[3], ""]
    if check_rows:
        lines += [f"`ossref check`, median of {args.repeat} (cold: cache removed; warm: one entry edited since "
                  "the previous run; CPU: user + system of the process and its workers):", "",
                  "| shape | entries | references | Markdown | BibTeX | check cold | CPU | peak RSS "
                  "| check warm, 1 changed | CPU | peak RSS |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for shape, n, cold, warm in check_rows:
            lines.append(f"{corpus_cells(shape, n)} {fmt_time(cold)} | {fmt_cpu(cold)} | {fmt_rss(cold)} "
                         f"| {fmt_time(warm)} | {fmt_cpu(warm)} | {fmt_rss(warm)} |")
        for shape in shapes:
            g_cold = growth([(n, c) for s, n, c, _ in check_rows if s == shape])
            if g_cold:
                lines += ["", f"Growth, check cold, {shape}: " + "; ".join(g_cold)]
        lines.append("")
    if build_rows:
        lines += [f"`ossref build` (cache removed first; the output audit included) against a bare `mkdocs build` "
                  "of the editors' own `content/` with the same `mkdocs.yml` and the short nav ossref sets (no "
                  f"reference lists, no differential tables), runs alternating, median of {args.repeat}; "
                  "build/bare is the ratio of the CPU medians:", "",
                  "| shape | entries | references | Markdown | BibTeX | ossref build | CPU | peak RSS "
                  "| bare mkdocs build | CPU | peak RSS | build/bare CPU |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for shape, n, build, bare in build_rows:
            lines.append(f"{corpus_cells(shape, n)} {fmt_time(build)} | {fmt_cpu(build)} | {fmt_rss(build)} "
                         f"| {fmt_time(bare)} | {fmt_cpu(bare)} | {fmt_rss(bare)} | {_ratio(build, bare)} |")
        for shape in shapes:
            g_build = growth([(n, b) for s, n, b, _ in build_rows if s == shape])
            if g_build:
                lines += ["", f"Growth, ossref build, {shape}: " + "; ".join(g_build)]
        lines.append("")
    if serve_rows:
        lines += [f"`ossref serve`: first build (process start to serving), then edit to preview (writing one "
                  f"edited entry to its new HTML being served; CPU: the server's, for the rebuild), median of "
                  f"{args.repeat}:", "",
                  "| shape | entries | first build | CPU | edit to preview | CPU | peak RSS | MkDocs rendered |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for shape, n, first, edits in serve_rows:
            pages = edits.note.rsplit(": ", 1)[1] if edits.note else "n/a"
            lines.append(f"| {shape} | {n:,} | {fmt_time(first)} | {fmt_cpu(first)} | {fmt_time(edits)} "
                         f"| {fmt_cpu(edits)} | {fmt_rss(edits)} | {pages} |")
        lines.append("")
    lines.append(f"Load average at end: {load()} (start: {header[2].split(': ')[1]})")
    text = "\n".join(lines)
    print("\n" + text)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"results-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    results["markdown"] = text
    (out / f"results-{stamp}.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    failed = [r for rows in (check_rows, build_rows, serve_rows) for r in rows for m in r[2:] if m.runs and not m.ok]
    if failed:
        print(f"\nsome runs failed (exit code not 0): see {log}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

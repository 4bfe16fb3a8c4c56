"""Where ``ossref serve``'s edit-to-preview time goes, phase by phase, on a generated wiki.

    python benchmarks/incremental.py ROOT [--edits 3]

``ROOT`` is a project made by ``benchmarks/generate.py`` (a git repository
or not). Runs a preview server in this process (its first, full build
included, which at 10,000 entries takes several minutes), then edits one
entry ``--edits`` times (a sentence appended; the file is restored
afterwards) and, for each edit, prints the wall and CPU time of:

* ``watch``: from writing the file to the watcher reporting it (the
  system's file events where it can, else polling: :mod:`ossref.publish.watch`);
* ``check``: the check of every page (:meth:`ossref.publish.preview.Preview.check`);
* ``stage``: resolving and rendering the pages the edit reaches, and
  writing the staged files that changed (:mod:`ossref.site.incremental`);
* ``mkdocs``: MkDocs' dirty build of the changed pages, the search index,
  the sitemap, and the spare site (the one served before) brought up to date
  with the files that differ (the first edit makes the spare: hard links to
  every file of the served site);
* ``audit``: the output audit of the files the build wrote;
* ``swap``: swapping the new site in (the old one is kept as the next spare);
* ``rest``: everything else in the rebuild (printing the report, folders);

then ``edit to preview``: from writing the file to the new page being
served over HTTP. CPU times are this process's (all threads: the removal
of the previous site in the background counts too).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PHASES = ("watch", "check", "stage", "mkdocs", "audit", "swap", "rest")


def cpu() -> float:
    return time.process_time()


class Phases:
    """Wall and CPU time spent in each wrapped function since the last :meth:`take`."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}

    @contextmanager
    def timed(self, name: str):
        t, c = time.perf_counter(), cpu()
        try:
            yield
        finally:
            spent = self.spent.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - t
            spent[1] += cpu() - c

    def wrap(self, owner: object, attribute: str, name: str) -> None:
        real = getattr(owner, attribute)

        def timed(*args, **kwargs):
            with self.timed(name):
                return real(*args, **kwargs)

        setattr(owner, attribute, timed)

    def take(self) -> dict[str, list[float]]:
        spent, self.spent = self.spent, {}
        return spent


def main(root: Path, edits: int) -> None:
    import ossref.mkdocs.adapter as adapter
    import ossref.publish.build as build
    from ossref.config import load_config
    from ossref.publish.preview import Preview
    from ossref.publish.serve import Server

    phases = Phases()
    phases.wrap(Preview, "check", "check")
    phases.wrap(Preview, "stage", "stage")
    phases.wrap(adapter, "build_html", "mkdocs")
    phases.wrap(build, "_audit", "audit")
    phases.wrap(build, "swap_in", "swap")

    out = io.StringIO()
    server = Server(load_config(root), port=0, out=out, err=out)
    t, c = time.perf_counter(), cpu()
    server.start()
    print(f"first build: wall {time.perf_counter() - t:.2f} s, CPU {cpu() - c:.2f} s; "
          f"watcher: {'file events' if server._watcher.live else 'polling'}", flush=True)
    if server.last_status != 0:
        sys.exit(out.getvalue()[-3000:])
    for name, (wall, used) in phases.take().items():
        print(f"  {name:8s} wall {wall:7.2f} s  CPU {used:7.2f} s")
    entry = sorted((root / "content").glob("*.md"))[5]
    original = entry.read_bytes()
    url = server.url + entry.stem + "/"
    rows = []
    try:
        for i in range(edits):
            time.sleep(1.5)  # the previous site's removal, in the background, is done by then
            server.wait_and_rebuild(0.01)  # nothing pending
            phases.take()
            sentence = f"A sentence appended for edit {i} at {time.time():.6f}."
            t0, c0 = time.perf_counter(), cpu()
            entry.write_bytes(original + f"\n{sentence}\n".encode())
            status = None
            with phases.timed("watch"):
                while not server._watcher.wait(0.05):
                    pass
            t1, c1 = time.perf_counter(), cpu()
            status = server._rebuild()
            rebuild = (time.perf_counter() - t1, cpu() - c1)
            with urllib.request.urlopen(url, timeout=30) as response:
                shown = sentence in response.read().decode("utf-8", "replace")
            total = (time.perf_counter() - t0, cpu() - c0)
            spent = phases.take()
            inside = [sum(v[k] for n, v in spent.items() if n != "watch") for k in (0, 1)]
            spent["rest"] = [rebuild[0] - inside[0], rebuild[1] - inside[1]]
            summary = [ln for ln in out.getvalue().splitlines() if ln.startswith("built ")][-1]
            print(f"edit {i}: status {status}, served {shown}: edit to preview wall {total[0]:.2f} s, "
                  f"CPU {total[1]:.2f} s; {summary.split(' in ', 1)[-1]}", flush=True)
            for name in PHASES:
                wall, used = spent.get(name, (0.0, 0.0))
                print(f"  {name:8s} wall {wall:7.3f} s  CPU {used:7.3f} s")
            rows.append((total, spent))
    finally:
        entry.write_bytes(original)
        server.stop()
    if rows:
        print("median of the edits (wall / CPU, s):")
        for name in PHASES:
            walls = sorted(r[1].get(name, (0.0, 0.0))[0] for r in rows)
            cpus = sorted(r[1].get(name, (0.0, 0.0))[1] for r in rows)
            print(f"  {name:8s} {walls[len(walls) // 2]:7.3f} / {cpus[len(cpus) // 2]:7.3f}")
        walls, cpus = sorted(r[0][0] for r in rows), sorted(r[0][1] for r in rows)
        print(f"  {'total':8s} {walls[len(walls) // 2]:7.3f} / {cpus[len(cpus) // 2]:7.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    main(args.root.resolve(), args.edits)

"""What ``ossref serve`` spends before MkDocs, on a generated wiki: the check, then the staged site.

    python benchmarks/incremental.py ROOT

``ROOT`` is a project made by ``benchmarks/generate.py``. Prints the wall and
CPU time of: the check as ``ossref serve`` runs it (pages kept; the first run
fills the cache, the next two read it), a full resolve and render into a
staging folder (:class:`ossref.site.incremental.StagedSite`, which records
what each page reads), and the incremental update after one entry's body is
edited (a sentence appended; the file is restored afterwards), with how many
pages it rendered and which staged files it wrote.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(root: Path) -> None:
    from ossref.config import load_config
    from ossref.pipeline import check
    from ossref.site.deferred import Deferred
    from ossref.site.incremental import StagedSite

    config = load_config(root)
    for i in range(3):
        t, c = time.perf_counter(), cpu()
        result = check(config)
        print(f"check (pages kept) run {i}: wall {time.perf_counter() - t:.2f} s, CPU {cpu() - c:.2f} s", flush=True)
    tmp = Path(tempfile.mkdtemp())
    entry = sorted((root / "content").glob("*.md"))[5]
    original = entry.read_bytes()
    try:
        site, token = StagedSite(tmp / "staging"), Deferred().token
        t, c = time.perf_counter(), cpu()
        site.update(result.project, config, token, "inputs")
        print(f"resolve and render every page: wall {time.perf_counter() - t:.2f} s, CPU {cpu() - c:.2f} s", flush=True)
        entry.write_bytes(original + b"\nAn appended sentence.\n")
        result = check(config)
        t, c = time.perf_counter(), cpu()
        staged = site.update(result.project, config, token, "inputs")
        print(f"after one body edit: wall {time.perf_counter() - t:.2f} s, CPU {cpu() - c:.2f} s, "
              f"{staged.rendered} page(s) rendered, wrote {staged.written}", flush=True)
    finally:
        entry.write_bytes(original)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(Path(sys.argv[1]))

"""What the output audit costs: ``ossref build`` with and without it, side by side.

    python benchmarks/audit.py [--entries 1000] [--repeat 3] [--seed 0] [--section-bytes 300-700] [--out DIR]

Generates one corpus (``generate.py``), then runs ``ossref build`` on it in
fresh processes, alternately as shipped and with the audit taken out (the
audit's functions replaced by no-ops in that process only: the product has no
switch to turn its audit off), and prints the median wall and CPU seconds of
each and their ratio. Standard library only, besides ossref itself.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import SECTION_BYTES, generate, parse_range  # noqa: E402

# Run in the child: ossref build, with or without the audit.
_CHILD = """
import sys
if sys.argv[1] == "without":
    import ossref.site.audit, ossref.publish.build
    ossref.site.audit.body_links = lambda html: []
    ossref.publish.build._audit = lambda *args, **kwargs: []
from ossref.cli import main
sys.exit(main(["build", "--root", sys.argv[2], "--site-dir", sys.argv[3]]))
"""


def _run(mode: str, root: Path, site: Path) -> tuple[float, float]:
    shutil.rmtree(root / ".ossref-cache", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, str(root), str(site)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"ossref build ({mode}) failed:\n{done.stdout}\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--section-bytes", type=parse_range, default=SECTION_BYTES, metavar="MIN-MAX")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    low, high = args.section_bytes
    root = args.out / f"audit-corpus-{args.entries}-s{args.seed}-{low}-{high}"
    if not (root / "mkdocs.yml").is_file():
        generate(args.entries, root, seed=args.seed, section_bytes=args.section_bytes)
    site = args.out / "audit-site"
    times: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
    _run("with", root, site)  # warm-up: the file cache, compiled Python
    for _ in range(args.repeat):
        for mode in ("with", "without"):
            times[mode].append(_run(mode, root, site))
    result = {mode: {"wall": statistics.median(w for w, _ in runs), "cpu": statistics.median(c for _, c in runs)}
              for mode, runs in times.items()}
    ratios = [a[1] / b[1] for a, b in zip(times["with"], times["without"])]
    result["cpu_ratio_median"] = statistics.median(ratios)
    print(f"ossref build, {args.entries} entries, median of {args.repeat}:")
    print(f"  with the audit:    {result['with']['wall']:.2f} s wall, {result['with']['cpu']:.2f} s CPU")
    print(f"  without the audit: {result['without']['wall']:.2f} s wall, {result['without']['cpu']:.2f} s CPU")
    print(f"  CPU ratio with/without, median of pairs: {result['cpu_ratio_median']:.3f}")
    (args.out / "audit.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

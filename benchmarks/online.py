"""Cost of ``ossref check --online`` when every answer is in its cache (the
usual CI run once the cache is committed), against ``ossref check`` alone.

    python benchmarks/online.py [--sizes 1000,10000] [--repeat 3] [--out benchmarks/out] [--seed 0]

For each size N it generates the synthetic wiki (benchmarks/generate.py: N
entries, 2N BibTeX records, each with a DOI, many with a PMID or PMCID),
fills ``.ossref-online.json`` with answers that agree with every record (as
the services would), points the service URLs at a closed local port (so any
request would show up as "no network"), and times both commands in a fresh
process, median of ``--repeat`` runs, the check's own cache warm.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def fill_cache(root: Path) -> int:
    """Write answers agreeing with every record; returns how many."""
    sys.path.insert(0, str(REPO))
    from ossref.online.cite import existing_references
    from ossref.config import load_config
    from ossref.online.verify import CACHE_VERSION, _record
    from ossref.site.vancouver import decode_latex

    config = load_config(root)
    _, refs = existing_references(config)
    answers: dict[str, dict] = {}
    for ref in refs.values():
        record = _record(ref)
        title, year = decode_latex(ref.fields.get("title", "")), decode_latex(ref.fields.get("year", ""))
        years = [year] if year else []
        if record.doi:
            answers[f"crossref:{record.doi}"] = {"found": True, "title": title, "years": years}
        if record.pmid:
            answers[f"pubmed:{record.pmid}"] = {"found": True, "title": title, "years": years,
                                               "doi": ref.get("doi"), "pmcid": record.pmcid}
        if record.pmcid:
            answers[f"pmc:{record.pmcid}"] = {"found": True, "doi": ref.get("doi"), "pmid": record.pmid}
    (root / ".ossref-online.json").write_text(json.dumps({"version": CACHE_VERSION, "answers": answers}),
                                              encoding="utf-8")
    return len(answers)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    after = os.times()
    wall = time.perf_counter() - start
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OSSREF_CROSSREF_URL": dead, "OSSREF_NCBI_URL": dead,
           "OSSREF_IDCONV_URL": dead}
    print("| entries | records | cached answers | check | CPU | check --online | CPU |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(x) for x in args.sizes.split(",") if x):
        root = args.out / f"online-{n}-s{args.seed}"
        if not root.exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(root), "--seed",
                            str(args.seed), "--section-bytes", "300-700"], check=True)
        yml = root / "mkdocs.yml"
        text = yml.read_text(encoding="utf-8")
        if "contact:" not in text:
            yml.write_text(text.replace("  ossref:\n", "  ossref:\n    cite:\n      contact: bench@example.org\n", 1)
                           if "  ossref:\n" in text else text + "extra:\n  ossref:\n    cite:\n"
                           "      contact: bench@example.org\n", encoding="utf-8")
        answers = fill_cache(root)
        base = [sys.executable, "-m", "ossref", "check", "--root", str(root)]
        timed(base, env)  # warm the check's own cache
        plain = [timed(base, env) for _ in range(args.repeat)]
        online = [timed([*base, "--online"], env) for _ in range(args.repeat)]
        if any(run[2] for run in online):
            raise SystemExit(f"check --online said: {online[0][2]}")
        med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
        print(f"| {n:,} | {2 * n:,} | {answers:,} | {med(plain, 0):.2f} s | {med(plain, 1):.2f} s "
              f"| {med(online, 0):.2f} s | {med(online, 1):.2f} s |")


if __name__ == "__main__":
    main()

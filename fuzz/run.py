"""Run every fuzz target for a bounded time; exit 1 if any input failed.

    python fuzz/run.py                      # 15 s per target (CI)
    python fuzz/run.py --seconds 600 bibtex # one target, longer

New inputs libFuzzer finds go to a scratch copy of each seed corpus (the
committed corpus is left as it is); a failing input is written to
``--artifacts`` (default ``fuzz-artifacts/``) and its path printed. See
fuzz/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ("frontmatter", "bibtex", "scan", "pipeline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help=f"targets to run (default: all of {', '.join(TARGETS)})")
    parser.add_argument("--seconds", type=float, default=15.0, help="fuzzing time per target (default: 15)")
    parser.add_argument("--artifacts", type=Path, default=Path("fuzz-artifacts"),
                        help="folder for failing inputs (default: fuzz-artifacts)")
    args = parser.parse_args()
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target {', '.join(unknown)}; targets: {', '.join(TARGETS)}")
    failed = []
    env = {**os.environ, "OSSREF_JOBS": "1", "OSSREF_NO_CACHE": "1"}
    for target in args.targets or TARGETS:
        seeds = HERE / "corpus" / target
        with tempfile.TemporaryDirectory(prefix=f"ossref-fuzz-{target}-") as scratch:
            work = Path(scratch) / "corpus"
            # libFuzzer ends the process without running atexit handlers:
            # what a target leaves in the temporary folder goes with scratch.
            env["TMPDIR"] = scratch
            shutil.copytree(seeds, work)
            args.artifacts.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, str(HERE / f"fuzz_{target}.py"), f"-max_total_time={int(args.seconds)}",
                       "-timeout=20", "-rss_limit_mb=1024", "-max_len=65536", "-print_final_stats=0",
                       f"-artifact_prefix={args.artifacts.resolve()}/{target}-", str(work)]
            print(f"fuzz: {target} for {args.seconds:.0f} s", flush=True)
            proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if proc.returncode != 0:
                failed.append(target)
                print(proc.stdout[-8000:])
            else:
                last = [line for line in proc.stdout.splitlines() if line.strip()][-1:]
                print(f"fuzz: {target} ok {' '.join(last)}", flush=True)
    if failed:
        print(f"fuzz: FAILED: {', '.join(failed)} (inputs in {args.artifacts}/)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

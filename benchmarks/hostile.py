"""Time and memory of `ossref check` on the hostile inputs of issue #11 (part A).

    python benchmarks/hostile.py [--out DIR] [--only NAME]

Writes each scenario as a small project under DIR (a temporary folder by
default), runs `python -m ossref check --format json` on it in a child
process with no cache (OSSREF_NO_CACHE=1) and prints, per scenario, the exit
code, the child's CPU seconds and its peak memory (max RSS, from os.wait4),
the number of diagnostics printed and how many more the per-file cap counted
without listing. Standard library only; Linux (os.wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MKDOCS_YML = "site_name: Hostile\ndocs_dir: content\nextra:\n  ossref:\n    citations_dir: citations\n"


def bib(keys: list[str]) -> dict[str, str]:
    """BibTeX files holding a record per key, each file under 1 MB."""
    files: dict[str, str] = {}
    per_file = 5_000
    for n in range(0, len(keys), per_file):
        files[f"refs{n // per_file}.bib"] = "".join(
            f"@misc{{{key},\n  title = {{Work {key}}},\n  url = {{https://example.org/{key}}},\n}}\n"
            for key in keys[n:n + per_file])
    return files


def unknown_citations(cites: int, keys: int) -> tuple[dict[str, str], dict[str, str]]:
    known = [f"author{i:05d}study" for i in range(keys)]
    body = " ".join(f"[@author{i:05d}stduy]" for i in range(cites))  # every one a typo of a real key
    return {"alpha-lesion.md": "---\ncondition: Alpha lesion\n---\n\n" + body + "\n"}, bib(known)


def broken_links(links: int, aliases: int) -> tuple[dict[str, str], dict[str, str]]:
    names = ", ".join(f"L{i:04d}" for i in range(aliases))  # front matter holds at most 64 KB
    target = f"---\ncondition: Alpha lesion\naliases: [{names}]\n---\n\n# Alpha\n"
    body = " ".join(f"[[L{i:04d}x]]" for i in range(links))
    return {"alpha-lesion.md": target, "beta-lesion.md": "---\ncondition: Beta lesion\n---\n\n" + body + "\n"}, {}


def yaml_errors() -> tuple[dict[str, str], dict[str, str]]:
    return {"alpha-lesion.md": "---\n" + "- *x\n" * 12_000 + "---\n\nText.\n"}, {}


def quoted_depth() -> tuple[dict[str, str], dict[str, str]]:
    return {"alpha-lesion.md": "---\ncondition: A\nhide: [a-'b, " + "[" * 9000 + "]" * 9000 + "]\n---\n"}, {}


def invisible_text() -> tuple[dict[str, str], dict[str, str]]:
    return {"alpha-lesion.md": "---\ncondition: A\n---\n\n" + "x\u200b" * 200_000 + "\n"}, {}


SCENARIOS = {
    "7000-citations-5000-keys": lambda: unknown_citations(7_000, 5_000),
    "10000-citations-20000-keys": lambda: unknown_citations(10_000, 20_000),
    "6000-links-5000-aliases": lambda: broken_links(6_000, 5_000),
    "60kb-yaml-errors": yaml_errors,
    "quoted-depth-9000": quoted_depth,
    "200000-zero-width-spaces": invisible_text,
}


def write(root: Path, pages: dict[str, str], bibs: dict[str, str]) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "citations").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    for name, text in pages.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    for name, text in bibs.items():
        (root / "citations" / name).write_text(text, encoding="utf-8")


def measure(root: Path) -> dict[str, object]:
    env = dict(os.environ, OSSREF_NO_CACHE="1")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "ossref", "check", "--root", str(root), "--format", "json"],
                                 stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own CPU time and peak memory
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    data = json.loads(stdout) if stdout.startswith("{") else {"diagnostics": [], "summary": {}}
    return {
        "exit": child.returncode,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "wall_s": round(wall, 2),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "diagnostics": len(data["diagnostics"]),
        "suppressed": data["summary"].get("suppressed"),
        "stderr": stderr[-300:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="ossref-hostile-"))
    for name, make in SCENARIOS.items():
        if args.only and args.only != name:
            continue
        root = out / name
        write(root, *make())
        print(name, json.dumps(measure(root)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

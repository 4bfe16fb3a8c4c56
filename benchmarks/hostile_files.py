"""CPU time and peak memory of ``ossref check`` on the hostile BibTeX and
file-system inputs of issue #11 (part B), each in a project of its own.

    python benchmarks/hostile_files.py

Each case runs ``ossref check --no-cache`` in a child process; the CPU time
(user + system) and peak resident memory are the child's own, from
``wait4``. The promise (SECURITY.md) is at most 2 s of CPU and about 200 MB
for any input under the size caps; the table says how far each case is from
it, and the script exits 1 if a case breaks it. Standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = "site_name: Hostile\ndocs_dir: content\nextra:\n  ossref:\n    citations_dir: citations\n"
PAGE = "---\ncondition: Alpha lesion\nreferences: [alpha2020]\n---\n\nText [@alpha2020].\n"
GOOD_BIB = "@article{alpha2020,\n  title = {A study},\n  year = {2020},\n  doi = {10.1000/alpha.2020},\n}\n"
CPU_LIMIT, RSS_LIMIT_MB = 2.0, 200


def string_bomb(levels: int) -> str:
    lines = ['@string{m0 = "ab"}'] + [f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\n@misc{{b, title = m{levels}, doi = {{10.1000/b}}}}\n"


def near_the_limit() -> str:
    """One 990-character macro used 1,000 times: just under 1,000,000 added."""
    head = "@string{long = {" + "x" * 990 + "}}\n"
    return head + "".join(f"@misc{{r{i}, title = long, doi = {{10.1000/{i}}}}}\n" for i in range(1000))


def big(piece: str) -> str:
    return piece * ((999_000 - len(GOOD_BIB)) // len(piece.encode()))


CASES = {
    "@string bomb, 27 levels (1 KB)": {"bomb.bib": string_bomb(27)},
    "@string bomb, 40 levels (1 KB)": {"bomb.bib": string_bomb(40)},
    "macros adding 990,000 characters": {"near.bib": near_the_limit()},
    "1 MB of zero-width spaces in a field": {"zw.bib": "@misc{z, title = {" + big("\u200b") + "}}\n"},
    "1 MB of `{`": {"braces.bib": big("{")},
    "1 MB of `@a{`": {"heads.bib": big("@a{")},
    "9,999 `@a{`": {"heads.bib": "@a{" * 9_999},
    "9,999 short records with 8 fields each": {"many.bib": "".join(
        f"@misc{{k{i}," + "".join(f"f{j}={{v}}," for j in range(8)) + f"doi={{10.1/{i}}}}}\n" for i in range(9_999))},
    "1 MB of fields missing commas": {"commas.bib": "@misc{c,\n" + big("  a = {x}\n") + "}\n"},
    "symlink loop and FIFO": {"special": ""},
}


def project(folder: Path, bibs: dict[str, str]) -> Path:
    (folder / "content").mkdir(parents=True)
    (folder / "citations").mkdir()
    (folder / "mkdocs.yml").write_text(MKDOCS_YML)
    (folder / "content" / "alpha-lesion.md").write_text(PAGE)
    (folder / "citations" / "good.bib").write_text(GOOD_BIB)
    for name, text in bibs.items():
        if name == "special":
            (folder / "content" / "self.md").symlink_to("self.md")
            os.mkfifo(folder / "content" / "pipe.md")
            os.mkfifo(folder / "citations" / "pipe.bib")
        else:
            (folder / "citations" / name).write_text(text, encoding="utf-8")
    return folder


def measure(root: Path) -> tuple[int, float, float]:
    env = {**os.environ, "OSSREF_JOBS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "ossref", "check", "--root", str(root), "--no-cache"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    broken = 0
    print(f"| case | exit | CPU | peak RSS |\n|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="ossref-hostile-") as scratch:
        baseline = project(Path(scratch) / "baseline", {})
        code, cpu, rss = measure(baseline)
        print(f"| (baseline: one page, one record) | {code} | {cpu:.2f} s | {rss:.0f} MB |")
        for number, (name, bibs) in enumerate(CASES.items()):
            code, cpu, rss = measure(project(Path(scratch) / f"case{number}", bibs))
            ok = code in (0, 1) and cpu <= CPU_LIMIT and rss <= RSS_LIMIT_MB
            broken += not ok
            print(f"| {name} | {code} | {cpu:.2f} s | {rss:.0f} MB |{'' if ok else ' OVER'}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

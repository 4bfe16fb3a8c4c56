"""CPU time and peak memory of loading one big BibTeX export, of the BibTeX
inputs at the default caps, and of reporting many findings (issue #15).

    python benchmarks/bib_and_report.py [--records 20000] [--findings 40000] [--caps]

- **export**: a ``.bib`` file shaped like a reference manager's export of
  ``--records`` records (Zotero/JabRef: braces in titles, LaTeX accents,
  month macros, an ``@string``, abstracts, keywords, file fields; about
  7 MB for 20,000), loaded in a child process with the default limits, once
  with ossref's splitter (:mod:`ossref.load.bibsplit`) and once with
  bibtexparser's alone;
- **caps** (``--caps``, slower): files at the default limits, each in a
  child: an export of 32 MB, 99,999 ``@a{`` and 999,999 fields in one
  entry that only bibtexparser reads;
- **report**: ``--findings`` synthetic findings written in each format,
  in this process.

CPU time is user + system of the child (``wait4``), or ``process_time``
in this process; peak RSS is the child's. Standard library only.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_WORDS = ("the of and in a to with for effect patients study trial acute chronic treatment risk therapy "
          "outcome cohort randomized clinical disease heart renal liver lung infection sepsis").split()
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def export_bib(records: int, seed: int = 15) -> str:
    """An export-shaped BibTeX text of ``records`` records, a pure function of its arguments."""
    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(n))

    parts = ["% Encoding: UTF-8\n\n@string{lancet = {The Lancet}}\n\n"]
    for i in range(records):
        year = rng.randint(1970, 2024)
        fields = [f"title = {{{{Effect}} of {words(6)} on {{{words(2).upper()}}}}}",
                  'author = {Smith, John and M{\\"u}ller, Anna and Doe, J.}',
                  f"year = {{{year}}}", f"month = {rng.choice(_MONTHS)}",
                  "journal = lancet" if i % 7 == 0 else "journal = {N Engl J Med}",
                  f"volume = {{{rng.randint(1, 400)}}}", f"number = {{{rng.randint(1, 12)}}}",
                  f"pages = {{{rng.randint(1, 900)}--{rng.randint(901, 999)}}}", f"doi = {{10.1000/j.{i}.{year}}}"]
        if i % 3:
            fields.append(f"pmid = {{{1_000_000 + i}}}")
        if i % 4 == 0:
            fields.append(f"abstract = {{{words(rng.randint(5, 25))}. 50\\% of {words(4)}}}")
        if i % 2:
            fields.append(f"keywords = {{{words(3).replace(' ', ', ')}}}")
        if i % 5 == 0:
            fields.append(f"file = {{Full Text PDF:files/{i}/x.pdf:application/pdf}}")
        if i % 6 == 0:
            fields.append('note = "Epub ahead of print"')
        parts.append(f"@article{{smith{year}{i},\n  " + ",\n  ".join(fields) + "\n}\n\n")
    return "".join(parts)


_CHILD = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from ossref.config import Config
import ossref.load.bibliography as bibliography
from ossref.load.bibsplit import split_blocks_slow
if {slow!r}:
    bibliography.split_blocks = split_blocks_slow
refs, diags = bibliography.load_bib(Path({path!r}), "citations/x.bib", None, Config(root=Path(".")))
print(len(refs), len(diags), diags[0].code if diags else "")
"""


def load_in_child(path: Path, slow: bool = False) -> tuple[str, float, float]:
    """(what loaded, CPU seconds, peak RSS in MB) of loading ``path`` in a fresh process."""
    code = _CHILD.format(root=str(ROOT), slow=slow, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, _status, usage = os.wait4(proc.pid, 0)
    refs, diags, first = (out.split() + ["", "", ""])[:3]
    return f"{refs} records, {diags} findings {first}".strip(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bib_rows(records: int, caps: bool, scratch: Path) -> None:
    print("| BibTeX file | size | loaded | CPU | peak RSS |\n|---|---:|---|---:|---:|")
    export = scratch / "export.bib"
    export.write_text(export_bib(records), encoding="utf-8")
    size = f"{export.stat().st_size / 1e6:.1f} MB"
    for slow in (False, True):
        loaded, cpu, rss = load_in_child(export, slow)
        splitter = "bibtexparser's splitter" if slow else "ossref's splitter"
        print(f"| export, {records:,} records, {splitter} | {size} | {loaded} | {cpu:.2f} s | {rss:.0f} MB |")
    if not caps:
        return
    cases = {
        "export at the byte cap": export_bib(80_000),
        "99,999 `@a{` (max_bib_blocks)": "@a{" * 99_999,
        "999,990 fields in one `@misc(...)` entry (max_bib_fields)":
            "@misc(k,\n" + "".join(f"a{i}={{b}}," for i in range(999_990)) + ")\n",
    }
    for name, text in cases.items():
        path = scratch / "case.bib"
        path.write_text(text, encoding="utf-8")
        loaded, cpu, rss = load_in_child(path)
        print(f"| {name} | {path.stat().st_size / 1e6:.1f} MB | {loaded} | {cpu:.2f} s | {rss:.0f} MB |")


def report_rows(findings: int) -> None:
    from ossref.diagnostics import RULES, diag
    from ossref.pipeline import CheckResult
    from ossref.report.formats import report

    codes = list(RULES)
    diagnostics = [diag(f"content/entry-{i % 10_000}.md", i % 400 + 1, i % 60 + 1, codes[i % len(codes)],
                        f"finding {i}: `key{i}` is in no BibTeX file", "did you mean `key`?" if i % 2 else "")
                   for i in range(findings)]
    result = CheckResult(project=None, diagnostics=diagnostics, pages=10_000, entries=10_000)
    print(f"\n| format | {findings:,} findings: CPU | output |\n|---|---:|---:|")
    for fmt in ("text", "json", "github", "sarif"):
        out = io.StringIO()
        started = time.process_time()
        report(result, fmt, out)
        cpu = time.process_time() - started
        print(f"| {fmt} | {cpu:.3f} s | {len(out.getvalue()) / 1e6:.1f} MB |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--findings", type=int, default=40_000)
    parser.add_argument("--caps", action="store_true", help="also load files at the default BibTeX caps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ossref-bib-") as scratch:
        bib_rows(args.records, args.caps, Path(scratch))
    report_rows(args.findings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

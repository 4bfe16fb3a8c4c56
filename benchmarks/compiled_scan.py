"""What compiling the body scanner with mypyc would give: the pure scanner
and a compiled copy, timed on the same corpus, and checked to agree.

    python benchmarks/compiled_scan.py PROJECT [--mypyc PATH] [--repeat 3] [--keep DIR]

Copies the ``ossref`` package into a temporary folder, compiles the
modules of ``ossref/load/scan/`` there with mypyc (``--mypyc``: the
``mypyc`` command; ``pip install mypy`` provides it; it is needed for this
measurement only, and ossref never depends on it), then runs, in a fresh
process each, the scan of every page body of PROJECT (``scan_body`` and
``complexity``, as a check runs them) with the pure package and with the
compiled copy. It prints the CPU seconds of each (the best of ``--repeat``),
their cost per MB of Markdown and the ratio, and fails unless both give the
same results on every page (a digest of every ``BodyScan`` and finding).

The modules are compiled as they are, each marked ``# mypy: ignore-errors``
(mypyc compiles only code that type-checks, and the scanner was written for
the interpreter, not for mypy): mypyc then checks at run time the types it
inferred, so a mismatch would show here as an error or a differing digest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent  # the checkout: holds ossref/

# Run in a child process, with ossref importable from the folder on sys.path[0].
_CHILD = r"""
import hashlib, json, sys, time
from pathlib import Path
import ossref.load.scan as scan
from ossref.load.frontmatter import parse_frontmatter
from ossref.load.files import decode_text
root = Path(sys.argv[1])
bodies = []
size = 0
for path in sorted((root / "content").rglob("*.md")):
    data = path.read_bytes()
    size += len(data)
    text, _ = decode_text(data, "x.md")
    if text is None:
        continue
    fm = parse_frontmatter(text, "x.md", 64_000, 20)
    bodies.append((fm.body, fm.body_line))
compiled = all(getattr(m, "__file__", "").endswith(".so") for m in
               (sys.modules[n] for n in list(sys.modules) if n.startswith("ossref.load.scan.")))
best = None
digest = ""
for _ in range(int(sys.argv[2])):
    h = hashlib.sha256()
    start = time.process_time()
    results = [(scan.scan_body(body, line), scan.complexity(body, line)) for body, line in bodies]
    spent = time.process_time() - start
    best = spent if best is None else min(best, spent)
    for found in results:
        h.update(repr(found).encode())
    digest = h.hexdigest()
print(json.dumps({"seconds": best, "bytes": size, "pages": len(bodies), "digest": digest,
                  "compiled": compiled, "scan_from": scan.__file__}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--mypyc", default=shutil.which("mypyc") or "mypyc", help="the mypyc command")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the compiled copy here and keep it")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="ossref-mypyc-"))
    try:
        if not (work / "ossref" / "load" / "scan" / "scanner.py").exists():
            _build(work, args.mypyc)
        pure = _measure(SOURCE, args.project, args.repeat)
        fast = _measure(work, args.project, args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if not fast["compiled"]:
        print(f"the copy in {work} is not compiled ({fast['scan_from']})", file=sys.stderr)
        return 1
    mb = pure["bytes"] / 1e6
    print(f"{pure['pages']} pages, {mb:.1f} MB of Markdown (scan_body + complexity, CPU s, best of {args.repeat})")
    print(f"{'scanner':10} {'CPU s':>7} {'s/MB':>7}")
    for name, result in (("pure", pure), ("mypyc", fast)):
        print(f"{name:10} {result['seconds']:7.2f} {result['seconds'] / mb:7.4f}")
    print(f"compiled / pure: {fast['seconds'] / pure['seconds']:.2f}")
    same = pure["digest"] == fast["digest"]
    print("results: " + ("identical on every page" if same else "DIFFERENT"))
    return 0 if same else 1


def _build(work: Path, mypyc: str) -> None:
    """A copy of the package in ``work`` with its scanner compiled in place."""
    shutil.copytree(SOURCE / "ossref", work / "ossref", ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted((work / "ossref" / "load" / "scan").glob("*.py"))
    for path in modules:
        path.write_text("# mypy: ignore-errors\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    command = [mypyc, "--ignore-missing-imports", *(str(p.relative_to(work)) for p in modules)]
    done = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"mypyc failed ({' '.join(command)}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _measure(folder: Path, project: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(folder), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(project), str(repeat)], cwd=folder, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the scan failed in {folder}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


if __name__ == "__main__":
    sys.exit(main())

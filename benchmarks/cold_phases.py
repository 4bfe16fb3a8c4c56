"""Where a cold ``ossref check`` spends its CPU, phase by phase, in one process.

    PYTHONPATH=. python benchmarks/cold_phases.py PROJECT [--passes]
    PYTHONPATH=. python benchmarks/cold_phases.py PROJECT --route [--jobs N]

Runs, in this one process and without the store, the steps a cold check
runs for every page (read, decode, front matter, entry schema, theme
fields, body scan, per-page rules, facts, the store's pickles), then the
BibTeX load, the cross-file rules and the JSON report, and prints the CPU
seconds (``time.process_time``) of each, with its share and its cost per MB
of Markdown. ``--passes`` splits the body scan into its passes. The phases
call the same functions the loader calls, in the same order, so the sum is
close to a one-process ``ossref check`` minus start-up; the figures say
where to look, ``/usr/bin/time`` says what the user waits.

``--route`` instead runs the real cold check (``ossref check --format json``
after removing the cache folder, ``OSSREF_JOBS`` set to ``--jobs``, 1 by
default) and prints the CPU seconds of its main parts as the check's own
route spends them, the store's and the check state's writing included,
which the phases above leave out, and the CPU of this process and of its
worker processes. Parts nest (the load holds the parsing), so they do not
add up. On a shared machine CPU figures vary by a quarter from run to run:
compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from collections import defaultdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--passes", action="store_true", help="time the body scan's passes one by one")
    parser.add_argument("--route", action="store_true", help="time the parts of a real cold `ossref check`")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for --route (OSSREF_JOBS)")
    args = parser.parse_args(argv)
    if args.route:
        return _route(args.project, args.jobs)

    from ossref.check import page as page_check
    from ossref.check.linked_files import missing_files
    from ossref.check.rules import check_facts
    from ossref.check.sections import url_clashes
    from ossref.config import load_config
    from ossref.load.bibliography import load_bib, merge_bibliography
    from ossref.load.facts import page_facts
    from ossref.load.files import decode_text
    from ossref.load.frontmatter import parse_frontmatter
    from ossref.load.parse import unsafe_text
    from ossref.load.records import freeze_page, page_entry
    from ossref.load.scan import scan_body
    from ossref.load.schema import read_entry
    from ossref.load.theme_fields import check_page_meta
    from ossref.load.walk import bib_files, docs_files, read_pages, walk
    from ossref.model import Page, ProjectFacts
    from ossref.pipeline import CheckResult, apply_rules
    from ossref.report.formats import report

    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time

    def timed(name, fn, *a):
        start = clock()
        value = fn(*a)
        spent[name] += clock() - start
        return value

    config = load_config(args.project)
    gc.disable()  # as the loader does (workers.gc_paused)
    others: list = []
    md_files, _ = timed("walk", walk, config.docs_path, config.root, ".md", others)
    facts = []
    problems: list = []
    markdown_bytes = 0
    reading = read_pages(md_files, config)
    while True:
        item = timed("read files", next, reading, None)
        if item is None:
            break
        rel, slug, data, mine = item  # mine: this file's diagnostics
        markdown_bytes += len(data or b"")
        text, found = timed("decode", decode_text, data, rel)
        mine += found
        if text is None:
            problems += mine
            continue
        mine += timed("unsafe_text (loader)", unsafe_text, text, rel)
        fm = timed("front matter", parse_frontmatter, text, rel, config.max_frontmatter_bytes,
                   config.max_yaml_depth)
        mine += fm.diagnostics
        page = Page(path=rel, slug=slug, source=text, meta=fm.data, meta_pos=fm.positions,
                    body=fm.body, body_line=fm.body_line, meta_ok=fm.ok)
        if fm.ok:
            page.entry, found = timed("entry schema", read_entry, fm.data, fm.positions, rel)
            mine += found
            mine += timed("theme fields", check_page_meta, fm.data, fm.positions, rel, config.statuses)
        if args.passes:
            page.scan = _scan_by_pass(page.body, page.body_line, spent, clock)
        else:
            page.scan = timed("scan", scan_body, page.body, page.body_line)
        for name in ("_too_complex", "_body_rules", "_citations_in_headings", "_malformed_citations",
                     "_invisible_text", "page_findings"):
            fn = getattr(page_check, name)
            mine += timed(f"rule {name.strip('_')}", lambda p, fn=fn: list(fn(p)), page)
        one = timed("page_facts", page_facts, page)
        timed("store: facts pickle", page_entry, None, mine, one, False)
        timed("store: page pickle", freeze_page, page)
        problems += mine
        facts.append(one)
    results = []
    for path, rel in bib_files(config)[0]:
        results.append(timed("bib load", load_bib, path, rel, None, config))
    refs, bib_problems = timed("bib merge", merge_bibliography, results)
    references = {key: (ref.path, ref.line, ref.column) for key, ref in refs.items()}
    files = docs_files(others, config)
    project = ProjectFacts(pages=facts, references=references, bib_files=[], files=files)
    found = timed("cross-file rules", check_facts, project.pages, project.references, project.files)
    found += timed("missing files", lambda: missing_files(((f.path, f.slug, f.links) for f in facts),
                                                           config.docs_path))
    found += timed("url clashes", lambda: url_clashes(((f.path, f.slug) for f in facts),
                                                       config.use_directory_urls))
    reported = timed("apply rules", apply_rules, problems + bib_problems + found, config)
    result = CheckResult(None, reported, pages=len(facts))
    timed("report json", report, result, "json", io.StringIO())
    total = sum(spent.values())
    mb = markdown_bytes / 1e6
    print(f"{len(facts)} pages, {mb:.1f} MB of Markdown; {len(reported)} findings; CPU s in all {total:.2f}")
    print(f"{'phase':32} {'CPU s':>7} {'share':>6} {'s/MB':>7}")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{name:32} {seconds:7.2f} {seconds / total:6.1%} {seconds / mb:7.3f}")
    return 0


def _route(project: Path, jobs: int) -> int:
    """Time the parts of a cold ``ossref check`` of ``project`` (see the module's docstring)."""
    import os
    import shutil

    from ossref import cli, pipeline
    from ossref.check import crossfile
    from ossref.config import load_config
    from ossref.load import loader, store

    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time

    def wrap(owner, name: str, label: str) -> None:
        real = getattr(owner, name)

        def timed(*a, **k):
            start = clock()
            try:
                return real(*a, **k)
            finally:
                spent[label] += clock() - start

        setattr(owner, name, timed)

    parts = [(pipeline, "load_with_memo", "load (walk, read, parse, store)"),
             (loader._Run, "parse", "  parsing, workers' results taken"),
             (loader, "_parse", "    pages parsed here"),
             (loader, "_load_bib", "    BibTeX files parsed here"),
             (loader, "page_entry", "    store: entries of pages parsed here"),
             (store.Store, "save", "  store: written"),
             (crossfile.CrossCheck, "update", "cross-file rules (with their state)"),
             (pipeline, "_reported", "rules applied, by file"),
             (pipeline, "write_state", "check state: written")]
    for owner, name, label in parts:
        wrap(owner, name, label)
    folder = store.cache_folder(load_config(project))  # None when it would be outside the project
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)  # a cold run
    os.environ["OSSREF_JOBS"] = str(jobs)
    out = sys.stdout
    sys.stdout = io.StringIO()
    start = clock()
    try:
        cli.main(["check", "--root", str(project), "--format", "json"])
    finally:
        sys.stdout = out
    total = clock() - start
    times = os.times()
    print(f"cold `ossref check` of {project}, OSSREF_JOBS={jobs}: CPU s of the check {total:.2f}; "
          f"this process in all {times.user + times.system:.2f}, "
          f"worker processes {times.children_user + times.children_system:.2f}")
    for _, _, label in parts:
        print(f"{label:40} {spent[label]:7.2f}")
    return 0


def _scan_by_pass(body, body_line, spent, clock):
    """:func:`ossref.load.scan.scanner._Scanner.run`, pass by pass."""
    from ossref.load.scan.autolinks import angles, attr_lists
    from ossref.load.scan.blocks import Blocks
    from ossref.load.scan.citations import Citations
    from ossref.load.scan.codespans import working_copies
    from ossref.load.scan.headings import headings
    from ossref.load.scan.links import LinkReader
    from ossref.load.scan.sweep import _LinkSweep
    from ossref.model import BodyScan

    out = BodyScan()
    t = clock()

    def lap(name):
        nonlocal t
        now = clock()
        spent["scan: " + name] += now - t
        t = now

    blk = Blocks(body, body_line)
    lap("blocks")
    ma, mb = working_copies(blk.lines, blk.joins, blk.blank_both, blk.a_only)
    lap("code spans")
    pos = blk.pos
    reader = LinkReader(blk, ma, mb)
    reader.definitions()
    lap("definitions")
    cites = Citations(body, ma, reader.ref_ids, pos)
    reader.walk(cites, out.citations)
    lap("links+citations walk")
    reader.pm_links()
    lap("pm links")
    links = reader.links
    dests = reader.dests
    dests.sort()
    angles(body, ma, mb, dests, reader.def_dests, pos, links, out.html)
    lap("autolinks/html")
    sweep = _LinkSweep(blk, ma, reader.closes, reader.def_starts, reader.found_in_a, reader.defs_in_a)
    links += sweep.run(ma)
    if mb is not None:
        links += sweep.run(mb)
    lap("sweep")
    links.sort(key=lambda x: x[0])
    out.links.extend(link for _, link in links)
    attr_lists(body, ma, pos, out.attr_lists)
    out.malformed_citations.extend(cites.malformed)
    lap("attr lists")
    headings(blk.headings_raw, ma, reader.refs, pos, out.headings)
    lap("headings")
    return out


if __name__ == "__main__":
    sys.exit(main())

"""A warm check finds exactly what a check from nothing finds, whatever was edited.

The cross-file rules re-run only for the pages an edit reaches
(ossref/check/crossfile.py), and a file whose stat is trusted is not read
(ossref/load/memo.py); both are speed only. Hypothesis applies sequences of
edits of every kind to a small wiki and, after each, compares the findings
and exit code of three checks: one handed the previous check's state in
memory (as ``ossref serve`` does), one reading the state on disk (``ossref
check``), and one with ``--no-cache``.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run
from ossref.config import load_config
from ossref.load import memo as memo_module
from ossref.load.memo import LoadMemo, stat_key
from ossref.pipeline import check
from ossref.report.formats import json_items, json_text, report, text_items

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon"]
KEYS = ["k0", "k1", "k2"]


def entry(name: str, *, aliases=(), differentials=(), cites=(), refs=(), headings=("Imaging",), links=(),
          yaml_ok: bool = True) -> str:
    lines = ["---", f"condition: {name.title()} lesion"]
    if aliases:
        lines.append("aliases: [" + ", ".join(aliases) + "]")
    if differentials:
        lines.append("differentials: [" + ", ".join(differentials) + "]")
    if refs:
        lines.append("references: [" + ", ".join(refs) + "]")
    if not yaml_ok:
        lines.append("summary: [unclosed")
    lines.append("---")
    body = [f"Text about {name}" + (" [" + "; ".join("@" + k for k in cites) + "]." if cites else ".")]
    for heading in headings:
        body += ["", f"## {heading}", "", "Words."]
    for target in links:
        body += ["", f"See [[{target}]]."]
    return "\n".join(lines + body) + "\n"


def bib(keys) -> str:
    return "".join(f"@article{{{key},\n  author = {{Ann, A}},\n  title = {{{{T {key}}}}},\n  journal = {{J}},\n"
                   f"  year = {{2020}},\n  doi = {{10.1000/{key}}},\n}}\n\n" for key in keys)


def write(path: Path, text: str, stamp: list[int]) -> None:
    """Write ``text`` and give the file an mtime of its own, in the past:
    old enough to be trusted by the next check, and unlike any before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp[0] += 1
    when = time.time_ns() - 3600 * 10**9 + stamp[0] * 10**6
    os.utime(path, ns=(when, when))


def make_wiki(root: Path, stamp: list[int]) -> None:
    (root / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\n", encoding="utf-8")
    write(root / "citations" / "refs.bib", bib(KEYS[:2]), stamp)
    write(root / "content" / "alpha.md", entry("alpha", differentials=["beta"], cites=["k0"],
                                               links=["beta#imaging"]), stamp)
    write(root / "content" / "beta.md", entry("beta", differentials=["alpha", "gamma"], aliases=["b-lesion"]), stamp)
    write(root / "content" / "gamma.md", entry("gamma", cites=["k1"], links=["alpha#references"]), stamp)
    write(root / "content" / "topic.md", "# Topic\n\nSee [[gamma#imaging]] and [beta](beta.md#imaging).\n", stamp)


edits = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(NAMES)),
    st.tuples(st.just("remove"), st.sampled_from(NAMES)),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("aliases"), st.sampled_from(NAMES), st.lists(st.sampled_from(["b-lesion", "g", "alpha"]),
                                                                    max_size=2, unique=True)),
    st.tuples(st.just("differentials"), st.sampled_from(NAMES),
              st.lists(st.sampled_from([*NAMES, "b-lesion", "nobody"]), max_size=3, unique=True)),
    st.tuples(st.just("cites"), st.sampled_from(NAMES), st.lists(st.sampled_from([*KEYS, "k9"]), max_size=2,
                                                                 unique=True)),
    st.tuples(st.just("refs"), st.sampled_from(NAMES), st.lists(st.sampled_from(KEYS), max_size=2, unique=True)),
    st.tuples(st.just("headings"), st.sampled_from(NAMES), st.lists(st.sampled_from(["Imaging", "Course"]),
                                                                    max_size=2, unique=True)),
    st.tuples(st.just("links"), st.sampled_from(NAMES),
              st.lists(st.sampled_from(["beta#imaging", "alpha#references", "gamma#course", "delta",
                                        "beta#what-links-here", "alpha#listed-as-a-differential-of",
                                        "gamma#differential-diagnosis", "alpha#further-reading"]),
                       max_size=2, unique=True)),
    st.tuples(st.just("bib"), st.lists(st.sampled_from(KEYS), max_size=3, unique=True)),
    st.tuples(st.just("yaml"), st.sampled_from(NAMES), st.booleans()),
    st.tuples(st.just("topic"), st.sampled_from(["", "[[alpha#imaging]]", "[g](gamma.md#course)", "[[epsilon]]"])),
)


def apply(root: Path, edit: tuple, specs: dict, stamp: list[int]) -> None:
    """Apply ``edit`` to the wiki at ``root``; ``specs`` holds each entry's arguments to :func:`entry`."""
    kind = edit[0]
    content = root / "content"
    if kind == "bib":
        write(root / "citations" / "refs.bib", bib(edit[1]), stamp)
        return
    if kind == "topic":
        write(content / "topic.md", f"# Topic\n\nSee {edit[1]}.\n", stamp)
        return
    name = edit[1]
    if kind == "add":
        specs.setdefault(name, {})
    elif kind == "remove":
        if specs.pop(name, None) is not None:
            (content / f"{name}.md").unlink()
        return
    elif kind == "rename":
        if name not in specs or edit[2] in specs:
            return
        specs[edit[2]] = specs.pop(name)
        (content / f"{name}.md").unlink()
        name = edit[2]
    elif name not in specs:
        return
    else:
        field = {"aliases": "aliases", "differentials": "differentials", "cites": "cites", "refs": "refs",
                 "headings": "headings", "links": "links", "yaml": "yaml_ok"}[kind]
        specs[name][field] = edit[2]
    write(content / f"{name}.md", entry(name, **specs[name]), stamp)


def text_report(result) -> str:
    out = io.StringIO()
    report(result, "text", out)
    return out.getvalue()


def findings(result) -> tuple[list, bool, bool]:
    rows = [(d.path, d.line, d.column, d.code, d.message, d.severity) for d in result.diagnostics]
    return rows, result.failed(False), result.failed(True)


@pytest.fixture
def cache_home(tmp_path_factory, monkeypatch):
    monkeypatch.delenv("OSSREF_NO_CACHE", raising=False)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(edits, min_size=1, max_size=8))
def test_warm_check_equals_no_cache_check_after_any_edits(tmp_path_factory, edit_list):
    root = tmp_path_factory.mktemp("wiki")
    stamp = [0]
    make_wiki(root, stamp)
    specs = {"alpha": {"differentials": ["beta"], "cites": ["k0"], "links": ["beta#imaging"]},
             "beta": {"differentials": ["alpha", "gamma"], "aliases": ["b-lesion"]},
             "gamma": {"cites": ["k1"], "links": ["alpha#references"]}}
    config = load_config(root)
    first = check(config, keep_pages=False, render=json_items)
    assert findings(first) == findings(check(config, keep_pages=False, cache=False))
    state, last_render = first.state, json_items
    for i, edit in enumerate(edit_list):
        apply(root, edit, specs, stamp)
        config = load_config(root)
        cold = check(config, keep_pages=False, cache=False)
        expected = findings(cold)
        # The json and the text report, one or the other from each file's kept part (the
        # renderer changes now and then, as between `ossref check` and `ossref check --format json`).
        render = json_items if i % 3 else text_items
        from_disk = check(config, keep_pages=False, render=render)
        assert findings(from_disk) == expected, edit
        # Each report from each file's kept part is the one rendered from nothing. (When
        # nothing changed, the last result stands with its parts: rendered by the last renderer.)
        if render is last_render:
            assert from_disk.rendered is not None and from_disk.rendered[2] is from_disk.diagnostics
        if from_disk.rendered is not None:
            last_render = render
        assert json_text(from_disk) == json_text(cold), edit
        assert text_report(from_disk) == text_report(cold), edit
        # In memory, the renderer comes and goes: its kept parts are dropped or made again.
        in_memory = check(config, keep_pages=False, state=state, render=(None, json_items, text_items)[i % 3])
        assert findings(in_memory) == expected, edit
        assert json_text(in_memory) == json_text(cold), edit
        assert text_report(in_memory) == text_report(cold), edit
        state = in_memory.state
    shutil.rmtree(root)


def test_cli_warm_check_prints_what_no_cache_prints(tmp_path):
    stamp = [0]
    make_wiki(tmp_path, stamp)
    root = ["--root", str(tmp_path), "--format", "json"]
    assert run(["check", *root]) == run(["check", *root, "--no-cache"])
    write(tmp_path / "content" / "beta.md", entry("beta", differentials=["alpha"]), stamp)
    assert run(["check", *root]) == run(["check", *root, "--no-cache"])
    assert run(["check", *root]) == run(["check", *root, "--no-cache"])
    for text in (["--root", str(tmp_path)], ["--root", str(tmp_path), "-q"]):  # the text report, kept or not
        assert run(["check", *text]) == run(["check", *text, "--no-cache"])
        write(tmp_path / "content" / "beta.md", entry("beta", differentials=["alpha", "gamma"]), stamp)
        assert run(["check", *text]) == run(["check", *text, "--no-cache"])


def test_unchanged_files_are_not_read_on_a_warm_check(tmp_path, monkeypatch):
    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    first = check(config, keep_pages=False)
    assert first.state is not None and first.state.read == 5  # 4 pages and 1 BibTeX file
    for again in (check(config, keep_pages=False, state=first.state), check(config, keep_pages=False)):
        assert again.state.read == 0 and again.state.rerun == 0
        assert findings(again) == findings(first)
    write(tmp_path / "content" / "gamma.md", entry("gamma", cites=["k1"]), stamp)
    third = check(config, keep_pages=False, state=again.state)
    assert third.state.read == 1
    # gamma linked to alpha; alpha's "what links here" is gone, and only pages reading it re-ran.
    assert 1 <= third.state.rerun < 4
    assert findings(third) == findings(check(config, keep_pages=False, cache=False))


def test_racily_clean_file_is_read_again_though_its_stat_is_restored(tmp_path):
    """A file changed with its size and mtime put back is still read when its
    mtime is within RACY_NS of when the memo took the stats (git's "racily
    clean" rule): the stat cannot tell it from the file last read."""
    stamp = [0]
    make_wiki(tmp_path, stamp)
    page = tmp_path / "content" / "gamma.md"
    now = time.time_ns()
    os.utime(page, ns=(now, now))  # written "now": racy for the memo taken next
    config = load_config(tmp_path)
    first = check(config, keep_pages=False)
    assert not any(d.code == "unknown-citation" for d in first.diagnostics)
    before = os.stat(page)
    text = page.read_text(encoding="utf-8").replace("@k1", "@k7")  # same size
    page.write_text(text, encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = check(config, keep_pages=False, state=first.state)
    assert any(d.code == "unknown-citation" and "k7" in d.message for d in again.diagnostics)
    from_disk = check(config, keep_pages=False)
    assert any(d.code == "unknown-citation" and "k7" in d.message for d in from_disk.diagnostics)


def test_memo_trusts_only_an_equal_stat_older_than_the_racy_window(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("x", encoding="utf-8")
    key = stat_key(path)
    assert key is not None
    memo = LoadMemo(taken_ns=key[1] + memo_module.RACY_NS + 1)
    assert memo.trusts(key, key)
    assert not LoadMemo(taken_ns=key[1] + memo_module.RACY_NS).trusts(key, key)  # racily clean
    assert not memo.trusts(key, (key[0] + 1, *key[1:]))  # size
    assert not memo.trusts(key, (key[0], key[1], key[2] + 1, *key[3:]))  # ctime
    assert not memo.trusts(None, key)


def _state_file(root: Path) -> Path:
    from ossref.check.state import STATE_NAME

    return root / ".ossref-cache" / STATE_NAME


def _hot(root: Path) -> int:
    """Where the state file's first part starts."""
    from ossref.check import state as state_module

    return len(state_module._MAGIC) + 32 + 8 + state_module._MAC_SIZE


def _parts(root: Path) -> list[Path]:
    """The files of the state's second part."""
    from ossref.check.state import PARTS_NAME

    return sorted((root / ".ossref-cache" / PARTS_NAME).iterdir())


@pytest.mark.parametrize("damage", ["hot-flipped", "cold-flipped", "cold-missing", "cold-swapped", "truncated",
                                    "cold-truncated", "report-flipped", "report-missing", "garbage", "planted",
                                    "other-code"])
def test_a_damaged_or_foreign_state_is_ignored(tmp_path, damage, monkeypatch):
    """The state file has the store's guarantees: altered (either part, a
    part file removed or swapped for another's), truncated, planted (made with another machine's secret) or for other
    code, it is no state: every file is read again and the findings are a
    --no-cache check's."""
    from ossref.check import state as state_module
    from ossref.load import store

    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    check(config, keep_pages=False)
    path = _state_file(tmp_path)
    data = bytearray(path.read_bytes())
    hot = _hot(tmp_path)
    parts = _parts(tmp_path)
    assert len(parts) > 2  # buckets with the same records (the empty ones) share a file
    if damage == "hot-flipped":
        data[hot + 3] ^= 1
    elif damage == "cold-flipped":
        part = bytearray(parts[0].read_bytes())
        part[3] ^= 1
        parts[0].write_bytes(bytes(part))
    elif damage == "cold-missing":
        parts[0].unlink()
    elif damage == "cold-swapped":
        parts[0].write_bytes(parts[1].read_bytes())
    elif damage == "cold-truncated":
        parts[0].write_bytes(parts[0].read_bytes()[:-1])
    elif damage in ("report-flipped", "report-missing"):
        # The part holding the last result, which every warm run reads: the first part names it.
        import marshal

        report = parts[0].parent / (marshal.loads(bytes(data[hot:]))[3].hex() + ".bin")
        if damage == "report-missing":
            report.unlink()
        else:
            blob = bytearray(report.read_bytes())
            blob[-3] ^= 1
            report.write_bytes(bytes(blob))
    elif damage == "truncated":
        data = data[: hot + 10]
    elif damage == "garbage":
        data = bytearray(b"x" * 100)
    if damage != "planted":
        path.write_bytes(bytes(data))
    # An edit, so that a run trusting the state would need its second part too.
    write(tmp_path / "content" / "gamma.md", entry("gamma", cites=["k9"]), stamp)
    if damage == "planted":
        # A good state for this project and code, but MAC'd with another machine's secret.
        from ossref.pipeline import _RULES_SALT

        good = state_module.read_state(config, state_module.context(config, _RULES_SALT))
        assert good is not None
        good.memo.entries, good.cross, good.by_path  # read its second part while the key is this machine's
        with monkeypatch.context() as patch:
            patch.setattr(store, "machine_key", lambda: b"s" * 32)
            assert state_module.write_state(config, good) is None
        assert path.read_bytes() != bytes(data)
    if damage == "other-code":
        monkeypatch.setattr(store, "code_fingerprint", lambda: b"another ossref")
    expected = findings(check(config, keep_pages=False, cache=False))
    result = check(config, keep_pages=False)
    assert findings(result) == expected
    assert any("k9" in d.message for d in result.diagnostics)
    if damage in ("hot-flipped", "truncated", "garbage", "planted", "other-code", "report-flipped", "report-missing"):
        assert result.state.read == 5  # no state: every file read (the store still serves them)


def test_a_state_whose_store_changed_is_ignored(tmp_path):
    """The state goes with the store: a store replaced or removed since it
    was written (by another hand, or a test planting records) makes it no
    state, so that every file is loaded through the store and its checks."""
    from ossref.load import store

    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    check(config, keep_pages=False)
    assert check(config, keep_pages=False).state.read == 0
    (tmp_path / ".ossref-cache" / store.STORE_NAME).unlink()
    assert check(config, keep_pages=False).state.read == 5


def test_a_state_in_memory_for_another_configuration_is_not_used(tmp_path):
    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    first = check(config, keep_pages=False, cache=True)
    yml = tmp_path / "mkdocs.yml"
    yml.write_text(yml.read_text() + "extra:\n  ossref:\n    rules:\n      one-way-differential: error\n")
    other = load_config(tmp_path)
    result = check(other, keep_pages=False, state=first.state)
    assert findings(result) == findings(check(other, keep_pages=False, cache=False))
    assert result.state is not first.state and result.state.read == 5


def test_kept_report_parts_are_not_used_for_other_diagnostics(tmp_path):
    """A result whose diagnostics were replaced (a scoped or online check
    does so) is reported from its diagnostics, not from the parts the check
    rendered for the ones it found."""
    import dataclasses

    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    result = check(config, keep_pages=False, render=json_items)
    from ossref.diagnostics import diag

    assert result.rendered is not None and result.diagnostics
    more = dataclasses.replace(result, diagnostics=[*result.diagnostics, diag("content/zeta.md", 1, 1,
                                                                              "one-way-differential", "m", "h")])
    assert json_text(more) == json_text(dataclasses.replace(more, rendered=None))
    assert "content/zeta.md" in json_text(more)


def test_a_state_read_from_disk_is_freed_without_the_cyclic_gc(tmp_path):
    """No reference cycle holds a state read from disk (its memo, its lazily
    read second part): at 10,000 entries the cyclic GC would otherwise walk
    its millions of objects, at the latest when the process exits."""
    import gc
    import weakref

    stamp = [0]
    make_wiki(tmp_path, stamp)
    config = load_config(tmp_path)
    check(config, keep_pages=False)
    write(tmp_path / "content" / "gamma.md", entry("gamma", cites=["k9"]), stamp)
    gc.disable()
    try:
        result = check(config, keep_pages=False, render=json_items)
        assert result.state.read == 1
        refs = [weakref.ref(result.state), weakref.ref(result.state.cross)]
        del result
        assert [ref() for ref in refs] == [None, None]
    finally:
        gc.enable()


def test_console_check_prints_and_exits_as_main_does(tmp_path):
    """``python -m ossref check`` ends without the interpreter's teardown
    (the kept result is not freed object by object): its output is flushed
    whole first and its exit code is ``main``'s, cold and warm."""
    import subprocess
    import sys

    stamp = [0]
    make_wiki(tmp_path, stamp)
    argv = ["check", "--root", str(tmp_path), "--format", "json", "--strict"]
    code, out, err = run([*argv, "--no-cache"])
    assert code == 1 and err == ""  # the wiki has warnings: a failing strict check
    for _ in range(2):  # cold, then warm
        done = subprocess.run([sys.executable, "-m", "ossref", *argv], capture_output=True, text=True, timeout=120)
        assert (done.returncode, done.stdout, done.stderr) == (code, out, err)


def test_a_state_read_back_holds_the_findings_it_kept_once(tmp_path):
    """The buckets leave out each file's reported findings, and its cross-file
    findings when they are the same rows, which the report part holds: read
    back, the state has them all again, equal to the one that was written."""
    from ossref.check import state as state_module
    from ossref.pipeline import _RULES_SALT

    stamp = [0]
    make_wiki(tmp_path, stamp)
    write(tmp_path / "content" / "gamma.md", entry("gamma", cites=["k9"], links=["alpha#nowhere"]), stamp)
    config = load_config(tmp_path)
    written = check(config, keep_pages=False).state
    assert any(rows for rows in written.reported.values())
    read = state_module.read_state(config, state_module.context(config, _RULES_SALT))
    assert read is not None
    assert read.by_path == written.by_path and read.reported == written.reported
    assert read.cross.results == written.cross.results and any(r[0] for r in read.cross.results.values())
    # Each one-way-differential message is in the part files once: in the report part.
    once = sum(str(rows).count("does not list") for rows in written.reported.values())
    assert once > 0 and b"".join(p.read_bytes() for p in _parts(tmp_path)).count(b"does not list") == once

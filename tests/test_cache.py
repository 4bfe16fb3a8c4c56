"""The store: it changes speed, never results.

One store in ``cache_dir`` (ossref/load/store.py) keeps each file's facts
and parsed page side by side: ``ossref check`` reads the facts, ``build``
and ``serve`` the pages. Most tests run in both modes: ``check`` (the CLI
command, facts only) and ``build`` (``pipeline.check`` keeping pages).

Every test runs on a copy of fixture projects, so the cache folder is made in
a temporary folder. Nothing here measures time: benchmarks/run.py does.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, GOOD_BIB, MKDOCS_YML, check_json, run
from ossref.load import loader, records, store, workers
from ossref.load.bibliography import load_bibliography
from ossref.config import load_config
from ossref.pipeline import check
from ossref.report.formats import as_dict, summary

STORE = Path(".ossref-cache") / store.STORE_NAME
STORE_MAGIC = store._MAGIC
SNAPSHOT = STORE  # the check's facts are in the one store too
#: The file each mode keeps its page results in.
FILES = {"check": STORE, "build": STORE}
MODES = sorted(FILES)


def checked(wiki: Path, mode: str) -> dict:
    """The check's findings and summary as ``ossref check --format json``
    prints them: from the CLI (``check``), or from the pipeline keeping
    pages as ``ossref build`` does (``build``)."""
    if mode == "check":
        return check_json(wiki)[1]
    result = check(load_config(wiki))
    return {"diagnostics": [as_dict(d) for d in result.diagnostics], "summary": summary(result)}


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    """A project with findings of many kinds: pages from several fixtures
    (bad YAML, broken links, raw HTML, unknown citations, unreadable
    files) and two BibTeX files with clashes between them."""
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "clean", root, ignore=shutil.ignore_patterns(".ossref-cache"))
    for name in ("yaml-syntax", "broken-link", "raw-html", "unknown-citation", "invalid-field", "unreadable"):
        for path in sorted((FIXTURES / name / "content").iterdir()):
            target = root / "content" / name / path.name
            target.parent.mkdir(exist_ok=True)
            if path.is_symlink():
                continue
            shutil.copy2(path, target)
    shutil.copy2(FIXTURES / "duplicate-citation-key" / "citations" / "refs.bib", root / "citations" / "zz-dups.bib")
    shutil.copy2(FIXTURES / "bib-syntax" / "citations" / "refs.bib", root / "citations" / "zz-syntax.bib")
    return root


def _tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def _edit_same_size(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` by ``new`` (same length) and put the mtime back."""
    assert len(old) == len(new)
    info = path.stat()
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


@pytest.mark.parametrize("mode", MODES)
def test_second_run_gives_the_cold_run_diagnostics(wiki: Path, parses: list[str], mode: str) -> None:
    cold = checked(wiki, mode)
    assert cold["diagnostics"] and (wiki / FILES[mode]).is_file()
    assert len(parses) > 10
    parses.clear()
    warm = checked(wiki, mode)
    assert parses == []  # everything came from the cache...
    assert warm == cold  # ...and it is the same
    os.environ["OSSREF_NO_CACHE"] = "1"
    try:
        assert checked(wiki, mode) == cold
    finally:
        del os.environ["OSSREF_NO_CACHE"]


def test_both_modes_find_the_same(wiki: Path) -> None:
    assert checked(wiki, "check") == checked(wiki, "build")
    assert checked(wiki, "check") == checked(wiki, "build")  # from their caches


def test_cached_pages_equal_fresh_ones(wiki: Path) -> None:
    project_cold = check(load_config(wiki)).project
    project_warm = check(load_config(wiki)).project
    os.environ["OSSREF_NO_CACHE"] = "1"
    try:
        project_fresh = check(load_config(wiki)).project
    finally:
        del os.environ["OSSREF_NO_CACHE"]
    assert project_cold == project_warm == project_fresh  # pages (text, front matter, scan) and references too


@pytest.mark.parametrize("mode", MODES)
def test_an_edit_keeping_size_and_mtime_is_seen(wiki: Path, parses: list[str], mode: str) -> None:
    before = checked(wiki, mode)
    parses.clear()
    page = wiki / "content" / "unknown-citation" / "a.md"
    _edit_same_size(page, b"[@alpha2021]", b"[@alpha2022]")
    after = checked(wiki, mode)
    assert parses == ["content/unknown-citation/a.md"]  # only the edited page is parsed again
    gone = [d for d in before["diagnostics"] if d not in after["diagnostics"]]
    new = [d for d in after["diagnostics"] if d not in before["diagnostics"]]
    assert [d["message"].split(" (hint")[0] for d in gone] == ["citation key `alpha2021` is in no BibTeX file"]
    assert [d["message"].split(" (hint")[0] for d in new] == ["citation key `alpha2022` is in no BibTeX file"]
    assert {d["path"] for d in gone + new} == {"content/unknown-citation/a.md"}


@pytest.mark.parametrize("mode", MODES)
def test_an_edited_bibtex_file_is_seen(wiki: Path, mode: str) -> None:
    before = checked(wiki, mode)
    bib = wiki / "citations" / "refs.bib"
    data = bib.read_bytes()
    start = data.index(b"doi")
    doi_at = data.index(b"10.", start)
    _edit_same_size(bib, data[doi_at:doi_at + 3], b"11.")  # no longer a DOI
    after = checked(wiki, mode)
    new = [d for d in after["diagnostics"] if d not in before["diagnostics"]]
    assert any(d["code"] == "invalid-identifier" and d["path"] == "citations/refs.bib" for d in new)
    # and back: the first result again, from the cache or not
    _edit_same_size(bib, b"11.", b"10.")
    assert checked(wiki, mode) == before


@pytest.mark.parametrize(("mode", "damage"), [
    *(("check", damage) for damage in ("garbage", "truncated", "empty", "flipped")),
    *(("build", damage) for damage in ("garbage", "truncated", "empty", "flipped", "other-format")),
])
def test_a_damaged_cache_is_ignored_and_rebuilt(wiki: Path, parses: list[str], mode: str, damage: str) -> None:
    cold = checked(wiki, mode)
    store = wiki / FILES[mode]
    data = store.read_bytes()
    # A check reads only the part of the store before _facts_end: damage
    # there (the rest: test_a_damaged_page_part_is_a_miss_for_the_build_only).
    span = _facts_end(data) if mode == "check" else len(data)
    if damage == "garbage":
        store.write_bytes(b"\x80\x04not a cache at all" * 100)
    elif damage == "truncated":
        store.write_bytes(data[: span * 2 // 3])
    elif damage == "empty":
        store.write_bytes(b"")
    elif damage == "flipped":  # one byte inside: the store's record checksum fails, the snapshot's MAC
        middle = span // 2
        store.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:  # as if written by another cache format
        head = len(STORE_MAGIC)
        store.write_bytes(data[:head] + b"\xff\xff\xff\xff" + data[head + 4:])
    parses.clear()
    assert checked(wiki, mode) == cold  # check_json also asserts an empty stderr
    assert parses  # something was parsed again
    parses.clear()
    assert checked(wiki, mode) == cold and parses == []  # and the cache works again


@pytest.mark.parametrize("mode", MODES)
def test_a_cache_for_other_code_or_options_is_not_used(wiki: Path, parses: list[str], mode: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    checked(wiki, mode)
    parses.clear()
    monkeypatch.setattr(store, "code_fingerprint", lambda: b"another ossref")
    checked(wiki, mode)
    assert len(parses) > 10
    parses.clear()
    yml = wiki / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("extra:\n  ossref:\n", "extra:\n  ossref:\n    max_yaml_depth: 7\n")
                   if "extra:\n  ossref:\n" in yml.read_text() else yml.read_text() + "\nextra:\n  ossref:\n"
                   "    max_yaml_depth: 7\n")
    checked(wiki, mode)
    assert len(parses) > 10


@pytest.mark.parametrize("mode", MODES)
def test_the_cache_lives_in_cache_dir_and_nothing_is_written_to_content_or_citations(wiki: Path,
                                                                                    mode: str) -> None:
    content, citations = _tree(wiki / "content"), _tree(wiki / "citations")
    outside = sorted(p.name for p in wiki.iterdir())
    checked(wiki, mode)
    page = wiki / "content" / "broken-link" / sorted(os.listdir(wiki / "content" / "broken-link"))[0]
    page.write_text(page.read_text() + "\nOne more line.\n")
    content = _tree(wiki / "content")
    checked(wiki, mode)
    checked(wiki, mode)
    assert _tree(wiki / "content") == content and _tree(wiki / "citations") == citations
    assert sorted(p.name for p in wiki.iterdir()) == sorted([*outside, ".ossref-cache"])
    # Both keep every file's results in the one store; a check alone also
    # keeps its state, and appends what a warm run parsed to the store's journal.
    from ossref.check.state import PARTS_NAME, STATE_NAME
    files = [store.STORE_NAME] if mode == "build" else [store.STORE_NAME, store.JOURNAL_NAME, STATE_NAME, PARTS_NAME]
    assert sorted(os.listdir(wiki / ".ossref-cache")) == sorted([".gitignore", "CACHEDIR.TAG", *files])
    assert (wiki / ".ossref-cache" / ".gitignore").read_text().strip().endswith("*")


@pytest.mark.parametrize("mode", MODES)
def test_cache_dir_option_is_honoured(wiki: Path, mode: str) -> None:
    yml = wiki / "mkdocs.yml"
    yml.write_text(yml.read_text() + "\nextra:\n  ossref:\n    cache_dir: build/ossref-cache\n"
                   if "extra:" not in yml.read_text()
                   else yml.read_text().replace("  ossref:\n", "  ossref:\n    cache_dir: build/ossref-cache\n"))
    assert load_config(wiki).cache_dir == "build/ossref-cache"
    checked(wiki, mode)
    assert (wiki / "build" / "ossref-cache" / FILES[mode].name).is_file()
    assert not (wiki / ".ossref-cache").exists()


def test_a_cache_inside_content_is_refused(wiki: Path) -> None:
    yml = wiki / "mkdocs.yml"
    yml.write_text(yml.read_text() + "\nextra:\n  ossref:\n    cache_dir: content/.cache\n"
                   if "extra:" not in yml.read_text()
                   else yml.read_text().replace("  ossref:\n", "  ossref:\n    cache_dir: content/.cache\n"))
    code, _, err = run(["check", "--root", str(wiki)])
    assert code == 2 and "cache_dir" in err
    assert not (wiki / "content" / ".cache").exists()


def test_an_unwritable_cache_dir_is_no_error(wiki: Path) -> None:
    (wiki / ".ossref-cache").write_text("a file, not a folder")
    for _ in range(2):
        code, out, err = run(["check", "--root", str(wiki), "--format", "json"])
        assert code == 1 and err.startswith("ossref: warning: cannot write the cache") and err.count("\n") == 1
        result = check(load_config(wiki))  # what build and serve use
        assert len(result.notes) == 1
        assert json.loads(out)["diagnostics"] == [as_dict(d) for d in result.diagnostics]
    assert (wiki / ".ossref-cache").read_text() == "a file, not a folder"


@pytest.mark.parametrize("mode", MODES)
def test_no_cache_env_bypasses_it(wiki: Path, parses: list[str], mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    checked(wiki, mode)
    assert not (wiki / ".ossref-cache").exists()  # not written
    monkeypatch.delenv("OSSREF_NO_CACHE")
    checked(wiki, mode)
    stored = (wiki / FILES[mode]).read_bytes()
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    parses.clear()
    page = wiki / "content" / "myositis-ossificans.md"
    page.write_text(page.read_text() + "\nA new paragraph.\n")
    checked(wiki, mode)
    assert "content/myositis-ossificans.md" in parses and len(parses) > 10  # not read
    assert (wiki / FILES[mode]).read_bytes() == stored  # not written
    monkeypatch.setenv("OSSREF_NO_CACHE", "0")  # "0" means: use it
    parses.clear()
    checked(wiki, mode)
    assert parses == ["content/myositis-ossificans.md"]


def test_load_project_without_cache(wiki: Path, parses: list[str]) -> None:
    config = load_config(wiki)
    first = loader.load_project(config, cache=False)
    assert not (wiki / ".ossref-cache").exists()
    check_json(wiki)
    parses.clear()
    assert loader.load_project(config, cache=False) == first
    assert len(parses) > 10


@pytest.mark.parametrize("mode", MODES)
def test_deleted_files_leave_the_cache(wiki: Path, mode: str) -> None:
    checked(wiki, mode)
    size = (wiki / FILES[mode]).stat().st_size
    shutil.rmtree(wiki / "content" / "yaml-syntax")
    checked(wiki, mode)
    assert (wiki / FILES[mode]).stat().st_size < size


def test_worker_processes_give_the_same_result(wiki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    monkeypatch.setenv("OSSREF_JOBS", "1")
    serial = check(load_config(wiki))
    monkeypatch.setenv("OSSREF_JOBS", "2")
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_BYTES", 1)
    pools: list[int] = []
    real_run = loader._parse_parallel

    def run_parallel(run, jobs: int) -> None:
        pools.append(jobs)
        real_run(run, jobs)

    monkeypatch.setattr(loader, "_parse_parallel", run_parallel)
    parallel = check(load_config(wiki))
    assert pools == [2]
    assert parallel.diagnostics == serial.diagnostics and parallel.project == serial.project
    monkeypatch.delenv("OSSREF_NO_CACHE")
    cold = check(load_config(wiki))  # workers filling the cache
    assert pools == [2, 2]
    monkeypatch.setenv("OSSREF_JOBS", "1")
    warm = check(load_config(wiki))
    assert cold.project == warm.project == serial.project
    assert cold.diagnostics == warm.diagnostics == serial.diagnostics


def test_loader_loads_bibtex_files_as_load_bibliography_does(wiki: Path) -> None:
    config = load_config(wiki)
    files = sorted((wiki / "citations").glob("*.bib"))
    pairs = [(p, p.relative_to(wiki).as_posix()) for p in files]
    expected = load_bibliography(pairs, config.max_file_bytes)
    assert any(d.code == "duplicate-citation-key" for d in expected[1])
    project, _ = loader.load_project(config)
    assert project.references == expected[0]


def test_a_planted_store_never_runs_code(project, tmp_path, monkeypatch) -> None:
    """A pull request can add .ossref-cache/ to the project: its pickles must
    neither execute nor be believed."""
    import pickle

    from ossref.load.store import STORE_NAME, loads

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    with pytest.raises(pickle.UnpicklingError):
        loads(pickle.dumps(Boom()))
    assert not (tmp_path / "pwned").exists()

    root = project("clean")
    monkeypatch.delenv("OSSREF_NO_CACHE", raising=False)
    assert run(["check", "--root", str(root)])[0] == 0
    store = root / ".ossref-cache" / STORE_NAME
    # The store written here is only valid with this machine's key.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-machine"))
    from ossref.load import store as cache

    cache.machine_key.cache_clear()
    try:
        planted = store.read_bytes()
        assert run(["check", "--root", str(root)])[0] == 0
        assert store.read_bytes() != planted  # ignored and rewritten under the other key
    finally:
        cache.machine_key.cache_clear()


def test_worker_processes_give_the_same_facts(wiki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    monkeypatch.setenv("OSSREF_JOBS", "1")
    serial = checked(wiki, "check")
    monkeypatch.setenv("OSSREF_JOBS", "2")
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_BYTES", 1)
    pools: list[int] = []
    real = loader._parse_parallel

    def parse_parallel(run, jobs):
        pools.append(jobs)
        return real(run, jobs)

    monkeypatch.setattr(loader, "_parse_parallel", parse_parallel)
    assert checked(wiki, "check") == serial and pools == [2]
    monkeypatch.delenv("OSSREF_NO_CACHE")
    assert checked(wiki, "check") == serial and pools == [2, 2]  # workers filling the snapshot
    monkeypatch.setenv("OSSREF_JOBS", "1")
    assert checked(wiki, "check") == serial and pools == [2, 2]  # and read from it


def _records(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes, bytes]]]:
    """A store file's header (what its MACs cover) and its records: (key,
    MAC, value), the key being the part and the address."""
    head = len(store._MAGIC) + 4 + 16
    out, pos = [], head + store._PART.size
    while pos < len(data):
        key = data[pos:pos + store._KEY_SIZE]
        pos += store._KEY_SIZE
        mac = data[pos:pos + store._MAC_SIZE]
        pos += store._MAC_SIZE
        (length,) = store._RECORD.unpack_from(data, pos)
        pos += store._RECORD.size
        out.append((key, mac, data[pos:pos + length]))
        pos += length
    return data[:head], out


def _file(header: bytes, entries: list[tuple[bytes, bytes, bytes]]) -> bytes:
    entries = sorted(entries, key=lambda e: e[0][:1] != store.FACTS)
    size = sum(len(k) + len(m) + store._RECORD.size + len(v) for k, m, v in entries if k[:1] == store.FACTS)
    return header + store._PART.pack(size) + b"".join(k + m + store._RECORD.pack(len(v)) + v for k, m, v in entries)


def _facts_end(data: bytes) -> int:
    """Where a store file's FACTS part (all a check reads) ends."""
    head = len(store._MAGIC) + 4 + 16
    return head + store._PART.size + store._PART.unpack_from(data, head)[0]


def test_a_snapshot_not_written_here_is_ignored(wiki: Path, parses: list[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's values are pickles, which must never be believed from a
    file a pull request planted: only a record whose MAC this machine's key
    makes counts."""
    import hashlib

    cold = checked(wiki, "check")
    path = wiki / SNAPSHOT
    header, entries = _records(path.read_bytes())
    # The same records with every page's finding dropped, under MACs made with another key.
    forged = []
    for address, _, value in entries:
        try:
            facts, _ = records.entry_facts(value)
        except Exception:  # not a page's entry
            forged.append((address, b"\0" * store._MAC_SIZE, value))
            continue
        size = int.from_bytes(value[:4], "little")
        value = records.page_entry(None, [], facts, with_page=False) + value[4 + size:]
        mac = hashlib.blake2b(header + address + value, key=b"k" * 32, digest_size=store._MAC_SIZE).digest()
        forged.append((address, mac, value))
    path.write_bytes(_file(header, forged))
    parses.clear()
    assert checked(wiki, "check") == cold and len(parses) > 10
    # A store written on another machine (another key) is not used either.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-machine"))
    store.machine_key.cache_clear()
    try:
        parses.clear()
        assert checked(wiki, "check") == cold and len(parses) > 10
    finally:
        store.machine_key.cache_clear()


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_page_part_is_a_miss_for_the_build_only(wiki: Path, parses: list[str], damage: str) -> None:
    """The pages a build reads sit after the facts a check reads: damage
    there is never read by a check, and is a miss for the build."""
    cold = {mode: checked(wiki, mode) for mode in MODES}
    path = wiki / STORE
    data = path.read_bytes()
    end = _facts_end(data)
    assert end < len(data)
    if damage == "flipped":
        middle = (end + len(data)) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:
        path.write_bytes(data[: (end + len(data)) // 2])
    parses.clear()
    assert checked(wiki, "check") == cold["check"] and parses == []
    assert checked(wiki, "build") == cold["build"] and parses  # the damaged pages parsed again
    parses.clear()
    assert checked(wiki, "build") == cold["build"] and parses == []  # and the store works again


def test_a_check_keeps_the_pages_that_build_cached(wiki: Path, parses: list[str]) -> None:
    checked(wiki, "build")
    bib = wiki / "citations" / "refs.bib"
    bib.write_text(bib.read_text() + "\n% a comment\n")
    checked(wiki, "check")  # reads the BibTeX files through the store, and keeps the pages there
    parses.clear()
    checked(wiki, "build")
    assert parses == []


_NEW_ENTRY = """---
condition: Calcific myonecrosis
aliases: [CM]
differentials: [myositis-ossificans]
references: [alpha2020]
---

## Imaging

Calcified sheets, see [[MO#imaging]] [@alpha2020].
"""


def _edits(wiki: Path):
    """Edits that change what other pages' checks depend on: names, anchors,
    differentials, the set of pages and of references. Each is a callable."""
    content = wiki / "content"
    mo = content / "myositis-ossificans.md"

    def append(path: Path, text: str):
        return lambda: path.write_text(path.read_text() + text)

    def replace(path: Path, old: str, new: str):
        def edit() -> None:
            text = path.read_text()
            assert old in text
            path.write_text(text.replace(old, new, 1))
        return edit

    return [
        append(mo, "\nMore text, nothing new.\n"),
        lambda: (content / "calcific-myonecrosis.md").write_text(_NEW_ENTRY),  # one-way differential
        replace(mo, "aliases: [MO]", "aliases: [MO, CM]"),  # a duplicate name
        replace(mo, "## Imaging", "## Radiology"),  # an anchor others link to goes
        append(content / "paraspinal-muscles.md", "\nSee [[Calcific myonecrosis]] and [[nothing-here]].\n"),
        replace(mo, "aliases: [MO, CM]", "aliases: [MO]"),
        lambda: (content / "calcific-myonecrosis.md").unlink(),  # links to it break
        append(wiki / "citations" / "refs.bib", "\n@article{unused2024, title={T}, doi={10.1000/xyz}}\n"),
        replace(mo, "## Radiology", "## Imaging"),
    ]


def test_each_edit_checks_as_a_fresh_run(wiki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After every edit, the check from the snapshot (only the edited files
    parsed again) finds exactly what a check without any cache finds."""
    checked(wiki, "check")
    seen: set[str] = set()
    for edit in _edits(wiki):
        edit()
        warm = checked(wiki, "check")
        monkeypatch.setenv("OSSREF_NO_CACHE", "1")
        fresh = checked(wiki, "check")
        monkeypatch.delenv("OSSREF_NO_CACHE")
        assert warm == fresh
        assert checked(wiki, "build") == fresh
        seen |= {d["code"] for d in fresh["diagnostics"]}
    # the edits did produce the cross-file findings they are there for
    assert {"one-way-differential", "duplicate-entry", "broken-link", "unused-reference"} <= seen


def test_no_cache_flag(wiki: Path, parses: list[str]) -> None:
    _, cold = check_json(wiki, "--no-cache")
    assert not (wiki / ".ossref-cache").exists() and len(parses) > 10
    check_json(wiki)
    stored = (wiki / SNAPSHOT).read_bytes()
    parses.clear()
    assert check_json(wiki, "--no-cache")[1] == cold and len(parses) > 10  # not read...
    assert (wiki / SNAPSHOT).read_bytes() == stored  # ...nor written


# A page of the random wikis below: a slug, and what its file says. Names,
# anchors, links, citations and differentials come from tiny vocabularies so
# that edits keep creating and breaking cross-file references.
_NAMES = ["Alpha", "Beta", "Gamma", "Delta"]
_SLUGS = ["alpha", "beta", "gamma", "delta"]
_HEADINGS = ["Imaging", "Histology", "Course"]
_KEYS = ["alpha2020", "beta2021", "gone1999"]


@st.composite
def _page_text(draw) -> str:
    condition = draw(st.sampled_from(_NAMES))
    aliases = draw(st.lists(st.sampled_from(_NAMES + ["AL", "BE"]), max_size=2, unique=True))
    differentials = draw(st.lists(st.sampled_from(_SLUGS), max_size=2, unique=True))
    headings = draw(st.lists(st.sampled_from(_HEADINGS), min_size=1, max_size=2, unique=True))
    links = draw(st.lists(st.tuples(st.sampled_from(_SLUGS + _NAMES), st.sampled_from(["", "imaging", "course"])),
                          max_size=2))
    cites = draw(st.lists(st.sampled_from(_KEYS), max_size=2))
    front = (f"---\ncondition: {condition}\naliases: [{', '.join(aliases)}]\n"
             f"differentials: [{', '.join(differentials)}]\n---\n")
    body = "".join(f"\n## {heading}\n\nText.\n" for heading in headings)
    body += "".join(f"\nSee [[{target}{'#' + anchor if anchor else ''}]].\n" for target, anchor in links)
    body += "".join(f"\nA claim [@{key}].\n" for key in cites)
    return front + body


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(_SLUGS), st.one_of(st.none(), _page_text())), min_size=1, max_size=6))
def test_random_edits_check_as_fresh_runs(edits: list[tuple[str, str | None]]) -> None:
    """Each edit writes or deletes one page; after each, the check from the
    snapshot finds exactly what a check without any cache finds."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "mkdocs.yml").write_text(MKDOCS_YML)
        (root / "content").mkdir()
        (root / "citations").mkdir()
        (root / "citations" / "refs.bib").write_text(
            GOOD_BIB + GOOD_BIB.replace("alpha2020", "beta2021").replace("alpha.2020", "beta.2021"))
        check_json(root)
        for slug, text in edits:
            page = root / "content" / f"{slug}.md"
            if text is None:
                page.unlink(missing_ok=True)
            else:
                page.write_text(text)
            warm = check_json(root)
            assert warm == check_json(root, "--no-cache")

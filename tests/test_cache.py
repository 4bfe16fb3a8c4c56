"""The check cache (ossref/cache.py, used by ossref/loader.py): it changes speed, never results.

Every test runs on a copy of fixture projects, so the cache folder is made in
a temporary folder. Nothing here measures time: benchmarks/run.py does.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, check_json, run
from ossref import cache, loader
from ossref.bibliography import load_bibliography
from ossref.config import load_config
from ossref.pipeline import check

STORE = Path(".ossref-cache") / cache.STORE_NAME


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


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages actually parsed (cache misses), by relative path."""
    seen: list[str] = []
    real = loader.parse_page

    def counting(data, rel, slug, config, problems=None):
        if data is not None:
            seen.append(rel)
        return real(data, rel, slug, config, problems)

    monkeypatch.setattr(loader, "parse_page", counting)
    return seen


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


def test_second_run_gives_the_cold_run_diagnostics(wiki: Path, parses: list[str]) -> None:
    cold_code, cold = check_json(wiki)
    assert cold["diagnostics"] and (wiki / STORE).is_file()
    assert len(parses) > 10
    parses.clear()
    warm_code, warm = check_json(wiki)
    assert parses == []  # everything came from the cache...
    assert (warm_code, warm) == (cold_code, cold)  # ...and it is the same
    project_cold = check(load_config(wiki)).project
    os.environ["OSSREF_NO_CACHE"] = "1"
    try:
        project_fresh = check(load_config(wiki)).project
    finally:
        del os.environ["OSSREF_NO_CACHE"]
    assert project_cold == project_fresh  # pages (text, front matter, scan) and references too


def test_an_edit_keeping_size_and_mtime_is_seen(wiki: Path, parses: list[str]) -> None:
    _, before = check_json(wiki)
    parses.clear()
    page = wiki / "content" / "unknown-citation" / "a.md"
    _edit_same_size(page, b"[@alpha2021]", b"[@alpha2022]")
    _, after = check_json(wiki)
    assert parses == ["content/unknown-citation/a.md"]  # only the edited page is parsed again
    gone = [d for d in before["diagnostics"] if d not in after["diagnostics"]]
    new = [d for d in after["diagnostics"] if d not in before["diagnostics"]]
    assert [d["message"].split(" (hint")[0] for d in gone] == ["citation key `alpha2021` is in no BibTeX file"]
    assert [d["message"].split(" (hint")[0] for d in new] == ["citation key `alpha2022` is in no BibTeX file"]
    assert {d["path"] for d in gone + new} == {"content/unknown-citation/a.md"}


def test_an_edited_bibtex_file_is_seen(wiki: Path) -> None:
    _, before = check_json(wiki)
    bib = wiki / "citations" / "refs.bib"
    data = bib.read_bytes()
    start = data.index(b"doi")
    doi_at = data.index(b"10.", start)
    _edit_same_size(bib, data[doi_at:doi_at + 3], b"11.")  # no longer a DOI
    _, after = check_json(wiki)
    new = [d for d in after["diagnostics"] if d not in before["diagnostics"]]
    assert any(d["code"] == "invalid-identifier" and d["path"] == "citations/refs.bib" for d in new)
    # and back: the first result again, from the cache or not
    _edit_same_size(bib, b"11.", b"10.")
    assert check_json(wiki)[1] == before


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped", "other-format"])
def test_a_damaged_cache_is_ignored_and_rebuilt(wiki: Path, parses: list[str], damage: str) -> None:
    _, cold = check_json(wiki)
    store = wiki / STORE
    data = store.read_bytes()
    if damage == "garbage":
        store.write_bytes(b"\x80\x04not a cache at all" * 100)
    elif damage == "truncated":
        store.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "empty":
        store.write_bytes(b"")
    elif damage == "flipped":  # one byte inside a record: its checksum fails
        middle = len(data) // 2
        store.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:  # as if written by another cache format
        head = len(cache._MAGIC)
        store.write_bytes(data[:head] + b"\xff\xff\xff\xff" + data[head + 4:])
    parses.clear()
    code, out, err = run(["check", "--root", str(wiki), "--format", "json"])
    assert err == ""
    assert json.loads(out) == cold
    assert parses  # something was parsed again
    parses.clear()
    assert check_json(wiki)[1] == cold and parses == []  # and the cache works again


def test_a_cache_for_other_code_or_options_is_not_used(wiki: Path, parses: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    check_json(wiki)
    parses.clear()
    monkeypatch.setattr(cache, "code_fingerprint", lambda: b"another ossref")
    check_json(wiki)
    assert len(parses) > 10
    parses.clear()
    yml = wiki / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("extra:\n  ossref:\n", "extra:\n  ossref:\n    max_yaml_depth: 7\n")
                   if "extra:\n  ossref:\n" in yml.read_text() else yml.read_text() + "\nextra:\n  ossref:\n"
                   "    max_yaml_depth: 7\n")
    check_json(wiki)
    assert len(parses) > 10


def test_the_cache_lives_in_cache_dir_and_nothing_is_written_to_content_or_citations(wiki: Path) -> None:
    content, citations = _tree(wiki / "content"), _tree(wiki / "citations")
    outside = sorted(p.name for p in wiki.iterdir())
    check_json(wiki)
    page = wiki / "content" / "broken-link" / sorted(os.listdir(wiki / "content" / "broken-link"))[0]
    page.write_text(page.read_text() + "\nOne more line.\n")
    content = _tree(wiki / "content")
    check_json(wiki)
    check_json(wiki)
    assert _tree(wiki / "content") == content and _tree(wiki / "citations") == citations
    assert sorted(p.name for p in wiki.iterdir()) == sorted([*outside, ".ossref-cache"])
    assert sorted(os.listdir(wiki / ".ossref-cache")) == [".gitignore", "CACHEDIR.TAG", cache.STORE_NAME]
    assert (wiki / ".ossref-cache" / ".gitignore").read_text().strip().endswith("*")


def test_cache_dir_option_is_honoured(wiki: Path) -> None:
    yml = wiki / "mkdocs.yml"
    yml.write_text(yml.read_text() + "\nextra:\n  ossref:\n    cache_dir: build/ossref-cache\n"
                   if "extra:" not in yml.read_text()
                   else yml.read_text().replace("  ossref:\n", "  ossref:\n    cache_dir: build/ossref-cache\n"))
    assert load_config(wiki).cache_dir == "build/ossref-cache"
    check_json(wiki)
    assert (wiki / "build" / "ossref-cache" / cache.STORE_NAME).is_file()
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
    _, cold = check_json(wiki)  # check_json asserts an empty stderr
    assert check_json(wiki)[1] == cold
    assert (wiki / ".ossref-cache").read_text() == "a file, not a folder"


def test_no_cache_env_bypasses_it(wiki: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    _, first = check_json(wiki)
    assert not (wiki / ".ossref-cache").exists()  # not written
    monkeypatch.delenv("OSSREF_NO_CACHE")
    check_json(wiki)
    stored = (wiki / STORE).read_bytes()
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    parses.clear()
    page = wiki / "content" / "myositis-ossificans.md"
    page.write_text(page.read_text() + "\nA new paragraph.\n")
    check_json(wiki)
    assert "content/myositis-ossificans.md" in parses and len(parses) > 10  # not read
    assert (wiki / STORE).read_bytes() == stored  # not written
    monkeypatch.setenv("OSSREF_NO_CACHE", "0")  # "0" means: use it
    parses.clear()
    check_json(wiki)
    assert parses == ["content/myositis-ossificans.md"]


def test_load_project_without_cache(wiki: Path, parses: list[str]) -> None:
    config = load_config(wiki)
    first = loader.load_project(config, cache=False)
    assert not (wiki / ".ossref-cache").exists()
    check_json(wiki)
    parses.clear()
    assert loader.load_project(config, cache=False) == first
    assert len(parses) > 10


def test_deleted_files_leave_the_cache(wiki: Path) -> None:
    check_json(wiki)
    size = (wiki / STORE).stat().st_size
    shutil.rmtree(wiki / "content" / "yaml-syntax")
    check_json(wiki)
    assert (wiki / STORE).stat().st_size < size


def test_worker_processes_give_the_same_result(wiki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    monkeypatch.setenv("OSSREF_JOBS", "1")
    serial = check(load_config(wiki))
    monkeypatch.setenv("OSSREF_JOBS", "2")
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(loader, "_CHUNK_BYTES", 1)
    pools: list[int] = []
    real_run = loader._Loader._run_parallel

    def run_parallel(self, jobs: int) -> None:
        pools.append(jobs)
        real_run(self, jobs)

    monkeypatch.setattr(loader._Loader, "_run_parallel", run_parallel)
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

    from ossref.cache import STORE_NAME, loads

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
    from ossref import cache

    cache.machine_key.cache_clear()
    try:
        planted = store.read_bytes()
        assert run(["check", "--root", str(root)])[0] == 0
        assert store.read_bytes() != planted  # ignored and rewritten under the other key
    finally:
        cache.machine_key.cache_clear()

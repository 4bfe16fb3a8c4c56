"""Cold loads stream work to the worker processes (ossref/load/loader.py).

When the store holds nothing to look up (a cold run, or no cache), the
workers read their own files: only paths cross the pipe, and this process
never reads a Markdown file. Results are taken as each task completes; a
pool that breaks midway leaves the pages not yet taken to this process,
which parses each of them once. The results are those of a serial load.
"""

from __future__ import annotations

import shutil
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from conftest import FIXTURES, check_json
from ossref.check import state
from ossref.config import load_config
from ossref.load import loader, store, walk, workers
from ossref.pipeline import check


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    """Pages with findings of several kinds, an unreadable one among them."""
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "clean", root, ignore=shutil.ignore_patterns(".ossref-cache"))
    for name in ("yaml-syntax", "broken-link", "raw-html", "unknown-citation", "unreadable"):
        for path in sorted((FIXTURES / name / "content").iterdir()):
            if path.is_symlink():
                continue
            target = root / "content" / name / path.name
            target.parent.mkdir(exist_ok=True)
            shutil.copy2(path, target)
    return root


def _pages(root: Path) -> int:
    return len(list((root / "content").rglob("*.md")))


def _results(root: Path, mode: str):
    if mode == "check":
        return check_json(root)[1]
    result = check(load_config(root))
    return result.diagnostics, result.project


@pytest.fixture
def serial(wiki: Path, monkeypatch: pytest.MonkeyPatch):
    """Each mode's results from one process, without a cache."""
    monkeypatch.setenv("OSSREF_JOBS", "1")
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    out = {mode: _results(wiki, mode) for mode in ("check", "build")}
    monkeypatch.delenv("OSSREF_NO_CACHE")
    monkeypatch.setenv("OSSREF_JOBS", "2")
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_BYTES", 1)  # one page per task
    return out


@pytest.fixture
def main_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown files this process reads (the workers count in their own copy)."""
    seen: list[str] = []
    real = loader.read_bytes

    def counting(path, rel, max_bytes):
        if rel.endswith(".md"):
            seen.append(rel)
        return real(path, rel, max_bytes)

    monkeypatch.setattr(loader, "read_bytes", counting)
    monkeypatch.setattr(walk, "read_bytes", counting)  # how the build's route reads
    return seen


@pytest.mark.parametrize("mode", ["check", "build"])
def test_on_a_cold_run_the_workers_read_their_own_files(wiki: Path, serial, main_reads: list[str],
                                                        parses: list[str], mode: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert _results(wiki, mode) == serial[mode]
    assert main_reads == [] and parses == []  # every page was read and parsed by a worker
    # What the workers stored is found at the addresses this process computes.
    (wiki / ".ossref-cache" / state.STATE_NAME).unlink(missing_ok=True)
    monkeypatch.setenv("OSSREF_JOBS", "1")
    assert _results(wiki, mode) == serial[mode]
    assert parses == []
    assert len(main_reads) == _pages(wiki)  # the warm run read each file to look it up


def test_without_a_cache_the_workers_read_their_own_files(wiki: Path, serial, main_reads: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    assert _results(wiki, "build") == serial["build"] and _results(wiki, "check") == serial["check"]
    assert main_reads == []
    assert not (wiki / ".ossref-cache").exists()


@pytest.mark.parametrize("mode", ["check", "build"])
def test_a_pool_that_breaks_midway_leaves_the_rest_to_this_process(wiki: Path, serial, parses: list[str],
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   mode: str) -> None:
    monkeypatch.setenv("OSSREF_JOBS", "1")
    monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    _results(wiki, mode)
    readable = len(parses)  # what one process parses: every page that decodes
    parses.clear()
    monkeypatch.setenv("OSSREF_JOBS", "2")
    monkeypatch.delenv("OSSREF_NO_CACHE")
    real = workers.as_completed
    broke: list[bool] = []

    def breaking(futures):
        for future in real(futures):
            yield future
            broke.append(True)
            raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(workers, "as_completed", breaking)
    assert _results(wiki, mode) == serial[mode]
    assert broke == [True]
    # One page came back from a worker (it may be one that does not decode);
    # each other page is parsed here, once.
    assert len(parses) == len(set(parses)) and len(parses) in (readable - 1, readable)


def test_a_worker_computes_the_address_the_store_does(wiki: Path) -> None:
    config = load_config(wiki)
    opened = store.open_store(config, salt=b"rules")
    data = (wiki / "content" / "myositis-ossificans.md").read_bytes()
    rel = "content/myositis-ossificans.md"
    assert store.content_address(opened.context, "page", rel, data) == opened.address("page", rel, data)
    assert store.content_address(opened.context, "page", rel, data + b" ") != opened.address("page", rel, data)

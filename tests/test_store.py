"""The one store and the one loading route (ossref/load/store.py, ossref/load/loader.py).

What check and build share, what a planted or altered entry does, what an
unwritable folder does, when an entry goes stale, and that a check keeps
no page in memory. tests/test_cache.py covers the store's other promises
in both modes. Nothing here measures time: benchmarks/run.py does.
"""

from __future__ import annotations

import ast
import gc
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, check_json
from ossref.check.page import page_rules
from ossref.config import load_config
from ossref.load import loader, records, store
from ossref.model import Page, Project, ProjectFacts
from ossref.pipeline import check

PAGES = ("content/myositis-ossificans.md", "content/ossified-intramuscular-hematoma.md")


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "clean", root, ignore=shutil.ignore_patterns(".ossref-cache"))
    shutil.copytree(FIXTURES / "raw-html" / "content", root / "content" / "raw-html")
    return root


@pytest.fixture
def parses(parses: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """conftest's ``parses``, with every page parsed in this process, where it is counted."""
    monkeypatch.setenv("OSSREF_JOBS", "1")
    return parses


def _build_check(root: Path) -> list:
    """The findings as ``ossref build`` and ``serve`` check: pages kept."""
    return check(load_config(root)).diagnostics


def _check(root: Path) -> list:
    """The findings as ``ossref check`` finds them: facts only."""
    return check(load_config(root), keep_pages=False).diagnostics


def _entries(path: Path) -> tuple[bytes, list[tuple[bytes, bytes, bytes]]]:
    """A store file's header (what its MACs cover) and records: (key, MAC,
    value), the key being the part and the address."""
    data = path.read_bytes()
    head = len(store._MAGIC) + 4 + 16
    out, pos = [], head + store._PART.size
    while pos < len(data):
        key = data[pos:pos + store._KEY_SIZE]
        mac = data[pos + store._KEY_SIZE:pos + store._KEY_SIZE + store._MAC_SIZE]
        pos += store._KEY_SIZE + store._MAC_SIZE
        (length,) = store._RECORD.unpack_from(data, pos)
        pos += store._RECORD.size
        out.append((key, mac, data[pos:pos + length]))
        pos += length
    return data[:head], out


def _write(path: Path, header: bytes, entries: list[tuple[bytes, bytes, bytes]]) -> None:
    """A store file of these records, the FACTS part first."""
    entries = sorted(entries, key=lambda e: e[0][:1] != store.FACTS)
    size = sum(len(k) + len(m) + store._RECORD.size + len(v) for k, m, v in entries if k[:1] == store.FACTS)
    path.write_bytes(header + store._PART.pack(size)
                     + b"".join(k + m + store._RECORD.pack(len(v)) + v for k, m, v in entries))


def _page_entry(entries: list[tuple[bytes, bytes, bytes]], rel: str) -> int:
    """The index of ``rel``'s page entry (its facts part)."""
    for i, (key, _, value) in enumerate(entries):
        if key[:1] != store.FACTS:
            continue
        try:
            facts, _ = records.entry_facts(value)
        except Exception:  # noqa: BLE001 - a BibTeX entry
            continue
        if facts.path == rel:
            return i
    raise AssertionError(f"no entry for {rel}")


def test_a_check_warms_the_build_and_a_build_warms_the_check(wiki: Path, parses: list[str]) -> None:
    cold = _check(wiki)
    assert len(parses) >= 3
    parses.clear()
    assert _build_check(wiki) == cold and parses == []  # the build reuses what the check parsed
    shutil.rmtree(wiki / ".ossref-cache")
    assert _build_check(wiki) == cold and parses
    parses.clear()
    assert _check(wiki) == cold and parses == []  # and the check what the build parsed
    # An edit: whichever runs first parses the page, the other reuses it.
    page = wiki / PAGES[0]
    page.write_text(page.read_text() + "\nOne more line.\n")
    parses.clear()
    _check(wiki)
    _build_check(wiki)
    assert parses == [PAGES[0]]


def test_a_full_write_removes_the_files_earlier_versions_kept(wiki: Path) -> None:
    folder = wiki / ".ossref-cache"
    folder.mkdir(exist_ok=True)
    for name in ("check-cache.bin", "check-facts.bin"):
        (folder / name).write_bytes(b"an earlier version's cache")
    _check(wiki)
    assert (folder / store.STORE_NAME).is_file()
    assert not (folder / "check-cache.bin").exists() and not (folder / "check-facts.bin").exists()


def test_an_altered_entry_is_a_miss(wiki: Path, parses: list[str]) -> None:
    cold = _check(wiki)
    path = wiki / ".ossref-cache" / store.STORE_NAME
    header, entries = _entries(path)
    i = _page_entry(entries, PAGES[0])
    address, mac, value = entries[i]
    entries[i] = (address, mac, value[:-1] + bytes([value[-1] ^ 1]))  # one bit of the stored page
    _write(path, header, entries)
    parses.clear()
    assert _build_check(wiki) == cold
    assert parses == [PAGES[0]]  # only the altered entry missed


def test_a_planted_entry_is_ignored(wiki: Path, parses: list[str]) -> None:
    """A pull request can put a store in the project, with records at the
    very addresses a check looks up (they hash public inputs). Without this
    machine's key it cannot make their MACs, so they are misses: here, a
    record that would drop every finding of a page with raw HTML."""
    import hashlib

    cold = _check(wiki)
    assert any(d.code == "raw-html" for d in cold)
    path = wiki / ".ossref-cache" / store.STORE_NAME
    header, entries = _entries(path)
    planted = []
    for i, (address, mac, value) in enumerate(entries):
        try:
            facts, _ = records.entry_facts(value)
        except Exception:  # noqa: BLE001 - a BibTeX entry: kept as it is
            planted.append((address, mac, value))
            continue
        genuine = value
        value = records.page_entry(None, [], facts, with_page=False)
        # A MAC made with another machine's key; else the genuine record's
        # MAC (which is genuine indeed for a page without findings: its
        # facts part is the same).
        if i % 2 or value == genuine:
            mac = hashlib.blake2b(header + address + value, key=b"k" * 32, digest_size=store._MAC_SIZE).digest()
        planted.append((address, mac, value))
    _write(path, header, planted)
    parses.clear()
    assert _check(wiki) == cold and len(parses) >= 3
    # The planted records were dropped: the store works again.
    parses.clear()
    assert _check(wiki) == cold and parses == []


def test_a_store_that_cannot_be_written_means_no_cache(wiki: Path, parses: list[str]) -> None:
    (wiki / ".ossref-cache").mkdir()
    (wiki / ".ossref-cache" / store.STORE_NAME).mkdir()  # in the way of the file
    for _ in range(2):
        parses.clear()
        result = check(load_config(wiki), keep_pages=False)
        assert len(parses) >= 3  # parsed every time: there is no cache
        assert result.notes == [result.notes[0]] and "cannot write the cache" in result.notes[0]
    code, data = check_json(wiki, "--no-cache")
    assert [[d.path, d.line, d.column, d.code] for d in result.diagnostics] == [
        [d["path"], d["line"], d["column"], d["code"]] for d in data["diagnostics"]]
    assert [p.name for p in (wiki / ".ossref-cache" / store.STORE_NAME).iterdir()] == []


def test_an_entry_goes_stale_with_another_ossref_version_config_or_rules(wiki: Path, parses: list[str]) -> None:
    cold = _check(wiki)
    parses.clear()
    assert _check(wiki) == cold and parses == []
    version = store.__version__
    store.__version__ = version + ".post1"
    store.code_fingerprint.cache_clear()
    try:
        assert _check(wiki) == cold and len(parses) >= 3  # another ossref: every file again
    finally:
        store.__version__ = version
        store.code_fingerprint.cache_clear()
    _check(wiki)  # back to this ossref (the other one's store replaced it)
    parses.clear()
    yml = wiki / "mkdocs.yml"
    assert "extra:" not in yml.read_text()
    yml.write_text(yml.read_text() + "extra:\n  ossref:\n    max_frontmatter_bytes: 60000\n")
    assert load_config(wiki).max_frontmatter_bytes == 60000
    assert _check(wiki) == cold and len(parses) >= 3  # a parsing option: every file again
    parses.clear()
    _, found = loader.load(load_config(wiki), need="facts", rules=lambda page: [])
    assert len(parses) >= 3  # other per-page rules: the check's results are not theirs...
    assert not any(d.code == "raw-html" for d in found)
    assert _check(wiki) == cold  # ...nor theirs the check's


@pytest.mark.parametrize("warm", [False, True])
def test_a_check_holds_no_page(wiki: Path, monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    config = load_config(wiki)
    if warm:
        loader.load(config, need="pages", rules=page_rules)  # the build fills the store
        # A page is never rebuilt from the store for a check.
        monkeypatch.setattr(loader, "entry_page", lambda *args: pytest.fail("a page was unpickled"))
    gc.collect()
    before = sum(isinstance(o, Page) for o in gc.get_objects())
    facts, found = loader.load(config, need="facts", rules=page_rules)
    gc.collect()
    assert isinstance(facts, ProjectFacts) and len(facts.pages) >= 3
    assert not any(isinstance(value, Page) for value in vars(facts).values())
    assert sum(isinstance(o, Page) for o in gc.get_objects()) == before  # none left alive either
    assert any(d.code == "raw-html" for d in found)  # the page rules did run
    assert check(config, keep_pages=False).project is None
    monkeypatch.undo()
    project, _ = loader.load(config, need="pages", rules=page_rules)
    assert isinstance(project, Project) and all(isinstance(page, Page) for page in project.pages)


def test_a_load_without_the_page_rules_leaves_the_store_alone(wiki: Path) -> None:
    loader.load_project(load_config(wiki))
    assert not (wiki / ".ossref-cache").exists()
    _check(wiki)
    stored = (wiki / ".ossref-cache" / store.STORE_NAME).read_bytes()
    loader.load_facts(load_config(wiki))
    assert (wiki / ".ossref-cache" / store.STORE_NAME).read_bytes() == stored


def test_load_does_not_import_check() -> None:
    """The stages' arrows point forward: nothing in ossref/load imports
    ossref.check (the per-page rules are handed in as a function)."""
    for path in sorted((REPO / "ossref" / "load").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name == "ossref.check" or name.startswith("ossref.check.") for name in names), path
    # Nor through another module: loading the loader loads no check module.
    code = ("import sys, ossref.load.loader; "
            "print(sorted(m for m in sys.modules if m == 'ossref.check' or m.startswith('ossref.check.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip() == "[]"


def test_the_loading_modules_are_small() -> None:
    for name in ("loader", "store", "records", "walk", "workers", "parse", "facts"):
        lines = (REPO / "ossref" / "load" / f"{name}.py").read_text().count("\n")
        assert lines < 800, name

"""The benchmark corpus generator makes a wiki that checks clean, deterministically."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from conftest import REPO, run
from ossref.config import load_config
from ossref.pipeline import check

_SPEC = importlib.util.spec_from_file_location("bench_generate", REPO / "benchmarks" / "generate.py")
generate = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(generate)

N = 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "wiki"
    generate.generate(N, root, seed=7)
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and ".ossref-cache" not in p.parts}


def test_generated_corpus_checks_clean_in_strict_mode(corpus: Path) -> None:
    code, out, err = run(["check", "--root", str(corpus), "--strict"])
    assert (code, err) == (0, ""), out
    assert f"({N} entries, {2 * N} references)" in out


def test_generated_corpus_has_the_promised_shape(corpus: Path) -> None:
    result = check(load_config(corpus))
    entries = [p for p in result.project.pages if p.entry is not None]
    assert len(entries) == N and len(result.project.references) == 2 * N
    by_slug = {p.slug: p for p in entries}
    names = {}
    for page in entries:
        for name in (page.slug, page.entry.condition, *page.entry.aliases):
            names[name.casefold()] = page.slug
    for page in entries:
        entry = page.entry
        assert 0 <= len(entry.aliases) <= 3
        assert entry.summary and entry.tags and entry.updated
        assert 3 <= len(entry.differentials) <= 5
        for item in entry.differentials:  # symmetric
            other = by_slug[names[item.ref.casefold()]]
            back = {names[d.ref.casefold()] for d in other.entry.differentials}
            assert page.slug in back
        assert 3 <= len(entry.references) <= 8
        sections = [h for h in page.scan.headings if h.level == 2]
        assert 4 <= len(sections) <= 6
        assert any(len(g.items) > 1 for g in page.scan.citations) or len(page.scan.citations) > 3
        assert any(link.wiki for link in page.scan.links)
    assert all(ref.get("doi") for ref in result.project.references.values())
    bibs = sorted((corpus / "citations").glob("*.bib"))
    assert bibs and all(len(re.findall(r"^@(?!string)", b.read_text(), re.M)) <= 2000 for b in bibs)
    assert all(b.stat().st_size < 1_000_000 for b in bibs)
    assert "docs_dir: content" in (corpus / "mkdocs.yml").read_text()
    assert "name: material" in (corpus / "mkdocs.yml").read_text()


def test_generator_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    generate.generate(12, tmp_path / "a", seed=3)
    generate.generate(12, tmp_path / "b", seed=3)
    generate.generate(12, tmp_path / "c", seed=4)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


@pytest.mark.parametrize("n", [1, 2, 5])
def test_tiny_corpora_check_clean(tmp_path: Path, n: int) -> None:
    generate.generate(n, tmp_path, seed=0)
    code, out, _ = run(["check", "--root", str(tmp_path), "--strict"])
    assert code == 0, out


def test_bibtex_is_split_into_files_of_at_most_2000_records(tmp_path: Path) -> None:
    class Record:
        def __init__(self, i: int) -> None:
            self.key, self.text = f"k{i}", f"@misc{{k{i},\n  doi = {{10.1000/{i}}},\n}}\n"

    files = generate._bib_files([Record(i) for i in range(4500)])
    counts = [f.count("@misc{") for f in files]
    assert counts == [2000, 2000, 500]

"""The benchmark corpus generator makes a wiki that checks clean, deterministically."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from conftest import REPO, check_json, run
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


# ----------------------------------------------------------------------------- the export shape (issue #15)

EXPORT_N = 40


@pytest.fixture(scope="module", params=["betterbibtex", "jabref"])
def export_corpus(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export") / "wiki"
    generate.generate_shape("export", EXPORT_N, root, seed=7, style=request.param)
    return root


def test_export_shape_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    for name, seed, style in (("a", 3, "betterbibtex"), ("b", 3, "betterbibtex"), ("c", 4, "betterbibtex"),
                              ("d", 3, "jabref")):
        generate.generate_shape("export", 12, tmp_path / name, seed=seed, style=style)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "d")


def test_export_shape_checks_with_warnings_and_no_error(export_corpus: Path) -> None:
    code, report = check_json(export_corpus)
    rows = report["diagnostics"]
    assert code == 0, [r for r in rows if r["severity"] == "error"][:5]
    codes = {r["code"] for r in rows}
    assert {r["severity"] for r in rows} == {"warning"}
    # What a real wiki has: differentials named one way only, records no entry lists.
    assert {"one-way-differential", "unused-reference"} <= codes
    assert sum(r["code"] == "one-way-differential" for r in rows) > EXPORT_N


def test_export_shape_builds(tmp_path: Path) -> None:
    generate.generate_shape("export", 6, tmp_path / "wiki", seed=1)
    code, out, err = run(["build", "--root", str(tmp_path / "wiki"), "--site-dir", str(tmp_path / "site")])
    assert code == 0, out + err
    assert (tmp_path / "site" / "index.html").is_file()


def test_export_shape_has_a_reference_managers_bib_and_prose_differential_sections(export_corpus: Path) -> None:
    bibs = sorted((export_corpus / "citations").glob("*.bib"))
    assert [b.name for b in bibs] == ["library.bib"]  # one export, not files split to fit a cap
    text = bibs[0].read_text()
    assert len(re.findall(r"^@", text, re.M)) >= 2 * EXPORT_N
    assert re.search(r"^\s+month\s+= [a-z]{3},$", text, re.M)  # month macros, unbraced
    for field in ("abstract", "keywords", "file", "doi", "pmid"):
        assert re.search(rf"^\s+{field}\s+= \{{", text, re.M), field
    assert "{{" in text  # capitals protected with double braces
    pages = [p for p in (export_corpus / "content").glob("*.md") if p.name != "index.md"]
    assert len(pages) == EXPORT_N
    with_section = [p for p in pages if "\n## Differential diagnosis\n" in p.read_text()]
    assert len(with_section) > EXPORT_N // 3
    result = check(load_config(export_corpus))
    assert len(result.project.references) == 2 * EXPORT_N
    assert all(page.slug == "index" or page.entry is not None for page in result.project.pages)


def test_export_shape_sizes_match_the_issue_at_scale(tmp_path: Path) -> None:
    """Issue #15's wiki: entries of about 6 KB (62 MB at 10,000) and a .bib of
    about 6.7 MB for 20,000 records (~335 bytes a record)."""
    n = 300
    counts = generate.generate_shape("export", n, tmp_path, seed=0)
    assert counts["references"] == 2 * n and counts["bib_files"] == 1
    assert 5_700 <= counts["page_bytes"] / n <= 6_700
    assert 300 <= counts["bib_bytes"] / (2 * n) <= 380
    assert counts["bib_bytes"] == (tmp_path / "citations" / "library.bib").stat().st_size


def test_export_shape_raises_the_caps_a_library_of_this_size_needs(tmp_path: Path) -> None:
    generate.generate_shape("export", 3, tmp_path, seed=0)
    config = load_config(tmp_path)
    # 20,000 records in one file: more bytes and @ signs than the defaults allow.
    assert config.max_file_bytes >= 8_000_000 and config.max_bib_blocks >= 40_000
    assert "docs_dir: content" in (tmp_path / "mkdocs.yml").read_text()


def test_generate_cli_takes_the_shape(tmp_path: Path) -> None:
    assert generate.main(["4", str(tmp_path), "--shape", "export", "--bib-style", "jabref"]) == 0
    assert (tmp_path / "citations" / "library.bib").read_text().startswith("% Encoding: UTF-8")


def test_bare_build_config_is_the_corpus_own_with_its_content_and_a_short_nav(tmp_path: Path) -> None:
    """benchmarks/run.py's bare MkDocs build: the editors' content/ unstaged,
    the corpus's mkdocs.yml, and the nav ossref's adapter sets (items that exist)."""
    import sys

    import yaml

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
        bench_run = importlib.util.module_from_spec(spec)
        sys.modules["bench_run"] = bench_run  # its dataclasses look their module up
        spec.loader.exec_module(bench_run)
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
        sys.modules.pop("bench_run", None)
    generate.generate_shape("export", 3, tmp_path / "wiki", seed=0)
    config = bench_run.bare_config(tmp_path / "wiki", tmp_path / "bare")
    loaded = yaml.safe_load(config.read_text())
    original = yaml.safe_load((tmp_path / "wiki" / "mkdocs.yml").read_text())
    assert loaded["docs_dir"] == str(tmp_path / "wiki" / "content")
    assert loaded["nav"] == [{"Home": "index.md"}]
    assert {k: v for k, v in loaded.items() if k not in ("docs_dir", "nav")} == \
        {k: v for k, v in original.items() if k != "docs_dir"}

"""The fuzz targets in fuzz/ stay runnable, and every input that ever made
one fail stays fixed (fuzz/regressions/<target>/), through the target and
through ``ossref check``.

Run here with the plain driver (``OSSREF_FUZZ_DRIVER=plain``), so the
suite's modules are not instrumented; CI also runs each target under
atheris for a bounded time (.ci/run, fuzz/run.py)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from conftest import GOOD_BIB, MKDOCS_YML, check_json

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
TARGETS = ("frontmatter", "bibtex", "scan", "pipeline")


def _inputs(folder: str, target: str) -> list[Path]:
    where = FUZZ / folder / target
    return sorted(where.iterdir()) if where.is_dir() else []


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OSSREF_FUZZ_DRIVER", "plain")
    monkeypatch.setenv("OSSREF_FUZZ_CPU_SECONDS", "30")  # a loaded CI machine: work is bounded by the targets' own caps
    monkeypatch.syspath_prepend(str(FUZZ))

    def load(target: str):
        for name in ("common", f"fuzz_{target}"):
            sys.modules.pop(name, None)
        return importlib.import_module(f"fuzz_{target}")

    yield load
    for name in ("common", *(f"fuzz_{t}" for t in TARGETS)):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_passes_its_seeds_and_regressions(harness, target: str) -> None:
    module = harness(target)
    inputs = _inputs("corpus", target) + _inputs("regressions", target)
    assert len(_inputs("corpus", target)) >= 5
    for path in inputs:
        module.TestOneInput(path.read_bytes())


def test_the_plain_driver_mutates_and_runs(harness, capsys: pytest.CaptureFixture) -> None:
    module = harness("bibtex")
    common = sys.modules["common"]
    assert common.atheris is None
    common._plain_driver(module.TestOneInput, ["fuzz_bibtex.py", "-runs=60", str(FUZZ / "corpus" / "bibtex")])
    assert "fuzz: 60 inputs, no failure" in capsys.readouterr().out


def _project(tmp_path: Path, page: bytes | None = None, bib: bytes | None = None) -> Path:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "content" / "regression.md").write_bytes(page if page is not None else b"# Page\n")
    (root / "citations" / "refs.bib").write_bytes(bib if bib is not None else GOOD_BIB.encode())
    return root


@pytest.mark.parametrize("path", [p for t in TARGETS for p in _inputs("regressions", t)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_regression_input_is_reported_not_crashed_on(tmp_path: Path, path: Path) -> None:
    data = path.read_bytes()
    target = path.parent.name
    if target == "pipeline":
        page, bib = (data[1:], None) if data[:1] and data[0] % 2 == 0 else (None, data[1:])
    elif target == "bibtex":
        page, bib = None, data
    else:
        page, bib = data, None
    root = _project(tmp_path, page, bib)
    for _ in range(2):  # cold, then from the cache
        code, report = check_json(root)
        assert code in (0, 1)
        assert all(d["line"] >= 1 and d["column"] >= 1 for d in report["diagnostics"])


def test_a_misspelled_differential_field_is_a_finding_not_a_crash() -> None:
    """Found by the front-matter and pipeline fuzz targets in CI: a merge had
    reused the name of the hint counter for a list, so an unknown key in a
    differential mapping raised TypeError (exit 3) instead of unknown-field."""
    from ossref.load.frontmatter import parse_frontmatter
    from ossref.load.schema import read_entry

    text = "---\ncondition: A\ndifferentials:\n  - entry: b\n    distinguishng: x\n---\nBody.\n"
    fm = parse_frontmatter(text, "c.md", 64_000, 20)
    entry, found = read_entry(fm.data, fm.positions, "c.md")
    assert entry is not None and [d.code for d in found] == ["unknown-field"]
    assert found[0].hint == "did you mean `distinguishing`?"

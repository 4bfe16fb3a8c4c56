"""The scanner package's shape (issue #15): small modules, one job each, no
import cycle, and the names its callers import; and the equivalence of the
faster searches its passes use with the patterns they replace."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import ossref.load.scan as scan_package
from ossref.load.scan.links import _line_start_brackets

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "ossref" / "load" / "scan"
MAX_LINES = 800


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.glob("*.py"))}


def test_each_module_is_small_and_states_its_contract() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") < MAX_LINES, path.name
        assert ast.get_docstring(ast.parse(text)), f"{path.name} has no docstring"


def test_the_passes_import_each_other_without_a_cycle() -> None:
    prefix = "ossref.load.scan."
    graph: dict[str, set[str]] = {}
    for name, tree in _modules().items():
        graph[name] = {node.module[len(prefix):] for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix)}
    assert graph["base"] == set(), "base is the ground floor: it imports no other pass"
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join(path + (name,))
        if name in done:
            return
        for dep in graph[name]:
            visit(dep, path + (name,))
        done.add(name)

    for name in graph:
        visit(name, ())
    assert "__init__" not in {dep for deps in graph.values() for dep in deps}


def test_the_package_exposes_every_name_its_callers_import() -> None:
    imported: set[str] = set()
    for top in ("ossref", "tests", "fuzz", "benchmarks", "scripts"):
        for path in (REPO / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "ossref.load.scan":
                    imported.update(alias.name for alias in node.names)
    assert {"scan_body", "complexity", "url_scheme", "SAFE_SCHEMES"} <= imported
    missing = sorted(name for name in imported if not hasattr(scan_package, name))
    assert missing == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" [\n\x00a]", max_size=40))
def test_line_start_brackets_finds_what_the_pattern_finds(text: str) -> None:
    expected = [m.end() - 1 for m in re.finditer(r"[\n\x00] {0,3}\[", text)]
    assert _line_start_brackets(text) == expected

"""The package's layout holds what CONTRIBUTING.md ("Working on ossref
itself") says of it: stages import only earlier stages, no module imports
itself back through others, and no module is over 800 lines.

Imports are read from the source (every ``import``/``from`` statement,
those inside functions included), so nothing here depends on import order.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ossref"

#: Each module's stage, by its dotted name's longest listed prefix. A module
#: may import its own stage and those below it, never one above.
STAGES = {
    "ossref": 0, "ossref.diagnostics": 0, "ossref.model": 0, "ossref.text": 0,
    "ossref.config": 1, "ossref.caps": 1,
    "ossref.load": 2,
    "ossref.check": 3,
    "ossref.pipeline": 4,
    "ossref.scope": 5, "ossref.scaffold": 5, "ossref.report": 5, "ossref.online": 5, "ossref.site": 5,
    "ossref.mkdocs": 6,
    "ossref.publish": 7,
    "ossref.cli": 8, "ossref.__main__": 9,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ossref modules ``name`` imports (``from ossref.x import y`` counts
    as ``ossref.x.y`` when that is a module, else ``ossref.x``)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "ossref")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "ossref":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    out.discard(name)
    return {m for m in out if m in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _stage(name: str) -> int:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in STAGES:
            return STAGES[".".join(parts[:i])]
    raise AssertionError(f"{name} is in no stage: add it to STAGES and to CONTRIBUTING.md")


def test_every_module_has_a_stage() -> None:
    for name in _graph():
        _stage(name)


def test_stages_import_only_earlier_stages() -> None:
    backwards = sorted((name, dep) for name, deps in _graph().items() for dep in deps
                       if _stage(dep) > _stage(name))
    assert backwards == []


def test_no_import_cycle() -> None:
    graph = _graph()
    # Package __init__ files only re-export their own modules; an import of the
    # package from inside it is no cycle in what runs.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if node.startswith(dep + ".") or dep.startswith(node + "."):
                continue  # a module and its own package's __init__
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_no_module_over_800_lines() -> None:
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800}
    assert long == {}


def test_each_stage_says_what_it_takes_and_gives() -> None:
    for package in ("text", "load", "check", "site", "mkdocs", "publish", "report", "online"):
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "Takes" in doc and ("Gives" in doc or "gives" in doc), package

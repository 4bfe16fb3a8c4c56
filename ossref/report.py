"""Print diagnostics: the only module that writes findings to a stream.

Three formats: ``text`` for people, ``json`` for tools, ``github`` for GitHub
Actions workflow commands (inline annotations on pull requests).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from .diagnostics import Diagnostic

if TYPE_CHECKING:  # report must import cheaply: `ossref --help` loads it
    from .pipeline import CheckResult

FORMATS = ("text", "json", "github")


def summary(result: CheckResult) -> dict[str, int]:
    return {
        "errors": result.errors,
        "warnings": result.warnings,
        "entries": result.entries,
        "references": result.references,
        # Findings past the per-file cap of one rule, each (file, rule)
        # summed up in one listed diagnostic instead of listed one by one.
        "suppressed": result.suppressed,
    }


def summary_line(result: CheckResult) -> str:
    s = summary(result)
    files = result.pages + result.bib_files

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    more = f"; {s['suppressed']:,} more findings counted but not listed" if s["suppressed"] else ""
    return (f"{n(s['errors'], 'error')}, {n(s['warnings'], 'warning')} in {n(files, 'file')} "
            f"({n(s['entries'], 'entry').replace('entrys', 'entries')}, {n(s['references'], 'reference')}){more}")


def text_line(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.column}: {d.severity}[{d.code}] {d.text}"


def as_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "severity": str(d.severity),
        "code": d.code,
        "message": d.text,
        "hint": d.hint,
    }


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic) -> str:
    level = "error" if d.severity == "error" else "warning"
    props = ",".join(
        f"{k}={_escape_property(str(v))}"
        for k, v in (("file", d.path), ("line", d.line), ("col", d.column), ("title", d.code))
    )
    return f"::{level} {props}::{_escape_data(d.text)}"


def report(result: CheckResult, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump({"diagnostics": [as_dict(d) for d in result.diagnostics], "summary": summary(result)},
                  out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    line = github_line if fmt == "github" else text_line
    for d in result.diagnostics:
        out.write(line(d) + "\n")
    out.write(summary_line(result) + "\n")

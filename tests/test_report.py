"""Report formats: text lines, JSON shape, GitHub workflow commands."""

from __future__ import annotations

import json

from conftest import FIXTURES, run
from ossref.diagnostics import diag
from ossref.report.formats import github_line, text_line


def test_text_line_shape() -> None:
    d = diag("content/x.md", 12, 7, "unknown-citation", "citation key `k` is in no BibTeX file", "did you mean `j`?")
    assert text_line(d) == (
        "content/x.md:12:7: error[unknown-citation] citation key `k` is in no BibTeX file (hint: did you mean `j`?)"
    )


def test_github_line_escapes_data_and_properties() -> None:
    d = diag("content/a,b.md", 3, 1, "one-way-differential", "50% done\nnext: x")
    assert github_line(d) == (
        "::warning file=content/a%2Cb.md,line=3,col=1,title=one-way-differential::50%25 done%0Anext: x"
    )


def test_text_output_ends_with_one_summary_line() -> None:
    code, out, _ = run(["check", "--root", str(FIXTURES / "unknown-citation")])
    lines = out.splitlines()
    assert code == 1
    assert all(":" in line and "error[unknown-citation]" in line for line in lines[:-1])
    assert lines[-1].startswith(f"{len(lines) - 1} errors, 0 warnings in ")


def test_json_shape() -> None:
    code, out, _ = run(["check", "--root", str(FIXTURES / "one-way-differential"), "--format", "json"])
    data = json.loads(out)
    assert code == 0
    assert data["summary"] == {"errors": 0, "warnings": 1, "entries": 2, "references": 1, "suppressed": 0}
    (d,) = data["diagnostics"]
    assert set(d) == {"path", "line", "column", "severity", "code", "message", "hint"}
    assert d["message"].endswith(f"(hint: {d['hint']})")


def test_github_format_annotates_every_finding() -> None:
    code, out, _ = run(["check", "--root", str(FIXTURES / "broken-link"), "--format", "github"])
    lines = out.splitlines()
    assert code == 1 and lines[:-1] and all(line.startswith("::error file=content/") for line in lines[:-1])

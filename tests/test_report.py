"""Report formats: text lines, JSON shape, GitHub workflow commands."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run
from ossref.diagnostics import RULES, diag
from ossref.pipeline import CheckResult
from ossref.report.formats import as_dict, github_line, json_text, report, summary, summary_line, text_line
from ossref.report.jsontext import dumps
from ossref.report.sarif import sarif_log


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


# ============================================================ output as before, written faster
# Text a hostile contributor can put in a message or path: quotes, backslashes,
# controls (C0, DEL, C1), line and paragraph separators, escapes, non-ASCII.
_HOSTILE = ['"', "\\", "\n", "\r", "\t", "\x00", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "é", "𝔘",
            "%", ",", ":", "::", "</script>", "\ufeff", "\u202e"]


def _sample(n: int) -> list:
    codes = list(RULES)
    return [diag(f"content/{_HOSTILE[i % len(_HOSTILE)]}dir {i % 7}/p{i}.md", i % 40 + 1, i % 9 + 1,
                 codes[i % len(codes)], f"message {i} {_HOSTILE[(i * 3) % len(_HOSTILE)]} `x`",
                 f"hint {_HOSTILE[(i * 5) % len(_HOSTILE)]}" if i % 4 else "")
            for i in range(n)]


def _old_report(result: CheckResult, fmt: str, colour: bool = False) -> str:
    """The report as it was written before it was sped up: the standard
    library's indenting encoder, and a write per finding."""
    out = io.StringIO()
    if fmt == "sarif":
        json.dump(sarif_log(result.diagnostics, "docs"), out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "json":
        json.dump({"diagnostics": [as_dict(d) for d in result.diagnostics], "summary": summary(result)},
                   out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for d in result.diagnostics:
            out.write((github_line(d) if fmt == "github" else text_line(d, colour)) + "\n")
        out.write(summary_line(result) + "\n")
    return out.getvalue()


@pytest.mark.parametrize("n", [0, 1, 300])
@pytest.mark.parametrize("fmt,colour", [("text", False), ("text", True), ("json", False), ("github", False),
                                        ("sarif", False)])
def test_every_format_writes_the_same_bytes_as_before(fmt: str, colour: bool, n: int) -> None:
    result = CheckResult(project=None, diagnostics=_sample(n), pages=3, entries=2, references=5, bib_files=1,
                         suppressed=4)
    out = io.StringIO()
    report(result, fmt, out, colour=colour, uri_prefix="docs")
    assert out.getvalue() == _old_report(result, fmt, colour)


def test_json_report_of_many_findings_is_one_write_and_reads_back() -> None:
    result = CheckResult(project=None, diagnostics=_sample(2000), pages=1)

    class Counting(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            Counting.writes += 1
            return super().write(text)

    out = Counting()
    report(result, "json", out)
    assert Counting.writes == 1
    assert json.loads(out.getvalue())["diagnostics"] == [as_dict(d) for d in result.diagnostics]
    assert json_text(result) + "\n" == out.getvalue()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_jsontext_dumps_is_json_dumps_indented(value) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)

"""Print diagnostics: the only module that writes findings to a stream.

Four formats: ``text`` for people, ``json`` for tools, ``github`` for GitHub
Actions workflow commands (inline annotations on pull requests), ``sarif``
for code scanning (SARIF 2.1.0, built by :mod:`ossref.report.sarif`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from ossref.diagnostics import Diagnostic
from ossref.report.jsontext import dumps, string

if TYPE_CHECKING:  # report must import cheaply: `ossref --help` loads it
    from ossref.pipeline import CheckResult

FORMATS = ("text", "json", "github", "sarif")


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


#: ANSI colours of a severity on a terminal.
_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def text_line(d: Diagnostic, colour: bool = False) -> str:
    if not colour:
        return f"{d.path}:{d.line}:{d.column}: {d.severity}[{d.code}] {d.text}"
    # Colour means a terminal: a message quoting hostile text must not be able
    # to send it escape sequences of its own, so control characters are shown.
    return (f"{_BOLD}{_inert(d.path)}:{d.line}:{d.column}:{_RESET} "
            f"{_COLOURS[str(d.severity)]}{d.severity}{_RESET}[{d.code}] {_inert(d.text)}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _inert(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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


def report(result: CheckResult, fmt: str, out: TextIO, *, quiet: bool = False, colour: bool = False,
           hidden: int = 0, uri_prefix: str = "") -> None:
    """Write ``result`` to ``out`` in format ``fmt``.

    ``quiet`` leaves only the summary line (text and github; json and sarif
    are documents for tools and stay complete). ``colour`` adds ANSI colours
    to text. ``hidden`` is how many findings a scoped check left out; text
    says so. ``uri_prefix`` is put before each path in SARIF."""
    # Each format is built as one string and written once: a write per
    # finding costs more than the finding's text when the stream is a pipe.
    if fmt == "sarif":
        from ossref.report.sarif import sarif_text

        out.write(sarif_text(result.diagnostics, uri_prefix) + "\n")
        return
    if fmt == "json":
        out.write(json_text(result) + "\n")
        return
    lines = []
    if not quiet:
        rendered = result.rendered
        if fmt == "text" and not colour and result.diagnostics and rendered is not None \
                and rendered[0] == _TEXT_ITEMS and rendered[2] is result.diagnostics:
            lines = ["\n".join(rendered[1])]
        else:
            lines = [github_line(d) for d in result.diagnostics] if fmt == "github" else [
                text_line(d, colour) for d in result.diagnostics]
    lines.append(summary_line(result))
    if hidden and fmt == "text":
        lines.append(f"scoped check: {hidden} finding{'' if hidden == 1 else 's'} in other files not shown")
    out.write("\n".join(lines) + "\n")


def text_items(diagnostics: list[Diagnostic]) -> str:
    """``diagnostics`` as the ``text`` report lists them without colour, one
    line each; the report's list is the files' parts joined by line ends.
    A check given it as ``render`` keeps each file's part (see
    :attr:`~ossref.pipeline.CheckResult.rendered`), so that a warm check
    formats again only the files whose findings changed."""
    return "\n".join([text_line(d) for d in diagnostics])


_TEXT_ITEMS = f"{text_items.__module__}.{text_items.__qualname__}"


def json_text(result: CheckResult) -> str:
    """The ``json`` report: ``json.dumps({"diagnostics": [as_dict(d) ...],
    "summary": summary(result)}, indent=2, ensure_ascii=False)``, each
    diagnostic written by :func:`_diagnostic` (the standard library's
    indenting encoder is pure Python: 3.5 s for 40,000 findings). Each
    file's part is :func:`json_items`'s, taken from
    :attr:`~ossref.pipeline.CheckResult.rendered` when a check rendered it
    for these very diagnostics (a warm check renders only what changed)."""
    if not result.diagnostics:
        return dumps({"diagnostics": [], "summary": summary(result)})
    rendered = result.rendered
    if rendered is not None and rendered[0] == _JSON_ITEMS and rendered[2] is result.diagnostics:
        items = ",".join(rendered[1])
    else:
        items = json_items(result.diagnostics)
    tail = dumps({"summary": summary(result)})  # '{\n  "summary": ...\n}'
    return '{\n  "diagnostics": [' + items + "\n  ],\n" + tail[2:]


def json_items(diagnostics: list[Diagnostic]) -> str:
    """``diagnostics`` as they are written in the ``json`` report's list,
    comma-separated; the report's list is the files' parts joined by commas."""
    return ",".join([_diagnostic(string(d.path), int(d.line), int(d.column), string(str(d.severity)),
                                 string(d.code), string(d.text), string(d.hint)) for d in diagnostics])


_JSON_ITEMS = f"{json_items.__module__}.{json_items.__qualname__}"


def _diagnostic(path: str, line: int, column: int, severity: str, code: str, message: str, hint: str) -> str:
    """A diagnostic as json.dumps(indent=2) writes it in the report's list;
    the strings are JSON text already."""
    return f"""
    {{
      "path": {path},
      "line": {line},
      "column": {column},
      "severity": {severity},
      "code": {code},
      "message": {message},
      "hint": {hint}
    }}"""

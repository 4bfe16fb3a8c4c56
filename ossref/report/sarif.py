"""SARIF 2.1.0 output (``ossref check --format sarif``) for code scanning.

GitHub code scanning reads a SARIF log and shows each result in a pull
request's "Files changed" view. The log describes every rule of
:data:`ossref.diagnostics.RULES` (its default level and summary, and as help
the rule's section of the editor's guide, CONTRIBUTING.md, when ossref runs
from a checkout that has it), and one result per diagnostic with its line and
column. :func:`sarif_log` builds the log as a value, :func:`sarif_text` as
the text :mod:`ossref.report.formats` writes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ossref import __version__
from ossref.diagnostics import RULES, Diagnostic
from ossref.report.jsontext import dumps, string as _string

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: The editor's guide, next to the package in a checkout (absent from a wheel).
GUIDE = Path(__file__).resolve().parents[2] / "CONTRIBUTING.md"

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*$")


def guide_sections(text: str) -> dict[str, str]:
    """The body of each ``### <rule-code>`` section of the guide, by code.

    A section runs to the next heading of level 1 to 3 outside a code fence
    (the examples hold Markdown with ``##`` headings of their own)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            title = heading.group(2).strip("` ")
            current = sections.setdefault(title, []) if len(heading.group(1)) == 3 and title in RULES else None
            continue
        if current is not None:
            current.append(line)
    return {code: "\n".join(lines).strip() for code, lines in sections.items() if "\n".join(lines).strip()}


@lru_cache(maxsize=1)
def _guide() -> dict[str, str]:
    try:
        return guide_sections(GUIDE.read_text(encoding="utf-8"))
    except OSError:
        return {}


def _rule(code: str, guide: dict[str, str]) -> dict[str, Any]:
    rule = RULES[code]
    help_markdown = guide.get(code, rule.summary)
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": help_markdown, "markdown": help_markdown},
        "defaultConfiguration": {"level": str(rule.severity)},
    }


def sarif_log(diagnostics: list[Diagnostic], uri_prefix: str = "") -> dict[str, Any]:
    """A SARIF 2.1.0 log of ``diagnostics``. Each location's URI is
    ``uri_prefix`` + the diagnostic's path (paths are relative to the project
    root; code scanning wants them relative to the repository root)."""
    guide = _guide()
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    prefix = uri_prefix.strip("/") + "/" if uri_prefix.strip("/") else ""
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": str(d.severity),
            "message": {"text": d.text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(prefix + d.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": d.line, "startColumn": d.column},
                },
            }],
        }
        for d in diagnostics
    ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ossref",
                "version": __version__,
                "rules": [_rule(code, guide) for code in codes],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def sarif_text(diagnostics: list[Diagnostic], uri_prefix: str = "") -> str:
    """``json.dumps(sarif_log(diagnostics, uri_prefix), indent=2,
    ensure_ascii=False)``, written without the standard library's indenting
    encoder: pure Python, it took 1.7 s for 40,000 results. The log around
    the results goes through :func:`ossref.report.jsontext.dumps`; each
    result, all of one shape, is filled into :data:`_RESULT`."""
    text = dumps(sarif_log([], uri_prefix))
    if not diagnostics:
        return text
    assert text.endswith(_EMPTY_END)  # the results are the log's last value
    index = {code: i for i, code in enumerate(RULES)}
    prefix = uri_prefix.strip("/") + "/" if uri_prefix.strip("/") else ""
    uris: dict[str, str] = {}
    results = []
    for d in diagnostics:
        uri = uris.get(d.path)
        if uri is None:
            uri = uris[d.path] = _string(_uri(prefix + d.path))
        results.append(_result(_string(d.code), index[d.code], _string(str(d.severity)), _string(d.text), uri,
                               int(d.line), int(d.column)))
    return text[: -len(_EMPTY_END)] + '"results": [' + ",".join(results) + _RESULTS_END


def _result(rule: str, index: int, level: str, text: str, uri: str, line: int, column: int) -> str:
    """A result as json.dumps(indent=2) writes it in the log, at the depth of
    the results list (each line after the first indented by 8 spaces); the
    strings are JSON text already."""
    return f"""
        {{
          "ruleId": {rule},
          "ruleIndex": {index},
          "level": {level},
          "message": {{
            "text": {text}
          }},
          "locations": [
            {{
              "physicalLocation": {{
                "artifactLocation": {{
                  "uri": {uri},
                  "uriBaseId": "%SRCROOT%"
                }},
                "region": {{
                  "startLine": {line},
                  "startColumn": {column}
                }}
              }}
            }}
          ]
        }}"""


_EMPTY_END = '"results": []\n    }\n  ]\n}'
_RESULTS_END = "\n      ]\n    }\n  ]\n}"


def _uri(path: str) -> str:
    """A relative URI reference for ``path``: characters that would end or
    change a URI path segment are percent-encoded."""
    if _URI_SAFE.fullmatch(path):  # what quote() leaves as it is, without its per-character work
        return path
    return quote(path, safe="/")


# The characters quote(safe="/") never encodes (RFC 3986's unreserved, and "/").
_URI_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*")

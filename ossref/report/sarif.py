"""SARIF 2.1.0 output (``ossref check --format sarif``) for code scanning.

GitHub code scanning reads a SARIF log and shows each result in a pull
request's "Files changed" view. The log describes every rule of
:data:`ossref.diagnostics.RULES` (its default level and summary, and as help
the rule's section of the editor's guide, CONTRIBUTING.md, when ossref runs
from a checkout that has it), and one result per diagnostic with its line and
column. Builds a value; :mod:`ossref.report.formats` writes it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ossref import __version__
from ossref.diagnostics import RULES, Diagnostic

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


def _uri(path: str) -> str:
    """A relative URI reference for ``path``: characters that would end or
    change a URI path segment are percent-encoded."""
    return quote(path, safe="/")

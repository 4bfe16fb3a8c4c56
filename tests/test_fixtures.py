"""Every fixture project yields exactly the diagnostics in its expected.json.

A fixture is ``tests/fixtures/<scenario>/`` with ``mkdocs.yml``, ``content/``,
``citations/`` and ``expected.json``:
``{"exit": N, "diagnostics": [[path, line, column, severity, code], ...]}``.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, check_json, run

SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_diagnostics(scenario: str) -> None:
    expected = json.loads((FIXTURES / scenario / "expected.json").read_text())
    code, data = check_json(FIXTURES / scenario)
    got = [[d["path"], d["line"], d["column"], d["severity"], d["code"]] for d in data["diagnostics"]]
    assert got == expected["diagnostics"]
    assert code == expected["exit"]
    for d in data["diagnostics"]:
        assert d["message"].strip(), d


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_strict_fails_on_any_finding(scenario: str) -> None:
    expected = json.loads((FIXTURES / scenario / "expected.json").read_text())
    code, _, _ = run(["check", "--root", str(FIXTURES / scenario), "--strict"])
    assert code == (1 if expected["diagnostics"] else 0)


def test_fixture_scenarios_cover_every_contract_rule() -> None:
    covered = set()
    for scenario in SCENARIOS:
        expected = json.loads((FIXTURES / scenario / "expected.json").read_text())
        covered |= {row[4] for row in expected["diagnostics"]}
    contract = {
        "yaml-syntax", "invalid-field", "missing-field", "unknown-field", "unknown-citation",
        "unknown-differential", "broken-link", "duplicate-entry", "bib-syntax", "duplicate-citation-key",
        "invalid-identifier", "raw-html", "unsafe-url", "one-way-differential", "unused-reference",
        "duplicate-reference", "unverifiable-reference",
    }
    assert contract <= covered, sorted(contract - covered)

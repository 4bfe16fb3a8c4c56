"""`--format sarif`: SARIF 2.1.0, valid against the official schema, for code scanning.

tests/data/sarif-schema-2.1.0.json is the official schema, copied unchanged
from github.com/oasis-tcs/sarif-spec, file sarif-2.1/schema/sarif-schema-2.1.0.json
(last changed in commit a560296ca8c921f3bdb8d4a8db57ab83dae968a7).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, run
from ossref.diagnostics import RULES, diag
from ossref.report.sarif import GUIDE, guide_sections, sarif_log, sarif_text

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif(root: Path, *extra: str) -> tuple[int, dict]:
    code, out, err = run(["check", "--root", str(root), "--format", "sarif", *extra])
    assert err == "", err
    return code, json.loads(out)


def validate(log: dict) -> None:
    jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft4Validator)


def test_schema_file_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@pytest.mark.parametrize("scenario", ["clean", "broken-link", "duplicate-entry", "hostile-links", "unused-reference"])
def test_sarif_is_valid_against_the_official_schema(scenario: str) -> None:
    code, log = sarif(FIXTURES / scenario)
    validate(log)
    _, json_out, _ = run(["check", "--root", str(FIXTURES / scenario), "--format", "json"])
    expected = json.loads(json_out)["diagnostics"]
    results = log["runs"][0]["results"]
    assert len(results) == len(expected)
    for result, d in zip(results, expected):
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith(d["path"].replace(" ", "%20"))
        assert (location["region"]["startLine"], location["region"]["startColumn"]) == (d["line"], d["column"])
        assert (result["ruleId"], result["level"]) == (d["code"], d["severity"])
        assert log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == d["code"]


def test_sarif_rules_come_from_the_registry_with_guide_help() -> None:
    _, log = sarif(FIXTURES / "broken-link")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    by_id = {r["id"]: r for r in rules}
    for code, rule in RULES.items():
        assert by_id[code]["defaultConfiguration"]["level"] == str(rule.severity)
        assert by_id[code]["shortDescription"]["text"] == rule.summary
    # Help is the rule's section of the editor's guide, example and fix included.
    assert "**Fix:**" in by_id["broken-link"]["help"]["markdown"]
    assert by_id["broken-link"]["help"]["text"] == guide_sections(GUIDE.read_text(encoding="utf-8"))["broken-link"]


def test_every_rule_has_a_guide_section() -> None:
    sections = guide_sections(GUIDE.read_text(encoding="utf-8"))
    assert set(RULES) <= set(sections), sorted(set(RULES) - set(sections))


def test_guide_sections_ignore_headings_inside_code_fences() -> None:
    text = "### raw-html\n\nIntro.\n\n```markdown\n## Imaging {: #radiology }\n```\n\nFix it.\n\n### unsafe-url\n\nU.\n## Next\nno"
    sections = guide_sections(text)
    assert sections["raw-html"].endswith("Fix it.") and "## Imaging" in sections["raw-html"]
    assert sections["unsafe-url"] == "U."


def test_sarif_for_a_config_error_points_at_mkdocs_yml(project) -> None:
    root = project("clean")
    (root / "mkdocs.yml").write_text("site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    colour: red\n")
    code, log = sarif(root)
    assert code == 2
    validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "config-error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "mkdocs.yml"
    assert location["region"] == {"startLine": 5, "startColumn": 5}


def test_sarif_uris_are_relative_to_the_git_repository(tmp_path: Path) -> None:
    import shutil
    import subprocess

    shutil.copytree(FIXTURES / "broken-link", tmp_path / "wiki")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _, log = sarif(tmp_path / "wiki")
    validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris and all(uri.startswith("wiki/content/") for uri in uris)


def test_sarif_text_is_the_indented_json_of_the_log() -> None:
    diags = [diag(f"content/a b%{i}/é\"\\\x1b.md", i + 1, 2, code, f"m{i} \u2028 \x00 `x`", "h" if i % 2 else "")
             for i, code in enumerate(list(RULES)[:40])]
    for prefix in ("", "docs", "/site/docs/"):
        for found in ([], diags[:1], diags):
            assert sarif_text(found, prefix) == json.dumps(sarif_log(found, prefix), indent=2, ensure_ascii=False)

"""The CI workflow and the pre-commit hook hold contributors to the guide's rule:
a change is ready when `ossref check --strict` passes."""

from __future__ import annotations

import yaml

from conftest import REPO


def workflow() -> dict:
    return yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text(encoding="utf-8"))


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pre_commit_hook_runs_check_strict() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "ossref-check" and hook["entry"] == "ossref check --strict"


def test_ci_check_is_strict_and_scoped_on_pull_requests() -> None:
    job = workflow()["jobs"]["check-test-build"]
    checks = [line.strip() for line in runs(job).splitlines() if line.strip().startswith("ossref check")]
    assert checks and all("--strict" in line for line in checks)
    assert any('--changed-since "$BASE_SHA"' in line for line in checks)
    checkout = job["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0 and checkout["with"]["persist-credentials"] is False
    assert "security-events" not in str(job.get("permissions", {}))


def test_ci_uploads_sarif_with_write_permission_on_that_job_only() -> None:
    flow = workflow()
    assert flow["permissions"] == {"contents": "read"}
    job = flow["jobs"]["code-scanning"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    assert "--format sarif" in runs(job) and "--strict" in runs(job)
    upload = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert [s["with"]["sarif_file"] for s in upload] == ["ossref.sarif"]
    others = [name for name, other in flow["jobs"].items() if name != "code-scanning"]
    assert all("security-events" not in str(flow["jobs"][name].get("permissions", {})) for name in others)

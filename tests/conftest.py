"""Shared helpers: run the CLI in-process on a fixture project."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from ossref.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run ``ossref`` with ``argv``; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check_json(root: Path, *extra: str) -> tuple[int, dict]:
    code, out, err = run(["check", "--root", str(root), "--format", "json", *extra])
    assert err == "", err
    return code, json.loads(out)


@pytest.fixture
def project(tmp_path: Path):
    """Copy the named fixture project into a temporary folder and return it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target, symlinks=True)
        return target

    return copy

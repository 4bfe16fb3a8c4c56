"""Shared helpers: run the CLI in-process on a fixture project."""

from __future__ import annotations

import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ossref.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

#: What each folder of ``../shared`` (beside the checkout; CI puts it there)
#: holds, for the reasons of the tests skipped without it.
SHARED_HOLDS = {
    "peer-bib": "real-world BibTeX files (python-bibtexparser's test data: BOMs, macros, a non-UTF-8 file)",
    "references": "references.bib, the verified records every citation of the wiki must match",
    "api-samples": "recorded Crossref and NCBI API responses, replayed instead of the network",
}


def absent(path: Path, folder: str) -> str:
    """The reason of a test skipped because ``path`` (in ``../shared/<folder>``) is missing."""
    return f"{path} is absent: ../shared/{folder} beside the checkout holds {SHARED_HOLDS[folder]}"

#: The smallest mkdocs.yml of a hand-made test project.
MKDOCS_YML = "site_name: Test\ndocs_dir: content\nextra:\n  ossref:\n    citations_dir: citations\n"
#: One valid BibTeX record, key alpha2020.
GOOD_BIB = """@article{alpha2020,
  author = {Alpha, Ann},
  title = {A study},
  journal = {J Test},
  year = {2020},
  doi = {10.1000/alpha.2020},
}
"""


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


class Links(HTMLParser):
    """Collects a page's ``<a href>`` values and element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages actually parsed by the loader (store misses), by relative path."""
    from ossref.load import loader

    seen: list[str] = []
    real = loader.parse_page

    def counting(data, rel, slug, config, problems=None, rules=None):
        if data is not None:
            seen.append(rel)
        return real(data, rel, slug, config, problems, rules)

    monkeypatch.setattr(loader, "parse_page", counting)
    return seen

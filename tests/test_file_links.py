"""Relative links to files that are not Markdown (issue #14): the file must be
in the docs folder and be one the site publishes. The fixture
``tests/fixtures/file-links`` has one case of each finding; these tests cover
what a fixture cannot: the check's snapshot, symlinks, and the API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import GOOD_BIB, MKDOCS_YML, check_json
from ossref.check.rules import check_facts, page_facts
from ossref.check.page import parse_page
from ossref.config import load_config


def _project(root: Path, body: str) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "citations" / "refs.bib").write_text(GOOD_BIB)
    (root / "content" / "a.md").write_text("---\ncondition: Alpha\nreferences: [alpha2020]\n---\n\n" + body)
    return root


def _rows(root: Path, *extra: str) -> list[tuple[int, int, str]]:
    _, data = check_json(root, *extra)
    return [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]


def test_adding_the_missing_file_clears_the_finding_on_a_cached_rerun(tmp_path) -> None:
    root = _project(tmp_path / "p", "Text [@alpha2020] and ![fig](img/fig.png).\n")
    assert _rows(root) == [(6, 23, "broken-link")]
    (root / "content" / "img").mkdir()
    (root / "content" / "img" / "fig.png").write_bytes(b"\x89PNG")
    # The page did not change, so its facts come from the snapshot; the
    # files are read afresh on every run.
    assert _rows(root) == []
    (root / "content" / "img" / "fig.png").rename(root / "content" / "img" / "fig.svg")
    assert _rows(root) == [(6, 23, "broken-link")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_symlinked_image_is_unpublished(tmp_path) -> None:
    root = _project(tmp_path / "p", "Text [@alpha2020] and ![fig](fig.png).\n")
    (tmp_path / "elsewhere.png").write_bytes(b"\x89PNG")
    try:
        (root / "content" / "fig.png").symlink_to(tmp_path / "elsewhere.png")
    except OSError:
        pytest.skip("cannot make symlinks here")
    # Rendering copies only regular files: the check says so first (the
    # lookup that follows MkDocs' own finds no regular file there).
    assert _rows(root, "--no-cache") == [(6, 23, "broken-link")]


def test_image_type_is_judged_case_insensitively_and_hidden_files_are_not_published(tmp_path) -> None:
    root = _project(tmp_path / "p", "Text [@alpha2020] and ![a](A.PNG) ![b](.b.png).\n")
    (root / "content" / "A.PNG").write_bytes(b"\x89PNG")
    (root / "content" / ".b.png").write_bytes(b"\x89PNG")
    assert _rows(root, "--no-cache") == [(6, 35, "broken-link")]


def test_without_the_file_list_only_leaving_the_docs_folder_is_checked(tmp_path) -> None:
    # Paths without an extension: MkDocs does not look them up, so they are
    # this check's (those with one are ossref.check.linked_files', on every run).
    root = _project(tmp_path / "p", "[a](img/none) [b](../../x)\n")
    config = load_config(root)
    data = (root / "content" / "a.md").read_bytes()
    page, _ = parse_page(data, "content/a.md", "a", config, [])
    references = {"alpha2020": ("citations/refs.bib", 1, 1)}
    found = check_facts([page_facts(page)], references, None)
    assert [(d.line, d.column, d.code) for d in found] == [(6, 15, "broken-link")]
    found = check_facts([page_facts(page)], references, {})
    assert [(d.line, d.column, d.code) for d in found] == [(6, 1, "broken-link"), (6, 15, "broken-link")]

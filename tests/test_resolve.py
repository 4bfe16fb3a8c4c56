"""resolve(): citation numbers, link targets, differentials, backlinks, dates,
tags, the A-Z list and the references index; and gitdates."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES
from ossref.config import load_config
from ossref.load.gitdates import last_commit_dates
from ossref.pipeline import check
from ossref.site.resolve import relative_href, resolve

HAVE_GIT = shutil.which("git") is not None


def resolved(root: Path):
    config = load_config(root)
    result = check(config)
    assert result.diagnostics == []
    site = resolve(result.project, config)
    return site, {rp.page.slug: rp for rp in site.pages}


@pytest.fixture
def basic(project):
    """site-basic copied outside any git repository."""
    return resolved(project("site-basic"))


def keys(refs) -> list[str]:
    return [ref.key for ref in refs]


def slugs(pages) -> list[str]:
    return [page.slug for page in pages]


# --------------------------------------------------------------------------- citations


def test_numbers_follow_first_use_and_repeats_keep_theirs(basic) -> None:
    _, pages = basic
    alpha = pages["alpha-lesion"]
    assert alpha.numbers == {"two2021": 1, "one2020": 2, "three2022": 3}
    assert keys(alpha.cited) == ["two2021", "one2020", "three2022"]


def test_front_matter_references_not_cited_are_further_reading(basic) -> None:
    _, pages = basic
    assert keys(pages["alpha-lesion"].further) == ["four2019"]
    assert pages["beta-lesion"].further == []
    assert keys(pages["overview"].cited) == ["three2022"]


# --------------------------------------------------------------------------- links


def test_wiki_links_point_at_md_sources_with_real_anchors(basic) -> None:
    _, pages = basic
    links = [(rl.link.target, rl.href, rl.text, rl.rewrite) for rl in pages["alpha-lesion"].links]
    assert links == [
        ("AL", "alpha-lesion.md", "AL", True),
        # Written as a slug, a link shows the target's title, not the file name.
        ("beta-lesion", "beta-lesion.md#imaging", "Beta lesion", True),
        ("Gamma", "deep/gamma-lesion.md", "Gamma", True),
        # A Markdown link whose anchor was given as heading text is fixed too.
        ("beta-lesion.md", "beta-lesion.md#imaging", "beta imaging", True),
    ]


def test_links_from_a_subfolder_and_to_the_same_page(basic) -> None:
    _, pages = basic
    links = [(rl.href, rl.text) for rl in pages["deep/gamma-lesion"].links]
    assert links == [("../alpha-lesion.md#overview", "Alpha lesion"), ("#overview", "Overview")]


def test_relative_href() -> None:
    assert relative_href("a.md", "b.md") == "b.md"
    assert relative_href("a.md", "x/b.md") == "x/b.md"
    assert relative_href("x/a.md", "b.md") == "../b.md"
    assert relative_href("x/y/a.md", "x/z/b.md") == "../z/b.md"
    assert relative_href("tags/muscle.md", "tags/index.md") == "index.md"
    assert relative_href("a.md", "b c.md") == "b%20c.md"


# --------------------------------------------------------------------------- differentials, backlinks


def test_differentials_pair_both_ways(basic) -> None:
    _, pages = basic
    alpha, beta = pages["alpha-lesion"], pages["beta-lesion"]
    assert [(p.slug, text) for p, text in alpha.differentials] == [
        ("beta-lesion", "Beta has no bone | unlike alpha.")]
    assert [(p.slug, text) for p, text in beta.differentials] == [("alpha-lesion", "Alpha has bone.")]
    assert slugs(alpha.differential_of) == ["beta-lesion"]
    assert pages["deep/gamma-lesion"].differential_of == []


def test_backlinks_sorted_by_title_without_self_links(basic) -> None:
    _, pages = basic
    # alpha links to itself ([[AL]]): not a backlink of its own.
    assert slugs(pages["alpha-lesion"].backlinks) == ["beta-lesion", "deep/gamma-lesion", "overview"]
    assert slugs(pages["beta-lesion"].backlinks) == ["alpha-lesion", "overview"]
    assert slugs(pages["deep/gamma-lesion"].backlinks) == ["alpha-lesion"]
    assert pages["overview"].backlinks == []


# --------------------------------------------------------------------------- site-wide lists


def test_tags_group_spellings_and_sort_members_by_title(basic) -> None:
    site, _ = basic
    assert {tag: slugs(pages) for tag, pages in site.tags.items()} == {
        "muscle": ["alpha-lesion", "beta-lesion", "deep/gamma-lesion"],
        "Reactive": ["alpha-lesion"],
    }


def test_references_index_by_first_author_then_year(basic) -> None:
    site, _ = basic
    rows = [(ref.key, slugs(pages)) for ref, pages in site.references_index]
    assert rows == [
        ("three2022", ["alpha-lesion", "deep/gamma-lesion", "overview"]),  # Adams 2019
        ("two2021", ["alpha-lesion"]),  # Adams 2021
        ("one2020", ["alpha-lesion", "beta-lesion"]),  # Smith
        ("four2019", ["alpha-lesion"]),  # Zed, further reading only
    ]


def test_az_lists_conditions_and_aliases(basic) -> None:
    site, _ = basic
    rows = [(item.letter, item.name, item.alias, item.page.slug) for item in site.az]
    assert rows == [
        ("A", "AL", True, "alpha-lesion"),
        ("A", "Alpha body", True, "alpha-lesion"),
        ("A", "Alpha lesion", False, "alpha-lesion"),
        ("B", "Beta lesion", False, "beta-lesion"),
        ("G", "Gamma", True, "deep/gamma-lesion"),
        ("G", "Gamma lesion", False, "deep/gamma-lesion"),
    ]


# --------------------------------------------------------------------------- dates


def test_updated_from_front_matter_else_none_outside_git(basic) -> None:
    _, pages = basic
    assert pages["alpha-lesion"].updated == dt.date(2025, 1, 2)
    assert pages["deep/gamma-lesion"].updated == dt.date(2024, 6, 30)
    assert pages["beta-lesion"].updated is None
    assert pages["overview"].updated is None


def git(cwd: Path, *args: str, date: str = "2024-03-04T05:06:07+00:00") -> None:
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=cwd, env=env,
                   check=True, capture_output=True)


@pytest.mark.skipif(not HAVE_GIT, reason="git is not installed")
def test_updated_falls_back_to_the_last_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = repo / "wiki"  # the project is a subfolder of the repository
    shutil.copytree(FIXTURES / "site-basic", root)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one", date="2023-01-01T12:00:00+00:00")
    (root / "content" / "beta-lesion.md").write_text(
        (root / "content" / "beta-lesion.md").read_text() + "\nMore.\n")
    git(repo, "commit", "-q", "-am", "two", date="2024-03-04T12:00:00+00:00")
    _, pages = resolved(root)
    assert pages["beta-lesion"].updated == dt.date(2024, 3, 4)  # the newest commit wins
    assert pages["overview"].updated == dt.date(2023, 1, 1)
    assert pages["alpha-lesion"].updated == dt.date(2025, 1, 2)  # front matter wins over git


# --------------------------------------------------------------------------- gitdates


@pytest.mark.skipif(not HAVE_GIT, reason="git is not installed")
def test_gitdates_uncommitted_and_unknown_paths_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("a")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "a", date="2022-02-02T23:30:00+00:00")
    (tmp_path / "docs" / "b.md").write_text("b")
    found = last_commit_dates(tmp_path, ["docs/a.md", "docs/b.md", "docs/none.md"])
    assert found == {"docs/a.md": dt.date(2022, 2, 2)}


@pytest.mark.skipif(not HAVE_GIT, reason="git is not installed")
def test_gitdates_shallow_clone(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    for n, day in enumerate(("2021-01-01", "2021-06-01")):
        (origin / f"p{n}.md").write_text(str(n))
        git(origin, "add", ".")
        git(origin, "commit", "-q", "-m", str(n), date=f"{day}T12:00:00+00:00")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "clone")
    found = last_commit_dates(tmp_path / "clone", ["p0.md", "p1.md"])
    # The graft commit holds every file: the date is the only one the clone knows.
    assert found == {"p0.md": dt.date(2021, 6, 1), "p1.md": dt.date(2021, 6, 1)}


def test_gitdates_outside_a_repository_and_without_git(tmp_path: Path, monkeypatch, capfd) -> None:
    (tmp_path / "a.md").write_text("a")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert last_commit_dates(tmp_path, ["a.md"]) == {}
    assert last_commit_dates(tmp_path / "missing", ["a.md"]) == {}
    assert last_commit_dates(tmp_path, []) == {}
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert last_commit_dates(tmp_path, ["a.md"]) == {}
    out, err = capfd.readouterr()
    assert out == "" and err == ""

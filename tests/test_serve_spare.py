"""``ossref serve`` keeps two site folders and uses them in turn.

The folder served before the current one is brought up to date with only
the files that differ and swapped in (:class:`ossref.publish.swap.SpareSite`),
so no rebuild makes a folder holding the whole site; the output audit is told
which files the build wrote. These tests pin what that rests on: every file
the build did not write is the served file itself (the same inode), a failed
rebuild leaves the served site as it was, and the served site still equals a
clean full build, byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ossref.publish.build as build_module
from ossref.diagnostics import diag
from ossref.publish.preview import Preview
from ossref.publish.serve import Server
from test_serve_incremental import _fixed_build_date, assert_same_as_full_build, edit, files_of, rebuild, \
    rendered, server, wiki  # noqa: F401 - fixtures


def identities(site: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in site.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(site).as_posix()] = (st.st_dev, st.st_ino)
    return out


@pytest.fixture
def remembered(monkeypatch: pytest.MonkeyPatch) -> list:
    """Each Built the preview remembers (the site it then serves)."""
    kept: list = []
    real = Preview.remember
    monkeypatch.setattr(Preview, "remember", lambda self, built: (kept.append(built), real(self, built))[1])
    return kept


def test_a_file_the_increment_did_not_write_is_the_served_one(server: Server, wiki: Path, tmp_path: Path,
                                                              remembered: list) -> None:
    beta = wiki / "content" / "beta-lesion.md"
    edit(beta, "Beta shows no bone", "Beta shows no bone at all")
    rebuild(server)  # the first increment makes the spare
    for step, (old, new) in enumerate([("no bone at all", "no bone, none"), ("no bone, none", "no bone")]):
        before = identities(server.site_dir)
        edit(beta, old, new)
        assert rendered(rebuild(server)) == 1
        built = remembered[-1]
        assert built.written is not None and built.since == remembered[-2].token, step
        after = identities(server.site_dir)
        assert set(after) == (set(before) - built.removed) | built.written
        kept = [rel for rel in after if rel not in built.written]
        assert kept and all(after[rel] == before[rel] for rel in kept)
        assert all(after[rel] != before.get(rel) for rel in built.written)
        # The page, the search index, the sitemap and the error page: not the site.
        assert "beta-lesion/index.html" in built.written and len(built.written) < len(after) / 4
        assert_same_as_full_build(server, wiki, tmp_path)


def test_a_page_added_removed_and_added_back_with_the_spare(server: Server, wiki: Path, tmp_path: Path,
                                                           remembered: list) -> None:
    delta = wiki / "content" / "deep" / "more" / "delta-lesion.md"
    text = (wiki / "content" / "deep" / "gamma-lesion.md").read_text().replace("Gamma lesion", "Delta lesion") \
        .replace("aliases: [Gamma]", "aliases: [Delta]").replace("../img", "../../img")
    edit(wiki / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows no bone at all")
    rebuild(server)
    delta.parent.mkdir()
    delta.write_text(text)
    rebuild(server)
    assert remembered[-1].written is not None and "deep/more/delta-lesion/index.html" in remembered[-1].written
    assert_same_as_full_build(server, wiki, tmp_path)
    delta.unlink()
    rebuild(server)
    assert remembered[-1].written is not None and "deep/more/delta-lesion/index.html" in remembered[-1].removed
    assert not (server.site_dir / "deep" / "more").exists()  # no empty folder left where the page was
    assert_same_as_full_build(server, wiki, tmp_path)
    delta.write_text(text)
    rebuild(server)
    assert remembered[-1].written is not None
    assert_same_as_full_build(server, wiki, tmp_path)


def test_a_rebuild_failing_its_audit_after_the_spare_was_used_keeps_the_site(
        server: Server, wiki: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remembered: list) -> None:
    beta = wiki / "content" / "beta-lesion.md"
    edit(beta, "Beta shows no bone", "Beta shows no bone at all")
    rebuild(server)
    before = files_of(server.site_dir)
    real = build_module._audit
    monkeypatch.setattr(build_module, "_audit", lambda *a, **k: [diag("mkdocs.yml", 1, 1, "unsafe-output", "planted")])
    edit(beta, "no bone at all", "no bone, none")
    assert server.rebuild_if_changed() == 1
    assert files_of(server.site_dir) == before
    monkeypatch.setattr(build_module, "_audit", real)
    edit(beta, "no bone, none", "no bone")
    assert rendered(rebuild(server)) == 1
    assert_same_as_full_build(server, wiki, tmp_path)
    edit(beta, "no bone", "no bone today")
    rebuild(server)
    assert remembered[-1].written is not None  # a spare again
    assert_same_as_full_build(server, wiki, tmp_path)
    # Nothing left beside the site but the spare and its lock.
    left = sorted(p.name for p in server.site_dir.parent.iterdir() if p.name.startswith(".site."))
    assert len(left) == 2 and left[0] + ".lock" == left[1], left
    assert not any(os.path.samefile(server.site_dir, server.site_dir.parent / name) for name in left)


def test_an_increment_reuses_mkdocs_files_and_pages(server: Server, wiki: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Once an increment follows another with the same staged files, MkDocs
    neither lists the docs or theme folders nor makes a page for a file it
    does not render; the site still equals a full build."""
    from mkdocs.structure import files as mkdocs_files
    from mkdocs.structure import pages as mkdocs_pages

    beta = wiki / "content" / "beta-lesion.md"
    edit(beta, "Beta shows no bone", "Beta shows no bone at all")
    rebuild(server)
    made: list[str] = []
    listed: list[str] = []
    real_page = mkdocs_pages.Page.__init__
    monkeypatch.setattr(mkdocs_pages.Page, "__init__",
                        lambda self, title, file, config: (made.append(file.src_uri), real_page(self, title, file, config))[1])
    real_get = mkdocs_files.get_files
    monkeypatch.setattr(mkdocs_files, "get_files", lambda config: (listed.append("docs"), real_get(config))[1])
    import mkdocs.commands.build as mkdocs_build
    monkeypatch.setattr(mkdocs_build, "get_files", mkdocs_files.get_files)
    real_theme = mkdocs_files.Files.add_files_from_theme
    monkeypatch.setattr(mkdocs_files.Files, "add_files_from_theme",
                        lambda self, env, config: (listed.append("theme"), real_theme(self, env, config))[1])
    edit(beta, "no bone at all", "no bone, none")
    assert rendered(rebuild(server)) == 1
    assert made == ["beta-lesion.md"] and listed == []
    assert_same_as_full_build(server, wiki, tmp_path)

"""``ossref serve`` keeps its parsed pages and check state between rebuilds.

A rebuild after an edit reads and parses only the files that changed
(:mod:`ossref.publish.kept`), and what it renders still equals a fresh full
build, byte for byte: after a body edit, a BibTeX record edit and a name
edit, and when a file is saved again between the check and the render.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest

import ossref.load.parse
import ossref.pipeline
import ossref.publish.kept
from conftest import FIXTURES, REPO, run
from ossref.config import load_config
from ossref.publish.serve import Server
from test_serve_incremental import assert_same_as_full_build, edit, rebuild


@pytest.fixture(autouse=True)
def _fixed_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


@pytest.fixture
def server(tmp_path: Path):
    """The site-basic fixture with the wiki's mkdocs.yml, every file dated a
    minute back: a file written just now is read again until its stat can be
    trusted (``ossref.load.memo.RACY_NS``), which is not what is tested here."""
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "site-basic", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    past = time.time_ns() - 60 * 10**9
    for path in root.rglob("*"):
        os.utime(path, ns=(past, past))
    out, err = io.StringIO(), io.StringIO()
    srv = Server(load_config(root), port=0, out=out, err=err)
    srv.start()
    srv.out_buffer, srv.err_buffer = out, err
    srv.root = root
    assert srv.last_status == 0, out.getvalue() + err.getvalue()
    yield srv
    srv.stop()


@pytest.fixture
def parsed_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every Markdown file parsed, once per parse."""
    calls: list[str] = []
    real = ossref.load.parse.parse_frontmatter

    def counted(text, rel, *args, **kwargs):
        calls.append(rel)
        return real(text, rel, *args, **kwargs)

    monkeypatch.setattr(ossref.load.parse, "parse_frontmatter", counted)
    return calls


def kept_parsed(server: Server) -> list[str]:
    """The pages the preview parsed for its last build; asserts that the
    build's project was made of the kept pages (not by a check loading every page)."""
    preview = server._preview
    assert preview is not None and preview._kept is not None and preview._project is not None
    return preview._kept.parsed


def test_a_rebuild_after_one_edit_parses_only_that_file(server: Server, parsed_paths: list[str],
                                                        tmp_path: Path) -> None:
    edit(server.root / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows no bone at all")
    rebuild(server)
    # Once by the check (its facts) and once for the page the build renders; no other file.
    assert parsed_paths == ["content/beta-lesion.md", "content/beta-lesion.md"]
    assert kept_parsed(server) == ["content/beta-lesion.md"]
    assert "no bone at all" in (server.site_dir / "beta-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, server.root, tmp_path)
    # A file saved within the last RACY_NS is read again (a stat cannot tell
    # a second save in the same tick); once its stat is old, nothing is.
    past = time.time_ns() - 60 * 10**9
    os.utime(server.root / "content" / "beta-lesion.md", ns=(past, past))
    server._rebuild()
    parsed_paths.clear()
    server._rebuild()
    assert parsed_paths == [] and kept_parsed(server) == []


def test_a_bib_record_edit_reaches_the_pages_that_cite_it(server: Server, parsed_paths: list[str],
                                                          tmp_path: Path) -> None:
    edit(server.root / "citations" / "refs.bib", "{{One study of lesions}}", "{{One careful study of lesions}}")
    rebuild(server)
    assert parsed_paths == []  # no page read again
    for page in ("alpha-lesion", "beta-lesion"):  # both cite one2020
        assert "One careful study of lesions" in (server.site_dir / page / "index.html").read_text(), page
    assert "One careful study" not in (server.site_dir / "deep" / "gamma-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, server.root, tmp_path)


def test_a_name_edit_reaches_the_pages_that_read_it(server: Server, parsed_paths: list[str], tmp_path: Path) -> None:
    # The old name stays an alias, so the links written with it still resolve.
    edit(server.root / "content" / "alpha-lesion.md", "condition: Alpha lesion\naliases: [AL, Alpha body]",
         "condition: Alpha tumour\naliases: [AL, Alpha body, Alpha lesion]")
    rebuild(server)
    assert set(parsed_paths) == {"content/alpha-lesion.md"}
    # Beta lists it as a differential, gamma links to it by slug, the home page's A-Z lists it.
    for page in ("beta-lesion/index.html", "deep/gamma-lesion/index.html", "index.html"):
        assert "Alpha tumour" in (server.site_dir / page).read_text(), page
    assert_same_as_full_build(server, server.root, tmp_path)


def test_a_file_saved_again_during_the_rebuild_is_checked_again(server: Server, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """The project rendered is the one checked: a file saved again between
    the check and the reading of its page makes the check run again."""
    beta = server.root / "content" / "beta-lesion.md"
    real = ossref.pipeline.check
    checks: list[int] = []

    def check_then_save(*args, **kwargs):
        result = real(*args, **kwargs)
        if not checks:
            edit(beta, "Beta shows no bone", "Beta shows no bone, second save,")
        checks.append(1)
        return result

    monkeypatch.setattr(ossref.pipeline, "check", check_then_save)
    edit(beta, "Beta shows no bone", "Beta shows no bone, first save,")
    rebuild(server)
    assert len(checks) == 2
    assert "second save" in (server.site_dir / "beta-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, server.root, tmp_path)


def test_rebuilds_print_only_new_findings_and_every_error(server: Server) -> None:
    beta = server.root / "content" / "beta-lesion.md"
    # A new warning is printed; on the next rebuild it is counted, not repeated.
    edit(beta, "summary: The second lesion.\n", "summary: The second lesion.\nflavour: odd\n")
    out = rebuild_output(server)
    new = [line for line in out.splitlines() if "content/beta-lesion.md" in line and "warning[" in line]
    assert new, out
    edit(beta, "Beta shows no bone", "Beta shows no bone still")
    out = rebuild_output(server)
    assert not [line for line in out.splitlines() if "warning[" in line], out
    assert "as in the last check, not repeated" in out
    # An error is printed on every rebuild while it is there.
    edit(beta, "condition: Beta lesion", "condition: [Beta lesion")
    for _ in range(2):
        server.out_buffer.seek(0)
        server.out_buffer.truncate()
        assert server._rebuild() == 1
        assert "error[yaml-syntax]" in server.out_buffer.getvalue()


def rebuild_output(server: Server) -> str:
    server.out_buffer.seek(0)
    server.out_buffer.truncate()
    assert server.rebuild_if_changed() == 0, server.out_buffer.getvalue() + server.err_buffer.getvalue()
    return server.out_buffer.getvalue()


def test_the_first_build_after_a_check_starts_from_its_state_on_disk(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``ossref check`` leaves its state and store; the preview's first
    build takes the facts from the state and (as for a wiki of more than
    ``kept.BULK`` pages) the pages from the store, and still equals a full build."""
    monkeypatch.setattr(ossref.publish.kept, "BULK", 0)
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "site-basic", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    past = time.time_ns() - 60 * 10**9
    for path in root.rglob("*"):
        os.utime(path, ns=(past, past))
    assert run(["check", "--root", str(root)])[0] == 0
    srv = Server(load_config(root), port=0, out=io.StringIO(), err=io.StringIO())
    srv.start()
    try:
        assert srv.last_status == 0
        assert kept_parsed(srv) == []  # every page from the store
        edit(root / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows no bone at all")
        srv.out_buffer, srv.err_buffer = srv.out, srv.err
        assert srv.rebuild_if_changed() == 0
        assert kept_parsed(srv) == ["content/beta-lesion.md"]
        assert_same_as_full_build(srv, root, tmp_path)
    finally:
        srv.stop()

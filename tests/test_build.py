"""``ossref build`` and the MkDocs adapter: a complete site or the previous one, never half.

One module-scoped build of the clean fixture (with the wiki's own mkdocs.yml,
so Material and the real extensions run) serves most assertions; failure
tests stop before MkDocs or replace the adapter, so they stay fast.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run
from ossref.publish import build as build_mod
from ossref.publish import swap as swap_mod
from ossref.mkdocs import adapter as mkdocs_adapter
from ossref.config import load_config

SUBPROCESS = [sys.executable, "-m", "ossref"]

# --------------------------------------------------------------------------- helpers


def tree_hash(folder: Path) -> str:
    """Hash of every path, file type, mode and file content below ``folder``."""
    h = hashlib.sha256()
    if not folder.exists():
        return "absent"
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + oct(st.st_mode).encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def leftovers(parent: Path, name: str = "site") -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def make_old_site(site: Path) -> str:
    (site / "old").mkdir(parents=True)
    (site / "index.html").write_text("<p>previous site</p>")
    (site / "old" / "index.html").write_bytes(b"\x00\x01 binary, exactly")
    return tree_hash(site)


def with_wiki_config(root: Path) -> Path:
    """Give a fixture copy the wiki's own mkdocs.yml (Material, real extensions)."""
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, private to the test: staging leftovers show."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


# --------------------------------------------------------------------------- one real build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("built") / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    with_wiki_config(root)
    sources = tree_hash(root / "content") + tree_hash(root / "citations")
    start = time.monotonic()
    code, out, err = run(["build", "--root", str(root)])
    elapsed = time.monotonic() - start
    return types.SimpleNamespace(root=root, site=root / "site", code=code, out=out, err=err,
                                 sources=sources, elapsed=elapsed)


def test_build_writes_a_site_with_entry_pages(built) -> None:
    assert built.code == 0, built.out + built.err
    assert (built.site / "index.html").is_file()
    for slug in ("myositis-ossificans", "ossified-intramuscular-hematoma", "paraspinal-muscles"):
        assert (built.site / slug / "index.html").is_file(), slug
    assert (built.site / "search" / "search_index.json").is_file()
    assert re.search(r"^built \d+ pages into .*site/ in \d+\.\ds$", built.out, re.M), built.out
    assert built.elapsed < 20


def test_build_prints_the_check_report(built) -> None:
    assert "0 errors, 0 warnings" in built.out


def test_build_leaves_no_temporary_folders(built) -> None:
    assert leftovers(built.root) == []
    assert not list(built.root.rglob("ossref-staging-*"))


def test_build_does_not_touch_content_or_citations(built) -> None:
    assert tree_hash(built.root / "content") + tree_hash(built.root / "citations") == built.sources


def test_entry_pages_keep_content_urls_and_edit_links(built) -> None:
    html = (built.site / "myositis-ossificans" / "index.html").read_text()
    # edit_uri is relative to the repository: the staged path must equal the source path.
    assert "https://github.com/ossref/ossref/edit/main/content/myositis-ossificans.md" in html
    assert "ossref-staging" not in html


def test_entries_are_built_but_not_in_the_nav(built) -> None:
    html = (built.site / "index.html").read_text()
    links = set(re.findall(r'<a href="([^"#]*)" class="md-nav__link', html))
    assert links == {".", "references/", "tags/"}, links
    assert (built.site / "references" / "index.html").is_file()
    assert (built.site / "tags" / "index.html").is_file()


def test_site_dir_default_comes_from_mkdocs_yml(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: content\nsite_dir: public\n")
    (tmp_path / "content").mkdir()
    assert build_mod.default_site_dir(load_config(tmp_path)) == tmp_path.resolve() / "public"
    (tmp_path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: content\n")
    assert build_mod.default_site_dir(load_config(tmp_path)) == tmp_path.resolve() / "site"


# --------------------------------------------------------------------------- failures keep the old site


def test_failing_check_leaves_the_site_byte_for_byte(project, private_tmp: Path) -> None:
    root = project("clean")
    before = make_old_site(root / "site")
    entry = root / "content" / "myositis-ossificans.md"
    entry.write_text(entry.read_text().replace("aliases: [MO]", "aliases: [MO"))
    code, out, err = run(["build", "--root", str(root)])
    assert code == 1
    assert "error[yaml-syntax]" in out
    assert "not built" in err
    assert tree_hash(root / "site") == before
    assert leftovers(root) == [] and list(private_tmp.iterdir()) == []


def test_strict_refuses_to_build_on_warnings(project) -> None:
    root = project("unused-reference")
    before = make_old_site(root / "site")
    code, out, _ = run(["build", "--root", str(root), "--strict"])
    assert code == 1 and "warning[unused-reference]" in out
    assert tree_hash(root / "site") == before


class Boom(Exception):
    pass


@pytest.mark.parametrize("raised, exit_code", [
    (Boom("adapter crashed"), 3),
    (KeyboardInterrupt(), 130),
    (build_mod.Interrupted(signal.SIGTERM), 128 + signal.SIGTERM),
    (mkdocs_adapter.BuildFailed([mkdocs_adapter.Problem("myositis-ossificans.md", "boom")]), 1),
])
def test_build_failing_midway_leaves_the_site_whole(project, private_tmp, monkeypatch, raised, exit_code) -> None:
    root = project("clean")
    before = make_old_site(root / "site")

    seen = []

    def half_build(project_root, staging, site_dir, sanitize, **options):
        seen.append((staging, site_dir, staging.is_dir()))
        (site_dir / "index.html").write_text("half")
        raise raised

    monkeypatch.setattr(mkdocs_adapter, "build_html", half_build)
    code, out, err = run(["build", "--root", str(root)])
    assert code == exit_code, out + err
    [(staging, site_dir, staged)] = seen
    assert staged and staging.parent == private_tmp
    assert site_dir.parent == root and site_dir.name.startswith(".site.tmp-")
    assert tree_hash(root / "site") == before
    assert leftovers(root) == []
    assert list(private_tmp.iterdir()) == []


def test_mkdocs_failure_is_a_render_error_on_the_page(project, monkeypatch) -> None:
    root = project("clean")

    def failing(project_root, staging, site_dir, sanitize, **options):
        raise mkdocs_adapter.BuildFailed([
            mkdocs_adapter.Problem("myositis-ossificans.md", "Doc file 'myositis-ossificans.md' contains a link 'x.md'"),
            mkdocs_adapter.Problem("tags/index.md", "bad"),
            mkdocs_adapter.Problem(None, "theme exploded"),
        ])

    monkeypatch.setattr(mkdocs_adapter, "build_html", failing)
    code, out, err = run(["build", "--root", str(root)])
    assert code == 1
    assert "content/myositis-ossificans.md:1:1: error[render-error] page could not be rendered: Doc file" in out
    assert "mkdocs.yml:1:1: error[render-error] generated page tags/index.md could not be rendered: bad" in out
    assert "mkdocs.yml:1:1: error[render-error] site could not be built: theme exploded" in out
    assert not (root / "site").exists()


def test_a_first_build_failure_creates_no_site(project, monkeypatch) -> None:
    root = project("clean")
    monkeypatch.setattr(mkdocs_adapter, "build_html", lambda *a, **k: (_ for _ in ()).throw(Boom()))
    assert run(["build", "--root", str(root)])[0] == 3
    assert not (root / "site").exists() and leftovers(root) == []


def test_sigterm_during_build_leaves_the_previous_site(project, tmp_path: Path) -> None:
    root = with_wiki_config(project("clean"))
    # A hook (code, like any in mkdocs.yml) that stalls once every page is
    # written to the temporary folder: the signal lands mid-build for sure.
    (root / "stall.py").write_text("import time\n\ndef on_post_build(config):\n    time.sleep(60)\n")
    with open(root / "mkdocs.yml", "a") as fh:
        fh.write("\nhooks:\n  - stall.py\n")
    before = make_old_site(root / "site")
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    env = {**os.environ, "TMPDIR": str(systemp)}
    proc = subprocess.Popen([*SUBPROCESS, "build", "--root", str(root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any((p / "index.html").exists() for p in root.glob(".site.tmp-*")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never reached MkDocs"
            time.sleep(0.02)
        assert list(systemp.glob("ossref-staging-*"))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    assert "Traceback" not in err
    assert tree_hash(root / "site") == before
    assert leftovers(root) == []
    assert list(systemp.iterdir()) == []


# --------------------------------------------------------------------------- the output folder


@pytest.mark.parametrize("where", ["content", "content/sub", "citations", ".", "..", "content/.."])
def test_site_dir_that_could_clobber_the_project_is_refused(project, where: str) -> None:
    root = project("clean")
    before = tree_hash(root)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(root / where)])
    assert code == 2, out + err
    assert err.startswith("ossref: site dir ")
    assert tree_hash(root) == before


@pytest.mark.parametrize("marker", [".git", "mkdocs.yml", "notes.txt"])
def test_site_dir_that_is_not_a_site_is_refused(project, tmp_path: Path, marker: str) -> None:
    root = project("clean")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / marker).write_text("mine")
    (other / "index.html").write_text("") if marker != "notes.txt" else None
    before = tree_hash(other)
    code, _, err = run(["build", "--root", str(root), "--site-dir", str(other)])
    assert code == 2 and "not" in err and "site" in err
    assert tree_hash(other) == before


def test_check_never_writes_into_content_or_citations(project) -> None:
    root = project("clean")
    before = tree_hash(root / "content") + tree_hash(root / "citations")
    for _ in range(2):  # the second run may use the cache
        assert run(["check", "--root", str(root)])[0] == 0
    assert tree_hash(root / "content") + tree_hash(root / "citations") == before


# --------------------------------------------------------------------------- the swap


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_swap_replaces_the_whole_folder(tmp_path: Path, monkeypatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(swap_mod, "_exchange", lambda a, b: False)
    target, new = tmp_path / "site", tmp_path / ".site.tmp-1"
    make_old_site(target)
    (new / "sub").mkdir(parents=True)
    (new / "sub" / "new.html").write_text("new")
    build_mod.swap_in(new, target)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == ["sub", "sub/new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_swap_into_a_missing_target_is_one_rename(tmp_path: Path) -> None:
    new = tmp_path / ".site.tmp-1"
    new.mkdir()
    build_mod.swap_in(new, tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.skipif(swap_mod._renameat2 is None, reason="no renameat2 in this libc")
def test_renameat2_exchange_is_used_on_linux(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    assert swap_mod._exchange(a, b) is True
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


# --------------------------------------------------------------------------- the adapter alone


def stage(folder: Path, pages: dict[str, str]) -> Path:
    for rel, text in pages.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    root = tmp_path / "wiki"
    root.mkdir()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def test_adapter_sanitizes_every_page_body(wiki: Path, tmp_path: Path, capsys) -> None:
    staging = stage(tmp_path / "staging", {
        "index.md": "# Home\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n",
        "references.md": "# References\n",
        "tags/index.md": "# Tags\n",
        "a.md": "# A\n\n<a href=\"javascript:alert(3)\">x</a> [B](b.md)\n",
        "b.md": "# B\n",
    })
    seen: list[str] = []

    def sanitize(html: str) -> str:
        seen.append(html)
        from ossref.site.sanitize import sanitize_html
        return sanitize_html(html)

    site = tmp_path / "out"
    mkdocs_adapter.build_html(wiki, staging, site, sanitize)
    assert len(seen) == 5
    index = (site / "index.html").read_text()
    assert "alert(1)" not in index and "onerror" not in index
    a = (site / "a" / "index.html").read_text()
    assert "javascript:alert(3)" not in a and 'href="../b/"' in a
    assert (site / "b" / "index.html").is_file()  # not in the nav, still built
    assert capsys.readouterr() == ("", "")  # nothing printed
    assert mkdocs_adapter._TEMPLATES._store  # compiled templates kept for the next build


def test_adapter_turns_mkdocs_warnings_into_a_failure(wiki: Path, tmp_path: Path, capsys) -> None:
    staging = stage(tmp_path / "staging", {"index.md": "# Home\n", "a.md": "# A\n\n[gone](missing.md)\n"})
    mkdocs_logger = logging.getLogger("mkdocs")
    state = (mkdocs_logger.handlers[:], mkdocs_logger.level, mkdocs_logger.propagate)
    with pytest.raises(mkdocs_adapter.BuildFailed) as caught:
        mkdocs_adapter.build_html(wiki, staging, tmp_path / "out", lambda html: html)
    [problem] = caught.value.problems
    assert problem.page == "a.md" and "missing.md" in problem.message
    assert capsys.readouterr() == ("", "")
    assert (mkdocs_logger.handlers, mkdocs_logger.level, mkdocs_logger.propagate) == state


def test_adapter_names_the_page_an_extension_crashes_on(wiki: Path, tmp_path: Path) -> None:
    staging = stage(tmp_path / "staging", {"index.md": "# Home\n", "bad.md": "# Bad\n"})

    def sanitize(html: str) -> str:
        if "Bad" in html:
            raise ValueError("cannot sanitize this")
        return html

    with pytest.raises(mkdocs_adapter.BuildFailed) as caught:
        mkdocs_adapter.build_html(wiki, staging, tmp_path / "out", sanitize)
    assert [p.page for p in caught.value.problems] == ["bad.md"]
    assert "cannot sanitize this" in caught.value.problems[0].message


def test_pages_left_out_of_the_nav_never_fail_the_build(wiki: Path, tmp_path: Path) -> None:
    with open(wiki / "mkdocs.yml", "a") as fh:
        fh.write("validation:\n  nav:\n    omitted_files: warn\n")
    staging = stage(tmp_path / "staging", {"index.md": "# Home\n", "a.md": "# A\n", "deep/b.md": "# B\n"})
    mkdocs_adapter.build_html(wiki, staging, tmp_path / "out", lambda html: html)
    assert (tmp_path / "out" / "deep" / "b" / "index.html").is_file()


def test_adapter_nav_lists_only_staged_generated_pages(tmp_path: Path) -> None:
    staging = stage(tmp_path, {"index.md": "", "tags/index.md": "", "x.md": ""})
    assert mkdocs_adapter._nav(staging) == [{"Home": "index.md"}, {"Tags": "tags/index.md"}]


@pytest.mark.parametrize("setting, message", [
    ("theme:\n  name: no-such-theme\n", "no-such-theme"),
    ("no_such_option: 1\n", "no_such_option"),
])
def test_adapter_reports_a_config_mkdocs_refuses(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n" + setting)
    staging = stage(tmp_path / "staging", {"index.md": "# Home\n"})
    with pytest.raises(mkdocs_adapter.ConfigFailed, match=message):
        mkdocs_adapter.build_html(tmp_path, staging, tmp_path / "out", lambda h: h)


def test_build_exits_2_when_mkdocs_refuses_the_config(project) -> None:
    root = project("clean")
    with open(root / "mkdocs.yml", "a") as fh:
        fh.write("theme:\n  name: no-such-theme\n")
    out, err = io.StringIO(), io.StringIO()
    code = build_mod.build(load_config(root), root / "site", False, out, err)
    assert code == 2 and "no-such-theme" in err.getvalue()
    assert not (root / "site").exists() and leftovers(root) == []


def test_generated_pages_have_no_edit_link(project, tmp_path) -> None:
    root = project("clean")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as fh:
        fh.write("edit_uri: https://example.org/edit/main/content/\n")
    assert run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])[0] == 0
    entry = (tmp_path / "site" / "myositis-ossificans" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/edit/main/content/myositis-ossificans.md"' in entry
    for generated in ("index.html", "references/index.html", "tags/index.html"):
        assert "example.org/edit" not in (tmp_path / "site" / generated).read_text(encoding="utf-8"), generated

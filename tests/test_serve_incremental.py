"""``ossref serve`` rebuilds incrementally: the site it serves equals a fresh full build.

Each test drives a real preview server (Material, its search, the wiki's own
extensions) through edits and, after every rebuild, compares every file of
the served site with a full ``ossref build`` of the same sources, byte for
byte. SOURCE_DATE_EPOCH pins the build date (the "cited" date of "Cite this
page"), the only time-dependent output, so nothing needs to be ignored; the live-reload
script is added when a page is sent, never written to the site.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from ossref.publish.build import build
from ossref.config import load_config
from ossref.site.deferred import Deferred
from ossref.publish.serve import Server


@pytest.fixture(autouse=True)
def _fixed_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    """The site-basic fixture (entries in a subfolder, an image, a topic page)
    with the wiki's own mkdocs.yml: Material and its search."""
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "site-basic", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


@pytest.fixture
def server(wiki: Path):
    out, err = io.StringIO(), io.StringIO()
    srv = Server(load_config(wiki), port=0, out=out, err=err)
    srv.start()
    srv.out_buffer, srv.err_buffer = out, err
    assert srv.last_status == 0, out.getvalue() + err.getvalue()
    yield srv
    srv.stop()


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_full_build(server: Server, root: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    out, err = io.StringIO(), io.StringIO()
    assert build(load_config(root), full, False, out, err) == 0, out.getvalue() + err.getvalue()
    served, expected = files_of(server.site_dir), files_of(full)
    assert sorted(served) == sorted(expected)
    differing = [name for name in expected if served[name] != expected[name]]
    assert differing == []


def rebuild(server: Server) -> str:
    """Rebuild after an edit; returns the build's summary line."""
    server.out_buffer.seek(0)
    server.out_buffer.truncate()
    status = server.rebuild_if_changed()
    output = server.out_buffer.getvalue()
    assert status == 0, output + server.err_buffer.getvalue()
    return [line for line in output.splitlines() if line.startswith("built ")][-1]


def rendered(summary: str) -> int | None:
    """Pages MkDocs rendered in an incremental build; None for a full build."""
    if "rendered, the rest unchanged" not in summary:
        return None
    return int(summary.rsplit("(", 1)[1].split()[0])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def search_locations(site: Path) -> set[str]:
    index = json.loads((site / "search" / "search_index.json").read_text())
    return {doc["location"].split("#")[0] for doc in index["docs"]}


def test_a_sequence_of_edits_equals_a_full_build_each_time(server: Server, wiki: Path, tmp_path: Path) -> None:
    content = wiki / "content"
    assert_same_as_full_build(server, wiki, tmp_path)

    # Body text: only that page changes.
    edit(content / "beta-lesion.md", "Beta shows no bone", "Beta shows no bone at all")
    assert rendered(rebuild(server)) == 1
    assert "no bone at all" in (server.site_dir / "beta-lesion" / "index.html").read_text()
    assert search_locations(server.site_dir) >= {"alpha-lesion/", "beta-lesion/", "deep/gamma-lesion/", "overview/"}
    assert_same_as_full_build(server, wiki, tmp_path)

    # A new cross-link: the target's "What links here" changes too.
    edit(content / "beta-lesion.md", "Compare [[alpha-lesion]].", "Compare [[alpha-lesion]] and [[Gamma lesion]].")
    assert rendered(rebuild(server)) == 2
    assert "Beta lesion" in (server.site_dir / "deep" / "gamma-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, wiki, tmp_path)

    # A new differential, both ways: both tables and "Listed as a differential of".
    edit(content / "deep" / "gamma-lesion.md", "tags: [muscle]\n",
         "tags: [muscle]\ndifferentials:\n  - entry: beta-lesion\n    distinguishing: Beta is shallow.\n")
    edit(content / "beta-lesion.md", "    distinguishing: Alpha has bone.\n",
         "    distinguishing: Alpha has bone.\n  - entry: Gamma lesion\n    distinguishing: Gamma is deep.\n")
    rebuild(server)
    assert "Gamma is deep." in (server.site_dir / "beta-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, wiki, tmp_path)

    # An alias: the A-Z home page lists it.
    edit(content / "beta-lesion.md", "condition: Beta lesion\n", "condition: Beta lesion\naliases: [Second lesion]\n")
    rebuild(server)
    assert "Second lesion" in (server.site_dir / "index.html").read_text()
    assert_same_as_full_build(server, wiki, tmp_path)

    # A new tag: a new tag page, the tags index and the entry.
    edit(content / "beta-lesion.md", "tags: [muscle]", "tags: [muscle, shallow]")
    rebuild(server)
    assert (server.site_dir / "tags" / "shallow" / "index.html").is_file()
    assert_same_as_full_build(server, wiki, tmp_path)

    # Deleting a page: gone from the site, the A-Z, the references' "Cited in" and the search index.
    (content / "overview.md").unlink()
    rebuild(server)
    assert not (server.site_dir / "overview").exists()
    assert "overview/" not in search_locations(server.site_dir)
    assert_same_as_full_build(server, wiki, tmp_path)

    # Renaming an entry: linked by name, the links follow; the old URL is gone.
    (content / "deep" / "gamma-lesion.md").rename(content / "deep" / "gamma.md")
    rebuild(server)
    assert not (server.site_dir / "deep" / "gamma-lesion").exists()
    assert (server.site_dir / "deep" / "gamma" / "index.html").is_file()
    assert_same_as_full_build(server, wiki, tmp_path)

    # A BibTeX change is a full rebuild.
    edit(wiki / "citations" / "refs.bib", "{Two studies}", "{Two careful studies}")
    assert rendered(rebuild(server)) is None
    assert "Two careful studies" in (server.site_dir / "references" / "index.html").read_text()
    assert_same_as_full_build(server, wiki, tmp_path)

    # And the next edit is incremental again.
    edit(content / "alpha-lesion.md", "First two", "First, two")
    assert rendered(rebuild(server)) == 1
    assert_same_as_full_build(server, wiki, tmp_path)


def test_an_image_added_changed_and_removed(server: Server, wiki: Path, tmp_path: Path) -> None:
    image = wiki / "content" / "img" / "figure.png"
    extra = wiki / "content" / "img" / "second.png"
    shutil.copy(image, extra)
    rebuild(server)
    assert (server.site_dir / "img" / "second.png").read_bytes() == image.read_bytes()
    extra.write_bytes(image.read_bytes() + b"\0")
    rebuild(server)
    assert (server.site_dir / "img" / "second.png").read_bytes() == image.read_bytes() + b"\0"
    assert_same_as_full_build(server, wiki, tmp_path)
    extra.unlink()
    rebuild(server)
    assert not (server.site_dir / "img" / "second.png").exists()
    assert_same_as_full_build(server, wiki, tmp_path)


def test_mkdocs_yml_and_theme_changes_are_full_rebuilds(server: Server, wiki: Path, tmp_path: Path) -> None:
    with open(wiki / "mkdocs.yml", "a") as fh:
        fh.write("copyright: Changed here\n")
    assert rendered(rebuild(server)) is None
    assert "Changed here" in (server.site_dir / "beta-lesion" / "index.html").read_text()

    # A theme override: the custom_dir is watched, and a change to it rebuilds every page.
    overrides = wiki / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text('{% extends "base.html" %}\n{% block announce %}First notice{% endblock %}\n')
    with open(wiki / "mkdocs.yml", "a") as fh:
        fh.write("theme:\n  name: material\n  custom_dir: overrides\n  font: false\n")
    assert rendered(rebuild(server)) is None
    (overrides / "main.html").write_text('{% extends "base.html" %}\n{% block announce %}Second notice{% endblock %}\n')
    assert rendered(rebuild(server)) is None
    assert "Second notice" in (server.site_dir / "beta-lesion" / "index.html").read_text()
    assert_same_as_full_build(server, wiki, tmp_path)


def test_a_project_with_other_plugins_always_builds_in_full(server: Server, wiki: Path, tmp_path: Path) -> None:
    (wiki / "hook.py").write_text("def on_page_markdown(markdown, **kwargs):\n    return markdown\n")
    with open(wiki / "mkdocs.yml", "a") as fh:
        fh.write("hooks:\n  - hook.py\n")
    rebuild(server)
    edit(wiki / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows little bone")
    assert rendered(rebuild(server)) is None  # a hook may read every page
    assert_same_as_full_build(server, wiki, tmp_path)


def test_a_failed_rebuild_keeps_the_site_and_the_next_one_catches_up(server: Server, wiki: Path,
                                                                     tmp_path: Path) -> None:
    beta = wiki / "content" / "beta-lesion.md"
    before = files_of(server.site_dir)
    edit(beta, "condition: Beta lesion", "condition: [Beta lesion")
    assert server.rebuild_if_changed() == 1
    assert files_of(server.site_dir) == before
    # Fixed, with an edit elsewhere made while it was broken: both show.
    edit(beta, "condition: [Beta lesion", "condition: Beta lesion")
    edit(wiki / "content" / "alpha-lesion.md", "First two", "First, two")
    edit(beta, "Beta shows no bone", "Beta shows no bone today")
    assert rendered(rebuild(server)) == 2
    assert_same_as_full_build(server, wiki, tmp_path)


def test_an_edit_that_stages_nothing_new_renders_no_page(server: Server, wiki: Path, tmp_path: Path) -> None:
    # Trailing white space at the end of the body is not staged.
    with open(wiki / "content" / "beta-lesion.md", "a") as fh:
        fh.write("\n\n")
    assert rendered(rebuild(server)) == 0
    assert_same_as_full_build(server, wiki, tmp_path)


def test_sitemap_after_an_updated_date_changes_equals_the_full_build(server: Server, wiki: Path,
                                                                    tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    def lastmod(site: Path) -> dict[str, str | None]:
        ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        return {u.findtext("sm:loc", namespaces=ns): u.findtext("sm:lastmod", namespaces=ns)
                for u in ET.parse(site / "sitemap.xml").getroot().findall("sm:url", ns)}

    base = "https://ossref.github.io/ossref/"
    assert lastmod(server.site_dir)[base + "alpha-lesion/"] == "2025-01-02"
    # One entry's date changes; gamma's (also dated) and the undated pages do not.
    edit(wiki / "content" / "alpha-lesion.md", "updated: 2025-01-02", "updated: 2025-03-04")
    assert rendered(rebuild(server)) == 1  # MkDocs read alpha's front matter only
    served = lastmod(server.site_dir)
    assert served[base + "alpha-lesion/"] == "2025-03-04"
    assert served[base + "deep/gamma-lesion/"] == "2024-06-30"
    assert served[base + "beta-lesion/"] is None
    full = tmp_path / "full"
    out, err = io.StringIO(), io.StringIO()
    assert build(load_config(wiki), full, False, out, err) == 0, out.getvalue() + err.getvalue()
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        assert (server.site_dir / name).read_bytes() == (full / name).read_bytes(), name
    assert_same_as_full_build(server, wiki, tmp_path)

    # A date given to an undated page, with no other change to what it shows.
    edit(wiki / "content" / "beta-lesion.md", "tags: [muscle]\n", "tags: [muscle]\nupdated: 2025-05-06\n")
    rebuild(server)
    assert lastmod(server.site_dir)[base + "beta-lesion/"] == "2025-05-06"
    assert_same_as_full_build(server, wiki, tmp_path)


@pytest.fixture
def pagefind_server(wiki: Path):
    """``server`` on the same wiki with ``search: pagefind``."""
    config = (wiki / "mkdocs.yml").read_text()
    (wiki / "mkdocs.yml").write_text(config.replace("\n  ossref:\n", "\n  ossref:\n    search: pagefind\n", 1))
    out, err = io.StringIO(), io.StringIO()
    srv = Server(load_config(wiki), port=0, out=out, err=err)
    srv.start()
    try:
        srv.out_buffer, srv.err_buffer = out, err
        assert srv.last_status == 0, out.getvalue() + err.getvalue()
        yield srv
    finally:
        srv.stop()


def test_pagefind_search_is_rebuilt_whole(tmp_path: Path, wiki: Path, pagefind_server: Server) -> None:
    srv, out = pagefind_server, pagefind_server.out_buffer
    assert "search index updated" not in out.getvalue()  # the first build indexed before serving
    edit(wiki / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows xylophonic bone")
    assert rendered(rebuild(srv)) == 1
    # The edit was served with the previous index, then indexed again.
    assert out.getvalue().count("search index updated") == 1
    fragments = b"".join(v for k, v in files_of(srv.site_dir).items() if k.startswith("pagefind-text/fragment/"))
    assert fragments  # compressed: the equality below is what shows the new text is indexed
    assert_same_as_full_build(srv, wiki, tmp_path)


def test_tokens_depend_on_the_fragment_and_the_key_only() -> None:
    key = b"k" * 16
    first, second = Deferred(key), Deferred(key)
    assert first.token("<p>a</p>") == second.token("<p>a</p>")
    assert first.token("<p>a</p>") != first.token("<p>b</p>")
    assert Deferred(b"j" * 16).token("<p>a</p>") != first.token("<p>a</p>")
    assert Deferred().token("<p>a</p>") != Deferred().token("<p>a</p>")  # a random key each


def test_an_edit_during_indexing_postpones_the_index_until_after_its_rebuild(
        tmp_path: Path, wiki: Path, pagefind_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from ossref.site import search

    srv, out = pagefind_server, pagefind_server.out_buffer
    real = search.index_site
    calls: list[bool] = []

    def edited_meanwhile(site, bundles=(search.BUNDLE_DIR, search.TEXT_BUNDLE_DIR), stop=None):
        calls.append(stop is not None)
        if len(calls) == 1:  # the first refresh: an edit lands while Pagefind runs
            edit(wiki / "content" / "beta-lesion.md", "xylophonic", "marimbaphonic")
            assert stop is not None and stop()
            raise search.SearchStopped("stopped")
        return real(site, bundles, stop)

    monkeypatch.setattr(search, "index_site", edited_meanwhile)
    edit(wiki / "content" / "beta-lesion.md", "Beta shows no bone", "Beta shows xylophonic bone")
    rebuild(srv)
    assert "search index postponed" in out.getvalue() and calls == [True]
    rebuild(srv)  # the second edit, then the index of both
    assert "search index updated" in out.getvalue() and calls == [True, True]
    assert_same_as_full_build(srv, wiki, tmp_path)

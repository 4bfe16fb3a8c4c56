"""Incremental by dependency: after any edit, the incremental site equals a clean full build.

A small wiki (entries with aliases, tags, links by slug, name, alias and
anchor, differentials, citations with locators, a topic page, a home page
and a ``.bib`` file) is kept as a model; Hypothesis applies a generated
sequence of edits of every kind to it (see :data:`EDITS`), the files are
written again from the model (only those whose bytes changed), and after
every edit:

- ``test_staged_markdown_equals_full_render``: the staging folder
  :class:`ossref.site.incremental.StagedSite` keeps up to date is compared
  with :func:`ossref.site.render.render_site` of the same project into an
  empty folder, file by file and byte for byte, render diagnostics too;
- ``test_served_site_equals_full_build``: the site ``ossref serve``
  serves after its rebuild is compared with a full ``ossref build``, byte
  for byte (MkDocs included, so fewer examples).

An edit that leaves the project failing its check (a front matter broken on
purpose, a citation of a record just removed) is built by neither: the next
edit that fixes it is compared. SOURCE_DATE_EPOCH pins the build date.
Derandomized with a bounded number of examples (about 20 s on an idle
2-core machine), so the default test run, and with it CI, runs them
the same way every time.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from ossref.config import load_config
from ossref.pipeline import apply_rules, check
from ossref.site.deferred import Deferred
from ossref.site.incremental import StagedSite
from ossref.site.render import render_site
from ossref.site.resolve import resolve
from ossref.site.sitemap import lastmod_dates

EPOCH = "1767225600"  # 2026-01-01

MKDOCS_YML = """site_name: Incremental wiki
site_url: https://example.org/wiki/
docs_dir: content
markdown_extensions:
  - toc:
      permalink: true
  - tables
"""


# --------------------------------------------------------------------------- the model


@dataclass
class Entry:
    slug: str
    condition: str
    aliases: list[str] = field(default_factory=list)
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    differentials: list[tuple[str, str]] = field(default_factory=list)  # (entry id, text)
    references: list[str] = field(default_factory=list)
    cites: list[tuple[str, str]] = field(default_factory=list)  # (key, locator)
    links: list[tuple[str, str]] = field(default_factory=list)  # (entry id, how: slug|name|alias|anchor)
    extra: list[str] = field(default_factory=list)
    broken: bool = False
    heading: str = "Imaging"


@dataclass
class Wiki:
    entries: dict[str, Entry]  # by a stable id
    records: dict[str, str]  # key -> title
    topic_links: list[str] = field(default_factory=list)  # entry ids
    topic_tags: list[str] = field(default_factory=list)
    home_links: list[str] = field(default_factory=list)
    renamed: int = 0


def start() -> Wiki:
    records = {f"ref{i}": f"Study number {i} of lesions" for i in range(5)}
    entries = {
        "a": Entry("alpha-lesion", "Alpha lesion", ["AL"], "The first lesion.", ["muscle", "bone"],
                   [("b", "Beta has no bone.")], ["ref0", "ref1"], [("ref1", ""), ("ref2", "p. 3")],
                   [("b", "slug"), ("c", "anchor")]),
        "b": Entry("beta-lesion", "Beta lesion", ["BL", "Beta body"], "The second.", ["muscle"],
                   [("a", "Alpha has bone.")], ["ref2"], [("ref0", "")], [("a", "alias")]),
        "c": Entry("gamma-lesion", "Gamma lesion", [], "", ["Bone"], [], [], [("ref3", "")], [("a", "name")]),
        "d": Entry("delta-lesion", "Delta lesion", ["DL"], "Fourth.", [], [("a", "")], ["ref4"], [], []),
    }
    return Wiki(entries, records, ["a", "c"], ["imaging"], ["b"])


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _link(wiki: Wiki, target: str, how: str) -> str:
    entry = wiki.entries.get(target)
    if entry is None:
        return ""
    if how == "slug":
        return f"[[{entry.slug}]]"
    if how == "alias" and entry.aliases:
        return f"[[{entry.aliases[0]}|see {entry.aliases[0]}]]"
    if how == "anchor":
        return f"[[{entry.slug}#Findings]] and [{entry.condition}]({entry.slug}.md#findings)"
    return f"[[{entry.condition}]]"


def entry_text(wiki: Wiki, entry: Entry) -> str:
    if entry.broken:
        return "---\ncondition: [unclosed\nsummary: {\n---\n\nBroken on purpose.\n"
    lines = ["---", f"condition: \"{entry.condition}\""]
    if entry.aliases:
        lines.append(f"aliases: {_yaml_list(entry.aliases)}")
    if entry.summary:
        lines.append(f"summary: \"{entry.summary}\"")
    if entry.tags:
        lines.append(f"tags: {_yaml_list(entry.tags)}")
    lines.append("updated: 2025-01-02")
    differentials = [(wiki.entries[t], text) for t, text in entry.differentials if t in wiki.entries]
    if differentials:
        lines.append("differentials:")
        for target, text in differentials:
            lines.append(f"  - entry: {target.slug}")
            if text:
                lines.append(f"    distinguishing: \"{text}\"")
    if entry.references:
        lines.append(f"references: {_yaml_list(entry.references)}")
    lines += ["---", "", "## Findings", ""]
    body = [f"Sentence {i} of {entry.condition.lower()}." for i in range(2)]
    for key, locator in entry.cites:
        body.append(f"As reported [@{key}{', ' + locator if locator else ''}].")
    for target, how in entry.links:
        text = _link(wiki, target, how)
        if text:
            body.append(f"Compare {text}.")
    body += entry.extra
    lines += [" ".join(body), "", f"## {entry.heading}", "", "Radiographs show it.", ""]
    return "\n".join(lines)


def files_of_model(wiki: Wiki) -> dict[str, str]:
    files = {"mkdocs.yml": MKDOCS_YML}
    for entry in wiki.entries.values():
        files[f"content/{entry.slug}.md"] = entry_text(wiki, entry)
    topic = ["---", "title: Imaging of lesions"]
    if wiki.topic_tags:
        topic.append(f"tags: {_yaml_list(wiki.topic_tags)}")
    topic += ["description: How lesions look.", "---", "", "# Imaging of lesions", ""]
    topic += [f"See {_link(wiki, t, 'name')}." for t in wiki.topic_links if t in wiki.entries]
    files["content/topics/imaging.md"] = "\n".join(topic) + "\n"
    home = ["# Home of the wiki", "", "Welcome."] + [f"Start at {_link(wiki, t, 'slug')}."
                                                    for t in wiki.home_links if t in wiki.entries]
    files["content/index.md"] = "\n".join(home) + "\n"
    bib = []
    for key, title in wiki.records.items():
        bib.append(f"@article{{{key},\n  author = {{Adams, Carl and Brown, Dee}},\n  title = {{{title}}},\n"
                   f"  journal = {{J Test}},\n  year = {{2020}},\n  doi = {{10.1000/{key}}},\n}}\n")
    files["citations/refs.bib"] = "\n".join(bib)
    return files


def write(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` under ``root`` (only those whose bytes changed) and
    delete the Markdown and BibTeX files that are not among them."""
    for rel, text in files.items():
        path = root / rel
        data = text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in [*root.joinpath("content").rglob("*.md"), *root.joinpath("citations").rglob("*.bib")]:
        if path.relative_to(root).as_posix() not in files:
            path.unlink()


# --------------------------------------------------------------------------- the edits


def _entry(wiki: Wiki, n: int) -> Entry:
    ids = sorted(wiki.entries)
    return wiki.entries[ids[n % len(ids)]]


def _other(wiki: Wiki, n: int, than: Entry) -> str | None:
    ids = [i for i in sorted(wiki.entries) if wiki.entries[i] is not than]
    return ids[n % len(ids)] if ids else None


def edit_body(wiki: Wiki, n: int) -> None:
    _entry(wiki, n).extra.append(f"An appended sentence {n}.")


def change_title(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    entry.condition = f"{entry.condition.split(' (')[0]} ({n})"


def change_summary(wiki: Wiki, n: int) -> None:
    _entry(wiki, n).summary = f"Summary version {n}."


def add_alias(wiki: Wiki, n: int) -> None:
    _entry(wiki, n).aliases.append(f"Alias {n}")


def remove_alias(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    if entry.aliases:
        entry.aliases.pop(n % len(entry.aliases))


def add_differential(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    other = _other(wiki, n // 3, entry)
    if other is not None and all(t != other for t, _ in entry.differentials):
        entry.differentials.append((other, f"Differs {n}."))


def remove_differential(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    if entry.differentials:
        entry.differentials.pop(n % len(entry.differentials))


def add_citation(wiki: Wiki, n: int) -> None:
    keys = sorted(wiki.records)
    if keys:
        _entry(wiki, n).cites.append((keys[n % len(keys)], "p. 9" if n % 2 else ""))


def remove_citation(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    if entry.cites:
        entry.cites.pop(n % len(entry.cites))


def add_link(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    other = _other(wiki, n // 2, entry)
    if other is not None:
        entry.links.append((other, ("slug", "name", "alias", "anchor")[n % 4]))


def edit_record(wiki: Wiki, n: int) -> None:
    keys = sorted(wiki.records)
    if keys:
        wiki.records[keys[n % len(keys)]] = f"A retitled study {n}"


def add_record(wiki: Wiki, n: int) -> None:
    key = f"new{n}"
    wiki.records[key] = f"A new study {n}"
    _entry(wiki, n).references.append(key)


def remove_record(wiki: Wiki, n: int) -> None:
    """Remove a record and, with it, every use of it (several files at once)."""
    keys = sorted(wiki.records)
    if not keys:
        return
    key = keys[n % len(keys)]
    del wiki.records[key]
    for entry in wiki.entries.values():
        entry.references = [k for k in entry.references if k != key]
        entry.cites = [c for c in entry.cites if c[0] != key]


def add_entry(wiki: Wiki, n: int) -> None:
    ident = f"e{n}"
    if ident in wiki.entries:
        return
    target = sorted(wiki.entries)[n % len(wiki.entries)] if wiki.entries else None
    wiki.entries[ident] = Entry(f"lesion-{n}", f"Lesion number {n}", [f"LN{n}"], "Added.", ["new"],
                                [(target, "Added one.")] if target else [], [],
                                [], [(target, "slug")] if target else [])


def delete_entry(wiki: Wiki, n: int) -> None:
    """Delete an entry and every link or differential to it."""
    if len(wiki.entries) <= 1:
        return
    ident = sorted(wiki.entries)[n % len(wiki.entries)]
    del wiki.entries[ident]
    for entry in wiki.entries.values():
        entry.differentials = [d for d in entry.differentials if d[0] != ident]
        entry.links = [link for link in entry.links if link[0] != ident]
    wiki.topic_links = [t for t in wiki.topic_links if t != ident]
    wiki.home_links = [t for t in wiki.home_links if t != ident]


def rename_entry(wiki: Wiki, n: int) -> None:
    """A new file name (slug): links by slug follow, as an editor would fix them."""
    wiki.renamed += 1
    entry = _entry(wiki, n)
    entry.slug = f"{entry.slug.split('--')[0]}--{wiki.renamed}"


def edit_heading(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    entry.heading = "Imaging" if entry.heading != "Imaging" else f"Imaging, stage {n}"


def change_tags(wiki: Wiki, n: int) -> None:
    entry = _entry(wiki, n)
    choices = (["muscle"], ["Muscle", "calcified"], [], ["bone", f"tag {n}"], ["imaging"])
    entry.tags = list(choices[n % len(choices)])


def change_topic(wiki: Wiki, n: int) -> None:
    if n % 2:
        wiki.topic_tags = [] if wiki.topic_tags else ["imaging", "muscle"]
    else:
        other = sorted(wiki.entries)[n % len(wiki.entries)] if wiki.entries else None
        if other is not None:
            wiki.topic_links.append(other)


def break_front_matter(wiki: Wiki, n: int) -> None:
    _entry(wiki, n).broken = True


def fix_front_matter(wiki: Wiki, n: int) -> None:
    for entry in wiki.entries.values():
        entry.broken = False


EDITS = [edit_body, change_title, change_summary, add_alias, remove_alias, add_differential, remove_differential,
         add_citation, remove_citation, add_link, edit_record, add_record, remove_record, add_entry, delete_entry,
         rename_entry, edit_heading, change_tags, change_topic, break_front_matter, fix_front_matter]

edit_lists = st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 50)), min_size=1, max_size=8)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _fixed_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def full_render(root: Path, key: bytes, into: Path):
    config = load_config(root)
    result = check(config, cache=False)
    shutil.rmtree(into, ignore_errors=True)
    diagnostics = apply_rules(render_site(resolve(result.project, config), config, into, Deferred(key).token),
                              config)
    return tree(into), diagnostics


def compare_trees(incremental: dict[str, bytes], full: dict[str, bytes], when: str) -> None:
    assert sorted(incremental) == sorted(full), when
    for rel in full:
        assert incremental[rel] == full[rel], f"{rel} differs {when}"


def when_of(done: list[str]) -> str:
    return "after " + ", ".join(done or ["the first build"])


# --------------------------------------------------------------------------- the tests


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=edit_lists)
def test_staged_markdown_equals_full_render(edits) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, staging, full = Path(tmp, "wiki"), Path(tmp, "staging"), Path(tmp, "full")
        wiki = start()
        write(root, files_of_model(wiki))
        key = b"k" * 16
        site = StagedSite(staging)
        done = []
        for edit, n in [(None, 0), *edits]:
            if edit is not None:
                edit(wiki, n)
                write(root, files_of_model(wiki))
                done.append(f"{edit.__name__}({n})")
            config = load_config(root)
            result = check(config, cache=False)
            assert edit is not None or not result.failed(False), [str(d) for d in result.diagnostics]
            if result.failed(False):
                continue
            staged = site.update(result.project, config, Deferred(key).token, "inputs")
            assert staged.full == (edit is None), when_of(done)
            expected, diagnostics = full_render(root, key, full)
            when = when_of(done)
            compare_trees(tree(staging), expected, when)
            assert apply_rules(staged.diagnostics, config) == diagnostics, when
            assert set(staged.digests) == set(expected), when


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=edit_lists)
def test_staged_markdown_equals_full_render_given_what_changed(edits) -> None:
    """As ``ossref serve`` updates it: the pages whose file did not change
    are the same objects as last time, and ``update`` is told which pages
    were added, removed or changed (``ossref.publish.kept.KeptPages``)."""
    from dataclasses import replace

    with tempfile.TemporaryDirectory() as tmp:
        root, staging, full = Path(tmp, "wiki"), Path(tmp, "staging"), Path(tmp, "full")
        wiki = start()
        write(root, files_of_model(wiki))
        key = b"k" * 16
        site = StagedSite(staging)
        done = []
        last: dict | None = None
        for edit, n in [(None, 0), *edits]:
            if edit is not None:
                edit(wiki, n)
                write(root, files_of_model(wiki))
                done.append(f"{edit.__name__}({n})")
            config = load_config(root)
            result = check(config, cache=False)
            if result.failed(False):
                continue
            pages = {page.path: page for page in result.project.pages}
            hint = None
            if last is not None:
                hint = {path: page for path, page in pages.items()
                        if path not in last or last[path].source != page.source}
                hint.update({path: None for path in last.keys() - pages.keys()})
                pages = {path: page if path in hint else last[path] for path, page in pages.items()}
            project = replace(result.project, pages=list(pages.values()))
            staged = site.update(project, config, Deferred(key).token, "inputs", hint)
            last = pages
            expected, diagnostics = full_render(root, key, full)
            when = when_of(done)
            compare_trees(tree(staging), expected, when)
            assert apply_rules(staged.diagnostics, config) == diagnostics, when
            assert set(staged.digests) == set(expected), when
            assert staged.lastmod == lastmod_dates(resolve(check(config, cache=False).project, config)), when


def test_a_body_edit_renders_one_page(tmp_path: Path) -> None:
    """Bounded work: editing one entry's body re-renders that entry alone,
    not its neighbours, the home page or the lists."""
    root, staging = tmp_path / "wiki", tmp_path / "staging"
    wiki = start()
    write(root, files_of_model(wiki))
    site = StagedSite(staging)
    token = Deferred(b"k" * 16).token
    config = load_config(root)
    first = site.update(check(config, cache=False).project, config, token, "inputs")
    assert first.full
    edit_body(wiki, 0)
    write(root, files_of_model(wiki))
    staged = site.update(check(config, cache=False).project, config, token, "inputs")
    assert not staged.full
    assert staged.rendered == 1
    assert staged.written == [f"{_entry(wiki, 0).slug}.md"]


def test_a_title_change_renders_its_readers(tmp_path: Path) -> None:
    """A new condition name reaches the pages that show it (links written
    by slug, differential tables, backlinks) and the lists, and no other."""
    root, staging = tmp_path / "wiki", tmp_path / "staging"
    wiki = start()
    write(root, files_of_model(wiki))
    site = StagedSite(staging)
    token = Deferred(b"k" * 16).token
    config = load_config(root)
    site.update(check(config, cache=False).project, config, token, "inputs")
    change_title(wiki, 3)  # delta: listed by nobody, links to alpha
    write(root, files_of_model(wiki))
    staged = site.update(check(config, cache=False).project, config, token, "inputs")
    written = {rel for rel in staged.written if rel.endswith(".md")}
    # delta itself, alpha (backlink and "listed as a differential of"), and the lists.
    assert {"delta-lesion.md", "alpha-lesion.md", "index.md"} <= written
    assert "beta-lesion.md" not in written and "gamma-lesion.md" not in written


def test_changed_inputs_make_a_full_render(tmp_path: Path) -> None:
    root, staging = tmp_path / "wiki", tmp_path / "staging"
    write(root, files_of_model(start()))
    site = StagedSite(staging)
    config = load_config(root)
    project = check(config, cache=False).project
    token = Deferred(b"k" * 16).token
    assert site.update(project, config, token, "one").full
    assert not site.update(project, config, token, "one").full
    assert site.update(project, config, token, "two").full


# --------------------------------------------------------------------------- the served site


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 50)), min_size=2, max_size=3))
def test_served_site_equals_full_build(edits) -> None:
    from ossref.publish.build import build
    from ossref.publish.serve import Server

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "wiki")
        wiki = start()
        write(root, files_of_model(wiki))
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        own_yml = (root / "mkdocs.yml").read_text()
        server = Server(load_config(root), port=0, out=io.StringIO(), err=io.StringIO())
        server.start()
        try:
            done = []
            for edit, n in edits:
                edit(wiki, n)
                files = files_of_model(wiki)
                files["mkdocs.yml"] = own_yml
                write(root, files)
                done.append(f"{edit.__name__}({n})")
                # A new modification time whatever the file system's granularity.
                for path in root.rglob("*"):
                    if path.is_file():
                        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
                status = server.rebuild_if_changed()
                if status != 0:
                    continue
                full = Path(tmp, "full")
                assert build(load_config(root), full, False, io.StringIO(), io.StringIO()) == 0
                compare_trees(tree(server.site_dir), tree(full), "after " + ", ".join(done))
        finally:
            server.stop()

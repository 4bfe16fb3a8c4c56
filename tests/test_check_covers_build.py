"""``ossref check`` finds everything ``ossref build`` would refuse (issue #14).

Editors and CI run the check; the site is often built only after the merge.
So every fixture project goes through both commands, and the build may report
nothing the check did not, at the same path, line, column and code. Then the
cases the issue named: an editor's own "Differential diagnosis" and
"References" sections build, with one heading each; reused generated headings,
reserved paths, two pages at one URL and links to missing files are check
findings, where MkDocs would have failed (or dropped a page) at build time.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import FIXTURES, check_json, run
from ossref import pipeline

SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if (p / "mkdocs.yml").is_file())
_LINE = re.compile(r"^(.+?):(\d+):(\d+): (?:error|warning)\[([a-z-]+)\] ", re.M)


def reported(text: str) -> set[tuple[str, int, int, str]]:
    """(path, line, column, code) of every diagnostic line in a text report."""
    return {(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)) for m in _LINE.finditer(text)}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_check_reports_everything_build_reports(scenario: str, tmp_path: Path) -> None:
    root = tmp_path / scenario
    shutil.copytree(FIXTURES / scenario, root, symlinks=True)
    check_code, data = check_json(root, "--no-cache")
    checked = {(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]}
    build_code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    built = reported(out)
    assert built <= checked, f"build reported what check did not: {sorted(built - checked)}\n{err}"
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    # A project the check passes builds; one it fails is not built.
    assert (build_code == 0) == (not errors), out + err
    assert (check_code == 0) == (build_code == 0)


def test_the_comparison_sees_build_only_findings(project, tmp_path, monkeypatch) -> None:
    """The comparison above is not vacuous: with the check's verdict ignored,
    MkDocs does report the fixture's missing files, as render-error."""
    root = project("missing-file")
    monkeypatch.setattr(pipeline.CheckResult, "failed", lambda self, strict: False)
    code, out, _ = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 1
    assert ("content/myositis-ossificans.md", 1, 1, "render-error") in reported(out)


def test_missing_files_are_exactly_the_links_mkdocs_refuses(project, tmp_path, monkeypatch) -> None:
    root = project("missing-file")
    _, data = check_json(root, "--no-cache")
    # A link to a folder (`img/`) MkDocs does not look up; it would be broken
    # on the site, so the check reports it too, apart from these.
    assert [d["message"] for d in data["diagnostics"] if d["message"].startswith("link to `img/`")]
    by_check = sorted(re.match(r"`([^`]+)`", d["message"]).group(1) for d in data["diagnostics"]
                      if not d["message"].startswith("link to `img/`"))
    monkeypatch.setattr(pipeline.CheckResult, "failed", lambda self, strict: False)
    _, out, _ = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    by_mkdocs = sorted(re.findall(r"contains a link '([^']+)', but the target", out))
    assert by_check == by_mkdocs == ["../figure.png", ".drafts/x.png", "files/protocol.pdf", "img/Figure.png",
                                     "img/figure.jpg", "no-such-page.md"]


def test_a_missing_file_appears_and_disappears_between_checks(project) -> None:
    """The file system is read on every run, not cached with the page."""
    root = project("missing-file")
    page = root / "content" / "myositis-ossificans.md"
    page.write_text(page.read_text().split("These are not")[0])
    assert check_json(root)[0] == 0
    (root / "content" / "img" / "figure.png").unlink()
    code, data = check_json(root)
    assert code == 1
    assert [(d["line"], d["code"]) for d in data["diagnostics"]] == [(12, "broken-link"), (13, "broken-link"),
                                                                      (13, "broken-link")]


# --------------------------------------------------------------------------- an editor's own sections


class Page(HTMLParser):
    """The ids of a built page's headings, its table-of-contents links, and
    its text in order with a marker where each element with an id starts."""

    def __init__(self) -> None:
        super().__init__()
        self.heading_ids: list[str] = []
        self.toc: list[str] = []
        self.ids: list[str] = []
        self.stream: list[str] = []
        self._in_toc = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "md-nav--secondary" in (attrs.get("class") or ""):
            self._in_toc = 1
        elif tag == "nav" and self._in_toc:
            self._in_toc += 1
        if tag in ("h1", "h2", "h3", "h4") and attrs.get("id"):
            self.heading_ids.append(attrs["id"])
            self.stream.append(f"<{tag}#{attrs['id']}>")
        if tag == "table":
            self.stream.append("<table>")
        if tag == "ol" and "ossref-references" in (attrs.get("class") or ""):
            self.stream.append("<ol.ossref-references>")
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "a" and self._in_toc and (attrs.get("href") or "").startswith("#"):
            self.toc.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_toc:
            self._in_toc -= 1

    def handle_data(self, data):
        if data.strip():
            self.stream.append(" ".join(data.split()))


def built_page(site: Path, slug: str) -> Page:
    parsed = Page()
    parsed.feed((site / slug / "index.html").read_text(encoding="utf-8"))
    return parsed


@pytest.fixture(scope="module")
def own_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("own") / "own-sections"
    shutil.copytree(FIXTURES / "own-sections", root)
    (root / "mkdocs.yml").write_text("site_name: Fixture\ndocs_dir: content\ntheme:\n  name: material\n"
                                     "markdown_extensions:\n  - toc:\n      permalink: true\n")
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(root / "site")])
    assert code == 0, out + err
    return root / "site"


def test_own_differential_diagnosis_section_takes_the_table(own_site) -> None:
    page = built_page(own_site, "myositis-ossificans")
    assert page.heading_ids.count("differential-diagnosis") == 1
    assert page.ids.count("differential-diagnosis") == 1
    assert not [i for i in page.ids if re.fullmatch(r"differential-diagnosis_\d+|references_\d+", i)]
    assert page.toc.count("#differential-diagnosis") == 1
    stream = page.stream
    start = stream.index("<h2#differential-diagnosis>")
    prose = next(i for i, s in enumerate(stream) if s.startswith("The main mimic is an ossified hematoma"))
    sub = stream.index("<h3#in-children>")
    table = stream.index("<table>")
    course = stream.index("<h2#course>")
    # The prose, its subsection, then the table, all before the next h2.
    assert start < prose < sub < table < course
    assert "Ossified intramuscular hematoma" in stream[table:course]
    assert "No old organizing hematoma." in stream[table:course]


def test_own_references_section_takes_the_numbered_list(own_site) -> None:
    page = built_page(own_site, "ossified-intramuscular-hematoma")
    assert page.heading_ids.count("references") == 1
    assert page.ids.count("references") == 1
    assert page.toc.count("#references") == 1
    stream = page.stream
    heading = stream.index("<h2#references>")
    prose = stream.index("Case reports dominate the literature on this lesion.")
    listed = stream.index("<ol.ossref-references>")
    assert heading < prose < listed
    assert {"ref-1", "ref-2"} <= set(page.ids)
    # The generated sections that follow keep their own headings.
    assert stream.index("<h2#listed-as-a-differential-of>") > listed


def test_own_references_section_on_a_topic_page(own_site) -> None:
    page = built_page(own_site, "paraspinal-muscles")
    assert page.heading_ids.count("references") == 1
    stream = page.stream
    assert (stream.index("<h2#references>") < stream.index("The numbered list follows this sentence. See")
            < stream.index("<ol.ossref-references>") < stream.index("<h2#cite-this-page>"))


def test_links_to_own_sections_resolve_in_the_check_and_the_site(own_site) -> None:
    code, data = check_json(FIXTURES / "own-sections", "--no-cache")
    assert (code, data["diagnostics"]) == (0, [])
    page = built_page(own_site, "myositis-ossificans")
    html = (own_site / "myositis-ossificans" / "index.html").read_text(encoding="utf-8")
    assert 'href="#differential-diagnosis"' in html
    assert 'href="../ossified-intramuscular-hematoma/#references"' in html
    assert "references" in built_page(own_site, "ossified-intramuscular-hematoma").ids
    assert "differential-diagnosis" in page.ids


def test_generated_section_without_an_own_heading_is_unchanged(project, tmp_path) -> None:
    """The clean fixture has no own section: one generated heading each."""
    root = project("clean")
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 0, out + err
    page = built_page(tmp_path / "site", "myositis-ossificans")
    assert page.heading_ids.count("differential-diagnosis") == 1
    assert page.heading_ids.count("references") == 1


# --------------------------------------------------------------------------- the findings


def expected_rows(name: str) -> list[list]:
    return json.loads((FIXTURES / name / "expected.json").read_text())["diagnostics"]


def test_reserved_headings_are_found_with_a_hint() -> None:
    _, data = check_json(FIXTURES / "reserved-heading", "--no-cache")
    by_line = {(d["path"], d["line"]): d for d in data["diagnostics"]}
    quoted = by_line[("content/myositis-ossificans.md", 13)]
    assert "quote" in quoted["message"] and quoted["hint"]
    assert "Related entries" in by_line[("content/myositis-ossificans.md", 17)]["hint"]
    assert "#ref-2" in by_line[("content/myositis-ossificans.md", 25)]["message"]
    assert "condition `Further reading`" in by_line[("content/further-reading.md", 2)]["message"]
    # "Cite this page" on a topic page is the editor's own: ossref adds none there.
    assert ("content/paraspinal-muscles.md", 11) not in by_line
    assert all(d["hint"] for d in data["diagnostics"])


def test_reserved_heading_can_be_turned_off_and_then_builds(project, tmp_path) -> None:
    root = project("reserved-heading")
    with (root / "mkdocs.yml").open("a") as f:
        f.write("extra:\n  ossref:\n    rules:\n      reserved-heading: off\n")
    code, data = check_json(root, "--no-cache")
    assert (code, data["diagnostics"]) == (0, [])
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 0, out + err


def test_reserved_paths_let_pass_keep_the_content_pages_and_build(project, tmp_path) -> None:
    rows = expected_rows("reserved-path")
    assert [(row[0], row[4]) for row in rows] == [
        ("content/myositis-ossificans.md", "broken-link"), ("content/references/index.md", "reserved-path"),
        ("content/tags.md", "reserved-path"), ("content/tags/bone.md", "reserved-path"),
        ("content/tags/muscle.md", "reserved-path"), ("content/templates/entry-form.md", "reserved-path")]
    root = project("reserved-path")
    with (root / "mkdocs.yml").open("a") as f:
        f.write("extra:\n  ossref:\n    rules:\n      reserved-path: warning\n      broken-link: warning\n")
    site = tmp_path / "site"
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(site)])
    assert code == 0, out + err
    assert reported(out) == {(row[0], row[1], row[2], row[4]) for row in rows}
    assert "Our references" in (site / "references" / "index.html").read_text(encoding="utf-8")
    assert "At the URL of the generated tag index." in (site / "tags" / "index.html").read_text(encoding="utf-8")
    assert "A page of my own" in (site / "tags" / "muscle" / "index.html").read_text(encoding="utf-8")
    # The generated pages' links go to the pages that now have those URLs.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="tags/"' in home and 'href="references/"' in home
    assert 'href="../"' in (site / "tags" / "reactive" / "index.html").read_text(encoding="utf-8")
    # What the findings said would be left out is.
    assert not (site / "templates").exists()


def test_two_pages_at_one_url_are_one_finding() -> None:
    code, data = check_json(FIXTURES / "duplicate-url", "--no-cache")
    assert code == 1
    [d] = data["diagnostics"]
    assert d["code"] == "duplicate-url" and "content/paraspinal-muscles/index.md" in d["message"]

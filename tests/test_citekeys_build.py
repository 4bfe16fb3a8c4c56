"""Citations as pandoc reads them, rendered: what the check counts as a
citation is what the page shows as a superscript, and keys with markup
characters are escaped wherever they land."""

from __future__ import annotations

import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, check_json, run
from ossref.config import load_config
from ossref.pipeline import check
from ossref.site.render import render_site
from ossref.site.resolve import resolve

BIB = """@article{doi:10.1000/xyz,
  author = {Doe, Jane},
  title = {A slashed key},
  journal = {J Test},
  year = {2019},
  doi = {10.1000/xyz},
}
@article{smith2020,
  author = {Smith, Sam},
  title = {A plain key},
  journal = {J Test},
  year = {2020},
  doi = {10.1000/smith},
}
@article{x<y>&z,
  author = {Angle, Ann},
  title = {A key with markup characters},
  journal = {J Test},
  year = {2021},
  doi = {10.1000/angle},
}
@article{a]b;c,
  author = {Bracket, Ben},
  title = {A key with a bracket},
  journal = {J Test},
  year = {2022},
  doi = {10.1000/bracket},
}
"""

PAGE = """---
condition: Cited lesion
---

## Overview

A key with a slash [@doi:10.1000/xyz]. A locator in brackets [see @smith2020, p. 3 [fig. 2]].
A trailing dash [@smith2020-]. A braced key [@{x<y>&z}, p. 4] and again [@{x<y>&z}].
A bracket in a key [@{a]b;c}; @smith2020]. An escaped at [\\@smith2020] is text.
A reference link [@smith2020][ref] is a link.

[ref]: https://example.org/ref
"""

#: The citation groups of PAGE, as written.
CITED = ["[@doi:10.1000/xyz]", "[see @smith2020, p. 3 [fig. 2]]", "[@smith2020-]", "[@{x<y>&z}, p. 4]",
         "[@{x<y>&z}]", "[@{a]b;c}; @smith2020]"]


def make_project(root: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / "citations" / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "content" / "cited-lesion.md").write_text(PAGE, encoding="utf-8")
    return root


class Page(HTMLParser):
    """The visible text of a page, its ids, and its links' (href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self._href = attrs.get("href")
            self.links.append((self._href or "", ""))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._href is not None and self.links:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("citekeys") / "wiki")
    code, out, err = run(["build", "--root", str(root)])
    assert code == 0, out + err
    return root / "site"


def test_the_check_counts_exactly_the_groups_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "wiki")
    code, report = check_json(root, "--strict")
    assert (code, report["diagnostics"]) == (0, [])
    (page,) = check(load_config(root)).project.pages
    body = page.body
    assert [body[g.start : g.end] for g in page.scan.citations] == CITED


def test_staged_page_replaces_every_group_the_check_counts(tmp_path: Path) -> None:
    root = make_project(tmp_path / "wiki")
    config = load_config(root)
    result = check(config)
    assert result.diagnostics == []
    assert render_site(resolve(result.project, config), config, tmp_path / "staging") == []
    staged = (tmp_path / "staging" / "cited-lesion.md").read_text(encoding="utf-8")
    assert staged.count('<sup class="ossref-cite"') == len(CITED)
    for group in CITED:
        assert group not in staged
    # What is not a citation stays for Python-Markdown as written.
    assert "[\\@smith2020]" in staged and "[@smith2020][ref]" in staged


def test_built_page_shows_superscripts_and_no_raw_citation(site: Path) -> None:
    page = parse(site / "cited-lesion" / "index.html")
    text = "".join(page.text)
    html = (site / "cited-lesion" / "index.html").read_text(encoding="utf-8")
    assert html.count('<sup class="ossref-cite"') == len(CITED)
    assert "[see @smith2020, p. 3 [fig. 2]]" not in text
    assert "[@" not in text
    assert "p. 3 [fig. 2]" in text  # the locator, brackets and all, next to its number
    assert re.search(r'<sup class="ossref-cite" id="cite-2-1"><a href="#ref-2" title="Smith S, 2020">'
                     r'(?:<span class="ossref-sr">reference </span>)?2</a>, '
                     r"p\. 3 (?:\[|&#91;)fig\. 2(?:\]|&#93;)</sup>", html), html


def test_reference_link_renders_as_a_link(site: Path) -> None:
    page = parse(site / "cited-lesion" / "index.html")
    assert ("https://example.org/ref", "@smith2020") in page.links


def test_escaped_at_stays_text(site: Path) -> None:
    text = "".join(parse(site / "cited-lesion" / "index.html").text)
    assert "\\@smith2020]" in text


def test_keys_with_markup_characters_are_escaped(site: Path) -> None:
    entry = (site / "cited-lesion" / "index.html").read_text(encoding="utf-8")
    references = site / "references" / "index.html"
    assert {"ref-x<y>&z", "ref-a]b;c", "ref-doi:10.1000/xyz"} <= parse(references).ids
    raw = references.read_text(encoding="utf-8")
    assert 'id="ref-x&lt;y&gt;&amp;z"' in raw
    for html in (entry, raw):
        assert "x<y>" not in html and "<y>" not in html


_PIECES = ["[@smith2020]", "[see @smith2020, p. 3 [fig. 2]]", "[@{x<y>&z}]", "[@smith2020][ref]", "[\\@smith2020]",
           "[@smith2020 and @{a]b;c}]", "[@doi:10.1000/xyz.]", ";", " ", "[", "]", "@smith2020", "\n", "\n\n", "`",
           "\n\n[ref]: https://example.org/\n\n", "[x](y.md)", "-", "{", "}", "\\"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_render_replaces_exactly_what_the_check_counts(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "wiki")
        (root / "content" / "cited-lesion.md").write_text(
            "---\ncondition: Cited lesion\n---\n\n## Overview\n\nText " + text + "\n", encoding="utf-8")
        config = load_config(root)
        result = check(config, cache=False)
        (page,) = result.project.pages
        render_site(resolve(result.project, config), config, Path(tmp) / "staging")
        staged = (Path(tmp) / "staging" / "cited-lesion.md").read_text(encoding="utf-8")
        # Every key drawn is in the BibTeX, so each group the check counts is one superscript.
        assert staged.count('<sup class="ossref-cite"') == len(page.scan.citations), text

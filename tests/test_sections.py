"""ossref.check.sections: where an editor's own section ends, what is reserved, and
that a page passing the check renders each generated section once, in place."""

from __future__ import annotations

import os
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_BIB, MKDOCS_YML
from ossref.config import load_config
from ossref.site.deferred import Deferred
from ossref.check.page import parse_page
from ossref.pipeline import check
from ossref.site.render import render_site
from ossref.site.resolve import resolve
from ossref.check.sections import own_sections, page_findings, reserved_path


def page_of(body: str, front: str = "condition: Alpha lesion") -> object:
    text = f"---\n{front}\n---\n\n{body}"
    page, _ = parse_page(text.encode(), "content/alpha-lesion.md", "alpha-lesion", load_config_stub())
    assert page is not None
    return page


def load_config_stub():
    root = Path(tempfile.mkdtemp())
    (root / "content").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    return load_config(root)


def test_an_own_section_ends_before_the_next_heading_of_its_level_or_higher() -> None:
    body = "## Differential diagnosis\n\nProse.\n\n### Sub\n\nMore.\n\n## Imaging\n\nText.\n"
    page = page_of(body)
    end = own_sections(page)["differential-diagnosis"]
    assert page.body[end:].startswith("## Imaging")


def test_an_own_section_at_the_end_of_the_body_ends_there() -> None:
    page = page_of("## Imaging\n\nText.\n\n## References\n\nMine.")
    assert own_sections(page) == {"references": len(page.body)}


def test_a_setext_heading_opens_and_ends_a_section() -> None:
    page = page_of("Differential diagnosis\n----------------------\n\nProse.\n\nImaging\n=======\n\nText.\n")
    end = own_sections(page)["differential-diagnosis"]
    assert page.body[end:].startswith("Imaging\n===")


def test_a_heading_in_a_quote_list_or_note_is_no_own_section_and_a_finding() -> None:
    for body in ("> ## Differential diagnosis\n>\n> Quoted.\n", "- item\n\n    ## Differential diagnosis\n",
                 "!!! note\n    ## Differential diagnosis\n"):
        page = page_of(body)
        assert own_sections(page) == {}
        assert [d.code for d in page_findings(page)] == ["reserved-heading"]


def test_a_nested_heading_does_not_end_an_own_section() -> None:
    page = page_of("## References\n\nMine.\n\n> ## Quoted\n\n## Imaging\n")
    end = own_sections(page)["references"]
    assert page.body[end:].startswith("## Imaging")


def test_references_is_an_own_section_on_a_topic_page_but_cite_this_page_is_no_finding_there() -> None:
    page = page_of("## References\n\nMine.\n\n## Cite this page\n\n## What links here\n", front="title: Topic")
    assert list(own_sections(page)) == ["references"]
    assert [(d.line, d.code) for d in page_findings(page)] == [(11, "reserved-heading")]


def test_reserved_paths() -> None:
    assert [reserved_path(s) for s in ("references", "references/index", "tags", "tags/index", "tags/a/b")] == [
        "references", "references", "tags", "tags", "tags"]
    assert [reserved_path(s) for s in ("index", "referencesx", "tagsx/a", "deep/tags", "deep/references")] == [
        None] * 5


def test_sections_that_end_together_close_inner_first(project, tmp_path) -> None:
    root = project("own-sections")
    page = root / "content" / "ossified-intramuscular-hematoma.md"
    page.write_text(page.read_text().replace(
        "## References\n", "## Differential diagnosis\n\nProse.\n\n### References\n"))
    config = load_config(root)
    result = check(config)
    assert result.diagnostics == []
    render_site(resolve(result.project, config), config, tmp_path / "staging")
    staged = (tmp_path / "staging" / "ossified-intramuscular-hematoma.md").read_text(encoding="utf-8")
    assert staged.count("<table>") == 1 and staged.count('<ol class="ossref-references">') == 1
    assert (staged.index("## Differential diagnosis") < staged.index("### References")
            < staged.index('<ol class="ossref-references">') < staged.index("<table>")
            < staged.index("## Listed as a differential of"))
    assert "\n## References" not in staged


# --------------------------------------------------------------------------- rendered, whatever the body
# The scanner and Python-Markdown disagree on a few bodies (a table running on
# into a fence without a blank line, "- ## heading", an unclosed fence, a
# setext heading right after a fence): the pieces below keep clear of those,
# which are the scanner's to fix.

_PIECES = [
    "## Differential diagnosis\n", "### Differential diagnosis\n", "## References\n", "# References\n",
    "\n\nDifferential diagnosis\n---\n", "## Imaging\n", "### Sub\n", "# Top\n", "Prose [@alpha2020]. ", "Text ",
    "\n", "\n\n", "- item\n", "1. item\n", "    indented\n", "> quote\n", "\n```\ncode\n```\n\n",
    "!!! note\n    In a note.\n", "| a | b |\n|---|---|\n| 1 | 2 |\n\n", "Term\n:   Definition.\n",
    "[^1]\n\n[^1]: A note.\n", "<!-- c -->\n", "---\n", "[[other lesion]] ", "[x](#differential-diagnosis) ",
]
# At most one heading of each generated name: a body's own repeated heading
# gets "_1" from MkDocs like any other.
_OWN = ["## Differential diagnosis\n\nProse.\n", "## References\n\nMine.\n", "### Differential diagnosis\n", ""]
_ANY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
BODY = st.builds(lambda before, own, after: before + own + after, _ANY, st.sampled_from(_OWN), _ANY).filter(
    lambda body: body.count("Differential diagnosis") <= 1 and body.count("References") <= 1)
_EXTENSIONS = ["toc", "tables", "admonition", "footnotes", "def_list", "pymdownx.details", "pymdownx.superfences"]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.order.append("#" + attrs["id"])
        if tag == "ol" and attrs.get("class") == "ossref-references":
            self.order.append("<ol>")

    def handle_data(self, data):
        if data == "Distinguishing features":  # a column of the differential table only
            self.order.append("<table>")


OTHER = "---\ncondition: Other lesion\ndifferentials: [alpha lesion]\n---\n\nText.\n"


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(BODY)
def test_a_page_that_passes_the_check_has_each_generated_section_once_after_its_heading(body: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"OSSREF_NO_CACHE": "1",
                                                                           "OSSREF_JOBS": "1"}):
        root = Path(tmp)
        (root / "content").mkdir()
        (root / "citations").mkdir()
        (root / "mkdocs.yml").write_text(MKDOCS_YML)
        (root / "citations" / "refs.bib").write_text(GOOD_BIB)
        (root / "content" / "alpha-lesion.md").write_text(
            "---\ncondition: Alpha lesion\ndifferentials: [other lesion]\nreferences: [alpha2020]\n---\n\n"
            + body + "\n\nSeen [@alpha2020].\n")
        (root / "content" / "other-lesion.md").write_text(OTHER)
        config = load_config(root)
        result = check(config)
        if result.errors:
            return
        deferred = Deferred()
        staging = root / "staging"
        assert render_site(resolve(result.project, config), config, staging, deferred.token) == []
        staged = (staging / "alpha-lesion.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
        md = markdown.Markdown(extensions=_EXTENSIONS)
        html = deferred.expand(md.convert(staged), lambda fragment: fragment)
        ids = _Ids()
        ids.feed(html)
        order = ids.order
        toc = [t["id"] for t in _flat(md.toc_tokens)]
        assert "<table>" in order, staged  # the differentials are always listed
        for anchor, block in (("differential-diagnosis", "<table>"), ("references", "<ol>")):
            assert not [i for i in order if i.startswith(f"#{anchor}_")], staged
            assert toc.count(anchor) == order.count("#" + anchor), (toc, staged)
            if block in order:  # the generated part, under one heading: the editor's or ossref's
                assert order.count("#" + anchor) == 1, (anchor, staged)
                assert order.index("#" + anchor) < order.index(block), staged
            else:  # nothing to list (a citation the scanner read as code): the editor's heading alone
                assert order.count("#" + anchor) <= 1, (anchor, staged)


def _flat(tokens: list[dict]) -> list[dict]:
    out = []
    for token in tokens:
        out.append(token)
        out += _flat(token["children"])
    return out

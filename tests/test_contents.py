"""The "On this page" list (ossref/site/contents.py), tested against the built page.

Each project is built with the real pipeline (``ossref build``: check,
render, MkDocs, the output audit); the list's items are then compared with
the headings of the built HTML: every href is the id the built page gives the
heading, and every text is what a reader sees in it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_BIB, run

# The rules a hostile or unusual heading trips are turned off, as a wiki's
# owner may: the build, and its output audit, must still be safe.
MKDOCS_YML = """site_name: Test
docs_dir: content
markdown_extensions:
  - toc:
      permalink: true
  - footnotes
extra:
  ossref:
    citations_dir: citations
    rules:
      raw-html: "off"
      unsafe-url: "off"
      citation-in-heading: "off"
      reserved-heading: "off"
"""


class _Built(HTMLParser):
    """The article's h2 headings, as (id, text a reader sees), and the
    "On this page" items, as (href, text), from a built page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.items: list[tuple[str, str]] = []
        self._heading: list | None = None
        self._item: list | None = None
        self._in_contents = False
        self._skip = 0  # depth inside what is not the heading's text
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "details" and "ossref-contents" in classes:
            self._in_contents = True
        if self._skip:
            if tag not in ("img", "br"):
                self._skip += 1
            return
        if self._heading is not None and (
                "headerlink" in classes or "ossref-cite" in classes or (a.get("id") or "").startswith("fnref")):
            self._skip = 1
            return
        if tag == "h2":
            self._heading = [a.get("id") or "", ""]
        elif tag == "a" and self._in_contents:
            self._item = [a.get("href") or "", ""]

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1
            return
        if tag == "details":
            self._in_contents = False
        elif tag == "h2" and self._heading is not None:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None
        elif tag == "a" and self._item is not None:
            self.items.append((self._item[0], self._item[1]))
            self._item = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading[1] += data
        if self._item is not None:
            self._item[1] += data


def build_entry(root: Path, body: str, condition: str = "Thing") -> _Built:
    """Build a one-entry project whose body is ``body``; the parsed entry page."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "citations").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "citations" / "refs.bib").write_text(GOOD_BIB)
    (root / "content" / "x.md").write_text(f"---\ncondition: {condition}\n---\nText [@alpha2020].\n\n{body}\n")
    site = root / "site"
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(site)])
    assert code == 0, out + err
    parsed = _Built()
    parsed.feed((site / "x" / "index.html").read_text(encoding="utf-8"))
    return parsed


def assert_items_match_headings(built: _Built) -> None:
    """Every item links to a heading of the built page by its id, in page
    order, with the text a reader sees there; every h2 with text is listed."""
    assert all(href.startswith("#") for href, _ in built.items), built.items
    listed = [(href[1:], text) for href, text in built.items]
    shown = [(ident, text) for ident, text in built.headings if text]
    assert listed == shown


# --------------------------------------------------------------------------- named tricky headings

TRICKY = {
    "emphasis-and-citation": "## *Myositis* ossificans **circumscripta** [@alpha2020]",
    "citation-mid-heading": "## Before [@alpha2020] after",
    "link": "## A [link](https://example.org/x) to read",
    "code": "## The `<b>` tag and `x*y*`",
    "entity": "## Bones &amp; muscles &lt;3",
    "html": "## <b>bold</b> and <i>italic</i> words",
    "duplicates": "## Notes\n\n## Notes\n\n## Notes",
    "suffix-taken": "## Notes\n\n## Notes_1\n\n## Notes",
    "repeats-the-title": "## Thing",
    "escapes": r"## Not \*emphasis\* \[nor a link\]",
    "footnote": "## Footnoted[^1]\n\n[^1]: the note.",
    "non-ascii": "## Ossification hétérotopique 骨化",
    "underscores": "## snake_case and __strong__",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_contents_item_is_the_built_heading(tmp_path, name: str) -> None:
    # A second section, so that the list is written.
    built = build_entry(tmp_path, TRICKY[name] + "\n\n## Coda")
    assert len(built.items) >= 2
    assert_items_match_headings(built)


def test_emphasis_and_citation_read_as_plain_text(tmp_path) -> None:
    built = build_entry(tmp_path, TRICKY["emphasis-and-citation"] + "\n\n" + TRICKY["link"])
    assert built.items[:2] == [("#myositis-ossificans-circumscripta", "Myositis ossificans circumscripta"),
                               ("#a-link-to-read", "A link to read")]


def test_duplicate_headings_get_the_builds_suffixes(tmp_path) -> None:
    built = build_entry(tmp_path, TRICKY["suffix-taken"])
    assert [href for href, _ in built.items][:3] == ["#notes", "#notes_1", "#notes_2"]


def test_a_heading_that_repeats_the_title_links_to_its_own_id(tmp_path) -> None:
    built = build_entry(tmp_path, "## Thing\n\n## Other")
    assert built.items[0] == ("#thing_1", "Thing")


HOSTILE = [
    "## <script>alert(1)</script> Script",
    '## "><img onerror=alert(1)> Image',
    "## [click](javascript:alert(1)) Link",
    "## Quote \" and ' and ` and <!-- comment --> end",
]


def test_hostile_headings_come_out_escaped_and_pass_the_audit(tmp_path) -> None:
    built = build_entry(tmp_path, "\n\n".join(HOSTILE))  # exit 0: the output audit passed
    assert [href[1:] for href, _ in built.items] == [ident for ident, _ in built.headings]
    # The sanitizer drops a script with its text; the list keeps the text
    # toc read (escaped): the one place where it says more than the heading.
    assert [text for _, text in built.items][1:] == [text for _, text in built.headings][1:]
    page = (tmp_path / "site" / "x" / "index.html").read_text(encoding="utf-8")
    contents = re.search(r'<details class="ossref-contents">.*?</details>', page, re.S).group(0)
    assert not re.search(r"<(?!/?(details|summary|ul|li|a)\b)", contents), contents
    assert "javascript:" not in contents and "onerror" not in contents
    assert [text for _, text in built.items][:3] == ["alert(1) Script", '"> Image', "click Link"]


# --------------------------------------------------------------------------- generated headings

_WORDS = ["Bone", "muscle", "Notes", "Notes_1", "café", "2020", "a-b", "x", "Ünïcode", "骨化"]
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_WORDS).map(lambda w: f"*{w}*"),
    st.sampled_from(_WORDS).map(lambda w: f"**{w}**"),
    st.sampled_from(_WORDS).map(lambda w: f"`{w}`"),
    st.sampled_from(_WORDS).map(lambda w: f"[{w}](https://example.org/{len(w)})"),
    st.sampled_from(["&amp;", "&lt;", "&gt;", "&quot;", "&#42;", "[@alpha2020]", "&", "<", "'", "(1)", "—"]),
)
_HEADING = st.lists(_PIECES, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headings=st.lists(_HEADING, min_size=2, max_size=8))
def test_generated_headings_link_to_their_built_ids(tmp_path_factory, headings: list[str]) -> None:
    root = tmp_path_factory.mktemp("contents")
    built = build_entry(root, "\n\n".join("## " + h for h in headings))
    assert_items_match_headings(built)

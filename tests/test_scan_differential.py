"""Differential test: the check sees exactly the links and anchors the renderer renders.

Markdown snippets are generated from a small grammar of the constructs where
:func:`ossref.load.scan.scan_body` and Python-Markdown used to disagree (issue #10):
inline, reference and automatic links, reference definitions inside
containers, headings of every kind, fences (closed or not), lists, block
quotes, admonitions, footnotes, escapes and entities. Each snippet is
rendered with Python-Markdown configured with the extensions of the repo's own
``mkdocs.yml``, and every ``href`` and heading ``id`` it produces must have
been predicted by ``scan_body``: a link's destination after Markdown
unescaping, a heading's anchor. Links and ids that the footnotes and toc
extensions make themselves (``#fn:1``, ``#fnref:1``, permalinks) are left out.

The explicit examples are the cases an outside audit found, one test each.
"""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from ossref.load.scan import _scan_strict


def _extensions() -> tuple[list[str], dict[str, dict]]:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    options: dict[str, dict] = {}
    for item in config["markdown_extensions"]:
        if isinstance(item, dict):
            ((name, value),) = item.items()
            names.append(name)
            options[name] = value or {}
        else:
            names.append(item)
    return names, options


EXTENSIONS, EXTENSION_CONFIGS = _extensions()
# Classes of the links the footnotes and toc extensions add on their own.
GENERATED_LINK_CLASSES = {"headerlink", "footnote-ref", "footnote-backref"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Rendered(HTMLParser):
    """The hrefs of the author's links and the ids of the headings, with
    entities decoded as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") is not None:
            if not GENERATED_LINK_CLASSES & set((attrs.get("class") or "").split()):
                self.hrefs.append(attrs["href"])
        if tag in HEADINGS and attrs.get("id") is not None:
            self.ids.append(attrs["id"])


def rendered(text: str) -> tuple[list[str], list[str]]:
    """(hrefs, heading ids) Python-Markdown renders for ``text``, in order."""
    html = markdown.markdown(text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    parser = _Rendered()
    parser.feed(html)
    parser.close()
    return parser.hrefs, parser.ids


def predicted(text: str) -> tuple[set[str], set[str], list[str]]:
    """(hrefs, anchors, raw HTML snippets) scan_body predicts for ``text``."""
    scan = _scan_strict(text, 1)
    hrefs = {link.target + ("#" + link.anchor if link.anchor else "") for link in scan.links if not link.wiki}
    return hrefs, {h.anchor for h in scan.headings}, [h.snippet for h in scan.html]


def assert_predicted(text: str) -> None:
    hrefs, ids = rendered(text)
    want_hrefs, want_ids, _ = predicted(text)
    missed = [h for h in hrefs if h not in want_hrefs]
    assert not missed, f"Python-Markdown links to {missed} in {text!r}; scan_body has {sorted(want_hrefs)}"
    missed = [i for i in ids if i not in want_ids]
    assert not missed, f"Python-Markdown makes heading ids {missed} of {text!r}; scan_body has {sorted(want_ids)}"


# ----------------------------------------------------------------------------- the grammar

WORDS = st.sampled_from([
    "alpha", "Beta", "x_y", "snake_case", "a*b", "*em*", "**strong**", "_u_", "`code`", "``a`b``",
    "&amp;", "&copy;", "&#35;", "\\_", "\\*", "\\[", "\\#", "#tag", "1.", "-", "a|b", "(p)", "!",
])
DESTS = st.sampled_from([
    "x.md", "x\\_y.md", "x&amp;y.md", "x&y.md", "page.md#sec", "http://e.org/a", "img/a.png",
    "#h", "a(b).md", "a(b(c)).md", "<x y.md>", "https://e.org/?q=1&amp;r=2", "mailto:a@b.org",
    "x\\(y.md", "sub/p.md#a-b", "&#35;frag", "",
])
REF_IDS = st.sampled_from(["r", "R two", "", "x_y"])
TITLES = st.sampled_from(["", ' "t"', " 't'", " (t)"])


def _label(words: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A link label: words, possibly with brackets nested up to three deep."""
    flat = st.lists(words, min_size=1, max_size=2).map(" ".join)
    return st.one_of(
        flat,
        st.tuples(flat, flat).map(lambda p: f"{p[0]} [{p[1]}]"),
        st.tuples(flat, flat, flat).map(lambda p: f"{p[0]} [{p[1]} [{p[2]}]]"),
    )


LABELS = _label(WORDS)

INLINE = st.one_of(
    WORDS,
    st.tuples(LABELS, DESTS, TITLES).map(lambda p: f"[{p[0]}]({p[1]}{p[2]})"),
    st.tuples(LABELS, DESTS).map(lambda p: f"![{p[0]}]({p[1]})"),
    st.tuples(LABELS, REF_IDS).map(lambda p: f"[{p[0]}][{p[1]}]"),
    REF_IDS.map(lambda r: f"[{r}]"),
    st.sampled_from([
        "<http://e.org/x>", "<https://e.org/a_b>", "<https://e.org/a\\_b&amp;c>", "<a@b.org>",
        "<mailto:c@d.org>", "<ftp://e.org/f>", "[^1]", "[^2]",
    ]),
)
LINE = st.lists(INLINE, min_size=1, max_size=4).map(" ".join)
REFDEF = st.tuples(REF_IDS, DESTS, TITLES).map(lambda p: f"[{p[0]}]: {p[1] or 'empty.md'}{p[2]}")
HEADING_TEXT = st.lists(st.one_of(WORDS, INLINE), min_size=0, max_size=3).map(" ".join)
ATX = st.tuples(st.integers(1, 7), st.sampled_from([" ", "", "  "]), HEADING_TEXT, st.sampled_from(["", " #", "##"])).map(
    lambda p: "#" * p[0] + p[1] + p[2] + p[3])
SETEXT = st.tuples(LINE, st.sampled_from(["===", "---", "-"])).map(lambda p: f"{p[0]}\n{p[1]}")
INNER = st.one_of(LINE, ATX, REFDEF)  # what containers hold


def _indented(block: str) -> str:
    return "\n".join("    " + line if line else line for line in block.split("\n"))


BLOCK = st.one_of(
    LINE,
    st.lists(LINE, min_size=2, max_size=3).map("\n".join),
    ATX,
    SETEXT,
    REFDEF,
    st.tuples(REFDEF, SETEXT).map("\n".join),  # a setext heading right after a definition
    st.tuples(st.sampled_from(["- ", "* ", "1. ", "- - "]), INNER).map("".join),
    st.lists(INNER, min_size=1, max_size=2).map(lambda xs: "\n".join("- " + x for x in xs)),
    st.tuples(LINE, INNER).map(lambda p: f"- {p[0]}\n\n{_indented(p[1])}"),
    st.tuples(st.sampled_from(["> ", "> > ", "> - "]), INNER).map("".join),
    st.tuples(st.sampled_from(["!!! note", "??? note", '!!! warning "Title"']), INNER, st.booleans()).map(
        lambda p: f"{p[0]}\n{_indented(p[1])}" + (f"\n\n{_indented(p[1])}" if p[2] else "")),
    st.tuples(LINE, INNER).map(lambda p: f"Term {p[0]}\n:   {p[1]}"),
    st.sampled_from(["1", "2"]).flatmap(lambda n: LINE.map(lambda line: f"[^{n}]: {line}")),
    st.tuples(st.sampled_from(["```", "~~~", "```text", "   ```"]), LINE, st.booleans()).map(
        lambda p: f"{p[0]}\n{p[1]}" + (f"\n{p[0].strip()[:3]}" if p[2] else "")),
)
DOCUMENTS = st.lists(st.tuples(BLOCK, st.sampled_from(["\n\n", "\n"])), min_size=1, max_size=5).map(
    lambda blocks: "".join(block + sep for block, sep in blocks))


# ----------------------------------------------------------------------------- the audit's cases


@pytest.mark.parametrize("text, href", [
    pytest.param("!!! note\n    [ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-in-admonition"),
    pytest.param("> [ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-in-quote"),
    pytest.param("- [ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-in-list-item"),
    pytest.param("- item\n\n    [ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-in-item-content"),
    pytest.param("Term\n:   [ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-in-definition"),
    pytest.param("```\n[a](page.md)\n", "page.md", id="link-after-unclosed-fence"),
    pytest.param("```\n[ref]: page.md\n\n[a][ref]\n", "page.md", id="definition-after-unclosed-fence"),
    pytest.param("[a [b [c]]](page.md)\n", "page.md", id="label-nested-two-deep"),
    pytest.param("[a](x(y(z)).md)\n", "x(y(z)).md", id="parentheses-nested-two-deep"),
    pytest.param("[]: /uri\n\n[a][]\n", "/uri", id="empty-definition-label"),
    pytest.param("[a](x\\_y.md)\n", "x_y.md", id="backslash-escape-in-destination"),
    pytest.param("[a](x&amp;y.md)\n", "x&y.md", id="entity-in-destination"),
])
def test_audit_links_are_predicted(text: str, href: str) -> None:
    assert rendered(text)[0] == [href]
    assert href in predicted(text)[0]
    assert_predicted(text)


@pytest.mark.parametrize("text, ids", [
    pytest.param("# H[^1]\n\n[^1]: note\n", ["h"], id="footnote-reference-in-heading"),
    pytest.param("# H[^9]\n", ["h9"], id="undefined-footnote-in-heading-is-text"),
    pytest.param("#hashtag\n", ["hashtag"], id="atx-without-space"),
    pytest.param("text\n#tag\nmore\n", ["tag"], id="atx-inside-a-paragraph"),
    pytest.param("- # Item heading\n- b\n", ["item-heading"], id="heading-in-list-item"),
    pytest.param("> - # Quoted item\n", ["quoted-item"], id="heading-in-list-item-in-quote"),
    pytest.param("[r]: x.md\nHead\n====\n", ["head"], id="setext-after-definition"),
    pytest.param("```\n# In an unclosed fence\n", ["in-an-unclosed-fence"], id="heading-after-unclosed-fence"),
])
def test_audit_anchors_are_predicted(text: str, ids: list[str]) -> None:
    assert rendered(text)[1] == ids
    assert set(ids) <= predicted(text)[1]
    assert_predicted(text)


def test_footnote_reference_in_heading_gives_no_false_anchor() -> None:
    # "[x](#h1)" passed the check and was broken on the site.
    assert "h1" not in predicted("# H[^1]\n\n[^1]: note\n")[1]


@pytest.mark.parametrize("text", ["<http:x/onmouseover=alert(1)>", "<https:x/onmouseover=alert(1)>",
                                  "<mailto:x/onmouseover=alert(1)>"])
def test_autolink_without_slashes_is_raw_html(text: str) -> None:
    html = markdown.markdown(text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    assert "<a " not in html and "onmouseover" in html  # a raw tag, as the audit found
    hrefs, _, raw = predicted(text)
    assert raw == [text]
    assert not hrefs


# ----------------------------------------------------------------------------- the property


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(DOCUMENTS)
@example("!!! note\n    [ref]: page.md\n\n[a][ref]\n")
@example("```\n[a](x.md)\n# h\n")
@example("# H[^1] [^2]\n\n[^1]: n\n")
@example("- a\n#b\n")
def test_every_rendered_href_and_heading_id_is_predicted(text: str) -> None:
    assert_predicted(text)

"""Tests for ossref.load.scan.scan_body: what a page body holds, and where."""

from __future__ import annotations

import html
import re
import time

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ossref.load.scan as scan_module
from ossref.model import BodyScan, Position

# scan_body swallows internal errors (its contract is "never raises"); the
# tests use the strict twin so that a bug fails loudly instead.
scan_body = scan_module._scan_strict


def test_public_entry_point_never_raises(monkeypatch):
    assert scan_module.scan_body("[@a]", 1).citations[0].items[0].key == "a"

    def broken(self, out):
        out.citations.append("partial")
        raise RuntimeError("bug")

    monkeypatch.setattr(scan_module._Scanner, "run", broken)
    assert scan_module.scan_body("[@a]", 1) == BodyScan(citations=["partial"])


def cites(body: str, line: int = 1):
    return [[(i.key, i.locator) for i in g.items] for g in scan_body(body, line).citations]


def links(body: str, line: int = 1):
    return [(lk.target, lk.anchor, lk.label, lk.wiki, lk.image) for lk in scan_body(body, line).links]


def html_snippets(body: str):
    return [h.snippet for h in scan_body(body, 1).html]


def attrs(body: str):
    return [a.snippet for a in scan_body(body, 1).attr_lists]


def heads(body: str):
    return [(h.level, h.text, h.anchor) for h in scan_body(body, 1).headings]


# ----------------------------------------------------------------------------- citations


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[@key]", [[("key", "")]]),
        ("[@a; @b]", [[("a", ""), ("b", "")]]),
        ("[@key, p. 3]", [[("key", "p. 3")]]),
        ("[see @key, pp. 3-5]", [[("key", "pp. 3-5")]]),
        ("[@a, fig. 2; @b]", [[("a", "fig. 2"), ("b", "")]]),
        ("[@a,   p.  3 ;  see also @b ]", [[("a", "p. 3"), ("b", "")]]),
        ("[@smith_2020-x.y:z]", [[("smith_2020-x.y:z", "")]]),
        ("[@Smith:2020.]", [[("Smith:2020", ".")]]),  # trailing ":"/"." not in the key
        ("[@_under]", [[("_under", "")]]),
        ("[@2020report]", [[("2020report", "")]]),
        ("[@müller2019]", [[("müller2019", "")]]),
        ("[-@a]", [[("a", "")]]),
        ("[@a p. 33]", [[("a", "p. 33")]]),  # pandoc's comma-less suffix
        ("Text [@a] and [@b].", [[("a", "")], [("b", "")]]),
        ("[@a;\n@b, p. 2]", [[("a", ""), ("b", "p. 2")]]),
        ("[@a, pp. 3\n-5]", [[("a", "pp. 3 -5")]]),
        ("[[Page]] [@a]", [[("a", "")]]),
        ("[see [@a]](u.md)", [[("a", "")]]),  # a citation inside a link label
    ],
)
def test_citations(body, expected):
    assert cites(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "a bare @word",
        "mail a@b.org please",
        "[mail me at x@y.org]",
        "[@key](http://example.org)",
        "[@key]( http://example.org )",
        "\\[@x]",
        "[@a; b]",  # every item needs a key
        "[@a and @b]",  # exactly one key per item
        "[@a;]",
        "[@a\n\n@b]",  # a blank line ends the paragraph
        "[ @ a]",
        "`[@x]`",
        "``a ` [@x] ``",
        "```\n[@x]\n```",
        "~~~\n[@x]\n~~~",
        "   ```\n[@x]\n   ```",
        "````\n```\n[@x]\n````",
        "```\nunclosed [@x]\n\n[@y]",
        "para\n\n    [@x] in indented code",
        "<!-- [@x] -->",
        "<!--\n[@x]\n\n[@y]\n-->",
        "text <!-- commented\nout [@x] --> text",
        "[@x]: http://example.org",  # a reference definition
    ],
)
def test_not_citations(body):
    assert cites(body) == []


def test_citation_offsets_and_positions():
    body = "Intro line\n  Ossification [see @kransdorf1991, p. 3; @b] ends."
    (group,) = scan_body(body, 5).citations
    assert body[group.start : group.end] == "[see @kransdorf1991, p. 3; @b]"
    assert group.pos == Position(6, 16)
    assert [i.pos for i in group.items] == [Position(6, 21), Position(6, 43)]


def test_citation_wrapping_lines_positions():
    body = "x [@a,\n   p. 3;\n\t@b]"
    (group,) = scan_body(body, 10).citations
    assert group.pos == Position(10, 3)
    assert [(i.key, i.locator, i.pos) for i in group.items] == [
        ("a", "p. 3", Position(10, 4)),
        ("b", "", Position(12, 2)),  # a tab is one column
    ]
    assert (group.start, group.end) == (2, len(body))


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[[target]]", [("target", "", "", True, False)]),
        ("[[target|label]]", [("target", "", "label", True, False)]),
        ("[[target#anchor]]", [("target", "anchor", "", True, False)]),
        ("[[target#anchor|label]]", [("target", "anchor", "label", True, False)]),
        ("[[ Myositis ossificans (MO), circumscripta | the label ]]",
         [("Myositis ossificans (MO), circumscripta", "", "the label", True, False)]),
        ("[[Ossification hétérotopique]]", [("Ossification hétérotopique", "", "", True, False)]),
        ("[[long\ntarget]]", [("long target", "", "", True, False)]),
        ("[[#local]]", [("", "local", "", True, False)]),
        ("[label](url)", [("url", "", "label", False, False)]),
        ("[label](other.md#imaging)", [("other.md", "imaging", "label", False, False)]),
        ("[label](https://x.org/a#b \"title\")", [("https://x.org/a", "b", "label", False, False)]),
        ("[label](url 'title')", [("url", "", "label", False, False)]),
        # Python-Markdown knows no "(title)": the href is "url (title)".
        ("[label](url (title))", [("url (title)", "", "label", False, False)]),
        ("[label](<url with spaces.md#x>)", [("url with spaces.md", "x", "label", False, False)]),
        ("[label](a_(b).md)", [("a_(b).md", "", "label", False, False)]),
        ("[a [nested] label](u.md)", [("u.md", "", "a [nested] label", False, False)]),
        ("[#anchor](#anchor)", [("", "anchor", "#anchor", False, False)]),
        ("[empty]()", [("", "", "empty", False, False)]),
        ("![alt text](img/x.png)", [("img/x.png", "", "alt text", False, True)]),
        ("[![badge](b.svg)](page.md)",
         [("page.md", "", "![badge](b.svg)", False, False), ("b.svg", "", "badge", False, True)]),
        ("\\![not image](x.png)", [("x.png", "", "not image", False, False)]),
        ("<https://x.org/p#frag>", [("https://x.org/p", "frag", "https://x.org/p#frag", False, False)]),
        ("<mailto:a@b.org>", [("mailto:a@b.org", "", "mailto:a@b.org", False, False)]),
        ("<a@b.org>", [("mailto:a@b.org", "", "a@b.org", False, False)]),
        ("[id]: http://x.org/page#sec \"Title\"", [("http://x.org/page", "sec", "id", False, False)]),
        ("   [Some Id]:\n   <other.md>", [("other.md", "", "Some Id", False, False)]),
        ("[@a](http://x.org)", [("http://x.org", "", "@a", False, False)]),
        # Not CommonMark, but Python-Markdown renders these as links:
        ("[a](my page.md#sec \"T\")", [("my page.md", "sec", "a", False, False)]),
        ("[@a](x y)", [("x y", "", "@a", False, False)]),
    ],
)
def test_links(body, expected):
    assert links(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "\\[label](url)",
        "[label] (url)",
        "`[[x]]` and `[a](b)`",
        "```\n[[x]] [a](b) <https://x.org>\n```",
        "<!-- [[x]] -->",
        "[[a\n\nb]]",
        "[@key]",  # a citation is not a link
    ],
)
def test_not_links(body):
    assert links(body) == []


def test_link_offsets_splice():
    body = "See ![i](x.png), [[T|l]], [a](b.md \"t\"), <https://x.org> and\n[r]: c.md"
    found = scan_body(body, 1).links
    assert [body[lk.start : lk.end] for lk in found] == [
        "![i](x.png)",
        "[[T|l]]",
        '[a](b.md "t")',
        "<https://x.org>",
        "[r]: c.md",
    ]
    for lk in found:
        assert lk.pos == Position(1 + body.count("\n", 0, lk.start), lk.start - (body.rfind("\n", 0, lk.start) + 1) + 1)


# ----------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "body, expected",
    [
        ("# Title", [(1, "Title", "title")]),
        ("###### Six", [(6, "Six", "six")]),
        # Python-Markdown's rule, not CommonMark's: a seventh "#" is text, no space needed.
        ("####### Seven", [(6, "# Seven", "seven")]),
        ("#nospace", [(1, "nospace", "nospace")]),
        ("#", [(1, "", "_1")]),
        ("# Closing ##", [(1, "Closing", "closing")]),
        ("# Escaped \\#", [(1, "Escaped #", "escaped")]),
        ("# Ends on a backslash \\", []),  # Python-Markdown's rule
        ("Setext one\n===", [(1, "Setext one", "setext-one")]),
        ("Setext two\n---", [(2, "Setext two", "setext-two")]),
        ("para\n\n---", []),  # a thematic break, not a heading
        ("line one\nline two\n---", []),  # Python-Markdown: a break after a paragraph
        ("# *Emphasis* and **strong** and `code`", [(1, "Emphasis and strong and code", "emphasis-and-strong-and-code")]),
        ("# A [link](x.md) and ![img](i.png)", [(1, "A link and", "a-link-and")]),
        ("# snake_case and _em_", [(1, "snake_case and em", "snake_case-and-em")]),
        ("# Title {#custom-id}", [(1, "Title", "title")]),
        ("# Title {: .cls }", [(1, "Title", "title")]),
        ("> # Quoted", [(1, "Quoted", "quoted")]),
        ("```\n# not a heading\n```", []),
        ("    # indented code", []),
        ("<!--\n# commented out\n-->", []),
        ("# A\n\n# A\n\n# A", [(1, "A", "a"), (1, "A", "a_1"), (1, "A", "a_2")]),
    ],
)
def test_headings(body, expected):
    assert heads(body) == expected


def test_heading_positions():
    body = "\n# One\n\n```\n# no\n```\nTwo\n---\n\n  > ## Three"
    found = scan_body(body, 5).headings
    assert [(h.text, h.pos) for h in found] == [
        ("One", Position(6, 1)),
        ("Two", Position(11, 1)),
        ("Three", Position(14, 5)),
    ]


TRICKY_HEADINGS = [
    "Myositis ossificans", "Myositis ossificans", "Myositis ossificans",
    "Ossification hétérotopique", "Ça va? Oui!", "Fibrodysplasia (FOP) — overview",
    "`inline code` here", "`_a_` _b_ c_d_e __f__ *g* **h**", "snake_case_name", "_leading", "trailing_",
    "__init__ method", "***both***", "*a* and _b_", "Mixed *em _nested_ em*", "2 * 3 * 4", "a*b*c",
    "a_b_c", "_a_b", "[link label](other.md#x)", "![img](x.png) after image", "[ref link][r1]", "[r1]",
    "[undefined][zz]", "[`code` label](x.md)", "[a ![i](j.png) b](x.md)", "Citation [@smith2020]",
    "A &amp; B", "A & B", "&copy; 2020", "&#x5f;x&#95;", "5 < 6 > 4", "<b>bold</b> tag", "<!-- c --> text",
    "Closing hashes ##", "Escaped \\# hash", "Escaped \\_under\\_", "Émile Zola's *works*", "日本語 見出し",
    "", "x", "x_1", "x", "a  b   c", "Tab\there", "``code with ` tick``", "``a`", "<https://example.org>",
    "<me@example.org>", "Ünïcödé — “quotes”", "_", "__", "***", "Dose: 5 mg/kg (max.)", "pre-/post-op",
    "—", "H₂O", "T1 / T2-weighted (STIR)",
]


def _markdown_ids(body: str) -> list[str]:
    # What MkDocs renders with its default extensions.
    out = markdown.markdown(body, extensions=["toc", "tables", "fenced_code"])
    return [html.unescape(m.group(1)) for m in re.finditer(r'<h[1-6] id="([^"]*)"', out)]


def test_anchors_match_python_markdown_toc():
    body = "\n\n".join("# " + h if h else "#" for h in TRICKY_HEADINGS) + "\n\n[r1]: http://example.org\n"
    assert [h.anchor for h in scan_body(body, 1).headings] == _markdown_ids(body)


@pytest.mark.parametrize(
    "body",
    [
        "Title\n=====\n\nTitle\n-----\n\n# Title #\n",
        "para\n# Heading after para\n\n- item\n---\n",
        "> # Quoted\n\n- a\n\n    # in list\n\n- b\n\n        # code in list\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n# a row, not a heading\n\n# After\n",
        "<!-- c -->\nTitle\n---\n\n***\n---\n",
        "```python\n# comment\n```\nafter\n===\n",
        "# h\na\n---\n",
        "x\n\n    # code\n\n\t# tab code\n",
        "# Imaging\n\n## Imaging\n\n### Imaging\n\n## Imaging_1\n\n## Imaging\n",
    ],
)
def test_anchors_match_python_markdown_in_documents(body):
    assert [h.anchor for h in scan_body(body, 1).headings] == _markdown_ids(body)


def test_attr_list_is_not_the_anchor():
    # Python-Markdown without attr_list would slug the braces' content in;
    # the checker refuses attribute lists, so the anchor ignores them.
    (h,) = scan_body("## Imaging {#custom}", 1).headings
    assert (h.text, h.anchor) == ("Imaging", "imaging")


def test_wiki_link_in_heading_uses_its_label():
    assert heads("# See [[Myositis ossificans|MO]]") == [(1, "See MO", "see-mo")]


# ----------------------------------------------------------------------------- raw HTML


@pytest.mark.parametrize(
    "body, expected",
    [
        ("<script>alert(1)</script>", ["<script>", "</script>"]),
        ("x <img src=x onerror=alert(1)> y", ["<img src=x onerror=alert(1)>"]),
        ("<iframe src=x></iframe>", ["<iframe src=x>", "</iframe>"]),
        ("<svg onload=alert(1)>", ["<svg onload=alert(1)>"]),
        ("<div>\nblock\n</div>", ["<div>", "</div>"]),
        ("line<br>break <br/>", ["<br>", "<br/>"]),
        ("<SCRIPT>x</SCRIPT>", ["<SCRIPT>", "</SCRIPT>"]),
        ("<img\nsrc=x\nonerror=alert(1)>", ["<img src=x onerror=alert(1)>"]),
        ("<!DOCTYPE html>", ["<!DOCTYPE html>"]),
        ("<?php echo 1; ?>", ["<?php echo 1; ?>"]),
        ("<![CDATA[ x ]]>", ["<![CDATA[ x ]]>"]),
        ("<x:y onclick=alert(1)>", ["<x:y onclick=alert(1)>"]),
        ("<a href='" + "x" * 100 + "'>", ["<a href='" + "x" * 71]),
        ("<!-- ok --> <b>after</b>", ["<b>", "</b>"]),
        ("<!--> <b>x</b> -->", ["<b>", "</b>"]),  # "<!-->" is a whole comment to a browser
        ("<!-- a --!> <b>x</b> -->", ["<b>", "</b>"]),
        ("text <!-- a\nb --> <i>", ["<i>"]),
        ("text <!-- a\n\n<b>x</b> -->", ["<b>", "</b>"]),  # a blank line: "<!--" is text
        ("text <!-- a\n# <b>x</b> -->", ["<b>", "</b>"]),  # so is a heading
        ("[a](<img src=x onerror=alert(1)>)", []),  # a link destination
        ("[a](x \"<img src=1 onerror=2>)", ["<img src=1 onerror=2>"]),  # not a CommonMark one
        ("[x]: <img src=x onerror=1>", ["<img src=x onerror=1>"]),  # not a definition to Python-Markdown
        # Python-Markdown renders these as text, so their content is live HTML:
        ("```\n<script>x</script>\n", ["<script>", "</script>"]),  # unclosed fence
        ("  ```\n<div>x</div>\n  ```", ["<div>", "</div>"]),  # indented fence
        ("~~~\n<b>\n~~~~", ["<b>"]),  # closed by a longer fence
        ("``a`<script>`", ["<script>"]),  # its code span is "`a", not "<script>"
        ("\\`<b>`", ["<b>", ]),  # an escaped backtick opens nothing
    ],
)
def test_raw_html(body, expected):
    assert html_snippets(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "a < b and c > d",
        "<5 cm, <= 3, << 2, <- arrow",
        "<https://x.org/a?b=c>",
        "<mailto:a@b.org> and <a@b.org>",
        "<!-- a comment with <script> inside -->",
        "<!--\n<script>\n\n</script>\n-->",
        "text <!-- a comment\n<div>over lines</div> of one paragraph -->",
        "`<script>` and ``<div>``",
        "```html\n<div><script>x</script></div>\n```",
        "~~~\n<b>\n~~~",
        "para\n\n    <div>indented code</div>",
        "\\``<b>`",  # escaped backtick: "`<b>`" is a code span after it
        "[x](<a b>)",
    ],
)
def test_not_raw_html(body):
    assert html_snippets(body) == []


def test_raw_html_position():
    body = "line\n\tx <div onclick=y>"
    (h,) = scan_body(body, 5).html
    assert h.pos == Position(6, 4)


# ----------------------------------------------------------------------------- attribute lists


@pytest.mark.parametrize(
    "body, expected",
    [
        ("# Heading {#id}", ["{#id}"]),
        ("para\n{: .class onclick=\"x\" }", ['{: .class onclick="x" }']),
        ("*em*{.cls} and { .class }", ["{.cls}", "{ .class }"]),
        ("{:#id}", ["{:#id}"]),
        ("para {onclick=alert(1)}", ["{onclick=alert(1)}"]),
        ("math {x} and {1, 2} and {x = 1} and {}", []),
        ("`{: .x}` and\n\n```\n{#id}\n```", []),
    ],
)
def test_attr_lists(body, expected):
    assert attrs(body) == expected


# ----------------------------------------------------------------------------- positions, mixed


def test_positions_in_a_mixed_document():
    body = (
        "# Intro\n"  # line 5
        "\n"
        "```\n"
        "[@fenced] <b> [[no]]\n"
        "```\n"  # line 9
        "Text [@a, p. 3] and [[Target|label]].\n"  # line 10
        "\tTabbed [@b] <i>\n"  # line 11
        "Ünïcödé 😀 [@c]\n"  # line 12: one code point per column, even outside the BMP
    )
    scan = scan_body(body, 5)
    assert [(g.pos, g.items[0].key, g.items[0].pos) for g in scan.citations] == [
        (Position(10, 6), "a", Position(10, 7)),
        (Position(11, 9), "b", Position(11, 10)),
        (Position(12, 11), "c", Position(12, 12)),
    ]
    assert [(lk.target, lk.pos) for lk in scan.links] == [("Target", Position(10, 21))]
    assert [(h.snippet, h.pos) for h in scan.html] == [("<i>", Position(11, 14))]
    assert [(h.text, h.pos) for h in scan.headings] == [("Intro", Position(5, 1))]


def test_crlf_line_endings():
    body = "# Title\r\n\r\nText [@a]\r\n```\r\n[@no]\r\n```\r\n[@b]\r\n"
    scan = scan_body(body, 1)
    assert [(g.items[0].key, g.pos) for g in scan.citations] == [("a", Position(3, 6)), ("b", Position(7, 1))]
    assert [(h.text, h.anchor) for h in scan.headings] == [("Title", "title")]


def test_everything_in_code_is_ignored():
    code = "[@x] [[y]] [z](w.md) <script> <https://x.org> {: .c} "
    body = f"`{code}`\n\n``{code}`\n`{code}``\n\n```\n{code}\n```\n\n~~~~\n{code}\n~~~~\n\n    {code}\n"
    scan = scan_body(body, 1)
    assert (scan.citations, scan.links, scan.html, scan.attr_lists, scan.headings) == ([], [], [], [], [])


def test_empty_and_trivial_bodies():
    for body in ("", "\n", "\n\n\n", " ", "[", "<", "`", "@", "#", "\x00", "\r"):
        scan_body(body, 1)


# ----------------------------------------------------------------------------- robustness

_PIECES = list("ab @;,.:-_*`~#<>![](){}|=\\/\n\t \r&\"'") + [
    "<!--", "-->", "--!>", "```", "~~~", "[[", "]]", "[@", "@k", "<b>", "{:", "{#", "    ", "\n\n",
    "# ", "- ", "1. ", "> ", "<http://x.org>", "a@b.c", "é", "😀", "\x00", "\x02", "\x03", "\u2028",
    "&amp;", "---", "===", "| a | b |\n|---|---|\n",
]


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join) | st.text(max_size=200), st.integers(1, 10_000))
def test_fuzz_never_raises_and_offsets_are_consistent(body, line):
    scan = scan_body(body, line)

    def expected(offset: int) -> Position:
        return Position(line + body.count("\n", 0, offset), offset - (body.rfind("\n", 0, offset) + 1) + 1)

    starts = [0] + [m.end() for m in re.finditer("\n", body)]

    def char_at(pos: Position) -> str:
        return body[starts[pos.line - line] + pos.column - 1]

    for g in scan.citations:
        assert body[g.start] == "[" and body[g.end - 1] == "]"
        assert g.pos == expected(g.start)
        for item in g.items:
            assert char_at(item.pos) == "@"
    for lk in scan.links:
        assert 0 <= lk.start < lk.end <= len(body)
        assert body[lk.start] in "[!<"
        assert lk.pos == expected(lk.start)
    for h in scan.headings:
        assert char_at(h.pos) not in " \t\n"
    for r in scan.html:
        assert char_at(r.pos) == "<" and len(r.snippet) <= 80
    for r in scan.attr_lists:
        assert char_at(r.pos) == "{" and len(r.snippet) <= 80


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="ab _`\\&;[]()", min_size=1, max_size=14))
def test_fuzz_heading_anchors_match_python_markdown(text):
    body = f"# {text}\n"
    assert [h.anchor for h in scan_body(body, 1).headings] == _markdown_ids(body)


# ----------------------------------------------------------------------------- speed

PATHOLOGICAL = {
    "nested brackets": "[" * 10_000 + "@a" + "]" * 10_000,
    "many nested brackets": "[" * 200_000 + "]" * 200_000,
    "one backtick run": "`" * 100_000,
    "backticks": "` " * 100_000,
    "backtick runs of many lengths": "".join("`" * (i % 50 + 1) + "x" for i in range(20_000)),
    "unclosed fence": "```\n" + "[@a] text\n" * 50_000,
    "comment openers on lines": "<!--\n" * 50_000,
    "inline comment openers": "a <!-- " * 100_000,
    "open links": "[a](" * 100_000,
    "open titles": '[a](b "' * 100_000,
    "one long line": "a" * 1_000_000,
    "newlines": "\n" * 1_000_000,
    "open citations": "[@a; " * 100_000,
    "open wiki links": "[[" * 200_000,
    "backslashes": "\\" * 1_000_000,
    "escaped brackets": "\\[" * 300_000,
    "duplicate headings": "# x\n" * 100_000,
    "long heading": "# " + "*a* _b_ " * 100_000,
    "label nesting": "[a [b] " * 100_000,
    "angle brackets": "<a:" * 200_000,
    "tags": "<a" * 200_000,
    "attribute lists": "{: " * 200_000,
    "tables": "| a | b |\n|---|---|\n" * 30_000,
    "setext": "a\n---\n" * 50_000,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_input_is_linear(name):
    # CPU time, not wall time: a quadratic scan takes minutes of CPU here,
    # whatever the machine's load, while a shared CI runner's wall clock can
    # stretch a linear one past the limit.
    body = PATHOLOGICAL[name]
    started = time.process_time()
    scan_body(body, 1)
    # Linear code does each of these in well under a second; a quadratic
    # step would take minutes. The bound is loose for slow CI machines.
    assert time.process_time() - started < 5.0, name


def test_one_megabyte_page():
    page = (
        "## Imaging\n\nRadiographs show *peripheral* calcification [@nuovo1992, fig. 2]; see "
        "[[Fibrodysplasia ossificans progressiva|FOP]] and [CT](ct.md#zonal).\n\n"
        "| Modality | Finding |\n|---|---|\n| CT | zonal [@a] |\n\n```text\n[@x] <b>\n```\n\n"
    )
    body = (page * (1_000_000 // len(page) + 1))[:1_000_000]
    started = time.process_time()
    scan = scan_body(body, 1)
    assert time.process_time() - started < 5.0
    assert len(scan.citations) > 5_000 and scan.html == []

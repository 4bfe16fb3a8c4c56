"""Hostile or broken contributions are refused with a clear error, nothing is
lost, nothing executes, and nothing is read or written outside the project.

Each section states the contract it checks. Python-Markdown 3.11 with the
wiki's extensions is the renderer the checks are measured against: where a
test says what Python-Markdown renders, it asserts that too, so a change in
Markdown that breaks an assumption fails here first.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_BIB, MKDOCS_YML, absent, check_json, run
from ossref.load.bibliography import load_bib_file
from ossref.check.rules import MAX_PER_CODE, SAFE_SCHEMES, cap_per_code, check_project, url_scheme
from ossref.config import Config
from ossref.diagnostics import RULES, diag
from ossref.load.frontmatter import parse_frontmatter
from ossref.load.loader import parse_page
from ossref.model import Project
from ossref.load.scan import (
    MAX_DEFINITIONS,
    MAX_EMPHASIS,
    MAX_FENCES,
    MAX_FOOTNOTES,
    MAX_NESTING,
    MAX_TABLE_ROWS,
    complexity,
    scan_body,
)

REPO = Path(__file__).resolve().parent.parent
PEER_BIB = REPO.parent / "shared" / "peer-bib"
CONFIG = Config(root=Path("/nonexistent"), docs_dir="content")

ENTRY = """---
condition: Alpha lesion
references: [alpha2020]
---

Text [@alpha2020].
"""


def _wiki_markdown() -> markdown.Markdown:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    names, configs = [], {}
    for item in config["markdown_extensions"]:
        name, options = next(iter(item.items())) if isinstance(item, dict) else (item, None)
        names.append(name)
        configs[name] = options or {}
    return markdown.Markdown(extensions=names, extension_configs=configs)


_MD = _wiki_markdown()


def render(body: str) -> str:
    """``body`` as Python-Markdown renders it with the wiki's extensions."""
    _MD.reset()
    return _MD.convert(body)


def findings(body: str, codes: tuple[str, ...] = ("unsafe-url", "raw-html"),
             front_matter: str = "") -> list[tuple[int, int, str]]:
    """(line, column, code) of what the checker finds in a page whose file is
    ``front_matter`` (with its fences) followed by ``body``."""
    page, problems = parse_page((front_matter + body).encode("utf-8"), "content/t.md", "t", CONFIG)
    diags = problems + check_project(Project(pages=[page], references={}, bib_files=[]))
    return sorted((d.line, d.column, d.code) for d in diags if d.code in codes)


@pytest.fixture(autouse=True)
def _one_process(monkeypatch) -> None:
    """Parse in this process, so every finding comes from code under test here."""
    monkeypatch.setenv("OSSREF_JOBS", "1")


def project(tmp_path: Path, pages: dict[str, str] | None = None, bibs: dict[str, str] | None = None,
            mkdocs: str = MKDOCS_YML) -> Path:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(mkdocs)
    for name, text in (pages if pages is not None else {"alpha-lesion.md": ENTRY}).items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    for name, text in (bibs if bibs is not None else {"refs.bib": GOOD_BIB}).items():
        (root / "citations" / name).write_text(text, encoding="utf-8")
    return root


def rows(data: dict) -> list[tuple[str, int, int, str]]:
    return [(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]]


# ============================================================================ links
#
# unsafe-url is reported whenever the href Python-Markdown renders may have a
# scheme other than http, https or mailto, however the destination is spelled.
# (pm: the href Python-Markdown 3.11 renders, None for no link.)

UNSAFE_LINKS = [
    # body, href Python-Markdown renders (None: no link), findings
    ("[x](java\tscript:alert(1))", "java    script:alert(1)", [(1, 1, "unsafe-url")]),  # tab expanded; still refused
    ("[x](<javascript:alert(1)>)", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x]( javascript:alert(1) )", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](&#106;avascript:alert(1))", "&#106;avascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](java&#x09;script:alert(1))", "java&#x09;script:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](javascript&colon;alert(1))", "javascript&colon;alert(1)", [(1, 1, "unsafe-url")]),
    ('[x][r]\n\n[r]: javascript:alert(1) "title"', "javascript:alert(1)", [(3, 1, "unsafe-url")]),
    ("[x][r]\n\n[r]: <javascript:alert(1)> 'title'", "javascript:alert(1)", [(3, 1, "unsafe-url")]),
    ("[x][r]\n\n[r]:\n  javascript:alert(1)\n  (title)", "javascript:alert(1)", [(3, 1, "unsafe-url")]),
    ("[x]\n\n[x]: <<javascript:alert(1)>", "javascript:alert(1)", [(3, 1, "unsafe-url")]),
    # Python-Markdown renders these as unknown raw tags, not links; refused all the same.
    ("<javascript:alert(1)>", None, [(1, 1, "unsafe-url")]),
    ("<vbscript:x>", None, [(1, 1, "unsafe-url")]),
    ("<JAVASCRIPT:alert(1)>", None, [(1, 1, "unsafe-url")]),
    ("[x](JAVASCRIPT:alert(1))", "JAVASCRIPT:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](VbScript:x)", "VbScript:x", [(1, 1, "unsafe-url")]),
    ("![x](data:image/svg+xml,x)", "data:image/svg+xml,x", [(1, 1, "unsafe-url")]),
    ("<ftp://example.org>", "ftp://example.org", [(1, 1, "unsafe-url")]),
    # Destinations and labels nested deeper than the scanner's patterns follow.
    ("[x](javascript:a(b(c(d))))", "javascript:a(b(c(d)))", [(1, 1, "unsafe-url")]),
    ("[a [b [c]]](javascript:alert(1))", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[[a]](javascript:alert(1))", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    # Python-Markdown rewrites code spans, escapes and references inside a
    # destination before it becomes the href.
    ("[x](`javascript:alert(1)`)", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](java`s`cript:alert(1))", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](jav[a][s]script:alert(1))\n\n[s]: https://example.org", "javascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](j\\-avascript:alert(1))", "j-avascript:alert(1)", [(1, 1, "unsafe-url")]),
    ("[x](<java\nscript:alert(1)>)", "java\nscript:alert(1)", [(1, 1, "unsafe-url"), (1, 5, "raw-html")]),
    # Reference definitions inside containers.
    ("> [x]: javascript:alert(1)\n\n[x]", "javascript:alert(1)", [(1, 3, "unsafe-url")]),
    ("- [x]: javascript:alert(1)\n\n[x]", "javascript:alert(1)", [(1, 3, "unsafe-url")]),
    # Text indented under an admonition, a footnote or a definition is no code.
    ("!!! note\n\n    [x](javascript:alert(1))", "javascript:alert(1)", [(3, 5, "unsafe-url")]),
    ("[^1]\n\n[^1]: Note.\n\n    [x](javascript:alert(1))", "javascript:alert(1)", [(5, 5, "unsafe-url")]),
    ("Term\n:   Definition.\n\n    [x](javascript:alert(1))", "javascript:alert(1)", [(4, 5, "unsafe-url")]),
    # Code to CommonMark, text to Python-Markdown.
    ("```\n[x](javascript:alert(1))", "javascript:alert(1)", [(2, 1, "unsafe-url")]),  # unclosed fence
    ("~~~\n[x](javascript:alert(1))\n~~~~", "javascript:alert(1)", [(2, 1, "unsafe-url")]),  # closed too long
    ("``x```[x](javascript:alert(1))```", "javascript:alert(1)", [(1, 7, "unsafe-url")]),  # its backtick pairing
    ("a <!--<ftp://example.org><!---->", "ftp://example.org", [(1, 7, "unsafe-url")]),  # its comment rule
    ("- !!! note\n\n    `\n---\n\n    <ftp://example.org>", "ftp://example.org", [(6, 5, "unsafe-url")]),
    # Conservative: refused though the browser would read a relative URL.
    ("[x](\\javascript:alert(1))", "\\javascript:alert(1)", [(1, 1, "unsafe-url")]),
]

SAFE_LINKS = [
    ("[x](jav%61script:alert(1))", "jav%61script:alert(1)"),  # percent-encoding is never decoded in a scheme
    ("[x](https://example.org/javascript:x)", "https://example.org/javascript:x"),
    ("[x](other.md#a:b)", "other.md#a:b"),
    ("[x](mailto:a@example.org)", "mailto:a@example.org"),
    ("[x](https://en.wikipedia.org/wiki/Myositis_(disease))", "https://en.wikipedia.org/wiki/Myositis_(disease)"),
    ("`[x](javascript:alert(1))`", None),
    ("    [x](javascript:alert(1))", None),
    ("<!-- [x](javascript:alert(1)) -->", None),
    ("```\n[x](javascript:alert(1))\n```", None),
    ("!!! note\n    body\n\n        [x](javascript:alert(1))", None),  # code inside the admonition
]


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


@pytest.mark.parametrize("body, href, expected", UNSAFE_LINKS)
def test_unsafe_link_forms_are_refused(body: str, href: str | None, expected: list) -> None:
    rendered = [h for h in _hrefs(render(body)) if not h.startswith("#") and h != "https://example.org"]
    assert rendered == ([href] if href is not None else []), rendered
    assert findings(body) == expected


@pytest.mark.parametrize("body, href", SAFE_LINKS)
def test_safe_links_and_links_in_code_pass(body: str, href: str | None) -> None:
    rendered = _hrefs(render(body))
    assert rendered == ([href] if href is not None else []), rendered
    assert findings(body) == []


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("javascript:x", "javascript"), ("JaVaScRiPt:x", "javascript"), (" \tjava\nscript:x", "javascript"),
        ("&#x6A;avascript:x", "javascript"), ("<javascript:x>", "javascript"), ("java`s`cript:x", "java`s`cript"),
        ("jav[a][s]script:x", "jav[a][s]script"), ("j\\-avascript:x", "j\\-avascript"), ("page.md", None),
        ("page.md#a:b", None), ("./a:b", None), ("https://x", "https"), ("", None), (":x", None),
    ],
)
def test_url_scheme(url: str, scheme: str | None) -> None:
    assert url_scheme(url) == scheme


def test_obfuscated_scheme_message_says_what_to_do() -> None:
    _, problems = parse_page(b"[x](java`s`cript:alert(1))", "content/t.md", "t", CONFIG)
    (d,) = problems
    assert d.code == "unsafe-url" and "may render with a scheme" in d.message and "code spans" in d.hint


# ============================================================================ raw HTML
#
# raw-html is reported wherever Python-Markdown would pass the HTML through,
# including where the two readings of a body (CommonMark's, Python-Markdown's)
# disagree on what is code.

RAW_HTML = [
    ("!!! note\n\n    <img src=x onerror=alert(1)>", [(3, 5, "raw-html")]),
    ("??? note\n\n    <b>x</b>", [(3, 5, "raw-html"), (3, 9, "raw-html")]),
    ("[^1]\n\n[^1]: Note.\n\n    <b>x</b>", [(5, 5, "raw-html"), (5, 9, "raw-html")]),
    ("Term\n:   Definition.\n\n    <b>x</b>", [(4, 5, "raw-html"), (4, 9, "raw-html")]),
    ("!!! note\n\n    !!! warning\n\n        <b>x</b>", [(5, 9, "raw-html"), (5, 13, "raw-html")]),
    # Python-Markdown 3.11 resumes after an unpaired backtick run as far again
    # as the run is long, so this "```" pair is no code span to it.
    ("``x```<img src=x onerror=alert(1)>```", [(1, 7, "raw-html")]),
    # It pairs backticks before it looks for comments: "-->" in code ends nothing.
    ("~~~ <!--<b>` -->`", [(1, 9, "raw-html")]),
    ("\\<!-- <b>\\-->", [(1, 7, "raw-html")]),  # an escaped "<" opens no comment
    ("\\````a\n```<b>b\n`", [(2, 4, "raw-html")]),  # no fence to it: the paragraph goes on
    ("```<b>\n-\n`", [(1, 4, "raw-html")]),  # nor here: a setext heading
    ("```\n<b>`Term\n:   Definition.", [(2, 1, "raw-html")]),  # nor here: two terms
    # Blocks that split a paragraph, so backticks do not pair across them.
    ("`<b>\n[s]: https://example.org\n`\n\n[s]", [(1, 2, "raw-html")]),
    ("`<b>\n> `", [(1, 2, "raw-html")]),
    ("`a\n:   <b>`", [(2, 5, "raw-html")]),
    (">\n    `x\n<b>`", [(3, 1, "raw-html")]),
    ("`\n    >\n    <b>", [(3, 5, "raw-html")]),  # indented 4, ">" is text: no quote, no blank line
    # A definition makes every line of its block a term: no code, no reference.
    ("[s]: https://example.org\n    <b>Term\n:   Definition.", [(2, 5, "raw-html")]),
    ("[x]:<b>Term\n:   Definition.", [(1, 5, "raw-html")]),
    ("[x]:<b>\n---", [(1, 5, "raw-html")]),  # a setext heading first
    # A first line of spaces starts a paragraph to Python-Markdown, so the
    # indented line after it is no code.
    (" \n    <b>x</b>", [(2, 5, "raw-html"), (2, 9, "raw-html")]),
    # An indented block after a list is the last item's, lazy lines and all.
    ("- a\n```\n\n    <b>x</b>", [(4, 5, "raw-html"), (4, 9, "raw-html")]),
    ("- a\n> q\n\n    <b>x</b>", [(4, 5, "raw-html"), (4, 9, "raw-html")]),
    ("- a\n\n    b\n---\n\n    <b>x</b>", [(6, 5, "raw-html"), (6, 9, "raw-html")]),
    ("- a\n> `<b>\n- `", [(2, 4, "raw-html")]),  # the quote is the item's: "- `" starts the next
    ("`x\n!!! note\n    <b>`", [(3, 5, "raw-html")]),
]

NOT_RAW_HTML = [
    "- a\n# H\n\n    <b>code</b>",
    "- a\n\nb\n\n    <b>code</b>",
    "!!! note\n\n    ```\n    <b>code</b>\n    ```",
    "!!! note\n    body\n\n        <b>code</b>",
    "text\n\n    <b>code</b>",
    "a `<b>` b",
    "<!-- <b>comment</b> -->",
]


@pytest.mark.parametrize("body, expected", RAW_HTML)
def test_raw_html_python_markdown_renders_is_refused(body: str, expected: list) -> None:
    assert re.search(r"<(b|img)\b", render(body)), "Python-Markdown renders this tag"
    assert findings(body) == expected


@pytest.mark.parametrize("body", NOT_RAW_HTML)
def test_html_in_code_and_comments_is_fine(body: str) -> None:
    assert not re.search(r"<(b|img)\b", render(body).replace("<!--", "").split("-->")[-1])
    assert findings(body) == []


SCANNER_STRESS = {
    "definitions without blank lines": "T\n:   d\n" * 100_000,
    "indented lines before definitions": "    x\n:   d\n" * 60_000,
    "comments, indented lines, a definition": "<!-- c -->\n    x\n" * 30_000 + ":   d\n",
    "backtick runs Python-Markdown skips into": "``x`" * 200_000,
    "comments holding comment openers": "a <!-- <!-- " * 80_000,
    "open inline links": "[a](" * 200_000,
    "nested groups in destinations": "[x](a[" * 100_000 + "]" * 100_000,
    "reference definitions in quotes": "> [a]: javascript:x\n" * 50_000,
    "quote lines after text": "a\n> `b\n" * 60_000,
    "admonition openers": "!!! note\n" * 80_000,
    "lines of spaces and indented lines": " \n    <b>\n" * 80_000,
}


@pytest.mark.parametrize("name", list(SCANNER_STRESS))
def test_scanner_stays_linear(name: str) -> None:
    started = time.process_time()
    scan_body(SCANNER_STRESS[name], 1)
    assert time.process_time() - started < 5.0  # linear: well under a second


def test_citations_and_headings_inside_admonitions_are_read() -> None:
    scan = scan_body("!!! note\n\n    ## Inside\n\n    Text [@alpha2020].\n", 1)
    assert [h.anchor for h in scan.headings] == ["inside"]
    assert [g.items[0].key for g in scan.citations] == ["alpha2020"]


# The whole contract at once, as a property: whatever Python-Markdown makes of
# a body, a tag it would emit from the body or an href with an unsafe scheme is
# reported by the checker.

_PM_TAGS = {"p", "a", "code", "pre", "em", "strong", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
            "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "div", "details", "summary",
            "sup", "dl", "dt", "dd", "span", "img"}
_PM_ATTRS = {"href", "src", "id", "class", "title", "alt", "style", "align", "open", "start", "rel"}


def _browser_scheme(url: str) -> str | None:
    url = url.strip("".join(map(chr, range(33)))).replace("\t", "").replace("\n", "").replace("\r", "")
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    return m.group(1).lower() if m else None


class _Live(HTMLParser):
    """What of an HTML fragment did not come from Markdown syntax: tags and
    attributes Python-Markdown never writes itself, and hrefs a browser
    would follow to a scheme other than http, https or mailto."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _PM_TAGS or (tag == "img" and any(k == "onerror" for k, _ in attrs)):
            self.found.append(tag)
        for name, value in attrs:
            if name not in _PM_ATTRS:
                self.found.append(f"{tag}@{name}")
            elif name in ("href", "src") and value is not None:
                scheme = _browser_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.found.append(f"{name}={value}")


_PIECES = [
    "`", "``", "```", "~~~", "\n", "\n\n", " ", "    ", "\\", "[", "]", "(", ")", "[x]", "](", "<b>",
    "<img src=x onerror=a()>", "javascript:a()", "java", "script:", ":", "<", ">", "!!! note\n", "??? note\n",
    "[^1]", "[^1]: ", ": ", "- ", "> ", "1. ", "# ", "<!--", "-->", "&#106;", "&", "|", "---", "\t", "x", "*",
    "[s]: http://x\n", "<ftp://x>", "{: .x}", "\n    ", "| a |\n|---|\n", "Term\n:   ", "\n> ", "\n- ", "[x]:",
]


@settings(max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_whatever_python_markdown_would_emit_is_reported(body: str) -> None:
    try:
        html = render(body)
    except RecursionError:
        return
    live = _Live()
    live.feed(html)
    live.close()
    if live.found:
        assert findings(body, front_matter="---\ntitle: T\n---\n"), (body, live.found, html)


# ============================================================================ too-complex
#
# Markdown that Python-Markdown renders super-linearly, or fails on, is a
# too-complex error at the offending line (see the limits in ossref.load.scan,
# each with its measurements). Real entries are far below every limit.


def _nested_lists(n: int) -> str:
    return "".join("    " * i + "- x\n" for i in range(n))


TOO_COMPLEX = {
    # name: (body, line of the finding)
    "list markers on one line": ("- " * 500 + "x\n", 1),
    "nested lists": (_nested_lists(MAX_NESTING + 10), MAX_NESTING + 1),
    "nested quotes": ("intro\n\n" + "".join(">" * i + " x\n" for i in range(1, 60)), 35),
    "quote and list": ("> - " * 40 + "x\n", 1),
    "emphasis run": ("*" * 2000 + "x" + "*" * 2000, 1),
    "nested emphasis": ("*a " * 100 + "x" + " a*" * 100, 1),
    "open brackets": ("a\n\n" + "[" * 3000, 3),
    "open links": ("[a](" * 3000, 1),
    "nested brackets": ("[" * 3000 + "x" + "]" * 3000, 1),
    "backtick runs": ("".join("`" * k + "x" for k in range(1, 300)), 1),
    "entities": ("&amp;" * 50_000, 1),
    "backslashes": ("\\" * 100_000, 1),
    "hard breaks": ("a  \n" * 30_000, 1),
    "headings without blank lines": ("# x\n" * 3000, 1),
    "setext headings": ("a\n---\n" * 2000, 1),
    "footnotes": ("x[^1] " * (MAX_FOOTNOTES + 1) + "\n\n[^1]: n\n", 1),
    "definitions": ("intro\n\n" + "T\n:   d\n" * (MAX_DEFINITIONS + 1), 3 + 2 * MAX_DEFINITIONS + 1),
    "fences": ("```\nx\n```\n\n" * (MAX_FENCES + 1), 4 * MAX_FENCES + 1),
    "table rows": ("| a | b |\n|---|---|\n" + "| x | y |\n" * MAX_TABLE_ROWS, 1),
}


@pytest.mark.parametrize("name", list(TOO_COMPLEX))
def test_slow_markdown_is_too_complex_at_its_line(name: str) -> None:
    body, line = TOO_COMPLEX[name]
    found = findings(body, ("too-complex",))
    assert found and found[0][:1] == (line,), found
    assert all(RULES[code].severity == "error" for _, _, code in found)


def test_real_entries_are_far_below_every_limit() -> None:
    bodies = [parse_frontmatter(p.read_text(), p.name, 64_000, 20).body for p in sorted((REPO / "content").glob("*.md"))]
    assert bodies
    big = "\n\n".join(bodies)
    big = (big + "\n\n") * (900_000 // len(big))
    assert complexity(big, 1) == []
    ordinary = [
        "Name: ________ Date: ________",  # fill-in blanks are no emphasis
        "snake_case_identifier_" * 50,
        "**Bold** and *em* " * 500,
        "- item\n" * 3000,
        "> quote line\n" * 3000,
        "| a | b |\n|---|---|\n" + "| x | y |\n" * 1000,
        "".join(f"## Section {i}\n\nText [@a, p. {i}] and [[Other]].\n\n" for i in range(2000)),
        "Term\n:   Definition.\n\n" * 1000,
        "[^1]: note\n" * 500,
        "```text\ncode [x](y) <b>\n```\n\n" * 200,
        "    " * MAX_NESTING + "x",  # exactly at the limit
        "*" * MAX_EMPHASIS + "x" + "*" * MAX_EMPHASIS,
    ]
    for body in ordinary:
        assert complexity(body, 1) == [], body[:60]


def test_python_markdown_is_fast_just_below_the_nesting_limits() -> None:
    started = time.process_time()
    render("- " * MAX_NESTING + "x\n")
    render(_nested_lists(MAX_NESTING))
    render("*" * MAX_EMPHASIS + "x" + "*" * MAX_EMPHASIS)
    render("`" * 40 + "x" + "".join("`" * k + "y" for k in range(1, 40)))
    assert time.process_time() - started < 2.0


def test_the_complexity_check_is_linear_on_a_megabyte() -> None:
    for body in ("[" * 1_000_000, "*a " * 333_333, "`" * 500_000 + "x" * 500_000, "- " * 500_000,
                 "# x\n" * 250_000, "a  \n" * 250_000, "".join("`" * (k % 700 + 1) + "x" for k in range(2800))):
        started = time.process_time()
        found = complexity(body, 1)
        assert found and time.process_time() - started < 2.0, body[:20]


@pytest.mark.parametrize("text", ["[" * 60_000, "&" * 60_000, "<>" * 30_000])
def test_front_matter_text_too_complex_to_render_is_refused(text: str) -> None:
    """render writes each such character of front-matter text as a character
    reference, and Python-Markdown copies the paragraph once per reference:
    a 60,000-character summary of "[" took 5 s to render."""
    page = f"---\ncondition: A\nsummary: {json.dumps(text)}\n---\n\nText.\n"
    assert findings(page, ("too-complex",)) == [(3, 10, "too-complex")]
    assert findings(f"---\ncondition: A\nsummary: {json.dumps('A sentence, with (some) punctuation. ' * 400)}\n---\n",
                    ("too-complex",)) == []


def test_too_complex_page_fails_the_check_and_names_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": ENTRY + "\n" + "- " * 500 + "x\n"})
    code, data = check_json(root)
    assert code == 1
    assert ("content/alpha-lesion.md", 8, 1, "too-complex") in rows(data)


# ============================================================================ caps


def test_a_file_reports_at_most_fifty_of_one_rule_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "many.bib"
    path.write_text("@article{broken\n\n" * 300)
    refs, diags = load_bib_file(path, "citations/many.bib", 10**7)
    syntax = [d for d in diags if d.code == "bib-syntax"]
    assert len(syntax) == MAX_PER_CODE + 1 and refs == []
    summary = syntax[-1]
    assert (summary.line, summary.column) == (2 * MAX_PER_CODE + 1, 1)
    assert f"{300 - MAX_PER_CODE:,} more" in summary.message and f"lines {2 * MAX_PER_CODE + 1}-599" in summary.message
    assert [d.line for d in syntax[:-1]] == list(range(1, 2 * MAX_PER_CODE, 2))


def test_cap_keeps_order_when_nothing_is_left_out() -> None:
    diags = [diag("a.md", 3, 1, "raw-html", "x"), diag("a.md", 1, 1, "raw-html", "y")]
    assert cap_per_code(diags) == diags
    many = [diag("a.md", i, 1, "raw-html", "x") for i in range(1, 61)] + [diag("b.md", 1, 1, "raw-html", "x")]
    capped = cap_per_code(many, limit=10)
    assert [d.line for d in capped if d.path == "a.md"] == list(range(1, 12))
    assert "50 more" in capped[10].message and len([d for d in capped if d.path == "b.md"]) == 1


def test_body_rules_are_capped_per_page(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": ENTRY + "<b>\n" * 400 + "[x](javascript:1)\n" * 70})
    code, data = check_json(root)
    raw = [d for d in data["diagnostics"] if d["code"] == "raw-html"]
    unsafe = [d for d in data["diagnostics"] if d["code"] == "unsafe-url"]
    assert code == 1 and len(raw) == len(unsafe) == MAX_PER_CODE + 1
    assert "350 more" in raw[-1]["message"] and "20 more" in unsafe[-1]["message"]


def test_a_megabyte_of_hostile_bibtex_gives_a_short_report_quickly(tmp_path: Path) -> None:
    junk = "@article{x,\n title = {a\n" + "@" * 50 + "\x1b\u202e" + "}}}}\n"
    # Past the default max_bib_blocks such a file is refused unparsed (tests/test_hostile_input.py);
    # raised here, so that the caps on what the reader reports are what is tested.
    root = project(tmp_path, bibs={"refs.bib": GOOD_BIB, "junk.bib": (junk * (990_000 // len(junk.encode())))},
                   mkdocs=MKDOCS_YML + "    max_bib_blocks: 1000000\n")
    started = time.perf_counter()
    code, data = check_json(root)
    assert time.perf_counter() - started < 30
    per_code: dict[str, int] = {}
    for d in data["diagnostics"]:
        if d["path"] == "citations/junk.bib":
            per_code[d["code"]] = per_code.get(d["code"], 0) + 1
    assert code == 1 and per_code.get("duplicate-citation-key", 0) == MAX_PER_CODE + 1
    assert max(per_code.values()) <= MAX_PER_CODE + 1, per_code


# ============================================================================ BibTeX


def test_control_and_bidi_characters_in_bibtex_are_reported_at_their_position(tmp_path: Path) -> None:
    bib = GOOD_BIB.replace("A study", "A \u202estudy").replace("J Test", "J\x07Test")
    root = project(tmp_path, bibs={"refs.bib": bib})
    code, data = check_json(root)
    assert code == 1
    assert [r for r in rows(data) if r[3] == "unsafe-text"] == [
        ("citations/refs.bib", 3, 14, "unsafe-text"),
        ("citations/refs.bib", 4, 15, "unsafe-text"),
    ]
    assert data["summary"]["references"] == 1  # the record is still loaded: nothing is lost


def test_unsafe_text_in_bibtex_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "a.bib"
    path.write_text(GOOD_BIB + "\u202e" * 500)
    _, diags = load_bib_file(path, "citations/a.bib", 10**7)
    unsafe = [d for d in diags if d.code == "unsafe-text"]
    assert len(unsafe) == MAX_PER_CODE + 1 and "450 more" in unsafe[-1].message
    assert (unsafe[0].line, unsafe[0].column) == (8, 1)


def test_citation_keys_differing_only_in_case_are_reported(tmp_path: Path) -> None:
    other = GOOD_BIB.replace("alpha2020", "Alpha2020").replace("10.1000/alpha.2020", "10.1000/other")
    root = project(tmp_path, bibs={"a.bib": GOOD_BIB, "b.bib": other})
    _, data = check_json(root)
    dup = [d for d in data["diagnostics"] if d["code"] == "duplicate-citation-key"]
    assert [(d["path"], d["line"], d["column"]) for d in dup] == [("citations/b.bib", 1, 1)]
    assert "differs only in case" in dup[0]["message"] and "citations/a.bib:1" in dup[0]["message"]


_OPENING = re.compile(r"(?m)^[ \t]*@([A-Za-z]\w*)[ \t]*[{(]")


@pytest.mark.skipif(not PEER_BIB.is_dir(), reason=absent(PEER_BIB, "peer-bib"))
def test_peer_bibliographies_as_a_citations_folder(tmp_path: Path) -> None:
    """Real BibTeX from another project: the check never crashes, fails (the
    folder has errors), counts every record it loaded, and every "@entry" is
    loaded or has a diagnostic from its line to the next entry's."""
    root = project(tmp_path, bibs={})
    for path in PEER_BIB.glob("*.bib"):
        shutil.copy(path, root / "citations" / path.name)
    code, data = check_json(root)
    assert code == 1
    loaded: list = []
    for path in sorted((root / "citations").glob("*.bib")):
        loaded += load_bib_file(path, f"citations/{path.name}", 10**7)[0]
    assert data["summary"]["references"] == len({ref.key for ref in loaded})
    by_file: dict[str, set[int]] = {}
    for d in data["diagnostics"]:
        by_file.setdefault(d["path"], set()).add(d["line"])
    loaded_at = {(ref.path, ref.line) for ref in loaded}
    for path in sorted((root / "citations").glob("*.bib")):
        rel = f"citations/{path.name}"
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            assert by_file.get(rel), rel  # the file is reported as unreadable
            continue
        starts = [text.count("\n", 0, m.start()) + 1 for m in _OPENING.finditer(text)
                  if m.group(1).lower() not in ("comment", "string", "preamble")]
        ends = starts[1:] + [text.count("\n") + 1]
        for first, last in zip(starts, ends):
            if (rel, first) in loaded_at:
                continue
            assert any(first <= line <= last for line in by_file.get(rel, ())), (rel, first)


# ============================================================================ files


def _tree_state(*folders: Path) -> dict[str, tuple[str, int]]:
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
            state[str(path)] = (digest, info.st_mode)
    return state


def test_symlinks_are_refused_and_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    secret_page = "---\ncondition: Leaked\n---\n\nSee [@leakedsecretkey].\n"
    (outside / "secret.md").write_text(secret_page)
    (outside / "folder" / "inner.md").write_text(secret_page)
    (outside / "secret.bib").write_text(GOOD_BIB.replace("alpha2020", "leakedbibkey"))
    root = project(tmp_path)
    (root / "content" / "link-file.md").symlink_to(outside / "secret.md")
    (root / "content" / "link-folder").symlink_to(outside / "folder", target_is_directory=True)
    (root / "content" / "inside-link.md").symlink_to(root / "content" / "alpha-lesion.md")
    (root / "citations" / "link.bib").symlink_to(outside / "secret.bib")
    code, data = check_json(root)
    assert code == 1
    unsafe = sorted(r for r in rows(data) if r[3] == "unsafe-path")
    assert unsafe == [
        ("citations/link.bib", 1, 1, "unsafe-path"),
        ("content/inside-link.md", 1, 1, "unsafe-path"),
        ("content/link-file.md", 1, 1, "unsafe-path"),
        ("content/link-folder", 1, 1, "unsafe-path"),
    ]
    text = json.dumps(data)
    assert "leaked" not in text.lower() and data["summary"]["references"] == 1
    assert all("it is not read" in d["message"] for d in data["diagnostics"] if d["code"] == "unsafe-path")


def test_symlinked_docs_and_citations_folders_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "content").mkdir(parents=True)
    (outside / "citations").mkdir()
    (outside / "content" / "secret.md").write_text("See [@leakedsecretkey].\n")
    (outside / "citations" / "secret.bib").write_text(GOOD_BIB.replace("alpha2020", "leakedbibkey"))
    root = tmp_path / "project"
    root.mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "content").symlink_to(outside / "content", target_is_directory=True)
    (root / "citations").symlink_to(outside / "citations", target_is_directory=True)
    code, out, err = run(["check", "--root", str(root), "--format", "json"])
    assert "leaked" not in (out + err).lower()
    if code != 2:  # a configuration error is as good a refusal
        data = json.loads(out)
        assert code == 1 and {r[0] for r in rows(data) if r[3] == "unsafe-path"} == {"content", "citations"}


def test_links_out_of_the_docs_folder_are_broken(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": ENTRY + "\n[x](../../etc/passwd.md) [y](../mkdocs.md)\n"})
    _, data = check_json(root)
    broken = [d for d in data["diagnostics"] if d["code"] == "broken-link"]
    assert [(d["line"], d["column"]) for d in broken] == [(8, 1), (8, 26)]
    assert all("leaves the docs folder" in d["message"] for d in broken)


def test_names_colliding_after_case_folding_or_normalization_are_reported(tmp_path: Path) -> None:
    cafe_nfc, cafe_nfd = "caf\u00e9", "cafe\u0301"
    pages = {
        "alpha-lesion.md": ENTRY,
        "Alpha-lesion.md": ENTRY.replace("Alpha lesion", "Another lesion"),
        f"{cafe_nfc}.md": "# x\n",
        "beta-lesion.md": ENTRY.replace("Alpha lesion", f"{cafe_nfc.upper()} LESION"),
        "gamma-lesion.md": ENTRY.replace("Alpha lesion", f"{cafe_nfd} lesion"),
    }
    root = project(tmp_path, pages)
    if not (root / "content" / "Alpha-lesion.md").exists() or len(list((root / "content").iterdir())) < 5:
        pytest.skip("case-insensitive or normalizing file system")
    if sys.platform != "darwin":
        (root / "content" / f"{cafe_nfd}.md").write_text("# y\n")
    _, data = check_json(root)
    found = rows(data)
    assert ("content/Alpha-lesion.md", 1, 1, "invalid-slug") in found
    assert (f"content/{cafe_nfc}.md", 1, 1, "invalid-slug") in found
    if sys.platform != "darwin":
        assert (f"content/{cafe_nfd}.md", 1, 1, "invalid-slug") in found
    assert ("content/gamma-lesion.md", 2, 12, "duplicate-entry") in found  # NFD vs NFC, case ignored


def test_check_writes_nothing_into_content_or_citations(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": ENTRY + "<b>[@missing]\n", "sub/beta-lesion.md": "# B\n"},
                   bibs={"refs.bib": GOOD_BIB, "bad.bib": "@article{x,\n"})
    watched = (root / "content", root / "citations")
    before = _tree_state(*watched)
    for _ in range(2):  # cold, then with the cache
        with mock.patch.dict(os.environ, {"OSSREF_NO_CACHE": ""}):
            code, _ = check_json(root)
        assert code == 1
        assert _tree_state(*watched) == before
    assert (root / ".ossref-cache").is_dir()


# ============================================================================ YAML front matter


def test_alias_bomb_is_refused_in_milliseconds(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    text = "---\ncondition: Bomb\n" + "\n".join(lines) + "\n---\n"
    started = time.process_time()
    fm = parse_frontmatter(text, "content/x.md", 64_000, 20)
    assert time.process_time() - started < 0.1
    assert not fm.ok and {d.code for d in fm.diagnostics} == {"yaml-syntax"}
    root = project(tmp_path, {"bomb.md": text})
    started = time.perf_counter()
    code, data = check_json(root)
    assert code == 1 and time.perf_counter() - started < 5
    assert ("content/bomb.md", 3, 5, "yaml-syntax") in rows(data)


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_nesting_cannot_crash_the_process(tmp_path: Path, opener: str) -> None:
    """50 KB of nested brackets segfaults libyaml; the check refuses it before
    parsing. Run in a child process, so a crash would show as a signal."""
    if opener == "- ":
        nested = "\n" + "".join("  " * i + "- x:\n" for i in range(100))
    else:
        nested = opener * (50_000 // len(opener))  # 50 KB: within the size cap, past the depth cap
    root = project(tmp_path, {"deep.md": "---\ncondition: Deep\nv: " + nested + "\n---\n"})
    env = dict(os.environ, OSSREF_NO_CACHE="1", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "ossref", "check", "--root", str(root), "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    deep = [d for d in json.loads(done.stdout)["diagnostics"] if d["path"] == "content/deep.md"]
    assert deep and deep[0]["code"] == "yaml-syntax" and "nested more than" in deep[0]["message"]


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": "---\ncondition: A\nsummary: one\ncondition: B\n---\n"})
    _, data = check_json(root)
    (d,) = [d for d in data["diagnostics"] if d["code"] == "yaml-syntax"]
    assert (d["line"], d["column"]) == (4, 1) and "first defined on line 2" in d["message"]


def test_front_matter_and_file_size_caps(tmp_path: Path) -> None:
    mkdocs = MKDOCS_YML + "    max_frontmatter_bytes: 100\n    max_file_bytes: 2000\n"
    pages = {
        "big-front.md": "---\ncondition: Big\nsummary: " + "x" * 200 + "\n---\n\nText.\n",
        "big-file.md": "---\ncondition: Huge\n---\n\n" + "<b>" * 1000,
    }
    root = project(tmp_path, pages, mkdocs=mkdocs)
    _, data = check_json(root)
    found = rows(data)
    assert ("content/big-front.md", 2, 1, "yaml-syntax") in found
    assert [r for r in found if r[0] == "content/big-file.md"] == [("content/big-file.md", 1, 1, "read-error")]


def test_control_and_bidi_characters_in_front_matter(tmp_path: Path) -> None:
    page = "---\ncondition: Evil\u202eLesion\nsummary: \"bell \\a\"\naliases: [A\x1bB]\n---\n\nText.\n"
    root = project(tmp_path, {"alpha-lesion.md": page})
    _, data = check_json(root)
    unsafe = [r for r in rows(data) if r[3] == "unsafe-text"]
    assert unsafe == [("content/alpha-lesion.md", 2, 16, "unsafe-text"), ("content/alpha-lesion.md", 4, 12, "unsafe-text")]


@pytest.mark.parametrize("separator", ["\u2028", "\r", "\x85"])
def test_yaml_positions_count_newlines_only(separator: str) -> None:
    """PyYAML also ends lines at \\r, \\x85 and \\u2028; reports count "\\n" only."""
    fm = parse_frontmatter(f"---\na: 1\nb: 2{separator}a: 3\n---\n", "x.md", 64_000, 20)
    (d,) = fm.diagnostics
    assert (d.line, d.column) == (3, 6) and "line 2" in d.message
    fm = parse_frontmatter(f"---\nx: 1{separator}y: [\n---\n", "x.md", 64_000, 20)
    assert [(d.line, d.column) for d in fm.diagnostics] == [(3, 1)]

"""render_site(): the staged Markdown, piece by piece, and its escaping."""

from __future__ import annotations

import html

import datetime as dt
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import pytest
import yaml

from conftest import FIXTURES, REPO, Links
from ossref.check.rules import url_scheme
from ossref.config import load_config
from ossref.pipeline import check
from ossref.model import Reference
from ossref.site.citemeta import cm_date
from ossref.site.render import build_date, md_text, render_site, short_citation, tag_slugs
from ossref.site.search import META_KEY
from ossref.site.vancouver import format_reference
from ossref.site.resolve import resolve


def stage(root: Path, staging: Path, clean: bool = True):
    """Check, resolve and render the project at ``root``; (staged texts, diagnostics)."""
    config = load_config(root)
    result = check(config)
    if clean:
        assert result.diagnostics == []
    diagnostics = render_site(resolve(result.project, config), config, staging)
    texts = {p.relative_to(staging).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(staging.rglob("*.md"))}
    return texts, diagnostics


@pytest.fixture
def basic(project, tmp_path):
    texts, diagnostics = stage(project("site-basic"), tmp_path / "staging")
    assert diagnostics == []
    return texts


def front_matter(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


def lines_of(text: str) -> list[str]:
    return text.split("\n")


# --------------------------------------------------------------------------- entry pages


def test_staged_files_keep_their_paths(basic, tmp_path) -> None:
    assert sorted(basic) == [
        "alpha-lesion.md", "beta-lesion.md", "deep/gamma-lesion.md", "index.md", "overview.md",
        "references.md", "tags/index.md", "tags/muscle.md", "tags/reactive.md",
    ]
    figure = (FIXTURES / "site-basic" / "content" / "img" / "figure.png").read_bytes()
    assert (tmp_path / "staging" / "img" / "figure.png").read_bytes() == figure
    assert not (tmp_path / "staging" / "img" / "unsafe.svg").exists()


def test_entry_front_matter_is_for_mkdocs_only(basic) -> None:
    meta, _ = front_matter(basic["alpha-lesion.md"])
    found_by = meta.pop(META_KEY)
    head = meta.pop("ossref_head")  # the head metadata, for ossref's main.html (tests/test_readers.py)
    assert set(head) == {"name", "property", "json_ld"}
    assert meta == {"title": "Alpha lesion", "description": "A lesion used to test rendering.", "hide": ["toc"]}
    # What else finds the page in search: its aliases, and the works it cites.
    assert found_by["names"] == "al alpha body"
    assert {"smith", "adams", "lesions"} <= set(found_by["terms"].split())


def test_entry_header(basic) -> None:
    _, body = front_matter(basic["alpha-lesion.md"])
    assert body.startswith(
        "\n# Alpha lesion\n\n"
        "**Also known as:** AL, Alpha body\n\n"
        "A lesion used to test rendering.\n\n"
        "**Tags:** [muscle](tags/muscle.md), [Reactive](tags/reactive.md)\n\n"
        '<p class="ossref-byline">Last updated 2025-01-02. Not yet reviewed by a named reviewer.</p>\n\n'
        '<p class="ossref-notice"><strong>Not medical advice.</strong> This entry summarises published '
        "literature for education and reference. It does not replace assessment by a qualified clinician, "
        "and it may be incomplete or out of date.</p>\n\n"
        '<details class="ossref-contents"><summary>On this page</summary><ul>'
        '<li><a href="#overview">Overview</a></li><li><a href="#differential-diagnosis">Differential diagnosis</a>'
        '</li><li><a href="#listed-as-a-differential-of">Listed as a differential of</a></li>'
        '<li><a href="#references">References</a></li><li><a href="#further-reading">Further reading</a></li>'
        '<li><a href="#what-links-here">What links here</a></li><li><a href="#cite-this-page">Cite this page</a>'
        "</li></ul></details>\n\n"
        "## Overview\n"
    )


def sup(n: int, m: int, title: str, on_sup: bool = True) -> str:
    """One number's link; the first of a group has its id on the <sup> instead."""
    ident = "" if on_sup else f' id="cite-{n}-{m}"'
    return f'<a{ident} href="#ref-{n}" title="{title}"><span class="ossref-sr">reference </span>{n}</a>'


ADAMS, SMITH, ADAMS3 = "Adams C, 2021", "Smith A et al., 2020", "Adams C et al., 2019"


def test_citations_are_numbered_superscripts(basic) -> None:
    text = basic["alpha-lesion.md"]
    # First use numbers a key; a repeated key keeps its number.
    # No space before a superscript.
    assert ("First two" f'<sup class="ossref-cite" id="cite-1-1">{sup(1, 1, ADAMS)}</sup>'
            ", then one" f'<sup class="ossref-cite" id="cite-2-1">{sup(2, 1, SMITH)}</sup>'
            ", two again" f'<sup class="ossref-cite" id="cite-1-2">{sup(1, 2, ADAMS)}</sup>.') in text
    # A group is one superscript, numbers sorted, each its own link.
    assert ('A group<sup class="ossref-cite" id="cite-1-3">'
            f"{sup(1, 3, ADAMS)},{sup(2, 2, SMITH, False)}</sup>") in text
    # A locator follows its number.
    assert f'a locator<sup class="ossref-cite" id="cite-3-1">{sup(3, 1, ADAMS3)}, p. 3</sup>.' in text
    # Three consecutive numbers are a range.
    assert (f'All three<sup class="ossref-cite" id="cite-1-4">{sup(1, 4, ADAMS)}'
            f"\u2013{sup(3, 2, ADAMS3, False)}</sup>.") in text
    assert "[@" not in text


def test_wiki_links_become_md_links(basic) -> None:
    assert ("See [AL](alpha-lesion.md), [Beta lesion](beta-lesion.md#imaging), "
            "[the third](deep/gamma-lesion.md) and [beta imaging](beta-lesion.md#imaging).") in basic["alpha-lesion.md"]
    assert ("Back to [Alpha lesion](../alpha-lesion.md#overview) and [Overview](#overview); a figure:\n\n"
            "![Figure](../img/figure.png)") in basic["deep/gamma-lesion.md"]


def section(text: str, heading: str) -> list[str]:
    """The lines of the ``## heading`` section, without the heading and blank edges."""
    lines = lines_of(text)
    start = lines.index(f"## {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    body = lines[start:end]
    while body and not body[0]:
        body.pop(0)
    while body and not body[-1]:
        body.pop()
    return body


def test_entry_sections_in_order(basic) -> None:
    headings = [line for line in lines_of(basic["alpha-lesion.md"]) if line.startswith("## ")]
    assert headings == ["## Overview", "## Differential diagnosis", "## Listed as a differential of",
                        "## References", "## Further reading", "## What links here", "## Cite this page"]
    # Empty sections are left out; References stays whenever something is cited.
    gamma = [line for line in lines_of(basic["deep/gamma-lesion.md"]) if line.startswith("## ")]
    assert gamma == ["## Overview", "## References", "## What links here", "## Cite this page"]


def test_differential_table(basic) -> None:
    # Generated sections are final HTML with the URLs MkDocs gives pages.
    assert section(basic["alpha-lesion.md"], "Differential diagnosis") == [
        "<table>", "<thead>",
        "<tr><th>Condition</th><th>Summary</th><th>Distinguishing features</th></tr>",
        "</thead>", "<tbody>",
        '<tr><td><a href="../beta-lesion/">Beta lesion</a></td><td>The second lesion.</td>'
        "<td>Beta has no bone | unlike alpha.</td></tr>",
        "</tbody>", "</table>",
    ]
    assert section(basic["alpha-lesion.md"], "Listed as a differential of") == [
        '<ul><li><a href="../beta-lesion/">Beta lesion</a></li></ul>']


def test_references_and_further_reading(basic) -> None:
    back = '<a class="ossref-backref" href="#cite-{}-1" title="Back to the text">\u21a9</a>'
    assert section(basic["alpha-lesion.md"], "References") == [
        '<ol class="ossref-references">',
        '<li id="ref-1">Adams C. Two studies. J Test. 2021. PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/'
        f'12345678/" rel="noopener">12345678</a>. {back.format(1)}</li>',
        '<li id="ref-2">Smith A, Jones B. One study of lesions. J Test. 2020. doi: <a href="https://doi.org/'
        f'10.1000/one.2020" rel="noopener">10.1000/one.2020</a>. {back.format(2)}</li>',
        '<li id="ref-3">Adams C, Brown D, Clark E. Three studies. J Test. 2019. doi: <a href="https://doi.org/'
        f'10.1000/three" rel="noopener">10.1000/three</a>. {back.format(3)}</li>',
        "</ol>",
    ]
    assert section(basic["alpha-lesion.md"], "Further reading") == [
        '<ul class="ossref-further"><li>Zed Z. Further reading on lesions. London: Test Press; 2019.</li></ul>',
    ]


def test_what_links_here_and_cite_this_page(basic) -> None:
    assert section(basic["alpha-lesion.md"], "What links here") == [
        '<ul><li><a href="../beta-lesion/">Beta lesion</a></li><li><a href="../deep/gamma-lesion/">Gamma lesion</a>'
        '</li><li><a href="../overview/">Overview of lesions</a></li></ul>']
    cited = cm_date(build_date())
    assert basic["alpha-lesion.md"].endswith(
        "## Cite this page\n\n"
        '<div class="ossref-cite-this"><p class="ossref-citation">Alpha lesion [Internet]. Fixture site; 2025 '
        f'[updated 2025 Jan 2; cited <span class="ossref-cited">{cited}</span>]. Available from: '
        '<a href="https://example.org/wiki/alpha-lesion/">https://example.org/wiki/alpha-lesion/</a></p>\n'
        '<p class="ossref-downloads">Download the citation: <a href="alpha-lesion.bib">BibTeX</a> or '
        '<a href="alpha-lesion.ris">RIS</a> (for Zotero, EndNote, Mendeley).</p></div>\n')
    # No date in front matter and no git: the parts that are unknown are left out.
    assert f'Beta lesion [Internet]. Fixture site; [cited <span class="ossref-cited">{cited}</span>].' \
        in basic["beta-lesion.md"]
    assert section(basic["deep/gamma-lesion.md"], "What links here") == [
        '<ul><li><a href="../../alpha-lesion/">Alpha lesion</a></li></ul>']


# --------------------------------------------------------------------------- topic and generated pages


def test_topic_page(basic) -> None:
    meta, body = front_matter(basic["overview.md"])
    assert "names" not in meta.pop(META_KEY)  # a topic page has no aliases
    assert meta == {"title": "Overview of lesions", "hide": ["navigation"]}
    assert ("The [Alpha lesion](alpha-lesion.md) and [its mimic](beta-lesion.md)"
            f'<sup class="ossref-cite" id="cite-1-1">{sup(1, 1, ADAMS3)}</sup>.') in body
    headings = [line for line in lines_of(body) if line.startswith("## ")]
    assert headings == ["## References"]


def test_home_is_the_a_to_z_index(basic) -> None:
    meta, body = front_matter(basic["index.md"])
    assert meta == {"title": "Home"}
    assert "\n".join([
        "## Conditions A\u2013Z", "",
        "[A](#a) \u00b7 [B](#b) \u00b7 [G](#g)", "",
        "### A", "",
        '<ul><li>AL \u2192 <a href="alpha-lesion/">Alpha lesion</a></li>'
        '<li>Alpha body \u2192 <a href="alpha-lesion/">Alpha lesion</a></li>'
        '<li><a href="alpha-lesion/">Alpha lesion</a></li></ul>', "",
        "### B", "",
        '<ul><li><a href="beta-lesion/">Beta lesion</a></li></ul>', "",
        "### G", "",
        '<ul><li>Gamma \u2192 <a href="deep/gamma-lesion/">Gamma lesion</a></li>'
        '<li><a href="deep/gamma-lesion/">Gamma lesion</a></li></ul>', "",
    ]) in body


def test_references_page_cites_back(basic) -> None:
    text = basic["references.md"]
    assert text.index('id="ref-three2022"') < text.index('id="ref-two2021"') < text.index('id="ref-one2020"')
    assert ('<p class="ossref-reference" id="ref-one2020"><span class="ossref-number">3.</span> Smith A, Jones B. '
            "One study of lesions.") in text
    assert ('Cited in: <a href="../alpha-lesion/">Alpha lesion</a>, <a href="../deep/gamma-lesion/">Gamma lesion</a>, '
            '<a href="../overview/">Overview of lesions</a>') in text
    assert 'Cited in: <a href="../alpha-lesion/">Alpha lesion</a>, <a href="../beta-lesion/">Beta lesion</a>' in text


def test_tag_pages(basic) -> None:
    assert "- [muscle](muscle.md) (3)\n- [Reactive](reactive.md) (1)\n" in basic["tags/index.md"]
    meta, body = front_matter(basic["tags/muscle.md"])
    assert meta == {"title": "Tag: muscle"}
    assert body.endswith(
        '<ul><li><a href="../../alpha-lesion/">Alpha lesion</a>: A lesion used to test rendering.</li>'
        '<li><a href="../../beta-lesion/">Beta lesion</a>: The second lesion.</li>'
        '<li><a href="../../deep/gamma-lesion/">Gamma lesion</a>: A lesion in a subfolder.</li></ul>\n')


def test_own_index_is_kept_and_the_a_to_z_appended(project, tmp_path) -> None:
    root = project("site-basic")
    (root / "content" / "index.md").write_text("---\ntitle: Welcome\n---\n\n# Welcome\n\nSee [[AL]].\n")
    texts, diagnostics = stage(root, tmp_path / "staging")
    assert diagnostics == []
    meta, body = front_matter(texts["index.md"])
    assert meta == {"title": "Welcome"}
    assert body.startswith("\n# Welcome\n\nSee [AL](alpha-lesion.md).\n")
    assert "## Conditions A\u2013Z" in texts["index.md"]
    assert '<li><a href="../">Welcome</a></li>' in texts["alpha-lesion.md"]


# --------------------------------------------------------------------------- what render refuses


def test_generated_page_never_overwrites_a_content_page(project, tmp_path) -> None:
    root = project("site-basic")
    (root / "content" / "references.md").write_text("# My references\n")
    (root / "content" / "tags").mkdir()
    (root / "content" / "tags" / "muscle.md").write_text("# Muscle\n")
    result = check(load_config(root))
    assert [(d.path, d.code) for d in result.diagnostics] == [
        ("content/references.md", "reserved-path"), ("content/tags/muscle.md", "reserved-path")]
    texts, diagnostics = stage(root, tmp_path / "staging", clean=False)
    assert diagnostics == []  # reported by the check, not again
    assert texts["references.md"].endswith("# My references\n")
    assert texts["tags/muscle.md"].endswith("# Muscle\n")


def test_links_to_unpublished_files_are_reported_and_an_own_references_heading_is_kept(project, tmp_path) -> None:
    root = project("site-basic")
    page = root / "content" / "beta-lesion.md"
    page.write_text(page.read_text() + "\n![Diagram](img/unsafe.svg)\n\n## References\n\nMine.\n")
    # The check reports the SVG link first, at the same place; rendering
    # reports it again as a second layer, for a build that went past the check.
    checked = check(load_config(root))
    assert [(d.path, d.line, d.column, d.code) for d in checked.diagnostics] == [
        ("content/beta-lesion.md", 14, 1, "unpublished-file")]
    texts, diagnostics = stage(root, tmp_path / "staging", clean=False)
    assert [(d.path, d.line, d.column, d.code) for d in diagnostics] == [("content/beta-lesion.md", 14, 1, "render-error")]
    assert "not published" in diagnostics[0].message
    staged = texts["beta-lesion.md"]
    assert staged.count("## References") == 1
    assert staged.index("## References") < staged.index("Mine.") < staged.index('<ol class="ossref-references">')


# --------------------------------------------------------------------------- escaping

EVIL = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "[x](javascript:alert(1))",
        "{: onclick=x}", "|"]
EVIL_TEXT = " ".join(EVIL)
BIB_FIELDS = ["author", "title", "journal", "year", "volume", "number", "pages", "doi", "pmid", "pmcid", "url",
              "isbn", "publisher", "address", "edition", "booktitle", "editor", "month", "note", "eprint"]


def evil_project(root: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(
        yaml.safe_dump({"site_name": EVIL_TEXT, "site_url": "https://example.org/", "docs_dir": "content"}))
    (root / "content" / "evil.md").write_text(
        "---\n" + yaml.safe_dump({
            "condition": EVIL_TEXT, "aliases": list(EVIL), "summary": EVIL_TEXT, "tags": list(EVIL),
            "updated": dt.date(2024, 1, 1),
            "differentials": [{"entry": "plain", "distinguishing": EVIL_TEXT}],
            "references": ["evil", "evilbook"],
        }, width=1 << 20) + "---\n\n## Body\n\nText [@evil; @evil2, p. 3] and [[plain]].\n")
    (root / "content" / "plain.md").write_text(
        "---\ncondition: Plain\nsummary: Plain.\ntags: [muscle]\ndifferentials:\n"
        f"  - entry: evil\n    distinguishing: {json.dumps(EVIL_TEXT)}\n---\n\n"
        f"Links to [[{EVIL[3]}]] (an alias, shown as written) and [[evil]] [@evil].\n")
    fields = ",\n".join(f"  {name} = {{{EVIL_TEXT}}}" for name in BIB_FIELDS)
    (root / "citations" / "refs.bib").write_text(
        f"@article{{evil,\n{fields}\n}}\n\n@article{{evil2,\n{fields}\n}}\n\n@book{{evilbook,\n{fields}\n}}\n")
    return root


class Elements(HTMLParser):
    """The elements of an HTML fragment as a browser parses them, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str, where: str) -> Elements:
    assert "<script" not in html.lower(), where
    parser = Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag not in ("script", "img", "iframe", "style"), (where, tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, attrs)
            if name in ("href", "src"):
                assert url_scheme(value or "") in (None, "http", "https", "mailto"), (where, tag, attrs)
    return parser


@pytest.mark.parametrize("extensions", [
    ["tables", "toc", "footnotes"],
    ["tables", "toc", "footnotes", "attr_list", "def_list", "admonition", "md_in_html", "abbr"],
])
def test_no_string_from_front_matter_or_bibtex_becomes_markup(tmp_path, extensions) -> None:
    root = evil_project(tmp_path / "evil")
    found = check(load_config(root)).diagnostics
    # Only the identifiers and the link written as an attribute list are refused: the rest is valid input.
    assert {d.code for d in found} == {"invalid-identifier", "raw-html"}, found
    texts, _ = stage(root, tmp_path / "staging", clean=False)
    assert {"evil.md", "plain.md", "index.md", "references.md", "tags/index.md"} <= set(texts)
    shown = ""
    for path, text in texts.items():
        meta, body = front_matter(text)
        for part in meta.pop(META_KEY, {}).values():  # search words: letters and digits only
            assert re.fullmatch(r"[^\W_]+(?: [^\W_]+)*", part), (path, part)
        head = meta.pop("ossref_head", None)
        if head is not None:  # written raw by ossref's main.html: escaped, or JSON without < > &
            assert not any(ch in s for pair in head["name"] + head["property"] for s in pair for ch in "<>\"'")
            assert not any(ch in head["json_ld"] for ch in "<>&")
        for value in meta.values():  # YAML kept every string a string, on one line
            assert isinstance(value, (str, list)), (path, meta)
        shown += "".join(assert_inert(markdown.markdown(body, extensions=extensions), path).text)
    # Nothing was lost either: a reader sees each string as the text it is.
    for value in EVIL:
        assert value in shown, value
    evil = texts["evil.md"]
    # Metadata reaches templates that do not escape: it is staged escaped once,
    # so the page shows it as the text it is.
    meta = front_matter(evil)[0]
    assert meta["title"] == html.escape(EVIL_TEXT) and meta["description"] == html.escape(EVIL_TEXT)
    assert "<" not in meta["title"] and '"' not in meta["description"]
    assert evil.count("<sup") == 1 and "<li id=\"ref-2\">" in evil  # the citations were rendered


def test_md_text_escapes_line_starts_and_inline_syntax() -> None:
    assert md_text("1. # - plain") == "1&#46; # - plain"
    assert md_text("# heading") == "&#35; heading"
    assert md_text("a  b\n\nc") == "a b c"
    assert md_text("[x](y) `z` *w* <t> a|b \\") == (
        "&#91;x&#93;&#40;y&#41; &#96;z&#96; &#42;w&#42; &#60;t&#62; a&#124;b &#92;")
    for value in EVIL:
        assert_inert(markdown.markdown(md_text(value), extensions=["tables", "attr_list"]), value)


def test_short_citation_names_the_first_author_and_year() -> None:
    def short(**fields: str) -> str:
        ref = Reference("k", "article", fields, "refs.bib", 1, 1)
        return short_citation(ref, format_reference(ref))

    assert short(author="Smith, Ann", title="T", year="2020") == "Smith A, 2020"
    assert short(author="Smith, Ann and Jones, Bob", title="T", date="2021-05") == "Smith A et al., 2021"
    assert short(title="An anonymous work", journal="J", year="1999") == "An anonymous work, 1999"
    assert short(author="{World Health Organization}", title="T") == "World Health Organization"


def test_tag_slugs_are_distinct_files() -> None:
    assert tag_slugs(["Soft tissue", "soft-tissue!", "Index", "<script>", "|", "骨"]) == {
        "Soft tissue": "soft-tissue", "soft-tissue!": "soft-tissue-2", "Index": "index-2",
        "<script>": "script", "|": "tag-" + hashlib.sha1(b"|").hexdigest()[:8], "骨": "骨",
    }


# --------------------------------------------------------------------------- the real wiki, and MkDocs


def test_the_wiki_renders_without_diagnostics(tmp_path) -> None:
    texts, diagnostics = stage(REPO, tmp_path / "staging")
    assert diagnostics == []
    # The body: the staged front matter is JSON, whose nested lists open with "[[".
    _, oih = front_matter(texts["ossified-intramuscular-hematoma.md"])
    assert "[@" not in oih and "[[" not in oih
    assert '<li>OIH \u2192 <a href="ossified-intramuscular-hematoma/">Ossified intramuscular hematoma</a></li>' \
        in texts["index.md"]


def test_mkdocs_builds_the_staged_fixture_with_every_link_and_anchor_resolved(project, tmp_path) -> None:
    from ossref.mkdocs.adapter import build_html
    from ossref.site.sanitize import sanitize_html

    root = project("site-basic")
    staging, site = tmp_path / "staging", tmp_path / "site"
    _, diagnostics = stage(root, staging)
    build_html(root, staging, site, sanitize_html)  # raises on any MkDocs warning
    pages = {p: Links() for p in site.rglob("*.html")}
    for path, parser in pages.items():
        parser.feed(path.read_text(encoding="utf-8"))
    checked = 0
    for path, parser in pages.items():
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("/") or href == "#":
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), (path, href)
            if parts.fragment and target in pages:
                assert unquote(parts.fragment) in pages[target].ids, (path, href)
                checked += 1
    assert checked > 20
    alpha = (site / "alpha-lesion" / "index.html").read_text(encoding="utf-8")
    assert ('<sup class="ossref-cite" id="cite-1-1"><a href="#ref-1" title="Adams C, 2021">'
            '<span class="ossref-sr">reference </span>1</a></sup>') in alpha
    assert '<a href="../beta-lesion/#imaging">Beta lesion</a>' in alpha


def test_render_copies_no_file_that_is_not_an_image(project, tmp_path) -> None:
    root = project("site-basic")
    for name in ("x.html", "x.js", "x.css", "x.svg", "x.PNG", ".hidden.png"):
        (root / "content" / name).write_text("x")
    stage(root, tmp_path / "staging")
    copied = sorted(p.relative_to(tmp_path / "staging").as_posix()
                    for p in (tmp_path / "staging").rglob("*")
                    if p.is_file() and p.suffix not in (".md", ".bib", ".ris"))  # citation downloads are made
    assert copied == ["img/figure.png", "x.PNG"]


def test_staging_folder_is_created(project, tmp_path) -> None:
    root = project("site-basic")
    staging = tmp_path / "a" / "b"
    stage(root, staging)
    assert (staging / "index.md").is_file()
    shutil.rmtree(staging)


# --------------------------------------------------------------------------- topic pages (issue #12)


@pytest.fixture
def topical(project, tmp_path):
    texts, diagnostics = stage(project("topic-pages"), tmp_path / "staging")
    assert diagnostics == []
    return texts


def test_topic_pages_are_listed_on_the_home_page(topical) -> None:
    _, body = front_matter(topical["index.md"])
    assert ("## Topics\n\n<ul class=\"ossref-topics\"><li><a href=\"chronic-back-pain/\">Chronic back pain</a></li>"
            "<li><a href=\"guides/reading-x-rays/\">Reading X-rays</a></li></ul>\n") in body
    # The topics come before the A-Z, and the home page is not a topic of its own.
    assert body.index("## Topics") < body.index("## Conditions A\u2013Z")
    assert body.count('href="./"') == 0


def test_home_without_topic_pages_has_no_topics_section(project, tmp_path) -> None:
    root = project("topic-pages")
    (root / "content" / "chronic-back-pain.md").unlink()
    shutil.rmtree(root / "content" / "guides")
    (root / "content" / "alpha-lesion.md").write_text(
        (root / "content" / "alpha-lesion.md").read_text().replace(" See [[chronic-back-pain]].", ""))
    texts, _ = stage(root, tmp_path / "staging")
    assert "## Topics" not in texts["index.md"]


def test_topic_page_tags_list_it_on_the_tag_pages(topical) -> None:
    # "Muscle" on the topic and "muscle" on the entry are one tag, first spelling kept.
    assert "- [muscle](muscle.md) (2)\n- [Pain](pain.md) (1)\n" in topical["tags/index.md"]
    _, body = front_matter(topical["tags/muscle.md"])
    assert "2 pages. [All tags](index.md)" in body
    assert body.endswith(
        '<ul><li><a href="../../alpha-lesion/">Alpha lesion</a>: A lesion of muscle.</li>'
        '<li><a href="../../chronic-back-pain/">Chronic back pain</a>: '
        'Where lesions of muscle fit among the causes of back pain.</li></ul>\n')
    assert '<a href="../../chronic-back-pain/">Chronic back pain</a>' in topical["tags/pain.md"]


def test_topic_page_tags_that_are_not_a_list_of_text_are_ignored(topical) -> None:
    # guides/reading-x-rays.md writes `tags: 5`: no tag page, and no error.
    assert sorted(p for p in topical if p.startswith("tags/")) == ["tags/index.md", "tags/muscle.md", "tags/pain.md"]

"""The published site is verified as built (issue #10).

Two halves: every escape route of page metadata (front matter, the first
heading, tags, the search index) builds into inert text, and the output audit
(:mod:`ossref.site.audit`) refuses, on a site folder, each thing the site must not
publish, in every spelling a browser accepts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from conftest import FIXTURES, check_json, run
from ossref.site.audit import Theme, audit_site, body_links, unchecked_links, url_is_safe

HOSTILE = FIXTURES / "hostile-meta"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("hostile") / "site"
    code, out, err = run(["build", "--root", str(HOSTILE), "--site-dir", str(site), "--strict"])
    assert code == 0, out + err
    return site


def parsed(site: Path, rel: str) -> LexborHTMLParser:
    return LexborHTMLParser((site / rel).read_text(encoding="utf-8"))


def no_live_markup(tree: LexborHTMLParser) -> None:
    """Nothing in the page runs: no script holds code from content, no
    element carries an event handler, no element came from a string."""
    for node in tree.root.traverse(include_text=False):
        assert not any(name.lower().startswith("on") for name in node.attributes), (node.tag, node.attributes)
        assert node.tag != "img" or node.attributes.get("src") != "x", node.attributes
        if node.tag == "script" and node.attributes.get("type") == "application/ld+json":
            # Data, never run: the hostile strings are there as JSON text, and
            # no "<" is left to close the element.
            assert "<" not in node.text() and isinstance(json.loads(node.text()), dict)
        elif node.tag == "script":
            assert "alert(" not in node.text(), node.text()


def test_every_page_of_the_hostile_site_is_inert(hostile_site: Path) -> None:
    pages = sorted(p.relative_to(hostile_site).as_posix() for p in hostile_site.rglob("*.html"))
    assert {"index.html", "evil/index.html", "topic/index.html"} <= set(pages)
    for rel in pages:
        no_live_markup(parsed(hostile_site, rel))


def test_condition_is_the_title_as_text(hostile_site: Path) -> None:
    tree = parsed(hostile_site, "evil/index.html")
    assert tree.css_first("title").text() == "Evil</title><script>alert('condition')</script> - Fixture"
    assert tree.css_first("article h1").text().startswith("Evil</title><script>")
    # The header's title, written by Material's header.html without escaping.
    assert "Evil</title><script>" in tree.css_first(".md-header__topic .md-ellipsis").text(deep=False) + \
        tree.css_first(".md-header__title").text()


def test_summary_is_the_meta_description_as_text(hostile_site: Path) -> None:
    tree = parsed(hostile_site, "evil/index.html")
    meta = tree.css_first('meta[name="description"]')
    assert meta.attributes["content"] == "x\"><script>alert('summary')</script>"


def test_tag_names_the_tag_page_as_text(hostile_site: Path) -> None:
    pages = [p for p in (hostile_site / "tags").rglob("index.html") if p.parent.name != "tags"]
    assert len(pages) == 1
    tree = LexborHTMLParser(pages[0].read_text(encoding="utf-8"))
    assert tree.css_first("title").text() == "Tag: </title><script>alert('tag')</script> - Fixture"


def test_first_heading_names_a_page_without_title_as_text(hostile_site: Path) -> None:
    tree = parsed(hostile_site, "topic/index.html")
    title = tree.css_first("title").text()
    assert title.startswith("Body heading </title><img src=x onerror=alert('heading')>"), title
    assert "<script>alert('code')</script>" in title


def test_index_title_and_description_are_text(hostile_site: Path) -> None:
    tree = parsed(hostile_site, "index.html")
    assert tree.css_first("title").text() == "Home</title><script>alert('index')</script> - Fixture"
    assert tree.css_first('meta[name="description"]').attributes["content"] == \
        "\"><script>alert('description')</script>"


def test_search_index_holds_titles_as_escaped_text(hostile_site: Path) -> None:
    docs = json.loads((hostile_site / "search" / "search_index.json").read_text())["docs"]
    titles = [doc["title"] for doc in docs]
    assert any("alert('condition')" in t for t in titles)
    for doc in docs:
        for text in (doc["title"], doc["text"]):
            # Material's search UI inserts these as HTML.
            no_live_markup(LexborHTMLParser(f"<body>{text}</body>"))


def test_invalid_status_never_reaches_the_theme(tmp_path: Path) -> None:
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "invalid-page-meta", root)
    config = (root / "mkdocs.yml").read_text() + "  ossref:\n    rules:\n      invalid-field: off\n"
    (root / "mkdocs.yml").write_text(config)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 0, out + err
    html = (tmp_path / "site" / "a" / "index.html").read_text()
    assert "onerror" not in html and "etc/passwd" not in html
    # The valid status of the other page is kept.
    assert "md-status--reviewed" in (tmp_path / "site" / "b" / "index.html").read_text() or \
        "reviewed" in (tmp_path / "site" / "b" / "index.html").read_text()


# --------------------------------------------------------------------------- the audit on a site folder

TEMPLATE = """<!doctype html><html><head><title>{{ page.title }}</title>
<script>var base = "{{ base_url }}";</script>
<script src="{{ 'assets/app.js' | url }}"></script>
</head><body><main>{{ page.content }}</main></body></html>
"""


@pytest.fixture
def theme(tmp_path: Path) -> Theme:
    folder = tmp_path / "theme"
    (folder / "assets").mkdir(parents=True)
    (folder / "main.html").write_text(TEMPLATE)
    (folder / "assets" / "app.js").write_text("console.log('theme');\n")
    return Theme.from_dirs([folder])


def site_with(tmp_path: Path, body: str, *, head: str = "", extra: dict[str, str] | None = None) -> Path:
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "theme" / "assets" / "app.js", site / "assets" / "app.js")
    page = (f'<!doctype html><html><head><title>T</title><script>var base = "..";</script>'
            f'<script src="../assets/app.js"></script>{head}</head><body><main><h2 id="top">T</h2>{body}'
            f"</main></body></html>")
    (site / "a").mkdir(exist_ok=True)
    (site / "a" / "index.html").write_text(page)
    home = page.replace("../assets", "assets").replace('"..";', '".";').replace(body, "<p>home</p>")
    (site / "index.html").write_text(home)
    for rel, text in (extra or {}).items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    return site


def codes(site: Path, theme: Theme) -> list[tuple[str, str]]:
    return sorted({(v.file, v.code) for v in audit_site(site, theme)})


def test_a_clean_site_passes(tmp_path: Path, theme: Theme) -> None:
    site = site_with(tmp_path, '<p><a href="../">home</a> <a href="#top">top</a> <a href="https://x.org/">x</a></p>')
    assert audit_site(site, theme) == []


@pytest.mark.parametrize("body", [
    '<img src="x.png" onerror="alert(1)">',
    '<p onmouseover="alert(1)">x</p>',
    '<http:x/onmouseover=alert(1)>x',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" &#1;javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="data:text/html;base64,PHNjcmlwdD4=">',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<script>alert(1)</script>',
    '<script src="https://evil.example/x.js"></script>',
    '<script src="../assets/other.js"></script>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<template><img src=x onerror=alert(1)></template>',
    '<math><mi>x</mi></math>',
])
def test_unsafe_markup_is_refused(tmp_path: Path, theme: Theme, body: str) -> None:
    site = site_with(tmp_path, body, extra={"assets/other.js": "alert(1)"})
    assert ("a/index.html", "unsafe-output") in codes(site, theme), body


def test_an_image_may_have_a_data_url(tmp_path: Path, theme: Theme) -> None:
    site = site_with(tmp_path, '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">')
    assert audit_site(site, theme) == []


def test_a_theme_script_changed_on_disk_is_refused(tmp_path: Path, theme: Theme) -> None:
    site = site_with(tmp_path, "<p>x</p>")
    (site / "assets" / "app.js").write_text("alert(1)")
    found = audit_site(site, theme)
    assert {v.code for v in found} == {"unsafe-output"}
    assert any("app.js" in v.message for v in found)


def test_an_inline_script_must_be_a_template_s_own(tmp_path: Path, theme: Theme) -> None:
    # The template interpolates base_url: URL-safe characters only there.
    site = site_with(tmp_path, '<script>var base = "";alert(1);"";</script>')
    assert ("a/index.html", "unsafe-output") in codes(site, theme)
    assert theme.allows_inline('var base = "../..";')
    assert not theme.allows_inline('var base = "x"+alert(1)+"";')


def test_json_blocks_must_parse(tmp_path: Path, theme: Theme) -> None:
    good = site_with(tmp_path, '<script type="application/json">{"a": 1}</script>')
    assert audit_site(good, theme) == []
    bad = site_with(tmp_path, '<script type="application/json">{"a": alert(1)}</script>')
    assert ("a/index.html", "unsafe-output") in codes(bad, theme)


@pytest.mark.parametrize("string", [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
])
def test_search_index_strings_obey_the_same_rules(tmp_path: Path, theme: Theme, string: str) -> None:
    index = json.dumps({"docs": [{"location": "a/", "title": string, "text": "x"}]})
    site = site_with(tmp_path, "<p>x</p>", extra={"search/search_index.json": index})
    assert codes(site, theme) == [("search/search_index.json", "unsafe-output")]


def test_search_index_with_safe_markup_passes(tmp_path: Path, theme: Theme) -> None:
    index = json.dumps({"docs": [{"location": "a/", "title": "A &amp; B", "text": "<p>x <code>y</code></p>"}]})
    site = site_with(tmp_path, "<p>x</p>", extra={"search/search_index.json": index})
    assert audit_site(site, theme) == []


@pytest.mark.parametrize("href", ["../missing/", "missing.png", "../b/#top", "#nowhere", "../../../etc/passwd",
                                  "/elsewhere/", "../#nowhere"])
def test_internal_links_must_resolve(tmp_path: Path, theme: Theme, href: str) -> None:
    site = site_with(tmp_path, f'<p><a href="{href}">x</a></p>')
    assert codes(site, theme) == [("a/index.html", "broken-link")], href


def test_root_relative_links_resolve_under_the_base_path(tmp_path: Path, theme: Theme) -> None:
    site = site_with(tmp_path, '<p><a href="/wiki/a/#top">x</a> <img src="/wiki/assets/app.js"></p>')
    assert audit_site(site, theme, base_path="/wiki/") == []
    assert {v.code for v in audit_site(site, theme, base_path="/")} == {"broken-link"}


def test_files_the_site_never_publishes_are_refused(tmp_path: Path, theme: Theme) -> None:
    site = site_with(tmp_path, "<p>x</p>", extra={"img/x.svg": "<svg onload='alert(1)'/>", "x.js": "alert(1)"})
    assert codes(site, theme) == [("img/x.svg", "unsafe-output"), ("x.js", "unsafe-output")]


@pytest.mark.parametrize(("url", "image", "safe"), [
    ("https://x.org", False, True), ("mailto:a@b.c", False, True), ("../a/", False, True), ("#x", False, True),
    ("javascript:x", False, False), ("\x01javascript:x", False, False), ("java\tscript:x", False, False),
    ("data:image/png;base64,AA", True, True), ("data:image/png;base64,AA", False, False),
    ("data:image/svg+xml,<svg/>", True, False), ("file:///etc/passwd", False, False),
])
def test_url_is_safe_reads_urls_as_browsers_do(url: str, image: bool, safe: bool) -> None:
    assert url_is_safe(url, image=image) is safe


# --------------------------------------------------------------------------- the check against the renderer


def test_body_links_leave_out_what_markdown_extensions_make() -> None:
    html = ('<h2 id="a">A<a class="headerlink" href="#a">¶</a></h2><p>x<sup id="fnref:1">'
            '<a class="footnote-ref" href="#fn:1">1</a></sup> <a href="../b/">b</a> <img src="../i.png">'
            ' <a href="https://x.org/">x</a></p>')
    assert body_links(html) == ["../b/", "../i.png"]


def test_unchecked_links_are_the_rendered_ones_the_scan_did_not_predict() -> None:
    staged = "---\ntitle: A\n---\n\nSee [b](b.md#top) and ![i](img/i.png).\n"
    assert unchecked_links("a.md", "a/index.html", staged, ["../b/#top", "../img/i.png"]) == []
    assert unchecked_links("a.md", "a/index.html", staged, ["../c/"]) == ["../c/"]


def test_a_link_the_check_misses_fails_the_build(project, tmp_path: Path, monkeypatch) -> None:
    """If the scanner and Python-Markdown ever read a link differently, the
    build says so at the source line (simulated: a scanner that sees no link)."""
    import ossref.load.scan
    from ossref.model import BodyScan

    root = project("clean")
    site = tmp_path / "site"
    assert run(["build", "--root", str(root), "--site-dir", str(site)])[0] == 0
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    real = ossref.load.scan.scan_body

    def blind(body: str, line: int) -> BodyScan:
        scan = real(body, line)
        scan.links = []
        return scan

    # The audit reads the scanner at call time; the check bound its own at import.
    monkeypatch.setattr(ossref.load.scan, "scan_body", blind)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(site)])
    assert code == 1, out + err
    assert "error[unchecked-link]" in out and "content/myositis-ossificans.md:" in out
    assert "left as it was" in err
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == before


def test_an_unsafe_theme_override_fails_the_build_and_keeps_the_site(project, tmp_path: Path) -> None:
    root = project("clean")
    (root / "overrides").mkdir()
    (root / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}<img src="x.png" onerror="alert(1)">'
        "{{ super() }}{% endblock %}")
    site = tmp_path / "site"
    assert run(["build", "--root", str(root), "--site-dir", str(site)])[0] == 0
    kept = (site / "index.html").read_bytes()
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as fh:
        fh.write("theme:\n  name: mkdocs\n  custom_dir: overrides\n")
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(site)])
    assert code == 1, out + err
    assert "error[unsafe-output]" in out and "onerror" in out
    assert (site / "index.html").read_bytes() == kept


def test_a_memo_spares_unchanged_hard_links_and_sees_new_files(tmp_path: Path, theme: Theme, monkeypatch) -> None:
    """ossref serve: the new site is the served one's hard links plus the pages
    rendered again; only those are read again, and they are audited."""
    import ossref.site.audit as audit

    site = site_with(tmp_path, '<p><a href="#top">top</a></p>')
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo) == []
    new = tmp_path / "new"
    _linked_copy(site, new)
    (new / "a" / "index.html").unlink()
    (new / "a" / "index.html").write_text((site / "a" / "index.html").read_text().replace(
        '<a href="#top">', '<a href="#top" onclick="alert(1)">'))
    read: list[str] = []
    real = audit._audit_html
    monkeypatch.setattr(audit, "_audit_html", lambda site, rel, *a: (read.append(rel), real(site, rel, *a))[1])
    assert codes(new, theme) == [("a/index.html", "unsafe-output")]
    read.clear()
    assert {v.code for v in audit_site(new, theme, memo=memo)} == {"unsafe-output"}
    assert read == ["a/index.html"]


def test_links_to_generated_sections_are_checked_as_the_build_renders_them(project, tmp_path, monkeypatch) -> None:
    """A link to a section ossref adds (Further reading, References, ...) is
    valid only where the build adds it: with the check's verdict ignored, the
    output audit finds exactly the links the check refused, at the same places."""
    import ossref.pipeline as pipeline

    root = project("generated-anchors")
    _, data = check_json(root, "--no-cache")
    checked = {(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]}
    assert checked == {("content/a.md", 8, 1, "broken-link"), ("content/a.md", 10, 65, "broken-link")}
    monkeypatch.setattr(pipeline.CheckResult, "failed", lambda self, strict: False)
    code, out, _ = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 1
    audited = {line.split(": ")[0] for line in out.splitlines() if "(in the built" in line}
    assert audited == {"content/a.md:8:1", "content/a.md:10:65"}, out


def test_citation_downloads_hold_no_tag(hostile_site: Path) -> None:
    """"Cite this page" downloads are plain text with no escape of their own:
    a hostile title's angle brackets are written full-width, so no file of
    the site holds markup from content, and the audit refuses one that does."""
    downloads = sorted(hostile_site.rglob("*.bib")) + sorted(hostile_site.rglob("*.ris"))
    assert downloads
    for path in downloads:
        text = path.read_text(encoding="utf-8")
        assert "<" not in text and ">" not in text, path
    assert any("\uff1cscript\uff1e" in p.read_text(encoding="utf-8") for p in downloads)


@pytest.mark.parametrize("name", ["a/a.bib", "a/a.ris"])
def test_the_audit_refuses_a_download_with_a_tag(tmp_path: Path, theme: Theme, name: str) -> None:
    site = site_with(tmp_path, "<p>x</p>", extra={name: "TI  - <script>alert(1)</script>\n"})
    assert codes(site, theme) == [(name, "unsafe-output")]


def _linked_copy(site: Path, new: Path) -> None:
    import os

    for path in sorted(site.rglob("*")):
        target = new / path.relative_to(site)
        if path.is_dir():
            target.mkdir(parents=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)


@pytest.mark.parametrize("change", ["target without the id", "target gone"])
def test_a_memo_checks_again_the_links_of_unchanged_pages_to_changed_ones(tmp_path: Path, theme: Theme,
                                                                           monkeypatch, change: str) -> None:
    """ossref serve: a page that is not read again (the same file) still has
    its links checked again when the page they point at changed or went."""
    import ossref.site.audit as audit

    target = '<!doctype html><html><head><title>B</title></head><body><h2 id="sec">S</h2></body></html>'
    site = site_with(tmp_path, '<p><a href="../b/#sec">b</a></p>', extra={"b/index.html": target})
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo) == []
    new = tmp_path / "new"
    _linked_copy(site, new)
    (new / "b" / "index.html").unlink()
    if change == "target without the id":
        (new / "b" / "index.html").write_text(target.replace(' id="sec"', ""))
    read: list[str] = []
    real = audit._audit_html
    monkeypatch.setattr(audit, "_audit_html", lambda site, rel, *a: (read.append(rel), real(site, rel, *a))[1])
    found = audit_site(new, theme, memo=memo)
    assert [(v.file, v.code) for v in found] == [("a/index.html", "broken-link")]
    assert "a/index.html" not in read


def test_a_memo_skips_the_links_of_pages_whose_targets_did_not_change(tmp_path: Path, theme: Theme) -> None:
    import ossref.site.audit as audit

    site = site_with(tmp_path, '<p><a href="../">home</a></p>')
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo) == []
    new = tmp_path / "new"
    _linked_copy(site, new)
    checked: list[set[str] | None] = []
    real = audit._broken_links
    audit_broken = lambda site, pages, base, only=None: (checked.append(only), real(site, pages, base, only))[1]
    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.setattr(audit, "_broken_links", audit_broken)
        assert audit_site(new, theme, memo=memo) == []
    finally:
        monkeypatch.undo()
    assert checked == [set()]


def test_a_memo_checks_new_search_strings_and_skips_passed_ones(tmp_path: Path, theme: Theme) -> None:
    import ossref.site.audit as audit

    good = json.dumps({"docs": [{"location": "a/", "title": "A", "text": "<p>fine <code>x</code></p>"}]})
    site = site_with(tmp_path, "<p>x</p>", extra={"search/search_index.json": good})
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo) == []
    assert memo._strings  # the passed string is remembered
    new = tmp_path / "new"
    _linked_copy(site, new)
    bad = json.loads(good)
    bad["docs"].append({"location": "b/", "title": "B", "text": '<img src="x.png" onerror="alert(1)">'})
    (new / "search" / "search_index.json").unlink()
    (new / "search" / "search_index.json").write_text(json.dumps(bad))
    assert codes(new, theme) == [("search/search_index.json", "unsafe-output")]
    assert {(v.file, v.code) for v in audit_site(new, theme, memo=memo)} == {("search/search_index.json",
                                                                             "unsafe-output")}


def test_told_what_was_written_the_audit_catches_a_bad_file_planted_in_an_unchanged_slot(
        tmp_path: Path, theme: Theme, monkeypatch) -> None:
    """ossref serve, with the site completed from its spare: the audit reads
    only the files the build wrote. A bad file the build wrote where the
    served site had a file that passed (a slot the memo knows, at the same
    path) is read and refused, as a full audit of the folder refuses it."""
    import ossref.site.audit as audit

    extra = {"b/index.html": '<!doctype html><html><head><title>B</title></head><body><p>b</p></body></html>'}
    site = site_with(tmp_path, '<p><a href="#top">top</a></p>', extra=extra)
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo, token="served") == []
    new = tmp_path / "new"
    _linked_copy(site, new)
    (new / "b" / "index.html").unlink()
    (new / "b" / "index.html").write_text(extra["b/index.html"].replace("<p>b</p>", '<p onclick="x()">b</p>'))
    read: list[str] = []
    real = audit._audit_html
    monkeypatch.setattr(audit, "_audit_html", lambda site, rel, *a: (read.append(rel), real(site, rel, *a))[1])
    full = codes(new, theme)
    assert full == [("b/index.html", "unsafe-output")]
    read.clear()
    written = audit.Written("served", frozenset({"b/index.html"}))
    found = audit_site(new, theme, memo=memo, token="next", written=written)
    assert sorted({(v.file, v.code) for v in found}) == full
    assert read == ["b/index.html"]  # nothing else was read
    assert memo.token == "served"  # a site that failed is not remembered


def test_told_what_was_written_the_audit_looks_at_no_other_file(tmp_path: Path, theme: Theme, monkeypatch) -> None:
    """The files not written are taken as the memo's site's own (the builder
    vouches they are the same inodes): the folder is not walked, no other
    file is even looked at, removed files count as gone for links, and the
    memo then describes the new site."""
    import ossref.site.audit as audit

    gone = '<!doctype html><html><head><title>C</title></head><body><h2 id="c">C</h2></body></html>'
    site = site_with(tmp_path, '<p><a href="../c/#c">c</a></p>', extra={"c/index.html": gone})
    memo = audit.Memo()
    assert audit_site(site, theme, memo=memo, token="served") == []
    new = tmp_path / "new"
    _linked_copy(site, new)
    (new / "c" / "index.html").unlink()
    (new / "c").rmdir()
    looked: list[str] = []
    monkeypatch.setattr(audit, "_files", lambda site: looked.append("walk") or iter(()))
    monkeypatch.setattr(audit.Memo, "_identity", staticmethod(lambda path: looked.append(str(path)) or None))
    found = audit_site(new, theme, memo=memo, token="next",
                       written=audit.Written("served", frozenset(), frozenset({"c/index.html"})))
    assert [(v.file, v.code) for v in found] == [("a/index.html", "broken-link")]
    assert looked == []
    # Told of another site than the memo's: a full audit of the folder.
    monkeypatch.undo()
    found = audit_site(new, theme, memo=memo, token="next", written=audit.Written("another", frozenset()))
    assert [(v.file, v.code) for v in found] == [("a/index.html", "broken-link")]

"""Option ``search: pagefind``: Pagefind's index instead of Material's, built before the swap.

One module-scoped build of the clean fixture with the wiki's own mkdocs.yml
plus ``search: pagefind`` serves the assertions on the site; failures use a
stand-in Pagefind binary (``PAGEFIND_BINARY_PATH``), so they stay fast.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import types
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO, run
from ossref.mkdocs import adapter as mkdocs_adapter
from ossref.site import search
from ossref.site.sanitize import sanitize_html

ENTRY = "ossified-intramuscular-hematoma"


def pagefind_project(root: Path) -> Path:
    """The clean fixture at ``root`` with the wiki's mkdocs.yml and ``search: pagefind``."""
    shutil.copytree(FIXTURES / "clean", root)
    text = (REPO / "mkdocs.yml").read_text()
    assert "\n  ossref:\n" in text
    (root / "mkdocs.yml").write_text(text.replace("\n  ossref:\n", "\n  ossref:\n    search: pagefind\n", 1))
    return root


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = pagefind_project(tmp_path_factory.mktemp("pagefind") / "wiki")
    code, out, err = run(["build", "--root", str(root)])
    return types.SimpleNamespace(root=root, site=root / "site", code=code, out=out, err=err)


def page(built, rel: str) -> str:
    return (built.site / rel).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the built site


def test_build_is_quiet_and_writes_a_pagefind_index(built) -> None:
    assert built.code == 0, built.out + built.err
    assert built.err == ""
    assert "Pagefind" not in built.out and "Indexed" not in built.out
    for bundle in (built.site / "pagefind", built.site / "pagefind-text"):
        for name in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json"):
            assert (bundle / name).is_file(), (bundle, name)
        assert list(bundle.glob("wasm.*.pagefind"))
        assert list(bundle.glob("index/*.pf_index")) and list(bundle.glob("fragment/*.pf_fragment"))
        # Pagefind's ready-made interfaces are not used, so not shipped.
        assert not list(bundle.glob("pagefind-ui.*")) and not list(bundle.glob("pagefind-component-ui.*"))
    # The first bundle holds the pages' names only: far smaller.
    size = {name: sum(p.stat().st_size for p in (built.site / name).glob("*/*")) for name in ("pagefind", "pagefind-text")}
    assert size["pagefind"] < size["pagefind-text"], size


def test_material_search_is_left_out(built) -> None:
    assert not (built.site / "search").exists()
    html = page(built, f"{ENTRY}/index.html")
    # Material's search starts on a form named "search" or a search component.
    assert 'name="search"' not in html and 'data-md-component="search"' not in html
    # Its header slot holds the Pagefind box instead.
    assert "data-ossref-search" in html and 'class="md-search__input"' in html
    assert 'class="md-header__button md-icon" for="__search"' in html


class _Region(HTMLParser):
    """Finds the source span of the element carrying data-pagefind-body."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.span: list[tuple[int, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif any(k == "data-pagefind-body" for k, _ in attrs):
            self.depth = 1
            self.span.append(self.getpos())

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1
            if not self.depth:
                self.span.append(self.getpos())


def region(html: str) -> str:
    """The markup inside the data-pagefind-body element."""
    parser = _Region()
    parser.feed(html)
    (l1, c1), (l2, c2) = parser.span
    lines = html.splitlines(keepends=True)
    offset = lambda line, col: sum(len(x) for x in lines[: line - 1]) + col  # noqa: E731
    return html[offset(l1, c1): offset(l2, c2)]


def test_entry_and_topic_pages_are_the_indexed_region(built) -> None:
    for rel in (f"{ENTRY}/index.html", "myositis-ossificans/index.html", "paraspinal-muscles/index.html"):
        html = page(built, rel)
        assert html.count("data-pagefind-body") == 1, rel
        body = region(html)
        assert "Also known as" in body or rel != f"{ENTRY}/index.html"
        # The article's text is inside; the header, nav and footer are not.
        assert "md-header" not in body and "md-nav" not in body and "md-footer" not in body
        assert html.index("md-header") < html.index("data-pagefind-body")
    # Generated lists of every entry, reference or tagged entry are not indexed.
    for rel in ("index.html", "references/index.html", "tags/index.html", "tags/muscle/index.html", "404.html"):
        assert "data-pagefind-body" not in page(built, rel), rel


def test_title_and_aliases_are_the_names_region(built) -> None:
    html = page(built, f"{ENTRY}/index.html")
    assert re.search(r'<h1 data-pagefind-meta="title" id="ossified-intramuscular-hematoma">'
                     r"Ossified intramuscular hematoma<a data-pagefind-ignore class=\"headerlink\"", html)
    assert (f'<p data-pagefind-weight="{search.ALIAS_WEIGHT}"><strong>Also known as:</strong> OIH</p>') in html
    # The names bundle's region: the title and the aliases, nothing else.
    for rel, expected in ((f"{ENTRY}/index.html", "Ossified intramuscular hematoma¶\nAlso known as: OIH"),
                          ("myositis-ossificans/index.html", "Myositis ossificans¶\nAlso known as: MO"),
                          ("paraspinal-muscles/index.html", "Paraspinal muscles¶")):
        html = re.sub(r"<div hidden[^>]*>[^<]*</div>", "", page(built, rel))  # other spellings, see below
        names = re.findall(rf"<div {search.NAMES}>(.*?)</div>", html, re.S)
        assert [re.sub(r"<[^>]+>", "", n) for n in names] == [expected], rel
    # The British spelling of the title's word: a hidden metadata field of the names region, not its text.
    assert ('Also known as:</strong> OIH</p><div hidden data-pagefind-ignore data-pagefind-meta="ossref_names">'
            ' haematoma</div></div>') in page(built, f"{ENTRY}/index.html")


class _Refs(HTMLParser):
    """Every URL a page makes the browser fetch (not the links a reader may follow)."""

    FETCHED = {"script": "src", "img": "src", "iframe": "src", "embed": "src", "source": "src",
               "audio": "src", "video": "src", "track": "src", "object": "data", "input": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.FETCHED and a.get(self.FETCHED[tag]):
            self.urls.append(a[self.FETCHED[tag]])
        # canonical and license (an entry's licence) name a URL, never fetched
        if tag == "link" and a.get("href") and a.get("rel") not in ("canonical", "license"):
            self.urls.append(a["href"])
        for name in ("srcset", "poster", "background", "action", "formaction"):
            if a.get(name):
                self.urls.append(a[name])
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
_ABSOLUTE = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+""")
#: Absolute URLs in the search scripts that are never fetched: Pagefind's
#: placeholder origin for parsing result URLs.
_INERT = {"https://example.com"}


def _foreign(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme not in ("", "data") or bool(parts.netloc)


def test_nothing_is_loaded_from_another_host(built) -> None:
    files = [p for p in built.site.rglob("*") if p.suffix in (".html", ".css", ".js")]
    assert files
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(built.site).as_posix()
        styles = [text] if path.suffix == ".css" else []
        if path.suffix == ".html":
            refs = _Refs()
            refs.feed(text)
            found += [(rel, u) for u in refs.urls if _foreign(u)]
            styles += refs.styles
        for style in styles:
            for m in _CSS_URL.finditer(style):
                url = m.group(1) or m.group(2)
                if _foreign(url) and not url.startswith("data:"):
                    found += [(rel, url)]
        if path.suffix == ".js" and (rel.startswith("pagefind/") or rel.startswith("assets/ossref/")):
            found += [(rel, u) for u in _ABSOLUTE.findall(text) if u not in _INERT and not u.startswith("//")]
    assert found == []


def test_the_search_box_is_loaded_by_relative_urls_from_every_page(built) -> None:
    pages = [p for p in built.site.rglob("*.html") if "/pagefind/" not in p.as_posix()]
    assert len(pages) >= 6
    for path in pages:
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(built.site).as_posix()
        [src] = re.findall(r'<script src="([^"]*assets/ossref/search\.js)" defer>', html)
        # The 404 page too: ossref renders it relative to the site's root (issue #12).
        assert not _foreign(src) and not src.startswith("/"), (rel, src)
        # Resolved as the browser would, from the page's own URL.
        url = urljoin("http://site.test/ossref/" + rel, src)
        assert url == "http://site.test/ossref/assets/ossref/search.js", (rel, src)
    script = (built.site / "assets" / "ossref" / "search.js").read_text()
    # The bundle is found from the script's own URL, whatever folder serves the site.
    assert 'new URL("../../", script.src)' in script and 'new URL("pagefind/", root)' in script
    assert 'new URL("pagefind-text/", root)' in script
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


# --------------------------------------------------------------------------- failures keep the old site


def make_old_site(site: Path) -> str:
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>previous site</p>")
    return tree_hash(site)


def fake_pagefind(folder: Path, body: str) -> Path:
    path = folder / "fake-pagefind"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("script, message", [
    ("echo 'Error: kaboom, the index could not be written' >&2\nexit 3\n", "exited with status 3"),
    ("exit 0\n", "wrote no search index into pagefind/"),
    ("mkdir -p pagefind && echo '{}' > pagefind/pagefind-entry.json\nkill -9 $$\n", "exited with status -9"),
    # The first run succeeds, the second (the full text) fails.
    ('if [ "$4" = pagefind ]; then mkdir -p pagefind; touch pagefind/pagefind-entry.json pagefind/pagefind.js; '
     "exit 0; fi\necho 'Error: out of memory' >&2\nexit 1\n", "exited with status 1"),
])
def test_a_failing_pagefind_run_leaves_the_previous_site(tmp_path: Path, monkeypatch, script, message) -> None:
    root = pagefind_project(tmp_path / "wiki")
    before = make_old_site(root / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_pagefind(tmp_path, script)))
    code, out, err = run(["build", "--root", str(root)])
    assert code == 1, out + err
    assert f"ossref: not built: search index failed: Pagefind {message}; " in err
    for words in ("Error: kaboom", "Error: out of memory"):
        if words in script:
            assert words in err  # Pagefind's own words, printed only on failure
    assert tree_hash(root / "site") == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site.")) == []


def test_a_missing_pagefind_binary_fails_the_build(tmp_path: Path, monkeypatch) -> None:
    root = pagefind_project(tmp_path / "wiki")
    before = make_old_site(root / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "nowhere"))
    code, _, err = run(["build", "--root", str(root)])
    assert code == 1 and "no Pagefind binary" in err and "pip install" in err
    assert tree_hash(root / "site") == before


def test_pagefind_gets_no_pagefind_variables_of_the_caller(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_pagefind(
        tmp_path, 'env >> env.txt\necho "$@" >> args.txt\nmkdir -p "$4"\n'
                  'touch "$4/pagefind-entry.json" "$4/pagefind.js" "$4/pagefind-ui.js" "$4/pagefind-highlight.js"\n')))
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "nav")
    search.index_site(site)
    assert "PAGEFIND_" not in (site / "env.txt").read_text()
    assert (site / "args.txt").read_text().splitlines() == [
        "--site . --output-subdir pagefind --root-selector [data-ossref-names]",
        "--site . --output-subdir pagefind-text",
    ]
    for bundle in ("pagefind", "pagefind-text"):
        assert sorted(p.name for p in (site / bundle).iterdir()) == ["pagefind-entry.json", "pagefind.js"]


def test_pagefind_needs_the_material_theme(tmp_path: Path) -> None:
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "clean", root)  # its mkdocs.yml keeps MkDocs' own theme
    with open(root / "mkdocs.yml", "a") as fh:
        fh.write("\nextra:\n  ossref:\n    search: pagefind\n")
    code, _, err = run(["build", "--root", str(root)])
    assert code == 2 and "pagefind needs theme material" in err
    assert not (root / "site").exists()


# --------------------------------------------------------------------------- marking page bodies


def test_mark_body_wraps_and_marks_only_real_tags() -> None:
    html = ('<h1 id="a">A<a class="headerlink" href="#a" title="Permanent link">¶</a></h1>\n'
            "<p><strong>Also known as:</strong> B, C</p>\n"
            '<p>Text &lt;h1 class="headerlink"&gt; <a href="x/" title="<h1 onclick=alert(1) <p>">x</a></p>\n'
            "<h1>Second</h1>\n<p><strong>Also known as:</strong> again</p>\n"
            '<h2 id="b">B</h2>\n<div class="admonition"><p>In <strong>detail</strong></p></div><hr>\n<p>Last</p>')
    assert search.mark_body(html) == (
        '<div data-pagefind-body><div data-ossref-names><h1 data-pagefind-meta="title" id="a">A'
        '<a data-pagefind-ignore class="headerlink" href="#a" title="Permanent link">¶</a></h1>\n'
        f'<p data-pagefind-weight="{search.ALIAS_WEIGHT}"><strong>Also known as:</strong> B, C</p></div>\n'
        '<p>Text &lt;h1 class="headerlink"&gt; <a href="x/" title="<h1 onclick=alert(1) <p>">x</a></p>\n'
        "<h1>Second</h1>\n<p><strong>Also known as:</strong> again</p>\n"
        '<h2 id="b">B</h2>\n<div class="admonition"><p>In <strong>detail</strong></p></div><hr>\n<p>Last</p></div>')


@pytest.mark.parametrize("html, names", [
    ("<h1>T</h1>\n<p>Summary</p>", "<h1>T</h1>"),                      # no aliases: the title alone
    ("<p>Intro</p><h1>T</h1><p><strong>Also known as:</strong> X</p>",    # the title need not come first
     "<h1>T</h1><p><strong>Also known as:</strong> X</p>"),
    ("<h1>T</h1><p>x</p><p><strong>Also known as:</strong> X</p>", "<h1>T</h1>"),  # not right after
    ("<div><h1>Nested</h1></div><h1>T</h1>", "<h1>T</h1>"),               # top level only
    ("<p>No title</p>", None),
    # Comments (the build's tokens for generated HTML) are never read as tags.
    ('<!-- <h1 title="x"> --><h1>T</h1><!--ossref:1--><p><strong>Also known as:</strong> X</p>',
     "<h1>T</h1>"),
    ("<h1>T</h1>\n<p><strong>Also known as:</strong> X<!-- </p><p> --></p><!--ossref:2-->",
     "<h1>T</h1>\n<p><strong>Also known as:</strong> X<!-- </p><p> --></p>"),
])
def test_the_names_region(html: str, names: str | None) -> None:
    marked = re.sub(r" data-pagefind-[a-z]+(=\"[^\"]*\")?", "", search.mark_body(html))
    found = re.findall(rf"<div {search.NAMES}>(.*?)</div>", marked, re.S)
    assert found == ([names] if names else [])


class _Tokens(HTMLParser):
    """Tokens of HTML, leaving out what mark_body adds: its attributes and wrappers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self._divs: list[bool] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        added = tag == "div" and ("data-pagefind-body" in names or search.NAMES in names)
        if tag == "div":
            self._divs.append(added)
        if not added:
            self.tokens.append(("start", tag, tuple((k, v) for k, v in attrs if not k.startswith("data-pagefind"))))

    def handle_endtag(self, tag):
        if not (tag == "div" and self._divs and self._divs.pop()):
            self.tokens.append(("end", tag))

    def handle_comment(self, data):
        self.tokens.append(("comment", data))

    def handle_data(self, data):
        if self.tokens and self.tokens[-1][0] == "text":  # a wrapper may split a run of text
            self.tokens[-1] = ("text", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("text", data))


class _TopLevel(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.tags.append(tag)
        self.depth += tag not in _Region.VOID

    def handle_endtag(self, tag):
        self.depth -= tag not in _Region.VOID


def top_level_tags(html: str) -> list[str]:
    parser = _TopLevel()
    parser.feed(html)
    return parser.tags


def tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


_MD = markdown.Markdown(extensions=["toc", "tables", "def_list", "footnotes"], extension_configs={"toc": {"permalink": True}})
_PIECES = st.sampled_from([
    "<!-- ", " -->", "<!--ossref:0-->", "# ", "## ", "\n\n", "**Also known as:** ", "[link](x.md \"", "\")", "<h1 ", "<p>", "class=\"headerlink\"",
    "\"", "'", "<", ">", "&", "onclick=alert(1)", "¶", "| a | b |\n|---|---|\n| c | d |\n", "`<h1>`", " ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=25), st.booleans())
def test_mark_body_changes_nothing_but_its_own_attributes(pieces: list[str], comments: bool) -> None:
    _MD.reset()
    # The build keeps comments (its tokens for generated HTML) in page bodies.
    body = sanitize_html(_MD.convert("".join(pieces)), keep_comments=comments)
    marked = search.mark_body(body)
    assert tokens(marked) == tokens(body)
    added = re.findall(r"data-(?:pagefind|ossref)-[a-z]+(?:=\"[^\"]*\")?", marked)
    assert set(added) <= {"data-pagefind-body", 'data-pagefind-meta="title"', "data-pagefind-ignore",
                          f'data-pagefind-weight="{search.ALIAS_WEIGHT}"', search.NAMES}
    assert marked.count(f"<div {search.NAMES}>") == (1 if "h1" in top_level_tags(body) else 0)


def test_pages_left_out_of_the_index() -> None:
    def page_at(src: str, meta: dict | None = None):
        return types.SimpleNamespace(file=types.SimpleNamespace(src_uri=src), meta=meta or {})

    assert mkdocs_adapter._indexed(page_at("ossified-intramuscular-hematoma.md"))
    assert mkdocs_adapter._indexed(page_at("topics/a.md", {"search": {"boost": 2}}))
    for src in ("index.md", "references.md", "tags/index.md", "tags/muscle.md"):
        assert not mkdocs_adapter._indexed(page_at(src)), src
    assert not mkdocs_adapter._indexed(page_at("a.md", {"search": {"exclude": True}}))


def test_adapter_rejects_an_unknown_search_engine(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="search must be one of"):
        mkdocs_adapter.build_html(tmp_path, tmp_path, tmp_path / "out", lambda h: h, search="lunr")


def test_templates_are_package_data() -> None:
    tomllib = pytest.importorskip("tomllib")
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["ossref"]
    shipped = {p.relative_to(mkdocs_adapter.TEMPLATES_DIR.parent).as_posix()
               for p in mkdocs_adapter.TEMPLATES_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped
    for path in shipped:
        assert any(Path(path).match(g) and path.count("/") == g.count("/") for g in globs), path


def test_pagefind_is_a_dependency() -> None:
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("pagefind[bin]") for d in deps)
    assert search.pagefind_executable().is_file() or os.environ.get("PAGEFIND_BINARY_PATH")


def test_index_site_stops_pagefind_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ossref serve asks Pagefind to stop when files change meanwhile."""
    fake = tmp_path / "pagefind"
    fake.write_text(f"#!/bin/sh\necho started > {tmp_path / 'ran'}\nexec sleep 60\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake)
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return (tmp_path / "ran").exists()

    with pytest.raises(search.SearchStopped):
        search.index_site(tmp_path, stop=stop)
    assert asked and (tmp_path / "ran").exists()


# --------------------------------------------------------------------------- issue #12: what else finds a page


def test_spelling_variants_are_british_and_american_word_starts() -> None:
    found = search.words("Haematomas with oedematous tissue; the oesophagus and a hemorrhage, them")
    assert search.spelling_variants(found) == ["hematomas", "edematous", "esophagus", "haemorrhage"]
    # Word starts only: "them" is not a spelling of "hem".
    assert search.spelling_variants(["them", "stem"]) == []
    assert search.spelling_variants(["grey"], (("grey", "gray"),)) == ["gray"]


def test_search_words_are_letters_and_digits_only() -> None:
    hostile = '<script>alert("x")</script> "quoted" {{ jinja }} --- : ] & é'
    assert search.words(hostile) == ["script", "alert", "x", "quoted", "jinja", "é"]
    meta = search.search_meta("T", ["<b>alias</b>"], [hostile], ["Smith J. <i>Title</i>; 2020."])
    for part in meta.values():
        assert re.fullmatch(r"[^\W_]+(?: [^\W_]+)*", part), part


def test_search_meta_names_aliases_and_spellings_and_terms_cited_works() -> None:
    meta = search.search_meta("Ossified intramuscular hematoma", ["OIH"], ["An old hematoma with oedema."],
                              ["Zelmanovich R, Lucke-Wold B. Ossified intramuscular hematoma. 2023."])
    assert meta["names"] == "oih haematoma"  # the title is indexed as the title already
    terms = meta["terms"].split()
    assert "edema" in terms and "zelmanovich" in terms and "lucke" in terms
    assert "oedema" not in terms and "hematoma" not in terms  # words of the page itself are indexed already


def test_mark_body_hides_other_spellings_in_the_names_and_cited_works_in_the_body() -> None:
    html = '<h1 id="x">Hematoma</h1>\n<p><strong>Also known as:</strong> OIH</p>\n<p>Text.</p>'
    out = search.mark_body(html, {"names": "oih haematoma", "terms": "zelmanovich edema"})
    assert ('<strong>Also known as:</strong> OIH</p>'
            '<div hidden data-pagefind-ignore data-pagefind-meta="ossref_names"> haematoma</div></div>') in out
    assert out.endswith('<p>Text.</p><div hidden data-pagefind-ignore data-pagefind-meta="ossref_terms">'
                        ' zelmanovich edema</div></div>')
    # Anything but words, as only a hand-written front matter could hold, is left out.
    assert "<div hidden" not in search.mark_body(html, {"names": "<script>", "terms": ["x"]})
    assert search.mark_body(html) == search.mark_body(html, None)


def _fragment_data(bundle: Path) -> dict[str, dict]:
    """Each page's fragment of a Pagefind bundle (its text, metadata...), by URL."""
    import gzip
    import json

    out = {}
    for path in bundle.glob("fragment/*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        data = json.loads(raw[raw.index(b"{"):])
        out[data["url"]] = data
    return out


def _fragments(bundle: Path) -> dict[str, str]:
    """Each page's indexed text, what Pagefind cuts its excerpts from, by URL."""
    return {url: data["content"] for url, data in _fragment_data(bundle).items()}


def test_pagefind_indexes_other_spellings_first_and_cited_authors_in_the_full_text(built) -> None:
    names = _fragment_data(built.site / "pagefind")[f"/{ENTRY}/"]
    # Found by the other spelling (a metadata field Pagefind searches), shown with the page's own words.
    assert names["content"] == "Ossified intramuscular hematoma. Also known as: OIH."
    assert names["meta"]["ossref_names"] == "haematoma" and "ossref_terms" not in names["meta"]
    text = _fragment_data(built.site / "pagefind-text")
    entry = text[f"/{ENTRY}/"]
    assert "Gamma G. Another study." in entry["content"]
    assert "haematoma" not in entry["content"]
    assert entry["meta"]["ossref_names"] == "haematoma"
    assert {"haematoma", "gamma", "another", "study"} <= set(entry["meta"]["ossref_terms"].split())
    assert "Paraspinal muscles" in text["/paraspinal-muscles/"]["content"]  # a topic page


# --------------------------------------------------------------------------- issue #12: clean Pagefind excerpts


def test_pagefind_text_has_no_citation_numbers_and_no_gap_where_they_were(built) -> None:
    text = _fragments(built.site / "pagefind-text")
    # "Compact mature bone in an old hematoma [@beta2021; @alpha2020]." and "typical [@alpha2020, p. 3]."
    assert "Compact mature bone in an old hematoma. Back to" in text[f"/{ENTRY}/"]
    assert "Zonal ossification is typical. See" in text["/myositis-ossificans/"]
    for url, content in text.items():
        assert "reference 1" not in content and ", p. 3" not in content, url
        assert not re.search(r"\w [.,;:](?:\s|$)", content), (url, content)


def test_built_pages_mark_citations_and_hidden_words_for_pagefind(built) -> None:
    """The attributes are where they must be: on every citation superscript,
    and on the hidden elements holding other spellings and cited works."""
    for rel in (f"{ENTRY}/index.html", "myositis-ossificans/index.html", "paraspinal-muscles/index.html"):
        body = region(page(built, rel))
        sups = re.findall(r"<sup[^>]*>", body)
        assert sups or rel == "paraspinal-muscles/index.html"  # the topic page cites nothing
        assert all(s.startswith('<sup data-pagefind-ignore class="ossref-cite" id="cite-') for s in sups), sups
        hidden = re.findall(r"<div hidden[^>]*>", body)
        assert hidden, rel
        assert set(hidden) <= {f'<div hidden data-pagefind-ignore data-pagefind-meta="{field}">'
                               for field, _ in search.PAGEFIND_FIELDS.values()}, hidden
    # Pages that Pagefind does not index get no marks: the references page lists no citation numbers.
    assert "data-pagefind-ignore" not in page(built, "references/index.html")


@pytest.mark.parametrize("html, marked", [
    ('<p>bone<sup class="ossref-cite" id="cite-1-1"><a href="#ref-1">1</a></sup>.</p>',
     '<p>bone<sup data-pagefind-ignore class="ossref-cite" id="cite-1-1"><a href="#ref-1">1</a></sup>.</p>'),
    ('<sup id="x" class="a ossref-cite b">', '<sup data-pagefind-ignore id="x" class="a ossref-cite b">'),
    # Not a citation superscript: another class, another tag, an end tag.
    ('<sup class="ossref-cites">2</sup><sup>3</sup><span class="ossref-cite">4</span></sup>', None),
    # Text and attribute values that look like one, and comments, are never read as tags.
    ('&lt;sup class="ossref-cite"&gt; <a title="<sup class=&quot;ossref-cite&quot;>">x</a>', None),
    (sanitize_html('<a href="x/" title=\'x <sup class="ossref-cite">\'>x</a><code>&lt;sup class="ossref-cite"&gt;</code>'),
     None),
    ('<!-- <sup class="ossref-cite"> --><p class="ossref-cite">', None),
])
def test_mark_fragment_marks_only_citation_superscripts(html: str, marked: str | None) -> None:
    assert search.mark_fragment(html) == (marked if marked is not None else html)


def test_search_box_weighs_the_fields_ossref_fills() -> None:
    script = (mkdocs_adapter.TEMPLATES_DIR / "assets" / "ossref" / "search.js").read_text()
    weights = ", ".join(f"{field}: {weight}" for field, weight in search.PAGEFIND_FIELDS.values())
    assert f"var RANKING = {{ metaWeights: {{ {weights} }} }};" in script
    # Both instances, the names and the full text, rank with them.
    assert "module.options({ noWorker: true, ranking: RANKING })" in script
    assert "createInstance({ basePath: textBundle, ranking: RANKING })" in script


@pytest.fixture(scope="module")
def material_index(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Material's search index of the clean fixture, built with the wiki's mkdocs.yml."""
    import json

    root = tmp_path_factory.mktemp("material") / "wiki"
    shutil.copytree(FIXTURES / "clean", root)
    text = (REPO / "mkdocs.yml").read_text()
    (root / "mkdocs.yml").write_text(text.replace("\n  ossref:\n", "\n  ossref:\n    search_synonyms: [[ossif, osif]]\n", 1))
    (root / "content" / "paraspinal-muscles.md").write_text(
        "---\ntitle: Paraspinal muscles\n---\n\n# Paraspinal muscles\n\n"
        "Lesions here include [[Ossified intramuscular hematoma]] [@alpha2020] . Also [[mo]].\n")
    code, out, err = run(["build", "--root", str(root)])
    assert code == 0, out + err
    data = json.loads((root / "site" / "search" / "search_index.json").read_text())
    return {"config": data["config"], "docs": {doc["location"]: doc for doc in data["docs"]}}


def test_material_index_has_the_name_and_term_fields(material_index) -> None:
    fields = material_index["config"]["fields"]
    assert fields["names"] == {"boost": fields["title"]["boost"]}
    assert fields["terms"] == {"boost": fields["text"]["boost"]}


def test_material_index_finds_the_british_spelling(material_index) -> None:
    entry = material_index["docs"][f"{ENTRY}/"]
    assert entry["title"] == "Ossified intramuscular hematoma"
    assert entry["names"].split() == ["oih", "osified", "haematoma"]  # "osified": see search_synonyms below
    assert "haematoma" not in entry["text"]  # never shown, only found


def test_material_index_finds_authors_and_titles_of_cited_works(material_index) -> None:
    terms = material_index["docs"][f"{ENTRY}/"]["terms"].split()
    assert {"gamma", "another", "study", "alpha", "beta", "ossification"} <= set(terms)


def test_material_index_has_topic_pages(material_index) -> None:
    topic = material_index["docs"]["paraspinal-muscles/"]
    assert topic["title"] == "Paraspinal muscles" and "names" not in topic
    assert "alpha" in topic["terms"].split()


def test_material_search_synonyms_option_adds_spellings(material_index) -> None:
    # search_synonyms: [[ossif, osif]] makes "ossified" also "osified".
    assert "osified" in material_index["docs"][f"{ENTRY}/"]["names"].split()


def test_material_snippets_have_no_gap_where_a_citation_was(material_index) -> None:
    texts = [doc["text"] for doc in material_index["docs"].values()]
    assert not any(re.search(r"\w [.,;:](?:\s|<|$)", t) for t in texts), texts
    # "... hematoma</a> [@alpha2020] . Also": the citation and the spaces around it leave no gap.
    assert "Ossified intramuscular hematoma. Also mo." in material_index["docs"]["paraspinal-muscles/"]["text"]
    assert "old hematoma.</p>" in material_index["docs"][f"{ENTRY}/#histopathology"]["text"]

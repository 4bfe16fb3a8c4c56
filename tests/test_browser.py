"""End to end: a reader browses the built wiki in headless Chromium.

Builds the real wiki once, serves it on 127.0.0.1, and drives Debian's
``/usr/bin/chromium`` with Playwright (never a downloaded browser). Every
request the pages make is recorded: none may leave 127.0.0.1.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO, run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
expect = playwright.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian's chromium is not installed at {CHROMIUM}: apt-get install chromium"),
]

# Without the background-networking flags Chromium phones home at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    site = tmp_path_factory.mktemp("browser") / "site"
    code, out, err = run(["build", "--root", str(REPO), "--site-dir", str(site)])
    assert code == 0, out + err
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page whose every request is recorded in ``page.requested``."""
    context = browser.new_context()
    pg = context.new_page()
    requested: list[str] = []
    pg.on("request", lambda request: requested.append(request.url))
    pg.requested = requested  # type: ignore[attr-defined]
    yield pg
    context.close()
    outside = [url for url in requested
               if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname != "127.0.0.1"]
    assert outside == [], f"requests left 127.0.0.1: {outside}"


OIH = "ossified-intramuscular-hematoma/"


@contextmanager
def pagefind_site(root: Path) -> Iterator[str]:
    """Build the project at ``root`` (already copied) with the repository's
    own mkdocs.yml and ``search: pagefind``, serve the site on 127.0.0.1, and
    yield its base URL."""
    config = (REPO / "mkdocs.yml").read_text().replace("\n  ossref:\n", "\n  ossref:\n    search: pagefind\n", 1)
    (root / "mkdocs.yml").write_text(config)
    code, out, err = run(["build", "--root", str(root)])
    assert code == 0, out + err
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def title(page) -> str:
    """The article's h1 without the permalink sign the toc extension appends."""
    return page.locator("article h1").first.inner_text().replace("\u00b6", "").strip()

MO = "myositis-ossificans/"


def on_entry(page, url: str, name: str) -> None:
    """Wait until ``page`` shows the entry at ``url`` titled ``name``.

    Its URL may end in a section's anchor: Material's navigation.tracking
    writes the section in view into the URL, so into the history entry a
    reader goes back to. The title is awaited, not read at once: after a
    history step the old page's h1 can still be there.
    """
    expect(page).to_have_url(re.compile("^" + re.escape(url) + r"(#[\w-]+)?$"))
    expect(page.locator("article h1").first).to_have_text(re.compile(r"^\s*" + re.escape(name) + r"\s*\u00b6?\s*$"))


@contextmanager
def jumps_to(page, fragment: str) -> Iterator[None]:
    """Expect what the block does to take ``page`` to ``#fragment``.

    The navigation itself is awaited, not the URL afterwards: a moment
    later navigation.tracking replaces the fragment with the anchor of the
    section in view, so a test that polls the URL can miss it under load.
    """
    with page.expect_event("framenavigated", predicate=lambda frame: frame == page.main_frame
                           and urlsplit(frame.url).fragment == fragment):
        yield


def test_entry_page_reads_like_a_reference(page, site_url: str) -> None:
    page.goto(site_url + OIH)
    assert title(page) == "Ossified intramuscular hematoma"
    article = page.locator("article")
    assert "OIH" in article.inner_text()
    for heading in ("Differential diagnosis", "References", "Cite this page"):
        assert page.get_by_role("heading", name=heading).count() >= 1, heading
    assert page.locator("sup.ossref-cite a").count() > 0


def test_citation_jumps_to_its_reference_and_shows_it_on_hover(page, site_url: str) -> None:
    page.goto(site_url + OIH)
    first = page.locator("sup.ossref-cite a").first
    title = first.get_attribute("title") or ""
    assert "Zelmanovich R" in title
    number = first.inner_text().split()[-1]  # after the screen-reader text "reference"
    with jumps_to(page, f"ref-{number}"):
        first.click()
    reference = page.locator(f"li[id='ref-{number}']")
    assert reference.is_visible()
    assert "doi.org/10.1186/s41984-023-00259-0" in reference.inner_html()
    assert "PMID" in reference.inner_text()


def test_differential_link_goes_there_and_back(page, site_url: str) -> None:
    page.goto(site_url + OIH)
    section = page.locator("table").filter(has_text="Myositis ossificans")
    section.get_by_role("link", name="Myositis ossificans").first.click()
    on_entry(page, site_url + MO, "Myositis ossificans")
    # The way back: myositis ossificans lists the hematoma too.
    back = page.locator("table").get_by_role("link", name="Ossified intramuscular hematoma").first
    back.click()
    on_entry(page, site_url + OIH, "Ossified intramuscular hematoma")
    page.go_back()
    on_entry(page, site_url + MO, "Myositis ossificans")


@pytest.mark.parametrize("query", ["ossified intramuscular", "OIH"])
def test_search_finds_an_entry_by_name_and_by_alias(page, site_url: str, query: str) -> None:
    page.goto(site_url)
    # Material's search worker loads its index after the page; its input is
    # ready once the worker answered, which Material marks on the form.
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    page.keyboard.type(query, delay=30)
    first = page.locator(".md-search-result__item").first
    first.wait_for(timeout=15_000)
    assert "Ossified intramuscular hematoma" in first.inner_text()


def test_home_page_indexes_aliases(page, site_url: str) -> None:
    page.goto(site_url)
    # "OIH → Ossified intramuscular hematoma": the alias line links to its entry.
    line = page.locator("article li", has_text="OIH").first
    line.get_by_role("link").first.click()
    page.wait_for_url("**/" + OIH)


def test_pagefind_search_finds_an_entry_by_alias_from_the_site_alone(page, tmp_path) -> None:
    """Option search: pagefind, end to end: the box in Material's header finds
    the entry by its alias first, with every file from the site itself."""
    root = tmp_path / "wiki"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    with pagefind_site(root) as base:
        # A nested page: the box and the bundle are found by relative URLs.
        page.goto(base + "myositis-ossificans/")
        page.wait_for_load_state("networkidle")
        assert not any("pagefind" in url for url in page.requested)  # nothing until the reader searches
        page.keyboard.press("/")
        page.keyboard.type("OIH", delay=30)
        first = page.locator(".md-search-result__item").first
        first.wait_for(timeout=15_000)
        assert first.locator("h1").inner_text() == "Ossified intramuscular hematoma"
        assert "OIH" in first.locator("mark").first.inner_text()
        assert any(url.endswith("/pagefind/pagefind.js") for url in page.requested)
        assert not any("search_index.json" in url or "/pagefind-text/" in url for url in page.requested)
        # The full text is searched on request: "OIH" also occurs in the body
        # of myositis ossificans.
        page.get_by_text("Search the full text of every page").click()
        page.get_by_text("2 matching documents in the full text").wait_for(timeout=15_000)
        assert any("/pagefind-text/" in url for url in page.requested)
        first = page.locator(".md-search-result__item").first
        assert first.locator("h1").inner_text() == "Ossified intramuscular hematoma"
        first.locator("a").first.click()
        page.wait_for_url("**/" + OIH)
        assert title(page) == "Ossified intramuscular hematoma"


def test_no_script_from_content_runs_anywhere_on_a_hostile_site(page, tmp_path) -> None:
    """Every page of a site whose titles, summary, tags, aliases and first
    heading carry scripts is opened, and its search is typed into: no dialog
    opens, no script from content runs, no element carries a handler."""
    site = tmp_path / "site"
    code, out, err = run(["build", "--root", str(REPO / "tests" / "fixtures" / "hostile-meta"),
                          "--site-dir", str(site), "--strict"])
    assert code == 0, out + err
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
        assert len(pages) >= 5
        for rel in pages:
            page.goto(base + ("" if rel == "." else rel + "/"))
            page.wait_for_load_state("networkidle")
            handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(
                el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))""")
            assert handlers == [], (rel, handlers)
        page.goto(base + "evil/")
        page.wait_for_load_state("networkidle")
        for query in ("alert", "Evil", "script", "title", "heading"):
            page.keyboard.press("/")
            page.keyboard.type(query, delay=20)
            page.locator(".md-search-result__meta").wait_for(timeout=15_000)
            page.wait_for_timeout(300)
            page.keyboard.press("Escape")
        # The hostile title is shown as the text it is.
        assert page.title().startswith("Evil</title><script>alert('condition')</script>")
        assert dialogs == []
    finally:
        server.shutdown()
        server.server_close()


def _styled_404(pg) -> dict:
    """What a reader sees of the 404 page: whether Material's stylesheet
    applied (the header is a fixed-height bar) and the logo's size."""
    return pg.evaluate("""() => {
        const header = document.querySelector('.md-header');
        const logo = document.querySelector('.md-header__button.md-logo img, .md-header__button.md-logo svg');
        const box = logo ? logo.getBoundingClientRect() : {width: 0, height: 0};
        return {position: header ? getComputedStyle(header).position : '',
                logo: [box.width, box.height],
                sheets: [...document.styleSheets].filter(s => s.href).length};
    }""")


def test_404_page_is_styled_at_any_base_path_and_offline(page, browser, tmp_path) -> None:
    """Issue #12: the 404 page served from another folder than site_url's
    path (a preview), and opened from disk, loads its stylesheets; the logo
    keeps its header size."""
    root = tmp_path / "wiki"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")  # Material, site_url https://ossref.github.io/ossref/
    site = tmp_path / "www" / "preview" / "pr-12"
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(site)])
    assert code == 0, out + err
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/preview/pr-12/404.html")
        page.wait_for_load_state("networkidle")
        seen = _styled_404(page)
        assert failed == []
        assert seen["sheets"] >= 1 and seen["position"] in ("sticky", "fixed"), seen
        assert 0 < seen["logo"][1] <= 48, seen
        assert all("/preview/pr-12/" in url for url in page.requested), page.requested
    finally:
        server.shutdown()
        server.server_close()
    offline = browser.new_context()
    try:
        pg = offline.new_page()
        pg.goto((site / "404.html").as_uri())
        pg.wait_for_load_state("load")
        seen = _styled_404(pg)
        assert seen["sheets"] >= 1 and seen["position"] in ("sticky", "fixed"), seen
        assert 0 < seen["logo"][1] <= 48, seen
    finally:
        offline.close()


def _material_results(page, site_url: str, query: str) -> list[str]:
    """Titles of the articles Material's search lists for ``query``, best first."""
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    page.keyboard.type(query, delay=20)
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    page.wait_for_timeout(300)
    return page.locator(".md-search-result__item > .md-search-result__link h1").all_inner_texts()


@pytest.mark.parametrize(("query", "expected"), [
    ("haematoma", "Ossified intramuscular hematoma"),  # British spelling of the title's word
    ("oedema", "Myositis ossificans"),  # the pages say "edema"
    ("Zelmanovich", "Ossified intramuscular hematoma"),  # an author of a cited work
    ("Chronic back pain", "Chronic back pain"),  # a topic page
])
def test_material_search_finds_spellings_authors_and_topics(page, site_url: str, query: str, expected: str) -> None:
    titles = _material_results(page, site_url, query)
    assert expected in titles, titles


@pytest.mark.parametrize(("query", "expected"), [
    ("soft-tissue osteosarcoma", "Extraskeletal osteosarcoma"),
    ("OIH", "Ossified intramuscular hematoma"),
    ("myositis ossificans", "Myositis ossificans"),  # also an alias of another entry
])
def test_material_search_ranks_an_exact_alias_first(page, site_url: str, query: str, expected: str) -> None:
    assert _material_results(page, site_url, query)[0] == expected


def test_material_search_snippets_have_no_gap_where_a_citation_was(page, site_url: str) -> None:
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    page.keyboard.type("sampled", delay=20)
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    page.wait_for_timeout(300)
    text = " ".join(page.locator(".md-search-result__item").all_inner_texts())
    assert "sampled." in text and "sampled ." not in text, text


def test_pagefind_search_finds_the_british_spelling_and_cited_authors(page, tmp_path) -> None:
    """Option search: pagefind: "haematoma" finds the entry on "hematoma" from
    the names bundle; an author of a cited work, from the full text."""
    root = tmp_path / "wiki"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    with pagefind_site(root) as base:
        page.goto(base)
        page.wait_for_load_state("networkidle")
        page.keyboard.press("/")
        page.keyboard.type("haematoma", delay=30)
        first = page.locator(".md-search-result__item").first
        first.wait_for(timeout=15_000)
        assert first.locator("h1").inner_text() == "Ossified intramuscular hematoma"
        page.locator("[data-ossref-search-query]").fill("")
        page.keyboard.type("Gamma", delay=30)  # "Gamma G. Another study.", cited on that page
        page.get_by_text("Search the full text of every page").click()
        page.get_by_text("in the full text").first.wait_for(timeout=15_000)
        titles = page.locator(".md-search-result__item h1").all_inner_texts()
        assert "Ossified intramuscular hematoma" in titles, titles


def test_pagefind_search_ranks_an_exact_alias_first_on_the_wiki(page, tmp_path) -> None:
    """Option search: pagefind on the wiki itself: the alias "soft-tissue
    osteosarcoma" finds its own entry first, not the entry on soft tissue."""
    root = tmp_path / "wiki"
    for name in ("content", "citations"):
        shutil.copytree(REPO / name, root / name)
    with pagefind_site(root) as base:
        page.goto(base)
        page.wait_for_load_state("networkidle")
        page.keyboard.press("/")
        page.keyboard.type("soft-tissue osteosarcoma", delay=30)
        first = page.locator(".md-search-result__item").first
        first.wait_for(timeout=15_000)
        page.wait_for_timeout(500)
        titles = page.locator(".md-search-result__item h1").all_inner_texts()
        assert titles[0] == "Extraskeletal osteosarcoma", titles


@pytest.fixture(scope="module")
def snippet_site(tmp_path_factory) -> Iterator[str]:
    """The clean fixture with search: pagefind, plus a sentence cited in its
    middle ("Lamellar bone [@beta2021; @alpha2020] forms ..."), served."""
    root = tmp_path_factory.mktemp("snippets") / "wiki"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    entry = root / "content" / "ossified-intramuscular-hematoma.md"
    entry.write_text(entry.read_text() + "\n## Course\n\nLamellar bone [@beta2021; @alpha2020] forms after months.\n")
    with pagefind_site(root) as base:
        yield base


def _pagefind_excerpts(page, base: str, query: str, full_text: bool) -> dict[str, str]:
    """Search ``query`` in the Pagefind box (the names, or the full text):
    each result's title -> the text of its excerpts, as the reader sees them."""
    page.goto(base)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    page.keyboard.type(query, delay=30)
    if full_text:  # offered first, whether or not a name matched
        page.get_by_text("Search the full text of every page").click()
        page.get_by_text("in the full text").first.wait_for(timeout=15_000)
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    out = {}
    for item in page.locator(".md-search-result__item").all():
        if item.locator("h1").count():
            out[item.locator("h1").inner_text()] = " ".join(item.locator("p").all_inner_texts())
    return out


@pytest.mark.parametrize("full_text", [False, True], ids=["names", "full-text"])
def test_pagefind_finds_haematoma_without_showing_hidden_spellings(page, snippet_site: str, full_text: bool) -> None:
    """Issue #12: "haematoma" finds the entry on "hematoma" (an other spelling,
    searched as metadata), and no excerpt shows the hidden words."""
    page.goto(snippet_site + OIH)
    visible = page.locator("article").inner_text().lower()
    assert "hematoma" in visible and "haematoma" not in visible
    excerpts = _pagefind_excerpts(page, snippet_site, "haematoma", full_text)
    assert "Ossified intramuscular hematoma" in excerpts, excerpts
    assert excerpts["Ossified intramuscular hematoma"].startswith("Ossified intramuscular hematoma"), excerpts
    for title, text in excerpts.items():
        assert "haematoma" not in text.lower(), (title, text)
        # Nor any other hidden word: the cited works' authors and titles stay in their own section.
        assert "gamma another study" not in text.lower(), (title, text)


@pytest.mark.parametrize(("query", "title", "sentence"), [
    ("lamellar", "Ossified intramuscular hematoma", "Lamellar bone forms after months."),
    ("zonal", "Myositis ossificans", "Zonal ossification is typical."),  # a citation with a locator, "p. 3"
])
def test_pagefind_excerpt_next_to_a_citation_has_no_numbers_and_no_gap(page, snippet_site: str, query: str,
                                                                        title: str, sentence: str) -> None:
    """Issue #12: the superscript citation numbers are not in the excerpt
    ("bone 1 2 forms"), and leave no gap where they were ("bone  forms", "typical .")."""
    excerpts = _pagefind_excerpts(page, snippet_site, query, full_text=True)
    assert title in excerpts, excerpts
    text = excerpts[title]
    assert sentence in text, text
    assert not re.search(r"\b\d{1,2}\b", text), text  # citation numbers (the years of references have 4 digits)
    assert not re.search(r"reference \d", text, re.I) and "p. 3" not in text, text  # screen readers' label, locator
    assert not re.search(r"\w {2,}\w|\w [.,;:]", text), text


def test_serve_overlay_shows_hostile_diagnostics_as_text(page, tmp_path) -> None:
    """Issue #13: a failed rebuild shows its diagnostics over the open page in
    ``ossref serve``; a link target written as HTML is shown as text and runs
    nothing, and the next good build takes the overlay away."""
    import io

    from ossref.config import load_config
    from ossref.publish.serve import Server

    root = tmp_path / "wiki"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")  # Material, as editors see it
    entry = root / "content" / "myositis-ossificans.md"
    good = entry.read_text()
    server = Server(load_config(root), port=0, out=io.StringIO(), err=io.StringIO())
    server.start()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(server.url + MO)
        entry.write_text(good.replace("Zonal ossification is typical",
                                      "See [[<img src=x onerror=alert(1)>]] and [[<script>alert(2)</script>]]"))
        assert server.rebuild_if_changed() == 1
        overlay = page.locator("#ossref-error-overlay")
        overlay.wait_for(timeout=10_000)
        text = overlay.inner_text()
        assert "cross-link [[<img src=x onerror=alert(1)>]] names no page" in text
        assert "[[<script>alert(2)</script>]]" in text
        assert "content/myositis-ossificans.md:15:" in text
        assert overlay.locator("img, script, a").count() == 0
        assert overlay.is_visible()
        page.wait_for_timeout(300)
        assert dialogs == []
        entry.write_text(good)
        assert server.rebuild_if_changed() == 0
        page.wait_for_selector("#ossref-error-overlay", state="detached", timeout=10_000)
    finally:
        server.stop()
# --------------------------------------------------------------------------- readers (issue #12)
# The wiki as deployed: under its site_url path (/ossref/), with the site's
# 404 page for unknown URLs, as GitHub Pages serves it.

import datetime as _dt  # noqa: E402
import os  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


class _Deployed(_Quiet):
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "ossref" / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployed")
    code, out, err = run(["build", "--root", str(REPO), "--site-dir", str(root / "ossref")])
    assert code == 0, out + err
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Deployed, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ossref/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def reader(browser, request):
    """A page in a context of the given viewport and colour scheme
    (``request.param``: (viewport, scheme); default desktop, light)."""
    viewport, scheme = getattr(request, "param", (DESKTOP, "light"))
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    yield pg
    context.close()


AXE_PAGES = ("", MO, OIH, "chronic-back-pain/", "references/", "tags/muscle/", "no-such-page/", "?q=ossified")


@pytest.mark.parametrize("reader", [(DESKTOP, "light"), (DESKTOP, "dark"), (PHONE, "light"), (PHONE, "dark")],
                         indirect=True, ids=["desktop-light", "desktop-dark", "phone-light", "phone-dark"])
def test_axe_finds_no_violation(reader, deployed: str) -> None:
    """Home, two entries, a topic page, References, a tag page, the 404 page
    and search results: no axe-core violation of any rule."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    found = {}
    for rel in AXE_PAGES:
        reader.goto(deployed + rel)
        reader.wait_for_load_state("load")
        if rel.startswith("?q="):
            reader.wait_for_selector(".md-search-result__item")
            # The search dialog fades in; contrast is measured once it is opaque.
            reader.wait_for_function("[...document.querySelectorAll('.md-search__output, .md-search-result')]"
                                     ".every(e => getComputedStyle(e).opacity === '1')")
            reader.wait_for_timeout(400)
        violations = axe.Axe().run(reader).response["violations"]
        if violations:
            found[rel or "home"] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert found == {}


@pytest.mark.parametrize("reader", [(PHONE, "light")], indirect=True)
def test_phone_reaches_sections_and_references_in_two_taps(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    contents = reader.locator("details.ossref-contents")
    assert contents.is_visible()
    contents.locator("summary").click()  # tap 1
    contents.get_by_role("link", name="References").click()  # tap 2
    reader.wait_for_function("location.hash === '#references'")
    assert reader.locator("ol.ossref-references").first.is_visible()


@pytest.mark.parametrize("reader", [(DESKTOP, "light")], indirect=True)
def test_desktop_keeps_materials_table_of_contents_instead(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    assert not reader.locator("details.ossref-contents").is_visible()
    assert reader.locator(".md-sidebar--secondary a", has_text="References").first.is_visible()


@pytest.mark.parametrize("reader", [(PHONE, "light")], indirect=True)
def test_phone_menu_browses_conditions_by_letter_and_tag(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    reader.locator("label.md-header__button[for='__drawer']").first.click()
    menu = reader.locator("nav.md-nav--primary")
    for name in ("Home", "Tags", "About"):
        assert menu.get_by_role("link", name=name, exact=True).first.is_visible(), name
    menu.get_by_role("link", name="Home", exact=True).first.click()
    reader.wait_for_url(deployed)
    reader.locator("label.md-header__button[for='__drawer']").first.click()
    letters = reader.locator("nav.md-nav--primary a:visible").all_inner_texts()
    assert {"C", "M", "O", "Tags"} <= {t.strip() for t in letters}


def test_citations_are_24px_targets_announced_as_references(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    box = link.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24, box
    # No space before the superscript.
    before = reader.evaluate("document.querySelector('sup.ossref-cite').previousSibling.textContent")
    assert not before.endswith(" "), before


def test_links_in_running_text_are_underlined(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    for selector in (".md-typeset p a[href$='/']", ".md-typeset td a", ".ossref-references a[href^='https://doi']"):
        line = reader.eval_on_selector(selector, "a => getComputedStyle(a).textDecorationLine")
        assert line == "underline", selector


def test_back_link_returns_to_the_citation_followed_and_the_reference_is_highlighted(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    # A reference cited more than once: follow its second citation.
    second = reader.locator("[id^='cite-'][id$='-2']").first
    ident = second.get_attribute("id")
    n = ident.split("-")[1]
    link = second if second.evaluate("e => e.tagName") == "A" else second.locator("a").first
    with jumps_to(reader, f"ref-{n}"):
        link.click()
    item = reader.locator(f"li[id='ref-{n}']")
    # Highlighted. Material re-renders the page in answer to the first jump within it
    # (under load after this check, or before): readers.js keeps the highlight either way.
    expect(item).to_have_css("outline-style", "solid")
    with jumps_to(reader, ident):
        item.locator("a.ossref-backref").click()


def test_cite_this_page_copies_a_citation_with_todays_date(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    today = _dt.date.today()
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    cited = f"{today.year} {months[today.month - 1]} {today.day}"
    citation = reader.locator(".ossref-citation")
    assert f"; cited {cited}]. Available from: https://ossref.github.io/ossref/myositis-ossificans/" \
        in citation.inner_text()
    reader.get_by_role("button", name="Copy citation").click()
    reader.get_by_role("status").filter(has_text="Citation copied.").wait_for()
    copied = reader.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("ossref contributors. Myositis ossificans [Internet]. "
                             "Intramuscular Ossification Reference; 2026 [updated 2026 Nov 24; cited ")
    bib = reader.request.get(deployed + MO + "myositis-ossificans.bib")
    assert bib.ok and bib.text().startswith("@online{myositis-ossificans,")


@pytest.mark.parametrize("reader", [(DESKTOP, "light"), (DESKTOP, "dark"), (PHONE, "light"), (PHONE, "dark")],
                         indirect=True, ids=["desktop-light", "desktop-dark", "phone-light", "phone-dark"])
def test_entry_shows_byline_and_notice_at_every_width(reader, deployed: str, request) -> None:
    """With OSSREF_SCREENSHOTS=DIR, also writes a screenshot of the entry."""
    reader.goto(deployed + MO)
    assert reader.locator(".ossref-byline").inner_text().startswith("By ossref contributors. Last updated 2026-11-24.")
    assert reader.locator(".ossref-notice").is_visible()
    folder = os.environ.get("OSSREF_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        name = request.node.callspec.id
        reader.screenshot(path=str(Path(folder) / f"myositis-ossificans-{name}.png"), full_page=False)


def test_citation_preview_on_hover_and_focus_closes_with_escape(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    popover = reader.locator("#ossref-popover")
    link.hover()
    popover.wait_for(state="visible")
    # Not a tooltip: it holds links (a group the keyboard enters, see below).
    assert popover.get_attribute("role") == "group"
    assert "Walczak BE" in popover.inner_text()
    assert popover.locator("a[href='https://doi.org/10.5435/JAAOS-D-14-00269']").count() == 1
    assert link.get_attribute("aria-describedby") == "ossref-popover"  # announced with the link
    reader.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    reader.mouse.move(0, 0)
    link.focus()
    popover.wait_for(state="visible")
    reader.keyboard.press("Escape")
    popover.wait_for(state="hidden")


def test_a_tap_on_a_citation_shows_its_reference_before_jumping(browser, deployed: str) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        pg = context.new_page()
        pg.goto(deployed + MO)
        link = pg.get_by_role("link", name="reference 1", exact=True).first
        link.tap()
        pg.locator("#ossref-popover").wait_for(state="visible")
        assert pg.evaluate("location.hash") == ""
        assert "Walczak BE" in pg.locator("#ossref-popover").inner_text()
    finally:
        context.close()


def test_differential_preview_shows_title_aliases_and_summary(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.locator("#differential-diagnosis ~ table td a, table td a").first
    name = link.inner_text().strip()
    link.hover()
    popover = reader.locator("#ossref-popover")
    popover.wait_for(state="visible")
    text = popover.inner_text()
    assert text.startswith(name), text
    assert "Ossified intramuscular hematoma" == name and "Also known as: OIH" in text
    assert "hematoma" in text.split("\n")[-1].lower()  # the summary


def test_previews_cost_less_than_20_kb_gzipped_per_page() -> None:
    import gzip

    from ossref.mkdocs.adapter import THEME_DIR

    assets = THEME_DIR / "assets" / "ossref"
    total = sum(len(gzip.compress(p.read_bytes())) for p in assets.iterdir() if p.suffix in (".js", ".css"))
    assert total < 20_000, total


# --------------------------------------------------------------------------- keyboard in citation popovers (issue #12)

DOI_1 = "https://doi.org/10.5435/JAAOS-D-14-00269"  # reference 1 of myositis-ossificans


def _focused(pg) -> dict:
    """Where focus is: the element's (absolute) href, whether it is in the popover, and its aria-expanded."""
    return pg.evaluate("""() => { const a = document.activeElement;
        return {href: a.href, inPopover: !!a.closest('#ossref-popover'),
                expanded: a.getAttribute('aria-expanded')}; }""")


def _tab_to_doi(pg, limit: int = 6) -> list[dict]:
    """Press Tab until the DOI link of reference 1 has focus; every stop on the way."""
    stops = []
    for _ in range(limit):
        pg.keyboard.press("Tab")
        stops.append(_focused(pg))
        if stops[-1]["href"] == DOI_1:
            return stops
    raise AssertionError(f"Tab never reached {DOI_1}: {stops}")


def test_tab_from_a_citation_reaches_the_doi_link_in_its_popover(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    popover = reader.locator("#ossref-popover")
    link.focus()
    popover.wait_for(state="visible")
    assert link.get_attribute("aria-expanded") == "true"
    assert link.get_attribute("aria-controls") == "ossref-popover"
    assert link.get_attribute("aria-describedby") == "ossref-popover"
    assert popover.get_attribute("aria-label") == "Reference 1"
    stops = _tab_to_doi(reader)
    assert all(stop["inPopover"] for stop in stops), stops  # the first Tab went into the popover
    assert popover.is_visible()
    # Shift+Tab walks back out of the popover to the citation, which keeps it open.
    for _ in stops:
        reader.keyboard.press("Shift+Tab")
    assert _focused(reader) == {"href": deployed + MO + "#ref-1", "inPopover": False, "expanded": "true"}
    assert popover.is_visible()


def test_escape_in_a_popover_closes_it_and_returns_focus_to_the_citation(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    popover = reader.locator("#ossref-popover")
    link.focus()
    _tab_to_doi(reader)
    reader.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    assert _focused(reader) == {"href": deployed + MO + "#ref-1", "inPopover": False, "expanded": None}
    assert link.get_attribute("aria-describedby") is None
    # Focused again by Escape, the citation does not reopen it; Tab goes on past it.
    reader.wait_for_timeout(100)
    assert popover.is_hidden()
    reader.keyboard.press("Tab")
    assert not _focused(reader)["inPopover"]


def test_focus_leaving_a_citation_and_its_popover_closes_it(reader, deployed: str) -> None:
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    popover = reader.locator("#ossref-popover")
    link.focus()
    popover.wait_for(state="visible")
    inside = popover.locator("a[href]").count()
    assert inside >= 1
    for _ in range(inside + 1):  # through every link in it, and one more
        reader.keyboard.press("Tab")
    assert not _focused(reader)["inPopover"]
    # Reference 1 is gone: hidden, or the popover now describes what has focus.
    assert link.get_attribute("aria-expanded") is None
    reader.wait_for_function("""() => { const p = document.getElementById('ossref-popover');
        return p.hidden || !p.textContent.includes('Walczak BE'); }""")
    # Focus leaving the page from inside the popover closes it too.
    link.focus()
    popover.wait_for(state="visible")
    reader.keyboard.press("Tab")
    assert _focused(reader)["inPopover"]
    reader.evaluate("document.activeElement.blur()")
    popover.wait_for(state="hidden")
    assert link.get_attribute("aria-expanded") is None


def test_pointer_on_a_popover_link_keeps_it_open_and_leaving_closes_it(reader, deployed: str) -> None:
    """Mouse behaviour kept: hover the citation, move onto the DOI link in the
    popover (it stays), move away (it closes)."""
    reader.goto(deployed + MO)
    link = reader.get_by_role("link", name="reference 1", exact=True).first
    popover = reader.locator("#ossref-popover")
    link.hover()
    popover.wait_for(state="visible")
    popover.locator(f"a[href='{DOI_1}']").hover()
    reader.wait_for_timeout(500)
    assert popover.is_visible()
    reader.mouse.move(0, 0)
    popover.wait_for(state="hidden")


def test_axe_finds_no_violation_with_a_citation_popover_open(reader, deployed: str) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    reader.goto(deployed + MO)
    reader.wait_for_load_state("load")
    reader.get_by_role("link", name="reference 1", exact=True).first.focus()
    _tab_to_doi(reader)
    assert reader.locator("#ossref-popover").is_visible()
    violations = axe.Axe().run(reader).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []


def test_instant_navigation_keeps_readers_features_on_the_page_it_swaps_in(reader, deployed: str) -> None:
    """Material's navigation.instant swaps a followed link's page into the
    document without loading it: readers.js must set up the new page (its
    cited date, one copy button, previews of its own references) and leave
    none of the old page's behind, however often the reader goes back and forth.

    Material takes a click only for an address its sitemap lists, with the
    sitemap's scheme and host but not its port, so the site is browsed at its
    own address (site_url), answered from the local server."""
    site = "https://ossref.github.io/ossref/"
    reader.route(site + "**", lambda route: route.fulfill(
        response=route.fetch(url=deployed + route.request.url[len(site):])))
    reader.goto(site + MO)
    reader.evaluate("window.ossrefNoReload = true")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    today = _dt.date.today()
    cited = f"cited {today.year} {months[today.month - 1]} {today.day}]"
    popover = reader.locator("#ossref-popover")
    for _ in range(2):
        link = reader.locator("table").get_by_role("link", name="Ossified intramuscular hematoma").first
        link.click()
        on_entry(reader, site + OIH, "Ossified intramuscular hematoma")
        # Swapped in, not loaded: the old window's state is still there.
        assert reader.evaluate("window.ossrefNoReload") is True
        assert cited in reader.locator(".ossref-citation").inner_text()
        expect(reader.get_by_role("button", name="Copy citation")).to_have_count(1)
        reader.mouse.move(0, 0)
        reader.locator("sup.ossref-cite a").first.hover()
        popover.wait_for(state="visible")
        assert "Zelmanovich R" in popover.inner_text()  # this page's reference 1, not the last page's
        reader.keyboard.press("Escape")
        popover.wait_for(state="hidden")
        reader.go_back()
        on_entry(reader, site + MO, "Myositis ossificans")
        assert reader.evaluate("window.ossrefNoReload") is True
        expect(reader.get_by_role("button", name="Copy citation")).to_have_count(1)
        reader.mouse.move(0, 0)
        reader.get_by_role("link", name="reference 1", exact=True).first.hover()
        popover.wait_for(state="visible")
        assert "Walczak BE" in popover.inner_text()
        reader.keyboard.press("Escape")
        popover.wait_for(state="hidden")

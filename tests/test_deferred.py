"""Deferred HTML: tokens in staged Markdown, sanitized fragments after rendering."""

from __future__ import annotations

import itertools
import posixpath

import markdown

from ossref.site.deferred import Deferred
from ossref.site.render import _relpath, url_href
from ossref.site.sanitize import sanitize_html


def test_tokens_survive_markdown_and_expand_to_sanitized_html() -> None:
    deferred = Deferred()
    sup = deferred.token('<sup class="ossref-cite"><a href="#ref-1" title="A, 2020">1</a></sup>')
    block = deferred.token('<ul><li><a href="../b/">B</a></li></ul>')
    evil = deferred.token('<img src=x onerror=alert(1)><script>alert(1)</script>')
    html = markdown.markdown(f"Text {sup}.\n\n## Section\n\n{block}\n\nMore {evil}", extensions=["toc", "tables"])
    assert sup in html and block in html  # Markdown passes comments through untouched
    out = deferred.expand(html, sanitize_html)
    assert '<sup class="ossref-cite"><a href="#ref-1" title="A, 2020">1</a></sup>' in out
    assert '<ul><li><a href="../b/">B</a></li></ul>' in out
    assert "<!--ossref" not in out and "onerror" not in out and "<script" not in out


def test_unknown_tokens_vanish_and_pages_without_tokens_are_untouched() -> None:
    deferred = Deferred()
    assert deferred.expand("<p>plain</p>", sanitize_html) == "<p>plain</p>"
    assert deferred.expand("<p>a<!--ossref:99-->b</p>", sanitize_html) == "<p>ab</p>"


def test_boundary_in_a_fragment_cannot_shuffle_fragments() -> None:
    deferred = Deferred()
    first = deferred.token("<p>one</p>")
    second = deferred.token("<p>two</p>")
    out = deferred.expand(first + second, lambda h: h.replace("\u2063", ""))  # a sanitizer that eats the boundary
    assert out == "<p>one</p><p>two</p>"


def test_url_href_matches_mkdocs_urls() -> None:
    assert url_href("a", "b") == "../b/"
    assert url_href("index", "a") == "a/"
    assert url_href("a", "index") == "../"
    assert url_href("deep/g", "a", anchor="x y") == "../../a/#x y"
    assert url_href("deep/index", "a") == "../a/"
    assert url_href("a", "b", directory_urls=False) == "b.html"
    assert url_href("deep/g", "a", directory_urls=False) == "../a.html"


def test_relative_paths_agree_with_posixpath() -> None:
    parts = ["a", "b", "index", "deep", "b.html", ".", ""]
    paths = {"/".join(combo) or "." for n in range(4) for combo in itertools.product(parts, repeat=n)}
    for path, start in itertools.product(sorted(paths), repeat=2):
        assert _relpath(path, start) == posixpath.relpath(path, start), (path, start)

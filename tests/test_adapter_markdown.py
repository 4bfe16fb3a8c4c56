"""The adapter renders every page with one reset Markdown object: the same HTML as a new object per page."""

from __future__ import annotations

import markdown

from ossref.mkdocs import adapter

EXTENSIONS = ["toc", "tables", "fenced_code", "admonition", "footnotes", "def_list", "attr_list", "md_in_html",
              "abbr", "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight"]
CONFIGS = {"toc": {"permalink": True}, "pymdownx.highlight": {"use_pygments": True}}

# Each leaves state a reused object must forget: footnotes, abbreviations,
# heading ids already used, stashed raw HTML and code blocks, link references.
PAGES = [
    "# Title\n\nText[^1] and HTML <b>x</b>.\n\n[^1]: A note.\n\n*[HTML]: Hyper Text\n\n## Title\n",
    "# Title\n\nNo notes here, HTML again; [ref] link.\n\n[ref]: https://example.org/a\n",
    "## Part\n\n```python\nx = 1\n```\n\n??? note \"More\"\n    Hidden[^a].\n\n[^a]: Another note.\n",
    "Term\n: Definition\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div markdown=\"1\">*inside*</div>\n\n[ref]\n",
    "",
    "# Title\n\nText[^1].\n\n[^1]: The first note again.\n",
]


def _render(md_factory) -> list[tuple[str, object]]:
    out = []
    for text in PAGES:
        md = md_factory.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS)
        out.append((md.convert(text), getattr(md, "toc_tokens", None)))
    return out


def test_reused_markdown_renders_every_page_as_a_new_object_does() -> None:
    reused = adapter._ReusedMarkdown(markdown)
    assert _render(reused) == _render(markdown)
    assert reused._made is not None  # the object was in fact reused


def test_reused_markdown_makes_a_new_object_for_an_extension_it_does_not_know() -> None:
    reused = adapter._ReusedMarkdown(markdown)
    first = reused.Markdown(extensions=["toc", "smarty"], extension_configs={})
    second = reused.Markdown(extensions=["toc", "smarty"], extension_configs={})
    assert first is not second


def test_reused_markdown_makes_a_new_object_when_the_arguments_change() -> None:
    reused = adapter._ReusedMarkdown(markdown)
    extensions = ["toc"]
    first = reused.Markdown(extensions=extensions, extension_configs={})
    assert reused.Markdown(extensions=extensions, extension_configs={}) is first
    assert reused.Markdown(extensions=extensions, extension_configs={"toc": {"permalink": True}}) is not first
    assert reused.Markdown(extensions=["toc"], extension_configs={}) is not first


def test_mkdocs_page_module_gets_its_markdown_module_back_after_a_build() -> None:
    from mkdocs.structure import pages

    with adapter._one_markdown():
        assert isinstance(pages.markdown, adapter._ReusedMarkdown)
    assert pages.markdown is markdown

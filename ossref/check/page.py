"""The rules that need one page only, run while the page is loaded.

:func:`page_rules` (raw HTML, unsafe URLs, too-complex Markdown, citations
in headings, malformed citations, invisible characters, reserved headings
and paths) reads nothing but the one page. The pipeline hands it to the
loader as a function (``rules=page_rules``), so the loader runs it while
parsing each file and stores its findings with the file's other results,
and the load stage never imports this one. :func:`parse_page` is the
loader's parse with these rules, for callers that want one file's findings.

The rules that look across files are :mod:`ossref.check.rules`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ossref.caps import cap_per_code, findings_at
from ossref.check.sections import page_findings
from ossref.config import Config
from ossref.diagnostics import Diagnostic, diag
from ossref.load import parse
from ossref.load.scan import (MAX_INLINE_WORK, NESTED_KEY, NO_KEY, SAFE_SCHEMES, TWO_KEYS, UNCLOSED, complexity,
                              url_scheme)
from ossref.model import Page
from ossref.text.textsafety import INVISIBLE, UNSAFE_TEXT

__all__ = ["page_rules", "parse_page"]

_CLEAN_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")


def parse_page(data: bytes | None, rel: str, slug: str, config: Config,
               problems: list[Diagnostic] | None = None) -> tuple[Page | None, list[Diagnostic]]:
    """:func:`ossref.load.parse.parse_page` with :func:`page_rules`: one
    file's page and every finding of that file alone."""
    return parse.parse_page(data, rel, slug, config, problems, page_rules)


def page_rules(page: Page) -> list[Diagnostic]:
    """The rules that need nothing but the page itself (``too-complex``,
    ``raw-html``, ``unsafe-url``, ``citation-in-heading``, ``malformed-citation``, ``unsafe-text``, and ``reserved-heading``
    and ``reserved-path`` of :mod:`ossref.check.sections`), capped per rule. The pipeline hands them to the loader
    (:func:`ossref.load.loader.load`), which runs them as part of parsing a
    file, so that their findings are stored with its other results."""
    return cap_per_code([*_too_complex(page), *_body_rules(page), *_citations_in_headings(page),
                         *_malformed_citations(page), *_invisible_text(page), *page_findings(page)])


def _invisible_text(page: Page) -> list[Diagnostic]:
    """``unsafe-text`` at every invisible character of the file
    (:mod:`ossref.text.textsafety`), front matter and body, code blocks included:
    a zero-width space is as invisible in code as in prose. (A BOM that opens
    the file was removed when it was read.) Past :data:`MAX_PER_CODE`, the
    rest are counted, not built one by one: a megabyte of them stays cheap."""
    # The loader reports its first few of the older set (controls, bidi
    # overrides) with this same message, which the pipeline keeps once.
    return findings_at(page.path, "unsafe-text", page.source, INVISIBLE,
                       lambda char: f"invisible control character U+{ord(char):04X}" if UNSAFE_TEXT.fullmatch(char)
                       else f"invisible character U+{ord(char):04X} ({_char_name(char)})",
                       "delete it; it can make text display differently from what it is")


def _too_complex(page: Page) -> Iterable[Diagnostic]:
    for pos, message, hint in complexity(page.body, page.body_line):
        yield diag(page.path, pos.line, pos.column, "too-complex", message, hint)
    yield from _too_complex_front_matter(page)


def _too_complex_front_matter(page: Page) -> Iterable[Diagnostic]:
    """Front-matter text is rendered into the page too, each character that
    Markdown or HTML gives a meaning to written as a character reference
    (ossref.site.render.md_text); Python-Markdown copies the paragraph once per
    reference, so one long string of such characters is as slow as such a
    body. (A 60,000-character summary of "[" passed the body checks and took
    5 s to render; of "&", 3.1 s.) Judged like a paragraph of the body,
    counting every character that is not a letter, digit or space."""
    stack: list[tuple[tuple, object]] = [((), page.meta)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, str) and len(value) * len(value) > MAX_INLINE_WORK // 6:
            marked = len(value) - sum(1 for c in value if c.isalnum() or c.isspace())
            if marked * (len(value) + 5 * marked) > MAX_INLINE_WORK:
                pos = page.meta_pos.get(path)
                line, column = (pos.line, pos.column) if pos else (1, 1)
                yield diag(page.path, line, column, "too-complex",
                           f"this front-matter text has {marked:,} punctuation characters in {len(value):,}:"
                           " too many for Python-Markdown to render in reasonable time",
                           "front matter is for short metadata: move long text into the body, in paragraphs")


_MALFORMED = {
    NO_KEY: ("an item has no @key", "give each item between `;` one key, or remove the extra `;`"),
    TWO_KEYS: ("an item holds two keys", "separate the items with `;`, as in [@a; @b]"),
    NESTED_KEY: ("a key is inside its nested brackets",
                 "cite the works as items of one group, as in [@a, p. 3; see @b]"),
    UNCLOSED: ("it has no closing `]` in its paragraph", "close the bracket"),
}


def _malformed_citations(page: Page) -> Iterable[Diagnostic]:
    """Bracketed text with a citation key that the scanner does not read as
    a citation: the page would show it as written, and its keys are unchecked."""
    for found in page.scan.malformed_citations:
        why, hint = _MALFORMED[found.problem]
        yield diag(page.path, found.pos.line, found.pos.column, "malformed-citation",
                   f"`{found.text}` is not a citation: {why}",
                   hint + "; write \\@ for an @ that is text")


def _citations_in_headings(page: Page) -> Iterable[Diagnostic]:
    """A citation on a heading's line. The check reads such a heading's
    anchor from its text with the citation key in it ("imaging-findings-beta2021"),
    while the site's id comes from the text without it ("imaging-findings"),
    the superscript being added after Markdown: a link could pass the check
    and still miss. And a heading names a section; the statements under it
    are what a work supports."""
    lines = {heading.pos.line for heading in page.scan.headings}
    for group in page.scan.citations:
        if group.pos.line in lines:
            keys = "; ".join("@" + item.key for item in group.items)
            yield diag(page.path, group.pos.line, group.pos.column, "citation-in-heading",
                       f"citation [{keys}] in a heading", "cite the work in the text under the heading")


def _body_rules(page: Page) -> Iterable[Diagnostic]:
    for found in page.scan.html:
        yield diag(page.path, found.pos.line, found.pos.column, "raw-html",
                   f"raw HTML is not allowed: {found.snippet}",
                   "write Markdown instead; HTML comments <!-- --> are fine")
    for found in page.scan.attr_lists:
        yield diag(page.path, found.pos.line, found.pos.column, "raw-html",
                   f"attribute lists are not allowed: {found.snippet}",
                   "remove the {: ...} block; headings get their ids automatically")
    for link in page.scan.links:
        if link.wiki:
            continue
        # The scanner splits off "#fragment"; an entity such as "&#x09;" contains one.
        scheme = url_scheme(link.target + ("#" + link.anchor if link.anchor else ""))
        if scheme is None or scheme in SAFE_SCHEMES:
            continue
        if _CLEAN_SCHEME.fullmatch(scheme):
            yield diag(page.path, link.pos.line, link.pos.column, "unsafe-url",
                       f"link scheme `{scheme}:` is not allowed",
                       "only http, https and mailto links, or relative links to pages")
        else:
            yield diag(page.path, link.pos.line, link.pos.column, "unsafe-url",
                       f"link destination `{_show(scheme)}:...` may render with a scheme other than"
                       " http, https or mailto",
                       "write the URL plainly: no code spans, backslashes or brackets before its first colon")


def _show(text: str, limit: int = 40) -> str:
    text = "".join(c if c.isprintable() else " " for c in text).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _char_name(char: str) -> str:
    return unicodedata.name(char, "control character").lower()

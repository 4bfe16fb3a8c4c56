"""Parse one Markdown file: its text, front matter, entry schema and body scan.

:func:`parse_page` turns a file's bytes into a :class:`~ossref.model.Page`
and the diagnostics of that file alone. The per-page rules of the check
stage are handed in as a function (``rules``), so this stage never imports
the next one; :func:`ossref.check.page.parse_page` is this function with
the check's rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ossref.config import Config, relpath
from ossref.diagnostics import Diagnostic, diag
from ossref.load.files import decode_text, read_bytes
from ossref.load.frontmatter import parse_frontmatter
from ossref.load.scan import scan_body
from ossref.load.schema import read_entry
from ossref.load.walk import slug_for
from ossref.model import Page
from ossref.load.theme_fields import check_page_meta
from ossref.text.slugs import SLUG_PART, suggested_slug
from ossref.text.textsafety import UNSAFE_TEXT

#: The rules that need only one page: a page in, its findings out.
PageRules = Callable[[Page], list[Diagnostic]]


def unsafe_text(text: str, rel: str) -> list[Diagnostic]:
    """One ``unsafe-text`` diagnostic per offending character, at most five."""
    out = []
    for match in UNSAFE_TEXT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        out.append(diag(rel, line, column, "unsafe-text", f"invisible control character U+{ord(match.group()):04X}",
                        "delete it; it can make text display differently from what it is"))
        if len(out) == 5:
            break
    return out


def load_page(path: Path, config: Config, rules: PageRules | None = None) -> tuple[Page | None, list[Diagnostic]]:
    """Read and parse one Markdown file; None when it could not be read."""
    rel = relpath(path, config.root)
    data, problems = read_bytes(path, rel, config.max_file_bytes)
    return parse_page(data, rel, slug_for(path, config.docs_path), config, problems, rules)


def parse_page(data: bytes | None, rel: str, slug: str, config: Config,
               problems: list[Diagnostic] | None = None,
               rules: PageRules | None = None) -> tuple[Page | None, list[Diagnostic]]:
    """Parse one Markdown file's bytes (None: it could not be read, and
    ``problems`` says why), and run ``rules`` on the page: the rules that
    need only this file, which the check stage hands in
    (:func:`ossref.check.page.page_rules`), so that their findings are
    worked out once per file and stored with its other results. A pure
    function of its arguments: what the store keeps."""
    problems = list(problems or [])
    text = None
    if data is not None:
        text, found = decode_text(data, rel)
        problems += found
    if not all(SLUG_PART.fullmatch(part) for part in slug.split("/")):
        problems.append(diag(rel, 1, 1, "invalid-slug", f"file name `{slug}` is not lower-case kebab-case",
                             _slug_hint(slug)))
    if text is None:
        return None, problems
    if not text.strip():
        problems.append(diag(rel, 1, 1, "empty-page", "page is empty", "write the page, or delete the file"))
    problems += unsafe_text(text, rel)
    fm = parse_frontmatter(text, rel, config.max_frontmatter_bytes, config.max_yaml_depth)
    problems += fm.diagnostics
    page = Page(path=rel, slug=slug, source=text, meta=fm.data, meta_pos=fm.positions,
                body=fm.body, body_line=fm.body_line, meta_ok=fm.ok)
    if fm.ok:
        page.entry, found = read_entry(fm.data, fm.positions, rel)
        problems += found
        problems += check_page_meta(fm.data, fm.positions, rel, config.statuses)
    page.scan = scan_body(page.body, page.body_line)
    if rules is not None:
        problems += rules(page)
    return page, problems


def _slug_hint(slug: str) -> str:
    """``invalid-slug``'s hint: the name this very file, or the first folder
    of its path that is not kebab-case, should have."""

    parts = slug.split("/")
    bad = next(i for i, part in enumerate(parts) if not SLUG_PART.fullmatch(part))
    better = suggested_slug(parts[bad])
    if not better:
        return "rename it using a-z, 0-9 and single hyphens"
    if bad == len(parts) - 1:
        return f"rename it to `{better}.md`"
    return f"rename the folder `{parts[bad]}` to `{better}`"

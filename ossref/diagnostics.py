"""Diagnostics as values, and the registry of rule codes.

Every problem ossref finds is a :class:`Diagnostic`. Loaders and checks return
them; only :mod:`ossref.report.formats` prints them. Positions are 1-based (line and
column) everywhere in this module: converting from 0-based library positions
happens once, in the loader that reads the library's output.

Rule codes are a public contract: users' CI configuration and
``rules:`` overrides name them. Add codes, never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:  # so f-strings print "error", not "Severity.ERROR"
        return self.value


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str


def _rules(*rows: tuple[str, Severity, str]) -> dict[str, Rule]:
    return {code: Rule(code, sev, summary) for code, sev, summary in rows}


E, W = Severity.ERROR, Severity.WARNING

#: Every rule ossref knows, with its default severity. The first seventeen are
#: the contract of issue #2; the rest extend it.
RULES: dict[str, Rule] = _rules(
    ("yaml-syntax", E, "front matter is not valid YAML"),
    ("invalid-field", E, "a known field has the wrong type or an empty value"),
    ("missing-field", E, "`differentials` or `aliases` without `condition`"),
    ("unknown-field", W, "unknown front-matter key"),
    ("unknown-citation", E, "a citation key found in no BibTeX file"),
    ("unknown-differential", E, "a differential that names no entry"),
    ("broken-link", E, "a cross-link or .md link to no page, or to a missing anchor"),
    ("duplicate-entry", E, "two entries share a condition name, alias or slug"),
    ("bib-syntax", E, "a BibTeX block that did not parse"),
    ("duplicate-citation-key", E, "the same citation key defined twice"),
    ("invalid-identifier", E, "malformed DOI, PMID, PMCID, ISBN or URL"),
    ("raw-html", E, "raw HTML in an entry body"),
    ("unsafe-url", E, "a link with a scheme other than http, https or mailto"),
    ("one-way-differential", W, "A lists B as a differential, B does not list A"),
    ("unused-reference", W, "a BibTeX entry cited nowhere"),
    ("duplicate-reference", W, "two keys with the same DOI or PMID"),
    ("unverifiable-reference", W, "a BibTeX entry with none of DOI, PMID, PMCID, ISBN, URL"),
    # Extensions beyond issue #2.
    ("read-error", E, "a file that cannot be read as UTF-8 text, or is too large"),
    ("unsafe-path", E, "a symlink, or a path that resolves outside the project"),
    ("invalid-slug", E, "a file name that is not lower-case kebab-case"),
    ("unsafe-text", E, "invisible characters in text: controls, format characters (zero-width, bidi), fillers"),
    ("bib-field", W, "a BibTeX field that looks wrong (swallowed field, stray text)"),
    ("bib-entry-type", W, "an unknown BibTeX entry type"),
    ("empty-page", W, "a Markdown file with no content"),
    ("render-error", E, "a page that could not be rendered"),
    ("too-complex", E, "Markdown nested or repetitive enough to make rendering slow or fail"),
    ("citation-in-heading", E, "a citation inside a heading, whose anchor it would change"),
    ("unsafe-output", E, "the built site holds markup, a script or a URL outside the output policy"),
    ("unchecked-link", E, "the renderer made a link that the check did not see"),
    ("confusable-name", W, "two entries' names that look alike but are spelled in different scripts"),
    ("reserved-heading", E, "a heading whose anchor is a section or id ossref adds to the page"),
    ("reserved-path", E, "a page at a path where ossref writes a generated page"),
    ("duplicate-url", E, "two pages with one URL (`x.md` and `x/index.md`): one would be left out"),
    ("config-error", E, "mkdocs.yml or its extra.ossref options are invalid; cannot be turned off"),
    # `ossref check --online` only (issue #13).
    ("identifier-mismatch", E, "a record's DOI, PMID and PMCID name different works, or not its title and year"),
    ("unresolved-identifier", W, "a DOI, PMID or PMCID the services do not know"),
    ("malformed-citation", E, "bracketed text with a citation key that is not a citation"),
    ("unpublished-file", E, "a link to a docs-folder file of a type the site does not publish"),
    ("placeholder-author", E, "`authors` still holds the placeholder name `ossref new` writes"),
)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, anchored at a 1-based ``line`` and ``column`` of ``path``.

    ``path`` is relative to the project root, with forward slashes.
    ``message`` says what is wrong; ``hint`` (may be empty) says how to fix it.
    Diagnostics sort by path, then position, then code.
    """

    path: str
    line: int
    column: int
    code: str
    message: str = field(compare=False)
    hint: str = field(default="", compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"diagnostic positions are 1-based: {self.line}:{self.column}")
        if self.code not in RULES:
            raise ValueError(f"unknown rule code {self.code!r}")

    @property
    def text(self) -> str:
        """The message with its hint, as one sentence for people."""
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


def diag(path: str, line: int, column: int, code: str, message: str, hint: str = "") -> Diagnostic:
    """Build a diagnostic with the rule's default severity."""
    return Diagnostic(path, max(1, line), max(1, column), code, message, hint, RULES[code].severity)

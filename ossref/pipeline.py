"""The one pipeline the CLI and the tests share: load -> check (-> resolve -> render).

:func:`check` loads a project and runs every check, then applies the
configured rule severities. It returns values and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .checks import check_facts, check_project
from .config import Config
from .diagnostics import Diagnostic, Severity
from .loader import load_facts, load_project
from .model import Project


@dataclass
class CheckResult:
    #: The loaded project; None from ``check(config, keep_pages=False)``.
    project: Project | None
    diagnostics: list[Diagnostic]
    pages: int = 0  # Markdown files that could be read
    entries: int = 0
    references: int = 0  # BibTeX records that loaded (one per key)
    bib_files: int = 0

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    def failed(self, strict: bool) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def apply_rules(diagnostics: list[Diagnostic], config: Config) -> list[Diagnostic]:
    """Re-grade each diagnostic by the project's ``rules`` and drop the ones
    turned off; sorted by path and position, duplicates removed."""
    out: dict[tuple, Diagnostic] = {}
    for d in diagnostics:
        severity = config.severity(d.code)
        if severity is not None:
            out.setdefault((d.path, d.line, d.column, d.code, d.message), replace(d, severity=severity))
    return sorted(out.values())


def check(config: Config, *, keep_pages: bool = True, cache: bool = True) -> CheckResult:
    """Load and check the project at ``config.root``; raises only ConfigError.

    ``keep_pages=False`` is for a check alone (``ossref check``): the same
    diagnostics, from the pages' facts only (:func:`ossref.loader.load_facts`),
    with ``project`` None. That needs a fraction of the memory and, on a repeat
    run, parses only the files that changed. ``cache=False`` reads and writes
    no cache."""
    if keep_pages:
        project, found = load_project(config, cache=cache)
        found += check_project(project)
        return CheckResult(project, apply_rules(found, config), pages=len(project.pages),
                           entries=sum(page.entry is not None for page in project.pages),
                           references=len(project.references), bib_files=len(project.bib_files))
    facts, found = load_facts(config, cache=cache)
    found += check_facts(facts.pages, facts.references, facts.files)
    return CheckResult(None, apply_rules(found, config), pages=len(facts.pages),
                       entries=sum(page.entry for page in facts.pages),
                       references=len(facts.references), bib_files=len(facts.bib_files))

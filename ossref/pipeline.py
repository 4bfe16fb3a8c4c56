"""The one pipeline the CLI and the tests share: load -> check (-> resolve -> render).

:func:`check` loads a project and runs every check, then applies the
configured rule severities. It returns values and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .checks import check_project
from .config import Config
from .diagnostics import Diagnostic, Severity
from .loader import load_project
from .model import Project


@dataclass
class CheckResult:
    project: Project
    diagnostics: list[Diagnostic]

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


def check(config: Config) -> CheckResult:
    """Load and check the project at ``config.root``; raises only ConfigError."""
    project, found = load_project(config)
    found += check_project(project)
    return CheckResult(project, apply_rules(found, config))

"""The checks across files: citations, links, differentials, names.

The rules that need one page only are :mod:`ossref.check.page` (run by the
loader while it parses each file; :func:`page_rules` is importable from here
too). :func:`check_facts` needs the whole project, but only the
:class:`~ossref.model.PageFacts` of each page
(:func:`ossref.load.facts.page_facts`): names,
anchors, links, citations and differentials, which is what lets a check of a
large wiki skip holding every page in memory. :func:`check_project` runs it
on a loaded project. They return diagnostics; they print and change nothing.

The rules themselves are :mod:`ossref.check.crossfile`'s, which runs them
page by page and can re-run them for only the pages a change reaches (a
warm ``ossref check``); :func:`check_facts` is one such run from nothing.

No file yields more than :data:`MAX_PER_CODE` diagnostics of one rule: the
rest are summed up in one more (:func:`cap_per_code`), so a hostile file
cannot bury the report under hundreds of thousands of lines. The pipeline
caps every rule of every file once more at the end
(:func:`ossref.pipeline.apply_rules`); the caps here keep the number of
findings held in memory bounded, and mean a hint ("did you mean") is worked
out only for a finding that will be reported.
"""

from __future__ import annotations

from ossref.diagnostics import Diagnostic
from ossref.model import PageFacts, Project
# MAX_PER_CODE, cap_per_code and suppressed_count stay importable from here (the checks' API).
from ossref.caps import MAX_PER_CODE, cap_per_code, suppressed_count  # noqa: F401
from ossref.check.crossfile import CrossCheck
# page_rules and page_facts stay importable from here (the checks' API).
from ossref.check.page import page_rules  # noqa: F401
from ossref.load.facts import page_facts
from ossref.load.scan import SAFE_SCHEMES, url_scheme  # noqa: F401

__all__ = ["MAX_PER_CODE", "SAFE_SCHEMES", "cap_per_code", "check_facts", "check_project", "page_facts", "page_rules",
           "suppressed_count", "url_scheme"]


def check_project(project: Project) -> list[Diagnostic]:
    """The cross-file checks of a loaded project (the per-file rules ran in
    the loader, see :func:`ossref.check.page.page_rules`)."""
    facts = sorted([*map(page_facts, project.pages), *project.unread], key=lambda f: f.path.split("/"))
    return check_facts(facts,
                       {key: (ref.path, ref.line, ref.column) for key, ref in project.references.items()},
                       project.files)


def check_facts(pages: list[PageFacts], references: dict[str, tuple[str, int, int]],
                files: dict[str, bool] | None = None) -> list[Diagnostic]:
    """Every cross-file diagnostic of a project whose pages have ``pages``
    facts (in path order) and whose BibTeX records are ``references``: key ->
    (path, line, column) of the record. ``files`` are the docs folder's other
    files, as :attr:`~ossref.model.Project.files` has them; with None, links
    to files that are not Markdown are checked only for leaving the docs
    folder."""
    state = CrossCheck()
    state.update(pages, references, files)
    return state.findings()

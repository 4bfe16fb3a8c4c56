"""The one pipeline the CLI and the tests share: load -> check (-> resolve -> render).

:func:`check` loads a project and runs every check, then applies the
configured rule severities. It returns values and prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ossref.caps import MAX_PER_CODE, cap_per_code, suppressed_count
from ossref.check.page import page_rules
from ossref.check.rules import check_facts, check_project
from ossref.config import Config
from ossref.diagnostics import Diagnostic, Severity
from ossref.check.linked_files import missing_files
from ossref.check.crossfile import freeze_row, thaw_rows
from ossref.check.state import CheckState, StateUnusable, context, read_state, remove_state, write_state
from ossref.load.loader import load, load_with_memo
from ossref.load.memo import LoadMemo
from ossref.load.workers import gc_paused
from ossref.load.store import disabled_by_env, unwritable_note
from ossref.model import Page, Project, ProjectFacts
from ossref.check.sections import url_clashes


@dataclass
class CheckResult:
    #: The loaded project; None from ``check(config, keep_pages=False)``.
    project: Project | None
    diagnostics: list[Diagnostic]
    pages: int = 0  # Markdown files that could be read
    entries: int = 0
    references: int = 0  # BibTeX records that loaded (one per key)
    bib_files: int = 0
    #: Findings not listed one by one: past :data:`~ossref.check.rules.MAX_PER_CODE`
    #: of one rule in one file, each (file, rule) gets one diagnostic counting them.
    suppressed: int = 0
    #: Lines about the run rather than the project (the cache could not be
    #: written), for the CLI to print on stderr; never a diagnostic.
    notes: list[str] = field(default_factory=list)
    #: What the next check may start from (``check(..., state=result.state)``);
    #: None from a check that keeps pages or uses no cache.
    state: CheckState | None = None
    #: (the ``render`` function's name, each file's findings as it wrote them,
    #: in path order, the :attr:`diagnostics` list they are of) from a check
    #: given ``render``, else None. A reporter uses it only when its third
    #: item *is* :attr:`diagnostics` (``dataclasses.replace`` with other
    #: diagnostics makes it stale).
    rendered: tuple[str, list[str], list[Diagnostic]] | None = None

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
    turned off; sorted by path and position, duplicates removed, and at most
    :data:`~ossref.check.rules.MAX_PER_CODE` of one rule per file, the rest counted
    in one more diagnostic (:func:`~ossref.check.rules.cap_per_code`). The one
    place every finding passes, so the cap holds for every rule and reader."""
    out: dict[tuple, Diagnostic] = {}
    for d in diagnostics:
        # A rule the project does not mention keeps each finding's own
        # severity: the rule's default, or an error for the worse cases of a
        # warning rule (a BibTeX field swallowed by a missing comma).
        severity = config.severity(d.code) if d.code in config.rules else d.severity
        if severity is not None:
            out.setdefault((d.path, d.line, d.column, d.code, d.message), replace(d, severity=severity))
    return sorted(cap_per_code(list(out.values()), MAX_PER_CODE))


def check(config: Config, *, keep_pages: bool = True, cache: bool = True,
          state: CheckState | None = None, render: Callable[[list[Diagnostic]], str] | None = None) -> CheckResult:
    """Load and check the project at ``config.root``; raises only ConfigError.

    Both ways load through the one route, :func:`ossref.load.loader.load`,
    handing it the per-page rules (:func:`ossref.check.page.page_rules`), and
    share its store. ``keep_pages=False`` is for a check alone (``ossref
    check``): the same diagnostics, from the pages' facts only
    (``need="facts"``), with ``project`` None. That needs a fraction of the
    memory and, on a repeat run, parses only the files that changed.
    ``cache=False`` reads and writes no cache.

    A check alone also keeps a :class:`~ossref.check.state.CheckState`:
    each file's stat and facts, and each page's cross-file findings with
    what they read, so that the next check reads only the files whose stat
    changed and re-runs the cross-file rules only for the pages a change
    reaches. It is kept on disk in the cache folder and returned as
    :attr:`CheckResult.state`; a long-running process hands it back as
    ``state`` (see its contract there) and the disk is neither read nor
    written. The findings never depend on it.

    ``render`` (a check alone with a cache): a function of one file's
    findings, in their order, to text (a report's part for that file); the
    state keeps each file's text, by the function's qualified name, and
    renders again only the files whose findings changed; the result's
    :attr:`CheckResult.rendered` holds them."""
    notes: list[str] = []
    if keep_pages:
        project, found = load(config, need="pages", rules=page_rules, cache=cache, notes=notes)
        assert isinstance(project, Project)
        found += check_project(project)
        found += missing_files(((page.path, page.slug, _links(page)) for page in project.pages), config.docs_path)
        found += url_clashes(((page.path, page.slug) for page in project.pages), config.use_directory_urls)
        reported = apply_rules(found, config)
        return CheckResult(project, reported, pages=len(project.pages) + len(project.unread),
                           entries=sum(page.entry is not None for page in project.pages),
                           references=len(project.references), bib_files=len(project.bib_files),
                           suppressed=suppressed_count(reported), notes=notes)
    if cache and not disabled_by_env():
        return _rendered(_check_with_state(config, notes, state, render), render)
    facts, found = load(config, need="facts", rules=page_rules, cache=cache, notes=notes)
    assert isinstance(facts, ProjectFacts)
    found += check_facts(facts.pages, facts.references, facts.files)
    found += missing_files(((f.path, f.slug, f.links) for f in facts.pages), config.docs_path)
    found += url_clashes(((f.path, f.slug) for f in facts.pages), config.use_directory_urls)
    reported = apply_rules(found, config)
    return CheckResult(None, reported, pages=len(facts.pages),
                       entries=sum(page.entry for page in facts.pages),
                       references=len(facts.references), bib_files=len(facts.bib_files),
                       suppressed=suppressed_count(reported), notes=notes)


def _check_with_state(config: Config, notes: list[str], state: CheckState | None,
                      render: Callable[[list[Diagnostic]], str] | None) -> CheckResult:
    """:func:`check` with ``keep_pages=False`` from a state: the one in
    memory, else the one on disk, else none."""
    ctx = context(config, _RULES_SALT)
    in_memory = state is not None and state.context == ctx
    # The state is millions of small objects and no reference cycle: the
    # cyclic GC would scan them over and over while they are made (it more
    # than doubles the time to read a large wiki's state).
    with gc_paused():
        if not in_memory:
            state = read_state(config, ctx) or CheckState(ctx)
        assert state is not None
        try:
            return _check_from(config, notes, state, in_memory, render)
        except StateUnusable:
            return _check_from(config, notes, CheckState(ctx), False, render)


def _check_from(config: Config, notes: list[str], state: CheckState, in_memory: bool,
                render: Callable[[list[Diagnostic]], str] | None) -> CheckResult:
    memo = LoadMemo()
    facts, found = load_with_memo(config, page_rules, True, notes, state.memo, memo, state.last is not None)
    state.read, state.rerun = memo.read, 0
    if facts is None:  # no file changed: the last result stands
        assert state.last is not None
        pages, entries, references, bib_files, suppressed = state.last
        return CheckResult(None, _reported_list(state.reported), pages=pages, entries=entries, references=references,
                           bib_files=bib_files, suppressed=suppressed, notes=notes, state=state)
    cross = state.cross_sharing(memo, facts.pages)
    state.memo = memo
    cross.update(facts.pages, facts.references, facts.files)
    state.rerun = cross.rerun
    state.changed(memo.changed | cross.touched)
    before = found + cross.name_diagnostics()
    after = cross.unused()
    after += missing_files(((f.path, f.slug, f.links) for f in facts.pages), config.docs_path)
    after += url_clashes(((f.path, f.slug) for f in facts.pages), config.use_directory_urls)
    touched: set[str] = set()
    state.reported = _reported(config, state.by_path, _grouped(before), cross.page_findings(), cross.changed_rows,
                               _grouped(after), touched)
    state.changed(touched)
    _render(state, render, touched)
    reported = _reported_list(state.reported)
    suppressed = suppressed_count(reported)
    state.last = (len(facts.pages), sum(page.entry for page in facts.pages), len(facts.references),
                  len(facts.bib_files), suppressed)
    if memo.problem is not None:
        remove_state(config)  # no store, no state: the next check parses every file again, as it says
    elif not in_memory:
        problem = write_state(config, state)
        if problem is not None:
            note = unwritable_note(config, problem)
            if note not in notes:
                notes.append(note)
    return CheckResult(None, reported, pages=state.last[0], entries=state.last[1], references=state.last[2],
                       bib_files=state.last[3], suppressed=suppressed, notes=notes, state=state)


def _render_key(render: Callable | None) -> str:
    return "" if render is None else f"{render.__module__}.{render.__qualname__}"


def _render(state: CheckState, render: Callable[[list[Diagnostic]], str] | None, touched: set[str]) -> None:
    """Bring :attr:`CheckState.rendered` to :attr:`CheckState.reported`: the
    text of each path in ``touched`` (whose findings may have changed) is
    rendered again, and every path's when ``render`` is another function."""
    key = _render_key(render)
    old = state.rendered if key == state.render_key else {}
    if touched or key != state.render_key:
        state.report_dirty = True  # else what was reported, and its text, are as they were
    state.render_key = key
    if render is None:
        state.rendered = {}
        return
    state.rendered = {path: text if (text := old.get(path)) is not None and path not in touched
                      else render(thaw_rows(rows)) for path, rows in state.reported.items()}


def _rendered(result: CheckResult, render: Callable[[list[Diagnostic]], str] | None) -> CheckResult:
    """``result`` with :attr:`CheckResult.rendered` from its state, when rendered by ``render``."""
    state = result.state
    if render is not None and state is not None and state.render_key == _render_key(render):
        result.rendered = (state.render_key, list(state.rendered.values()), result.diagnostics)
    return result


def _reported_list(reported: dict[str, tuple]) -> list[Diagnostic]:
    """Every file's reported findings, in path order (``reported`` is built in that order)."""
    return thaw_rows([row for rows in reported.values() for row in rows])


def _grouped(diagnostics: list[Diagnostic]) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in diagnostics:
        out.setdefault(d.path, []).append(freeze_row(d))
    return out


def _reported(config: Config, by_path: dict[str, tuple], before: dict[str, list], pages: dict[str, tuple],
              changed: set[str], after: dict[str, list], touched: set[str]) -> dict[str, tuple]:
    """:func:`apply_rules` file by file, by path: the rules grade, cap and
    sort each file's findings on their own (a cap is per file and rule, and
    findings sort by path first), so the files' results one after the
    other, in path order, are what one :func:`apply_rules` over all of them
    gives. Each file's findings go in in the order that gives them: from
    loading and the names' (``before``), the page's own cross-file findings
    (``pages``), the rest (``after``). ``by_path`` keeps, per file, what came
    in ``before`` and ``after`` and what was reported, and is reused while
    those and the page's findings (unless its path is in ``changed``) are
    the same. The paths whose entry in ``by_path`` it changed are added to ``touched``."""
    paths = set(before) | set(pages) | set(after)
    for path in [path for path in by_path if path not in paths]:
        del by_path[path]
        touched.add(path)
    out: dict[str, tuple] = {}
    for path in sorted(paths):
        first, last = tuple(before.get(path, ())), tuple(after.get(path, ()))
        known = by_path.get(path)
        if known is None or path in changed or known[0] != first or known[1] != last:
            found = thaw_rows(first) + thaw_rows(pages.get(path, ())) + thaw_rows(last)
            known = by_path[path] = (first, last, tuple(map(freeze_row, apply_rules(found, config))))
            touched.add(path)
        if known[2]:
            out[path] = known[2]
    return out


#: What the stored state's findings depend on besides code and configuration: the per-page rules.
_RULES_SALT = f"{page_rules.__module__}.{page_rules.__qualname__}".encode()


def _links(page: Page):
    """The page's links laid out as in :attr:`PageFacts.links <ossref.model.PageFacts>`."""
    return ((link.target, link.anchor, link.wiki, link.image, link.pos.line, link.pos.column)
            for link in page.scan.links)

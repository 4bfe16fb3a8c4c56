"""What ``ossref serve`` keeps between rebuilds, so that an edit rebuilds only what changed.

A preview rebuild is an ordinary build (:func:`ossref.publish.build.build` with a
:class:`Preview`): check every page from the check state kept in memory
(:meth:`Preview.check`: only the files whose stat changed are read, and the
cross-file rules run again only where a change reaches), take the parsed
pages kept in memory, parsing again only those files
(:class:`ossref.publish.kept.KeptPages`), then bring the staging folder the
preview keeps up to date, resolving and rendering again only the pages whose
inputs changed (:meth:`Preview.stage`, :class:`ossref.site.incremental.StagedSite`,
which records what each page read of the others), then MkDocs into a fresh
folder swapped in whole. The comparison decides what MkDocs renders: a
digest of every staged file (Markdown, and whether the page has a source to
edit; images byte for byte) is compared with the digests of the build being
served, and MkDocs renders only the files whose digest changed
(:class:`ossref.mkdocs.adapter.Increment`). Generated HTML is staged as
tokens that hash their fragment (:mod:`ossref.site.deferred`, with this
preview's key), so a page whose backlinks, differentials, references or
A-Z lines changed stages other Markdown.

Everything else that shapes the site must be as it was for the build being
served, else MkDocs' part is a full build: ``mkdocs.yml``, every file of the
citations folder, ossref's own files and version, and the sanitizer's
version; the adapter adds the theme, the MkDocs and Material versions, the
nav and the plugins (:func:`ossref.mkdocs.adapter.build_html`). The staged
site renders every page again when ``mkdocs.yml``, ossref or the build date
changed; it follows a changed BibTeX record to the pages that cite it.

The state describes the site being served and nothing else: it is dropped
before a new site is swapped in and recorded after, so a failed or
interrupted rebuild leaves either the old state with the old site, or no
state (the next rebuild is then a full one).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ossref import __version__
from ossref.check.page import page_rules
from ossref.config import CONFIG_FILE, Config
from ossref.diagnostics import Severity
from ossref.mkdocs.adapter import Built, Increment
from ossref.model import Project
from ossref.publish.kept import KeptPages
from ossref.publish.swap import SpareSite
from ossref.site.deferred import Deferred
from ossref.site.incremental import Staged, StagedSite
from ossref.site.markup import build_date

if TYPE_CHECKING:
    from ossref.check.state import CheckState
    from ossref.pipeline import CheckResult

__all__ = ["Preview", "error_overlay"]

_PACKAGE = Path(__file__).resolve().parent.parent  # the whole ossref package


@dataclass(frozen=True)
class _Served:
    inputs: str
    digests: dict[str, str]
    built: Built


class Preview:
    """The state of one preview session: its token key and its last good build.

    Used by the build in this order: :meth:`check`, :meth:`report`,
    :meth:`stage`, :meth:`increment` once the staging folder is rendered,
    :meth:`forget` just before the swap, :meth:`remember` just after."""

    def __init__(self, staging: Path | None = None) -> None:
        #: Key of :class:`ossref.site.deferred.Deferred` for every build of the
        #: session, so an unchanged page stages the same tokens each time.
        self.key = secrets.token_bytes(16)
        #: The staging folder kept from one build to the next (None: each
        #: build renders every page into a fresh one), and the fragments its
        #: tokens stand for: a page staged by an earlier build may be the one
        #: MkDocs renders now (when that build failed after staging it).
        self.staging = staging
        self.deferred = Deferred(self.key)
        self._staged = StagedSite(staging) if staging is not None else None
        self._served: _Served | None = None
        self._pending: tuple[str, dict[str, str]] | None = None
        self._search_stale = False  # the served site holds an older Pagefind index
        self._deferred_search = False  # ... and so will the site being built
        from ossref.site.audit import Memo

        #: The output audit's memory of the served site's files.
        self.audited = Memo()
        self._removals: list[threading.Thread] = []
        #: The site served before the current one, kept to become the next
        #: (:class:`ossref.publish.swap.SpareSite`); made by the first increment.
        self._spare: SpareSite | None = None
        #: What the last check kept for the next one (see :meth:`check`).
        self.check_state: CheckState | None = None
        #: The pages kept between rebuilds (with a staging folder), and the
        #: project last made of them.
        self._kept = KeptPages(page_rules) if staging is not None else None
        self._project: Project | None = None
        #: The findings of the last check, as rows by path (see :meth:`report`).
        self._reported: dict[str, tuple] | None = None

    def check(self, config: Config) -> CheckResult:
        """The check step of a rebuild, and the only one: what
        :func:`ossref.publish.build.build` calls instead of a plain
        :func:`ossref.pipeline.check`. With a staging folder kept, the check
        starts from what the last one of this session kept in memory
        (:attr:`check_state`: each file's stat and facts, the cross-file
        findings and what they read), and the project the build renders is
        made of the pages kept in memory, only the files that changed read
        and parsed again (:class:`ossref.publish.kept.KeptPages`, which
        makes sure it is the project the check saw; when a file changed in
        between, the check runs again, and after a second such miss a check
        that loads every page itself gives both). The findings never depend
        on what was kept."""
        from ossref.load.store import disabled_by_env
        from ossref.pipeline import check

        if self._kept is None or disabled_by_env():
            return check(config)
        for _ in range(2):
            result = check(config, keep_pages=False, state=self.check_state)
            self.check_state = state = result.state
            if state is None:
                break
            project = self._kept.project(config, state.memo, result.pages, result.notes)
            if project is not None:
                result.project = self._project = project
                return result
        self._kept.clear()
        self._project = None
        return check(config)

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Print the check's findings: every one on the first build of the
        session; on later ones the errors (what stops the build, and what the
        error overlay shows) and the warnings that were not found by the
        previous check, then how many are as before or gone, and the summary
        line. At 10,000 entries a wiki may hold 35,000 warnings: printing
        them all after every edit buries what the edit changed."""
        from ossref.check.crossfile import freeze_row, thaw_rows
        from ossref.report.formats import report, summary_line, text_line

        state = result.state
        if state is not None:
            # The check's own rows by path, in path order; a file whose findings did not change keeps its tuple.
            now: dict[str, tuple] = state.reported
        else:  # a check that kept no state: the same rows, made here
            grouped: dict[str, list[tuple]] = {}
            for d in result.diagnostics:
                grouped.setdefault(d.path, []).append(freeze_row(d))
            now = {path: tuple(rows) for path, rows in grouped.items()}
        last, self._reported = self._reported, now
        if last is None:
            report(result, "text", out)
            return
        shown: list[tuple] = []
        quiet = gone = 0
        error = Severity.ERROR.value
        for path, rows in now.items():
            before = last.get(path)
            if before is rows:
                for row in rows:
                    if row[6] == error:
                        shown.append(row)
                    else:
                        quiet += 1
                continue
            seen = set(before or ())
            for row in rows:
                if row[6] == error or row not in seen:
                    shown.append(row)
                else:
                    quiet += 1
        for path, rows in last.items():
            after = now.get(path)
            if after is not rows:
                gone += len(set(rows).difference(after or ()))
        lines = [text_line(d) for d in thaw_rows(shown)]
        if quiet or gone:
            lines.append(f"{quiet} finding{'' if quiet == 1 else 's'} as in the last check, not repeated; "
                         f"{gone} gone since")
        lines.append(summary_line(result))
        out.write("\n".join(lines) + "\n")

    def stage(self, project: Project, config: Config) -> Staged:
        """Bring :attr:`staging` up to date with ``project`` (which passed the
        check), resolving and rendering only the pages whose inputs changed
        (:class:`ossref.site.incremental.StagedSite`)."""
        assert self._staged is not None, "Preview(staging) first"
        inputs = _inputs(config, citations=False) + build_date().isoformat()
        if self._staged.full_next(inputs):
            self.deferred.fragments.clear()  # every page stages its fragments again
        changed = self._kept.take_changed() if self._kept is not None and project is self._project else None
        return self._staged.update(project, config, self.deferred.token, inputs, changed)

    def increment(self, config: Config, staging: Path, site: Path,
                  digests: dict[str, str] | None = None) -> Increment | None:
        """What the build of ``staging`` may reuse from the served ``site``;
        None when it must be a full build (nothing served yet, or an input
        other than the pages changed). ``digests`` are the staged files'
        (:attr:`ossref.site.incremental.Staged.digests`) when known, else
        every file of ``staging`` is read."""
        inputs = _inputs(config)
        digests = dict(digests) if digests is not None else _digests(staging, config.docs_path)
        self._pending = (inputs, digests)
        self._deferred_search = False
        served = self._served
        if served is None or served.inputs != inputs or not site.is_dir():
            self._drop_spare()  # it would be out of date everywhere
            return None
        changed = frozenset(path for path, digest in digests.items() if served.digests.get(path) != digest)
        # Only with the kept staging folder: every file the build adds to
        # the site is then MkDocs' (a fresh staging folder's build writes
        # the citation downloads itself, into the finished folder).
        if self._spare is None or self._spare.site != site:
            self._drop_spare()
            self._spare = SpareSite(site)
        return Increment(site, served.built, changed, spare=self._spare if self.staging is not None else None)

    def defer_search(self, site: Path, new: Path) -> bool:
        """Pagefind mode: put the served ``site``'s search bundles into the
        new site folder ``new`` (hard links), to be replaced by
        :meth:`refresh_search` once ``new`` is served; False when there are
        none to reuse (then the build indexes ``new`` itself). Pagefind reads
        every page again on each run (2.6 s of a 4 s rebuild of 1,000
        entries), which is what this keeps out of the edit-to-preview time."""
        from ossref.site.search import BUNDLE_DIR, TEXT_BUNDLE_DIR

        if self._served is None or not all((site / name / "pagefind-entry.json").is_file()
                                           for name in (BUNDLE_DIR, TEXT_BUNDLE_DIR)):
            return False
        for name in (BUNDLE_DIR, TEXT_BUNDLE_DIR):
            shutil.copytree(site / name, new / name, copy_function=_link)
        self._deferred_search = True
        return True

    def refresh_search(self, site: Path, stop: Callable[[], bool] | None = None) -> bool:
        """Index the served ``site`` again when :meth:`defer_search` left it
        the previous index; each bundle is swapped in whole once both are
        written. True when it indexed. Raises
        :class:`ossref.site.search.SearchFailed`, or :class:`~ossref.site.search.SearchStopped`
        when ``stop()`` turned true meanwhile (another edit: the rebuild it
        needs comes first); either way the old index stays, and the next call
        tries again."""
        from ossref.publish.swap import _remove, swap_in
        from ossref.site.search import BUNDLE_DIR, TEXT_BUNDLE_DIR, index_site

        if not self._search_stale:
            return False
        fresh = (".pagefind-next", ".pagefind-text-next")
        for name in fresh:
            _remove(site / name)
        try:
            index_site(site, fresh, stop)
            for name, live in zip(fresh, (BUNDLE_DIR, TEXT_BUNDLE_DIR)):
                swap_in(site / name, site / live)
        finally:
            for name in fresh:
                _remove(site / name)
        self._search_stale = False
        return True

    def discard(self, folder: Path) -> None:
        """Remove ``folder``, a site this session served, in a background
        thread: the new site is served as soon as it is swapped in, and at
        10,000 entries removing the old one (a folder a page) takes seconds
        of wall time. :meth:`close` waits for every removal. The site the
        spare replaced is kept as the next spare instead (:class:`SpareSite`)."""
        from ossref.publish.swap import _remove

        if self._spare is not None and self._spare.adopt(folder):
            return  # the next rebuild's spare
        self._removals = [t for t in self._removals if t.is_alive()]
        thread = threading.Thread(target=_remove, args=(folder,), name="ossref-serve-discard", daemon=True)
        thread.start()
        self._removals.append(thread)

    def _drop_spare(self) -> None:
        folder = self._spare.forget() if self._spare is not None else None
        if folder is not None:
            self._spare = None  # discard must not adopt it again
            self.discard(folder)

    def close(self) -> None:
        """Remove the spare site, and wait for the folders being removed (:meth:`discard`)."""
        self._drop_spare()
        for thread in self._removals:
            thread.join()
        self._removals = []

    @property
    def serving(self) -> bool:
        """Whether a site built by this preview is served: the next build is
        then incremental unless something but the pages changed."""
        return self._served is not None

    def forget(self) -> None:
        """The served site is about to be replaced."""
        self._served = None

    def remember(self, built: Built) -> None:
        """The site built from the staging folder last given to
        :meth:`increment` is now served."""
        assert self._pending is not None, "increment() first"
        inputs, digests = self._pending
        if built.written is None:
            self._drop_spare()  # the served site was not made from it: it is out of date everywhere
        self._served = _Served(inputs, digests, built)
        self._pending = None
        self._search_stale = self._deferred_search


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _digests(staging: Path, sources: Path) -> dict[str, str]:
    """Path under ``staging`` -> digest of the staged file; for Markdown also
    of whether ``sources`` has the page (the "Edit this page" link)."""
    out: dict[str, str] = {}
    for folder, _, names in os.walk(staging):
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(staging).as_posix()
            h = hashlib.blake2b(path.read_bytes(), digest_size=16)
            if name.endswith(".md"):
                h.update(b"\0source" if (sources / rel).is_file() else b"\0generated")
            out[rel] = h.hexdigest()
    return out


def _inputs(config: Config, citations: bool = True) -> str:
    """A digest of what shapes the pages besides the docs folder:
    ``mkdocs.yml`` and (with ``citations``) the citations byte for byte,
    ossref's own files by name, size and modification time, the versions of
    ossref and nh3. The staged site leaves the citations out: it follows
    each record to the pages that cite it."""
    h = hashlib.blake2b(digest_size=16)

    def add(*parts: object) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    add(__version__, _version("nh3"))
    try:
        add((config.root / CONFIG_FILE).read_bytes())
    except OSError as exc:
        add(f"unreadable: {exc}")
    for folder, dirs, names in os.walk(config.citations_path) if citations else ():
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            try:
                add(path.relative_to(config.citations_path).as_posix(), path.read_bytes())
            except OSError as exc:
                add(f"unreadable: {exc}")
    for folder, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = Path(folder, name)
            try:
                st = path.stat()
            except OSError:
                continue
            add(path.relative_to(_PACKAGE).as_posix(), st.st_size, st.st_mtime_ns)
    return h.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


# --------------------------------------------------------------------------- the error overlay

#: A diagnostic line as the build prints it (:func:`ossref.report.formats.text_line`).
_DIAGNOSTIC_LINE = re.compile(r"(.+?):(\d+):(\d+): (error|warning)\[([a-z0-9-]+)\] (.*)")
#: Lines shown in the overlay, and characters of each: the rest is counted.
OVERLAY_MAX_LINES = 200
OVERLAY_MAX_CHARS = 500
OVERLAY_ID = "ossref-error-overlay"


def error_overlay(lines: Sequence[str]) -> str:
    """The HTML of the box ``ossref serve`` lays over every page while the
    last rebuild failed: ``lines`` are what that build printed (its
    diagnostics, ``path:line:col: severity[code] message``, and why nothing
    was built), one item each.

    Inert: every string is escaped (they quote hostile content: file names,
    front matter, link targets), there is no script, link or URL in it, and
    it folds away with a ``<details>`` element, which needs no script. At most
    :data:`OVERLAY_MAX_LINES` lines of :data:`OVERLAY_MAX_CHARS` characters
    are shown; the rest are counted."""
    items = []
    for line in lines[:OVERLAY_MAX_LINES]:
        if len(line) > OVERLAY_MAX_CHARS:
            line = line[: OVERLAY_MAX_CHARS - 1] + "\u2026"
        found = _DIAGNOSTIC_LINE.fullmatch(line)
        if found:
            path, line_no, column, severity, code, message = found.groups()
            colour = "#b00020" if severity == "error" else "#8a5a00"
            items.append(f'<li style="margin:.3em 0"><code>{_esc(path)}:{line_no}:{column}</code> '
                         f'<strong style="color:{colour}">{severity}[{_esc(code)}]</strong> {_esc(message)}</li>')
        else:
            items.append(f'<li style="margin:.3em 0;list-style:none">{_esc(line)}</li>')
    if len(lines) > OVERLAY_MAX_LINES:
        items.append(f'<li style="list-style:none">\u2026 and {len(lines) - OVERLAY_MAX_LINES} more lines '
                     "in the terminal</li>")
    return (f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;left:0;right:0;bottom:0;max-height:60vh;'
            "overflow:auto;z-index:2147483647;background:#fff8f8;color:#111;border-top:4px solid #b00020;"
            'font:14px/1.4 system-ui,sans-serif;padding:.6em 1em;box-shadow:0 -2px 8px rgba(0,0,0,.3)">'
            '<details open><summary style="cursor:pointer;font-weight:bold">The last rebuild failed, so this '
            "page is not your latest edit. Fix these and save: the page reloads when a build succeeds.</summary>"
            f'<ul style="margin:.4em 0;padding-left:1.2em;white-space:pre-wrap;word-break:break-word">'
            f'{"".join(items)}</ul></details></div>')


def _esc(text: str) -> str:
    return html.escape(text, quote=True)

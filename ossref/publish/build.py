"""``ossref build``: check, render, run MkDocs, and swap the new site in whole.

The order, and what each failure leaves behind:

1. The output folder is validated: not the project root, not inside or
   around the docs or citations folder, not a folder that holds something
   other than a built site (``.git``, ``mkdocs.yml``, files without an
   ``index.html`` or ``404.html``): exit 2.
2. The project is checked and the report printed; errors (with ``strict``,
   warnings too) stop the build: exit 1.
3. The project is resolved and rendered into a fresh staging folder in the
   system's temporary folder, never inside the project's docs or citations.
   Render diagnostics are graded like check diagnostics.
4. MkDocs builds the staging folder into a new folder beside the target,
   ``<parent>/.<name>.tmp-XXXXXXXX``, with every page body sanitized. A page
   MkDocs fails on is reported as ``render-error``: exit 1.
5. With option ``search: pagefind``, Pagefind indexes that folder into its
   ``pagefind/`` (names) and ``pagefind-text/`` (full text) subfolders
   (:mod:`ossref.site.search`), silently; if it fails, its output is printed on
   ``err``: exit 1.
6. Only then the new folder replaces the target: in one ``renameat2``
   exchange on Linux, else by two renames within the same parent.

``ossref build`` is always a full, clean build. ``ossref serve`` passes a
:class:`ossref.publish.preview.Preview`: steps 1, 2 and 6 are the same; in step 3
the staging folder is the preview's own, kept from one build to the next, and
only the pages whose inputs changed are resolved and rendered again
(:mod:`ossref.site.incremental`); in step 4 MkDocs renders only the pages whose staged Markdown changed since the
site being served, the rest of the new folder being that site's own files
(:mod:`ossref.publish.preview`: the folder served before it, brought up to
date, :class:`ossref.publish.swap.SpareSite`), and step 5b audits only the
files MkDocs wrote. With Pagefind, step 5 then carries the served
site's search index over, and the server indexes the new site after the swap
(:meth:`ossref.publish.preview.Preview.refresh_search`), so an edit shows before
Pagefind has read every page again.

Until step 6 the previous site is never touched, so a failed build, an
exception, Ctrl-C or SIGTERM leaves it byte for byte as it was; the temporary
folders are removed on every way out. Signals arriving during the swap and
the clean-up are held until both are done. Only SIGKILL or a crash of the
machine can leave a staging or ``.<name>.tmp-*`` folder behind (never a
partial site). Each such folder has a lock file beside it that its build
holds under ``flock`` while it runs; the next build removes the folders
whose lock nobody holds, and never one that another running build owns
(:func:`_new_dir`).

A folder the build cannot create (a read-only or full file system) stops it
with exit 2 and a message naming the folder (:class:`BuildDirError`); two
builds swapping into the same site at once both succeed (:func:`swap_in`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ossref.config import Config, ConfigError, is_inside, read_mkdocs_yml
from ossref.diagnostics import Diagnostic, Severity, diag
from ossref.report.formats import report, text_line
# _new_dir stays importable from here: tests start a build's folder with it.
from ossref.publish.swap import BuildDirError, _new_dir, _remove, _shown, _site_temp_dir, _staging_dir, swap_in  # noqa: F401

if TYPE_CHECKING:
    from ossref.mkdocs.adapter import Built, Problem
    from ossref.pipeline import CheckResult
    from ossref.publish.preview import Preview

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

__all__ = ["Interrupted", "build", "default_site_dir", "check_site_dir", "swap_in"]


class Interrupted(KeyboardInterrupt):
    """A signal (SIGTERM) stopped the build; everything was cleaned up.

    A KeyboardInterrupt, so whatever stops on Ctrl-C stops on it too;
    ``signum`` gives the conventional exit status ``128 + signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Failed(Exception):
    """The build failed with diagnostics already graded and worth printing,
    and ``detail``: lines for ``err`` (a tool's own output) before the reason."""

    def __init__(self, diagnostics: list[Diagnostic], reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.diagnostics = diagnostics
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------- the output folder


def default_site_dir(config: Config) -> Path:
    """MkDocs' ``site_dir`` from ``mkdocs.yml`` (relative to the project
    root), else ``site``."""
    value = read_mkdocs_yml(config.root).get("site_dir")
    return config.root / (value if isinstance(value, str) and value.strip() else "site")


def check_site_dir(config: Config, site_dir: Path) -> Path:
    """The absolute, resolved output folder; raises ConfigError when building
    there could overwrite or delete the project's own files."""
    site = Path(os.path.abspath(site_dir)).resolve()
    root = config.root
    if site == root:
        raise ConfigError(f"site dir {site_dir} is the project root; choose a folder of its own, e.g. site")
    for name, folder in (("docs_dir", config.docs_path), ("citations_dir", config.citations_path)):
        folder = folder.resolve()
        if is_inside(site, folder):
            where = "is" if site == folder else "is inside"
            raise ConfigError(f"site dir {site_dir} {where} the {name} folder {folder.name}/")
        if is_inside(folder, site):
            raise ConfigError(f"site dir {site_dir} contains the {name} folder {folder.name}/")
    if site.exists() and not site.is_dir():
        raise ConfigError(f"site dir {site_dir} exists and is not a folder")
    if site == Path(site.anchor):
        raise ConfigError(f"site dir {site_dir} is a file-system root")
    # The whole folder is replaced, so a typo must not delete a folder of
    # something else (MkDocs alone would empty it too).
    for marker in (".git", "mkdocs.yml"):
        if (site / marker).exists():
            raise ConfigError(f"site dir {site_dir} holds {marker}: it is not a built site")
    if site.is_dir() and any(site.iterdir()) and not any((site / n).is_file() for n in ("index.html", "404.html")):
        raise ConfigError(f"site dir {site_dir} holds files but no index.html or 404.html: "
                          "it does not look like a built site; remove it or choose another folder")
    return site


# --------------------------------------------------------------------------- signals


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _terminate_raises() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Interrupted` so that ``finally``
    blocks run (the default action kills the process on the spot). Signal
    handlers can only be set from the main thread; elsewhere this does nothing,
    and no signal is delivered there anyway."""
    if not _main_thread():
        yield
        return

    def raise_interrupted(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver the first
    one to the handler that was in place: used where stopping half-way would
    leave a half-swapped site or a temporary folder behind."""
    if not _main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        pending.append(signum)

    previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            handler = previous[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(pending[0])


# --------------------------------------------------------------------------- the build


def _render_errors(problems: list[Problem], config: Config) -> list[Diagnostic]:
    """MkDocs' problems as ``render-error`` diagnostics on the source page, or
    on mkdocs.yml when no source page is to blame (generated pages, theme)."""
    found = []
    docs = config.docs_path
    for problem in problems:
        page = problem.page
        if page is not None and (docs / page).is_file():
            path = Path(config.docs_dir, page).as_posix()
            message = f"page could not be rendered: {problem.message}"
        elif page is not None:
            path = "mkdocs.yml"
            message = f"generated page {page} could not be rendered: {problem.message}"
        else:
            path = "mkdocs.yml"
            message = f"site could not be built: {problem.message}"
        found.append(diag(path, 1, 1, "render-error", message))
    return found


def _audit(config: Config, staging: Path, site: Path, built: Built,
           observed: list[tuple[str, str, list[str]]], memo=None) -> list[Diagnostic]:
    """Step 5b: the output audit (:mod:`ossref.site.audit`) of the new site, and
    every link Markdown rendered that the check's scanner did not predict, as
    diagnostics at the source file, on the line where the offending value is
    written when it can be found there. ``memo`` (``ossref serve``'s) spares
    reading again the files carried over from the served site; when the
    build completed the site from its spare (``built.written``), only the
    files it wrote are read, and no other file is even looked at."""
    from urllib.parse import urlsplit

    from ossref.site.audit import Written, audit_site, unchecked_links

    found = []
    theme = _theme(built.theme_dirs, built.theme_name not in ("mkdocs", "readthedocs"))
    base = urlsplit(config.site_url).path or "/"
    sources = {dest: src for src, dest, _ in observed}
    written = (Written(built.since, built.written, built.removed or frozenset())
               if built.since is not None and built.written is not None else None)
    for v in audit_site(site, theme, base_path=base, memo=memo, token=built.token, written=written):
        found.append(_located(config, sources, v.file, v.code, v.message, v.value))
    for src, dest, rendered in observed:
        try:
            staged = (staging / src).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for url in unchecked_links(src, dest, staged, rendered, config.use_directory_urls):
            found.append(_located(config, sources, dest, "unchecked-link",
                                  f"the page renders a link to {url[:80]} that the check did not see; "
                                  "the check and the renderer read this Markdown differently", url))
    return found


_THEMES: dict[tuple, object] = {}


def _theme(dirs: tuple[str, ...], search_html: bool):
    """The theme's audit policy, read once per process (``ossref serve``).
    MkDocs' own themes show search results as escaped text, Material as HTML."""
    from ossref.site.audit import Theme

    key = (dirs, search_html)
    if key not in _THEMES:
        _THEMES[key] = Theme.from_dirs(dirs, search_html=search_html)
    return _THEMES[key]


def _located(config: Config, sources: dict[str, str], site_file: str, code: str, message: str,
             value: str) -> Diagnostic:
    """A diagnostic for a problem in the built file ``site_file``: at the
    source page it was built from, on the line holding ``value`` when found;
    a generated page's problem is reported on mkdocs.yml, naming the page."""
    src = sources.get(site_file)
    candidates = [src] if src else []
    if site_file.endswith(".html"):
        stem = site_file[: -len(".html")]
        folder = stem[: -len("/index")] if stem.endswith("/index") else stem
        candidates += [stem + ".md", folder + ".md", "index.md" if folder == "index" else folder + "/index.md"]
    for candidate in candidates:
        path = config.docs_path / candidate
        if not path.is_file():
            continue
        line, column = 1, 1
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        at = text.find(value) if value else -1
        found = _link_position(candidate, site_file, text, value, config) if code.endswith("-link") else None
        if found is not None:
            line, column = found
        elif at != -1:
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
        return diag(Path(config.docs_dir, candidate).as_posix(), line, column, code,
                    f"{message} (in the built {site_file})",
                    "report this: ossref must refuse it in the check" if code == "unchecked-link"
                    else "remove it from the source; the site must not publish it")
    return diag("mkdocs.yml", 1, 1, code, f"the built {site_file}: {message}",
                "a generated page or the theme produced it; check the theme overrides and front matter")


def _link_position(src: str, site_file: str, text: str, url: str, config: Config) -> tuple[int, int] | None:
    """Where the source page ``src`` writes the link that became ``url`` in
    its built file ``site_file``: the position the check gives that link."""
    from ossref.site.audit import predicted_links, rendered_target

    target = rendered_target(url, site_file)
    if target is None:
        return None
    pos = predicted_links(src, site_file, text, config.use_directory_urls).get(target)
    return (pos.line, pos.column) if pos is not None else None  # type: ignore[attr-defined]


def _write_downloads(site: Path, downloads: dict[str, str]) -> None:
    """Write the citation downloads (path under the site -> text) into the
    new ``site``, as MkDocs would have copied them from the staging folder;
    the output audit reads them like every other file."""
    made: set[Path] = set()
    for rel, text in downloads.items():
        path = site / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")


def _build_site(config: Config, result: CheckResult, site: Path, strict: bool, out: TextIO,
                preview: Preview | None = None) -> tuple[int, Built | None]:
    """Steps 3 to 6; returns the number of pages built and what MkDocs
    reported. Raises _Failed."""
    from ossref.mkdocs import adapter as mkdocs_adapter
    from ossref.pipeline import apply_rules
    from ossref.site.deferred import Deferred
    from ossref.site.render import render_site
    from ossref.site.resolve import resolve
    from ossref.site.sanitize import sanitize_html
    from ossref.site.sitemap import lastmod_dates
    from ossref.site.audit import body_links

    staging = tmp = None
    downloads: dict[str, str] = {}  # written into the new site after MkDocs (see render_site)
    kept = preview.staging if preview is not None else None  # the preview's own, kept up to date
    try:
        if kept is not None:
            # Only the pages whose inputs changed are resolved and rendered again.
            staging = kept
            staged = preview.stage(result.project, config)  # type: ignore[union-attr]
            deferred = preview.deferred  # type: ignore[union-attr]
            rendered = apply_rules(staged.diagnostics, config)
            lastmod = staged.lastmod
        else:
            with _signals_held():  # so that the folder is never made but not yet known
                staging = _staging_dir()
            # Generated HTML skips Markdown: tokens now, sanitized HTML after MkDocs.
            deferred = Deferred(preview.key if preview is not None else None)
            resolved = resolve(result.project, config)
            rendered = apply_rules(render_site(resolved, config, staging, deferred.token, downloads), config)
            lastmod = lastmod_dates(resolved)
        for d in rendered:
            out.write(text_line(d) + "\n")
        errors = sum(d.severity is Severity.ERROR for d in rendered)
        if errors or (strict and rendered):
            raise _Failed([], "rendering failed" if errors else "rendering warned (--strict)")
        pages = (sum(rel.endswith(".md") for rel in staged.digests) if kept is not None
                 else sum(1 for _ in staging.rglob("*.md")))
        with _signals_held():
            tmp = _site_temp_dir(site)
        options: dict = {"search": config.search} if config.search != "material" else {}
        if preview is not None:
            options["increment"] = preview.increment(config, staging, site,
                                                     staged.digests if kept is not None else None)
        observed: list[tuple[str, str, list[str]]] = []
        clean_generated = sanitize_html
        if config.search == "pagefind":
            from ossref.site.search import mark_fragment

            # After the sanitizer, which drops data-* attributes: citation numbers stay out of search excerpts.
            clean_generated = lambda html: mark_fragment(sanitize_html(html))  # noqa: E731
        try:
            built = mkdocs_adapter.build_html(
                config.root, staging, tmp, lambda html: sanitize_html(html, keep_comments=True),
                post_page=lambda page: deferred.expand(page, clean_generated), sources=config.docs_path,
                observe=lambda src, dest, html: observed.append((src, dest, body_links(html))),
                lastmod=lastmod, **options)
        except mkdocs_adapter.BuildFailed as exc:
            raise _Failed(apply_rules(_render_errors(exc.problems, config), config),
                          "MkDocs failed") from None
        _write_downloads(tmp, downloads)
        if config.search == "pagefind" and not (preview is not None and preview.defer_search(site, tmp)):
            from ossref.site.search import SearchFailed, index_site

            try:
                index_site(tmp)
            except SearchFailed as exc:
                raise _Failed([], f"search index failed: {exc}", exc.output) from None
        memo = preview.audited if preview is not None else None
        found = apply_rules(_audit(config, staging, tmp, built, observed, memo), config)
        if any(d.severity is Severity.ERROR for d in found) or (strict and found):
            raise _Failed(found, "the built site failed its output audit")
        for d in found:
            out.write(text_line(d) + "\n")
        with _signals_held():
            if preview is not None:
                preview.forget()
            swap_in(tmp, site, preview.discard if preview is not None else None)
            tmp = None
            if preview is not None:
                preview.remember(built)
        return pages, built
    finally:
        with _signals_held():
            _remove(tmp)
            if staging is not kept:
                _remove(staging)


def build(config: Config, site_dir: Path, strict: bool, out: TextIO, err: TextIO, *,
          preview: Preview | None = None) -> int:
    """Check the project, then build it into ``site_dir`` atomically.

    Prints the check report (text format) and any render diagnostics on
    ``out``, one summary line ``built N pages into DIR/ in X.Xs`` on ``out``
    when done (with ``preview``, followed by how many MkDocs rendered when
    the build was incremental), and why nothing was built on ``err``.
    ``preview`` (``ossref serve``'s) makes the build incremental when it can
    be, and must only ever be given the same ``site_dir``. Returns 0 when built;
    1 when the check failed (errors, or warnings with ``strict``) or the build
    failed, leaving ``site_dir`` untouched; 2 for an unusable ``site_dir`` or
    a ``mkdocs.yml`` MkDocs refuses. Raises :class:`Interrupted` on SIGTERM
    and KeyboardInterrupt on Ctrl-C, after cleaning up; ConfigError as
    :func:`ossref.pipeline.check` does.
    """
    from ossref.mkdocs.adapter import ConfigFailed
    from ossref.pipeline import check

    start = time.monotonic()
    try:
        site = check_site_dir(config, site_dir)
    except ConfigError as exc:
        err.write(f"ossref: {exc}\n")
        return EXIT_USAGE
    with _terminate_raises():
        # The preview's check may start from what its last one kept.
        result = preview.check(config) if preview is not None else check(config)
        for note in result.notes:
            err.write(f"ossref: {note}\n")
        if preview is not None:
            preview.report(result, out)  # after the first build: what changed, and the summary
        else:
            report(result, "text", out)
        if result.failed(strict):
            why = "errors" if result.errors else "warnings (--strict)"
            err.write(f"ossref: not built: the check found {why}; {_shown(site)} left as it was\n")
            return EXIT_FAIL
        try:
            pages, built = _build_site(config, result, site, strict, out, preview)
        except _Failed as exc:
            for d in exc.diagnostics:
                out.write(text_line(d) + "\n")
            if exc.detail:
                err.write(exc.detail.rstrip("\n") + "\n")
            err.write(f"ossref: not built: {exc.reason}; {_shown(site)} left as it was\n")
            return EXIT_FAIL
        except (ConfigFailed, BuildDirError) as exc:
            err.write(f"ossref: {exc}\n")
            return EXIT_USAGE
    rendered = f" ({built.rendered} rendered, the rest unchanged)" if built is not None and built.incremental else ""
    out.write(f"built {pages} page{'' if pages == 1 else 's'} into {_shown(site)} in "
              f"{time.monotonic() - start:.1f}s{rendered}\n")
    return EXIT_OK

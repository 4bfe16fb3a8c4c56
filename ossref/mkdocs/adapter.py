"""The only module that imports MkDocs: turn a staging folder into HTML.

MkDocs 2.0 drops plugins and changes the build API, so everything ossref needs
from MkDocs goes through :func:`build_html`, and nothing of ossref is a plugin
named in ``mkdocs.yml``. Porting to another MkDocs means rewriting this file.

What it does to the project's own ``mkdocs.yml``, in memory only:

- ``docs_dir`` is the staging folder and ``site_dir`` the caller's folder.
  Staged files keep the relative paths they have under the docs folder, so
  page URLs and "Edit this page" links (``edit_uri`` is relative to the
  repository) are those of the real docs folder.
- ``nav`` is a short fixed list (home, references, tags). Entries are built
  but not listed: a sidebar of every entry made a 1,000-entry build eight
  times slower and the site twelve times larger. The "not included in nav"
  notice is demoted to debug, whatever ``validation`` says.
- A small hook object, registered on the loaded config's plugin collection
  and never in ``mkdocs.yml``, passes every page body through ``sanitize``
  after all other ``on_page_content`` handlers (and keeps compiled theme
  templates in memory from one build to the next). It also renders
  ``404.html`` with URLs relative to the site's root, where the file is,
  instead of MkDocs' absolute ``site_url`` paths, so that the page is styled
  wherever the site is served from, an offline copy included.
- With ``search="pagefind"`` (option ``extra.ossref.search``): Material's
  search plugin is left out, so no ``search/search_index.json`` is written and
  Material's search script never starts; the templates shipped in
  ``ossref/templates`` are added to the theme, after the project's own
  ``custom_dir`` and before Material, and put a Pagefind search box in the
  header slot Material's search used; every page body but the generated home,
  references and tag pages is marked for Pagefind (:func:`ossref.site.search.mark_body`)
  after sanitizing, with the words of its ``ossref_search`` front matter.
  Pagefind itself runs later, on the finished folder
  (:func:`ossref.site.search.index_site`, called by the build).
- With Material's search, each page's records are adjusted as they are made
  (:func:`ossref.site.search.material_records`): the words the renderer put in the
  page's ``ossref_search`` front matter (aliases, other spellings, the works
  cited) become two more index fields, and citation gaps leave the snippets.
- ``sitemap.xml`` gives each page the date of ``lastmod`` (staged path ->
  date, :mod:`ossref.site.sitemap`) as its ``<lastmod>``, and a page not in it
  none, instead of the day of the build; ``sitemap.xml.gz`` is written again
  to match, stamped from those dates. The template sees stand-ins for the
  pages, never changed pages, so nothing else MkDocs or the theme reads moves.

Incremental builds (``ossref serve``) are :mod:`ossref.mkdocs.incremental`'s part.

MkDocs reports problems through :mod:`logging`. While a build runs, the
``mkdocs`` and ``MARKDOWN`` loggers write to a handler of this module instead
of the console; any warning or error fails the build with
:class:`BuildFailed`, whose problems name the page being rendered when MkDocs
logged it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from mkdocs.commands.build import build as _mkdocs_build
from mkdocs.config.base import load_config as _mkdocs_load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import PluginCollection
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import normalize_url

from ossref.mkdocs.incremental import Built, Increment, Kept, _only_changed, _signature, complete, release_pages, \
    reusing, search_pieces, splice, staged_files
from ossref.mkdocs.incremental import outputs as _outputs
from ossref.site.search import MATERIAL_FIELDS, META_KEY, material_records
from ossref.site.sitemap import gzip_mtime, write_gzip

__all__ = ["BuildFailed", "Built", "ConfigFailed", "Increment", "Problem", "NAV", "SEARCH_ENGINES", "TEMPLATES_DIR",
           "THEME_DIR", "build_html"]

#: The whole sidebar: (title, path under the docs folder). An item whose page
#: was not staged is left out rather than reported as a broken nav link.
NAV = (("Home", "index.md"), ("References", "references.md"), ("Tags", "tags/index.md"), ("About", "about.md"))

#: Values of ``build_html(search=...)``, as option ``extra.ossref.search``.
SEARCH_ENGINES = ("material", "pagefind")

#: Theme overrides shipped with ossref (package data), used with Pagefind.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
#: ossref's overrides of Material's templates for every build: an entry's
#: head metadata (see ``main.html`` there), styles and the reader's script.
THEME_DIR = TEMPLATES_DIR / "theme"

# Generated pages Pagefind leaves out: each lists every entry, reference or
# entry with a tag, so it would match most queries and its fragment would grow
# with the wiki. Entries show their tags, so a tag still finds its entries.
_UNINDEXED = ("index.md", "references.md")
_UNINDEXED_FOLDERS = ("tags/",)

# Material's names for its search plugin, and MkDocs' own.
_SEARCH_PLUGINS = ("material/search", "search")

_LOGGERS = ("mkdocs", "MARKDOWN")
_HOOK_NAME = "ossref/sanitize"
# Logging handlers and levels are process-wide: one MkDocs build at a time.
_LOCK = threading.Lock()
_DOC_FILE = re.compile(r"""Doc file '([^']+)'""")
# MkDocs' warning on every dirty build, that its navigation may be stale: an
# increment rebuilds whatever changed and is a full build when the nav did.
_DIRTY_WARNING = "A 'dirty' build is being performed"

@dataclass(frozen=True)
class Problem:
    """One thing MkDocs complained about.

    ``page`` is the page's path under the docs (staging) folder, e.g.
    ``myositis-ossificans.md``, or None when the problem belongs to no page
    (configuration, theme, templates). ``message`` is a single line.
    """

    page: str | None
    message: str


class BuildFailed(Exception):
    """MkDocs logged warnings or errors, or raised: the site is incomplete."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems) or "MkDocs build failed")
        self.problems = problems


class ConfigFailed(Exception):
    """MkDocs refused ``mkdocs.yml`` (a configuration error, exit status 2)."""


class _Capture(logging.Handler):
    """Collects WARNING and above, tagged with the page MkDocs is on."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.problems: list[Problem] = []
        self.errors = 0
        self.config: object | None = None
        #: Messages starting with one of these are not problems.
        self.expected: tuple[str, ...] = ()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())
        except Exception:  # noqa: BLE001 - a bad log call must not hide the problem
            message = str(record.msg)
        if record.levelno < logging.ERROR and message.startswith(self.expected):
            return
        page = getattr(getattr(getattr(self.config, "_current_page", None), "file", None), "src_uri", None)
        if page is None:
            # Anchor validation runs after all pages, so no page is current;
            # its messages name the page instead.
            found = _DOC_FILE.search(message)
            page = found.group(1) if found else None
        self.problems.append(Problem(page, message))
        self.errors += record.levelno >= logging.ERROR


@contextmanager
def _captured_logs() -> Iterator[_Capture]:
    handler = _Capture()
    saved = []
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.handlers[:], logger.level, logger.propagate))
        # Replace rather than add: with MkDocs' CLI handler or a root handler
        # in place, every warning would also be printed, as a traceback for
        # errors. Nothing below WARNING is wanted, so it is not even formatted.
        logger.handlers = [handler]
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    try:
        yield handler
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers = handlers
            logger.setLevel(level)
            logger.propagate = propagate


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled theme templates, kept in this process only.

    Compiling Material's templates is about half of a small wiki's build, and
    MkDocs makes a new Jinja environment for every build; ``ossref serve``
    rebuilds in one process, so it compiles them once. Jinja checks each
    entry against a checksum of the template's source, so an edited template
    is recompiled. Never on disk: nothing a pull request could plant is loaded.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


def _cached_templates(config: MkDocsConfig) -> None:
    """Every Jinja environment made from ``config``'s theme during the build
    keeps its compiled templates in :data:`_TEMPLATES`: Material's search
    makes one of its own for its translations, and compiled them on every
    build (a seventh of an increment's MkDocs time at 1,000 entries)."""
    theme = config.theme
    make = theme.get_env

    def get_env() -> jinja2.Environment:
        env = make()
        env.bytecode_cache = _TEMPLATES
        return env

    theme.get_env = get_env  # type: ignore[method-assign]


class _Hooks:
    """Plugin-shaped object: PluginCollection registers its ``on_*`` methods.

    Besides sanitizing, it notes the build's files, counts the pages rendered
    and each one's records in Material's search index (``search_plugin``), and
    with an ``increment`` tells MkDocs which files to build and merges the
    search index."""

    def __init__(self, sanitize: Callable[[str], str], mark: Callable[[str, object], str] | None = None,
                 post_page: Callable[[str], str] | None = None, sources: Path | None = None,
                 search_plugin: object | None = None, increment: Increment | None = None,
                 observe: Callable[[str, str, str], None] | None = None,
                 lastmod: Mapping[str, dt.date] | None = None) -> None:
        self._sanitize = sanitize
        self._lastmod = lastmod or {}
        #: The dates the sitemap template was given (its gzip time stamp).
        self._sitemap_dates: list[dt.date] = []
        self._observe = observe
        self._mark = mark
        self._post_page = post_page
        self._sources = sources
        self._search_plugin = search_plugin
        self._increment = increment
        self.files: Files | None = None
        self.rendered = 0
        #: Search records of the pages rendered in this build, by src_uri.
        self.records: dict[str, tuple[dict, ...]] = {}
        #: Every page's records as JSON text (increments only; see search_pieces).
        self.pieces: dict[str, str] = {}
        self._seen = 0

    def _search_entries(self) -> list[dict] | None:
        """The entries list of Material's search index, when it is on."""
        plugin = self._search_plugin
        if plugin is None or not plugin.config.enabled:  # type: ignore[attr-defined]
            return None
        return plugin.search_index.entries  # type: ignore[attr-defined]

    def on_files(self, files: Files, *, config: object) -> Files:
        self.files = files
        if self._search_entries() is not None:
            # After Material's on_config made its index: the fields ossref
            # adds to each page's first record (see material_records).
            fields = self._search_plugin.search_index.config["fields"]  # type: ignore[attr-defined]
            for name, boost in MATERIAL_FIELDS.items():
                fields.setdefault(name, {"boost": boost})
        if self._increment is not None:
            _only_changed(files, self._increment, searching=self._search_entries() is not None)
        return files

    # After every other handler: these are the files MkDocs builds.
    on_files.mkdocs_priority = -math.inf  # type: ignore[attr-defined]

    def on_pre_page(self, page: Page, *, config: object, files: object) -> Page:
        # A page ossref generated has no source to edit: no "Edit this page".
        if self._sources is not None and not (self._sources / page.file.src_uri).is_file():
            page.edit_url = None
        return page

    def on_env(self, env: jinja2.Environment, *, config: object, files: object) -> None:
        env.bytecode_cache = _TEMPLATES

    def on_page_content(self, html: str, *, page: Page, config: object, files: object) -> str:
        if self._observe is not None:
            # What Markdown made of the page, before the sanitizer hides it.
            self._observe(page.file.src_uri, page.file.dest_uri, html)
        html = self._sanitize(html)
        if self._mark is not None and _indexed(page):
            # After the sanitizer, which drops every data-* attribute an
            # author could write: the search marks can only come from here.
            html = self._mark(html, page.meta.get(META_KEY))
        return html

    # Lowest priority: runs after every other on_page_content handler, so no
    # plugin or hook can add markup behind the sanitizer's back. Search
    # indexes later (on_page_context), so it indexes the sanitized body.
    on_page_content.mkdocs_priority = -math.inf  # type: ignore[attr-defined]

    def on_page_context(self, context: dict, *, page: Page, config: object, nav: object) -> dict:
        self.rendered += 1
        entries = self._search_entries()
        if entries is not None:
            # Material's search adds a page's records in its own on_page_context,
            # which ran before this one: whatever is new is this page's.
            material_records(entries[self._seen:], page.meta.get(META_KEY))
            self.records[page.file.src_uri] = tuple(entries[self._seen:])
            self._seen = len(entries)
        return context

    on_page_context.mkdocs_priority = -math.inf  # type: ignore[attr-defined]

    def on_template_context(self, context: dict, *, template_name: str, config: MkDocsConfig) -> dict:
        if template_name == "sitemap.xml":
            # MkDocs dates every page with the day of the build, and an
            # incremental build never reads unchanged pages: the dates come
            # from ossref's model, which has them all.
            context["pages"] = self._sitemap_pages(context["pages"])
        # MkDocs writes the error page's URLs from site_url's path
        # ("/ossref/assets/..."), so any copy served elsewhere (an offline
        # copy, a preview) loads no stylesheet. 404.html sits at the site's
        # root: URLs relative to it work wherever the folder is published.
        if template_name == "404.html":
            context["base_url"] = "."
            # Where the site is published: served for a missing page at any
            # depth, the page finds its assets from there (ossref's main.html).
            path = urlsplit(config.site_url or "").path or "/"
            context["ossref_site_path"] = path if path.endswith("/") else path + "/"
            context["extra_css"] = [normalize_url(path, None, ".") for path in config.extra_css]
            context["extra_javascript"] = [normalize_url(str(script), None, ".") for script in config.extra_javascript]
        return context

    def _sitemap_pages(self, files: list) -> list:
        """Stand-ins for the sitemap template: each page's ``update_date`` is
        its ``lastmod`` date, or empty (no ``<lastmod>``) when it has none."""
        out = []
        self._sitemap_dates = []
        for file in files:
            page = getattr(file, "page", None)
            if page is None:
                out.append(file)
                continue
            date = self._lastmod.get(file.src_uri)
            if date is not None:
                self._sitemap_dates.append(date)
            out.append(_Standin(file, page=_Standin(page, update_date=date.isoformat() if date else "")))
        return out

    def on_post_page(self, output: str, *, page: Page, config: object) -> str:
        # After the theme and search saw the page: what is placed here was
        # never parsed by Markdown nor indexed by Material's search.
        return self._post_page(output) if self._post_page is not None else output

    on_post_page.mkdocs_priority = -math.inf  # type: ignore[attr-defined]

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        sitemap = Path(config.site_dir, "sitemap.xml")
        if sitemap.is_file() and Path(config.site_dir, "sitemap.xml.gz").is_file():
            # MkDocs stamped it with the day of the build.
            write_gzip(sitemap, gzip_mtime(self._sitemap_dates))
        entries = self._search_entries()
        if entries is not None and self._increment is not None and self.files is not None:
            # Before Material's search writes its index: every page's
            # records, in the order a full build adds them, as the JSON text
            # kept from the build that rendered the page (the whole index
            # serialized again took seconds at 10,000 entries).
            order = [file.src_uri for file in self.files.documentation_pages()]
            self.pieces = search_pieces(order, self.records, self._increment.previous)
            entries[:] = []
            index = self._search_plugin.search_index  # type: ignore[attr-defined]
            material = index.generate_search_index

            def generate(prev: object) -> str:
                text = splice(material(prev), self.pieces)
                if text is None:  # another Material: its own, whole
                    entries[:] = [entry for records in self.search().values() for entry in records]
                    text = material(prev)
                return text

            index.generate_search_index = generate

    on_post_build.mkdocs_priority = math.inf  # type: ignore[attr-defined]

    def search(self) -> dict[str, tuple[dict, ...]]:
        """Every built page's search records, in build order: from this build
        for the pages it rendered, else from the increment's previous build."""
        if self.files is None or self._search_entries() is None:
            return {}
        previous = self._increment.previous.search if self._increment is not None else {}
        out = {}
        for file in self.files.documentation_pages():
            uri = file.src_uri
            out[uri] = self.records[uri] if uri in self.records else previous.get(uri, ())
        return out


class _Standin:
    """``target`` as a template reads it, with some attributes replaced."""

    def __init__(self, target: object, **replaced: object) -> None:
        self._target = target
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> object:
        return getattr(self._target, name)


#: Markdown extensions (as ``mkdocs.yml`` names them) that keep no state
#: from one document to the next, or whose ``reset()`` clears all of it: with
#: only these, one Markdown object serves every page (:class:`_ReusedMarkdown`).
_RESETTABLE_EXTENSIONS = frozenset({
    "toc", "tables", "fenced_code", "admonition", "footnotes", "def_list", "attr_list", "md_in_html", "abbr",
    "sane_lists", "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight",
})


class _ReusedMarkdown:
    """Stands in for the ``markdown`` module in MkDocs' page module during one
    build: ``Markdown(...)`` gives the same object, reset, to every page.

    MkDocs makes a new Markdown object per page, and making one (loading
    and configuring every extension) cost about a tenth of a bare build of
    a 1,000-entry wiki. Python-Markdown documents ``reset()`` as preparing
    an object for new input; MkDocs' own per-page processors replace the
    previous page's under the same names. Only with extensions known to
    reset all their state (:data:`_RESETTABLE_EXTENSIONS`) and the same
    arguments on every call; otherwise a new object, as MkDocs makes."""

    def __init__(self, module: object) -> None:
        self._module = module
        self._made: object | None = None
        self._args: tuple[object, object] | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._module, name)

    def Markdown(self, *, extensions: list, extension_configs: dict) -> object:  # noqa: N802 - as markdown's
        make = self._module.Markdown  # type: ignore[attr-defined]
        if not all(isinstance(e, str) and e in _RESETTABLE_EXTENSIONS for e in extensions):
            return make(extensions=extensions, extension_configs=extension_configs)
        if self._made is not None and self._args is not None and self._args[0] is extensions \
                and self._args[1] == extension_configs:
            return self._made.reset()  # type: ignore[attr-defined]
        self._made = make(extensions=extensions, extension_configs=extension_configs)
        self._args = (extensions, dict(extension_configs))
        return self._made


@contextmanager
def _one_markdown() -> Iterator[None]:
    """While inside, MkDocs renders every page with one reset Markdown
    object (:class:`_ReusedMarkdown`)."""
    from mkdocs.structure import pages

    module = getattr(pages, "markdown", None)
    if module is None or not hasattr(module, "Markdown"):  # another MkDocs: as it is
        yield
        return
    pages.markdown = _ReusedMarkdown(module)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        pages.markdown = module  # type: ignore[attr-defined]


def _nav(staging: Path) -> list[dict[str, str]]:
    return [{title: path} for title, path in NAV if (staging / path).is_file()]


def _is_material_search(plugin: object) -> bool:
    kind = type(plugin)
    return kind.__module__ == "material.plugins.search.plugin" and kind.__name__ == "SearchPlugin"


def _increments_allowed(config: MkDocsConfig) -> bool:
    """Whether every plugin is one whose output an increment keeps right:
    Material's search (its index is merged), Pagefind's slot and ossref's
    hooks. Any other plugin or hook may read or write across pages."""
    return all(name == _HOOK_NAME or isinstance(plugin, _SearchSlot) or _is_material_search(plugin)
               for name, plugin in config.plugins.items())


def _indexed(page: Page) -> bool:
    """Whether Pagefind indexes ``page``: entries and topic pages, unless
    front matter says ``search: {exclude: true}`` (Material's own switch,
    passed through by the renderer); not the generated pages."""
    if page.file.src_uri in _UNINDEXED or page.file.src_uri.startswith(_UNINDEXED_FOLDERS):
        return False
    search = page.meta.get("search")
    return not (isinstance(search, dict) and search.get("exclude") is True)


class _SearchSlot:
    """Stands in for Material's search plugin under its name.

    Material's header shows its search slot (a search button for narrow
    screens, then ``partials/search.html``) only while a plugin named
    ``material/search`` is enabled; this object says so, registers no event,
    and the ``partials/search.html`` of ``ossref/templates`` fills the slot
    with the Pagefind search box."""

    class config:  # noqa: N801 - read by Material's template as plugin.config.enabled
        enabled = True


def _use_pagefind(config: MkDocsConfig) -> None:
    """Swap Material's search for Pagefind's box in the loaded ``config``."""
    if config.theme.name != "material":
        raise ConfigFailed(f"mkdocs.yml: extra.ossref.search: pagefind needs theme material, "
                           f"not {config.theme.name}")
    plugins = PluginCollection()
    # A new collection rather than deleting from the old one: deleting a
    # plugin would leave its event handlers registered.
    for name, plugin in config.plugins.items():
        if name not in _SEARCH_PLUGINS:
            plugins[name] = plugin
    plugins["material/search"] = _SearchSlot()  # type: ignore[assignment]
    config.plugins = plugins
    # The project's custom_dir, if any, stays first: its overrides win.
    dirs = config.theme.dirs
    dirs.insert(1 if config.theme.custom_dir else 0, str(TEMPLATES_DIR))


def build_html(project_root: Path, staging: Path, site_dir: Path, sanitize: Callable[[str], str],
               *, search: str = "material", post_page: Callable[[str], str] | None = None,
               sources: Path | None = None, increment: Increment | None = None,
               observe: Callable[[str, str, str], None] | None = None,
               lastmod: Mapping[str, dt.date] | None = None) -> Built:
    """Build the Markdown in ``staging`` into HTML in ``site_dir`` with the
    theme, extensions and plugins of ``project_root/mkdocs.yml``; returns
    what the next build needs to be incremental.

    ``site_dir`` is emptied first (MkDocs cleans it): pass a fresh folder.
    Every page body passes through ``sanitize``; each finished page, theme
    included, through ``post_page`` when given. Pages with no file under
    ``sources`` (the real docs folder) get no edit link. Nothing is printed. With
    ``search="pagefind"`` the site is built for Pagefind (see the module
    notes) but not indexed: run :func:`ossref.site.search.index_site` on
    ``site_dir`` afterwards. ``observe(src_uri, dest_uri, html)`` is called
    with each rendered page body as Markdown made it, before sanitizing.
    ``lastmod`` maps staged page paths to the date each page shows as last
    updated: the sitemap's ``<lastmod>`` of those pages; every other page
    has none (see the module notes). Raises :class:`ConfigFailed` when MkDocs rejects
    the configuration (or ``search="pagefind"`` meets a theme other than
    Material) and :class:`BuildFailed` when the build logs a warning or an
    error or raises; ``site_dir`` is then incomplete and the caller discards it.

    With ``increment`` (see the module notes), only the changed pages are
    rendered and the rest of the site comes from ``increment.base``, which is
    only read (through the increment's spare when it has one: then
    :attr:`Built.written` lists the files this build wrote, and every other
    file of ``site_dir`` is the base's own); ``site_dir`` then holds what a
    full build would write. An increment the build cannot vouch for is
    ignored: a full build.
    """
    if search not in SEARCH_ENGINES:
        raise ValueError(f"search must be one of {SEARCH_ENGINES}, not {search!r}")
    with _LOCK, _captured_logs() as capture:
        nav = _nav(staging)
        try:
            config = _mkdocs_load_config(
                str(project_root / "mkdocs.yml"),
                docs_dir=str(staging),
                site_dir=str(site_dir),
                nav=nav,
            )
        except (MkDocsException, OSError) as exc:
            reasons = [p.message for p in capture.problems] or [str(exc)]
            raise ConfigFailed("mkdocs.yml: " + "; ".join(reasons)) from None
        if capture.problems:  # e.g. an unknown key, a deprecated option
            raise ConfigFailed("mkdocs.yml: " + "; ".join(p.message for p in capture.problems))
        _cached_templates(config)
        # Every warning fails the build through the capture handler; MkDocs'
        # own strict mode would only add a second, vaguer failure.
        config["strict"] = False
        config.validation.nav.omitted_files = logging.DEBUG
        if _HOOK_NAME in config.plugins:
            raise ConfigFailed(f"mkdocs.yml: a plugin named {_HOOK_NAME!r} is reserved for ossref")
        mark = None
        if config.theme.name == "material":
            # After the project's custom_dir, whose overrides win, before Material.
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        if search == "pagefind":
            from ossref.site.search import mark_body as mark

            _use_pagefind(config)
        signature = _signature(config, nav, search)
        if increment is not None and (increment.previous.signature != signature or not _increments_allowed(config)):
            increment = None
        if increment is not None and search == "pagefind":
            # The build links the served site's Pagefind bundles in, which a spare already holds.
            increment = dataclasses.replace(increment, spare=None)
        searcher = next((p for p in config.plugins.values() if _is_material_search(p)), None)
        hooks = _Hooks(sanitize, mark, post_page, sources, searcher, increment, observe, lastmod)
        config.plugins[_HOOK_NAME] = hooks  # type: ignore[assignment]
        capture.config = config
        if increment is not None:
            capture.expected = (_DIRTY_WARNING,)

        # Never dirty for the plugins: Material's search then keeps its index
        # from one build to the next and merges pages by URL prefix; ossref
        # merges it itself, page by page.
        config.plugins.on_startup(command="build", dirty=False)
        changes = None
        token = secrets.token_hex(8)
        staged = staged_files(staging)
        kept = increment.previous.kept if increment is not None else None
        files = kept.take(increment.previous.token, str(staging), staged) if kept is not None else None
        try:
            with _one_markdown(), reusing(files):
                _mkdocs_build(config, dirty=increment is not None)
            if increment is not None and not capture.problems:
                changes = complete(hooks.files, increment, site_dir)
        except Exception as exc:  # noqa: BLE001 - MkDocs, themes and plugins raise anything
            # MkDocs logs a failing page (naming it) before re-raising; the
            # exception itself is news only when nothing was logged as an error.
            if not capture.errors:
                capture.problems.append(Problem(None, f"{type(exc).__name__}: {' '.join(str(exc).split())}"))
            raise BuildFailed(capture.problems) from None
        finally:
            config.plugins.on_shutdown()
        if capture.problems:
            raise BuildFailed(capture.problems)
        written, removed = changes if changes is not None else (None, None)
        release_pages(hooks.files)
        return Built(signature, hooks.search(), hooks.rendered, increment is not None,
                     tuple(str(d) for d in config.theme.dirs), str(config.theme.name),
                     _outputs(hooks.files) if hooks.files is not None else None,
                     token=token, since=increment.previous.token if changes is not None else None,
                     written=written, removed=removed, pieces=hooks.pieces,
                     kept=Kept(token, str(staging), staged, hooks.files) if hooks.files is not None else None)

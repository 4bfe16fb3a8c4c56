"""The project's configuration, declared once.

A project is a folder with ``mkdocs.yml`` at its root. ossref reads from it
``docs_dir`` (default ``docs``, this wiki uses ``content``), ``site_name``,
``site_url``, ``repo_url`` and ``edit_uri``, and its own options from the
``extra.ossref`` mapping, so that no MkDocs plugin entry is needed and the
file stays valid for MkDocs itself::

    extra:
      ossref:
        citations_dir: citations
        rules:
          unused-reference: off        # or: error, warning
          one-way-differential: error
        cite:
          contact: editor@example.org  # sent to Crossref and NCBI by `ossref cite`

Every option is a field of :class:`Config` below, documented where it is
declared. Nothing else in ossref reads ``mkdocs.yml``.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ossref.diagnostics import RULES, Diagnostic, Severity, diag

CONFIG_FILE = "mkdocs.yml"

#: Environment variables that override the ``extra.ossref.cite`` base URLs
#: (a CI job or a test points ossref at a mirror without editing mkdocs.yml).
CITE_URL_ENV = {
    "crossref_url": "OSSREF_CROSSREF_URL",
    "ncbi_url": "OSSREF_NCBI_URL",
    "idconv_url": "OSSREF_IDCONV_URL",
}

#: Statuses Material defines itself; a wiki adds its own as keys of
#: ``extra.status`` in mkdocs.yml (read into :attr:`Config.statuses`).
BUILTIN_STATUSES = ("new", "deprecated")


class ConfigError(Exception):
    """The configuration is unusable; the CLI exits 2.

    ``diagnostics`` holds every problem found, each a ``config-error`` at its
    place in mkdocs.yml (line 1, column 1 when there is no better place), so
    that every output format can report them; ``str()`` is one line each."""

    def __init__(self, message: str | list[Diagnostic]) -> None:
        #: False when the problem has no place in mkdocs.yml (no such file, a
        #: command-line folder): people then get the message alone.
        self.positioned = not isinstance(message, str)
        if isinstance(message, str):
            self.diagnostics = [diag(CONFIG_FILE, 1, 1, "config-error", message)]
            super().__init__(message)
        else:
            self.diagnostics = sorted(message)
            super().__init__("\n".join(f"{d.path}:{d.line}:{d.column}: {d.text}" for d in self.diagnostics))


#: Highest ``max_yaml_depth`` accepted: parsed front matter is pickled into the
#: cache and rendered by code that recurses once per level, so the bound must
#: stay far below Python's recursion limit (1,000).
MAX_YAML_DEPTH = 100


@dataclass(frozen=True)
class CiteConfig:
    """Options of ``ossref cite`` and ``ossref check --online``, under
    ``extra.ossref.cite``. Each base URL is overridden by its environment
    variable in :data:`CITE_URL_ENV` when that is set."""

    #: Crossref REST API; a DOI is looked up at ``{crossref_url}/works/{doi}``.
    crossref_url: str = "https://api.crossref.org"
    #: NCBI E-utilities; ``{ncbi_url}/esummary.fcgi`` and ``/efetch.fcgi``.
    ncbi_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    #: PMC ID Converter, which maps DOI, PMID and PMCID of articles in PMC.
    idconv_url: str = "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/"
    #: E-mail address sent with every request (User-Agent ``mailto:``, and
    #: NCBI's ``email`` parameter): Crossref and NCBI ask for a contact so
    #: they can reach a tool's users before blocking it. Required by ``cite``
    #: and ``check --online``.
    contact: str = ""
    #: Seconds a whole request may take, connecting and reading included.
    timeout: float = 20.0


@dataclass(frozen=True)
class Config:
    #: Absolute path of the project root (the folder holding mkdocs.yml).
    root: Path
    #: Folder of Markdown pages, relative to ``root``; MkDocs' ``docs_dir``.
    docs_dir: str = "docs"
    #: Folder of ``*.bib`` files, relative to ``root``. Option ``citations_dir``.
    citations_dir: str = "citations"
    #: Site title, from MkDocs' ``site_name``; used in "Cite this page".
    site_name: str = "ossref"
    #: Published base URL, from MkDocs' ``site_url``; empty when unset.
    site_url: str = ""
    #: From MkDocs' ``repo_url`` and ``edit_uri``: where "Edit this page" points.
    repo_url: str = ""
    edit_uri: str = ""
    #: From MkDocs' ``use_directory_urls`` (default true): pages live at
    #: ``<slug>/`` rather than ``<slug>.html``; generated links must agree.
    use_directory_urls: bool = True
    #: Severity overrides: rule code -> "error", "warning" or "off". Option ``rules``.
    rules: dict[str, str] = field(default_factory=dict)
    #: Largest Markdown file read, in bytes; a larger one is a
    #: ``read-error``. Option ``max_file_bytes``.
    max_file_bytes: int = 1_000_000
    #: Largest BibTeX file read, in bytes; a larger one is a ``read-error``.
    #: A reference manager's export of a group library is several megabytes
    #: (20,000 records are about 7 MB); what one file may cost to parse is
    #: bounded by this with ``max_bib_blocks`` and ``max_bib_fields`` (see
    #: SECURITY.md). Option ``max_bib_bytes``.
    max_bib_bytes: int = 32_000_000
    #: Largest front matter parsed, in bytes. Option ``max_frontmatter_bytes``.
    max_frontmatter_bytes: int = 64_000
    #: Deepest nesting of lists and mappings allowed in front matter (the top
    #: mapping is level 1), counted on the YAML parser's events, whatever the
    #: syntax; parsing stops at the first deeper level. At most
    #: :data:`MAX_YAML_DEPTH`. Option ``max_yaml_depth``.
    max_yaml_depth: int = 20
    #: Characters that ``@string`` macro uses may add to one BibTeX file, in
    #: all (macros can join macros, so a kilobyte of them could expand to
    #: gigabytes); counted before anything is expanded. The value that would
    #: pass it is a ``bib-syntax`` error. Option ``max_bib_expansion``.
    max_bib_expansion: int = 1_000_000
    #: ``@`` signs allowed in one BibTeX file (each can start a block, and
    #: parsing costs grow with the blocks); a file with more is a
    #: ``bib-syntax`` error and is not parsed. Option ``max_bib_blocks``.
    max_bib_blocks: int = 100_000
    #: ``=`` signs allowed in one BibTeX file (each can start a field, and
    #: each field costs a few hundred bytes while it is read); a file with
    #: more is a ``bib-syntax`` error and is not parsed. Option ``max_bib_fields``.
    max_bib_fields: int = 1_000_000
    #: Where the store of per-file results lives (:mod:`ossref.load.store`:
    #: page facts for check, parsed pages for build and serve, and its
    #: journal of a warm check's additions) and the last check's state
    #: (:mod:`ossref.check.state`), relative to ``root``; never inside the
    #: docs or citations folders. Option ``cache_dir``.
    cache_dir: str = ".ossref-cache"
    #: Search engine of the built site: "material" (MkDocs Material's built-in
    #: search, simplest for small wikis) or "pagefind" (chunked indexes that keep
    #: a reader's first search small on large wikis: titles and aliases first,
    #: full text on request; needs the Material theme). Option ``search``.
    search: str = "material"
    #: More spellings that search treats as one, added to the built-in
    #: British/American list (:data:`ossref.site.search.SPELLINGS`): groups of
    #: word starts, e.g. ``[[haem, hem], [oesophag, esophag]]``. A page with a
    #: word starting with one of a group is also found by that word with each
    #: other one in its place. Letters and digits only; at most
    #: ``MAX_SYNONYM_GROUPS`` groups of 2 to ``MAX_SYNONYMS`` words of up to
    #: 40 characters. Option ``search_synonyms``.
    search_synonyms: tuple[tuple[str, ...], ...] = ()
    #: Values a page's ``status`` may take: Material's own and the keys of
    #: ``extra.status`` in mkdocs.yml (Material's way to define more).
    statuses: tuple[str, ...] = BUILTIN_STATUSES
    #: ``ossref cite`` and ``ossref check --online``: services and contact. Option ``cite``.
    cite: CiteConfig = field(default_factory=CiteConfig)
    #: Answers of the online check, relative to ``root``: a small JSON file
    #: that may be committed so CI asks the services only about new
    #: identifiers; never inside the docs or citations folders. Option ``online_cache``.
    online_cache: str = ".ossref-online.json"
    #: The licence of the wiki's text, as a name and a URL (options
    #: ``license`` and ``license_url``, e.g. "CC BY 4.0" and
    #: https://creativecommons.org/licenses/by/4.0/). Stated in each entry's
    #: "Cite this page", its metadata and its downloads; empty: none stated.
    license: str = ""
    license_url: str = ""

    @property
    def docs_path(self) -> Path:
        return self.root / self.docs_dir

    @property
    def citations_path(self) -> Path:
        return self.root / self.citations_dir

    def severity(self, code: str) -> Severity | None:
        """The effective severity of rule ``code``; None when it is turned off."""
        override = self.rules.get(code)
        if override is None:
            return RULES[code].severity
        if override == "off":
            return None
        return Severity(override)


#: Options a user may set under ``extra.ossref``, with their expected type.
_USER_OPTIONS = {
    "citations_dir": str,
    "rules": dict,
    "max_file_bytes": int,
    "max_frontmatter_bytes": int,
    "max_yaml_depth": int,
    "max_bib_expansion": int,
    "max_bib_blocks": int,
    "max_bib_bytes": int,
    "max_bib_fields": int,
    "cache_dir": str,
    "search": str,
    "cite": dict,
    "online_cache": str,
    "search_synonyms": list,
    "license": str,
    "license_url": str,
}

#: Limits of option ``search_synonyms`` (each group adds words to every page
#: that matches it, so the index size stays bounded).
MAX_SYNONYM_GROUPS = 500
MAX_SYNONYMS = 10
_SYNONYM = re.compile(r"[^\W_]{1,40}")


class _MkDocsYamlLoader(yaml.SafeLoader):
    """Safe loader that tolerates MkDocs' tags (``!ENV``, ``!!python/name:``)
    by reading them as plain values: ossref never needs what they point to,
    and must not import or execute anything to read the file."""


def _tolerate_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_MkDocsYamlLoader.add_multi_constructor("!", _tolerate_tag)
_MkDocsYamlLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tolerate_tag)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``mkdocs.yml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def _read_nodes(root: Path) -> tuple[yaml.Node | None, dict[str, Any]]:
    """The node tree (for positions) and the mapping of ``root/mkdocs.yml``;
    raises ConfigError. Tags are read as plain values: nothing is executed."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"no {CONFIG_FILE} in {root}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}") from None
    loader = _MkDocsYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([diag(CONFIG_FILE, line, column, "config-error", f"cannot read: {reason}",
                                "check indentation, colons and quotes")]) from None
    except RecursionError:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: nested too deeply") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([diag(CONFIG_FILE, *_place(node), "config-error", "expected a mapping at the top level",
                                "mkdocs.yml holds `key: value` lines such as `site_name: My wiki`")])
    return node, data


def read_mkdocs_yml(root: Path) -> dict[str, Any]:
    """The raw mapping of ``root/mkdocs.yml``; raises ConfigError."""
    return _read_nodes(root)[1]


def _place(node: yaml.Node | None) -> tuple[int, int]:
    """1-based line and column where ``node`` starts; 1, 1 without a node."""
    if node is None:
        return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


def _item(node: yaml.Node | None, key: str) -> tuple[yaml.Node | None, yaml.Node | None]:
    """The key and value nodes of ``key`` in mapping ``node`` (the last one,
    as the loaded mapping keeps it); (None, None) when absent."""
    found: tuple[yaml.Node | None, yaml.Node | None] = (None, None)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = (k, v)
    return found


def _did_you_mean(word: str, choices: Any, fallback: str) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else fallback


def load_config(root: Path, *, require_folders: bool = False) -> Config:
    """Read the configuration of the project at ``root``.

    Raises ConfigError holding every problem found at once (not only the
    first), each at its line and column of mkdocs.yml. ``require_folders``
    also requires the docs folder, and ``citations_dir`` when it is set, to
    exist: a typo there would otherwise look like hundreds of findings."""
    node, raw = _read_nodes(root)
    problems: list[Diagnostic] = []

    def problem(at: yaml.Node | None, message: str, hint: str = "") -> None:
        problems.append(diag(CONFIG_FILE, *_place(at), "config-error", message, hint))

    _, extra_node = _item(node, "extra")
    extra = raw.get("extra")
    if extra is not None and not isinstance(extra, dict):
        problem(extra_node, "extra must be a mapping", "indent its keys under `extra:`")
        extra = {}
    extra = extra or {}
    _, options_node = _item(extra_node, "ossref")
    options = extra.get("ossref") or {}
    if not isinstance(options, dict):
        problem(options_node, "extra.ossref must be a mapping", "indent the options under `ossref:`")
        options = {}
    values: dict[str, Any] = {}
    for key, value in options.items():
        key_node, value_node = _item(options_node, str(key))
        expected = _USER_OPTIONS.get(key)
        if expected is None:
            known = ", ".join(sorted(_USER_OPTIONS))
            problem(key_node, f"unknown option extra.ossref.{key}", _did_you_mean(key, _USER_OPTIONS, f"known: {known}"))
        elif expected is int and isinstance(value, bool) or not isinstance(value, expected):
            problem(value_node, f"extra.ossref.{key} must be {expected.__name__}, got {type(value).__name__}",
                    "see the option table in CONTRIBUTING.md")
        elif expected is int and value < 1:
            problem(value_node, f"extra.ossref.{key} must be positive, got {value}")
        elif key == "max_yaml_depth" and value > MAX_YAML_DEPTH:
            problem(value_node, f"extra.ossref.max_yaml_depth must be at most {MAX_YAML_DEPTH}, got {value}",
                    "deeper front matter is refused before parsing; nothing needs more")
        elif key == "search" and value not in ("material", "pagefind"):
            problem(value_node, f"extra.ossref.search must be material or pagefind, got {value!r}")
        else:
            values[key] = value
    rules: dict[str, str] = {}
    _, rules_node = _item(options_node, "rules")
    for code, level in (values.get("rules") or {}).items():
        code_node, level_node = _item(rules_node, str(code))
        # YAML 1.1 reads a bare `off` as False; accept it as users write it.
        level = "off" if level is False else level
        if code not in RULES:
            problem(code_node, f"extra.ossref.rules: unknown rule {code!r}",
                    _did_you_mean(code, RULES, "the rule table in CONTRIBUTING.md lists every code"))
        elif code == "config-error":
            problem(code_node, "extra.ossref.rules: config-error cannot be changed or turned off",
                    "fix the configuration instead")
        elif level not in ("error", "warning", "off"):
            problem(level_node, f"extra.ossref.rules.{code} must be error, warning or off, got {level!r}")
        else:
            rules[code] = level
    values["rules"] = rules

    values["cite"] = _cite_config(values.get("cite") or {})
    if "search_synonyms" in values:
        values["search_synonyms"] = _synonyms(values["search_synonyms"])
    url = values.get("license_url", "")
    if url and not (url.startswith("https://") or url.startswith("http://")) or any(c.isspace() for c in url):
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref.license_url must be an http(s) URL without spaces")

    def text(key: str, default: str) -> str:
        value = raw.get(key, default)
        return value if isinstance(value, str) else default

    _, docs_node = _item(node, "docs_dir")
    if "docs_dir" in raw and not (isinstance(raw["docs_dir"], str) and raw["docs_dir"].strip()):
        problem(docs_node, f"docs_dir must be a folder name, got {type(raw['docs_dir']).__name__}",
                "for example `docs_dir: content`")
        bad_docs_dir = True
    else:
        bad_docs_dir = False

    status = extra.get("status")
    statuses = BUILTIN_STATUSES + tuple(sorted(k for k in status if isinstance(k, str) and k not in BUILTIN_STATUSES)) \
        if isinstance(status, dict) else BUILTIN_STATUSES
    config = Config(
        root=root.resolve(),
        statuses=statuses,
        docs_dir=text("docs_dir", "docs"),
        site_name=text("site_name", "ossref"),
        site_url=text("site_url", ""),
        repo_url=text("repo_url", ""),
        edit_uri=text("edit_uri", ""),
        use_directory_urls=raw.get("use_directory_urls", True) is not False,
        **values,
    )
    where = {"docs_dir": docs_node,
             "citations_dir": _item(options_node, "citations_dir")[1],
             "cache_dir": _item(options_node, "cache_dir")[1],
             "online_cache": _item(options_node, "online_cache")[1]}
    outside = {"docs_dir"} if bad_docs_dir else set()
    for name, at in where.items():
        target = (config.root / getattr(config, name)).resolve()
        if not is_inside(target, config.root):
            outside.add(name)
            problem(at, f"{name} must stay inside the project", "use a folder name relative to mkdocs.yml")
    for option in ("cache_dir", "online_cache"):
        cache = (config.root / getattr(config, option)).resolve()
        for name in ("docs_dir", "citations_dir"):
            if not outside & {option, name} and is_inside(cache, (config.root / getattr(config, name)).resolve()):
                problem(where[option], f"{option} must not be inside {name}",
                        f"keep it at the project root, e.g. `{option}: {Config.__dataclass_fields__[option].default}`")
    if require_folders:
        for name, explicit in (("docs_dir", True), ("citations_dir", "citations_dir" in values)):
            folder = config.root / getattr(config, name)
            if explicit and name not in outside and not folder.is_dir():
                what = "is not a folder" if folder.exists() else "does not exist"
                present = [p.name for p in config.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
                problem(where[name], f"{name}: folder {getattr(config, name)}/ {what} in the project",
                        _did_you_mean(getattr(config, name), present, "create it or correct the name"))
    if problems:
        raise ConfigError(problems)
    return config


def _cite_config(options: dict[str, Any]) -> CiteConfig:
    """``extra.ossref.cite`` validated, with the URL environment variables applied."""
    values: dict[str, Any] = {}
    for key, value in options.items():
        if key not in CiteConfig.__dataclass_fields__:
            known = ", ".join(CiteConfig.__dataclass_fields__)
            raise ConfigError(f"{CONFIG_FILE}: unknown option extra.ossref.cite.{key} (known: {known})")
        if key == "timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 300:
                raise ConfigError(f"{CONFIG_FILE}: extra.ossref.cite.timeout must be seconds between 0 and 300")
            value = float(value)
        elif not isinstance(value, str):
            raise ConfigError(f"{CONFIG_FILE}: extra.ossref.cite.{key} must be str, got {type(value).__name__}")
        values[key] = value
    for key, variable in CITE_URL_ENV.items():
        if os.environ.get(variable):
            values[key] = os.environ[variable]
    for key in CITE_URL_ENV:
        url = values.get(key, getattr(CiteConfig, key))
        where = CITE_URL_ENV[key] if os.environ.get(CITE_URL_ENV[key]) else f"extra.ossref.cite.{key}"
        # Only http(s): urllib would otherwise read file: and ftp: URLs.
        if not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url):
            raise ConfigError(f"{where} must be an http:// or https:// URL, got {url!r}")
    contact = values.get("contact", "")
    # It goes into a header: a line break in it would inject another one.
    if contact and not re.fullmatch(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", contact):
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref.cite.contact must be one e-mail address, got {contact!r}")
    return CiteConfig(**values)


def _synonyms(value: list) -> tuple[tuple[str, ...], ...]:
    """Option ``search_synonyms`` as lower-case groups; raises ConfigError."""
    where = f"{CONFIG_FILE}: extra.ossref.search_synonyms"
    if len(value) > MAX_SYNONYM_GROUPS:
        raise ConfigError(f"{where}: at most {MAX_SYNONYM_GROUPS} groups")
    groups = []
    for i, group in enumerate(value):
        if not isinstance(group, list) or not 2 <= len(group) <= MAX_SYNONYMS:
            raise ConfigError(f"{where}[{i}] must be a list of 2 to {MAX_SYNONYMS} spellings, e.g. [haem, hem]")
        for word in group:
            if not isinstance(word, str) or not _SYNONYM.fullmatch(word):
                raise ConfigError(f"{where}[{i}]: {word!r} must be one word of letters or digits (at most 40)")
        groups.append(tuple(dict.fromkeys(w.lower() for w in group)))
    return tuple(groups)


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or below it (both already resolved)."""
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def relpath(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes, as diagnostics show it."""
    return Path(os.path.relpath(path, root)).as_posix()

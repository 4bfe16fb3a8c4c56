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

Every option is a field of :class:`Config` below, documented where it is
declared. Nothing else in ossref reads ``mkdocs.yml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import RULES, Severity
from .pagemeta import BUILTIN_STATUSES

CONFIG_FILE = "mkdocs.yml"


class ConfigError(Exception):
    """The configuration is unusable; the CLI exits 2 with this message."""


#: Highest ``max_yaml_depth`` accepted: parsed front matter is pickled into the
#: cache and rendered by code that recurses once per level, so the bound must
#: stay far below Python's recursion limit (1,000).
MAX_YAML_DEPTH = 100


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
    #: Largest Markdown or BibTeX file read, in bytes; a larger one is a
    #: ``read-error``. Option ``max_file_bytes``.
    max_file_bytes: int = 1_000_000
    #: Largest front matter parsed, in bytes. Option ``max_frontmatter_bytes``.
    max_frontmatter_bytes: int = 64_000
    #: Deepest nesting of lists and mappings allowed in front matter (the top
    #: mapping is level 1), counted on the YAML parser's events, whatever the
    #: syntax; parsing stops at the first deeper level. At most
    #: :data:`MAX_YAML_DEPTH`. Option ``max_yaml_depth``.
    max_yaml_depth: int = 20
    #: Where the caches live (parsed files for build and serve, the check's
    #: snapshot of page facts), relative to ``root``; never inside the docs or
    #: citations folders. Option ``cache_dir``.
    cache_dir: str = ".ossref-cache"
    #: Search engine of the built site: "material" (MkDocs Material's built-in
    #: search, simplest for small wikis) or "pagefind" (chunked indexes that keep
    #: a reader's first search small on large wikis: titles and aliases first,
    #: full text on request; needs the Material theme). Option ``search``.
    search: str = "material"
    #: Values a page's ``status`` may take: Material's own and the keys of
    #: ``extra.status`` in mkdocs.yml (Material's way to define more).
    statuses: tuple[str, ...] = BUILTIN_STATUSES
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
    "cache_dir": str,
    "search": str,
    "license": str,
    "license_url": str,
}


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


def read_mkdocs_yml(root: Path) -> dict[str, Any]:
    """The raw mapping of ``root/mkdocs.yml``; raises ConfigError."""
    path = root / CONFIG_FILE
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = yaml.load(fh, Loader=_MkDocsYamlLoader)  # noqa: S506 - safe subclass
    except FileNotFoundError:
        raise ConfigError(f"no {CONFIG_FILE} in {root}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE}: expected a mapping at the top level")
    return data


def load_config(root: Path) -> Config:
    """Read the configuration of the project at ``root``; raises ConfigError."""
    raw = read_mkdocs_yml(root)
    extra = raw.get("extra") or {}
    options = extra.get("ossref") if isinstance(extra, dict) else None
    options = options or {}
    if not isinstance(options, dict):
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref must be a mapping")
    values: dict[str, Any] = {}
    for key, value in options.items():
        expected = _USER_OPTIONS.get(key)
        if expected is None:
            known = ", ".join(sorted(_USER_OPTIONS))
            raise ConfigError(f"{CONFIG_FILE}: unknown option extra.ossref.{key} (known: {known})")
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(
                f"{CONFIG_FILE}: extra.ossref.{key} must be {expected.__name__}, got {type(value).__name__}"
            )
        values[key] = value
    rules: dict[str, str] = {}
    for code, level in (values.get("rules") or {}).items():
        if code not in RULES:
            raise ConfigError(f"{CONFIG_FILE}: extra.ossref.rules: unknown rule {code!r}")
        # YAML 1.1 reads a bare `off` as False; accept it as users write it.
        level = "off" if level is False else level
        if level not in ("error", "warning", "off"):
            raise ConfigError(
                f"{CONFIG_FILE}: extra.ossref.rules.{code} must be error, warning or off, got {level!r}"
            )
        rules[code] = level
    values["rules"] = rules
    if values.get("search", "material") not in ("material", "pagefind"):
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref.search must be material or pagefind")
    url = values.get("license_url", "")
    if url and not (url.startswith("https://") or url.startswith("http://")) or any(c.isspace() for c in url):
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref.license_url must be an http(s) URL without spaces")
    for key in ("max_file_bytes", "max_frontmatter_bytes", "max_yaml_depth"):
        if key in values and values[key] < 1:
            raise ConfigError(f"{CONFIG_FILE}: extra.ossref.{key} must be positive")
    if values.get("max_yaml_depth", 0) > MAX_YAML_DEPTH:
        raise ConfigError(f"{CONFIG_FILE}: extra.ossref.max_yaml_depth must be at most {MAX_YAML_DEPTH}")

    def text(key: str, default: str) -> str:
        value = raw.get(key, default)
        return value if isinstance(value, str) else default

    status = extra.get("status") if isinstance(extra, dict) else None
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
    for name in ("docs_dir", "citations_dir", "cache_dir"):
        target = (config.root / getattr(config, name)).resolve()
        if not is_inside(target, config.root):
            raise ConfigError(f"{CONFIG_FILE}: {name} must stay inside the project")
    cache = (config.root / config.cache_dir).resolve()
    for name in ("docs_dir", "citations_dir"):
        if is_inside(cache, (config.root / getattr(config, name)).resolve()):
            raise ConfigError(f"{CONFIG_FILE}: cache_dir must not be inside {name}")
    return config


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

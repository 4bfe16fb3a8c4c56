"""Page metadata: the front-matter fields that reach MkDocs and its theme, what
they may hold, and how they are escaped on the way.

MkDocs renders the theme's templates with autoescape off, and Material writes
``page.meta.title``, ``page.meta.description``, ``page.title``, nav titles and
``page.meta.status`` into the page as they are: in ``<title>``, in a
``content="..."`` attribute, in a class name. So every string that goes to
MkDocs as page metadata is HTML-escaped exactly once, here, by
:func:`staged_meta`, the only place the renderer builds staged front matter.
A title is always set, even for a page that has none in its front matter (its
first heading, else its file name), because MkDocs' own fallback takes the
first heading's text *unescaped*. Values that select theme behaviour (status,
icon, hide, search) are not escaped but validated (:func:`check_page_meta`):
only what the theme defines passes, so they need no escaping.

Material's search plugin builds its index from the rendered body (escaping
heading text itself) and falls back to ``page.meta.title``, which is escaped
here, so the index holds no markup from metadata either; the output audit
(:mod:`ossref.site.audit`) verifies all of it on the built site.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ossref.diagnostics import Diagnostic, diag
from ossref.load.frontmatter import KEY
from ossref.model import Position

__all__ = ["BUILTIN_STATUSES", "HEAD_KEY", "HIDE_VALUES", "PASSTHROUGH_KEYS", "check_page_meta", "meta_text",
           "staged_head", "staged_meta"]

#: The staged front-matter key that carries an entry's head metadata to the
#: theme override ``ossref/templates/theme/main.html``. Never a field a page
#: may set itself: staged front matter is built here, from nothing.
HEAD_KEY = "ossref_head"

#: Statuses Material defines itself; a wiki adds its own as keys of
#: ``extra.status`` in mkdocs.yml (read into ``Config.statuses``).
BUILTIN_STATUSES = ("new", "deprecated")

#: What Material's ``hide:`` understands.
HIDE_VALUES = ("navigation", "toc", "footer", "path", "tags", "feedback")

#: Front-matter keys of a page that reach MkDocs/Material besides title and
#: description, each validated by :func:`check_page_meta`.
PASSTHROUGH_KEYS = ("hide", "search", "status", "icon")

# Material's icon names: a set folder, then a name ("material/bone").
_ICON = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+")


def meta_text(value: object) -> str:
    """``value`` as one line of HTML text: white space collapsed, ``& < > " '``
    escaped. Safe as a template writes it, in element text or in a quoted
    attribute."""
    return html.escape(" ".join(str(value).split()), quote=True)


def staged_head(names: list[tuple[str, str]], properties: list[tuple[str, str]], json_ld: str,
                license_url: str) -> dict[str, Any]:
    """The head metadata of one entry for :data:`HEAD_KEY`: ``<meta name>``
    and ``<meta property>`` pairs, both halves escaped by :func:`meta_text`;
    the licence URL (left out when empty), escaped likewise; and ``json_ld`` as given, which must
    be JSON with ``<``, ``>`` and ``&`` already written as ``\\u`` escapes
    (:func:`ossref.site.citemeta.json_ld`), since a script element's text is not
    HTML and must not be HTML-escaped. A ``json_ld`` holding any of those
    characters is left out."""
    head: dict[str, Any] = {
        "name": [[meta_text(k), meta_text(v)] for k, v in names],
        "property": [[meta_text(k), meta_text(v)] for k, v in properties],
    }
    if license_url:
        head["license"] = meta_text(license_url)
    if not any(ch in json_ld for ch in "<>&\n\r"):
        head["json_ld"] = json_ld
    return head


def staged_meta(title: str, description: object = None, page_meta: Mapping[Any, Any] | None = None,
                statuses: tuple[str, ...] = BUILTIN_STATUSES, head: dict[str, Any] | None = None) -> dict[str, Any]:
    """The front matter of one staged page: ``title`` and ``description``
    escaped by :func:`meta_text`, and those :data:`PASSTHROUGH_KEYS` of the
    page's own front matter ``page_meta`` that :func:`check_page_meta`
    accepts, each on one line. What it refuses is left out, even when its
    rule is turned off, so no template ever receives it. A ``description``
    that is not non-empty text is left out. ``head``, from
    :func:`staged_head`, goes under :data:`HEAD_KEY`."""
    meta: dict[str, Any] = {"title": meta_text(title)}
    if isinstance(description, str) and description.strip():
        meta["description"] = meta_text(description)
    for key in PASSTHROUGH_KEYS:
        if page_meta is not None and key in page_meta and _problem(key, page_meta[key], statuses) is None:
            meta[key] = _one_line(page_meta[key])
    if head is not None:
        meta[HEAD_KEY] = head
    return meta


def _one_line(value: Any) -> Any:
    """All text on one line, so no line of the dumped YAML reads as the ``---``
    that ends front matter."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _one_line(v) for k, v in value.items()}
    return value


def check_page_meta(meta: Mapping[Any, Any], positions: Mapping[tuple, Position], path: str,
                    statuses: tuple[str, ...] = BUILTIN_STATUSES) -> list[Diagnostic]:
    """``invalid-field`` for each metadata field that MkDocs or the theme
    would take in a form it does not define: ``title``/``description`` not
    text; ``status`` not one of ``statuses``; ``icon`` not an icon name;
    ``hide`` not a list of :data:`HIDE_VALUES`; ``search`` not a mapping of
    ``exclude`` (true/false) and ``boost`` (a number from 0 to 1000)."""
    out: list[Diagnostic] = []
    for key in ("title", "description", *PASSTHROUGH_KEYS):
        if key not in meta:
            continue
        problem = _problem(key, meta[key], statuses)
        if problem is not None:
            p = positions.get((key,)) or positions.get((key, KEY)) or Position(2, 1)
            out.append(diag(path, p.line, p.column, "invalid-field", *problem))
    return out


def _problem(key: str, value: Any, statuses: tuple[str, ...]) -> tuple[str, str] | None:
    """(message, hint) when ``value`` is not what field ``key`` may hold."""
    if key in ("title", "description"):
        if not (isinstance(value, str) and value.strip()):
            return f"`{key}` must be non-empty text", f"write `{key}: ...` as one line of text, or remove it"
    elif key == "status":
        if not (isinstance(value, str) and value in statuses):
            return (f"`status` must be one of {', '.join(statuses)}",
                    "the theme shows only statuses it defines; add others under `extra.status` in mkdocs.yml")
    elif key == "icon":
        if not (isinstance(value, str) and len(value) <= 100 and _ICON.fullmatch(value)):
            return ("`icon` must be an icon name such as `material/bone`",
                    "lower-case letters, digits and hyphens, with a `/` after the icon set")
    elif key == "hide":
        if not (isinstance(value, list) and all(isinstance(v, str) and v in HIDE_VALUES for v in value)):
            return "`hide` must be a list of " + ", ".join(HIDE_VALUES), "e.g. `hide: [toc]`"
    elif key == "search":
        if not (isinstance(value, dict) and set(value) <= {"exclude", "boost"}
                and isinstance(value.get("exclude", False), bool) and _number(value.get("boost", 1))):
            return ("`search` must be a mapping of `exclude` (true or false) and `boost` (a number)",
                    "e.g. `search: {exclude: true}`")
    return None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1000

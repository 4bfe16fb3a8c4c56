"""The front-matter fields that select theme behaviour (``status``, ``icon``,
``hide``, ``search``) and the page's ``title``/``description``: what each may
hold. They are validated, not escaped, so that only what the theme defines
ever reaches a template (:func:`check_page_meta`, run by the loader on each
file); :mod:`ossref.site.pagemeta` stages only values accepted here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ossref.config import BUILTIN_STATUSES
from ossref.diagnostics import Diagnostic, diag
from ossref.load.frontmatter import KEY
from ossref.model import Position

__all__ = ["HIDE_VALUES", "PASSTHROUGH_KEYS", "check_page_meta", "field_problem"]

#: What Material's ``hide:`` understands.
HIDE_VALUES = ("navigation", "toc", "footer", "path", "tags", "feedback")

#: Front-matter keys of a page that reach MkDocs/Material besides title and
#: description, each validated by :func:`check_page_meta`.
PASSTHROUGH_KEYS = ("hide", "search", "status", "icon")

# Material's icon names: a set folder, then a name ("material/bone").
_ICON = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+")


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
        problem = field_problem(key, meta[key], statuses)
        if problem is not None:
            p = positions.get((key,)) or positions.get((key, KEY)) or Position(2, 1)
            out.append(diag(path, p.line, p.column, "invalid-field", *problem))
    return out


def field_problem(key: str, value: Any, statuses: tuple[str, ...]) -> tuple[str, str] | None:
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

"""The entry schema: which front-matter fields exist and what they hold.

:func:`read_entry` turns parsed front matter into an :class:`~ossref.model.Entry`
(or None for pages that are not entries) and returns diagnostics for every
field that breaks the schema. It never raises.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ossref.caps import MAX_PER_CODE
from ossref.diagnostics import Diagnostic, diag
from ossref.load.frontmatter import KEY
from ossref.model import Author, Differential, Entry, Position
from ossref.text.suggest import Suggester

#: Fields of an entry, each with what it must hold (shown in messages).
ENTRY_FIELDS: dict[str, str] = {
    "condition": "non-empty text: the name shown as title",
    "aliases": "a list of text: synonyms and abbreviations",
    "summary": "text: one sentence shown under the title",
    "tags": "a list of text",
    "updated": "a date, YYYY-MM-DD",
    "differentials": "a list of entries (slug, name or alias) or {entry: ..., distinguishing: ...}",
    "references": "a list of citation keys",
    "authors": "a list of names, each text (a person) or {organization: name}",
    "reviewed": "a date, YYYY-MM-DD: when the entry was last reviewed",
    "reviewed_by": "a list of text: who reviewed it (with `reviewed`)",
}

#: What ``ossref new`` writes as the author when not told one
#: (``--author``): a ``placeholder-author`` finding until it is replaced.
PLACEHOLDER_AUTHOR = "REPLACE WITH YOUR NAME"

#: Keys MkDocs or Material understand; they pass unchecked.
MKDOCS_FIELDS = frozenset({"title", "description", "hide", "search", "status", "icon", "template", "tags_title"})

#: Keys allowed inside a differential mapping.
DIFFERENTIAL_FIELDS = ("entry", "distinguishing")

# Did-you-mean hints for unknown keys: bounded work each (ossref.text.suggest), and
# only for the first MAX_PER_CODE of a file, as many as the report lists.
_FIELDS = Suggester([*ENTRY_FIELDS, *sorted(MKDOCS_FIELDS)])
_DIFFERENTIAL = Suggester(DIFFERENTIAL_FIELDS)


def read_entry(meta: dict[str, Any], positions: dict[tuple, Position], path: str) -> tuple[Entry | None, list[Diagnostic]]:
    """Validate ``meta``. Returns the Entry when ``condition`` is present (even
    if other fields are invalid, so that cross-file checks still see it)."""
    out: list[Diagnostic] = []

    def at(*keypath: Any) -> Position:
        return positions.get(tuple(keypath)) or positions.get(tuple(keypath) + (KEY,)) or Position(2, 1)

    def bad(keypath: tuple, message: str, hint: str = "") -> None:
        p = at(*keypath)
        out.append(diag(path, p.line, p.column, "invalid-field", message, hint))

    unknown = 0

    def close(key: Any, fields: Suggester) -> str | None:
        nonlocal unknown
        unknown += 1
        return fields.closest(str(key).lower()) if unknown <= MAX_PER_CODE else None

    for key in meta:
        if not isinstance(key, str):
            p = at(key, KEY)
            out.append(diag(path, p.line, p.column, "unknown-field", f"front-matter key {key!r} is not text"))
            continue
        if key in ENTRY_FIELDS or key in MKDOCS_FIELDS:
            continue
        p = at(key, KEY)
        like = close(key, _FIELDS)
        hint = f"did you mean `{like}`?" if like else "known fields: " + ", ".join(ENTRY_FIELDS)
        out.append(diag(path, p.line, p.column, "unknown-field", f"unknown front-matter field `{key}`", hint))

    if "condition" not in meta:
        for key in ("differentials", "aliases"):
            if key in meta:
                p = at(key, KEY)
                out.append(diag(path, p.line, p.column, "missing-field",
                                f"`{key}` is only meaningful on an entry, and this page has no `condition`",
                                "add `condition: <name>` to make the page an entry, or remove the field"))
        return None, out

    condition = meta.get("condition")
    if not _text(condition):
        bad(("condition",), "`condition` must be non-empty text", "e.g. `condition: Myositis ossificans`")
        condition = ""
    entry = Entry(condition=str(condition).strip(), condition_pos=at("condition"))

    entry.aliases, entry.alias_pos = _text_list(meta, "aliases", positions, at, bad)
    entry.tags, _ = _text_list(meta, "tags", positions, at, bad)

    if "summary" in meta:
        if _text(meta["summary"]):
            entry.summary = " ".join(str(meta["summary"]).split())
        else:
            bad(("summary",), "`summary` must be non-empty text", "one plain sentence, or remove the field")

    for key in ("updated", "reviewed"):
        if key in meta:
            value = meta[key]
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, dt.date):
                setattr(entry, key, value)
            else:
                bad((key,), f"`{key}` must be a date, got {_kind(value) if not _text(value) else repr(value)[:40]}",
                    "write it as YYYY-MM-DD, unquoted")

    def placeholder(keypath: tuple) -> None:
        p = at(*keypath)
        out.append(diag(path, p.line, p.column, "placeholder-author",
                        f"`authors` still holds the placeholder {PLACEHOLDER_AUTHOR!r} that `ossref new` wrote",
                        "write the author's name, e.g. `- Jane Roe`, or a group as "
                        "`- organization: ossref contributors`"))

    entry.authors = _authors(meta, at, bad, placeholder)
    entry.reviewed_by, _ = _text_list(meta, "reviewed_by", positions, at, bad)
    if "reviewed_by" in meta and "reviewed" not in meta:
        bad(("reviewed_by",), "`reviewed_by` needs `reviewed`, the date of that review",
            "add `reviewed: YYYY-MM-DD`, or remove `reviewed_by`")
    elif "reviewed" in meta and "reviewed_by" not in meta:
        bad(("reviewed",), "`reviewed` needs `reviewed_by`, who reviewed the entry",
            "add `reviewed_by: [name]`; a review nobody signed is not shown as one")

    if "differentials" in meta:
        items = meta["differentials"]
        if not isinstance(items, list):
            bad(("differentials",), "`differentials` must be a list", "one `- slug` or `- entry: slug` per line")
        else:
            for i, item in enumerate(items):
                where = at("differentials", i)
                if _text(item):
                    entry.differentials.append(Differential(str(item).strip(), "", where))
                elif isinstance(item, dict):
                    for k in [k for k in item if k not in DIFFERENTIAL_FIELDS]:
                        p = at("differentials", i, k, KEY)
                        like = close(k, _DIFFERENTIAL)
                        out.append(diag(path, p.line, p.column, "unknown-field",
                                        f"unknown differential field `{k}`",
                                        f"did you mean `{like}`?" if like else "use `entry` and `distinguishing`"))
                    target = item.get("entry")
                    note = item.get("distinguishing", "")
                    if not _text(target):
                        bad(("differentials", i), "a differential mapping needs `entry: <slug, name or alias>`")
                        continue
                    if note is None or (note != "" and not _text(note)):
                        bad(("differentials", i, "distinguishing"), "`distinguishing` must be text")
                        note = ""
                    entry.differentials.append(Differential(str(target).strip(), " ".join(str(note).split()), where))
                else:
                    bad(("differentials", i), f"a differential must be text or a mapping, got {_kind(item)}",
                        "write `- slug` or `- entry: slug` with `distinguishing: ...`")

    if "references" in meta:
        items = meta["references"]
        if not isinstance(items, list):
            bad(("references",), "`references` must be a list of citation keys", "e.g. `references: [smith2020]`")
        else:
            for i, item in enumerate(items):
                if _text(item):
                    key = str(item).strip().lstrip("@")
                    entry.references.append((key, at("references", i)))
                else:
                    bad(("references", i), f"a reference must be a citation key, got {_kind(item)}")
    return entry, out


def _authors(meta, at, bad, placeholder) -> list[Author]:
    """``authors``: text items are people, ``{organization: name}`` items are
    organisations; one item without brackets counts as a list of one. An
    item naming :data:`PLACEHOLDER_AUTHOR` is reported through ``placeholder``
    and left out."""
    if "authors" not in meta:
        return []
    items = meta["authors"]
    if _text(items) or isinstance(items, dict):
        items = [items]
    elif not isinstance(items, list):
        bad(("authors",), f"`authors` must be a list, got {_kind(items)}",
            "e.g. `authors: [Jane Roe]` or `authors: [{organization: ossref contributors}]`")
        return []
    out: list[Author] = []
    for i, item in enumerate(items):
        where = ("authors", i) if isinstance(meta["authors"], list) else ("authors",)
        if _text(item):
            author = Author(" ".join(str(item).split()))
        elif isinstance(item, dict) and list(item) == ["organization"] and _text(item["organization"]):
            author = Author(" ".join(str(item["organization"]).split()), organization=True)
        else:
            bad(where, f"an author must be a name or {{organization: name}}, got {_kind(item)}",
                "write `- Jane Roe` for a person, `- organization: ossref contributors` for a group")
            continue
        if author.name.casefold() == PLACEHOLDER_AUTHOR.casefold():
            # Never credited on the site: nobody of that name wrote it.
            placeholder(where)
        else:
            out.append(author)
    return out


def _text(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip() != ""


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value"
    return {list: "a list", dict: "a mapping", bool: "a boolean"}.get(type(value), type(value).__name__)


def _text_list(meta, key, positions, at, bad) -> tuple[list[str], list[Position]]:
    if key not in meta:
        return [], []
    items = meta[key]
    if _text(items):
        # One value written without brackets; a common slip, accepted as a list of one.
        return [str(items).strip()], [at(key)]
    if not isinstance(items, list):
        bad((key,), f"`{key}` must be a list of text", f"e.g. `{key}: [first, second]`")
        return [], []
    values, where = [], []
    for i, item in enumerate(items):
        if _text(item):
            values.append(str(item).strip())
            where.append(at(key, i))
        else:
            bad((key, i), f"each item of `{key}` must be non-empty text, got {_kind(item)}")
    return values, where

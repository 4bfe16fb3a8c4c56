"""``ossref new``: write a new entry skeleton that passes the checker.

The skeleton credits the people given with ``--author``; without one it
holds :data:`ossref.load.schema.PLACEHOLDER_AUTHOR`, which the check reports
(``placeholder-author``) until an editor writes the real names in: ossref
never makes up who wrote an entry, and the wiki's configuration declares no
default credit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from ossref.config import Config
from ossref.load.schema import PLACEHOLDER_AUTHOR
from ossref.text.slugs import slugify, suggested_slug  # noqa: F401 - importable from here too


class ScaffoldError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def existing_owner(config: Config, condition: str) -> tuple[str, str] | None:
    """The entry that already answers to ``condition`` or to its slug, as
    (its file, the clashing name), or None. Names compare as the
    ``duplicate-entry`` rule compares them (case and Unicode form ignored)."""
    from ossref.check.index import normalize
    from ossref.check.page import page_rules
    from ossref.load.loader import load_facts

    if not config.docs_path.is_dir():
        return None
    wanted = {normalize(condition), normalize(slugify(condition))}
    facts, _ = load_facts(config, rules=page_rules)  # the check's rules, so the check's store serves it
    for page in facts.pages:
        for name in (page.slug, *(name for name, _, _ in page.names)):
            if normalize(name) in wanted:
                return page.path, name
    return None


def _yaml_text(value: str) -> str:
    # Double-quoted YAML: safe for any name, including ones with ": " or "#".
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


TEMPLATE = """\
---
condition: {condition}
# aliases: [Abbreviation, Other name]
# summary: One plain sentence that says what the lesion is.
tags: []
updated: {today}
# authors: people by name; a group as `- organization: ossref contributors`
authors:
{authors}
# differentials:
#   - entry: myositis-ossificans
#     distinguishing: One sentence on what tells the two apart.
# references: [citationkey2024]
---

## Overview

## Clinical features

## Imaging

## Histopathology

## Management and prognosis
"""


def author_names(names: Sequence[str]) -> list[str]:
    """``--author`` values as written into ``authors``: white space
    collapsed, each once, in order. Raises ScaffoldError (exit 2) for a name
    that is empty or holds a character that is not printable (a control,
    zero-width or direction mark: ``unsafe-text`` in the check)."""
    out: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name or not name.isprintable():
            raise ScaffoldError(f"--author {raw!r}: an author must be a name of printable characters", 2)
        if name not in out:
            out.append(name)
    return out


def new_entry(config: Config, condition: str, today: dt.date | None = None,
              authors: Sequence[str] = ()) -> Path:
    """Create ``<docs>/<slug>.md``; raises ScaffoldError (never overwrites).

    ``authors`` (people's names, see :func:`author_names`) go into the
    front matter's ``authors``; none gives the placeholder the check reports.
    Refuses (exit 1) a condition whose name or slug is already the slug,
    condition or alias of an entry, naming that entry's file."""
    names = author_names(authors) or [PLACEHOLDER_AUTHOR]
    condition = " ".join(condition.split())
    slug = slugify(condition)
    if not slug:
        raise ScaffoldError(f"cannot make a file name from {condition!r}; use Latin letters or digits", 2)
    owner = existing_owner(config, condition)
    if owner is not None:
        raise ScaffoldError(f"{condition!r}: `{owner[1]}` already exists, a name of {owner[0]} "
                            "(edit that entry, or add the new name to its aliases)", 1)
    path = config.docs_path / f"{slug}.md"
    text = TEMPLATE.format(condition=_yaml_text(condition), today=(today or dt.date.today()).isoformat(),
                           authors="\n".join(f"  - {_yaml_text(name)}" for name in names))
    config.docs_path.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as fh:  # "x": refuse to overwrite, atomically
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path.relative_to(config.root).as_posix()} already exists; not overwritten", 1) from None
    return path

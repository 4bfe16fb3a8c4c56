"""The rules over every page's names at once: ``duplicate-entry`` and ``confusable-name``.

Run by :mod:`ossref.check.crossfile` when any page's names changed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ossref.check.index import normalize
from ossref.diagnostics import Diagnostic, diag
from ossref.model import PageFacts
from ossref.text.textsafety import INVISIBLE, skeleton

__all__ = ["duplicate_names"]


def _visible(name: str) -> str:
    """``name`` with each invisible character written as an escape, for messages."""
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000
                         else f"\\U{ord(m.group()):08x}", name)


def _char_name(char: str) -> str:
    return unicodedata.name(char, "control character").lower()


def duplicate_names(pages: list[PageFacts]) -> Iterable[Diagnostic]:
    """``duplicate-entry`` for names equal after NFKC, case folding and
    removal of invisible characters (:func:`~ossref.check.index.normalize`);
    ``confusable-name`` for names of two pages that differ only in letters
    drawn alike, as Latin `o` and Cyrillic `о` (:func:`~ossref.text.textsafety.skeleton`)."""
    owners: dict[str, tuple[PageFacts, str]] = {}
    looks: dict[str, tuple[PageFacts, str, str, int, int]] = {}
    for page in pages:
        names = [(page.slug, 1, 1), *page.names]
        seen_here: set[str] = set()
        for name, line, column in names:
            key = normalize(name)
            if not key or key in seen_here:
                continue
            seen_here.add(key)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (page, name)
                look = skeleton(name)
                alike = looks.setdefault(look, (page, name, key, line, column))
                if alike[0] is not page:
                    # Reported on the name that has the look-alike letters, whichever comes first.
                    if key != look:
                        yield _confusable(page, line, column, name, key, *alike[:3])
                    else:
                        yield _confusable(alike[0], alike[3], alike[4], alike[1], alike[2], page, name, key)
                continue
            yield diag(page.path, line, column, "duplicate-entry",
                       f"`{_visible(name)}` is already the name of {owner[0].path} (`{_visible(owner[1])}`)",
                       "names, aliases and slugs must be unique, ignoring case, Unicode form and invisible characters")


def _confusable(page: PageFacts, line: int, column: int, name: str, key: str,
                other: PageFacts, other_name: str, other_key: str) -> Diagnostic:
    at = next((i for i, (a, b) in enumerate(zip(key, other_key)) if a != b), min(len(key), len(other_key)))
    mine = f"U+{ord(key[at]):04X} ({_char_name(key[at])})" if at < len(key) else "nothing"
    theirs = f"U+{ord(other_key[at]):04X} ({_char_name(other_key[at])})" if at < len(other_key) else "nothing"
    return diag(page.path, line, column, "confusable-name",
                f"`{_visible(name)}` looks the same as `{_visible(other_name)}`, a name of {other.path}, but has {mine}"
                f" where that has {theirs}",
                "write names in one script: a Cyrillic or Greek letter that looks Latin makes two names look alike")

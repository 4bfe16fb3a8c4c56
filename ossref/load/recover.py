"""What a page that cannot be read or parsed still tells the checks.

A page whose file cannot be read or whose front matter does not parse has
one diagnostic of its own (read-error, yaml-syntax). It must not cause more
in the pages that name it, so it still counts for the names it certainly
has: its slug always, and its condition and aliases when a plain reading of
the front matter's lines finds them (:func:`recover_names`).
"""

from __future__ import annotations

import re

from ossref.model import PageFacts

__all__ = ["RECOVER_MAX_LINES", "partial_facts", "recover_names", "unread_facts"]

_TOP_NAME = re.compile(r"(condition|aliases)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_LIST_ITEM = re.compile(r"[ \t]*-[ \t]+(.*?)[ \t]*$")
_FENCE_LINE = re.compile(r"(?:---|\.\.\.)[ \t]*$")
#: Characters that start something other than a plain YAML scalar.
_INDICATORS = "[]{}&*!|>%@`#,?:'\""
#: Front-matter lines read by :func:`recover_names`, at most.
RECOVER_MAX_LINES = 2_000


def recover_names(text: str) -> tuple[tuple[str, int, int] | None, tuple[tuple[str, int, int], ...]]:
    """The condition (or None) and the aliases of a page whose front matter
    did not parse, each as ``(name, line, column)``: what a tolerant scan of
    the front matter's lines finds, never more.

    Only top-level ``condition:`` and ``aliases:`` lines count (at column 1,
    before the closing ``---``, or to the end of the file when it never
    closes; the first of each), with a value that is a plain or simply quoted
    scalar, a flow list ``[a, b]`` of such, or a block list of ``- item``
    lines (indented by spaces or tabs: a tab is a common cause of the YAML
    error). Anything less plain is left out, so a name recovered is a name
    the author certainly wrote; a name holding U+FFFD (a byte that was not
    UTF-8) is left out too. Reads at most :data:`RECOVER_MAX_LINES` lines."""
    lines = text.split("\n", RECOVER_MAX_LINES + 1)[: RECOVER_MAX_LINES + 1]
    if not lines or lines[0].rstrip("\r").rstrip(" \t") != "---":
        return None, ()
    condition: tuple[str, int, int] | None = None
    aliases: list[tuple[str, int, int]] | None = None
    in_list = False
    for number, raw in enumerate(lines[1:RECOVER_MAX_LINES + 1], start=2):
        line = raw.rstrip("\r")
        if _FENCE_LINE.match(line):
            break
        if in_list:
            item = _LIST_ITEM.match(line)
            if item:
                name = _scalar(item.group(1))
                if name is not None and aliases is not None:
                    aliases.append((name, number, item.start(1) + 1))
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            in_list = False
        found = _TOP_NAME.match(line)
        if not found:
            continue
        key, value = found.group(1), found.group(2) or ""
        column = found.start(2) + 1 if found.group(2) else 0
        if key == "condition" and condition is None:
            name = _scalar(value)
            if name is not None:
                condition = (name, number, column)
        elif key == "aliases" and aliases is None:
            aliases = []
            value = _uncomment(value)
            if not value:
                in_list = True
            elif value.startswith("[") and value.endswith("]") and not any(c in value[1:-1] for c in "[]{}"):
                offset = column + 1  # past the "["
                for part in value[1:-1].split(","):
                    name = _scalar(part.strip())
                    if name is not None:
                        aliases.append((name, number, offset + len(part) - len(part.lstrip())))
                    offset += len(part) + 1
            else:
                name = _scalar(value)
                if name is not None:
                    aliases.append((name, number, column))
    def certain(name: tuple[str, int, int] | None) -> bool:
        return name is not None and bool(name[0].strip()) and "\ufffd" not in name[0]

    return (condition if certain(condition) else None), tuple(a for a in aliases or () if certain(a))


def _uncomment(value: str) -> str:
    """``value`` without a trailing `` # comment`` (not inside quotes: a
    quoted value is returned whole, for :func:`_scalar` to judge)."""
    if value[:1] in "'\"":
        return value
    at = value.find(" #")
    return (value[:at] if at >= 0 else value).rstrip()


def _scalar(value: str) -> str | None:
    """The text of a plain, single- or double-quoted YAML scalar written on
    one line, or None when it is anything else or not certain."""
    value = _uncomment(value)
    if len(value) >= 2 and value[0] == value[-1] == "'":
        inner = value[1:-1]
        return inner.replace("''", "'") if "'" not in inner.replace("''", "") else None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        return inner if "\\" not in inner and '"' not in inner else None
    if not value or value[0] in _INDICATORS or value.startswith("- ") or ": " in value or "\t" in value:
        return None
    return value


def partial_facts(rel: str, slug: str, text: str | None, links: tuple = (), cites: tuple = ()) -> PageFacts:
    """The :class:`~ossref.model.PageFacts` of a page that could not be read
    (``text`` None: too large, unreadable) or decoded (``text``: its bytes
    decoded with replacement characters), or whose front matter did not
    parse: its slug and the names :func:`recover_names` finds, marked
    ``partial``. Whether it is an entry, its differentials and its anchors
    are unknown: it is counted as no entry (as the build counts it, having
    no entry to show), and the checks accept what names it as either.
    ``links`` and ``cites`` are those of its body, when it was read."""
    condition, aliases = recover_names(text) if text is not None else (None, ())
    names = ((condition,) if condition else ()) + aliases
    return PageFacts(path=rel, slug=slug, entry=False, names=names,
                     anchors=(), differentials=(), links=links, cites=cites, partial=True)


def unread_facts(rel: str, slug: str, data: bytes | None) -> PageFacts:
    """:func:`partial_facts` of a page whose bytes (None: not read) are not
    UTF-8 text."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff") if data is not None else None
    return partial_facts(rel, slug, text)

"""Front matter: split it from the body and read it as safe, bounded YAML.

:func:`parse_frontmatter` never raises. It returns the data as plain Python
values, the 1-based file position of every node, where the body starts, and
diagnostics for everything it refused.

Why not ``yaml.safe_load``: it loses positions, silently keeps the last of two
duplicate keys, expands alias bombs, and composing a node tree recurses once per
level of nesting (the C loader's composer crashes on deep nesting). So the text
is bounded in size and then walked as a stream of parser events (the parsers
themselves are state machines, not recursive), building values iteratively,
stopping at the nesting limit and refusing anchors, aliases and non-standard
tags as they appear.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import yaml

from ossref.diagnostics import Diagnostic, diag
from ossref.model import Position
from ossref.text.textsafety import INVISIBLE

try:  # libyaml is ~10x faster; only its event parser is used, which keeps no recursion.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Suffix of a path in ``positions`` that holds the position of a mapping key
#: rather than its value. The NUL makes it impossible as a real key: control
#: characters are refused before parsing.
KEY = "\0key"

_FENCE = re.compile(r"---[ \t]*\r?\n?")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)

_STR = "tag:yaml.org,2002:str"
_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}


@dataclass
class FrontMatter:
    data: dict[str, Any] = field(default_factory=dict)
    positions: dict[tuple, Position] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # file line on which the body's first character stands
    ok: bool = True  # False when present but unusable
    present: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)


def parse_frontmatter(text: str, path: str, max_bytes: int, max_depth: int) -> FrontMatter:
    """Split ``text`` (a whole Markdown file, BOM already removed) into front
    matter and body, and parse the front matter.

    Front matter is present when the file starts with a ``---`` line; it ends
    at the next ``---`` or ``...`` line. All positions are 1-based file
    positions (the YAML starts on file line 2).
    """
    result = FrontMatter(body=text)
    opening = _FENCE.match(text)
    if not opening or (opening.end() < len(text) and text[opening.end() - 1] != "\n"):
        return result
    result.present = True
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        result.ok = False
        result.diagnostics.append(
            diag(path, 1, 1, "yaml-syntax", "front matter opened on line 1 never closes",
                 "end it with a line holding only `---`")
        )
        result.body, result.body_line = "", 1
        return result
    yaml_text = text[opening.end():closing.start()]
    after = closing.end()
    if text.startswith("\r\n", after):
        after += 2
    elif text.startswith("\n", after):
        after += 1
    result.body = text[after:]
    result.body_line = text.count("\n", 0, after) + 1

    size = len(yaml_text.encode("utf-8"))
    if size > max_bytes:
        result.ok = False
        result.diagnostics.append(
            diag(path, 2, 1, "yaml-syntax", f"front matter is {size} bytes, more than the limit of {max_bytes}",
                 "keep front matter to metadata; move text into the body")
        )
        return result
    try:
        data, positions, problems, escaped = _read_events(yaml_text, path, max_depth)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _Lines(yaml_text).position(mark) if mark else (2, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        result.ok = False
        result.diagnostics.append(
            diag(path, line, column, "yaml-syntax", f"front matter is not valid YAML: {problem}",
                 "check indentation, colons and quotes; quote text that contains `: ` or starts with `[`")
        )
        return result
    except yaml.YAMLError as exc:
        result.ok = False
        result.diagnostics.append(diag(path, 2, 1, "yaml-syntax", f"front matter is not valid YAML: {exc}"))
        return result
    result.diagnostics.extend(problems)
    result.diagnostics.extend(escaped)
    if problems:
        result.ok = False
        return result
    if data is None:
        data = {}
    if not isinstance(data, dict):
        result.ok = False
        result.diagnostics.append(
            diag(path, 2, 1, "yaml-syntax", f"front matter must be a mapping of fields, not a {_kind(data)}",
                 "write `field: value` lines, e.g. `condition: Myositis ossificans`")
        )
        return result
    result.data, result.positions = data, positions
    return result


def _kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}.get(type(value), "value")


def _read_events(text: str, path: str,
                 max_depth: int) -> tuple[Any, dict[tuple, Position], list[Diagnostic], list[Diagnostic]]:
    """Build plain values from the parser's event stream, with positions.

    Iterative, so nesting cannot overflow Python's stack; refuses anchors,
    aliases, complex keys, non-standard tags and duplicate keys. Stops at the
    first sequence or mapping that opens more than ``max_depth`` levels deep,
    whichever syntax opened it (flow brackets, block indentation, ``- - -``,
    ``? `` keys): the parser's own events count the levels, so no quoting can
    hide one, and nothing deeper is ever built.

    The last list holds ``unsafe-text`` for invisible characters that a
    double-quoted escape (``"\\u200b"``, ``"\\a"``) put into a value: the
    page's text scan cannot see those. They do not make the values unusable.

    This loop runs once per event of every page (a fifth of a cold check), so
    it dispatches on the event's class and resolves a plain scalar that no
    implicit resolver could claim (its first character starts none) as text
    without asking the resolver; ``tests/frontmatter_reference.py`` keeps the
    plain version it must agree with, and a Hypothesis test compares them.
    """
    loader = _Loader(text)
    newlines = [m.start() for m in _NEWLINE.finditer(text)]
    size = len(text)
    constructor = yaml.constructor.SafeConstructor()
    resolver = yaml.resolver.Resolver()
    implicit_resolvers = resolver.yaml_implicit_resolvers
    # Without wildcard or path resolvers, a plain scalar whose first character
    # keys no implicit resolver, and every quoted one, is a string.
    plain_is_text = None not in implicit_resolvers and not resolver.yaml_path_resolvers \
        and resolver.DEFAULT_SCALAR_TAG == _STR
    # Only a backslash escape can put a character into a value that is not
    # in its text.
    escapes = "\\" in text
    positions: dict[tuple, Position] = {}
    problems: list[Diagnostic] = []
    escaped: list[Diagnostic] = []
    # Each frame: [container, path, pending_key, key_positions, is a list]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0

    def pos(mark: Any) -> Position:
        index = getattr(mark, "index", None)
        if index.__class__ is not int or not 0 <= index <= size:
            return Position(mark.line + 2, mark.column + 1)
        k = bisect_right(newlines, index - 1)  # newlines before index
        column = index - (newlines[k - 1] + 1 if k else 0) + 1
        if k < _SHARED_LINES and column <= _SHARED_COLUMNS:
            shared = _SHARED.get(k * _SHARED_COLUMNS + column)
            if shared is None:
                shared = _SHARED[k * _SHARED_COLUMNS + column] = Position(k + 2, column)
            return shared
        return Position(k + 2, column)

    def refuse(mark: Any, message: str, hint: str = "") -> None:
        p = pos(mark)
        problems.append(diag(path, p.line, p.column, "yaml-syntax", message, hint))

    def refuse_properties(event: Any) -> bool:
        """Refuse a node's anchor and a tag YAML's safe schema lacks; True
        when its tag was refused. Called only for a node that has either."""
        if event.anchor is not None:
            refuse(event.start_mark, f"YAML anchor &{event.anchor} is not allowed",
                   "write the value out in full; anchors and aliases are refused")
        tag = event.tag
        if tag is not None and tag not in _STANDARD_TAGS and tag != "!":
            refuse(event.start_mark, f"YAML tag {tag} is not allowed", "remove the tag")
            return True
        return False

    def attach(value: Any, mark: Any, is_scalar: bool) -> tuple | None:
        nonlocal root
        if not stack:
            root = value
            positions[()] = pos(mark)
            return ()
        frame = stack[-1]
        container, cpath = frame[0], frame[1]
        if frame[4]:
            vpath = cpath + (len(container),)
            container.append(value)
            positions[vpath] = pos(mark)
            return vpath
        key = frame[2]
        if key is _NO_KEY:
            if not is_scalar:
                refuse(mark, "a mapping key must be plain text", "write `field: value`")
                frame[2] = _BAD_KEY
                return None
            if not isinstance(value, (str, int, float, bool)) and value is not None:
                value = str(value)
            first = frame[3].get(value)
            if first is not None:
                p = pos(mark)
                problems.append(
                    diag(path, p.line, p.column, "yaml-syntax",
                         f"duplicate key {value!r}: first defined on line {first.line}",
                         "keep one of the two; YAML would silently keep only the last")
                )
                frame[2] = _BAD_KEY
                return None
            p = pos(mark)
            frame[3][value] = p
            positions[cpath + (value, KEY)] = p
            frame[2] = value
            return None
        frame[2] = _NO_KEY
        if key is _BAD_KEY:
            return None
        vpath = cpath + (key,)
        container[key] = value
        positions[vpath] = pos(mark)
        return vpath

    try:
        for event in loader.parse_events() if hasattr(loader, "parse_events") else _events(loader):
            kind = event.__class__
            if kind is _SCALAR:
                tag = event.tag
                if (tag is not None or event.anchor is not None) and refuse_properties(event):
                    tag = None
                value = event.value
                if escapes:
                    hidden = INVISIBLE.search(value)
                    if hidden and not INVISIBLE.search(text, event.start_mark.index, event.end_mark.index):
                        p = pos(event.start_mark)
                        escaped.append(diag(path, p.line, p.column, "unsafe-text",
                                            f"front-matter text holds invisible character U+{ord(hidden.group()):04X},"
                                            " written as an escape", "delete the escape"))
                if tag is None:
                    implicit = event.implicit
                    if plain_is_text and (not implicit[0] or (value and value[0] not in implicit_resolvers)):
                        tag = _STR
                    else:
                        tag = resolver.resolve(yaml.ScalarNode, value, implicit)
                elif tag == "!":
                    tag = _STR
                if tag != _STR:  # else what SafeConstructor gives for it, without building a node
                    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
                    try:
                        value = constructor.construct_object(node)
                    except (yaml.constructor.ConstructorError, ValueError, OverflowError) as exc:
                        refuse(event.start_mark, f"cannot read value {event.value!r}: {exc}".split("\n")[0],
                               "quote the value to keep it as text")
                        value = event.value
                attach(value, event.start_mark, True)
            elif kind is _SEQUENCE_START or kind is _MAPPING_START:
                if event.tag is not None or event.anchor is not None:
                    refuse_properties(event)
                if len(stack) >= max_depth:
                    refuse(event.start_mark, f"front matter is nested more than {max_depth} levels deep",
                           "front matter needs at most a list of mappings")
                    break
                is_list = kind is _SEQUENCE_START
                value = [] if is_list else {}
                vpath = attach(value, event.start_mark, False)
                stack.append([value, vpath if vpath is not None else (_BAD_KEY,), _NO_KEY, {}, is_list])
            elif kind is _SEQUENCE_END or kind is _MAPPING_END:
                stack.pop()
            elif kind is _ALIAS:
                refuse(event.start_mark, f"YAML alias *{event.anchor} is not allowed",
                       "write the value out in full; anchors and aliases are refused")
                attach(None, event.start_mark, True)  # keeps the mapping's key/value pairing
            elif kind is _DOCUMENT_START:
                documents += 1
                if documents > 1:
                    refuse(event.start_mark, "front matter holds more than one YAML document")
                    break
    finally:
        loader.dispose()
    # Positions under a refused key point into values that were dropped.
    positions = {k: v for k, v in positions.items() if _BAD_KEY not in k}
    return root, positions, problems, escaped


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_DOCUMENT_START = yaml.DocumentStartEvent
_NEWLINE = re.compile("\n")

# Front matter puts its values on few lines and columns, the same ones on
# every page: a Position (frozen, so safe to share) is made once for each of
# those, when first met, and shared. Building ~45 a page cost a third of the
# walk above. At most 64 x 96 of them are kept.
_SHARED_LINES, _SHARED_COLUMNS = 64, 96
_SHARED: dict[int, Position] = {}


class _Lines:
    """File positions of YAML marks. The YAML parsers also end lines at
    ``\\r``, ``\\x85``, ``\\u2028`` and ``\\u2029``; editors, the body
    scanner and the reports count ``\\n`` only, so a mark's line and column
    are worked out again from its ``index`` (a code point offset, in both the
    C and the pure-Python parser). The YAML text starts on file line 2."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def position(self, mark: Any) -> tuple[int, int]:
        index = getattr(mark, "index", None)
        if not isinstance(index, int) or not 0 <= index <= len(self.text):
            return mark.line + 2, mark.column + 1
        k = bisect_right(self.newlines, index - 1)  # newlines before index
        start = self.newlines[k - 1] + 1 if k else 0
        return k + 2, index - start + 1


def _events(loader: Any):
    while loader.check_event():
        yield loader.get_event()


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Sentinel("<no key>")
_BAD_KEY = _Sentinel("<refused key>")

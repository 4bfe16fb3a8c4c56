"""The plain event walk that :func:`ossref.load.frontmatter._read_events` was
before it was made faster, kept verbatim (bar its name) as the reference the
fast one must agree with: ``tests/test_frontmatter_fast.py`` compares the two
on generated YAML (Hypothesis). Not used by ossref itself."""

from __future__ import annotations

from typing import Any

import yaml

from ossref.diagnostics import Diagnostic, diag
from ossref.load.frontmatter import (_BAD_KEY, _NO_KEY, _STANDARD_TAGS, _STR, KEY, _events, _Lines,
                                     _Loader)
from ossref.model import Position
from ossref.text.textsafety import INVISIBLE


def read_events_reference(text: str, path: str,
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
    """
    loader = _Loader(text)
    lines = _Lines(text)
    constructor = yaml.constructor.SafeConstructor()
    resolver = yaml.resolver.Resolver()
    positions: dict[tuple, Position] = {}
    problems: list[Diagnostic] = []
    escaped: list[Diagnostic] = []
    # Each frame: [container, path, pending_key, key_positions]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0

    def pos(mark: Any) -> Position:
        return Position(*lines.position(mark))

    def refuse(mark: Any, message: str, hint: str = "") -> None:
        p = pos(mark)
        problems.append(diag(path, p.line, p.column, "yaml-syntax", message, hint))

    def attach(value: Any, mark: Any, is_scalar: bool) -> tuple | None:
        nonlocal root
        if not stack:
            root = value
            positions[()] = pos(mark)
            return ()
        frame = stack[-1]
        container, cpath = frame[0], frame[1]
        if isinstance(container, list):
            vpath = cpath + (len(container),)
            container.append(value)
            positions[vpath] = pos(mark)
            return vpath
        if frame[2] is _NO_KEY:
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
            frame[3][value] = pos(mark)
            positions[cpath + (value, KEY)] = pos(mark)
            frame[2] = value
            return None
        key = frame[2]
        frame[2] = _NO_KEY
        if key is _BAD_KEY:
            return None
        vpath = cpath + (key,)
        container[key] = value
        positions[vpath] = pos(mark)
        return vpath

    try:
        for event in loader.parse_events() if hasattr(loader, "parse_events") else _events(loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    refuse(event.start_mark, "front matter holds more than one YAML document")
                    break
                continue
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                refuse(event.start_mark, f"YAML alias *{event.anchor} is not allowed",
                       "write the value out in full; anchors and aliases are refused")
                attach(None, event.start_mark, True)  # keeps the mapping's key/value pairing
                continue
            if anchor is not None:
                # Still walked, so the structure stays balanced; the result is refused anyway.
                refuse(event.start_mark, f"YAML anchor &{anchor} is not allowed",
                       "write the value out in full; anchors and aliases are refused")
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _STANDARD_TAGS and tag != "!":
                refuse(event.start_mark, f"YAML tag {tag} is not allowed", "remove the tag")
                tag = None
            if isinstance(event, yaml.ScalarEvent):
                hidden = INVISIBLE.search(event.value)
                if hidden and not INVISIBLE.search(text, event.start_mark.index, event.end_mark.index):
                    p = pos(event.start_mark)
                    escaped.append(diag(path, p.line, p.column, "unsafe-text",
                                        f"front-matter text holds invisible character U+{ord(hidden.group()):04X},"
                                        " written as an escape", "delete the escape"))
                if tag is None:
                    implicit = event.implicit
                    tag = resolver.resolve(yaml.ScalarNode, event.value, implicit)
                elif tag == "!":
                    tag = _STR
                if tag == _STR:  # what SafeConstructor gives for it, without building a node
                    value = event.value
                else:
                    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                    try:
                        value = constructor.construct_object(node)
                    except (yaml.constructor.ConstructorError, ValueError, OverflowError) as exc:
                        refuse(event.start_mark, f"cannot read value {event.value!r}: {exc}".split("\n")[0],
                               "quote the value to keep it as text")
                        value = event.value
                attach(value, event.start_mark, True)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)) and len(stack) >= max_depth:
                refuse(event.start_mark, f"front matter is nested more than {max_depth} levels deep",
                       "front matter needs at most a list of mappings")
                break
            elif isinstance(event, yaml.SequenceStartEvent):
                value: Any = []
                vpath = attach(value, event.start_mark, False)
                stack.append([value, vpath if vpath is not None else (_BAD_KEY,), _NO_KEY, {}])
            elif isinstance(event, yaml.MappingStartEvent):
                value = {}
                vpath = attach(value, event.start_mark, False)
                stack.append([value, vpath if vpath is not None else (_BAD_KEY,), _NO_KEY, {}])
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
    finally:
        loader.dispose()
    # Positions under a refused key point into values that were dropped.
    positions = {k: v for k, v in positions.items() if _BAD_KEY not in k}
    return root, positions, problems, escaped



"""Heading text and anchors, as Python-Markdown's toc extension makes them.

:func:`headings` turns the raw headings the line pass found into
:class:`~ossref.model.Heading` values: the text is the plain text toc
slugifies (:func:`_plain`: an emulation of Python-Markdown's inline
rendering of the heading, code spans, escapes, links, references, footnote
references, autolinks, tags, entities and emphasis included), the anchor its
slug, de-duplicated in order as toc does. An attribute list never sets one.
Pure; each distinct heading text is rendered once per page.
"""

from __future__ import annotations

import html as _html
import re
from typing import Callable

from markdown.extensions.toc import slugify as _toc_slugify
from markdown.extensions.toc import unique as _toc_unique

from ossref.load.scan.base import (_H_AUTOLINK, _H_AUTOMAIL, _H_ENTITY, _H_ESCAPABLE, _H_ESCAPE, _H_HTML, _PAREN_CLOSE,
                                   _PAREN_OPEN, _WS, _nested)
from ossref.load.scan.codespans import _inline_code
from ossref.model import Heading, Position

_H_SPECIAL = re.compile(r"[`\\\[<&*_\x02\x03]")
_H_PLACEHOLDER = re.compile("\x02(\\d+)\x03")
_H_WIKI = re.compile(r"\[\[([^\[\]]*)\]\]")
_H_FOOTNOTE = re.compile(r"\[\^([^\]]*)\]")  # Python-Markdown's FOOTNOTE_RE
# A footnote definition's id, at the start of a line after container markers.
_FOOTNOTE_ID = re.compile(r"(?:^|[\n\x00])[ \t>]*\[\^([^\]\n\x00]*)\]:")
_H_LABEL = _nested(r"[^\[\]]", r"\[", r"\]", 3)
_H_PARENS = _nested("[^()]", _PAREN_OPEN, _PAREN_CLOSE, 2)
# Python-Markdown's link patterns (inlinepatterns), in the order it applies
# each to the whole text: reference, link, image, image reference, short
# reference, short image reference; as (pattern, is an image, is a reference).
_H_LINK_PASSES = (
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]\s?\[(?P<id>[^\]]*)\]"), False, True),
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]\({_H_PARENS}\)"), False, False),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]\({_H_PARENS}\)"), True, False),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]\s?\[(?P<id>[^\]]*)\]"), True, True),
    (re.compile(rf"(?<!!)\[(?P<label>{_H_LABEL})\]"), False, True),
    (re.compile(rf"!\[(?P<label>{_H_LABEL})\]"), True, True),
)
# Python-Markdown's emphasis delimiters (inlinepatterns.Delimiter): `*` "dumb", `_` "smart".
_H_DELIMS = {
    "*": re.compile(
        r"(?P<ambiguous>(?<!^)(?<![\s*])\*+(?![\s*])(?!$))"
        r"|(?P<end>(?<!^)(?<![\s*])\*+)"
        r"|(?P<start>\*+(?![\s*])(?!$))"
    ),
    "_": re.compile(
        r"(?P<ambiguous>(?<!^)(?<![\s_])(?<![\w_])_+(?![\w_])(?![\s_])(?!$))"
        r"|(?P<end>(?<!^)(?<![\s_])_+(?![\w_]))"
        r"|(?P<start>(?<![\w_])_+(?![\s_])(?!$))"
    ),
}
_H_DELIM_CHAR = re.compile(r"[*_]")
_H_DELIM_RUN = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}
#: Longest heading text given the exact emphasis emulation (it copies the
#: text once per emphasis run); beyond it emphasis markers are simply kept.
_H_EMPHASIS_MAX = 10_000


def _rule_of_3(opener: int, closer: int) -> bool:
    return (opener + closer) % 3 == 0 and (opener % 3 != 0 or closer % 3 != 0)


def _emphasis_run(data: str, at: int, used: bytearray) -> int:
    """One pass of Python-Markdown's DelimiterProcessor.handleMatch from ``at``.

    A transcription of its pairing loop (Markdown 3.11) that records which
    delimiter characters pair, in ``used``, instead of building elements.
    Both tokens use ``strong,em`` tags, so ``max_size`` is 2 and ``double`` is
    off, which drops those branches. Returns where the next pass starts.
    """
    stacks: dict[str, list[tuple[int, int, bool, int, int]]] = {"*": [], "_": []}
    regions: list[tuple[int, int, int, int]] = []

    def any_stack(skip: str | None = None) -> bool:
        return any(st for tok, st in stacks.items() if tok != skip)

    def search(start: int) -> re.Match[str] | None:
        while True:
            c = _H_DELIM_CHAR.search(data, start)
            if c is None:
                return None
            i = c.start()
            tok = data[i]
            m = _H_DELIMS[tok].match(data, i)
            if m is not None and not (not stacks[tok] and m.lastgroup == "end"):
                return m
            start = i + 1

    def add_region(a: int, b: int, c: int, d: int) -> None:
        regions.append((a, b, c, d))
        for st in stacks.values():
            while st:
                p = st[-1][0]
                if max(p, a) <= min(p, d - 1):
                    st.pop()
                    continue
                break

    tok = data[at]
    m2 = _H_DELIMS[tok].match(data, at)
    if m2 is None or m2.lastgroup == "end":
        if m2 is None:
            m2 = _H_DELIM_RUN[tok].match(data, at)
        return m2.end() if m2 is not None else at + 1
    stack = stacks[tok]
    start, end = m2.span()
    length = end - start
    stack.append((start, start + length, m2.lastgroup != "start", length, length))

    while any_stack():
        m2 = search(end)
        if m2 is None:
            break
        tok = data[m2.start()]
        stack = stacks[tok]
        start, end = m2.span()
        current = end - start
        is_start = m2.lastgroup != "end"
        is_end = not is_start or m2.lastgroup != "start"
        is_ambiguous = is_start and is_end
        last = stack[-1][-1] if stack else 0

        if stack and is_ambiguous and current != last and _rule_of_3(stack[-1][3], current):
            for i in range(len(stack) - 2, -1, -1):
                if stack[i][-1] == current and not _rule_of_3(stack[i][3], current):
                    last = current
                    break

        if stack and is_end and (
            (current > last and (not is_ambiguous or not _rule_of_3(stack[-1][3], current)))
            or current == last
            or current >= 3
        ):
            is_start = False
            original = current
            while stack and current and last <= current:
                delimiter = stack.pop()
                size = min(delimiter[-1], 1 if delimiter[-1] == 3 else 2)
                add_region(delimiter[1] - size, delimiter[1], start, start + size)
                start += size
                current -= size
                if size < delimiter[-1]:
                    new = delimiter[-1] - size
                    stack.append((delimiter[0], delimiter[1] - size, delimiter[2], delimiter[3], new))
                if not stack:
                    if any_stack(tok):
                        stack.clear()
                        continue
                    is_end = False
                    break
                last = stack[-1][-1]
            if original >= 3 and current and is_ambiguous:
                stack.append((m2.start() + (original - current), end, False, original, current))
                is_end = False
            else:
                is_end = bool(current and stack and last > current)

        if stack and is_end and (last >= 3 or not is_ambiguous) and last > current:
            delimiter = stack.pop()
            while stack and delimiter[-1] != 3 and delimiter[2]:
                delimiter = stack.pop()
                last = delimiter[-1]
            if delimiter[2] and delimiter[-1] != 3:
                if any_stack(tok):
                    stack.clear()
                    continue
                break
            is_start = False
            ds, de = delimiter[0], delimiter[1]
            while current:
                size = min(current, 1 if current == 3 else 2)
                new = last - size
                add_region(ds + new, de, start, start + size)
                start += size
                current -= size
                last -= size
                de -= size
            if last:
                stack.append((ds, de, False, delimiter[3], last))

        if is_start:
            stack.append((start, end, is_ambiguous, current, current))

    if not regions:
        left = sorted(stacks["*"] + stacks["_"])
        return left[-1][1] if left else at + 1
    for a, b, c, d in regions:
        used[a:b] = b"\x01" * (b - a)
        used[c:d] = b"\x01" * (d - c)
    return max(r[3] for r in regions)


def _strip_emphasis(s: str) -> str:
    """``s`` without the ``*``/``_`` that Python-Markdown pairs as emphasis."""
    if ("*" not in s and "_" not in s) or len(s) > _H_EMPHASIS_MAX:
        return s
    used = bytearray(len(s))
    data = s
    pos = 0
    while True:
        c = _H_DELIM_CHAR.search(data, pos)
        if c is None:
            break
        nxt = _emphasis_run(data, c.start(), used)
        if nxt > c.start() and used[nxt - 1]:
            # Python-Markdown continues after a placeholder standing for the
            # emphasis just built; its last character is "\x03".
            data = data[: nxt - 1] + "\x03" + data[nxt:]
        pos = max(nxt, c.start() + 1)
    return "".join(ch for ch, u in zip(s, used) if not u)


def _plain(raw: str, refs: set[str], depth: int = 0, store: list[str] | None = None,
           footnotes: frozenset[str] | set[str] = frozenset()) -> str:
    """Heading source -> the plain text Python-Markdown's toc slugifies.

    The toc extension takes the rendered inner HTML, strips tags, unescapes
    entities and slugifies. Emulated here: code spans keep their content
    verbatim, links keep their label, images, tags and references to the
    ``footnotes`` defined vanish (toc leaves the footnote's number out),
    entities are decoded, escapes resolved, and emphasis markers that pair
    are dropped.
    """
    if not _H_SPECIAL.search(raw):
        return " ".join(raw.split())
    if store is None:
        # Python-Markdown drops these too; here they delimit placeholders.
        raw = raw.replace("\x02", "").replace("\x03", "")
        store = []

    def ph(value: str) -> str:
        store.append(value)
        return f"\x02{len(store) - 1}\x03"

    spans = _inline_code(raw, pm=True, comments=False)[0] if "`" in raw else None
    if spans:
        parts: list[str] = []
        last = 0
        for a, b in spans:
            parts.append(raw[last:a])
            chunk = raw[a:b]
            # The closing run has the opener's length (the opener may be the
            # front part of a longer run, see _inline_code).
            ticks = len(chunk) - len(chunk.rstrip("`"))
            parts.append(ph(chunk[ticks : len(chunk) - ticks].strip()))
            last = b
        parts.append(raw[last:])
        raw = "".join(parts)

    raw = _H_ESCAPE.sub(lambda m: ph(m.group(1)) if m.group(1) in _H_ESCAPABLE else m.group(0), raw)
    if footnotes and "[^" in raw:
        raw = _H_FOOTNOTE.sub(lambda m: ph("") if m.group(1) in footnotes else m.group(0), raw)

    def sub_plain(text: str) -> str:
        return _plain(text, refs, depth + 1, store, footnotes) if depth < 3 else text

    def wiki(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        return ph(sub_plain(label.strip() or target.partition("#")[0].strip()))

    raw = _H_WIKI.sub(wiki, raw)

    if "[" in raw:
        for pattern, image, ref in _H_LINK_PASSES:
            parts = []
            pos = 0
            while True:
                m = pattern.search(raw, pos)
                if m is None:
                    break
                label = m.group("label")
                if ref:
                    # Python-Markdown neither strips the id nor the label here.
                    key = m.group("id") if "id" in pattern.groupindex else ""
                    if _WS.sub(" ", key or label).lower() not in refs:
                        # An undefined reference stays text, and the pattern
                        # goes on after it; later patterns still read it.
                        parts.append(raw[pos : m.end()])
                        pos = m.end()
                        continue
                parts += [raw[pos : m.start()], ph("") if image else ph(sub_plain(label))]
                pos = m.end()
            parts.append(raw[pos:])
            raw = "".join(parts)
    if "<" in raw:
        # An autolink's text keeps its entities; toc decodes them.
        raw = _H_AUTOLINK.sub(lambda m: ph(_html.unescape(m.group(1))), raw)
        raw = _H_AUTOMAIL.sub(lambda m: ph(m.group(1).removeprefix("mailto:")), raw)
        raw = _H_HTML.sub(lambda m: ph(""), raw)
    if "&" in raw:
        raw = _H_ENTITY.sub(lambda m: ph(_html.unescape(m.group(1))), raw)
    raw = _strip_emphasis(raw)
    for _ in range(3):  # a stored text may hold placeholders (an escape in an autolink)
        if not store or "\x02" not in raw:
            break
        raw = _H_PLACEHOLDER.sub(lambda m: store[int(m.group(1))], raw)
    return " ".join(raw.split())


def _make_unique() -> Callable[[str, set[str], dict[str, int]], str]:
    try:
        _toc_unique("x", {"x"}, {})
    except TypeError:  # Markdown < 3.11: no counters cache (quadratic on many duplicates)
        return lambda id_, ids, counters: _toc_unique(id_, ids)
    return _toc_unique


_unique = _make_unique()


# Section headings recur from page to page ("Imaging", "Differential
# diagnosis"): their (text, slug) is kept across pages. Only for a heading
# without "[": its text then depends on nothing but itself (not on the
# page's reference definitions or footnotes). Short ones only, and at most
# _COMMON_SIZE of them, so the memory it holds stays small.
_COMMON: dict[str, tuple[str, str]] = {}
_COMMON_LENGTH, _COMMON_SIZE = 120, 2048


def headings(found: list[tuple[int, int, str]], ma: str, refs: set[str],
             pos: Callable[[int], Position], out: list[Heading]) -> None:
    """Append to ``out`` the headings ``found`` by the line pass, as (level,
    offset of the marker, raw text), with their text and anchor. ``ma`` is
    the CommonMark reading (for the footnotes defined), ``refs`` the
    reference ids defined (lower case, white space collapsed), ``pos`` maps
    an offset to a file position."""
    ids: set[str] = set()
    counters: dict[str, int] = {}
    seen: dict[str, tuple[str, str]] = {}  # raw text -> (text, slug): pages repeat headings
    footnotes = {m.group(1) for m in _FOOTNOTE_ID.finditer(ma)} if "[^" in ma else set()
    for level, marker, raw in found:
        done = seen.get(raw)
        if done is None:
            done = _COMMON.get(raw)
            if done is None:
                text = _plain(raw, refs, footnotes=footnotes)
                done = (text, _toc_slugify(text, "-"))
                if "[" not in raw and len(raw) <= _COMMON_LENGTH:
                    if len(_COMMON) >= _COMMON_SIZE:
                        _COMMON.clear()
                    _COMMON[raw] = done
            seen[raw] = done
        text, slug = done
        out.append(Heading(level, text, _unique(slug, ids, counters), pos(marker)))

"""The fast front-matter event walk gives exactly what the plain one gives.

``ossref.load.frontmatter._read_events`` dispatches on event classes and
skips the YAML resolver for scalars no implicit resolver can claim; the
plain walk it replaced is kept in ``tests/frontmatter_reference.py``. Both
are run on generated front matter, valid and not, and must return the same
values, positions and diagnostics, or raise the same error.
"""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from frontmatter_reference import read_events_reference
from ossref.load.frontmatter import _read_events

_SCALARS = st.sampled_from([
    "Myositis ossificans", "x", "", "1", "-3", "0x1F", "0o17", "1_000", "3.5", ".5", "1e3", ".nan", ".inf", "-.inf",
    "true", "False", "yes", "No", "on", "OFF", "null", "~", "Null", "2026-11-24", "2001-12-14t21:59:43.10-05:00",
    "2026-13-45", "<<", "=", "'quoted: text'", "'it''s'", '"double \\" quote"', '"\\u200b hidden"', '"\\a bell"',
    '"\\x41"', '"\\N next"', '"\\_ nbsp"', '"bad \\q escape"', "!!str 12", "!!int 12", "!!int x", "!!float 1.5",
    "!!bool yes", "!!timestamp 2020-01-01", "!!binary aGk=", "!custom x", "! 12", "&anchor v", "*alias",
    "\u200bzero width", "plain, comma", "a: b", "[a, b]", "{a: 1, b: [c]}", "[[[x]]]", "- x", "|\n  block\n  text",
    ">\n  folded\n  text", "'unclosed", "\"unclosed", "@at", "`tick", "%percent", "#comment", "x # comment",
    "Straße", "\u0085nel", "\t tab",
])
_KEYS = st.sampled_from(["condition", "aliases", "summary", "tags", "updated", "differentials", "references",
                         "entry", "distinguishing", "1", "true", "null", "? complex", "[k]", "'quoted key'",
                         "\"k\\u200b\"", "dup", "dup"])


@st.composite
def _yaml_text(draw) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        key = draw(_KEYS)
        shape = draw(st.integers(0, 5))
        if shape == 0:
            lines.append(f"{key}: {draw(_SCALARS)}")
        elif shape == 1:
            items = draw(st.lists(_SCALARS, max_size=4))
            lines.append(f"{key}: [{', '.join(items)}]")
        elif shape == 2:
            lines.append(f"{key}:")
            for item in draw(st.lists(_SCALARS, max_size=4)):
                lines.append(f"  - {item}")
        elif shape == 3:
            lines.append(f"{key}:")
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"  - entry: {draw(_SCALARS)}")
                if draw(st.booleans()):
                    lines.append(f"    {draw(_KEYS)}: {draw(_SCALARS)}")
        elif shape == 4:
            depth = draw(st.integers(1, 25))
            lines.append(f"{key}: " + "[" * depth + draw(_SCALARS) + "]" * depth)
        else:
            lines.append(draw(st.sampled_from(["---", "...", "- top level list", "  indented: wrongly",
                                               "&a {x: 1}", "*a", "? complex key", ": value", "%YAML 1.1"])))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85"]))
    return eol.join(lines) + (eol if draw(st.booleans()) else "")


def _outcome(walk, text: str, depth: int):
    try:
        return repr(walk(text, "content/x.md", depth))
    except yaml.YAMLError as exc:
        return f"raised {type(exc).__name__}: {exc}"


@settings(max_examples=400, deadline=None)
@given(_yaml_text(), st.integers(1, 20))
@example("a: [1, 2]\nb: {c: .nan}\n", 20)
@example('s: "\\u200b"\nt: "\\x1b"\n', 20)
@example("a: &x 1\nb: *x\n", 20)
@example("a: !!python/object x\n", 20)
@example("a: 1\n---\nb: 2\n", 20)
@example("[[[[x]]]]", 2)
def test_fast_walk_agrees_with_the_plain_one_on_generated_yaml(text: str, depth: int) -> None:
    assert _outcome(_read_events, text, depth) == _outcome(read_events_reference, text, depth)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("ab:-[]{}#&*!?|>'\"\\ \n\t,.0123456789\u200b\x85")), max_size=60))
def test_fast_walk_agrees_with_the_plain_one_on_random_text(text: str) -> None:
    assert _outcome(_read_events, text, 20) == _outcome(read_events_reference, text, 20)


def test_positions_past_the_shared_ones_are_made_fresh_and_agree() -> None:
    # Lines and columns past those whose positions are shared between pages.
    text = "".join(f"k{i}: {'x' * (i * 3)} [v]\n" for i in range(120)) + "wide: " + " " * 200 + "[a, b]\n"
    fast = _read_events(text, "content/x.md", 20)
    assert repr(fast) == repr(read_events_reference(text, "content/x.md", 20))
    positions = fast[1]
    assert positions[("k100",)].line == 102 and positions[("wide", 1)].column == 211

"""Front matter: positions are 1-based file positions; hostile YAML is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from ossref.load.frontmatter import KEY, parse_frontmatter
from ossref.model import Position


def parse(text: str, max_bytes: int = 64_000, depth: int = 20):
    return parse_frontmatter(text, "content/x.md", max_bytes, depth)


def codes(fm) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.code) for d in fm.diagnostics]


def test_positions_map_yaml_marks_to_file_lines_and_columns() -> None:
    fm = parse("---\ncondition: Myositis\naliases: [MO, \"A, B\"]\ndifferentials:\n  - entry: x\n  - y\n---\nBody\n")
    assert fm.ok and fm.diagnostics == []
    assert fm.positions[("condition",)] == Position(2, 12)
    assert fm.positions[("condition", KEY)] == Position(2, 1)
    assert fm.positions[("aliases", 0)] == Position(3, 11)
    assert fm.positions[("aliases", 1)] == Position(3, 15)
    assert fm.positions[("differentials", 0)] == Position(5, 5)
    assert fm.positions[("differentials", 0, "entry")] == Position(5, 12)
    assert fm.positions[("differentials", 1)] == Position(6, 5)
    assert fm.data["aliases"] == ["MO", "A, B"]
    assert fm.body == "Body\n" and fm.body_line == 8


def test_columns_count_code_points_not_bytes() -> None:
    fm = parse("---\nc: [Äé, z]\n---\n")
    assert fm.positions[("c", 1)] == Position(2, 9)


def test_crlf_and_empty_front_matter() -> None:
    fm = parse("---\r\ncondition: A\r\n---\r\nBody\r\n")
    assert fm.data == {"condition": "A"} and fm.body_line == 4
    fm = parse("---\n---\nBody")
    assert fm.ok and fm.data == {} and fm.body == "Body" and fm.body_line == 3


def test_no_front_matter_means_whole_file_is_body() -> None:
    fm = parse("# Title\n\n---\n")
    assert not fm.present and fm.body == "# Title\n\n---\n" and fm.body_line == 1


def test_dates_are_dates() -> None:
    assert parse("---\nupdated: 2026-11-24\n---\n").data["updated"] == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("---\na: 1\n", [(1, 1, "yaml-syntax")]),  # never closes
        ("---\nsummary: Bones: compact\n---\n", [(2, 15, "yaml-syntax")]),
        ("---\na: 1\nb: 2\na: 3\n---\n", [(4, 1, "yaml-syntax")]),  # duplicate key
        ("---\na: &x [1]\nb: *x\n---\n", [(2, 4, "yaml-syntax"), (3, 4, "yaml-syntax")]),
        ("---\nq: !!python/object/apply:os.system [ls]\n---\n", [(2, 4, "yaml-syntax")]),
        ("---\nd: 2026-13-45\n---\n", [(2, 4, "yaml-syntax")]),
        ("---\n- a\n---\n", [(2, 1, "yaml-syntax")]),  # not a mapping
        ("---\n[a]: 1\n---\n", [(2, 1, "yaml-syntax")]),  # complex key
        ("---\na: 1\n---\nx\n---\nb: 2\n", []),  # only the first block is front matter
    ],
)
def test_refused_yaml(text: str, expected: list) -> None:
    assert codes(parse(text)) == expected


def test_duplicate_key_names_both_lines() -> None:
    (d,) = parse("---\na: 1\nb: 2\na: 3\n---\n").diagnostics
    assert "line 2" in d.message and d.line == 4


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 10)]
    fm = parse("---\n" + "\n".join(lines) + "\n---\n")
    assert not fm.ok and fm.data == {}
    assert all(d.code == "yaml-syntax" for d in fm.diagnostics)


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_nesting_is_refused_before_parsing(opener: str) -> None:
    # libyaml segfaults on ~50 KB of brackets; the pure parser overflows at depth 500.
    fm = parse("---\na: " + opener * 60_000 + "\n---\n", max_bytes=10**6)
    assert codes(fm) and codes(fm)[0][2] == "yaml-syntax" and not fm.ok


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("a: " + "[" * 21 + "]" * 21, [(2, 23, "yaml-syntax")]),  # the 20th bracket, inside the mapping: 21 levels
    ("a: x\nb: " + "[" * 10 + "]" * 10 + "\nc: " + "{d: " * 21 + "}" * 21, [(4, 80, "yaml-syntax")]),
    ("a: '" + "[" * 30 + "'", []),  # inside quotes: text
    ('a: "' + "{" * 30 + '"', []),
    ("a: x # " + "[" * 30, []),  # in a comment
    ("a: [b, c]\n" * 200, None),  # many shallow lines: a duplicate key, not depth
])
def test_depth_counts_only_brackets_that_nest(yaml_text: str, expected) -> None:
    fm = parse("---\n" + yaml_text + "\n---\n")
    if expected is None:
        assert "nested" not in " ".join(d.message for d in fm.diagnostics)
    else:
        assert codes(fm) == expected and all("nested" in d.message for d in fm.diagnostics)


def test_deep_block_nesting_is_refused() -> None:
    text = "---\n" + "".join("  " * i + f"k{i}:\n" for i in range(40)) + "---\n"
    fm = parse(text)
    assert [c for _, _, c in codes(fm)] == ["yaml-syntax"]


def test_size_cap() -> None:
    fm = parse("---\na: " + "x" * 200 + "\n---\n", max_bytes=100)
    assert codes(fm) == [(2, 1, "yaml-syntax")] and "100" in fm.diagnostics[0].message

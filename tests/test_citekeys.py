"""Citation keys and groups read as pandoc reads them (issue #10, part 4).

Scanner-level cases here; the rendering of the same cases is checked in
tests/test_citekeys_build.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ossref.load.scan as scan_module
import ossref.load.scan.citations as citations_module

# The strict twin: an internal error fails the test instead of being swallowed.
scan_body = scan_module._scan_strict


def cites(body: str):
    return [[(i.key, i.locator) for i in g.items] for g in scan_body(body, 1).citations]


def keys(body: str):
    return [[i.key for i in g.items] for g in scan_body(body, 1).citations]


# ----------------------------------------------------------------------------- pandoc's documented examples

# From pandoc's manual, "Citation syntax". In-text citations (@key outside
# brackets) are not part of ossref's syntax: they yield nothing and stay text.
PANDOC_EXAMPLES = [
    ("[@doe99]", [[("doe99", "")]]),
    ("[see @doe99, pp. 33-35; also @smith04, chap. 1]", [[("doe99", "pp. 33-35"), ("smith04", "chap. 1")]]),
    ("[@doe99, pp. 33-35, 38-39 and *passim*]", [[("doe99", "pp. 33-35, 38-39 and *passim*")]]),
    ("[@smith04; @doe99]", [[("smith04", ""), ("doe99", "")]]),
    ("[-@doe99]", [[("doe99", "")]]),
    ("@doe99 [p. 33]", []),  # in-text: not supported
    ("@{https://example.com/bib?name=foobar&date=2000}", []),  # in-text: not supported
    ("[@{https://example.com/bib?name=foobar&date=2000}]", [[("https://example.com/bib?name=foobar&date=2000", "")]]),
    # Unbraced, the key stops at "=" (not in pandoc's list): why the manual braces such keys.
    ("[@https://example.com/bib?name=foobar&date=2000]", [[("https://example.com/bib?name", "=foobar&date=2000")]]),
]


@pytest.mark.parametrize("body, expected", PANDOC_EXAMPLES)
def test_pandoc_manual_examples(body, expected):
    assert cites(body) == expected


# ----------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "body, key",
    [
        ("[@doi:10.1000/xyz]", "doi:10.1000/xyz"),
        ("[@a#b]", "a#b"),
        ("[@a+b]", "a+b"),
        ("[@a?b]", "a?b"),
        ("[@a&b]", "a&b"),
        ("[@a~b]", "a~b"),
        ("[@a$b%c]", "a$b%c"),
        ("[@a<b>c]", "a<b>c"),
        ("[@a.b:c-d_e]", "a.b:c-d_e"),
        ("[@http://x.org/a]", "http://x.org/a"),
        ("[@_under]", "_under"),
        ("[@2020report]", "2020report"),
        ("[@müller2019]", "müller2019"),
    ],
)
def test_internal_punctuation_is_part_of_the_key(body, key):
    assert keys(body) == [[key]]


@pytest.mark.parametrize(
    "body, key, locator",
    [
        ("[@smith2020-]", "smith2020", "-"),
        ("[@smith2020.]", "smith2020", "."),
        ("[@smith2020:]", "smith2020", ":"),
        ("[@smith2020/]", "smith2020", "/"),
        ("[@smith2020?!]", "smith2020", "?!"),
        ("[@doi:10.1000/xyz.]", "doi:10.1000/xyz", "."),
        ("[@a--b]", "a", "--b"),  # "-" before "-" is not internal
    ],
)
def test_trailing_punctuation_is_not_part_of_the_key(body, key, locator):
    assert cites(body) == [[(key, locator)]]


@pytest.mark.parametrize(
    "body, key",
    [
        ("[@{a]b;c}, p. 2]", "a]b;c"),
        ("[@{a{b}c}]", "a{b}c"),
        ("[@{doi:10.1002/(SICI)1097<1661::AID>3.0.CO;2-2}]", "doi:10.1002/(SICI)1097<1661::AID>3.0.CO;2-2"),
        ("[@{smith2020-}]", "smith2020-"),
    ],
)
def test_braced_key_takes_any_key(body, key):
    assert keys(body) == [[key]]


@pytest.mark.parametrize("body", ["[@{}]", "[@{a b}]", "[@{a]", "[@{a{b}]", "[@ {a}]"])
def test_braced_key_must_be_balanced_non_empty_and_without_spaces(body):
    assert cites(body) == []


def test_key_position_is_its_at_sign():
    body = "x [see @{a]b}, p. 2; @c]"
    (group,) = scan_body(body, 3).citations
    assert [(i.key, i.pos.line, i.pos.column) for i in group.items] == [("a]b", 3, 8), ("c", 3, 22)]
    assert (group.start, group.end) == (2, len(body))


@pytest.mark.parametrize("key", ["a", "doi:10.1000/xyz.", "smith2020-", "a]b;c", "x<y>&z", "a--b", "é/1"])
def test_cite_syntax_reads_back_as_the_key(key):
    assert keys("See " + scan_module.cite_syntax(key)) == [[key]]


# ----------------------------------------------------------------------------- brackets in a group


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[see @a, p. 3 [fig. 2]]", [[("a", "p. 3 [fig. 2]")]]),
        ("[see [also] @a]", [[("a", "")]]),
        ("[@a [fig. 2]; @b [table 1], p. 4]", [[("a", "[fig. 2]"), ("b", "[table 1], p. 4")]]),
        ("[@a, p. 3 [fig. 2; table 1]]", [[("a", "p. 3 [fig. 2; table 1]")]]),  # ";" in brackets: no new item
    ],
)
def test_one_level_of_brackets_in_prefix_and_locator(body, expected):
    assert cites(body) == expected


def test_two_levels_of_brackets_are_not_a_citation():
    assert cites("[@a, p. 3 [fig. [2]]]") == []


def test_a_key_in_nested_brackets_is_the_inner_citation():
    # pandoc reads a citation nested in the locator; ossref cites the inner group only.
    assert cites("[@a, p. 3 [see @b]]") == [[("b", "")]]


# ----------------------------------------------------------------------------- escapes


def test_escaped_at_is_not_a_citation():
    assert cites("[\\@x]") == []
    assert cites("[see \\@x]") == []


def test_escaped_at_in_a_locator_is_text():
    assert cites("[@a, cf. \\@b]") == [[("a", "cf. @b")]]


def test_escaped_backslash_before_at_leaves_a_key():
    assert keys("[\\\\@x]") == [["x"]]


def test_escaped_bracket_does_not_close_the_group():
    assert cites("[@a, p. 3\\]]") == [[("a", "p. 3]")]]


# ----------------------------------------------------------------------------- reference links


@pytest.mark.parametrize(
    "body",
    [
        "[@a][ref]\n\n[ref]: http://example.org",
        "[@a] [ref]\n\n[ref]: http://example.org",  # one space between, as Python-Markdown allows
        "[@a][REF]\n\n[ref]: http://example.org",  # ids are case-insensitive
        "[@a][]\n\n[@a]: http://example.org",
        "[@a]\n\n[@a]: http://example.org",
        "[@a][undefined]\n\n[@a]: http://example.org",  # the short form is tried again
        "[@a;\n@b]\n\n[@a; @b]: http://example.org",
    ],
)
def test_reference_link_is_a_link_not_a_citation(body):
    assert cites(body) == []


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[@a][ref]", [[("a", "")]]),  # ref undefined: Python-Markdown leaves it as text
        ("[@a][]", [[("a", "")]]),
        ("[@a][@b]", [[("a", "")], [("b", "")]]),
        ("[@a][ref]\n\n[other]: http://example.org", [[("a", "")]]),
    ],
)
def test_undefined_reference_leaves_a_citation(body, expected):
    assert cites(body) == expected


# ----------------------------------------------------------------------------- raw HTML and keys


def test_angle_brackets_in_a_key_are_not_raw_html():
    scan = scan_body("[@a<b>c] and [@{x<i>y}]", 1)
    assert [[i.key for i in g.items] for g in scan.citations] == [["a<b>c"], ["x<i>y"]]
    assert scan.html == []


def test_raw_html_in_a_locator_is_still_reported():
    scan = scan_body("[@a, <b>p. 3</b>]", 1)
    assert [h.snippet for h in scan.html] == ["<b>", "</b>"]


# ----------------------------------------------------------------------------- linear time


class _CountingSearch:
    """Stands in for the group parser's pattern and counts the characters its
    searches read."""

    def __init__(self, pattern):
        self.pattern, self.read = pattern, 0

    def search(self, text, pos, endpos):
        m = self.pattern.search(text, pos, endpos)
        self.read += (m.start() if m else endpos) - pos + 1
        return m


@pytest.mark.parametrize(
    "body",
    [
        "@{" * 20_000,
        "[@{" * 20_000,
        "[@{a" + "{" * 20_000,
        "[x [y] " * 10_000,
        "[@a [b] " * 10_000,
        "[@a\\" * 20_000,
        "[@a][" * 20_000,
        "[see " * 20_000 + "@a]",
        "[a [b] c [d] " * 10_000 + "@a",
    ],
    ids=["braces", "bracketed braces", "open brace run", "nested labels", "nested locators", "escapes",
         "reference tails", "open prefixes", "nested groups"],
)
def test_citation_parsing_reads_each_character_a_bounded_number_of_times(body, monkeypatch):
    counting = _CountingSearch(citations_module._CITE_SPECIAL)
    monkeypatch.setattr(citations_module, "_CITE_SPECIAL", counting)
    scan_body(body, 1)
    assert counting.read <= 4 * len(body)


# ----------------------------------------------------------------------------- against a reference grammar


def _regchar(c: str) -> bool:
    return c.isalnum() or c == "_"


def reference_key(text: str) -> str | None:
    """pandoc's citeKey after the "@", written out character by character
    (Text.Pandoc.Parsing.simpleCiteIdentifier and charsInBalanced); None
    when ``text`` starts no key."""
    if text.startswith("{"):
        depth = 0
        for i, c in enumerate(text):
            if c.isspace():
                return None
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return text[1:i] or None
        return None
    if not text or not _regchar(text[0]):
        return None
    i = 1
    while i < len(text):
        c, nxt = text[i], text[i + 1 : i + 2]
        if _regchar(c) or (c in ":.#$%&-+?<>~/" and nxt and _regchar(nxt)) or (c in ":/" and nxt == "/"):
            i += 1
        else:
            break
    return text[:i]


_TAIL = st.text(alphabet="ab9_é:.#$%&-+?<>~/{}", max_size=12)
_ITEM = st.tuples(st.sampled_from(["", "see ", "-", "cf. [x] "]), _TAIL,
                  st.sampled_from(["", ", p. 3", " [fig. 2]", ", pp. 3-5 and *passim*"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_ITEM, min_size=1, max_size=4))
def test_scanner_keys_equal_the_reference_grammar(items):
    body = "[" + "; ".join(prefix + "@" + tail + suffix for prefix, tail, suffix in items) + "]"
    expected = [reference_key(tail + suffix) for _, tail, suffix in items]
    if None in expected:
        assert keys(body) == [], body
    else:
        assert keys(body) == [expected], body


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="ab9_é:.#$%&-+?<>~/;[]", min_size=1, max_size=12).filter(lambda k: _regchar(k[0])))
def test_cite_syntax_round_trips(key):
    # Not at the start of a line: "[@{9]:}]" there is a reference definition.
    assert keys("See " + scan_module.cite_syntax(key)) == [[key]]


# ----------------------------------------------------------------------------- text that looks like a citation


def malformed(body: str):
    return [(m.text, m.problem, m.pos.column) for m in scan_body(body, 1).malformed_citations]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x [@a and @b]", [("[@a and @b]", scan_module.TWO_KEYS, 3)]),
        ("[@a; b]", [("[@a; b]", scan_module.NO_KEY, 1)]),
        ("[@a;]", [("[@a;]", scan_module.NO_KEY, 1)]),
        ("[see; @a]", [("[see; @a]", scan_module.NO_KEY, 1)]),
        ("[@a, p. 3 [see @b]]", [("[@a, p. 3 [see @b]]", scan_module.NESTED_KEY, 1)]),
        ("[@a, p. 3\n\nnext", [("[@a, p. 3", scan_module.UNCLOSED, 1)]),
        ("[@a, p. 3 [fig\n\nnext", [("[@a, p. 3 [fig", scan_module.UNCLOSED, 1)]),
        ("[@a; @b and @c]", [("[@a; @b and @c]", scan_module.TWO_KEYS, 1)]),
    ],
)
def test_bracketed_key_that_is_no_citation_is_reported(body, expected):
    assert malformed(body) == expected
    assert not any(g.start == 0 and body.startswith("[@a") for g in scan_body(body, 1).citations)


@pytest.mark.parametrize(
    "body",
    [
        "[@a]", "[mail me at x@y.org]", "[\\@a and \\@b]", "[@a and @b](u.md)", "[see [@a]](u.md)", "[see [@a]]",
        "[@a and @b][ref]\n\n[ref]: http://example.org", "`[@a and @b]`", "[@a [b [c]]]", "[ @ a]",
        "[@a]: http://example.org",
    ],
)
def test_text_that_is_no_citation_group_is_not_reported(body):
    assert malformed(body) == []

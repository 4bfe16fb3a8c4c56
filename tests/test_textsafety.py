"""ossref.text.textsafety: which characters are invisible, and name comparison."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ossref.text.textsafety import INVISIBLE, UNSAFE_TEXT, invisible_chars, is_invisible, name_key, skeleton

HANGUL_FILLERS = {0x115F, 0x1160, 0x3164, 0xFFA0}


def test_invisible_table_matches_the_unicode_database() -> None:
    expected = {
        cp for cp in range(sys.maxunicode + 1)
        if (unicodedata.category(chr(cp)) == "Cc" and chr(cp) not in "\t\n\r")
        or unicodedata.category(chr(cp)) == "Cf" or cp in HANGUL_FILLERS
    }
    found = {cp for cp in range(sys.maxunicode + 1) if is_invisible(chr(cp))}
    assert found == expected


@pytest.mark.parametrize("char", [
    "\u0080", "\u0085", "\u009b", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u200e", "\u200f", "\u061c", "\U000e0041", "\U000e007f", "\u3164", "\u115f", "\u1160", "\uffa0",
    "\u202e", "\u2066", "\x00", "\x1b", "\x7f",
])
def test_each_named_invisible_character_is_found_at_its_offset(char: str) -> None:
    assert invisible_chars(f"ab{char}cd{char}") == [(2, char), (5, char)]


@pytest.mark.parametrize("char", ["\t", "\n", "\r", " ", "\u00a0", "é", "о", "\u2028"])
def test_visible_text_and_line_ends_pass(char: str) -> None:
    assert invisible_chars(f"a{char}b") == []


def test_name_key_ignores_case_form_width_and_ignorables() -> None:
    plain = name_key("Myositis ossificans")
    assert plain == "myositis ossificans"
    for variant in ("Myositis\u200b ossificans", "\u200fMyositis ossificans", "MYOSITIS  OSSIFICANS",
                    "Myo\u00adsitis ossificans", "Ｍyositis ossificans", "Myositis\u2060 ossi\ufe0fficans",
                    "Myositis ossificans\U000e0041", "Myositis\u3164 ossificans".replace("\u3164", "")):
        assert name_key(variant) == plain, variant


def test_name_key_keeps_other_scripts_apart_and_skeleton_joins_look_alikes() -> None:
    latin, cyrillic = "Myositis ossificans", "Myositis \u043essificans"  # Cyrillic о
    greek = "Myositis \u03bfssificans"  # Greek omicron
    assert name_key(latin) != name_key(cyrillic) != name_key(greek)
    assert skeleton(latin) == skeleton(cyrillic) == skeleton(greek) == "myositis ossificans"
    assert skeleton("\u0421\u0422") == skeleton("ct")  # Cyrillic capitals С, Т
    assert skeleton("Fibrous dysplasia") != skeleton("Fibrous dysplasla")


# ---------------------------------------------------------------- the screen before the regular expression

_INTERESTING = st.sampled_from(
    ["\t", "\n", "\r", " ", "a", "~", "\x00", "\x1b", "\x7f", "\x85", "\u00ad", "é", "\u200b", "\u202e",
     "\u2066", "\u3164", "\ufeff", "\U000e0041", "\U0001f600", "\ud800", "\u2028", "о"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_INTERESTING, st.characters()), max_size=40), st.integers(0, 700))
def test_screened_patterns_give_what_the_plain_regular_expressions_give(chars: list[str], pad: int) -> None:
    # Padded past the length from which the screen is used, at both ends.
    text = "x" * pad + "".join(chars) + "y" * (pad // 2)
    for screened in (INVISIBLE, UNSAFE_TEXT):
        plain = re.compile(screened.pattern)
        assert [m.span() for m in screened.finditer(text)] == [m.span() for m in plain.finditer(text)]
        found, expected = screened.search(text), plain.search(text)
        assert (found and found.span()) == (expected and expected.span())
        assert screened.sub("?", text) == plain.sub("?", text)
        assert screened.absent(text) == (expected is None)


def test_screen_clears_a_long_plain_page_and_finds_one_character_in_it() -> None:
    page = "# Title\n\nSome *plain* text, with [links](x.md) and `code`.\r\n\t- a list\n" * 200
    assert INVISIBLE.absent(page) and UNSAFE_TEXT.absent(page)
    assert list(INVISIBLE.finditer(page)) == []
    hidden = page[:5000] + "\u200b" + page[5000:]
    assert [m.start() for m in INVISIBLE.finditer(hidden)] == [5000]
    assert not INVISIBLE.absent(hidden) and UNSAFE_TEXT.absent(hidden)
    control = page + "\x1b"
    assert [m.start() for m in UNSAFE_TEXT.finditer(control)] == [len(page)]

"""ossref.text.textsafety: which characters are invisible, and name comparison."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from ossref.text.textsafety import invisible_chars, is_invisible, name_key, skeleton

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

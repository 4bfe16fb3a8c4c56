"""Which characters are invisible, and when two names are the same name.

Pure functions on strings, shared by every reader of untrusted text (front
matter, page bodies, BibTeX) so that all of them refuse the same characters
and compare names the same way. Imports nothing from ossref.

* :func:`invisible_chars` finds characters that display as nothing (or change
  how their neighbours display) and so let text read differently from what
  it is: every control character (Unicode category Cc) except tab and the
  line ends ``\\n`` and ``\\r``, every format character (Cf: zero-width
  space, joiners, word joiner, soft hyphen, LRM/RLM/ALM, bidirectional
  overrides and isolates, a BOM inside text, tag characters, ...) and the
  Hangul fillers, which are letters that draw as blank space.
* :func:`name_key` is what names are compared by: NFKC, case folding, and no
  default-ignorable code points, white space collapsed. Two names with the
  same key are the same name.
* :func:`skeleton` goes one step further for names that only look alike:
  letters of Cyrillic and Greek that are drawn like Latin ones are mapped to
  those. This is a small built-in subset of the confusables of Unicode TR39
  (the common Latin/Cyrillic/Greek look-alikes), not the full table: it
  catches ``Myositis`` written with a Cyrillic ``о``, not every possible
  homoglyph.
"""

from __future__ import annotations

import re
import sys
import unicodedata

__all__ = ["INVISIBLE", "UNSAFE_TEXT", "invisible_chars", "is_invisible", "name_key", "skeleton"]

# The table is written out rather than built from ``unicodedata`` at import
# (a walk over 1.1 million code points costs ~0.3 s per run); a test compares
# it with the running Python's Unicode database (14.0 when written), so a
# newer Unicode with new format characters makes it fail rather than drift.
_INVISIBLE_RANGES = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # Cc, except tab, \n and \r
    "\u00ad"  # soft hyphen
    "\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"  # Arabic format marks, ALM
    "\u115f\u1160"  # Hangul choseong / jungseong fillers
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space, ZWNJ, ZWJ, LRM, RLM
    "\u202a-\u202e"  # bidirectional embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, isolates, deprecated formats
    "\u3164"  # Hangul filler
    "\ufeff"  # BOM / zero-width no-break space (a leading one is removed when the file is read)
    "\uffa0"  # halfwidth Hangul filler
    "\ufff9-\ufffb"  # interlinear annotation
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"  # language tag and tag characters
)

#: The bytes of plain text: printable ASCII, tab and the two line ends.
#: Neither :data:`INVISIBLE` nor :data:`UNSAFE_TEXT` matches any of them.
_PLAIN_BYTES = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
#: Below this length a string is searched directly: screening costs more.
_SCREEN_FROM = 512


class Screened:
    """A compiled character class that matches no plain-text character
    (:data:`_PLAIN_BYTES`), with the methods of :class:`re.Pattern` that
    ossref uses. A search of a whole long string first drops its plain bytes
    in C (``bytes.translate``, ~1 ns a character where the class costs ~20):
    a page with none of the characters (nearly all) is cleared without the
    regular expression; one with any is searched by it as before, so every
    result is the pattern's own."""

    __slots__ = ("regex", "pattern", "flags")

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.pattern, self.flags = self.regex.pattern, self.regex.flags

    def absent(self, text: str) -> bool:
        """True when the class matches nowhere in ``text``."""
        if text.isascii():  # a flag of the string: no scan
            return not text.encode("ascii").translate(None, _PLAIN_BYTES)
        # UTF-8 never puts an ASCII byte inside a longer sequence, so what is
        # left is the text's other characters, whole, in order.
        rest = text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_BYTES)
        return self.regex.search(rest.decode("utf-8", "surrogatepass")) is None

    def _whole(self, text: str, pos: int, endpos: int) -> bool:
        return pos <= 0 and endpos >= len(text) and len(text) >= _SCREEN_FROM

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        if self._whole(text, pos, endpos) and self.absent(text):
            return iter(())
        return self.regex.finditer(text, pos, endpos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        if self._whole(text, pos, endpos) and self.absent(text):
            return None
        return self.regex.search(text, pos, endpos)

    def sub(self, repl, text: str, count: int = 0) -> str:
        if len(text) >= _SCREEN_FROM and self.absent(text):
            return text
        return self.regex.sub(repl, text, count)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.regex.match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.regex.fullmatch(text, pos, endpos)

    def __repr__(self) -> str:
        return f"Screened({self.pattern!r})"


#: The older, narrower set the loader reports first in every file: control
#: characters (other than tab and line ends) and the bidirectional overrides
#: and isolates that can make text read differently from what it is.
UNSAFE_TEXT = Screened("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

#: Matches one invisible character (see the module docstring).
INVISIBLE = Screened(f"[{_INVISIBLE_RANGES}]")

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt):
# code points that render as nothing when a font lacks them. Dropped from
# names before comparing, together with every invisible character above.
_IGNORABLE = re.compile(
    f"[{_INVISIBLE_RANGES}"
    "\u034f\u17b4\u17b5\u180b-\u180f\ufe00-\ufe0f\ufff0-\ufff8"
    "\U000e0000-\U000e0fff]"
)


def invisible_chars(text: str) -> list[tuple[int, str]]:
    """``(offset, character)`` of every invisible character in ``text``, in
    order; offsets are indexes into ``text``. Linear in ``len(text)``."""
    return [(m.start(), m.group()) for m in INVISIBLE.finditer(text)]


def is_invisible(char: str) -> bool:
    """True for one character that :func:`invisible_chars` would report."""
    return INVISIBLE.fullmatch(char) is not None


def name_key(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, default-ignorable
    and invisible code points removed, runs of white space made one space,
    ends stripped. ``name_key("Myositis\\u200b  Ossificans") ==
    name_key("myositis ossificans")``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Case folding can leave text that is not NFKC any more (e.g. "ǰ"), and
    # removing an ignorable can bring a base letter next to its combining mark.
    folded = unicodedata.normalize("NFKC", _IGNORABLE.sub("", folded))
    return " ".join(folded.split())


#: Cyrillic and Greek letters (case-folded) that are drawn like a Latin
#: letter, mostly in their capital form, mapped to that letter; plus a few
#: Latin letters that look like another one. A subset of TR39's confusables.
_CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "ү": "y",
    "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "ʏ": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x", "ϲ": "c", "ϳ": "j",
    # Latin look-alikes
    "ı": "i", "ɑ": "a", "ɩ": "i",
})


def skeleton(text: str) -> str:
    """``name_key(text)`` with look-alike Cyrillic and Greek letters replaced
    by the Latin letters they are drawn like. Two names with different keys
    but the same skeleton look the same to a reader."""
    return name_key(text).translate(_CONFUSABLES)

"""BibTeX name lists as NLM/Vancouver authors: "Last FM, Last FM, et al.".

Splits a BibTeX ``author``/``editor`` value at " and " (outside braces), each
name into von/last/jr/first parts as BibTeX does, and writes "Last FM Jr"
with initials. Pure; never raises on a string.
"""

from __future__ import annotations

import functools
import re

from ossref.site.latex import decode_latex

__all__ = ["MAX_AUTHORS", "format_authors"]

#: NLM lists the first six authors, then "et al.".
MAX_AUTHORS = 6


def _split_depth0(value: str, sep: str) -> list[str]:
    """Split at ``sep`` characters outside braces (``sep=" "``: any ASCII
    whitespace). Unbalanced braces never make the depth negative."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in " \t\r\n\f\v" if sep == " " else ch == sep):
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    if sep == " ":
        return [p for p in parts if p]
    return [p.strip() for p in parts]


_SUFFIXES = {
    "jr": "Jr", "jr.": "Jr", "sr": "Sr", "sr.": "Sr",
    "ii": "2nd", "iii": "3rd", "iv": "4th",
    "2nd": "2nd", "3rd": "3rd", "4th": "4th",
}


def _suffix(word: str) -> str:
    """NLM form of a generational suffix ("Jr", "2nd"), or ""."""
    return _SUFFIXES.get(decode_latex(word).lower(), "")


def _is_von(word: str) -> bool:
    # BibTeX: a word is lower-case if its first letter at brace depth 0 is;
    # a word starting with a plain brace group ("{de la}") has no case and is
    # not a particle, but "{\'e}..." is a special character and counts.
    if word.startswith("{") and not word.startswith("{\\"):
        return False
    for ch in decode_latex(word):
        if ch.isalpha():
            return ch.islower()
    return False


_HYPHENS = re.compile(r"[-\u2010\u2011\u2013\u2014]+")


def _initials(first: str) -> str:
    out = []
    for word in _split_depth0(first, " "):
        # .split() also breaks at the NBSP a "~" tie decodes to ("J.~R.").
        # Periods too: "R.B." and "J.R.R." are initials run together.
        for piece in _HYPHENS.sub(" ", decode_latex(word).replace(".", " ")).split():
            for ch in piece:
                if ch.isalpha():
                    out.append(ch.upper())
                    break
    return "".join(out)


def _is_corporate(words: list[str]) -> bool:
    if len(words) != 1:
        return False
    w = words[0]
    if not (w.startswith("{") and w.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(w):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and i != len(w) - 1:
            return False  # "{A}b{C}": several groups, a name, not one braced block
    return True


def _format_name(name: str) -> str:
    """One BibTeX name ("Last, First", "First Last", "von Last, Jr, First")
    as NLM "Last FM Jr"; a single braced group stays as written."""
    words = _split_depth0(name, " ")
    if not words:
        return ""
    if _is_corporate(words):
        return decode_latex(words[0])
    parts = _split_depth0(" ".join(words), ",")
    suffix = ""
    if len(parts) == 1:
        words = _split_depth0(parts[0], " ")
        if len(words) >= 3 and _suffix(words[-1]):
            suffix = _suffix(words.pop())
        # The von part starts at the first lower-case word; the final word is
        # always (part of) the last name, whatever its case.
        split_at = len(words) - 1
        for i, w in enumerate(words[:-1]):
            if _is_von(w):
                split_at = i
                break
        first, last = " ".join(words[:split_at]), " ".join(words[split_at:])
    else:
        last_words = _split_depth0(parts[0], " ")
        if len(parts) == 2:
            first = parts[1]
            # "Weber II, K. A." and "Smith Jr., J.": BibTeX keeps the suffix
            # in the last name, NLM puts it after the initials.
            if len(last_words) >= 2 and _suffix(last_words[-1]):
                suffix = _suffix(last_words.pop())
        else:
            jr, first = parts[1], " ".join(parts[2:])
            # "King, Martin Luther, Jr." is a common mistake for the
            # "Last, Jr, First" form; BibTeX would take "Jr." as the first name.
            if not _suffix(jr) and _suffix(first):
                jr, first = first, jr
            suffix = _suffix(jr) or decode_latex(jr)
        last = " ".join(last_words)
    last = decode_latex(last)
    if not last:  # ", Smith": nothing before the comma
        return decode_latex(first)
    initials = _initials(first)
    return " ".join(x for x in (last, initials, suffix) if x)


def _names(field: str) -> tuple[list[str], bool]:
    """The formatted names in ``field`` and whether "others" was among them."""
    names: list[str] = []
    others = False
    current: list[str] = []
    for word in _split_depth0(field, " ") + ["and"]:
        if word.lower() != "and":
            current.append(word)
            continue
        if current:
            raw = " ".join(current)
            if raw.lower() == "others":
                others = True
            else:
                formatted = _format_name(raw)
                if formatted:
                    names.append(formatted)
        current = []
    return names, others


def format_authors(author_field: str) -> str:
    """Return a BibTeX name list as NLM authors, without a final period.

    Names are separated by `` and `` at brace depth 0; each becomes
    "Last FM" (initials without periods, "Jean-Paul" -> "JP", particles kept
    in the last name: "van der Meer J"; "Jr"/"II" -> "Jr"/"2nd" after the
    initials). A name that is one braced group (``{World Health
    Organization}``) stays as written. More than six names: the first six,
    then "et al."; ``others`` also gives "et al.". Never raises.
    """
    if not isinstance(author_field, str):
        author_field = "" if author_field is None else str(author_field)
    return _format_authors_cached(author_field)


@functools.lru_cache(maxsize=65536)  # as ossref.site.vancouver._format_cached
def _format_authors_cached(author_field: str) -> str:
    names, others = _names(author_field)
    return _join_names(names, others)


def _join_names(names: list[str], others: bool) -> str:
    if len(names) > MAX_AUTHORS:
        names, others = names[:MAX_AUTHORS], True
    if others:
        names = names + ["et al."]
    return ", ".join(names)

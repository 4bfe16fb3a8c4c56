"""BibTeX/LaTeX field values to plain one-line Unicode, for the reference formatter.

:func:`decode_latex` gives plain text; :func:`decode_rich` keeps superscripts
and subscripts between private-use marks, which :func:`rich_html` turns into
``<sup>``/``<sub>`` after escaping everything else. All pure; none raises.
Values with nothing to decode skip pylatexenc, and so do the commonest ones a
reference manager writes, with only protective braces, dashes and ties
(:func:`_simple_latex`), since pylatexenc costs a millisecond or more a call.
"""

from __future__ import annotations

import functools
import html as _html
import logging
import re
import unicodedata

__all__ = ["END_SUB", "END_SUP", "SUB", "SUP", "decode_latex", "decode_rich", "rich_html"]

_LATEX_TRIGGERS = ("\\", "{", "~", "--", "$")

# Superscripts and subscripts ("$^{99m}$Tc", "T$_2$", "\\textsuperscript{2}")
# are carried through decoding as these private-use characters around their
# text: plain text drops them ("99mTc"), HTML makes them <sup>/<sub>. Input
# never keeps its own copies of them, so a field cannot forge markup.
SUP, END_SUP, SUB, END_SUB = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = {ord(c): None for c in (SUP, END_SUP, SUB, END_SUB)}
_MARK_HTML = {SUP: "<sup>", END_SUP: "</sup>", SUB: "<sub>", END_SUB: "</sub>"}
_MATH = re.compile(r"(?<!\\)\$([^$]*)(?<!\\)\$")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\\[A-Za-z]+|[^\s{}\\]))")
_TEXT_SCRIPT = re.compile(r"\\text(super|sub)script\s*\{([^{}]*)\}")

# Every control character and Unicode line/paragraph separator becomes a
# space, so that ``text`` is always one line whatever a field holds. NBSP
# (from "~") is deliberately not in here: it is the point of "~".
_ONE_LINE = {c: " " for c in range(0x20) if c != 0x20}
_ONE_LINE.update({0x7F: " ", 0x85: " ", 0x2028: " ", 0x2029: " "})
_SPACES = re.compile(r" {2,}")

# A bare "%" is a comment and a bare "&" an alignment tab to LaTeX, so
# pylatexenc would drop the rest of "{50% of cases}" and turn "{Bone & Joint}"
# into spaces. In a bibliography both are meant literally (BibTeX passes them
# through unchanged), so escape them first. An even run of backslashes before
# them is a line break ("\\"), not an escape.
_BARE_SPECIAL = re.compile(r"(?<!\\)((?:\\\\)*)([%&])")


def _one_line(value: str) -> str:
    return _SPACES.sub(" ", value.translate(_ONE_LINE)).strip(" ")


def decode_latex(value: str) -> str:
    """Return ``value`` (BibTeX/LaTeX) as plain Unicode on one line.

    Superscripts and subscripts (``$^{99m}$Tc``, ``T$_2$``) become plain
    text ("99mTc", "T2"); ``\\TeX`` gives "TeX", ``\\textless`` "<".

    Strips protective braces, decodes accents and special characters
    (``{\\"u}`` -> "ü", ``\\c{c}`` -> "ç", ``\\ss`` -> "ß", ``--`` -> "–",
    ``---`` -> "—", ``~`` -> NBSP, ``\\&`` -> "&", ``\\%`` -> "%"), collapses
    runs of whitespace (BibTeX gives them no meaning) and normalises to NFC.
    Values without ``\\``, ``{``, ``~`` or ``--`` are returned with only the
    whitespace normalised, since there is nothing to decode. Never raises:
    input pylatexenc cannot parse falls back to stripping braces and
    backslashes.
    """
    return decode_rich(value).translate(_MARKS)


def decode_rich(value: str) -> str:
    """:func:`decode_latex`, but superscripts and subscripts are kept between
    :data:`SUP`/:data:`END_SUP` and :data:`SUB`/:data:`END_SUB` characters
    (see :func:`rich_html`). Never raises."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value.translate(_MARKS)
    if not any(t in value for t in _LATEX_TRIGGERS):
        return _one_line(value)
    simple = _simple_latex(value)
    if simple is not None:
        return simple
    return _decode_cached(value)


# What pylatexenc reads in a value without any of :data:`_NOT_SIMPLE`: only
# brace groups (which it drops), "---"/"--" (em and en dash) and "~" (NBSP),
# everything else literally. Reference managers write mostly such values
# ("{{MRI}} of the {Achilles} tendon", "12--18"); each is unique, so the
# cache rarely helps them, and pylatexenc takes 1-20 ms each.
_NOT_SIMPLE = frozenset("\\$%&#^_`'\"!?<>@")
_DASHES = re.compile(r"---?")


def _simple_latex(value: str) -> str | None:
    """:func:`_decode_cached` of ``value`` when it holds nothing but text,
    balanced braces, dashes and ties; None when it needs pylatexenc.
    ``tests/test_vancouver.py`` compares the two on generated values."""
    if not _NOT_SIMPLE.isdisjoint(value):
        return None
    depth = 0
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return None
    if depth:
        return None
    out = _DASHES.sub(lambda m: "\u2014" if len(m.group()) == 3 else "\u2013", value)
    out = out.replace("~", "\xa0").replace("{", "").replace("}", "")
    return _one_line(unicodedata.normalize("NFC", out))


def rich_html(value: str) -> str:
    """HTML-escape ``value`` (from :func:`decode_rich`) and turn its marks
    into ``<sup>``/``<sub>`` elements; marks that do not pair up are dropped."""
    out: list[str] = []
    open_tag = ""
    for part in re.split(f"([{SUP}{END_SUP}{SUB}{END_SUB}])", value):
        if part in (SUP, SUB):
            if not open_tag:
                open_tag = part
                out.append(_MARK_HTML[part])
        elif part in (END_SUP, END_SUB):
            if open_tag and _MARK_HTML[part] == "</" + _MARK_HTML[open_tag][1:]:
                out.append(_MARK_HTML[part])
                open_tag = ""
        elif part:
            out.append(_html.escape(part, quote=True))
    if open_tag:
        out.append("</" + _MARK_HTML[open_tag][1:])
    return "".join(out)


def _script(match: re.Match) -> str:
    inner = match.group(2) if match.group(2) is not None else match.group(3)
    return (SUP + inner + END_SUP) if match.group(1) == "^" else (SUB + inner + END_SUB)


def _mark_scripts(value: str) -> str:
    """Mark ``^``/``_`` in math and ``\\textsuperscript``/``\\textsubscript``
    before pylatexenc, which would print "^99m" and "_2" literally."""
    value = _TEXT_SCRIPT.sub(
        lambda m: (SUP + m.group(2) + END_SUP) if m.group(1) == "super" else (SUB + m.group(2) + END_SUB), value)
    return _MATH.sub(lambda m: "$" + _SCRIPT.sub(_script, m.group(1)) + "$", value)


@functools.lru_cache(maxsize=16384)
def _decode_cached(value: str) -> str:
    # pylatexenc costs ~0.3-2 ms a call and the same author and journal
    # strings recur across records: hence the cache.
    marked = _mark_scripts(value)
    try:
        out = _converter().latex_to_text(_BARE_SPECIAL.sub(r"\1\\\2", marked))
    except Exception:  # noqa: BLE001 - IndexError, RecursionError... on malformed input
        out = _strip_latex(marked)
    return _one_line(unicodedata.normalize("NFC", out))


@functools.lru_cache(maxsize=1)
def _converter():
    # Imported lazily: only cited records with LaTeX in them need it.
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    # pylatexenc logs a WARNING for some malformed input ("macro '\\url'
    # failed its substitution"), which with no logging configured lands on
    # stderr during a build. The text still decodes (or falls back), so these
    # are noise to a wiki author; an explicit level set by the application
    # is left alone.
    lib_logger = logging.getLogger("pylatexenc")
    if lib_logger.level == logging.NOTSET:
        lib_logger.setLevel(logging.ERROR)

    class _NoFiles(LatexNodes2Text):
        # \input{...} in a field must never read the file system. pylatexenc
        # already refuses without an input directory; this keeps it so.
        def read_input_file(self, fn):  # noqa: D401, ARG002
            return ""

    # Macros pylatexenc does not know and would drop, losing a word of a
    # title ("The \TeX book" -> "The book").
    context = get_default_latex_context_db()
    context.add_context_category("ossref", prepend=True, macros=[
        MacroTextSpec(name, simplify_repl=text) for name, text in _EXTRA_MACROS.items()])
    return _NoFiles(latex_context=context)


_EXTRA_MACROS = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "XeTeX": "XeTeX",
    "textless": "<", "textgreater": ">", "textbar": "|", "textbackslash": "\\",
    "textasciitilde": "~", "textasciicircum": "^", "textunderscore": "_",
}


_COMMAND = re.compile(r"\\(?:[A-Za-z]+ ?|[^A-Za-z&%$#_{}])")
_ESCAPED = re.compile(r"\\([&%$#_])")


def _strip_latex(value: str) -> str:
    s = value.replace("---", "\u2014").replace("--", "\u2013").replace("~", "\xa0")
    s = _COMMAND.sub("", s)
    s = _ESCAPED.sub(r"\1", s)
    return s.replace("{", "").replace("}", "").replace("\\", "")

"""The BibTeX loader: ``*.bib`` files in, :class:`~ossref.model.Reference` and
:class:`~ossref.diagnostics.Diagnostic` out. Never raises, whatever the bytes.

bibtexparser (v2) splits the text into blocks; it runs WITHOUT middleware, so
nothing is LaTeX-decoded here (decoding is slow and happens later, only for
cited records). This module then reads each block itself: it expands
``@string`` macros (in file order, as BibTeX does, ``#`` concatenation
included), takes the value between the delimiters, and reports what is wrong.

Every record in a file is either loaded or reported at its line. Positions
are 1-based and come from the block's offset in the text; only a block that
cannot be found in the text falls back on bibtexparser's 0-based
``start_line``, converted in :func:`_line` and nowhere else.

A file yields at most :data:`~ossref.caps.MAX_PER_CODE` diagnostics of
one rule, then one that counts the rest (:func:`~ossref.check.rules.cap_per_code`).

Bounded work: ``@string`` macros can refer to each other, so a kilobyte of
macros that each join the previous one twice would expand to gigabytes. The
characters that macro uses add to a file are counted as each value is read,
before the value is built, and a file may add at most ``max_expansion``
(option ``max_bib_expansion``); the value that would pass it is a
``bib-syntax`` error and is not built.

Line endings are normalised to ``\\n`` (so a lone ``\\r`` ends a line, as
in editors) and a UTF-8 byte-order mark is dropped before parsing, so
neither shifts a position.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_right
from dataclasses import replace
from pathlib import Path

from bibtexparser.model import (
    Block,
    Entry,
    ExplicitComment,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)

from ossref.caps import cap_per_code, findings_at
from ossref.config import Config
from ossref.diagnostics import Diagnostic, Severity, diag
from ossref.load.bibsplit import ONE_GROUP, FastEntry, split_blocks
from ossref.load.files import read_bytes
from ossref.text.identifiers import check_doi, check_isbn, check_pmcid, check_pmid, check_url, normalize_doi, normalize_pmid
from ossref.model import Reference
from ossref.text.textsafety import INVISIBLE

# bibtexparser logs every failed block to stderr; each is reported here as a
# diagnostic instead, and the CLI owns the terminal.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL + 1)

#: BibTeX's and biblatex's entry types (standard, aliases and the non-standard
#: types biblatex styles support). Others load, with a ``bib-entry-type`` warning.
KNOWN_TYPES = frozenset(
    """article book booklet conference inbook incollection inproceedings manual
    mastersthesis misc phdthesis proceedings techreport unpublished
    mvbook bookinbook suppbook collection mvcollection suppcollection dataset
    online patent periodical suppperiodical mvproceedings reference mvreference
    inreference report set software thesis xdata electronic www
    customa customb customc customd custome customf
    artwork audio bibnote commentary image jurisdiction legislation legal letter
    movie music performance review standard video""".split()
)

#: Fields holding an identifier: name -> (label, validator). Their presence
#: makes a record verifiable.
IDENTIFIER_FIELDS = {
    "doi": ("DOI", check_doi),
    "pmid": ("PMID", check_pmid),
    "pmcid": ("PMCID", check_pmcid),
    "isbn": ("ISBN", check_isbn),
    "url": ("URL", check_url),
}

_PUBMED = frozenset({"pubmed", "pmid"})
_POSITIONED = frozenset({*IDENTIFIER_FIELDS, "eprint"})
_MONTHS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())
_FIELD_NAME = re.compile(r"[^\W\d][\w\-:.+]*")
# Names _FIELD_NAME accepts that most records use: checked without it.
_USUAL_FIELDS = frozenset(
    """abstract address annote author booktitle chapter doi edition editor eprint eprinttype file howpublished
    institution isbn issn journal journaltitle keywords langid language month note number organization pages
    pmcid pmid publisher school series title type url urldate volume year date""".split())
_BLOCK_HEAD = re.compile(r"@(\w*)\s*[{(]?\s*([^,\s{}()\"=#%]*)")
# "(?<!\\)" as in bibtexparser's splitter, so both agree on where braces are.
_DELIMS = re.compile(r'(?<!\\)[{}"]')
_WORD = re.compile(r'[^\s#{}",=()]+')
_SWALLOWED = re.compile(r"([^\W\d][\w\-:.+]*)\s*=")
_SPACE = re.compile(r"\s*")
_HAS_SPACE = re.compile(r"\s")
_NON_SPACE = re.compile(r"\S")


#: Default of option ``max_bib_expansion``: characters that ``@string`` macro
#: uses may add to one file, in all.
MAX_EXPANSION = 1_000_000
#: Default of option ``max_bib_blocks``: ``@`` signs (each may start a block)
#: in one file. bibtexparser spends ~20 us and ~1.5 KB on each block, ossref as
#: much again, so a megabyte of ``@a{`` (333,000 blocks) took 11 s and 560 MB.
#: An export of 80,000 records (32 MB) has as many.
MAX_BLOCKS = 100_000
#: Default of option ``max_bib_fields``: ``=`` signs (each may start a field)
#: in one file. A field costs about 500 bytes and 10 us while it is read, three
#: times that when bibtexparser reads it; an export of 80,000 records (32 MB)
#: has 860,000.
MAX_FIELDS = 1_000_000
#: Default of option ``max_bib_bytes``: bytes of one BibTeX file.
MAX_BIB_BYTES = 32_000_000


def load_bib(path: Path, rel: str, data: bytes | None, config: Config) -> tuple[list[Reference], list[Diagnostic]]:
    """:func:`load_bib_bytes` of ``data`` (:func:`load_bib_file` of ``path``
    when None) within the BibTeX limits of ``config``: the one call that
    reads all of them there. Read a ``.bib`` file's bytes for it with
    ``config.max_bib_bytes``, not ``max_file_bytes`` (Markdown's)."""
    if data is None:
        return load_bib_file(path, rel, config.max_bib_bytes, config.max_bib_expansion, config.max_bib_blocks,
                             config.max_bib_fields, size_option="max_bib_bytes")
    return load_bib_bytes(data, rel, config.max_bib_bytes, config.max_bib_expansion, config.max_bib_blocks,
                          config.max_bib_fields, size_option="max_bib_bytes")


def load_bib_file(path: Path, rel: str, max_bytes: int, max_expansion: int = MAX_EXPANSION,
                  max_blocks: int = MAX_BLOCKS, max_fields: int = MAX_FIELDS, *,
                  size_option: str = "max_file_bytes") -> tuple[list[Reference], list[Diagnostic]]:
    """Load one BibTeX file.

    ``rel`` is the project-relative path with forward slashes, used in
    diagnostics and ``Reference.path``. Returns every record that loaded, in
    file order (duplicate keys included: :func:`load_bibliography` reports
    them), and the file's diagnostics, sorted. A file that cannot be read
    (not a regular file, larger than ``max_bytes``) yields no record and one
    ``read-error``. A file with more than ``max_blocks`` ``@`` signs or
    ``max_fields`` ``=`` signs is not parsed either: one ``bib-syntax`` error
    at the first one past the limit. ``size_option`` is the option a
    ``read-error`` for size tells to raise: the one ``max_bytes`` comes from.
    """

    data, problems = read_bytes(path, rel, max_bytes)
    if data is None:
        if size_option != "max_file_bytes":
            problems = [replace(p, hint=p.hint.replace("max_file_bytes", size_option)) for p in problems]
        return [], problems
    return load_bib_bytes(data, rel, max_bytes, max_expansion, max_blocks, max_fields, size_option=size_option)


def load_bib_bytes(data: bytes, rel: str, max_bytes: int, max_expansion: int = MAX_EXPANSION,
                   max_blocks: int = MAX_BLOCKS, max_fields: int = MAX_FIELDS, *,
                   size_option: str = "max_file_bytes") -> tuple[list[Reference], list[Diagnostic]]:
    """:func:`load_bib_file` of a file's ``data``, already read: the result
    belongs to exactly these bytes, whatever the file holds by now."""
    text, problem = _decode(data, rel, max_bytes, size_option)
    if problem is not None:
        return [], [problem]
    problem = _too_many(text, rel, "@", max_blocks, "can start a BibTeX block", "max_bib_blocks")
    if problem is None:
        problem = _too_many(text, rel, "=", max_fields, "can start a field", "max_bib_fields")
    if problem is not None:
        return [], [problem]
    try:
        refs, diags = _FileReader(text, rel, max_expansion).read()
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"; this is the last resort
        return [], [
            diag(rel, 1, 1, "bib-syntax", f"could not read this BibTeX file (internal error: {exc!r})",
                 "please report this as an ossref bug, with the file")
        ]
    # _unsafe_text caps its own findings (it counts the rest without building them).
    return refs, sorted(cap_per_code(diags) + _unsafe_text(text, rel))


def load_bibliography(
    files: list[tuple[Path, str]], max_bytes: int
) -> tuple[dict[str, Reference], list[Diagnostic]]:
    """Load every ``(path, rel)`` in order and check them together
    (see :func:`merge_bibliography`)."""
    return merge_bibliography([load_bib_file(path, rel, max_bytes) for path, rel in files])


def merge_bibliography(
    loaded: list[tuple[list[Reference], list[Diagnostic]]]
) -> tuple[dict[str, Reference], list[Diagnostic]]:
    """The cross-file half of loading, over per-file results in file order.

    Returns the references by key (the first definition of a key wins) and all
    diagnostics, sorted, at most :data:`~ossref.caps.MAX_PER_CODE` of one
    rule per file. Across all files it reports ``duplicate-citation-key``
    at a later definition of a key, or of a key differing from an earlier one
    only in case (that one is still returned under its own key: pandoc tells
    them apart, BibTeX does not), and ``duplicate-reference`` at a later record
    whose DOI (normalised) or PMID equals an earlier one's.
    """
    refs: dict[str, Reference] = {}
    by_folded: dict[str, Reference] = {}
    diags: list[Diagnostic] = []
    for records, found in loaded:
        diags.extend(found)
        for ref in records:
            folded = ref.key.casefold()
            if ref.key in refs:
                first = refs[ref.key]
                diags.append(diag(ref.path, ref.line, ref.column, "duplicate-citation-key",
                                  f"citation key `{ref.key}` is already defined at {_where(first)}",
                                  "rename or delete one of the two entries (the first one is used)"))
            elif folded in by_folded:
                first = by_folded[folded]
                diags.append(diag(ref.path, ref.line, ref.column, "duplicate-citation-key",
                                  f"citation key `{ref.key}` differs only in case from `{first.key}`"
                                  f" at {_where(first)}",
                                  "BibTeX and LaTeX confuse such keys: rename one of them"))
                refs[ref.key] = ref
            else:
                by_folded[folded] = ref
                refs[ref.key] = ref
    diags.extend(_duplicate_works(refs))
    return refs, cap_per_code(sorted(diags))


def _unsafe_text(text: str, rel: str) -> list[Diagnostic]:
    """``unsafe-text`` at every invisible character
    (:data:`ossref.text.textsafety.INVISIBLE`: controls, format characters
    such as zero-width spaces and bidirectional overrides, Hangul fillers),
    in ``text`` as normalised by :func:`_decode`, so positions agree with the
    other findings. A record holding one still loads: the error stops the
    build, and the record is not lost meanwhile.

    Past :data:`~ossref.caps.MAX_PER_CODE` the rest are only counted, into
    one more diagnostic (a megabyte of them would otherwise be a third of a
    million diagnostics before the cap dropped them)."""
    def message(char: str) -> str:
        name = unicodedata.name(char, "")
        return f"invisible character U+{ord(char):04X}{f' ({name})' if name else ''} in a BibTeX file"

    return findings_at(rel, "unsafe-text", text, INVISIBLE, message,
                       "delete it; it can make text display differently from what it is")


def _duplicate_works(refs: dict[str, Reference]) -> list[Diagnostic]:
    """``duplicate-reference`` for records sharing a valid DOI or PMID."""
    out: list[Diagnostic] = []
    seen: dict[tuple[str, str], Reference] = {}
    for ref in refs.values():
        reported = False
        pmid = ref.fields.get(pmid_field(ref.fields) or "pmid", "")
        for label, value, check, normalize in (("DOI", ref.fields.get("doi", ""), check_doi, normalize_doi),
                                               ("PMID", pmid, check_pmid, normalize_pmid)):
            if not value or check(value) is not None:
                continue
            first = seen.setdefault((label, normalize(value)), ref)
            if first is not ref and not reported:
                reported = True
                out.append(diag(ref.path, ref.line, ref.column, "duplicate-reference",
                                f"`{ref.key}` has the same {label} as `{first.key}` ({_where(first)})",
                                f"cite `{first.key}` and delete `{ref.key}`, or correct the {label}"))
    return out


def pmid_field(fields: dict[str, str]) -> str | None:
    """The name of the field holding the record's PMID: ``pmid``, or biblatex's
    ``eprint`` with ``eprinttype = {pubmed}``; None when there is none."""
    if "pmid" in fields:
        return "pmid"
    if "eprint" in fields and fields.get("eprinttype", fields.get("archiveprefix", "")).strip().lower() in _PUBMED:
        return "eprint"
    return None


def _where(ref: Reference) -> str:
    return f"{ref.path}:{ref.line}"


def _decode(data: bytes, rel: str, max_bytes: int, size_option: str) -> tuple[str, Diagnostic | None]:
    """The file's text (BOM dropped, newlines normalised), or a ``read-error``."""
    if len(data) > max_bytes:
        return "", _too_large(rel, len(data), max_bytes, size_option)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = _normalise(data[: exc.start].decode("utf-8"))
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return "", diag(rel, line, column, "read-error",
                        f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column {column}"
                        " is not valid UTF-8",
                        "save the file as UTF-8 (in most editors: Save with Encoding > UTF-8)")
    return _normalise(text), None


def _normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _too_many(text: str, rel: str, sign: str, limit: int, what: str, option: str) -> Diagnostic | None:
    """A ``bib-syntax`` error at the ``sign`` past ``limit``, or None.
    Counted before parsing: the parser's work grows with the blocks (``@``)
    and fields (``=``)."""
    if text.count(sign) <= limit:
        return None
    at = -1
    for _ in range(limit + 1):
        at = text.find(sign, at + 1)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return diag(rel, line, column, "bib-syntax",
                f"more than {limit:,} `{sign}` signs (each {what}) in one file; it was not parsed",
                f"split it into several .bib files, or raise `{option}` under extra.ossref in mkdocs.yml")


def _too_large(rel: str, size: int, max_bytes: int, size_option: str) -> Diagnostic:
    return diag(rel, 1, 1, "read-error", f"file too large: {size} bytes, the limit is {max_bytes}",
                f"split it into several .bib files, or raise `{size_option}` under extra.ossref in mkdocs.yml")


def _line(block: Block) -> int:
    """The 1-based line of a block: THE conversion from bibtexparser's 0-based ``start_line``."""
    return (block.start_line or 0) + 1


class _FileReader:
    """Reads the blocks of one file's text, in order, into references and diagnostics."""

    def __init__(self, text: str, rel: str, max_expansion: int = MAX_EXPANSION) -> None:
        self.text = text
        self.rel = rel
        self.expansion_left = max_expansion  # characters macro uses may still add
        self.max_expansion = max_expansion
        self.cursor = 0  # where the next block's raw text is searched from
        self.previous = -1  # offset of the previous block found
        self._starts: list[int] | None = None  # offsets of the lines' starts
        self.macros: dict[str, str] = {}
        self.refs: list[Reference] = []
        self.diags: list[Diagnostic] = []
        self._seen: list[tuple[str, int, int]] = [("", 0, -1)] * 2  # _last_newline's previous (text, at, result)

    def read(self) -> tuple[list[Reference], list[Diagnostic]]:
        after_failure = False
        # Duplicate keys are checked across files in load_bibliography,
        # duplicate fields by _entry: the blocks come unwrapped.
        for block in split_blocks(self.text):
            offset = self._locate(block)
            if isinstance(block, Entry):
                self._entry(block, offset)
            elif isinstance(block, String):
                self._string(block, offset)
            elif isinstance(block, ParsingFailedBlock):
                self._failed(block, offset)
            elif isinstance(block, ImplicitComment):
                # Right after a failed block, this is the rest of that block: already reported.
                if not after_failure:
                    self._stray_text(block, offset)
            elif isinstance(block, (ExplicitComment, Preamble)):
                self._comment_or_preamble(block, offset)
            else:
                self._unusable(block, offset, "a block of a kind ossref cannot read")
            after_failure = isinstance(block, ParsingFailedBlock)
        return self.refs, self.diags

    # ------------------------------------------------------------- positions

    def _locate(self, block: Block) -> int:
        """Offset of the block's first character in the text; -1 if unknown.

        Blocks come in text order, each raw text normally after the previous
        one; but the raw text of a block that failed to parse can end with the
        "@type" of the next, and bibtexparser's line is off after some broken
        blocks (e.g. "@@@"). So: the first match after the previous block, if
        it is on bibtexparser's line; else a match starting on that line;
        else the first match after the previous block's start."""
        raw = block.raw or ""
        if not raw:
            return -1
        text = self.text
        offset = text.find(raw, self.cursor)
        line = block.start_line
        if isinstance(line, int) and line >= 0 and (offset < 0 or self._line_of(offset) != line):
            starts = self._line_starts()
            if line < len(starts):
                lo = max(starts[line], self.previous + 1)
                hi = (starts[line + 1] if line + 1 < len(starts) else len(text)) + len(raw)
                on_line = text.find(raw, lo, hi) if lo < hi else -1
                if on_line >= 0:
                    offset = on_line
        if offset < 0:
            offset = text.find(raw, self.previous + 1)
        if offset >= 0:
            self.previous = offset
            self.cursor = max(self.cursor, offset + len(raw))
        return offset

    def _line_of(self, offset: int) -> int:
        """0-based line of ``offset``."""
        return bisect_right(self._line_starts(), offset) - 1

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._starts

    def _line(self, block: Block, offset: int) -> int:
        """1-based line of the block starting at ``offset``, from the text,
        like its column (bibtexparser's ``start_line`` is off after some
        broken blocks); bibtexparser's only if the block was not found."""
        return self._line_of(offset) + 1 if offset >= 0 else _line(block)

    def _column(self, offset: int) -> int:
        if offset < 0:
            return 1
        return offset - (self._last_newline(self.text, offset, 1) + 1) + 1

    def _add(self, line: int, column: int, code: str, message: str, hint: str = "") -> None:
        self.diags.append(diag(self.rel, line, column, code, message, hint))

    # ---------------------------------------------------------------- blocks

    def _entry(self, entry: Entry, offset: int) -> None:
        line, column = self._line(entry, offset), self._column(offset)
        key, kind = entry.key, entry.entry_type
        if not kind:
            self._unusable(entry, offset, "an entry without a type (`@{...`)")
            return
        if not key or _HAS_SPACE.search(key):
            problem = "has no citation key" if not key else f"has a citation key with whitespace: `{_show(key)}`"
            self._add(line, column, "bib-syntax", f"`@{kind}` entry {problem}",
                      "write the entry as @type{key, field = {value}, ...} with a key of letters, digits and -_:.")
            return
        if kind not in KNOWN_TYPES:
            self._add(line, column, "bib-entry-type", f"unknown entry type `@{kind}` for `{key}`",
                      "use a standard BibTeX/biblatex type such as @article, @book or @misc")
        fields: dict[str, str] = {}
        field_lines: dict[str, int] = {}
        # bibtexparser puts a field on the line of its "="; the name's own
        # position is found by walking the raw text, where each name follows
        # the previous value after only a comma and whitespace. Columns are
        # worked out only for fields that are reported.
        raw = entry.raw or ""
        cursor = raw.find(",") + 1
        counted, fline = 0, line
        positions: dict[str, tuple[int, int]] = {}  # of identifier fields: (line, offset in raw)
        pairs = entry.pairs if isinstance(entry, FastEntry) else [(f.key, f.value) for f in entry.fields]
        for index, (name, value) in enumerate(pairs):  # both str: no middleware ran
            at = raw.find(name, cursor) if cursor > 0 else -1
            if at >= 0:
                fline += raw.count("\n", counted, at)
                counted = at
                start = raw.find(value, at + len(name)) if value else -1
                cursor = start + len(value) if start >= 0 else at + len(name)
                where = (fline, at)
            else:  # not expected; fall back on bibtexparser's line
                where = ((entry.fields[index].start_line or 0) + 1, -1)
            lower = name.lower()
            if lower in fields:
                self._add(where[0], self._field_column(raw, offset, where[1]), "bib-field",
                          f"field `{lower}` is given twice in `{key}`; the first value is used",
                          "delete one of the two")
                continue
            if lower not in _USUAL_FIELDS and _FIELD_NAME.fullmatch(lower) is None:
                self._add(where[0], self._field_column(raw, offset, where[1]), "bib-field",
                          f"`{_show(name)}` in `{key}` is not a field name; it was ignored",
                          "fields are written `name = {value}` and separated by commas")
                continue
            # Most values are one braced group without nested braces.
            if value[:1] == "{" and value[-1:] == "}" and "{" not in (text := value[1:-1]) and "}" not in text:
                pass
            elif (text := _plain_value(value)) is None:
                what = f"field `{lower}` of `{key}`"
                expanded = self._expand(value, what, where[0], self._field_column(raw, offset, where[1]))
                if expanded is None:
                    continue
                text, junk, undefined = expanded
                if junk >= 0 or undefined:
                    self._value_problems(value, junk, undefined, what,
                                         where[0], self._field_column(raw, offset, where[1]))
            fields[lower] = text
            field_lines[lower] = where[0]
            if lower in _POSITIONED:
                positions[lower] = where
        # Identifiers are checked as written: the formatter links them
        # verbatim, so a LaTeX escape such as {\_} would break the link.
        pmid = pmid_field(fields)
        for name, (label, check) in IDENTIFIER_FIELDS.items():
            source = pmid if name == "pmid" and pmid else name
            problem = check(fields[source]) if source in fields else None
            if problem:
                fline, at = positions[source]
                self._add(fline, self._field_column(raw, offset, at), "invalid-identifier",
                          f"invalid {label} `{_show(fields[source])}` in `{key}`: {problem}",
                          _IDENTIFIER_HINTS[label])
        if pmid is None and fields.keys().isdisjoint(IDENTIFIER_FIELDS):
            self._add(line, column, "unverifiable-reference",
                      f"`{key}` has no DOI, PMID, PMCID, ISBN or URL",
                      "add a `doi`, `pmid`, `pmcid`, `isbn` or `url` field so readers can find the work")
        self.refs.append(Reference(key, kind, fields, self.rel, line, column, field_lines))

    def _field_column(self, raw: str, offset: int, at: int) -> int:
        """Column of ``raw[at]``, ``raw`` being the entry whose ``@`` is at ``offset``."""
        if at < 0:
            return 1
        newline = self._last_newline(raw, at, 0)
        return at - newline if newline >= 0 else self._column(offset) + at

    def _last_newline(self, text: str, at: int, slot: int) -> int:
        """``text.rfind("\\n", 0, at)``, searching only from the previous
        ``at`` asked about in the same text (``slot`` 0 for an entry's raw
        text, 1 for the file's): a million fields or blocks on one line
        would otherwise cost a million searches back to its start."""
        seen_text, seen_at, seen_newline = self._seen[slot]
        if text is seen_text and at >= seen_at:
            newline = text.rfind("\n", seen_at, at)
            if newline < 0:
                newline = seen_newline
        else:
            newline = text.rfind("\n", 0, at)
        self._seen[slot] = (text, at, newline)
        return newline

    def _value_problems(self, raw: str, junk: int, undefined: list[str], where: str, line: int, column: int) -> None:
        for word in undefined:
            self._add(line, column, "bib-field", f"`{_show(word)}` in {where} is no @string macro",
                      "put the value in braces, or define it with @string{name = {...}} above this entry")
        if junk < 0:
            return
        rest = raw[junk:]
        swallowed = _SWALLOWED.match(rest)
        if swallowed:
            other = _show(swallowed.group(1))
            # An error, unlike the rule's other findings: the record would
            # otherwise be published without the field (a year, a journal).
            self.diags.append(replace(
                diag(self.rel, line, column, "bib-field",
                     f"{where} runs into `{other} = ...`: a comma is missing, so `{other}` was not read",
                     "add a comma at the end of this value"),
                severity=Severity.ERROR))
        else:
            self._add(line, column, "bib-field",
                      f"unexpected text `{_show(rest)}` in the value of {where}; it was ignored",
                      "put the whole value in braces, or join parts with `#`")

    def _string(self, string: String, offset: int) -> None:
        line, column = self._line(string, offset), self._column(offset)
        kind, _ = _head(string.raw or "")
        if kind.lower() != "string":
            return self._unusable(string, offset, f"`@{kind}` is read as @string by the parser")
        name = string.key
        if not name or _FIELD_NAME.fullmatch(name) is None:
            self._add(line, column, "bib-syntax", f"`@string` with an invalid name `{_show(name)}`; it was ignored",
                      "write @string{name = {value}}")
            return
        value = string.value if isinstance(string.value, str) else str(string.value)
        expanded = self._expand(value, f"@string `{name}`", line, column)
        if expanded is None:
            # Defined as empty, so that its uses are neither built nor reported again.
            self.macros[name.lower()] = ""
            return
        text, junk, undefined = expanded
        if junk >= 0 or undefined:
            self._value_problems(value, junk, undefined, f"@string `{name}`", line, column)
        self.macros[name.lower()] = text

    def _expand(self, value: str, what: str, line: int, column: int) -> tuple[str, int, list[str]] | None:
        """:func:`expand_value` within what is left of the file's expansion
        budget, which it then uses up; None (reported) when the value would
        take more."""
        try:
            text, junk, undefined, added = _expand_value(value, self.macros, self.expansion_left)
        except ExpansionTooLarge as exc:
            self._add(line, column, "bib-syntax",
                      f"{what} at line {line} would add {exc.added:,} characters of @string macros, and a"
                      f" file's macros may add at most {self.max_expansion:,} in all; it was not read",
                      "write the value out instead of joining macros that join macros, or raise"
                      " `max_bib_expansion` under extra.ossref in mkdocs.yml")
            return None
        self.expansion_left -= added
        return text, junk, undefined

    def _failed(self, block: ParsingFailedBlock, offset: int) -> None:
        line, column = self._line(block, offset), self._column(offset)
        kind, key = _head(block.raw or "")
        what = f"`@{kind}{{{key}`" if key else f"`@{kind}`"
        reason = getattr(block.error, "abort_reason", "") or str(block.error)
        # Where reading stopped: the next non-blank character after the block
        # (e.g. the `@` of the entry that interrupted it), or the end of file.
        after = _NON_SPACE.search(self.text, offset + len(block.raw or "")) if offset >= 0 else None
        if after is None:
            stopped = "the file ended before the block was closed"
        else:
            stopped = f"reading stopped on line {line + self.text.count(chr(10), offset, after.start())}"
        self._add(line, column, "bib-syntax",
                  f"{what} did not parse: {' '.join(reason.split())} ({stopped})",
                  "check the braces, quotes and commas of this block: fields are `name = {value}`, separated by commas")

    def _stray_text(self, block: ImplicitComment, offset: int) -> None:
        for index, text in enumerate((block.raw or "").split("\n")):
            stripped = text.strip()
            if not stripped or stripped.startswith("%"):
                continue
            column = self._column(offset) if index == 0 else len(text) - len(text.lstrip()) + 1
            self._add(self._line(block, offset) + index, column, "bib-field", f"stray text outside any entry: `{_show(stripped)}`",
                      "this is usually a broken entry; fix or delete it, and start comment lines with `%`")
            return

    def _comment_or_preamble(self, block: Block, offset: int) -> None:
        # bibtexparser takes any type that starts with "comment", "preamble" or
        # "string" for that block (e.g. biblatex's @commentary): such an entry
        # would otherwise vanish. _string checks the same.
        kind, _ = _head(block.raw or "")
        if kind.lower() not in ("comment", "preamble"):
            self._unusable(block, offset, f"`@{kind}` is read as a comment or preamble by the parser")

    def _unusable(self, block: Block, offset: int, what: str) -> None:
        self._add(self._line(block, offset), self._column(offset), "bib-syntax", f"{what}; it was not loaded",
                  "use a standard BibTeX/biblatex type such as @article, @book or @misc")


_IDENTIFIER_HINTS = {
    "DOI": "write the DOI alone, as plain text, e.g. doi = {10.1002/cncr.2820290103}",
    "PMID": "write the PubMed ID's digits alone, e.g. pmid = {4553946}",
    "PMCID": "write the PubMed Central ID, e.g. pmcid = {PMC1234567}",
    "ISBN": "copy the ISBN from the book's record, e.g. isbn = {978-0-19-852663-6}",
    "URL": "write one absolute http(s) URL as plain text, e.g. url = {https://example.org/page}",
}


def _head(raw: str) -> tuple[str, str]:
    """(type, key) as written at the start of a block's raw text."""
    m = _BLOCK_HEAD.match(raw)
    return (m.group(1), m.group(2)) if m else ("", "")


def _show(text: str, limit: int = 60) -> str:
    """``text`` fit for a one-line message: controls escaped, cut at ``limit``."""
    text = " ".join(text.split())
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ExpansionTooLarge(Exception):
    """A value whose macro uses would add more characters than allowed;
    ``added`` is how many, counted without building the value."""

    def __init__(self, added: int) -> None:
        super().__init__(added)
        self.added = added


def expand_value(raw: str, macros: dict[str, str], limit: int | None = None) -> tuple[str, int, list[str]]:
    """Read a field value as bibtexparser hands it over (delimiters included).

    Returns ``(text, junk, undefined)``: the value between its delimiters,
    with ``#`` parts joined and ``@string`` macros (keys lower-cased) expanded;
    the offset in ``raw`` where unreadable text starts (the missing-comma
    case), or -1; and the macro names that are not defined (month
    abbreviations are predefined and kept as written, e.g. ``jan``).

    With ``limit``, raises :class:`ExpansionTooLarge` instead of building a
    value whose macro uses add more than ``limit`` characters: the parts are
    only references to text that exists already, so counting them costs
    nothing, and joining happens after the count.
    """
    text, junk, undefined, _ = _expand_value(raw, macros, limit)
    return text, junk, undefined


def _plain_value(raw: str) -> str | None:
    """The text of a value of one delimited part (braces nested at most
    :data:`~ossref.load.bibsplit.MAX_DEPTH` deep; no braces within quotes),
    or of digits or blanks only, as :func:`expand_value` reads it (most values
    are such, and need nothing more); None for any other value."""
    if len(raw) >= 2:
        first, last = raw[0], raw[-1]
        if first == "{" and last == "}":
            inner = raw[1:-1]
            if ("{" not in inner and "}" not in inner) or ONE_GROUP.fullmatch(raw):
                return inner
        elif first == '"' and last == '"':
            inner = raw[1:-1]
            if '"' not in inner and "{" not in inner and "}" not in inner:
                return inner
    if raw.isdigit() or not raw.strip():
        return raw.strip()
    return None


def _expand_value(raw: str, macros: dict[str, str], limit: int | None) -> tuple[str, int, list[str], int]:
    """:func:`expand_value`, and the number of characters macro uses added."""
    plain = _plain_value(raw)
    if plain is not None:
        return plain, -1, [], 0
    n = len(raw)
    parts: list[str] = []
    undefined: list[str] = []
    added = 0  # characters the macro uses add

    def done(junk: int) -> tuple[str, int, list[str], int]:
        if limit is not None and added > limit:
            raise ExpansionTooLarge(added)
        return "".join(parts), junk, undefined, added

    i = start = 0
    while True:
        i = _SPACE.match(raw, i).end()
        start = i if i < n else start  # a dangling "#" is the junk
        char = raw[i] if i < n else ""
        if char in ("{", '"'):
            end = _closing(raw, i)
            if end < 0:
                return done(start)
            parts.append(raw[i + 1 : end])
            i = end + 1
        else:
            m = _WORD.match(raw, i)
            if m is None:
                return done(start)
            word = m.group()
            i = m.end()
            if word.isdigit():
                parts.append(word)
            elif word.lower() in macros:
                value = macros[word.lower()]
                added += len(value)
                parts.append(value)
            else:
                if word.lower() not in _MONTHS:
                    undefined.append(word)
                parts.append(word)
        i = _SPACE.match(raw, i).end()
        if i >= n:
            return done(-1)
        if raw[i] != "#":
            return done(i)
        start = i
        i += 1


def _closing(raw: str, i: int) -> int:
    """Index of the delimiter closing the ``{`` or ``"`` at ``raw[i]``, or -1.

    Braces nest; inside quotes, a ``"`` within braces does not close."""
    quoted = raw[i] == '"'
    depth = 0 if quoted else 1
    for m in _DELIMS.finditer(raw, i + 1):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and not quoted:
                return m.start()
            if depth < 0:
                return -1
        elif quoted and depth == 0:
            return m.start()
    return -1

"""Format a :class:`~ossref.model.Reference` in NLM/Vancouver style.

The style is the one of *Citing Medicine* (NLM) and PubMed, e.g.::

    Zelmanovich R, Lucke-Wold B, Elghareeb M. Ossified intramuscular hematoma
    of the paraspinal muscles: a case report. Egypt J Neurosurg.
    2023;38(1):69. doi: 10.1186/s41984-023-00259-0. PMID: 38037601;
    PMCID: PMC10688266.

Public functions (all pure; none raises on any input of the declared type):

* :func:`decode_latex` -- BibTeX/LaTeX text to plain one-line Unicode
  (from :mod:`ossref.site.latex`, which decodes LaTeX).
* :func:`format_authors` -- a BibTeX ``author``/``editor`` value to
  "Last FM, Last FM, et al." (from :mod:`ossref.site.names`, which reads
  BibTeX names).
* :func:`format_reference` -- a whole record to :class:`Formatted`, plain text
  and HTML. Results are cached by (key, entry type, fields).

Fields that are missing are left out; nothing is ever invented. Every string
taken from BibTeX is HTML-escaped in :attr:`Formatted.html`, and links are
only emitted for http/https URLs that this module builds or checks itself.
"""

from __future__ import annotations

import functools
import html as _html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ossref.model import Reference
from ossref.site.latex import _MARKS, _one_line, decode_latex, decode_rich, rich_html
from ossref.site.names import _join_names, _names, format_authors

__all__ = ["Formatted", "authors_and_title", "decode_latex", "decode_rich", "format_authors", "format_reference",
           "inherit", "rich_html"]


@dataclass(frozen=True)
class Formatted:
    """One formatted reference.

    ``text`` is plain Unicode on one line (hover titles, "cite" copy).
    ``html`` is the same text, HTML-escaped, with DOI/PMID/PMCID/URL as
    ``<a href=... rel="noopener">`` links; stripping its tags and unescaping
    it gives back ``text`` exactly.
    """

    text: str
    html: str


# --------------------------------------------------------------------------- pieces

# A block is a run of pieces ending in "." (unless it already ends in
# terminal punctuation); a piece is (text, href): href None means plain text.
_Piece = tuple[str, "str | None"]
_TERMINAL = (".", "?", "!")


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[tuple[list[_Piece], bool]] = []

    def add(self, *pieces: _Piece | str, period: bool = True) -> None:
        norm = [(p, None) if isinstance(p, str) else p for p in pieces]
        norm = [p for p in norm if p[0]]
        if norm:
            self.blocks.append((norm, period))

    def render(self) -> Formatted:
        texts: list[str] = []
        htmls: list[str] = []
        for pieces, period in self.blocks:
            text = "".join(t for t, _ in pieces).translate(_MARKS)
            if not text.strip():
                continue
            markup = "".join(_piece_html(t, href) for t, href in pieces)
            if period and not text.endswith(_TERMINAL):
                text += "."
                markup += "."
            texts.append(text)
            htmls.append(markup)
        return Formatted(" ".join(texts), " ".join(htmls))


def _piece_html(text: str, href: str | None) -> str:
    escaped = rich_html(text)
    if href is None:
        return escaped
    return f'<a href="{_html.escape(href, quote=True)}" rel="noopener">{escaped}</a>'


# --------------------------------------------------------------------------- fields

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTH_NAMES = {m.lower(): m for m in _MONTHS}
_MONTH_NAMES.update({full: m for full, m in zip(
    ["january", "february", "march", "april", "may", "june", "july",
     "august", "september", "october", "november", "december"], _MONTHS)})
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEAR = re.compile(r"\d{4}")


def _digits(value: str) -> bool:
    # str.isdigit() accepts "²" and other characters int() refuses.
    return value.isascii() and value.isdigit()


class _Fields:
    """Read access to the fields with the decoding each kind needs."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.raw = fields

    def plain(self, *names: str) -> str:
        """The first non-empty field among ``names``, verbatim on one line
        (identifiers and URLs: LaTeX decoding would mangle them)."""
        for name in names:
            value = _one_line(self.raw.get(name, ""))
            if value:
                return value
        return ""

    def text(self, *names: str) -> str:
        """The first non-empty field among ``names``, LaTeX-decoded, with
        superscripts and subscripts marked (see :func:`decode_rich`)."""
        for name in names:
            value = decode_rich(self.raw.get(name, ""))
            if value:
                return value
        return ""

    def year(self) -> str:
        year = self.text("year")
        if year:
            return year
        m = _YEAR.search(self.plain("date"))
        return m.group(0) if m else ""

    def month(self) -> str:
        month = self.text("month")
        if month:
            key = month.lower().rstrip(".")
            if key in _MONTH_NAMES:
                return _MONTH_NAMES[key]
            if _digits(key) and 1 <= int(key) <= 12:
                return _MONTHS[int(key) - 1]
            return month
        if self.text("year"):
            return ""  # a date field may disagree with year; year wins
        m = _ISO_DATE.match(self.plain("date"))
        if m and m.group(2) and 1 <= int(m.group(2)) <= 12:
            return _MONTHS[int(m.group(2)) - 1]
        return ""


def _title(title: str, extra: str = "") -> str:
    return f"{title} {extra}" if title and extra else title


def _joined(title: str, subtitle: str) -> str:
    """Citing Medicine's "Title: subtitle" (no colon after ? ! : or .)."""
    if not (title and subtitle):
        return title or subtitle
    return f"{title} {subtitle}" if title.endswith((":", "?", "!", ".")) else f"{title}: {subtitle}"


def _full_title(f: "_Fields", prefix: str = "") -> str:
    """``title`` and ``subtitle`` joined; ``prefix`` "book" or "main" reads
    ``booktitle``/``booksubtitle`` or ``maintitle``/``mainsubtitle``."""
    return _joined(f.text(prefix + "title"), f.text(prefix + "subtitle"))


# "612--622" -> "612-22": NLM drops the leading digits the last page repeats.
_PAGE = re.compile(r"([A-Za-z]*)(\d+)([A-Za-z]*)\Z")
_RANGE = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2212]+\s*")


def _pages(value: str) -> str:
    """NLM page ranges: "1243--1248" -> "1243-8", "E367--E370" -> "E367-70".

    Anything that is not a plain numeric range stays as written (dashes made
    single hyphens), so e-locators and roman numerals survive."""
    if any(t in value for t in ("\\", "{", "~")):
        value = decode_latex(value)
    else:
        value = _one_line(value)
    return ", ".join(_page_range(p) for p in value.split(",") if p.strip())


def _page_range(part: str) -> str:
    bits = [b for b in _RANGE.split(part.strip()) if b]
    if len(bits) != 2:
        return "-".join(bits) if len(bits) > 2 else (bits[0] if bits else "")
    start, end = bits
    ms, me = _PAGE.match(start), _PAGE.match(end)
    if not (ms and me) or ms.group(3) or me.group(3):
        return f"{start}-{end}"
    prefix, first = ms.group(1), ms.group(2)
    if me.group(1) not in ("", prefix):
        return f"{start}-{end}"
    last = me.group(2)
    if last == first:
        return start
    if len(last) != len(first) or int(last) < int(first):
        return f"{start}-{last}"
    i = 0
    while first[i] == last[i]:
        i += 1
    return f"{start}-{last[i:]}"


_ORDINAL_WORDS = {w: i for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh",
     "eighth", "ninth", "tenth"], start=1)}


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _edition(value: str) -> str:
    """NLM edition: "2" / "second" / "2nd" -> "2nd ed"; other text as written."""
    key = value.lower().rstrip(".")
    if _digits(key) and len(key) < 5:
        return f"{_ordinal(int(key))} ed"
    if key in _ORDINAL_WORDS:
        return f"{_ordinal(_ORDINAL_WORDS[key])} ed"
    if re.fullmatch(r"\d{1,4}(st|nd|rd|th)", key):
        return f"{key} ed"
    return value


def _cited(value: str) -> str:
    m = _ISO_DATE.fullmatch(value)
    if not m:
        return value
    out = m.group(1)
    if m.group(2) and 1 <= int(m.group(2)) <= 12:
        out += " " + _MONTHS[int(m.group(2)) - 1]
        if m.group(3) and 1 <= int(m.group(3)) <= 31:
            out += f" {int(m.group(3))}"
    return out


# --------------------------------------------------------------------------- links

# Characters left as they are in an href: RFC 3986 reserved and unreserved,
# plus "%" so existing escapes are not doubled. Everything else (spaces,
# quotes, "<", ">", backslash, non-ASCII) is percent-encoded, and the result
# is HTML-escaped as well, so no value can leave the attribute.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
_DOI_SAFE = "-._~!$&'()*+,;=:@/"  # "#", "?" and "%" are part of a DOI: encode
_DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_URL_MACRO = re.compile(r"\\url\s*\{([^{}]*)\}")
_URL_ESCAPE = re.compile(r"\\([_%&#~$])")


def _http_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL with a host, else ""."""
    if not value or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if not value.lower().startswith(parts.scheme.lower() + "://"):
        return ""
    return value


def _url_href(url: str) -> str:
    return quote(url, safe=_URL_SAFE)


def _doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value, count=1).strip() if value else ""


def _identifiers(b: _Builder, f: _Fields, url: str) -> None:
    doi = _doi(f.plain("doi"))
    if url and doi and url.lower().rstrip("/").endswith(
        ("doi.org/" + doi).lower()
    ):
        url = ""  # the DOI link below already says it
    if url:
        # NLM: no period after a URL (it would be copied as part of it),
        # unless the URL ends with a slash.
        b.add("Available from: ", (url, _url_href(url)), period=url.endswith("/"))
    if doi:
        if doi.startswith("10."):
            b.add("doi: ", (doi, "https://doi.org/" + quote(doi, safe=_DOI_SAFE)))
        else:
            b.add("doi: " + doi)

    pmid = f.plain("pmid")
    eprint_type = f.plain("eprinttype", "archiveprefix").lower()
    if not pmid and eprint_type in ("pubmed", "pmid"):
        pmid = f.plain("eprint")
    pmcid = f.plain("pmcid", "pmc")
    ids: list[_Piece | str] = []
    if pmid:
        href = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if _digits(pmid) else None
        ids += ["PMID: ", (pmid, href)]
    if pmcid:
        norm = pmcid.upper()
        if _digits(norm):
            norm = "PMC" + norm
        ok = norm.startswith("PMC") and _digits(norm[3:])
        if ids:
            ids.append("; ")
        if ok:
            ids += ["PMCID: ", (norm, f"https://pmc.ncbi.nlm.nih.gov/articles/{norm}/")]
        else:
            ids += ["PMCID: ", pmcid]
    b.add(*ids)


def _url(f: _Fields) -> str:
    url = _URL_ESCAPE.sub(r"\1", f.plain("url"))
    if not url:
        m = _URL_MACRO.search(f.raw.get("howpublished", ""))
        if m:
            url = _one_line(m.group(1))
        elif _http_url(f.plain("howpublished")):
            url = f.plain("howpublished")
    return _http_url(url)


# --------------------------------------------------------------------------- styles


def _people(b: _Builder, f: _Fields) -> bool:
    """Authors, or editors when there are none. True when editors were used."""
    authors = format_authors(f.raw.get("author", ""))
    if authors:
        b.add(authors)
        return False
    editors = _editors(f)
    b.add(editors)
    return bool(editors)


def _editors(f: _Fields) -> str:
    names, others = _names(f.raw.get("editor", ""))
    if not names and not others:
        return ""
    label = "editor" if len(names) == 1 and not others else "editors"
    return f"{_join_names(names, others)}, {label}"


def _publication(b: _Builder, f: _Fields, year: str, cited: str = "") -> None:
    """ "Place: Publisher; Year [cited ...]." with whatever exists."""
    place = f.text("address", "location")
    publisher = f.text("publisher", "school", "institution", "organization")
    if not publisher and not _URL_MACRO.search(f.raw.get("howpublished", "")):
        if not _http_url(f.plain("howpublished")):
            publisher = f.text("howpublished")
    head = ": ".join(x for x in (place, publisher) if x)
    when = " ".join(x for x in (year, f"[cited {cited}]" if cited else "") if x)
    b.add("; ".join(x for x in (head, when) if x))


def _article(b: _Builder, f: _Fields, url: str) -> None:
    _people(b, f)
    b.add(_full_title(f))
    b.add(f.text("journal", "journaltitle"))
    date = " ".join(x for x in (f.year(), f.month()) if x)
    volume = f.text("volume")
    issue = f.text("number", "issue")
    pages = _pages(f.raw.get("pages", "")) or f.text("eid")
    where = date
    vol = volume + (f"({issue})" if issue else "")
    if vol:
        where += (";" if where else "") + vol
    if pages:
        # Pages alone would read like a year ("Lancet. 50-3.").
        where += (":" if where else "p. ") + pages
    b.add(where)
    _identifiers(b, f, url)


def _volume_title(b: _Builder, f: _Fields, title: str, internet: bool) -> None:
    """Citing Medicine's volume of a multivolume book: "Main title. Vol. 2,
    Pt. 1, Title of the volume." (``maintitle``, ``volume``, ``part``), or
    "Title. Vol. 2." for a volume with no title of its own."""
    main = _full_title(f, "main")
    volume, part = f.text("volume"), f.text("part")
    number = ", ".join(x for x in (f"Vol. {volume}" if volume else "", f"Pt. {part}" if part else "") if x)
    if main:
        b.add(_title(main, "[Internet]" if internet else ""))
        b.add(", ".join(x for x in (number, title) if x))
    else:
        b.add(_title(title, "[Internet]" if internet else ""))
        b.add(number)


def _series(b: _Builder, f: _Fields, number: bool = True) -> None:
    """Citing Medicine's series statement, last before the identifiers:
    "(Series title; number)" (biblatex: ``series``, ``number``)."""
    series = f.text("series")
    if series:
        no = f.text("number") if number else ""
        b.add("(" + "; ".join(x for x in (series, no) if x) + ")")


def _book(b: _Builder, f: _Fields, url: str) -> None:
    editors_first = _people(b, f)
    _volume_title(b, f, _full_title(f), bool(url))
    edition = f.text("edition")
    b.add(_edition(edition) if edition else "")
    if not editors_first:
        # Citing Medicine: secondary authors ("Smith J, editor") follow the
        # edition when the book has authors of its own.
        b.add(_editors(f))
    _publication(b, f, f.year())
    chapter = f.text("chapter")
    if chapter:
        b.add(f"Chapter {chapter}")
    pages = _pages(f.raw.get("pages", ""))
    if pages:
        b.add(f"p. {pages}")
    _series(b, f)
    _identifiers(b, f, url)


def _chapter(b: _Builder, f: _Fields, url: str) -> None:
    if not f.text("booktitle"):
        _book(b, f, url)  # BibTeX @inbook: title is the book's, chapter a number
        return
    authors = format_authors(f.raw.get("author", ""))
    b.add(authors)
    b.add(_full_title(f))
    editors = _editors(f)
    booktitle = _full_title(f, "book")
    # "In: Editors, editors. Book." or "In: Book."; a book that is a volume
    # of a larger work: "In: Editors, editors. Main title. Vol. 2, Book."
    container = _Builder()
    _volume_title(container, f, booktitle, False)
    blocks = container.blocks
    if editors:
        b.add("In: " + editors)
    elif blocks:
        blocks[0] = ([("In: ", None), *blocks[0][0]], blocks[0][1])
    b.blocks += blocks
    edition = f.text("edition")
    b.add(_edition(edition) if edition else "")
    _publication(b, f, f.year())
    pages = _pages(f.raw.get("pages", ""))
    if pages:
        b.add(f"p. {pages}")
    _series(b, f)
    _identifiers(b, f, url)


_THESIS = {
    "phdthesis": "dissertation",
    "mastersthesis": "master's thesis",
}
_THESIS_TYPES = {
    "phdthesis": "dissertation", "phd": "dissertation", "phd thesis": "dissertation",
    "doctoral thesis": "dissertation", "dissertation": "dissertation",
    "mathesis": "master's thesis", "mastersthesis": "master's thesis",
    "master's thesis": "master's thesis", "masters thesis": "master's thesis",
}


def _thesis(b: _Builder, f: _Fields, url: str, entry_type: str) -> None:
    _people(b, f)
    kind = f.text("type")
    label = _THESIS_TYPES.get(kind.lower(), kind) if kind else _THESIS.get(entry_type, "thesis")
    title = _full_title(f)
    b.add(_title(title, f"[{label}]") if title else "")
    _publication(b, f, f.year())
    _identifiers(b, f, url)


def _report(b: _Builder, f: _Fields, url: str) -> None:
    _people(b, f)
    b.add(_title(_full_title(f), "[Internet]" if url else ""))
    _publication(b, f, f.year())
    number = f.text("number")
    if number:
        b.add(f"Report No.: {number}")
    _series(b, f, number=False)
    _identifiers(b, f, url)


def _misc(b: _Builder, f: _Fields, url: str) -> None:
    _people(b, f)
    b.add(_title(_full_title(f), "[Internet]" if url else ""))
    container = f.text("booktitle", "journal", "journaltitle")
    b.add(container)
    urldate = f.text("urldate")
    _publication(b, f, f.year(), _cited(urldate) if urldate else "")
    b.add(f.text("note"))
    _identifiers(b, f, url)


_ARTICLE = {"article", "periodical"}
_BOOK = {"book", "mvbook", "booklet", "manual", "proceedings", "mvproceedings",
         "collection", "mvcollection", "reference", "mvreference"}
_CHAPTER = {"incollection", "inbook", "inproceedings", "conference",
            "bookinbook", "suppbook", "suppcollection", "inreference"}
_THESES = {"phdthesis", "mastersthesis", "thesis"}
_REPORTS = {"techreport", "report"}


def _format(key: str, entry_type: str, fields: dict[str, str]) -> Formatted:
    f = _Fields(fields)
    url = _url(f)
    b = _Builder()
    kind = (entry_type or "").lower()
    if kind in _ARTICLE or (kind not in _BOOK | _CHAPTER | _THESES | _REPORTS
                            and f.text("journal", "journaltitle")):
        _article(b, f, url)
    elif kind in _BOOK:
        _book(b, f, url)
    elif kind in _CHAPTER:
        _chapter(b, f, url)
    elif kind in _THESES:
        _thesis(b, f, url, kind)
    elif kind in _REPORTS:
        _report(b, f, url)
    else:
        _misc(b, f, url)
    out = b.render()
    if not out.text:
        # A record with nothing printable still needs a visible label.
        label = _one_line(key)
        return Formatted(label, _html.escape(label, quote=True))
    return out


# Large enough for every record of a 30,000-page wiki (~60,000): ossref serve
# formats the cited ones on every rebuild, and with a smaller cache a wiki of
# 5,000 entries spent a second per rebuild formatting them all again
# (~0.5 KB each, so ~30 MB when full).
@functools.lru_cache(maxsize=65536)
def _format_cached(key: str, entry_type: str, items: tuple[tuple[str, str], ...]) -> Formatted:
    return _format(key, entry_type, dict(items))


def authors_and_title(ref: Reference) -> str:
    """What a reader searches a cited work by: its authors' (else editors')
    last names and its title with subtitle, as plain text on one line
    (``"Zelmanovich Lucke-Wold Ossified intramuscular hematoma..."``), without
    initials, journal or identifiers. Never raises."""
    try:
        fields = ref.fields if isinstance(ref.fields, dict) else {}
        names, _ = _names(fields.get("author", "")) if fields.get("author") else _names(fields.get("editor", ""))
        # "Last FM": the initials are the last word, unless the name was one braced group.
        surnames = [n.rsplit(" ", 1)[0] if " " in n and n.rsplit(" ", 1)[1].isupper() else n for n in names]
        f = _Fields(fields)
        return " ".join(x for x in (*surnames, _full_title(f).translate(_MARKS)) if x)
    except Exception:  # noqa: BLE001 - as format_reference: a build never fails here
        return ""


# --------------------------------------------------------------------------- crossref

#: Fields a child never inherits (biblatex's defaults; BibTeX has none of them).
_NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey",
})
_AS_MAIN = {"title": ("maintitle",), "subtitle": ("mainsubtitle",), "titleaddon": ("maintitleaddon",),
            "shorttitle": ()}
_AS_BOOK = {"title": ("booktitle",), "subtitle": ("booksubtitle",), "titleaddon": ("booktitleaddon",),
            "shorttitle": ()}
#: biblatex's type-specific inheritance: (parent types, child types, where
#: a parent field goes in the child; () drops it). Every other field is
#: copied under its own name, as BibTeX does.
_INHERIT_RULES: tuple[tuple[frozenset, frozenset, dict[str, tuple[str, ...]]], ...] = (
    (frozenset({"mvbook"}), frozenset({"book", "inbook", "bookinbook", "suppbook"}), _AS_MAIN),
    (frozenset({"mvcollection", "mvreference"}),
     frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}), _AS_MAIN),
    (frozenset({"mvproceedings"}), frozenset({"proceedings", "inproceedings"}), _AS_MAIN),
    (frozenset({"book"}), frozenset({"inbook", "bookinbook", "suppbook"}),
     {**_AS_BOOK, "author": ("author", "bookauthor")}),
    (frozenset({"collection", "reference"}), frozenset({"incollection", "inreference", "suppcollection"}),
     _AS_BOOK),
    (frozenset({"proceedings"}), frozenset({"inproceedings"}), _AS_BOOK),
    (frozenset({"periodical"}), frozenset({"article", "suppperiodical"}),
     {"title": ("journaltitle",), "subtitle": ("journalsubtitle",), "shorttitle": ()}),
)
#: Parents followed at most (biblatex resolves chains; BibTeX one level).
_MAX_CROSSREF_DEPTH = 4


def _parent(records: Mapping[str, Reference], key: str) -> Reference | None:
    found = records.get(key)
    if found is None and key:
        # BibTeX keys match without regard to case.
        lower = key.lower()
        found = next((r for k, r in records.items() if isinstance(k, str) and k.lower() == lower), None)
    return found


def inherit(ref: Reference, records: Mapping[str, Reference], _seen: frozenset[str] = frozenset()) -> Reference:
    """``ref`` with the fields it inherits through ``crossref`` from its
    parent in ``records`` (by key, any case), per biblatex: the child's own
    fields win; ``ids``, ``crossref``, ``shorthand``... are never inherited; a
    collection's ``title`` becomes an incollection's ``booktitle``, an
    mvbook's a book's ``maintitle``, a periodical's an article's
    ``journaltitle``... (:data:`_INHERIT_RULES`); every other field is copied
    under its own name, as BibTeX does. The parent's own parent is followed up
    to :data:`_MAX_CROSSREF_DEPTH` levels; a cycle or a missing parent ends
    the chain. Returns ``ref`` itself when nothing is inherited. Never raises."""
    key = _one_line(ref.fields.get("crossref", "")) if isinstance(ref.fields, dict) else ""
    parent = _parent(records, key) if key else None
    if parent is None or parent.key in _seen or len(_seen) >= _MAX_CROSSREF_DEPTH or parent is ref:
        return ref
    parent = inherit(parent, records, _seen | {ref.key, parent.key})
    child_type, parent_type = (ref.entry_type or "").lower(), (parent.entry_type or "").lower()
    moves: dict[str, tuple[str, ...]] = {}
    for parents, children, rule in _INHERIT_RULES:
        if parent_type in parents and child_type in children:
            moves = rule
            break
    fields = dict(ref.fields)
    plain: dict[str, str] = {}
    mapped: dict[str, str] = {}
    for name, value in parent.fields.items():
        if name in _NOT_INHERITED:
            continue
        if name in moves:
            for target in moves[name]:
                mapped[target] = value
        else:
            plain[name] = value
    # A mapped field wins over the parent's field of the same name: a
    # collection's title, not its own booktitle, is the chapter's book.
    inherited = {**plain, **mapped}
    for name, value in inherited.items():
        if not fields.get(name, "").strip():
            fields[name] = value
    if fields == ref.fields:
        return ref
    return Reference(ref.key, ref.entry_type, fields, ref.path, ref.line, ref.column, dict(ref.field_lines))


def format_reference(ref: Reference, records: Mapping[str, Reference] | None = None) -> Formatted:
    """Format ``ref`` in NLM/Vancouver style as plain text and HTML.

    Article: "Authors. Title. Journal. Year Mon;Vol(Issue):Pages." then
    "Available from: URL", "doi: DOI.", "PMID: N; PMCID: PMCN.". Books,
    chapters (``In: Editors, editors. Book.``), theses (``[dissertation]``),
    reports and web/misc records (``[Internet]``, ``[cited ...]``) follow
    *Citing Medicine*. Missing fields are left out, never invented; an
    unknown entry type with a ``journal`` is treated as an article.

    With ``records`` (every record by key), a record with ``crossref``
    first inherits its parent's fields (:func:`inherit`).

    Cached by (key, entry type, fields), so formatting the same record on
    many pages costs one lookup. Never raises: a record that cannot be
    formatted comes out as its key.
    """
    try:
        if records and isinstance(ref.fields, dict) and ref.fields.get("crossref"):
            ref = inherit(ref, records)
        fields = ref.fields or {}
        items = tuple(
            (k if type(k) is str else str(k), v if type(v) is str else str(v))
            for k, v in fields.items()
        )
        key = ref.key if type(ref.key) is str else str(ref.key)
        entry_type = ref.entry_type if type(ref.entry_type) is str else str(ref.entry_type)
        return _format_cached(key, entry_type, items)
    except Exception:  # noqa: BLE001 - the contract: a page build never fails here
        label = _one_line(str(getattr(ref, "key", "") or ""))
        return Formatted(label, _html.escape(label, quote=True))

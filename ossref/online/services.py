"""Crossref, PubMed (NCBI E-utilities) and the PMC ID Converter: requests and
the parsing of their answers into :class:`Work` values.

A :class:`Work` holds only what a service returned: a field the answer lacks
stays empty, nothing is filled in or guessed. Answers are untrusted input:
values of the wrong JSON type are ignored, markup is stripped from titles,
and an XML answer declaring entities is refused before it is parsed.

Each lookup returns None when the service answers that it has no such work,
and raises :class:`~ossref.online.http.ServiceError` (naming the service) for any
other failure, so a caller can never mistake an error for an absence.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from ossref.config import CiteConfig
from ossref.online.http import NCBI_INTERVAL, Client, ServiceError
from ossref.text.identifiers import check_doi, check_pmcid, check_pmid, normalize_doi

CROSSREF, ESUMMARY, EFETCH, ESEARCH, IDCONV = ("Crossref", "PubMed esummary", "PubMed efetch", "PubMed esearch",
                                                "PMC ID Converter")
#: NCBI takes at most 200 ids in one esummary or ID Converter request.
BATCH = 200

# Runs of ordinary white space only: other control characters must survive
# to be refused by the record writer, not be silently turned into spaces.
_SPACE = re.compile(r"[ \t\r\n]+")
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_YEAR = re.compile(r"\b(1[5-9][0-9]{2}|20[0-9]{2})\b")


@dataclass(frozen=True)
class Author:
    family: str  # the whole name of a group author
    given: str = ""
    suffix: str = ""  # "Jr", "III"
    group: bool = False  # a consortium or committee, written as one braced name


@dataclass
class Work:
    """One work as a service describes it; empty strings where it said nothing."""

    source: str
    entry_type: str = "article"
    title: str = ""
    authors: list[Author] = field(default_factory=list)
    journal: str = ""  # the NLM abbreviation when the source has one, else the full title
    year: str = ""  # of the issue (print) when the source gives it, else of first publication
    volume: str = ""
    number: str = ""
    pages: str = ""
    publisher: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    #: Every publication year the source gives (print, online), for comparisons.
    years: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ids:
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""


def _str(value: object) -> str:
    """``value`` as one line of text with markup removed; "" if not a string."""
    if not isinstance(value, str):
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", value))).strip()


def _first(value: object) -> str:
    if isinstance(value, list):
        for item in value:
            if _str(item):
                return _str(item)
    return _str(value)


def _json(service: str, body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ServiceError(service, "the answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise ServiceError(service, "unexpected answer (not a JSON object)")
    return data


def _page_range(value: str) -> str:
    """"314-320" -> "314--320"; MEDLINE's shortened "1208-18" -> "1208--1218"."""
    m = re.fullmatch(r"([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)", value)
    if not m:
        return value
    prefix, first, prefix2, last = m.groups()
    if len(last) < len(first) and not prefix2:
        last = first[: len(first) - len(last)] + last
    return f"{prefix}{first}--{prefix2 or ''}{last}"


# --------------------------------------------------------------------------- Crossref

_CROSSREF_TYPES = {"journal-article": "article"}


def crossref_work(client: Client, cite: CiteConfig, doi: str) -> Work | None:
    """The Crossref record of ``doi`` (``/works/{doi}``); None on a 404."""
    url = f"{cite.crossref_url.rstrip('/')}/works/{quote(doi, safe='/')}"
    response = client.get(CROSSREF, url, {"mailto": cite.contact})
    if response.status == 404:
        return None
    if response.status != 200:
        raise ServiceError(CROSSREF, f"HTTP status {response.status}")
    message = _json(CROSSREF, response.body).get("message")
    if not isinstance(message, dict):
        raise ServiceError(CROSSREF, "unexpected answer (no `message` object)")
    work = Work(CROSSREF, entry_type=_CROSSREF_TYPES.get(_str(message.get("type")), "misc"))
    work.doi = _str(message.get("DOI"))
    if normalize_doi(work.doi) != normalize_doi(doi):
        raise ServiceError(CROSSREF, f"asked for {doi}, the answer is about {work.doi or 'no DOI'}")
    work.title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and work.title:
        work.title = f"{work.title}: {subtitle}"
    authors = message.get("author")
    for person in authors if isinstance(authors, list) else []:
        if not isinstance(person, dict):
            continue
        family, given, name = _str(person.get("family")), _str(person.get("given")), _str(person.get("name"))
        if family:
            work.authors.append(Author(family, given, _str(person.get("suffix"))))
        elif name:
            work.authors.append(Author(name, group=True))
    work.journal = _first(message.get("container-title"))
    work.publisher = _str(message.get("publisher"))
    work.volume = _str(message.get("volume"))
    work.number = _str(message.get("issue"))
    work.pages = _page_range(_str(message.get("page")))
    years = {}
    for key in ("published-print", "issued", "published-online", "published"):
        year = _date_year(message.get(key))
        if year:
            years[key] = year
    work.year = years.get("published-print") or years.get("issued", "")
    work.years = frozenset(years.values())
    return work


def _date_year(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        year = parts[0][0]
        if isinstance(year, int) and not isinstance(year, bool) and 1500 <= year <= 2099:
            return str(year)
    return ""


# --------------------------------------------------------------------------- PubMed

def _ncbi(cite: CiteConfig, **params: str) -> dict[str, str]:
    return {**params, "tool": "ossref", "email": cite.contact}


def pubmed_work(client: Client, cite: CiteConfig, pmid: str) -> Work | None:
    """The PubMed record of ``pmid`` from efetch (full author names, NLM
    journal abbreviation, identifiers); None if PubMed has no such record."""
    response = client.get(EFETCH, f"{cite.ncbi_url.rstrip('/')}/efetch.fcgi",
                          _ncbi(cite, db="pubmed", retmode="xml", id=pmid), NCBI_INTERVAL)
    if response.status != 200:
        raise ServiceError(EFETCH, f"HTTP status {response.status}")
    root = _xml(EFETCH, response.body)
    error = root.find("ERROR") if root.tag == "eFetchResult" else None
    if error is not None or root.tag == "eFetchResult":
        raise ServiceError(EFETCH, _str("".join(error.itertext())) if error is not None else "error answer")
    if root.tag != "PubmedArticleSet":
        raise ServiceError(EFETCH, f"unexpected answer <{root.tag[:40]}>")
    for article in root.findall("PubmedArticle"):
        if _text(article.find("MedlineCitation/PMID")) == pmid:
            return _pubmed_article(article)
    if root.find("PubmedBookArticle") is not None:
        raise ServiceError(EFETCH, f"PMID {pmid} is a book or chapter, which ossref cite cannot write yet")
    return None


def _xml(service: str, body: bytes) -> ET.Element:
    # Entity declarations are how XML bombs expand; PubMed's answers have none.
    if b"<!ENTITY" in body:
        raise ServiceError(service, "the answer declares XML entities; refused")
    try:
        return ET.fromstring(body)
    except (ET.ParseError, ValueError, RecursionError):
        raise ServiceError(service, "the answer is not valid XML") from None


def _text(element: ET.Element | None) -> str:
    return "" if element is None else _SPACE.sub(" ", "".join(element.itertext())).strip()


def _pubmed_article(article: ET.Element) -> Work:
    citation = article.find("MedlineCitation")
    art = citation.find("Article")
    work = Work("PubMed")
    work.pmid = _text(citation.find("PMID"))
    if art is None:
        return work
    work.title = _text(art.find("ArticleTitle"))
    journal = art.find("Journal")
    work.journal = (_text(citation.find("MedlineJournalInfo/MedlineTA"))
                    or _text(journal.find("Title") if journal is not None else None))
    issue = journal.find("JournalIssue") if journal is not None else None
    if issue is not None:
        work.volume = _text(issue.find("Volume"))
        work.number = _text(issue.find("Issue"))
        date = issue.find("PubDate")
        if date is not None:
            found = _YEAR.search(_text(date.find("Year")) or _text(date.find("MedlineDate")))
            work.year = found.group() if found else ""
    start, end = _text(art.find("Pagination/StartPage")), _text(art.find("Pagination/EndPage"))
    if start:
        work.pages = f"{start}--{end}" if end and end != start else start
    else:
        work.pages = _page_range(_text(art.find("Pagination/MedlinePgn")))
    for author in art.findall("AuthorList/Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue
        last, fore = _text(author.find("LastName")), _text(author.find("ForeName"))
        fore = fore or _text(author.find("Initials"))
        suffix = _text(author.find("Suffix"))
        if last:
            work.authors.append(Author(last, fore, suffix))
        elif _text(author.find("CollectiveName")):
            work.authors.append(Author(_text(author.find("CollectiveName")), group=True))
    years = {work.year} if work.year else set()
    for date in art.findall("ArticleDate"):
        if _YEAR.fullmatch(_text(date.find("Year"))):
            years.add(_text(date.find("Year")))
    work.years = frozenset(years)
    # Only the article's own identifiers: ReferenceList below holds the cited works' ones.
    for ident in article.findall("PubmedData/ArticleIdList/ArticleId"):
        kind, value = ident.get("IdType", ""), _text(ident)
        if kind == "doi" and not work.doi:
            work.doi = value
        elif kind == "pmc" and not work.pmcid:
            work.pmcid = value
    return work


def pubmed_search_doi(client: Client, cite: CiteConfig, doi: str) -> str:
    """The PMID of the one PubMed record whose article identifiers include
    ``doi`` (esearch ``"<doi>"[aid]``), or "" when there is not exactly one.
    Callers confirm the match against the record's own DOI."""
    if '"' in doi or "[" in doi or "]" in doi:  # would break out of the quoted search term
        return ""
    response = client.get(ESEARCH, f"{cite.ncbi_url.rstrip('/')}/esearch.fcgi",
                          _ncbi(cite, db="pubmed", retmode="json", term=f'"{doi}"[aid]'), NCBI_INTERVAL)
    if response.status != 200:
        raise ServiceError(ESEARCH, f"HTTP status {response.status}")
    result = _json(ESEARCH, response.body).get("esearchresult")
    if not isinstance(result, dict):
        raise ServiceError(ESEARCH, "unexpected answer (no `esearchresult` object)")
    if result.get("ERROR"):
        raise ServiceError(ESEARCH, _str(result.get("ERROR")) or "error answer")
    ids = result.get("idlist")
    if isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str) and check_pmid(ids[0]) is None:
        return ids[0]
    return ""


def pubmed_summaries(client: Client, cite: CiteConfig, pmids: list[str]) -> dict[str, Work | None]:
    """esummary of up to :data:`BATCH` PMIDs at once: title, years, journal,
    DOI and PMCID of each (authors stay empty); None for a PMID PubMed does
    not know."""
    response = client.get(ESUMMARY, f"{cite.ncbi_url.rstrip('/')}/esummary.fcgi",
                          _ncbi(cite, db="pubmed", retmode="json", id=",".join(pmids)), NCBI_INTERVAL)
    if response.status != 200:
        raise ServiceError(ESUMMARY, f"HTTP status {response.status}")
    data = _json(ESUMMARY, response.body)
    if "error" in data and "result" not in data:
        raise ServiceError(ESUMMARY, _str(data.get("error")) or "error answer")
    result = data.get("result")
    if not isinstance(result, dict):
        raise ServiceError(ESUMMARY, "unexpected answer (no `result` object)")
    out: dict[str, Work | None] = {}
    for pmid in pmids:
        item = result.get(pmid)
        if not isinstance(item, dict) or "error" in item or _str(item.get("uid")) != pmid:
            out[pmid] = None
            continue
        work = Work("PubMed", pmid=pmid, title=_str(item.get("title")), journal=_str(item.get("source")),
                    volume=_str(item.get("volume")), number=_str(item.get("issue")),
                    pages=_page_range(_str(item.get("pages"))))
        years = {m.group() for key in ("pubdate", "epubdate") for m in [_YEAR.search(_str(item.get(key)))] if m}
        found = _YEAR.search(_str(item.get("pubdate")))
        work.year = found.group() if found else ""
        work.years = frozenset(years)
        ids = item.get("articleids")
        for ident in ids if isinstance(ids, list) else []:
            if isinstance(ident, dict):
                kind, value = _str(ident.get("idtype")), _str(ident.get("value"))
                if kind == "doi" and not work.doi:
                    work.doi = value
                elif kind == "pmc" and not work.pmcid:
                    work.pmcid = value
        out[pmid] = work
    return out


# --------------------------------------------------------------------------- PMC ID Converter

def idconv(client: Client, cite: CiteConfig, ids: list[str]) -> dict[str, Ids]:
    """The DOI, PMID and PMCID that the PMC ID Converter links to each of
    ``ids`` (up to :data:`BATCH`), keyed by the id as asked; an id it has no
    record of (most works outside PMC) maps to an empty :class:`Ids`."""
    response = client.get(IDCONV, cite.idconv_url, {"ids": ",".join(ids), "format": "json", "tool": "ossref",
                                                    "email": cite.contact}, NCBI_INTERVAL)
    data = _json(IDCONV, response.body) if response.body.lstrip().startswith(b"{") else None
    if data is None or response.status != 200 or data.get("status") == "error":
        message = unquote(_str(data.get("message"))) if data else ""
        raise ServiceError(IDCONV, message or f"HTTP status {response.status}")
    records = data.get("records")
    out = {i: Ids() for i in ids}
    wanted = {_id_key(i): i for i in ids}
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or record.get("errmsg") or record.get("status") == "error":
            continue
        found = Ids(_str(record.get("doi")), _str(record.get("pmid")), _str(record.get("pmcid")))
        for value in (found.doi, found.pmid, found.pmcid, _str(record.get("requested-id"))):
            asked = wanted.get(_id_key(value)) if value else None
            if asked is not None:
                out[asked] = found
    return out


def _id_key(value: str) -> str:
    return normalize_doi(value) if value.startswith("10.") else value.strip().upper()


def invalid_identifiers(work: Work) -> list[str]:
    """What is wrong with the identifiers a service returned, one line each."""
    problems = []
    for label, value, check in (("DOI", work.doi, check_doi), ("PMID", work.pmid, check_pmid),
                                ("PMCID", work.pmcid, check_pmcid)):
        problem = check(value) if value else None
        if problem:
            problems.append(f"{label} {value[:80]!r}: {problem}")
    return problems

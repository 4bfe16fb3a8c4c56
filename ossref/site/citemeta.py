"""How an entry is cited and how machines read it: the "Cite this page"
text (Citing Medicine, web page), its BibTeX and RIS downloads, and the
values of the head metadata (Highwire Press ``citation_*`` tags, Open Graph,
schema.org JSON-LD).

Everything here is plain text and plain data, unescaped: the caller escapes
for where it writes (:func:`ossref.site.pagemeta.staged_head` for the page head,
``html.escape`` in the body). Only :func:`json_ld` returns a string ready to
be written raw, inside a ``<script type="application/ld+json">`` element.
BibTeX and RIS are files of their own; :func:`bibtex` braces every value and
drops the characters that would close a brace or start a RIS line.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ossref.text.identifiers import check_doi, normalize_doi
from ossref.model import Author, Reference
from ossref.site.vancouver import Formatted, decode_latex

__all__ = ["CITED_WORK", "EntryCitation", "bibtex", "citing_medicine", "cm_date", "head_tags",
           "json_ld", "ris"]

#: schema.org type of a cited work.
CITED_WORK = "ScholarlyArticle"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class EntryCitation:
    """What is known about one entry for citing it."""

    title: str
    site_name: str
    url: str  # absolute, or "" when the site has no site_url
    authors: list[Author] = field(default_factory=list)
    updated: dt.date | None = None
    cited: dt.date | None = None  # the day of the build
    summary: str = ""
    aliases: list[str] = field(default_factory=list)
    reviewed: dt.date | None = None
    reviewed_by: list[str] = field(default_factory=list)
    references: list[tuple[Reference, Formatted]] = field(default_factory=list)
    license: str = ""  # its name, "CC BY 4.0"
    license_url: str = ""


def cm_date(day: dt.date) -> str:
    """Citing Medicine's date: "2026 Nov 24"."""
    return f"{day.year} {_MONTHS[day.month - 1]} {day.day}"


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def citing_medicine(c: EntryCitation) -> tuple[str, str, str]:
    """The citation in three parts, (before the cited date, the cited date,
    after it), so that a page can let a script replace the middle part with
    the reader's own date: "ossref contributors. Myositis ossificans
    [Internet]. Site; 2026 [updated 2026 Nov 24; cited " + "2026 Dec 3" +
    "]. Available from: URL"."""
    lead = _names([a.name for a in c.authors]) + ". " if c.authors else ""
    lead += f"{c.title} [Internet]. {c.site_name}; "
    if c.updated is not None:
        lead += f"{c.updated.year} [updated {cm_date(c.updated)}; cited "
    else:
        lead += "[cited "
    tail = "]."
    if c.url:
        tail += f" Available from: {c.url}"
    return lead, cm_date(c.cited or dt.date.today()), tail


# --------------------------------------------------------------------------- references


def _ref_fields(ref: Reference) -> dict[str, str | list[str]]:
    """Title, authors, journal, year and DOI of a cited work, decoded. The
    result is shared between callers: never change it."""
    return _ref_fields_cached(ref.key, tuple(sorted(ref.fields.items())))


# Each work is cited by several entries, and read twice for each (the
# citation_reference tag, the JSON-LD): decoding LaTeX was a fifth of rendering.
@functools.lru_cache(maxsize=16384)
def _ref_fields_cached(key: str, items: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    ref = Reference(key, "", dict(items), "", 0, 0)
    out: dict[str, str | list[str]] = {}
    title = decode_latex(ref.get("title"))
    if title:
        out["title"] = title
    authors = [decode_latex(a).strip() for a in re.split(r"\s+and\s+", ref.get("author")) if a.strip()]
    if authors:
        out["authors"] = [a for a in authors if a.lower() != "others"]
    journal = decode_latex(ref.get("journal") or ref.get("booktitle") or ref.get("publisher"))
    if journal:
        out["journal"] = journal
    year = re.search(r"\d{4}", ref.get("year") or ref.get("date"))
    if year:
        out["year"] = year.group(0)
    doi = ref.get("doi")
    if doi and check_doi(doi) is None:
        out["doi"] = normalize_doi(doi)
    return out


def _citation_reference(ref: Reference) -> str:
    """One Highwire ``citation_reference`` value, as Google Scholar reads it:
    ``citation_title=...; citation_author=...; ...``. A ";" inside a value
    would start a new key there, so it becomes a ","."""
    return _citation_reference_cached(ref.key, tuple(sorted(ref.fields.items())))


# Per record, not per page citing it.
@functools.lru_cache(maxsize=16384)
def _citation_reference_cached(key: str, items: tuple[tuple[str, str], ...]) -> str:
    f = _ref_fields_cached(key, items)
    parts = []

    def add(key: str, value: str) -> None:
        parts.append(f"{key}={' '.join(value.replace(';', ',').split())}")

    if "title" in f:
        add("citation_title", str(f["title"]))
    for author in f.get("authors", []):
        add("citation_author", author)
    if "journal" in f:
        add("citation_journal_title", str(f["journal"]))
    if "year" in f:
        add("citation_publication_date", str(f["year"]))
    if "doi" in f:
        add("citation_doi", str(f["doi"]))
    return "; ".join(parts)


# --------------------------------------------------------------------------- head


def head_tags(c: EntryCitation) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(``<meta name=... content=...>`` pairs, ``<meta property=...>`` pairs):
    Highwire Press tags, then Open Graph. Values are plain text."""
    names: list[tuple[str, str]] = [("citation_title", c.title)]
    names += [("citation_author", a.name) for a in c.authors]
    if c.updated is not None:
        names.append(("citation_date", c.updated.strftime("%Y/%m/%d")))
    if c.url:
        names.append(("citation_public_url", c.url))
    names.append(("citation_publisher", c.site_name))
    if c.license_url:
        names.append(("dc.rights", c.license_url))
    names += [("citation_reference", _citation_reference(ref)) for ref, _ in c.references]
    props: list[tuple[str, str]] = [("og:type", "article"), ("og:title", c.title), ("og:site_name", c.site_name)]
    if c.url:
        props.append(("og:url", c.url))
    if c.summary:
        props.append(("og:description", c.summary))
    if c.updated is not None:
        props.append(("article:modified_time", c.updated.isoformat()))
    return names, props


def _agent(author: Author) -> dict[str, str]:
    return {"@type": "Organization" if author.organization else "Person", "name": author.name}


def json_ld(c: EntryCitation) -> str:
    """The schema.org description of the entry, a ``MedicalWebPage`` about
    a ``MedicalCondition``, as JSON safe to write raw inside a script
    element: ``<``, ``>`` and ``&`` are written as ``\\u003c`` and so on, so
    no value can close the element or open a comment."""
    condition: dict[str, object] = {"@type": "MedicalCondition", "name": c.title}
    if c.aliases:
        condition["alternateName"] = list(c.aliases)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": c.title,
        "about": condition,
        "publisher": {"@type": "Organization", "name": c.site_name},
    }
    if c.license_url:
        data["license"] = c.license_url
    if c.url:
        data["url"] = c.url
    if c.summary:
        data["description"] = c.summary
    if c.authors:
        data["author"] = [_agent(a) for a in c.authors]
    if c.updated is not None:
        data["dateModified"] = c.updated.isoformat()
    if c.reviewed is not None and c.reviewed_by:
        data["lastReviewed"] = c.reviewed.isoformat()
        data["reviewedBy"] = [{"@type": "Person", "name": n} for n in c.reviewed_by]
    citations = []
    for ref, formatted in c.references:
        f = _ref_fields(ref)
        work: dict[str, object] = {"@type": CITED_WORK, "name": f.get("title") or formatted.text}
        if "authors" in f:
            work["author"] = [{"@type": "Person", "name": a} for a in f["authors"]]
        if "year" in f:
            work["datePublished"] = f["year"]
        if "journal" in f:
            work["isPartOf"] = {"@type": "Periodical", "name": f["journal"]}
        if "doi" in f:
            work["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": f["doi"]}
            work["sameAs"] = "https://doi.org/" + str(f["doi"])
        citations.append(work)
    if citations:
        data["citation"] = citations
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --------------------------------------------------------------------------- downloads


#: Angle brackets in a download are written as their full-width forms:
#: neither BibTeX nor RIS has an escape for them, and a file of the site
#: must never hold text a browser could read as a tag (the output audit
#: checks it).
_NO_TAGS = {ord("<"): "\uff1c", ord(">"): "\uff1e"}


def _bib_value(value: str) -> str:
    # Braces would unbalance the value, a backslash start a LaTeX command.
    return " ".join(value.translate({ord("{"): "(", ord("}"): ")", ord("\\"): "/", **_NO_TAGS}).split())


def bibtex(c: EntryCitation, key: str) -> str:
    """A BibTeX ``@online`` record of the entry (biblatex; BibTeX reads it as ``@misc``)."""
    fields = [("title", c.title)]
    if c.authors:
        # Double braces keep an organisation's name whole.
        fields.append(("author", " and ".join(("{" + _bib_value(a.name) + "}") if a.organization
                                              else _bib_value(a.name) for a in c.authors)))
    fields.append(("organization", c.site_name))
    if c.updated is not None:
        fields += [("year", str(c.updated.year)), ("date", c.updated.isoformat())]
    if c.url:
        fields.append(("url", c.url))
    fields.append(("urldate", (c.cited or dt.date.today()).isoformat()))
    if c.license:
        fields.append(("note", f"Licensed under {c.license}"))
    safe_key = re.sub(r"[^A-Za-z0-9_:-]", "", key) or "entry"
    body = ",\n".join(f"  {name} = {{{value if name == 'author' else _bib_value(value)}}}" for name, value in fields)
    return f"@online{{{safe_key},\n{body}\n}}\n"


def ris(c: EntryCitation) -> str:
    """An RIS record of the entry (type ``ELEC``, a web page)."""
    lines = [("TY", "ELEC")]
    lines += [("AU", a.name) for a in c.authors]
    lines.append(("TI", c.title))
    lines.append(("PB", c.site_name))
    if c.updated is not None:
        lines += [("PY", str(c.updated.year)), ("DA", c.updated.strftime("%Y/%m/%d"))]
    if c.url:
        lines.append(("UR", c.url))
    lines.append(("Y2", (c.cited or dt.date.today()).strftime("%Y/%m/%d")))
    if c.license:
        lines.append(("N1", f"Licensed under {c.license}"))
    lines.append(("ER", ""))
    # One value per line: a line break inside one would start a new tag.
    return "".join(f"{tag}  - {' '.join(value.translate(_NO_TAGS).split())}\r\n" for tag, value in lines)

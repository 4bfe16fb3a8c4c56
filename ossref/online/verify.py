"""``ossref check --online``: ask the services about every record's identifiers.

For each BibTeX record with a well-formed DOI, PMID or PMCID:

* the DOI is looked up at Crossref, the PMID in PubMed (esummary, up to 200
  at once) and the PMCID at the PMC ID Converter;
* an identifier a service does not know is ``unresolved-identifier``;
* identifiers that the services tie to different works (PubMed's DOI or
  PMCID for the PMID, the converter's PMID or DOI for the PMCID), and a title
  or year that matches no source, are ``identifier-mismatch``.

Findings are placed at the record's ``@`` (file:line:col). Answers are kept
in the JSON file ``online_cache`` (outside content and citations, meant to be
committed), so a later run asks only about identifiers it has not seen; a
failed request is never cached. When the network is not there, the check
says so once and reports nothing online.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ossref.config import Config, ConfigError
from ossref.diagnostics import Diagnostic, diag
from ossref.online.http import Client, Offline, ServiceError
from ossref.text.identifiers import check_doi, check_pmcid, check_pmid, normalize_doi, normalize_pmid
from ossref.online.services import BATCH, CROSSREF, crossref_work, idconv, pubmed_summaries

if TYPE_CHECKING:
    from ossref.model import Reference
    from ossref.pipeline import CheckResult

#: Cache format version; a file of another version is ignored and rewritten.
CACHE_VERSION = 1
#: Largest cache file read, in bytes (about 100,000 answers).
MAX_CACHE_BYTES = 32_000_000
#: Titles this similar (0..1, after folding case, accents and punctuation) are
#: the same title: sources differ in punctuation, subtitles and spelling.
TITLE_SIMILARITY = 0.8


@dataclass
class _Record:
    ref: Reference
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""


class Cache:
    """Answers by ``service:identifier``; each answer is a flat JSON object
    of strings and lists of strings, ``found`` saying whether the work exists."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, dict[str, Any]] = {}
        self.changed = False
        self.problem = ""
        try:
            if path.is_symlink() or (path.exists() and path.stat().st_size > MAX_CACHE_BYTES):
                self.problem = "not a regular file of at most 32 MB"
            elif path.exists():
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == CACHE_VERSION \
                        and isinstance(data.get("answers"), dict):
                    self.answers = {k: v for k, v in data["answers"].items() if _valid_answer(k, v)}
                else:
                    self.problem = "not an ossref online cache of this version"
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            self.problem = "unreadable"

    def get(self, key: str) -> dict[str, Any] | None:
        return self.answers.get(key)

    def put(self, key: str, answer: dict[str, Any]) -> None:
        if self.answers.get(key) != answer:
            self.answers[key] = answer
            self.changed = True

    def save(self) -> None:
        """Write the cache whole (write, then rename); sorted, so a committed
        file changes only where answers changed."""
        if not self.changed:
            return
        text = json.dumps({"version": CACHE_VERSION, "answers": self.answers}, indent=1, sort_keys=True,
                          ensure_ascii=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ossref-online-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def _valid_answer(key: object, value: object) -> bool:
    if not isinstance(key, str) or not isinstance(value, dict) or not isinstance(value.get("found"), bool):
        return False
    return all(isinstance(v, (str, bool)) or isinstance(v, list) and all(isinstance(x, str) for x in v)
               for v in value.values())


def check_online(config: Config, result: CheckResult, err: TextIO, client: Client | None = None) -> CheckResult:
    """``result`` with the online findings added (graded by the project's
    rules). Notes for people (offline, a service failing, an unreadable
    cache) go to ``err``, once each. Raises ConfigError without a contact."""
    from ossref.online.cite import existing_references
    from ossref.pipeline import apply_rules

    if not config.cite.contact:
        raise ConfigError("check --online: set extra.ossref.cite.contact in mkdocs.yml to an e-mail address: "
                          "Crossref and NCBI ask every tool to send one")
    _, refs = existing_references(config)
    cache = Cache(config.root / config.online_cache)
    if cache.problem:
        err.write(f"ossref: {config.online_cache} is {cache.problem}; it is ignored and rewritten\n")
    online = _Online(client or Client(config.cite.contact, config.cite.timeout), config, cache, err)
    found = online.run(list(refs.values()))
    try:
        cache.save()
    except OSError as exc:
        err.write(f"ossref: cannot write {config.online_cache}: {exc.strerror or exc}\n")
    if online.offline:
        err.write(f"ossref: {online.offline}: no network, so nothing was checked online\n")
        found = []
    return replace(result, diagnostics=apply_rules(result.diagnostics + found, config))


class _Online:
    def __init__(self, client: Client, config: Config, cache: Cache, err: TextIO) -> None:
        self.client, self.config, self.cache, self.err = client, config, cache, err
        self.offline = ""
        self.failed: set[str] = set()

    def _ask(self, service: str, call, *args):  # noqa: ANN001, ANN202 - a services function
        """``call(...)``, or None after a failure (noted once per service)."""
        if self.offline or service in self.failed:
            return None
        try:
            return call(self.client, self.config.cite, *args)
        except Offline as exc:
            self.offline = str(exc)
        except ServiceError as exc:
            self.failed.add(service)
            self.err.write(f"ossref: {exc}; records that need {service} were not checked online\n")
        return None

    def run(self, refs: list[Reference]) -> list[Diagnostic]:
        records = [r for r in map(_record, refs) if r.doi or r.pmid or r.pmcid]
        self._pubmed(sorted({r.pmid for r in records if r.pmid}))
        self._pmc(sorted({r.pmcid for r in records if r.pmcid}))
        for doi in sorted({r.doi for r in records if r.doi}):
            self._crossref(doi)
        out: list[Diagnostic] = []
        for record in records:
            out += self._judge(record)
        return out

    # ------------------------------------------------------------ lookups

    def _pubmed(self, pmids: list[str]) -> None:
        todo = [p for p in pmids if self.cache.get(f"pubmed:{p}") is None]
        for i in range(0, len(todo), BATCH):
            answers = self._ask("PubMed", pubmed_summaries, todo[i: i + BATCH])
            if answers is None:
                return
            for pmid, work in answers.items():
                self.cache.put(f"pubmed:{pmid}", {"found": False} if work is None else {
                    "found": True, "title": work.title, "years": sorted(work.years), "doi": work.doi,
                    "pmcid": work.pmcid})

    def _pmc(self, pmcids: list[str]) -> None:
        todo = [p for p in pmcids if self.cache.get(f"pmc:{p}") is None]
        for i in range(0, len(todo), BATCH):
            answers = self._ask("PMC ID Converter", idconv, todo[i: i + BATCH])
            if answers is None:
                return
            for pmcid, ids in answers.items():
                self.cache.put(f"pmc:{pmcid}", {"found": bool(ids.pmid or ids.doi), "doi": ids.doi,
                                                "pmid": ids.pmid})

    def _crossref(self, doi: str) -> None:
        if self.cache.get(f"crossref:{doi}") is not None:
            return
        try:
            work = self._ask(CROSSREF, _crossref_or_missing, doi)
        except _Missing:
            self.cache.put(f"crossref:{doi}", {"found": False})
            return
        if work is not None:
            self.cache.put(f"crossref:{doi}", {"found": True, "title": work.title, "years": sorted(work.years)})

    # ------------------------------------------------------------ findings

    def _judge(self, record: _Record) -> list[Diagnostic]:
        ref = record.ref
        out: list[Diagnostic] = []
        titles: list[tuple[str, str]] = []  # (source, title)
        years: list[tuple[str, list[str]]] = []

        def finding(code: str, message: str, hint: str) -> None:
            out.append(diag(ref.path, ref.line, ref.column, code, message, hint))

        def unresolved(label: str, value: str, service: str) -> None:
            finding("unresolved-identifier", f"{service} does not know the {label} {value} of `{ref.key}`",
                    f"check the {label} against the publisher's page or PubMed; correct or remove it"
                    + (" (a DOI registered with another agency, e.g. DataCite, is not in Crossref)"
                       if label == "DOI" else ""))

        def mismatch(message: str) -> None:
            finding("identifier-mismatch", f"`{ref.key}`: {message}",
                    "the identifiers must all name the cited work: look the work up and correct the wrong one")

        if record.pmid:
            answer = self.cache.get(f"pubmed:{record.pmid}")
            if answer is not None and not answer["found"]:
                unresolved("PMID", record.pmid, "PubMed")
            elif answer is not None:
                other = answer.get("doi", "")
                if record.doi and other and normalize_doi(other) != record.doi:
                    mismatch(f"PubMed gives PMID {record.pmid} the DOI {other}, the record has {ref.get('doi')}")
                other = answer.get("pmcid", "")
                if record.pmcid and other and other != record.pmcid:
                    mismatch(f"PubMed gives PMID {record.pmid} the PMCID {other}, the record has {record.pmcid}")
                titles.append(("PubMed", answer.get("title", "")))
                years.append(("PubMed", answer.get("years", [])))
        if record.pmcid:
            answer = self.cache.get(f"pmc:{record.pmcid}")
            if answer is not None and not answer["found"]:
                unresolved("PMCID", record.pmcid, "the PMC ID Converter")
            elif answer is not None:
                other = answer.get("pmid", "")
                if record.pmid and other and normalize_pmid(other) != record.pmid:
                    mismatch(f"PMC gives {record.pmcid} the PMID {other}, the record has {record.pmid}")
                other = answer.get("doi", "")
                if record.doi and other and normalize_doi(other) != record.doi:
                    mismatch(f"PMC gives {record.pmcid} the DOI {other}, the record has {ref.get('doi')}")
        if record.doi:
            answer = self.cache.get(f"crossref:{record.doi}")
            if answer is not None and not answer["found"]:
                unresolved("DOI", ref.get("doi"), "Crossref")
            elif answer is not None:
                titles.append(("Crossref", answer.get("title", "")))
                years.append(("Crossref", answer.get("years", [])))
        raw = ref.fields.get("title", "")
        for source, other in titles:
            # Folding drops braces and punctuation, so most titles compare
            # without LaTeX decoding (about 2 ms a title): decode only to be sure.
            if raw and other and not same_title(raw, other):
                title = _decode(raw)
                if not same_title(title, other):
                    mismatch(f"the title does not match {source}'s for these identifiers: "
                             f"{_cut(title)!r} here, {_cut(other)!r} there")
        year = ref.fields.get("year", "").strip()
        year = year if year.isdigit() else _decode(year).strip()
        for source, found in years:
            if year and found and year not in found:
                mismatch(f"the year {year} is none of {source}'s ({', '.join(found)})")
        return out


class _Missing(Exception):
    pass


def _crossref_or_missing(client: Client, cite, doi: str):  # noqa: ANN001, ANN201 - as services' functions
    work = crossref_work(client, cite, doi)
    if work is None:
        raise _Missing
    return work


def _record(ref: Reference) -> _Record:
    from ossref.load.bibliography import pmid_field

    doi, pmid, pmcid = ref.get("doi"), ref.fields.get(pmid_field(ref.fields) or "pmid", "").strip(), ref.get("pmcid")
    return _Record(ref, normalize_doi(doi) if doi and check_doi(doi) is None else "",
                   normalize_pmid(pmid) if pmid and check_pmid(pmid) is None else "",
                   pmcid if pmcid and check_pmcid(pmcid) is None else "")


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")


def _fold(title: str) -> str:
    text = title.casefold()
    if not text.isascii():  # accents off: "Müller" and "Muller" are one title
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_NON_WORD.sub(" ", text).split())


def same_title(a: str, b: str) -> bool:
    """Whether two titles name the same work: equal after folding, one the
    other with a subtitle, or at least :data:`TITLE_SIMILARITY` alike."""
    x, y = _fold(a), _fold(b)
    if not x or not y:
        return True
    if x == y or x.startswith(y + " ") or y.startswith(x + " "):
        return True
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= TITLE_SIMILARITY


def _decode(value: str) -> str:
    from ossref.site.vancouver import decode_latex  # pylatexenc, imported only when a title needs it

    return decode_latex(value)


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["Cache", "check_online", "same_title"]

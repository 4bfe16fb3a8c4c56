"""``ossref cite IDENTIFIER ...``: add BibTeX records by DOI, PMID or PMCID.

For each identifier the services are asked (see :func:`fetch`), one record is
built from their answers and nothing else, and all records are appended to
one ``.bib`` file of the citations folder in a single atomic replace (write a
temporary file beside it, then rename). Either every identifier gets its
record or nothing is written.

Exit codes: 0 done (records added, or all already there); 1 a service knows
no work with an identifier; 2 usage, configuration, network or service error.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote

from ossref.load.bibliography import load_bib, merge_bibliography, pmid_field
from ossref.config import Config, is_inside, relpath
from ossref.online.http import Client, ServiceError
from ossref.text.identifiers import check_doi, check_pmcid, check_pmid, normalize_doi, normalize_pmid
from ossref.load.loader import UNSAFE_TEXT, walk
from ossref.model import Reference
from ossref.online.services import IDCONV, Author, Ids, Work, crossref_work, idconv, invalid_identifiers, pubmed_search_doi, \
    pubmed_work

EXIT_OK, EXIT_NOT_FOUND, EXIT_ERROR = 0, 1, 2

#: Words skipped when the key takes the title's first significant word.
STOP_WORDS = frozenset("""a an the of on in at to for and or with from by as is are was were be via
    into onto about between after before under over its their our this that these those do does""".split())
#: Citation keys ``--key`` accepts: ASCII, and ending as ``[@key]`` is read
#: in a page (not on ``.`` or ``:``, which would end the sentence instead).
KEY = re.compile(r"[A-Za-z](?:[A-Za-z0-9_:.\-]{0,62}[A-Za-z0-9_\-])?")
_FIELD_ORDER = ("author", "title", "journal", "publisher", "year", "volume", "number", "pages",
                "doi", "pmid", "pmcid")
_DOI_PREFIX = re.compile(r"(?i)^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)")
_PMID = re.compile(r"(?i)^pmid:\s*(\S+)$")
_PMCID = re.compile(r"(?i)^(?:pmcid:\s*)?(pmc\S*)$")
_FOLD = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
         "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}
_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
          "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": "{^}", "@": "{@}", "`": "{`}"}


class CiteError(Exception):
    """``ossref cite`` cannot go on; nothing was written."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Identifier:
    kind: str  # "doi", "pmid" or "pmcid"
    value: str  # as the service expects it: bare DOI, PMID digits, PMC + digits


def parse_identifier(text: str) -> Identifier:
    """A DOI (``10.x/...``, ``doi:...``, ``https://doi.org/...``), a PMID
    (``pmid:38037601``, ``PMID: 38037601``) or a PMCID (``PMC10688266``);
    raises CiteError (exit 2) for anything else."""
    s = text.strip()
    m = _PMID.match(s)
    if m:
        problem = check_pmid(m.group(1))
        if problem:
            raise CiteError(f"`{_show(text)}` is not a PMID: {problem}")
        return Identifier("pmid", normalize_pmid(m.group(1)))
    m = _PMCID.match(s)
    if m:
        value = "PMC" + m.group(1)[3:]
        problem = check_pmcid(value)
        if problem:
            raise CiteError(f"`{_show(text)}` is not a PMCID: {problem}")
        return Identifier("pmcid", value)
    doi = _DOI_PREFIX.sub("", s, count=1)
    if doi != s and s.lower().startswith("http"):
        doi = unquote(doi)
    if doi.startswith("10."):
        problem = check_doi(doi)
        if problem:
            raise CiteError(f"`{_show(text)}` is not a DOI: {problem}")
        return Identifier("doi", doi)
    raise CiteError(f"`{_show(text)}` is neither a DOI, a PMID nor a PMCID "
                    "(write 10.xxxx/..., doi:10.xxxx/..., https://doi.org/10.xxxx/..., pmid:12345678 or PMC1234567)")


# --------------------------------------------------------------------------- fetching

def fetch(client: Client, config: Config, ident: Identifier) -> Work:
    """The work ``ident`` names, with its DOI, PMID and PMCID where the
    services know them: a DOI's PMID and PMCID come from the PMC ID Converter,
    or else from a PubMed search for the DOI whose record carries that DOI.
    Its fields come from PubMed (efetch) when the work has a PMID (full author
    names, NLM journal abbreviation), else from Crossref.
    Raises CiteError (exit 1) when a service knows no such work, and
    ServiceError when a service fails or the services disagree."""
    cite = config.cite
    if ident.kind == "doi":
        crossref = crossref_work(client, cite, ident.value)
        if crossref is None:
            raise CiteError(f"Crossref knows no work with DOI {ident.value}", EXIT_NOT_FOUND)
        ids = idconv(client, cite, [ident.value])[ident.value]
        pubmed = pubmed_work(client, cite, ids.pmid) if ids.pmid else None
        if not ids.pmid:
            # The converter knows only PMC's articles; most PubMed records are not in PMC.
            found = pubmed_search_doi(client, cite, ident.value)
            pubmed = pubmed_work(client, cite, found) if found else None
            if pubmed is not None and normalize_doi(pubmed.doi) != normalize_doi(ident.value):
                pubmed = None  # the search matched another work: keep Crossref's record alone
            ids = replace(ids, pmid=pubmed.pmid if pubmed else "")
        work = pubmed or crossref
        work = _merge_ids(work, Ids(crossref.doi, ids.pmid, ids.pmcid), IDCONV)
    elif ident.kind == "pmid":
        work = pubmed_work(client, cite, ident.value)
        if work is None:
            raise CiteError(f"PubMed knows no record with PMID {ident.value}", EXIT_NOT_FOUND)
        if not (work.doi and work.pmcid):
            work = _merge_ids(work, idconv(client, cite, [ident.value])[ident.value], IDCONV)
    else:
        ids = idconv(client, cite, [ident.value])[ident.value]
        if not (ids.pmid or ids.doi):
            raise CiteError(f"the PMC ID Converter knows no article with PMCID {ident.value}", EXIT_NOT_FOUND)
        work = pubmed_work(client, cite, ids.pmid) if ids.pmid else None
        if work is None and ids.doi:
            work = crossref_work(client, cite, ids.doi)
        if work is None:
            raise CiteError(f"neither PubMed nor Crossref has the work of PMCID {ident.value}", EXIT_NOT_FOUND)
        work = _merge_ids(work, replace(ids, pmcid=ident.value), IDCONV)
    if ident.kind == "pmid" and work.pmid != ident.value or ident.kind == "pmcid" and work.pmcid != ident.value:
        raise ServiceError(work.source, f"asked for {ident.value}, the answer is about another work")
    problems = invalid_identifiers(work)
    if problems:
        raise ServiceError(work.source, "returned a malformed identifier: " + "; ".join(problems))
    return work


def _merge_ids(work: Work, ids: Ids, service: str) -> Work:
    """``work`` with the identifiers it lacks taken from ``ids``; a conflict
    between the two is a ServiceError (the record would mix two works)."""
    values = {}
    for name, normalize in (("doi", normalize_doi), ("pmid", normalize_pmid), ("pmcid", str.upper)):
        mine, theirs = getattr(work, name), getattr(ids, name)
        if mine and theirs and normalize(mine) != normalize(theirs):
            raise ServiceError(service, f"{work.source} gives {name.upper()} {mine}, {service} gives {theirs}: "
                                        "they disagree about this work")
        values[name] = mine or theirs
    return replace(work, **values)


# --------------------------------------------------------------------------- the record

def _unsafe(value: str) -> str | None:
    """The first control or invisible character of ``value``, if any."""
    for char in value:
        if UNSAFE_TEXT.match(char) or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"):
            if char not in " ":
                return char
    return None


def check_work(work: Work) -> None:
    """Refuse a work holding control or invisible characters (ServiceError)."""
    texts = [("title", work.title), ("journal", work.journal), ("year", work.year), ("volume", work.volume),
             ("number", work.number), ("pages", work.pages), ("publisher", work.publisher)]
    texts += [("author", part) for a in work.authors for part in (a.family, a.given, a.suffix)]
    for name, value in texts:
        char = _unsafe(value)
        if char is not None:
            raise ServiceError(work.source, f"the {name} holds the invisible or control character "
                                            f"U+{ord(char):04X}; refused")


def escape(text: str) -> str:
    """``text`` as a BibTeX value that ossref's LaTeX decoding turns back into
    ``text``: specials escaped, ``--`` and ``''`` kept from becoming dashes
    and quotes, ``@`` braced."""
    out = []
    for i, char in enumerate(text):
        nxt = text[i + 1: i + 2]
        if char in _LATEX:
            out.append(_LATEX[char])
        elif char in "-'" and nxt == char:
            out.append(char + "{}")
        else:
            out.append(char)
    return "".join(out)


def _name_part(text: str) -> str:
    value = escape(text)
    # A comma or the word "and" would split the name list in the wrong place.
    return "{" + value + "}" if "," in text or re.search(r"(?i)(?:^|\s)and(?:\s|$)", text) else value


def _author(author: Author) -> str:
    if author.group:
        return "{" + escape(author.family) + "}"
    parts = [_name_part(author.family)]
    if author.suffix:
        parts.append(_name_part(author.suffix))
    if author.given or author.suffix:
        parts.append(_name_part(author.given))
    return ", ".join(parts)


def record_fields(work: Work) -> dict[str, str]:
    """The record's fields in their fixed order, as written between braces."""
    fields = {
        "author": " and ".join(_author(a) for a in work.authors),
        "title": "{" + escape(work.title) + "}" if work.title else "",
        "journal": escape(work.journal) if work.entry_type == "article" else "",
        "publisher": escape(work.publisher) if work.entry_type != "article" else "",
        "year": escape(work.year),
        "volume": escape(work.volume),
        "number": escape(work.number),
        "pages": "--".join(escape(part) for part in work.pages.split("--")),
        # Identifiers as plain text: ossref links them verbatim (and refuses escapes in them).
        "doi": work.doi,
        "pmid": work.pmid,
        "pmcid": work.pmcid,
    }
    return {name: fields[name] for name in _FIELD_ORDER if fields[name]}


def record_text(key: str, work: Work) -> str:
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in record_fields(work).items())
    return f"@{work.entry_type}{{{key},\n{body}}}\n"


def _ascii_word(text: str) -> str:
    folded = "".join(_FOLD.get(c, c) for c in text)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def make_key(work: Work, taken: set[str]) -> str:
    """First author's surname, year and first significant title word, ASCII
    lower case (``zelmanovich2023ossified``); a letter is appended while the
    key is in ``taken`` (case-folded keys)."""
    first = work.authors[0] if work.authors else None
    surname = ""
    if first is not None:
        words = first.family.split() if first.group else [first.family]
        surname = next((w for w in map(_ascii_word, words) if w and w not in STOP_WORDS), "")
    title_words = [_ascii_word(w) for w in re.split(r"[\s\-\u2010-\u2015/:;,.()\[\]]+", work.title)]
    word = next((w for w in title_words if w and w not in STOP_WORDS and not w.isdigit()), "")
    year = work.year if work.year.isdigit() else ""
    base = (surname + year + word) or "ref"
    if not base[0].isalpha():
        base = "ref" + base
    key, n = base, 0
    while key.casefold() in taken:
        n += 1
        key = base + _suffix(n)
    return key


def _suffix(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


# --------------------------------------------------------------------------- the project

def _bib_paths(config: Config) -> list[Path]:
    return walk(config.citations_path, config.root, ".bib")[0] if config.citations_path.is_dir() else []


def existing_references(config: Config) -> tuple[list[Path], dict[str, Reference]]:
    """The project's BibTeX files and records, loaded as ``ossref check`` loads them."""
    files = _bib_paths(config)
    refs, _ = merge_bibliography([load_bib(p, relpath(p, config.root), None, config) for p in files])
    return files, refs


def _target(config: Config, bib: Path | None, files: list[Path]) -> Path:
    if config.citations_path.is_symlink():
        raise CiteError(f"{config.citations_dir}/ is a symbolic link; ossref never writes through one")
    citations = config.citations_path.resolve()
    if bib is None:
        if len(files) > 1:
            names = ", ".join(relpath(p, config.root) for p in files[:5])
            raise CiteError(f"{len(files)} BibTeX files in {config.citations_dir}/ ({names}): "
                            "choose one with --bib FILE")
        return files[0] if files else config.citations_path / "references.bib"
    path = bib if bib.is_absolute() else Path.cwd() / bib
    if path.suffix != ".bib" or path.name.startswith("."):
        raise CiteError(f"--bib {bib}: the file must be a visible *.bib file")
    inside = is_inside(path.parent.resolve(), citations)
    # ossref check skips hidden folders, so a record there would never be read.
    hidden = inside and any(part.startswith(".") for part in path.parent.resolve().relative_to(citations).parts)
    if path.is_symlink() or not inside or hidden or path.parent.is_symlink():
        raise CiteError(f"--bib {bib}: the file must be in {config.citations_dir}/ (and not a symbolic link), "
                        "where ossref reads BibTeX")
    return path.parent.resolve() / path.name


def _work_ids(ref: Reference) -> set[tuple[str, str]]:
    out = set()
    doi, pmid, pmcid = ref.get("doi"), ref.fields.get(pmid_field(ref.fields) or "pmid", ""), ref.get("pmcid")
    if doi and check_doi(doi) is None:
        out.add(("DOI", normalize_doi(doi)))
    if pmid and check_pmid(pmid) is None:
        out.add(("PMID", normalize_pmid(pmid)))
    if pmcid and check_pmcid(pmcid) is None:
        out.add(("PMCID", pmcid.strip()))
    return out


def _ids_of(kind: str, value: str) -> set[tuple[str, str]]:
    if kind == "doi":
        return {("DOI", normalize_doi(value))}
    return {("PMID", normalize_pmid(value))} if kind == "pmid" else {("PMCID", value)}


def _all_ids(work: Work) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for kind in ("doi", "pmid", "pmcid"):
        if getattr(work, kind):
            out |= _ids_of(kind, getattr(work, kind))
    return out


# --------------------------------------------------------------------------- the command

def cite(config: Config, identifiers: list[str], *, bib: Path | None = None, key: str | None = None,
         dry_run: bool = False, out: TextIO, err: TextIO, client: Client | None = None) -> int:
    """Run ``ossref cite``; returns the exit code. Writes nothing unless every
    identifier got its record (or was already there)."""
    try:
        return _cite(config, identifiers, bib, key, dry_run, out, client)
    except CiteError as exc:
        err.write(f"ossref cite: {exc}; nothing written\n")
        return exc.exit_code
    except ServiceError as exc:
        err.write(f"ossref cite: {exc}; nothing written\n")
        return EXIT_ERROR


def _cite(config: Config, identifiers: list[str], bib: Path | None, key: str | None, dry_run: bool,
          out: TextIO, client: Client | None) -> int:
    wanted = [parse_identifier(text) for text in identifiers]
    if key is not None:
        if len(wanted) != 1:
            raise CiteError("--key names the key of one record: give one identifier with it")
        if not KEY.fullmatch(key):
            raise CiteError(f"--key `{_show(key)}`: a key is ASCII letters, digits and _:.- , "
                            "starting with a letter and ending with a letter, digit, _ or -, at most 64 characters")
    if not config.cite.contact:
        raise CiteError("set extra.ossref.cite.contact in mkdocs.yml to an e-mail address: "
                        "Crossref and NCBI ask every tool to send one")
    target = _target(config, bib, _bib_paths(config))
    # Read before the records decide duplicates and keys; _append refuses to
    # replace the file if it is no longer these bytes.
    before = _read_target(target, config)
    _, refs = existing_references(config)
    by_id: dict[tuple[str, str], Reference] = {}
    for ref in refs.values():
        for ident in _work_ids(ref):
            by_id.setdefault(ident, ref)
    taken = {k.casefold() for k in refs}
    if key is not None and key.casefold() in taken:
        first = next(r for r in refs.values() if r.key.casefold() == key.casefold())
        raise CiteError(f"the key `{key}` is already used at {first.path}:{first.line}; choose another")
    client = client or Client(config.cite.contact, config.cite.timeout)
    lines: list[str] = []
    new: list[tuple[str, Work]] = []
    new_ids: dict[tuple[str, str], str] = {}
    for ident in wanted:
        hit = _known(_ids_of(ident.kind, ident.value), by_id, new_ids)
        if hit is None:
            work = fetch(client, config, ident)
            check_work(work)
            hit = _known(_all_ids(work), by_id, new_ids)
        if hit is not None:
            lines.append(f"{hit[0]} is already there ({hit[1]}): cite it as [@{hit[0]}]\n")
            continue
        record_key = key or make_key(work, taken)
        taken.add(record_key.casefold())
        for ident_key in _all_ids(work):
            new_ids[ident_key] = record_key
        new.append((record_key, work))
        lines.append(f"{'would add' if dry_run else 'added'} {record_key} to {relpath(target, config.root)}: "
                     f"cite it as [@{record_key}]\n")
    texts = [record_text(k, w) for k, w in new]
    for (record_key, work), text in zip(new, texts):
        _verify(record_key, work, text, config)
    if dry_run:
        out.write("".join(t + "\n" for t in texts))
    elif texts:
        _append(target, before, texts, config)
    out.write("".join(lines))
    return EXIT_OK


def _known(ids: set[tuple[str, str]], by_id: dict[tuple[str, str], Reference],
           new_ids: dict[tuple[str, str], str]) -> tuple[str, str] | None:
    """(key, where) of a record already holding one of ``ids``."""
    for ident in sorted(ids):
        if ident in by_id:
            ref = by_id[ident]
            return ref.key, f"{ref.path}:{ref.line}, same {ident[0]}"
        if ident in new_ids:
            return new_ids[ident], f"added by this command, same {ident[0]}"
    return None


def _verify(key: str, work: Work, text: str, config: Config) -> None:
    """Load ``text`` with ossref's own BibTeX loader: it must give back
    exactly the record's fields and no finding, or nothing is written."""
    try:
        fd, name = tempfile.mkstemp(prefix="ossref-cite-", suffix=".bib")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            refs, found = load_bib(Path(name), "new.bib", None, config)
        finally:
            os.unlink(name)
    except OSError as exc:
        raise CiteError(f"cannot check the record in a temporary file: {exc.strerror or exc}") from None
    expected = record_fields(work)
    if found or len(refs) != 1 or refs[0].key != key or refs[0].fields != expected:
        problem = found[0].text if found else "the record did not read back as written"
        raise CiteError(f"the record built for {key} would not pass `ossref check` ({problem}); "
                        "please report this")


def _read_target(target: Path, config: Config) -> bytes:
    """The target file's bytes (empty if it does not exist yet); CiteError if
    it cannot take records."""
    if not target.exists() and not target.is_symlink():
        return b""
    if target.is_symlink() or not target.is_file():
        raise CiteError(f"{relpath(target, config.root)} is not a regular file")
    if target.stat().st_size > config.max_bib_bytes:
        raise CiteError(f"{relpath(target, config.root)} is larger than max_bib_bytes; use --bib FILE")
    try:
        data = target.read_bytes()
        data.decode("utf-8")
    except OSError as exc:
        raise CiteError(f"cannot read {relpath(target, config.root)}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CiteError(f"{relpath(target, config.root)} is not UTF-8 text; fix it first") from None
    return data


def _append(target: Path, old: bytes, texts: list[str], config: Config) -> None:
    """Append ``texts`` to ``target``, whose bytes were ``old``, by writing a
    whole new file beside it and renaming it over the old one, so no reader
    ever sees half a file."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    text = old.decode("utf-8")
    sep = "" if not text.strip() else ("\n" if text.endswith("\n") else "\n\n")
    data = (text + sep + "\n".join(texts)).encode("utf-8")
    if len(data) > config.max_bib_bytes:
        raise CiteError(f"{relpath(target, config.root)} would exceed max_bib_bytes "
                        f"({config.max_bib_bytes}); add the records to another file with --bib FILE")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ossref-cite-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        # Another editor may have saved the file meanwhile: never overwrite that.
        now = target.read_bytes() if target.exists() else b""
        if now != old:
            raise CiteError(f"{relpath(target, config.root)} changed while ossref cite ran; run it again")
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise CiteError(f"cannot write {relpath(target, config.root)}: {exc.strerror or exc}") from None
        raise


def _show(text: str, limit: int = 80) -> str:
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["CiteError", "cite", "escape", "existing_references", "fetch", "make_key", "parse_identifier",
           "record_text"]

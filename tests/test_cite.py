"""``ossref cite``: records from recorded Crossref and PubMed answers, replayed
by a local server (tests/replay.py); never the real services.

Where a test needs an answer that no recording holds, it says so: "made up"
answers are the documented shapes of the services (e.g. the PMC ID
Converter's record for an article outside PMC), with identifiers copied from
the recordings, never invented ones.
"""

from __future__ import annotations

import json
import os
import socket
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MKDOCS_YML, check_json, run
from ossref.load.bibliography import load_bib_file
from ossref.online.cite import escape, make_key, parse_identifier
from ossref.config import CiteConfig
from ossref.online.http import Client, ServiceError
from ossref.online.services import Author, Work, idconv, pubmed_work
from ossref.site.vancouver import _names, _one_line, decode_latex, format_authors
from replay import replay  # noqa: F401 - the fixture

CONTACT = "    cite:\n      contact: editor@example.org\n"
LANCET_DOI = "10.1016/S0140-6736(21)00183-5"


def not_in_pmc(ident: str) -> str:
    """Made up: the PMC ID Converter's documented answer for an id it has no
    article for (only PMC's articles are in it); no recording holds one."""
    key = "doi" if ident.startswith("10.") else "pmcid" if ident.startswith("PMC") else "pmid"
    return json.dumps({"status": "ok", "records": [{key: ident, "errmsg": "invalid article id"}]})


def no_search_hit() -> str:
    """Made up: esearch's JSON for a search that found nothing."""
    return json.dumps({"esearchresult": {"count": "0", "retmax": "0", "retstart": "0", "idlist": []}})


def make_project(root: Path, bib: str | None = "", options: str = CONTACT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML + options, encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    (root / "citations").mkdir(exist_ok=True)
    if bib is not None:
        (root / "citations" / "references.bib").write_text(bib, encoding="utf-8")
    return root


def cite(root: Path, *args: str) -> tuple[int, str, str]:
    return run(["cite", "--root", str(root), *args])


def cite_page(root: Path, *keys: str) -> None:
    """An entry citing ``keys``, so that check --strict has no unused reference."""
    cites = "".join(f"[@{k}]" for k in keys)
    (root / "content" / "lesion.md").write_text(
        f"---\ncondition: Lesion\nreferences: [{', '.join(keys)}]\n---\n\n## Overview\n\nA statement {cites}.\n",
        encoding="utf-8")


def bib_text(root: Path) -> str:
    return (root / "citations" / "references.bib").read_text(encoding="utf-8")


def loaded(root: Path) -> dict[str, dict[str, str]]:
    refs, found = load_bib_file(root / "citations" / "references.bib", "references.bib", 1_000_000)
    assert found == []
    return {r.key: r.fields for r in refs}


# --------------------------------------------------------------------------- identifiers

@pytest.mark.parametrize("text, kind, value", [
    ("10.1186/s41984-023-00259-0", "doi", "10.1186/s41984-023-00259-0"),
    ("doi:10.1186/s41984-023-00259-0", "doi", "10.1186/s41984-023-00259-0"),
    ("DOI: 10.1186/s41984-023-00259-0", "doi", "10.1186/s41984-023-00259-0"),
    ("https://doi.org/10.1186/s41984-023-00259-0", "doi", "10.1186/s41984-023-00259-0"),
    ("https://dx.doi.org/10.1016%2FS0140-6736(21)00183-5", "doi", LANCET_DOI),
    ("pmid:38037601", "pmid", "38037601"),
    ("PMID: 38037601", "pmid", "38037601"),
    ("PMC10688266", "pmcid", "PMC10688266"),
    ("pmc10688266", "pmcid", "PMC10688266"),
])
def test_identifier_forms(text: str, kind: str, value: str) -> None:
    ident = parse_identifier(text)
    assert (ident.kind, ident.value) == (kind, value)


@pytest.mark.parametrize("text", ["38037601", "pmid:0123", "PMC", "PMCx1", "10.12/x", "doi:", "hello",
                                  "https://example.org/10.1000/x", "10.1000/a b"])
def test_bad_identifiers_are_refused_before_any_request(tmp_path: Path, replay, text: str) -> None:
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, text)
    assert code == 2 and "nothing written" in err and out == ""
    assert replay.seen == []
    assert bib_text(root) == ""


# --------------------------------------------------------------------------- records

def test_cite_doi_writes_crossref_record_that_passes_strict(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "10.3389/fgene.2017.00147", 200, not_in_pmc("10.3389/fgene.2017.00147"))
    replay.answer("esearch", '"10.3389/fgene.2017.00147"[aid]', 200, no_search_hit())
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.3389/fgene.2017.00147")
    assert (code, err) == (0, "")
    assert out == "added panek2017algorithm to citations/references.bib: cite it as [@panek2017algorithm]\n"
    assert bib_text(root) == (
        "@article{panek2017algorithm,\n"
        "  author = {Pánek, Josef and Modrák, Martin and Schwarz, Marek},\n"
        "  title = {{An Algorithm for Template-Based Prediction of Secondary Structures of Individual RNA"
        " Sequences}},\n"
        "  journal = {Frontiers in Genetics},\n"
        "  year = {2017},\n"
        "  volume = {8},\n"
        "  doi = {10.3389/fgene.2017.00147},\n"
        "}\n")
    cite_page(root, "panek2017algorithm")
    code, report = check_json(root, "--strict")
    assert (code, report["diagnostics"]) == (0, [])


def test_cite_pmid_takes_efetch_full_names_and_all_identifiers(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:33515491")
    assert (code, err) == (0, "")
    fields = loaded(root)["sabino2021resurgence"]
    assert list(fields) == ["author", "title", "journal", "year", "volume", "number", "pages", "doi", "pmid",
                            "pmcid"]
    assert fields["journal"] == "Lancet"  # MedlineTA, the NLM abbreviation
    assert (fields["doi"], fields["pmid"], fields["pmcid"]) == (LANCET_DOI, "33515491", "PMC7906746")
    assert (fields["year"], fields["volume"], fields["number"], fields["pages"]) == ("2021", "397", "10273",
                                                                                    "452--455")
    authors = fields["author"].split(" and ")
    assert len(authors) == 23 and authors[0] == "Sabino, Ester C"
    assert "Castro, Márcia C" in authors and "Nascimento, Vítor H" in authors
    assert "Prete, Jr, Carlos A" in authors  # Suffix: "Last, Jr, First"
    # Both identifiers came with the record: the converter was not asked.
    assert [s.path for s in replay.seen] == ["/eutils/efetch.fcgi"]
    cite_page(root, "sabino2021resurgence")
    assert check_json(root, "--strict")[0] == 0


def test_cite_pmid_outside_pmc_asks_the_converter(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "32887691", 200, not_in_pmc("32887691"))
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "PMID: 32887691")
    assert (code, err) == (0, "")
    fields = loaded(root)["agarwal2020living"]
    assert "pmcid" not in fields and fields["doi"] == "10.1136/bmj.m3379"
    assert fields["pages"] == "m3379" and "number" not in fields
    assert len(fields["author"].split(" and ")) == 85
    assert [s.path for s in replay.seen] == ["/eutils/efetch.fcgi", "/idconv/"]


def lancet_in_pmc(replay) -> None:
    """Made up from the efetch recording of PMID 33515491: the converter's
    record linking its three identifiers (no recording asks it about them)."""
    replay.answer("idconv", "PMC7906746", 200, json.dumps({"status": "ok", "records": [
        {"pmcid": "PMC7906746", "pmid": "33515491", "doi": LANCET_DOI}]}))


def test_cite_pmcid_goes_through_converter_to_pubmed(tmp_path: Path, replay) -> None:
    lancet_in_pmc(replay)
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "PMC7906746")
    assert (code, err) == (0, "")
    assert loaded(root)["sabino2021resurgence"]["pmcid"] == "PMC7906746"


def test_cite_doi_with_pmid_takes_pubmed_record(tmp_path: Path, replay) -> None:
    # Crossref for the Lancet DOI is not recorded: made up with only what the
    # efetch recording says, to check that PubMed's fields win when a PMID exists.
    replay.answer("crossref", LANCET_DOI, 200, json.dumps({"status": "ok", "message": {
        "DOI": LANCET_DOI, "type": "journal-article", "title": ["Resurgence of COVID-19 in Manaus, Brazil"],
        "container-title": ["The Lancet"], "issued": {"date-parts": [[2021]]}}}))
    replay.answer("idconv", LANCET_DOI, 200, not_in_pmc(LANCET_DOI))
    replay.answer("esearch", f'"{LANCET_DOI}"[aid]', 200, json.dumps(
        {"esearchresult": {"count": "1", "idlist": ["33515491"]}}))
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, f"doi:{LANCET_DOI}")
    assert (code, err) == (0, "")
    fields = loaded(root)["sabino2021resurgence"]
    assert fields["journal"] == "Lancet" and fields["pmid"] == "33515491" and fields["pmcid"] == "PMC7906746"


def test_search_hit_with_another_doi_is_not_taken(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "10.3389/fgene.2017.00147", 200, not_in_pmc("10.3389/fgene.2017.00147"))
    # Made up: a search answering with an unrelated record (the Lancet one).
    replay.answer("esearch", '"10.3389/fgene.2017.00147"[aid]', 200, json.dumps(
        {"esearchresult": {"count": "1", "idlist": ["33515491"]}}))
    root = make_project(tmp_path / "p")
    assert cite(root, "10.3389/fgene.2017.00147")[0] == 0
    fields = loaded(root)["panek2017algorithm"]
    assert "pmid" not in fields and fields["journal"] == "Frontiers in Genetics"


def test_record_without_given_name_volume_or_pages(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "10.3892/ijo_00000353", 200, not_in_pmc("10.3892/ijo_00000353"))
    replay.answer("esearch", '"10.3892/ijo_00000353"[aid]', 200, no_search_hit())
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.3892/ijo_00000353")
    assert (code, err) == (0, "")
    fields = loaded(root)["stravopodis2009human"]
    assert fields["author"] == "Stravopodis"
    assert fields["doi"] == "10.3892/ijo_00000353"  # written as is: ossref links identifiers verbatim
    assert not {"volume", "number", "pages"} & set(fields)


def test_jats_markup_is_removed_from_titles(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "10.1136/jclinpath-2020-206745", 200, not_in_pmc("10.1136/jclinpath-2020-206745"))
    replay.answer("esearch", '"10.1136/jclinpath-2020-206745"[aid]', 200, no_search_hit())
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "--dry-run", "10.1136/jclinpath-2020-206745")
    assert code == 0 and "<i>" not in out and "KRAS" in out
    assert "  year = {2021},\n" in out  # the print issue's year, not the online one (2020)
    assert bib_text(root) == ""  # dry run


# --------------------------------------------------------------------------- the project

def test_existing_work_is_not_added_again(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", "@article{old2017,\n  title = {x},\n  doi = {10.3389/FGENE.2017.00147},\n}\n")
    before = bib_text(root)
    code, out, err = cite(root, "https://doi.org/10.3389/fgene.2017.00147")
    assert code == 0 and out == "old2017 is already there (citations/references.bib:1, same DOI): cite it as [@old2017]\n"
    assert replay.seen == [] and bib_text(root) == before


def test_existing_work_found_by_pmid_after_lookup(tmp_path: Path, replay) -> None:
    lancet_in_pmc(replay)
    root = make_project(tmp_path / "p", "@article{lancet,\n  title = {x},\n  pmid = {33515491},\n}\n")
    code, out, err = cite(root, "PMC7906746", "pmid:33515491")
    assert code == 0 and out.count("lancet is already there") == 2
    assert len(loaded(root)) == 1


def test_same_work_twice_in_one_command(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:33515491", "PMID: 33515491")
    assert code == 0 and list(loaded(root)) == ["sabino2021resurgence"]
    assert "sabino2021resurgence is already there (added by this command, same PMID)" in out


def test_key_is_unique_in_the_project(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", "@article{Sabino2021Resurgence,\n  title = {x},\n  doi = {10.1000/other},\n}\n")
    (root / "citations" / "more.bib").write_text("@article{sabino2021resurgencea,\n  title = {y},\n"
                                                "  doi = {10.1000/another},\n}\n", encoding="utf-8")
    code, out, err = cite(root, "--bib", str(root / "citations" / "references.bib"), "pmid:33515491")
    assert (code, err) == (0, "")
    assert "sabino2021resurgenceb" in loaded(root)


def test_key_option(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", "@article{taken,\n  title = {x},\n  doi = {10.1000/other},\n}\n")
    assert cite(root, "--key", "Taken", "pmid:33515491")[0] == 2  # differs only in case
    assert cite(root, "--key", "bad key", "pmid:33515491")[0] == 2
    assert cite(root, "--key", "ends.", "pmid:33515491")[0] == 2  # [@ends.] would cite `ends`
    assert cite(root, "--key", "manaus", "pmid:33515491", "pmid:32887691")[0] == 2
    assert replay.seen == []
    code, out, err = cite(root, "--key", "manaus2021", "pmid:33515491")
    assert code == 0 and "[@manaus2021]" in out and "manaus2021" in loaded(root)


def test_several_bib_files_need_bib_option(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", "")
    (root / "citations" / "more.bib").write_text("", encoding="utf-8")
    code, out, err = cite(root, "pmid:33515491")
    assert code == 2 and "--bib" in err and replay.seen == []
    outside = tmp_path / "outside.bib"
    assert cite(root, "--bib", str(outside), "pmid:33515491")[0] == 2
    assert cite(root, "--bib", str(root / "citations" / ".old" / "x.bib"), "pmid:33515491")[0] == 2
    assert cite(root, "--bib", str(root / "citations" / "x.txt"), "pmid:33515491")[0] == 2
    code, out, err = cite(root, "--bib", str(root / "citations" / "new" / "imaging.bib"), "pmid:33515491")
    assert code == 0 and "citations/new/imaging.bib" in out
    assert "sabino2021resurgence" in (root / "citations" / "new" / "imaging.bib").read_text(encoding="utf-8")


def test_no_bib_file_yet_creates_references_bib(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", bib=None)
    assert cite(root, "pmid:33515491")[0] == 0
    assert "sabino2021resurgence" in loaded(root)


def test_appending_keeps_existing_text(tmp_path: Path, replay) -> None:
    old = "% my references\n@article{old,\n  title = {x},\n  doi = {10.1000/other},\n}"  # no final newline
    root = make_project(tmp_path / "p", old)
    assert cite(root, "pmid:33515491")[0] == 0
    text = bib_text(root)
    assert text.startswith(old + "\n\n@article{sabino2021resurgence,\n") and text.endswith("}\n")


# --------------------------------------------------------------------------- failures write nothing

def test_unknown_doi_exits_1_and_writes_nothing(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:33515491", "10.1371/notarealdoi")
    assert code == 1 and "Crossref knows no work with DOI 10.1371/notarealdoi" in err
    assert bib_text(root) == "" and out == ""


def test_service_error_exits_2_naming_the_service(tmp_path: Path, replay) -> None:
    replay.answer("crossref", "10.1000/down", 503, "Service Unavailable", "text/plain")
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:33515491", "10.1000/down")
    assert code == 2 and err.startswith("ossref cite: Crossref: HTTP status 503") and bib_text(root) == ""


def test_efetch_error_inside_http_200(tmp_path: Path, replay) -> None:
    client = Client("editor@example.org", 5)
    with pytest.raises(ServiceError, match="PubMed efetch: Supplied id parameter is empty"):
        pubmed_work(client, CiteConfig(ncbi_url=f"{replay.base}/eutils", contact="editor@example.org"), "")


def test_idconv_recorded_answers(replay) -> None:
    client = Client("editor@example.org", 5)
    cite_config = CiteConfig(idconv_url=f"{replay.base}/idconv/", contact="editor@example.org")
    ids = idconv(client, cite_config, ["10.1038/ng.590"])["10.1038/ng.590"]
    assert (ids.pmid, ids.pmcid) == ("20495566", "PMC2883744")
    query = replay.seen[-1].query
    assert (query["tool"], query["email"], query["format"]) == ("ossref", "editor@example.org", "json")
    wrong_type = CiteConfig(idconv_url=f"{replay.base}/idconv/?idtype=doi", contact="editor@example.org")
    with pytest.raises(ServiceError, match="PMC ID Converter: ID type 'doi' mismatch for '28371833'"):
        idconv(client, wrong_type, ["28371833"])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_exits_2_naming_the_service(tmp_path: Path, monkeypatch) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("OSSREF_CROSSREF_URL", "OSSREF_NCBI_URL", "OSSREF_IDCONV_URL"):
        monkeypatch.setenv(name, dead)
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.3389/fgene.2017.00147")
    assert code == 2 and err.startswith("ossref cite: Crossref: cannot connect") and bib_text(root) == ""


def test_interrupted_write_leaves_the_file_whole(tmp_path: Path, replay, monkeypatch) -> None:
    root = make_project(tmp_path / "p", "% kept\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, out, err = cite(root, "pmid:33515491")
    assert code == 2 and "No space left" in err and bib_text(root) == "% kept\n"
    assert sorted(p.name for p in (root / "citations").iterdir()) == ["references.bib"]


def test_file_changed_meanwhile_is_not_overwritten(tmp_path: Path, replay, monkeypatch) -> None:
    root = make_project(tmp_path / "p", "% v1\n")
    import ossref.online.cite as module

    real = module._verify

    def edit_then_verify(*args):
        (root / "citations" / "references.bib").write_text("% v2, saved by an editor\n", encoding="utf-8")
        return real(*args)

    monkeypatch.setattr(module, "_verify", edit_then_verify)
    code, out, err = cite(root, "pmid:33515491")
    assert code == 2 and "changed while" in err
    assert bib_text(root) == "% v2, saved by an editor\n"


def test_contact_is_required_and_sent(tmp_path: Path, replay) -> None:
    root = make_project(tmp_path / "p", options="")
    code, out, err = cite(root, "pmid:33515491")
    assert code == 2 and "extra.ossref.cite.contact" in err and replay.seen == []
    root = make_project(tmp_path / "q")
    assert cite(root, "pmid:33515491")[0] == 0
    seen = replay.seen[-1]
    assert seen.headers["User-Agent"].startswith("ossref/") and "mailto:editor@example.org" in seen.headers["User-Agent"]
    assert (seen.query["tool"], seen.query["email"]) == ("ossref", "editor@example.org")


@pytest.mark.parametrize("options, message", [
    ("    cite:\n      contact: \"a@b.org\\r\\nX-Evil: 1\"\n", "contact must be one e-mail address"),
    ("    cite:\n      contact: a@b.org\n      crossref_url: file:///etc\n", "http:// or https://"),
    ("    cite:\n      contact: a@b.org\n      timeout: 0\n", "timeout"),
    ("    cite:\n      colour: red\n", "unknown option extra.ossref.cite.colour"),
    ("    online_cache: citations/online.json\n", "online_cache must not be inside citations_dir"),
])
def test_cite_options_are_validated(tmp_path: Path, options: str, message: str) -> None:
    root = make_project(tmp_path / "p", options=options)
    code, out, err = cite(root, "pmid:1")
    assert code == 2 and message in err


def test_base_urls_from_mkdocs_yml(tmp_path: Path, replay, monkeypatch) -> None:
    for name in ("OSSREF_CROSSREF_URL", "OSSREF_NCBI_URL", "OSSREF_IDCONV_URL"):
        monkeypatch.delenv(name)
    root = make_project(tmp_path / "p", options=CONTACT + f"      ncbi_url: {replay.base}/eutils/\n")
    assert cite(root, "pmid:33515491")[0] == 0
    assert [s.path for s in replay.seen] == ["/eutils/efetch.fcgi"]


def test_environment_overrides_and_is_checked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OSSREF_NCBI_URL", "ftp://example.org/")
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:1")
    assert code == 2 and "OSSREF_NCBI_URL must be an http:// or https:// URL" in err


# --------------------------------------------------------------------------- hostile answers

def hostile_crossref(replay, doi: str, **message) -> None:
    """Made up, hostile: a Crossref work with the given fields."""
    replay.answer("crossref", doi, 200, json.dumps({"status": "ok", "message": {
        "DOI": doi, "type": "journal-article", "issued": {"date-parts": [[2020]]}, **message}}))
    replay.answer("idconv", doi, 200, not_in_pmc(doi))
    replay.answer("esearch", f'"{doi}"[aid]', 200, no_search_hit())


def test_hostile_fields_are_escaped_and_round_trip(tmp_path: Path, replay) -> None:
    title = "50% of {cases} \\end{document} @comment{x} a--b ``q'' $x^2$ #1 ~ & _"
    family = "Smith and Jones, Ltd}"
    hostile_crossref(replay, "10.1000/evil", title=[title], author=[
        {"family": family, "given": "A@b"}, {"name": "Bone and Joint Group"}],
        **{"container-title": ["J {Evil} \\x"]})
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.1000/evil")
    assert (code, err) == (0, "")
    key = "smithandjonesltd2020cases"
    assert f"[@{key}]" in out
    fields = loaded(root)[key]  # one record, no finding: nothing escaped the value
    assert decode_latex(fields["title"]) == title
    assert decode_latex(fields["journal"]) == "J {Evil} \\x"
    names, _ = _names(fields["author"])  # split as ossref splits names: at " and " outside braces
    assert len(names) == 2
    assert format_authors(fields["author"]) == "Smith and Jones, Ltd} A, Bone and Joint Group"
    cite_page(root, key)
    code, report = check_json(root, "--strict")
    assert (code, report["diagnostics"]) == (0, [])


@pytest.mark.parametrize("bad", ["\u202e", "\u200b", "\x07", "\u2028", "\ufeff"])
def test_control_and_invisible_characters_are_refused(tmp_path: Path, replay, bad: str) -> None:
    hostile_crossref(replay, "10.1000/evil", title=[f"Innocent{bad} title"], author=[{"family": "Doe"}])
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.1000/evil")
    assert code == 2 and f"U+{ord(bad):04X}" in err and bib_text(root) == ""


def test_answer_about_another_work_is_refused(tmp_path: Path, replay) -> None:
    hostile_crossref(replay, "10.1000/asked")
    replay.answer("crossref", "10.1000/asked", 200, json.dumps({"status": "ok", "message": {"DOI": "10.1000/other"}}))
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.1000/asked")
    assert code == 2 and "the answer is about 10.1000/other" in err


def test_malformed_identifier_in_answer_is_refused(tmp_path: Path, replay) -> None:
    replay.answer("idconv", "10.3389/fgene.2017.00147", 200, json.dumps({"status": "ok", "records": [
        {"doi": "10.3389/fgene.2017.00147", "pmcid": "PMC12{x}"}]}))
    replay.answer("esearch", '"10.3389/fgene.2017.00147"[aid]', 200, no_search_hit())
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.3389/fgene.2017.00147")
    assert code == 2 and "malformed identifier" in err and bib_text(root) == ""


def test_oversized_answer_is_refused(tmp_path: Path, replay) -> None:
    replay.answer("crossref", "10.1000/big", 200, b'{"status": "ok", "message": {"title": ["' + b"x" * 2_100_000
                  + b'"]}}')
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.1000/big")
    assert code == 2 and "larger than 2000000 bytes" in err


def test_slow_answer_hits_the_deadline(tmp_path: Path, replay) -> None:
    replay.answer("crossref", "10.1000/slow", 200, b"{" + b" " * 60, drip=0.05)
    root = make_project(tmp_path / "p", options="    cite:\n      contact: editor@example.org\n      timeout: 1\n")
    code, out, err = cite(root, "10.1000/slow")
    assert code == 2 and "Crossref: the answer took more than 1 s" in err


def test_xml_entities_are_refused(tmp_path: Path, replay) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<PubmedArticleSet>&b;</PubmedArticleSet>")
    replay.answer("efetch", "99", 200, bomb, "text/xml")
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "pmid:99")
    assert code == 2 and "declares XML entities" in err


def test_redirect_to_file_url_is_not_followed(tmp_path: Path, replay) -> None:
    replay.answer("crossref", "10.1000/moved", 302, "", "text/plain", headers={"Location": "file:///etc/passwd"})
    root = make_project(tmp_path / "p")
    code, out, err = cite(root, "10.1000/moved")
    assert code == 2 and "Crossref: HTTP status 302" in err


# --------------------------------------------------------------------------- keys and escaping

@pytest.mark.parametrize("family, title, year, key", [
    ("Mühlen", "An RNA thermometer", "2020", "muhlen2020rna"),
    ("Østergaard", "The ßeta of Æsir", "2019", "ostergaard2019sseta"),
    ("李", "骨化性肌炎", "2021", "ref2021"),
    ("da Silva", "On the 2 cases of myositis", "2001", "dasilva2001cases"),
])
def test_keys_are_ascii(family: str, title: str, year: str, key: str) -> None:
    work = Work("test", title=title, year=year, authors=[Author(family)])
    assert make_key(work, set()) == key
    assert make_key(work, {key}) == key + "a"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn")),
               min_size=1, max_size=40))
def test_escape_round_trips_through_ossref_decoding(text: str) -> None:
    """Whatever a service sends, the record reads back as that text."""
    assert decode_latex("{" + escape(text) + "}") == unicodedata.normalize("NFC", _one_line(text))

"""``ossref check --online``: identifiers checked against recorded answers of
Crossref, PubMed esummary and the PMC ID Converter, replayed by a local server
(tests/replay.py). Answers no recording holds are marked "made up" where used.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MKDOCS_YML, run
from ossref.online.verify import same_title
from replay import replay  # noqa: F401 - the fixture
from test_cite import closed_port

CONTACT = "    cite:\n      contact: editor@example.org\n"
FGENE = ("@article{panek2017algorithm,\n  author = {Pánek, Josef},\n"
         "  title = {{An Algorithm for Template-Based Prediction of Secondary Structures of Individual RNA"
         " Sequences}},\n  journal = {Front Genet},\n  year = {2017},\n  doi = {10.3389/fgene.2017.00147},\n}\n")
YDENBERG = ("@article{ydenberg2012cdc42p,\n  author = {Ydenberg, C A},\n"
            "  title = {Cdc42p and Fus2p act together late in yeast cell fusion},\n  journal = {Mol Biol Cell},\n"
            "  year = {2012},\n  pmid = {22323294},\n}\n")


def project(root: Path, bib: str, options: str = CONTACT) -> Path:
    root.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML + options, encoding="utf-8")
    (root / "content").mkdir()
    (root / "citations").mkdir()
    (root / "citations" / "references.bib").write_text(bib, encoding="utf-8")
    return root


def online(root: Path, *extra: str) -> tuple[int, list[list], str]:
    """Exit code, [path, line, col, severity, code] rows of the online rules, stderr."""
    code, out, err = run(["check", "--root", str(root), "--format", "json", "--online", *extra])
    rows = [[d["path"], d["line"], d["column"], d["severity"], d["code"]] for d in json.loads(out)["diagnostics"]
            if d["code"] in ("identifier-mismatch", "unresolved-identifier")]
    return code, rows, err


def messages(root: Path) -> list[str]:
    code, out, err = run(["check", "--root", str(root), "--format", "json", "--online"])
    return [d["message"] for d in json.loads(out)["diagnostics"] if d["code"] == "identifier-mismatch"]


def test_records_that_agree_give_no_finding(tmp_path: Path, replay) -> None:
    root = project(tmp_path / "p", FGENE + "\n" + YDENBERG)
    code, rows, err = online(root)
    assert (code, rows, err) == (0, [], "")
    assert sorted(s.path for s in replay.seen) == ["/crossref/works/10.3389/fgene.2017.00147",
                                                   "/eutils/esummary.fcgi"]


def test_online_is_off_by_default(tmp_path: Path, replay) -> None:
    root = project(tmp_path / "p", FGENE)
    assert run(["check", "--root", str(root)])[0] == 0
    assert replay.seen == [] and not (root / ".ossref-online.json").exists()


def test_identifiers_of_different_works_are_a_mismatch(tmp_path: Path, replay) -> None:
    # PMID 22323294 (a yeast paper) with the DOI of a genetics paper.
    bib = YDENBERG.replace("  pmid = {22323294},\n", "  pmid = {22323294},\n  doi = {10.3389/fgene.2017.00147},\n")
    root = project(tmp_path / "p", bib)
    code, rows, err = online(root)
    assert code == 1 and err == ""
    assert rows == [["citations/references.bib", 1, 1, "error", "identifier-mismatch"]] * 3
    found = messages(root)
    assert any("PubMed gives PMID 22323294 the DOI 10.1091/mbc.E11-08-0723" in m for m in found)
    assert any("does not match Crossref's" in m for m in found)
    assert any("the year 2012 is none of Crossref's (2017)" in m for m in found)


def test_wrong_title_or_year_is_a_mismatch(tmp_path: Path, replay) -> None:
    bib = FGENE.replace("An Algorithm for Template-Based Prediction of Secondary Structures of Individual RNA"
                        " Sequences", "Myositis ossificans of the thigh").replace("2017", "2016")
    bib = bib.replace("fgene.2016", "fgene.2017")  # keep the DOI
    root = project(tmp_path / "p", "% header\n\n" + bib)
    code, rows, err = online(root)
    assert rows == [["citations/references.bib", 3, 1, "error", "identifier-mismatch"]] * 2


def test_unknown_identifiers_are_unresolved(tmp_path: Path, replay) -> None:
    # Made up: esummary's per-record error for a PMID it does not have (no recording holds one).
    replay.answer("esummary", "39999999", 200, json.dumps({"header": {"type": "esummary"}, "result": {
        "uids": ["39999999"], "39999999": {"uid": "39999999", "error": "cannot get document summary"}}}))
    bib = ("@article{ghost,\n  title = {Nothing},\n  year = {2020},\n  doi = {10.1371/notarealdoi},\n}\n\n"
           "@article{ghost2,\n  title = {Nothing},\n  pmid = {39999999},\n}\n")
    root = project(tmp_path / "p", bib)
    code, rows, err = online(root)
    assert code == 0 and err == ""
    assert rows == [["citations/references.bib", 1, 1, "warning", "unresolved-identifier"],
                    ["citations/references.bib", 7, 1, "warning", "unresolved-identifier"]]
    assert online(root, "--strict")[0] == 1


def test_pmcid_of_another_work_is_a_mismatch(tmp_path: Path, replay) -> None:
    # The recorded converter answer for 10.1038/ng.590, served for its PMCID
    # too: the converter answers with the same record whichever id is asked.
    body = (replay.folder / "idconv-10.1038_ng.590.json").read_bytes()
    replay.answer("idconv", "PMC2883744", 200, body)
    bib = "@article{x,\n  title = {Something},\n  pmcid = {PMC2883744},\n  doi = {10.3389/fgene.2017.00147},\n}\n"
    root = project(tmp_path / "p", bib)
    found = messages(root)
    assert any("PMC gives PMC2883744 the DOI 10.1038/ng.590, the record has 10.3389/fgene.2017.00147" in m
               for m in found)


def test_many_pmids_go_in_one_request(tmp_path: Path, replay) -> None:
    data = json.loads((replay.folder / "esummary-pubmed-26147656-and-8-more.json").read_text(encoding="utf-8"))
    records = []
    for uid in data["result"]["uids"]:
        item = data["result"][uid]
        records.append(f"@article{{r{uid},\n  title = {{{item['title']}}},\n  year = {{{item['pubdate'][:4]}}},\n"
                       f"  pmid = {{{uid}}},\n}}\n")
    root = project(tmp_path / "p", "\n".join(records))
    code, rows, err = online(root)
    assert (code, rows, err) == (0, [], "")
    assert [s.path for s in replay.seen] == ["/eutils/esummary.fcgi"]
    assert len(replay.seen[0].query["id"].split(",")) == 9


def test_answers_are_cached_and_reused_without_network(tmp_path: Path, replay, monkeypatch) -> None:
    bib = FGENE + "\n" + YDENBERG + "\n@article{ghost,\n  title = {x},\n  doi = {10.1371/notarealdoi},\n}\n"
    root = project(tmp_path / "p", bib)
    first = online(root)
    cache = root / ".ossref-online.json"
    text = cache.read_text(encoding="utf-8")
    assert json.loads(text)["answers"]["crossref:10.1371/notarealdoi"] == {"found": False}
    asked = len(replay.seen)
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("OSSREF_CROSSREF_URL", "OSSREF_NCBI_URL", "OSSREF_IDCONV_URL"):
        monkeypatch.setenv(name, dead)
    assert online(root) == first  # every answer came from the cache
    assert len(replay.seen) == asked and cache.read_text(encoding="utf-8") == text


def test_offline_says_so_once_and_checks_nothing(tmp_path: Path, monkeypatch) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("OSSREF_CROSSREF_URL", "OSSREF_NCBI_URL", "OSSREF_IDCONV_URL"):
        monkeypatch.setenv(name, dead)
    bib = FGENE + "\n" + YDENBERG + "\n@article{x,\n  title = {x},\n  pmcid = {PMC2883744},\n}\n"
    root = project(tmp_path / "p", bib)
    code, rows, err = online(root)
    assert (code, rows) == (0, [])
    assert err.count("no network") == 1 and err.count("\n") == 1
    assert not (root / ".ossref-online.json").exists()


def test_a_failing_service_is_noted_once_and_not_cached(tmp_path: Path, replay) -> None:
    replay.answer("crossref", "10.1000/a", 500, "Internal Server Error", "text/plain")
    bib = "".join(f"@article{{k{i},\n  title = {{t}},\n  doi = {{10.1000/{c}}},\n}}\n" for i, c in enumerate("ab"))
    root = project(tmp_path / "p", bib)
    code, rows, err = online(root)
    assert (code, rows) == (0, [])
    assert err == "ossref: Crossref: HTTP status 500; records that need Crossref were not checked online\n"
    assert not (root / ".ossref-online.json").exists()


def test_a_broken_cache_is_ignored_and_rewritten(tmp_path: Path, replay) -> None:
    root = project(tmp_path / "p", FGENE)
    (root / ".ossref-online.json").write_text('{"version": 1, "answers": [', encoding="utf-8")
    code, rows, err = online(root)
    assert code == 0 and "is unreadable; it is ignored and rewritten" in err
    assert "crossref:10.3389/fgene.2017.00147" in json.loads((root / ".ossref-online.json").read_text())["answers"]


def test_online_cache_option_and_rules(tmp_path: Path, replay) -> None:
    options = CONTACT + "    online_cache: ci/online.json\n    rules:\n      unresolved-identifier: error\n"
    root = project(tmp_path / "p", "@article{g,\n  title = {x},\n  doi = {10.1371/notarealdoi},\n}\n", options)
    code, rows, err = online(root)
    assert code == 1 and rows == [["citations/references.bib", 1, 1, "error", "unresolved-identifier"]]
    assert (root / "ci" / "online.json").is_file()


def test_online_needs_a_contact(tmp_path: Path, replay) -> None:
    root = project(tmp_path / "p", FGENE, options="")
    code, out, err = run(["check", "--root", str(root), "--online"])
    assert code == 2 and "extra.ossref.cite.contact" in err and replay.seen == []


def test_same_title() -> None:
    assert same_title("Cdc42p and Fus2p act together late in yeast cell fusion.",
                      "Cdc42p and Fus2p act together late in yeast cell fusion")
    assert same_title("Myositis ossificans", "Myositis ossificans: a case report")
    assert same_title("Haemorrhage in muscle", "Hemorrhage in muscle")
    assert same_title("Müller cells", "Muller Cells")
    assert not same_title("Myositis ossificans", "Calcific myonecrosis of the leg")

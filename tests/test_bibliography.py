"""ossref.load.bibliography: every record is loaded or reported, at its exact 1-based position."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import absent
from ossref.load.bibliography import _line, expand_value, load_bib_file, load_bibliography
from ossref.diagnostics import RULES, Diagnostic
from ossref.model import Reference

DATA = Path(__file__).parent / "data" / "bib"
PEER_BIB = Path(__file__).resolve().parent.parent.parent / "shared" / "peer-bib"
BIG = 10**8

GOOD = """\
@article{alpha2020,
  author = {Alpha, Ann and M{\\"u}ller, J{\\'e}r{\\^o}me},
  title = {{A study} of ossification -- caf\\'e, na\\"ive and \\c{c}a},
  journal = {J Test},
  year = {2020},
  doi = {10.1000/alpha.2020},
}
"""


def write(tmp_path: Path, content: str | bytes, name: str = "refs.bib") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load(tmp_path: Path, content: str | bytes, max_bytes: int = BIG) -> tuple[list[Reference], list[Diagnostic]]:
    return load_bib_file(write(tmp_path, content), "citations/refs.bib", max_bytes)


def found(diags: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.code) for d in diags]


# --------------------------------------------------------------------------- positions


def test_bibtexparser_start_line_is_zero_based_and_converted_once() -> None:
    text = "% one\n% two\n\n\n\n\n@misc{seven, url = {https://example.org}}\n"
    block = bibtexparser.parse_string(text, parse_stack=[]).entries[0]
    assert block.start_line == 6  # the library's convention: pin it
    assert _line(block) == 7


def test_record_on_line_7_is_reported_on_line_7(tmp_path: Path) -> None:
    text = "% a comment\n\n% another\n\n\n\n@article{seven,\n  title = {T},\n\n  year = 2001\n}\n"
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(7, 1, "unverifiable-reference")]
    assert (refs[0].line, refs[0].column) == (7, 1)
    assert refs[0].field_lines == {"title": 8, "year": 10}
    assert refs[0].path == "citations/refs.bib"


def test_clean_file_yields_nothing(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, "% header\n\n" + GOOD + "\n@comment{anything}\n@preamble{\"x\"}\n")
    assert diags == []
    assert [r.key for r in refs] == ["alpha2020"]


def test_accented_latex_gives_no_finding_and_is_kept_as_written(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, GOOD)
    assert diags == []
    assert refs[0].fields["author"] == 'Alpha, Ann and M{\\"u}ller, J{\\\'e}r{\\^o}me'
    assert refs[0].fields["title"] == "{A study} of ossification -- caf\\'e, na\\\"ive and \\c{c}a"
    assert refs[0].entry_type == "article"


def test_bom_before_first_entry_does_not_shift_positions() -> None:
    refs, diags = load_bib_file(DATA / "book_bom.bib", "citations/book_bom.bib", BIG)
    assert [(r.key, r.line, r.column) for r in refs] == [("Bird1987", 1, 1)]
    assert found(diags) == [(1, 1, "unverifiable-reference")]
    assert refs[0].fields["title"] == "Dynamics of Polymeric Liquid"


def test_bom_on_its_own_line(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, "\ufeff\n@article{a,\n  doi = {10.10/x},\n}\n")
    assert found(diags) == [(3, 3, "invalid-identifier")]
    assert (refs[0].line, refs[0].column) == (2, 1)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends_count_like_lf(tmp_path: Path, newline: str) -> None:
    text = "% c\n\n@misc{a,\n  title = {T},\n    doi = {bad}\n}\n".replace("\n", newline)
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(5, 5, "invalid-identifier")]
    assert refs[0].line == 3
    assert refs[0].fields == {"title": "T", "doi": "bad"}


def test_columns_of_entries_and_fields_sharing_a_line(tmp_path: Path) -> None:
    text = "@misc{a, doi = {bad}} @misc{b,\tpmid={0}}\n"
    refs, diags = load(tmp_path, text)
    assert [(r.key, r.line, r.column) for r in refs] == [("a", 1, 1), ("b", 1, 23)]
    assert found(diags) == [(1, 10, "invalid-identifier"), (1, 32, "invalid-identifier")]


def test_field_name_on_another_line_than_its_equals_sign(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, "@misc{a,\n  doi\n    = {x}\n}\n")
    assert found(diags) == [(2, 3, "invalid-identifier")]
    assert refs[0].field_lines == {"doi": 2}


def test_diagnostics_are_sorted(tmp_path: Path) -> None:
    _, diags = load(tmp_path, "@misc{b, doi={x}}\n@misc{a}\n@wrong{c, url={ftp://x}}\n")
    assert diags == sorted(diags)
    assert found(diags) == [
        (1, 10, "invalid-identifier"),
        (2, 1, "unverifiable-reference"),
        (3, 1, "bib-entry-type"),
        (3, 11, "invalid-identifier"),
    ]


# --------------------------------------------------------------------------- read-error


def test_not_utf8_is_reported_at_the_first_bad_byte() -> None:
    refs, diags = load_bib_file(DATA / "gbk_test.bib", "citations/gbk_test.bib", BIG)
    assert refs == []
    assert found(diags) == [(1, 10, "read-error")]
    assert "UTF-8" in diags[0].message and "UTF-8" in diags[0].hint


def test_not_utf8_position_after_a_bom_and_lines(tmp_path: Path) -> None:
    content = b"\xef\xbb\xbf@misc{a,\r\n  title = {caf\xc3\xa9 \xe9t\xe9}}\n"
    refs, diags = load(tmp_path, content)
    assert refs == []
    assert found(diags) == [(2, 17, "read-error")]
    assert "0xe9" in diags[0].message


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, GOOD, max_bytes=50)
    assert refs == []
    assert found(diags) == [(1, 1, "read-error")]
    assert "50" in diags[0].message and "max_file_bytes" in diags[0].hint
    assert load(tmp_path, GOOD, max_bytes=len(GOOD.encode()))[1] == []


def test_missing_file_and_folder_are_read_errors(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.bib", tmp_path):
        refs, diags = load_bib_file(path, "citations/x.bib", BIG)
        assert refs == [] and found(diags) == [(1, 1, "read-error")]
        assert diags[0].path == "citations/x.bib" and diags[0].hint


def test_empty_file(tmp_path: Path) -> None:
    assert load(tmp_path, b"") == ([], [])


# --------------------------------------------------------------------------- bib-syntax


def test_unclosed_entry_is_reported_and_the_next_one_loads(tmp_path: Path) -> None:
    text = (
        "@article{broken,\n"
        "  title = {Unclosed title,\n"
        "  doi = {10.1000/b}\n"
        "\n"
        "@article{fine,\n"
        "  doi = {10.1000/f},\n"
        "}\n"
    )
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(1, 1, "bib-syntax")]
    assert "`@article{broken`" in diags[0].message and "line 5" in diags[0].message
    assert [(r.key, r.line) for r in refs] == [("fine", 5)]


def test_unclosed_entry_at_end_of_file(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, GOOD + "\n  @book{last,\n  title = {x}\n")
    assert found(diags) == [(9, 3, "bib-syntax")]
    assert [r.key for r in refs] == ["alpha2020"]


def test_field_without_equals_sign_reports_once(tmp_path: Path) -> None:
    text = "@article{a,\n  title {T},\n  doi = {10.1000/a}\n}\n" + GOOD
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(1, 1, "bib-syntax")]  # the rest of `a` is not also "stray text"
    assert [r.key for r in refs] == ["alpha2020"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@article{bad key, doi = {10.1000/x}}\n", [(1, 1, "bib-syntax")]),
        ("@article{, doi = {10.1000/x}}\n", [(1, 1, "bib-syntax")]),
        ("\n  @{nokind, doi = {10.1000/x}}\n", [(2, 3, "bib-syntax")]),
        ("@commentary{c, doi = {10.1000/x}}\n", [(1, 1, "bib-syntax")]),
        ("@stringent{c, doi = {10.1000/x}}\n", [(1, 1, "bib-syntax")]),
        ("@string{ = {x}}\n", [(1, 1, "bib-syntax")]),
    ],
)
def test_unusable_blocks_are_reported(tmp_path: Path, text: str, expected: list) -> None:
    refs, diags = load(tmp_path, text)
    assert refs == []
    assert found(diags) == expected


# --------------------------------------------------------------------------- bib-field


def test_missing_comma_swallows_the_next_field(tmp_path: Path) -> None:
    text = "@article{a,\n  title = {A}\n  year = {2013},\n  doi = {10.1000/a},\n}\n"
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(2, 3, "bib-field")]
    assert "`year`" in diags[0].message and "comma" in diags[0].message
    assert refs[0].fields == {"title": "A", "doi": "10.1000/a"}


def test_missing_comma_after_bare_and_quoted_values(tmp_path: Path) -> None:
    text = '@misc{a, doi = {10.1000/a},\n  month = "jan"\n  year = 2013\n  volume = {2}}\n'
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(2, 3, "bib-field")]
    assert "`year`" in diags[0].message
    assert refs[0].fields["month"] == "jan"


def test_stray_text_between_entries(tmp_path: Path) -> None:
    text = GOOD + "% a comment line is fine\n\n   this is stray\n% and again\n" + GOOD.replace("alpha2020", "b")
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(10, 4, "bib-field")]
    assert "stray" in diags[0].message
    assert [r.key for r in refs] == ["alpha2020", "b"]


def test_stray_text_on_the_closing_line(tmp_path: Path) -> None:
    _, diags = load(tmp_path, "@misc{a, url = {https://x.org}}}\n")
    assert found(diags) == [(1, 32, "bib-field")]


def test_percent_comments_and_blank_lines_are_fine(tmp_path: Path) -> None:
    _, diags = load(tmp_path, "% one\n  % indented\n\n\t\n" + GOOD + "%\n%% end\n")
    assert diags == []


def test_duplicate_field_and_bad_field_name(tmp_path: Path) -> None:
    text = "@misc{a,\n  doi = {10.1000/a},\n  DOI = {10.1000/b},\n  % note = {x},\n}\n"
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(3, 3, "bib-field"), (4, 3, "bib-field")]
    assert refs[0].fields == {"doi": "10.1000/a"}


def test_undefined_macro_is_reported_and_kept(tmp_path: Path) -> None:
    refs, diags = load(tmp_path, "@misc{a,\n url = {https://x.org},\n journal = jbjs,\n month = dec}\n")
    assert found(diags) == [(3, 2, "bib-field")]
    assert refs[0].fields["journal"] == "jbjs"
    assert refs[0].fields["month"] == "dec"  # predefined month macro, kept as written


# --------------------------------------------------------------------------- bib-entry-type


def test_unknown_entry_type_still_loads() -> None:
    refs, diags = load_bib_file(DATA / "wrong.bib", "citations/wrong.bib", BIG)
    assert [(r.key, r.entry_type, r.line) for r in refs] == [("foo", "wrong", 3), ("bar", "article", 7)]
    assert found(diags) == [
        (3, 1, "bib-entry-type"),
        (3, 1, "unverifiable-reference"),
        (7, 1, "unverifiable-reference"),
    ]


@pytest.mark.parametrize("kind", ["ARTICLE", "Online", "thesis", "software", "dataset", "www", "inreference"])
def test_known_types_any_case(tmp_path: Path, kind: str) -> None:
    refs, diags = load(tmp_path, f"@{kind}{{a, url = {{https://x.org}}}}\n")
    assert diags == [] and refs[0].entry_type == kind.lower()


# --------------------------------------------------------------------------- identifiers


def test_invalid_identifiers_at_their_field(tmp_path: Path) -> None:
    text = (
        "@article{a,\n"
        "  doi = {11.1000/x},\n"
        "\tpmid = {0123},\n"
        "    pmcid = {123},\n"
        "  isbn = {0-306-40615-3},\n"
        "  url = {www.example.org},\n"
        "}\n"
    )
    refs, diags = load(tmp_path, text)
    assert found(diags) == [
        (2, 3, "invalid-identifier"),
        (3, 2, "invalid-identifier"),
        (4, 5, "invalid-identifier"),
        (5, 3, "invalid-identifier"),
        (6, 3, "invalid-identifier"),
    ]
    assert {d.severity.value for d in diags} == {"error"}
    assert "DOI" in diags[0].message and "10." in diags[0].hint


def test_identifiers_are_checked_as_written(tmp_path: Path) -> None:
    _, diags = load(tmp_path, "@misc{a,\n  doi = {10.1007/978-3-662-46803-6{\\_}26},\n}\n")
    assert found(diags) == [(2, 3, "invalid-identifier")]


def test_identifier_from_string_macro(tmp_path: Path) -> None:
    text = '@string{base = "https://example.org/"}\n@misc{a, url = base # "page"}\n'
    refs, diags = load(tmp_path, text)
    assert diags == [] and refs[0].fields["url"] == "https://example.org/page"


def test_pubmed_eprint_counts_as_pmid(tmp_path: Path) -> None:
    text = (
        "@article{a,\n  eprint = {12345},\n  eprinttype = {pubmed},\n}\n"
        "@article{b,\n  eprint = {0},\n  eprinttype = {pmid}}\n"
    )
    _, diags = load(tmp_path, text)
    assert found(diags) == [(6, 3, "invalid-identifier")]


def test_unverifiable_reference(tmp_path: Path) -> None:
    text = "@book{a,\n  title = {T},\n  eprint = {1202.0322},\n  archiveprefix = {arXiv},\n}\n"
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(1, 1, "unverifiable-reference")]
    assert diags[0].severity.value == "warning"
    # An identifier field that is present but malformed is an error, not also a warning.
    _, diags = load(tmp_path, "@book{a, isbn = {}}\n")
    assert found(diags) == [(1, 10, "invalid-identifier")]


# --------------------------------------------------------------------------- @string


def test_string_macros_are_expanded() -> None:
    refs, diags = load_bib_file(DATA / "features2.bib", "citations/features2.bib", BIG)
    assert found(diags) == [(19, 1, "unverifiable-reference")]
    assert refs[0].fields == {
        "author": "John Doe",
        "title": "Cool Stuff",
        "booktitle": "My International Conference",
        "pages": "1--10",
        "year": "2014",
        "note": "Email: John.Doe@example.com",
    }
    assert refs[0].field_lines == {"author": 20, "title": 21, "booktitle": 22, "pages": 23, "year": 24, "note": 25}


def test_macros_apply_from_their_definition_on(tmp_path: Path) -> None:
    text = (
        "@misc{a, url = {https://x.org}, note = later}\n"
        "@string{later = {L}}\n"
        "@misc{b, url = {https://x.org}, note = later}\n"
    )
    refs, diags = load(tmp_path, text)
    assert found(diags) == [(1, 33, "bib-field")]
    assert [r.fields["note"] for r in refs] == ["later", "L"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{A {B} C}", ("A {B} C", -1, [])),
        ('"A {"} B"', ('A {"} B', -1, [])),
        ('"x" # {y} # 12', ("xy12", -1, [])),
        ("m # { x}", ("M x", -1, [])),
        ("{A}\n  year = {2013}", ("A", 6, [])),
        ("2013 #", ("2013", 5, [])),
        ("{a}}", ("a", 3, [])),
        ('"open', ("", 0, [])),
        ("nope", ("nope", -1, ["nope"])),
        ("", ("", -1, [])),
    ],
)
def test_expand_value(raw: str, expected: tuple) -> None:
    assert expand_value(raw, {"m": "M"}) == expected


# --------------------------------------------------------------------------- across files


def test_duplicate_keys_in_one_file_and_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD + "\n" + GOOD.replace("10.1000/alpha.2020", "10.1000/other"), "a.bib")
    b = write(tmp_path, "\n" + GOOD.replace("10.1000/alpha.2020", "10.1000/third"), "b.bib")
    refs, diags = load_bibliography([(a, "citations/a.bib"), (b, "citations/b.bib")], BIG)
    assert [(d.path, d.line, d.column, d.code) for d in diags] == [
        ("citations/a.bib", 9, 1, "duplicate-citation-key"),
        ("citations/b.bib", 2, 1, "duplicate-citation-key"),
    ]
    assert "citations/a.bib:1" in diags[0].message and "citations/a.bib:1" in diags[1].message
    assert refs["alpha2020"].fields["doi"] == "10.1000/alpha.2020"  # the first definition wins
    assert list(refs) == ["alpha2020"]


def test_keys_differing_only_in_case(tmp_path: Path) -> None:
    a = write(tmp_path, "@misc{Smith2020, url = {https://a.org}}\n@misc{smith2020, url = {https://b.org}}\n")
    refs, diags = load_bibliography([(a, "citations/refs.bib")], BIG)
    assert found(diags) == [(2, 1, "duplicate-citation-key")]
    assert "`Smith2020`" in diags[0].message and "citations/refs.bib:1" in diags[0].message
    assert sorted(refs) == ["Smith2020", "smith2020"]


def test_duplicate_reference_by_doi_and_pmid(tmp_path: Path) -> None:
    a = write(tmp_path, "@misc{a, doi = {10.1000/ABC}}\n@misc{p, pmid = {123}}\n", "a.bib")
    b = write(
        tmp_path,
        "@misc{b, doi = {10.1000/abc}, pmid = {123}}\n"
        "@misc{q,\n  eprint = {123}, eprinttype = {pubmed}}\n"
        "@misc{r, doi = {10.1000/bad/..}, url = {https://x.org}}\n"
        "@misc{s, doi = {10.10/bad}}\n@misc{t, doi = {10.10/bad}}\n",
        "b.bib",
    )
    refs, diags = load_bibliography([(a, "citations/a.bib"), (b, "citations/b.bib")], BIG)
    rows = [(d.path, d.line, d.column, d.code) for d in diags]
    assert rows == [
        ("citations/b.bib", 1, 1, "duplicate-reference"),
        ("citations/b.bib", 2, 1, "duplicate-reference"),
        ("citations/b.bib", 5, 10, "invalid-identifier"),
        ("citations/b.bib", 6, 10, "invalid-identifier"),
    ]
    assert "`a`" in diags[0].message and "DOI" in diags[0].message and "citations/a.bib:1" in diags[0].message
    assert "`p`" in diags[1].message and "PMID" in diags[1].message
    assert diags[0].severity.value == "warning"


def test_loser_of_a_key_contest_is_not_also_a_duplicate_work(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD + GOOD)
    _, diags = load_bibliography([(a, "citations/refs.bib")], BIG)
    assert found(diags) == [(8, 1, "duplicate-citation-key")]


def test_load_bibliography_of_nothing() -> None:
    assert load_bibliography([], BIG) == ({}, [])


# --------------------------------------------------------------------------- robustness


def assert_well_formed(diags: list[Diagnostic], text: str | None, rel: str) -> None:
    lines = text.split("\n") if text is not None else None
    for d in diags:
        assert d.path == rel
        assert d.code in RULES and d.message.strip()
        assert d.line >= 1 and d.column >= 1
        if lines is not None:
            assert d.line <= len(lines), d
            assert d.column <= len(lines[d.line - 1]) + 1, d


def normalised(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


BIBLIKE = st.lists(
    st.sampled_from(
        list('@{}(),="#%\\\n \t') + ["@article{", "@string{", "doi", "url", "a", "1", "é", "\r", "\ufeff", "\x00"]
    ),
    max_size=150,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(BIBLIKE)
def test_any_text_loads_without_raising(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    refs, diags = load_bib_file(path, "citations/refs.bib", BIG)
    assert_well_formed(diags, normalised(path.read_bytes()), "citations/refs.bib")
    assert not any("internal error" in d.message for d in diags)
    for ref in refs:
        assert ref.key and ref.line >= 1 and ref.column >= 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_load_without_raising(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    _, diags = load_bib_file(path, "citations/refs.bib", BIG)
    assert_well_formed(diags, normalised(data), "citations/refs.bib")


ENTRY_OPENING = re.compile(r"(?m)^[ \t]*@([A-Za-z]\w*)[ \t]*[{(]")


@pytest.mark.skipif(not PEER_BIB.is_dir(), reason=absent(PEER_BIB, "peer-bib"))
def test_every_peer_bib_record_is_loaded_or_reported() -> None:
    files = sorted(PEER_BIB.glob("*.bib"))
    assert len(files) >= 10
    for path in files:
        rel = f"citations/{path.name}"
        refs, diags = load_bib_file(path, rel, BIG)
        text = normalised(path.read_bytes())
        assert_well_formed(diags, text, rel)
        if text is None:
            assert refs == [] and [d.code for d in diags] == ["read-error"], path.name
            continue
        openings = [
            text.count("\n", 0, m.start()) + 1
            for m in ENTRY_OPENING.finditer(text)
            if m.group(1).lower() not in ("comment", "string", "preamble")
        ]
        loaded = {r.line for r in refs}
        reported = {d.line for d in diags if d.code == "bib-syntax"} - loaded
        assert len(refs) + len(reported) == len(openings), path.name
        assert set(openings) == loaded | reported, path.name
    # Spot checks on the big export: duplicate keys survive per file, for load_bibliography.
    refs, _ = load_bib_file(PEER_BIB / "messy_bibfile.bib", "m.bib", BIG)
    keys = [r.key for r in refs]
    assert keys.count("hayashi02") == 2 and keys.count("polyanskiy10") == 2


@pytest.mark.skipif(not PEER_BIB.is_dir(), reason=absent(PEER_BIB, "peer-bib"))
def test_peer_bib_as_one_bibliography() -> None:
    files = [(p, f"citations/{p.name}") for p in sorted(PEER_BIB.glob("*.bib"))]
    refs, diags = load_bibliography(files, BIG)
    codes = {d.code for d in diags}
    assert {"read-error", "duplicate-citation-key", "bib-entry-type", "invalid-identifier"} <= codes
    dup = [d for d in diags if d.code == "duplicate-citation-key" and d.path == "citations/messy_bibfile.bib"]
    assert {d.message.split("`")[1] for d in dup} >= {"hayashi02", "polyanskiy10"}
    assert refs["cha:oakland15"].fields["booktitle"] == "Proceedings of the {IEEE} Symposium on Security and Privacy"


# --------------------------------------------------------------------------- fixture projects

LOADER_CODES = {
    "read-error", "bib-syntax", "bib-field", "bib-entry-type", "invalid-identifier",
    "unverifiable-reference", "duplicate-citation-key", "duplicate-reference",
}
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    "scenario",
    ["bib-syntax", "duplicate-citation-key", "invalid-identifier", "duplicate-reference", "unverifiable-reference"],
)
def test_fixture_bibliography_matches_expected(scenario: str) -> None:
    """The loader's share of each BibTeX fixture's expected.json (the CLI test checks the whole)."""
    root = FIXTURES / scenario
    expected = json.loads((root / "expected.json").read_text())["diagnostics"]
    files = [(p, p.relative_to(root).as_posix()) for p in sorted((root / "citations").glob("*.bib"))]
    _, diags = load_bibliography(files, BIG)
    got = [[d.path, d.line, d.column, d.severity.value, d.code] for d in diags]
    assert got == [row for row in expected if row[4] in LOADER_CODES]
    assert scenario in {row[4] for row in got}


# ============================================================ caps of big files (issue #15)

import importlib.util

from ossref.config import Config, load_config
from ossref.load.bibliography import _FileReader, load_bib, load_bib_bytes

_BENCH = importlib.util.spec_from_file_location("bench_bib", Path(__file__).resolve().parent.parent
                                                / "benchmarks" / "bib_and_report.py")
bench_bib = importlib.util.module_from_spec(_BENCH)
_BENCH.loader.exec_module(bench_bib)


def test_default_caps_accept_a_7_mb_export_of_20000_records(tmp_path: Path) -> None:
    path = write(tmp_path, bench_bib.export_bib(20_000))
    assert path.stat().st_size > 7_000_000
    refs, diags = load_bib(path, "citations/refs.bib", None, Config(root=tmp_path))
    assert diags == [] and len(refs) == 20_000
    assert refs[-1].fields["doi"].startswith("10.1000/j.19999.") and refs[-1].line == 275_658


def test_a_file_with_more_fields_than_the_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    text = "@misc{k,\n  a = {b}, c = {d},\n  e = {f}}\n"
    refs, diags = load_bib_bytes(text.encode(), "citations/refs.bib", BIG, max_fields=2)
    assert refs == [] and [(d.line, d.column, d.code) for d in diags] == [(3, 5, "bib-syntax")]
    assert "more than 2 `=` signs" in diags[0].message and "max_bib_fields" in diags[0].hint
    config = load_config(_project_yml(tmp_path, "    max_bib_fields: 2\n"))
    assert config.max_bib_fields == 2
    assert load_bib(write(tmp_path, text), "citations/refs.bib", None, config) == (refs, diags)
    assert load_bib(tmp_path / "refs.bib", "citations/refs.bib", text.encode(), Config(root=tmp_path))[0]


def test_the_bib_size_cap_is_its_own_option_and_the_hint_names_it(tmp_path: Path) -> None:
    config = load_config(_project_yml(tmp_path, "    max_bib_bytes: 100\n"))
    assert config.max_bib_bytes == 100 and config.max_file_bytes == Config(root=tmp_path).max_file_bytes
    path = write(tmp_path, GOOD)
    for data in (None, GOOD.encode()):
        refs, (problem,) = load_bib(path, "citations/refs.bib", data, config)
        assert refs == [] and problem.code == "read-error" and "max_bib_bytes" in problem.hint
    # Called with max_file_bytes, as before, the hint names that option.
    assert "max_file_bytes" in load_bib_file(path, "citations/refs.bib", 100)[1][0].hint


def _project_yml(tmp_path: Path, options: str) -> Path:
    (tmp_path / "mkdocs.yml").write_text(f"site_name: W\nextra:\n  ossref:\n{options}")
    return tmp_path


def test_columns_on_one_long_line_cost_linear_work() -> None:
    """Columns are found from the previous one, not from the line's start:
    a bounded-work count of the characters searched back for newlines, for
    a million fields or blocks on one line."""
    searched = 0

    class Counting(str):
        def rfind(self, sub, start=None, end=None):  # type: ignore[override]
            nonlocal searched
            searched += (len(self) if end is None else end) - (start or 0)
            return str.rfind(self, sub, start, end)

    text = Counting("@misc{k," + "a={b}," * 4000 + "}")
    reader = _FileReader(text, "citations/refs.bib")
    columns = [reader._column(at) for at in range(8, len(text), 6)]
    assert columns[:2] == [9, 15] and searched <= 2 * len(text)
    searched = 0
    columns = [reader._field_column(text, 0, at) for at in range(8, len(text), 6)]
    assert columns[:2] == [9, 15] and searched <= 2 * len(text)


def test_ossref_check_accepts_a_7_mb_export_with_the_default_caps(tmp_path: Path) -> None:
    """End to end: the loader reads a ``.bib`` file within ``max_bib_bytes``,
    not Markdown's ``max_file_bytes`` (1 MB), so a reference manager's export
    of a group library is checked, and the pages citing it find their keys."""
    import shutil

    from conftest import check_json

    root = tmp_path / "wiki"
    shutil.copytree(Path(__file__).parent / "fixtures" / "clean", root)
    export = bench_bib.export_bib(20_000)
    key = re.search(r"@article\{(\w+),", export).group(1)
    (root / "citations" / "export.bib").write_text(export, encoding="utf-8")
    assert (root / "citations" / "export.bib").stat().st_size > 7_000_000
    page = root / "content" / "myositis-ossificans.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nA cited export record [@{key}].\n", encoding="utf-8")
    code, data = check_json(root, "--no-cache")
    codes = {d["code"] for d in data["diagnostics"]}
    assert "read-error" not in codes and "unknown-citation" not in codes and "bib-syntax" not in codes, codes
    assert code == 0

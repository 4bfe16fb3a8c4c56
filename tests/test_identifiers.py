"""ossref.text.identifiers: validators return None when valid, else a short reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ossref.text.identifiers import (
    check_doi,
    check_isbn,
    check_pmcid,
    check_pmid,
    check_url,
    normalize_doi,
    normalize_pmid,
)

VALID_DOIS = [
    "10.1002/cncr.2820290103",
    "10.1002/1097-0142(197201)29:1<8::AID-CNCR2820290103>3.0.CO;2-A",
    "10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P",
    "10.1186/s41984-023-00259-0",
    "10.1000.10/123456",  # subdivided registrant code
    "10.12345678/x",
    "10.1007/978-3-662-46803-6_26",
    "  10.1056/NEJMoa2034577  ",  # surrounding whitespace is ignored
    "10.1000/x#fragment[1]",
]

INVALID_DOIS = [
    ("", "empty DOI"),
    ("   ", "empty DOI"),
    ("10.1000/ab c", "contains whitespace"),
    ("10.1000/abc\n", None),  # trailing newline is whitespace around it: valid
    ("doi:10.1000/abc", "write the bare DOI `10.1000/abc`, without the resolver prefix"),
    ("https://doi.org/10.1000/abc", "write the bare DOI `10.1000/abc`, without the resolver prefix"),
    ("http://dx.doi.org/10.1000/abc", "write the bare DOI `10.1000/abc`, without the resolver prefix"),
    ("11.1000/abc", "a DOI starts with `10.`"),
    ("10.100/abc", "registrant code after `10.` must be at least 4 digits"),
    ("10.abcd/abc", "registrant code after `10.` must be at least 4 digits"),
    ("10.1000", "no `/` between registrant code and suffix"),
    ("10.1000/", "empty suffix after `/`"),
    ("10.1000/a\x00b", "contains a control character"),
    ("10.1007/978-3-662-46803-6{\\_}26", "contains `\\` or braces: write the DOI as plain text (`_`, not `{\\_}`)"),
]


@pytest.mark.parametrize("doi", VALID_DOIS)
def test_valid_dois(doi: str) -> None:
    assert check_doi(doi) is None


@pytest.mark.parametrize(("doi", "message"), INVALID_DOIS)
def test_invalid_dois(doi: str, message: str | None) -> None:
    assert check_doi(doi) == message


@pytest.mark.parametrize("pmid", ["1", "4553946", "38037601", "999999999", " 12345 "])
def test_valid_pmids(pmid: str) -> None:
    assert check_pmid(pmid) is None


@pytest.mark.parametrize(
    ("pmid", "message"),
    [
        ("", "empty PMID"),
        ("0", "must not start with 0"),
        ("0123", "must not start with 0"),
        ("1234567890", "more than 9 digits"),
        ("PMID: 123", "a PMID is digits only, e.g. 4553946"),
        ("12 34", "a PMID is digits only, e.g. 4553946"),
        ("١٢٣", "a PMID is digits only, e.g. 4553946"),  # Arabic-Indic digits
        ("-5", "a PMID is digits only, e.g. 4553946"),
    ],
)
def test_invalid_pmids(pmid: str, message: str) -> None:
    assert check_pmid(pmid) == message


@pytest.mark.parametrize("pmcid", ["PMC1", "PMC1234567", " PMC7654321 "])
def test_valid_pmcids(pmcid: str) -> None:
    assert check_pmcid(pmcid) is None


@pytest.mark.parametrize(
    ("pmcid", "message"),
    [
        ("", "empty PMCID"),
        ("1234567", "a PMCID starts with `PMC`: write `PMC1234567`"),
        ("pmc1234567", "write `PMC` in capitals"),
        ("PMC", "a PMCID is `PMC` followed by digits, e.g. PMC1234567"),
        ("PMC0123", "a PMCID is `PMC` followed by digits, e.g. PMC1234567"),
        ("PMC 123", "a PMCID is `PMC` followed by digits, e.g. PMC1234567"),
        ("PMC12a", "a PMCID is `PMC` followed by digits, e.g. PMC1234567"),
    ],
)
def test_invalid_pmcids(pmcid: str, message: str) -> None:
    assert check_pmcid(pmcid) == message


@pytest.mark.parametrize(
    "isbn",
    [
        "0-306-40615-2",
        "0306406152",
        "978-0-306-40615-7",
        "9780306406157",
        "978 0 306 40615 7",
        "0-8044-2957-X",
        "0-8044-2957-x",
        "979-10-90636-07-1",
        "9781450320290",
        "0897912640",
    ],
)
def test_valid_isbns(isbn: str) -> None:
    assert check_isbn(isbn) is None


@pytest.mark.parametrize(
    ("isbn", "message"),
    [
        ("", "empty ISBN"),
        ("0-306-40615-3", "wrong check digit (ISBN-10)"),
        ("978-0-306-40615-8", "wrong check digit (ISBN-13)"),
        ("978-3-319-04149-6", "wrong check digit (ISBN-13)"),  # a real typo in messy_bibfile.bib
        ("977-0-306-40615-7", "an ISBN-13 starts with 978 or 979"),
        ("0018-9448", "8 digits; an ISBN has 10 or 13"),  # an ISSN
        ("0521852293, 9780521852296", "one ISBN per field"),
        ("ISBN 0306406152", "an ISBN is 10 or 13 digits, optionally separated by hyphens"),
        ("0-306--40615-2", "an ISBN is 10 or 13 digits, optionally separated by hyphens"),
        ("-0306406152", "an ISBN is 10 or 13 digits, optionally separated by hyphens"),
        ("03064X6152", "`X` can only be the last character of an ISBN-10"),
        ("978030640615X", "an ISBN-13 has no `X`"),
    ],
)
def test_invalid_isbns(isbn: str, message: str) -> None:
    assert check_isbn(isbn) == message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "http://example.org/path?q=1&r=2#frag",
        "https://pubmed.ncbi.nlm.nih.gov/4553946/",
        "HTTPS://EXAMPLE.ORG/",
        "https://user@example.org:8443/x",
        "https://[2001:db8::1]/x",
        "https://münchen.de/straße",
        "http://www.worldscientific.com/doi/abs/10.1142/S1230161215500055",
        "http://www.something.com/q=one%20two",
    ],
)
def test_valid_urls(url: str) -> None:
    assert check_url(url) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty URL"),
        ("www.example.org", "must start with http:// or https://"),
        ("ftp://example.org/file", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https:example.org", "write `https://` before the host"),
        ("https://", "no host name"),
        ("http:///path", "no host name"),
        ("https://example.org:99999/", "malformed host or port"),
        ("https://example.org:0/", "malformed port"),
        ("https://exa_mple.org/", "malformed host name `exa_mple.org`"),
        ("https://.example.org/", "malformed host name `.example.org`"),
        ("https://example..org/", "malformed host name `example..org`"),
        ("http://arxiv.org/abs/1 http://x.org/2", "contains whitespace (one URL per field)"),
        ("https://example.org/a\tb", "contains whitespace (one URL per field)"),
        ("https://example.org/{\\_}x", "contains `\\` or braces (a LaTeX escape?): write the URL as plain text"),
        ("https://cs.uwaterloo.ca/{~}watrous/", "contains `\\` or braces (a LaTeX escape?): write the URL as plain text"),
        ("https://example.org/<x>", "contains `<`: percent-encode it"),
        ("https://example.org/a|b", "contains `|`: percent-encode it"),
        ("https://example.org/\x01", "contains a control character"),
    ],
)
def test_invalid_urls(url: str, message: str) -> None:
    assert check_url(url) == message


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("10.1000/ABC", "10.1000/abc"),
        ("  doi:10.1000/ABC ", "10.1000/abc"),
        ("DOI: 10.1000/abc", "10.1000/abc"),
        ("https://doi.org/10.1000/ABC", "10.1000/abc"),
        ("http://dx.doi.org/10.1000/abc", "10.1000/abc"),
        ("HTTPS://DOI.ORG/10.1000/abc", "10.1000/abc"),
    ],
)
def test_normalize_doi(raw: str, normal: str) -> None:
    assert normalize_doi(raw) == normal


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("123", "123"), (" 00123 ", "123"), ("PMID: 456", "456"), ("pmid:456", "456"), ("abc", "abc")],
)
def test_normalize_pmid(raw: str, normal: str) -> None:
    assert normalize_pmid(raw) == normal


def _isbn13_check(first12: str) -> str:
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_check(first9: str) -> str:
    total = sum((10 - i) * int(c) for i, c in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


@given(st.sampled_from(["978", "979"]), st.text("0123456789", min_size=9, max_size=9))
def test_every_isbn13_with_its_check_digit_is_valid(prefix: str, body: str) -> None:
    isbn = prefix + body + _isbn13_check(prefix + body)
    assert check_isbn(isbn) is None
    wrong = isbn[:-1] + str((int(isbn[-1]) + 1) % 10)
    assert check_isbn(wrong) == "wrong check digit (ISBN-13)"


@given(st.text("0123456789", min_size=9, max_size=9))
def test_every_isbn10_with_its_check_digit_is_valid(body: str) -> None:
    isbn = body + _isbn10_check(body)
    assert check_isbn(isbn) is None
    assert check_isbn(f"{isbn[:1]}-{isbn[1:4]}-{isbn[4:9]}-{isbn[9]}") is None


@given(st.text())
def test_validators_never_raise(s: str) -> None:
    for check in (check_doi, check_pmid, check_pmcid, check_isbn, check_url):
        result = check(s)
        assert result is None or (isinstance(result, str) and result)
    normalize_doi(s)
    normalize_pmid(s)


@given(st.from_regex(r"10\.[0-9]{4,9}/[!-~]{1,40}", fullmatch=True))
def test_printable_ascii_dois_are_valid_unless_latex(doi: str) -> None:
    assert (check_doi(doi) is None) == ("\\" not in doi and "{" not in doi and "}" not in doi)

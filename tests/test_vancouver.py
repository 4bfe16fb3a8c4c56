"""NLM/Vancouver formatting (ossref.site.vancouver): exact strings, escaping, robustness."""

from __future__ import annotations

import html
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED, absent
from ossref.site import latex, vancouver
from ossref.model import Reference
from ossref.site.vancouver import Formatted, decode_latex, format_authors, format_reference

BIB = SHARED / "references" / "references.bib"

ZELMANOVICH_TEXT = (
    "Zelmanovich R, Lucke-Wold B, Elghareeb M. Ossified intramuscular hematoma of the "
    "paraspinal muscles: a case report. Egypt J Neurosurg. 2023;38(1):69. "
    "doi: 10.1186/s41984-023-00259-0. PMID: 38037601; PMCID: PMC10688266."
)


def ref(entry_type: str = "article", key: str = "k", **fields: str) -> Reference:
    return Reference(key, entry_type, dict(fields), "references.bib", 1, 1)


def zelmanovich() -> Reference:
    return ref(
        key="zelmanovich2023ossified",
        author="Zelmanovich, Rebecca and Lucke-Wold, Brandon and Elghareeb, Mohammed",
        title="{Ossified intramuscular hematoma of the paraspinal muscles: a case report}",
        journal="Egypt J Neurosurg",
        year="2023",
        volume="38",
        number="1",
        pages="69",
        doi="10.1186/s41984-023-00259-0",
        pmid="38037601",
        pmcid="PMC10688266",
    )


class _Tags(HTMLParser):
    """Collects every start tag with its (unescaped) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe_html(out: Formatted) -> None:
    """Only <a href="http(s)://..." rel="noopener"> tags, attributes that
    cannot be broken out of, and the same text as ``out.text``."""
    parser = _Tags()
    parser.feed(out.html)
    parser.close()
    for tag, attrs in parser.tags:
        if tag in ("sup", "sub"):  # superscripts and subscripts of titles
            assert attrs == {}, out.html
            continue
        assert tag == "a", out.html
        assert set(attrs) == {"href", "rel"}, out.html
        assert attrs["rel"] == "noopener"
        assert re.match(r"https?://", attrs["href"]), attrs["href"]
        assert not re.search(r"[\s\"<>\\]", attrs["href"]), attrs["href"]
    # Raw attribute values hold no quote, "<" or ">" at all (escaped or encoded).
    for value in re.findall(r'href="([^"]*)"', out.html):
        assert not re.search(r"[<>'\s]", value), value
    links = [tag for tag, _ in parser.tags if tag == "a"]
    assert len(re.findall(r"<a ", out.html)) == len(links) == out.html.count("</a>")
    assert "<script" not in out.html.lower()
    # Stripping the tags and unescaping gives back the plain text exactly.
    assert html.unescape(re.sub(r"<[^>]*>", "", out.html)) == out.text
    assert out.text.splitlines() == ([out.text] if out.text else [])


# --------------------------------------------------------------------------- exact strings


def test_zelmanovich_text_exact():
    assert format_reference(zelmanovich()).text == ZELMANOVICH_TEXT


def test_zelmanovich_html_exact():
    assert format_reference(zelmanovich()).html == (
        "Zelmanovich R, Lucke-Wold B, Elghareeb M. Ossified intramuscular hematoma of the "
        "paraspinal muscles: a case report. Egypt J Neurosurg. 2023;38(1):69. "
        'doi: <a href="https://doi.org/10.1186/s41984-023-00259-0" rel="noopener">'
        "10.1186/s41984-023-00259-0</a>. "
        'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/38037601/" rel="noopener">38037601</a>; '
        'PMCID: <a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC10688266/" rel="noopener">'
        "PMC10688266</a>."
    )


def test_more_than_six_authors_cut_to_six_and_et_al():
    r = ref(
        author="Meyers, Carolyn and Lisiecki, Jeffrey and Miller, Sarah and Levin, Adam and "
        "Fayad, Laura and Ding, Catherine and Sono, Takashi and McCarthy, Edward and "
        "Levi, Benjamin and James, Aaron W.",
        title="{Heterotopic Ossification: A Comprehensive Review}",
        journal="JBMR Plus",
        year="2019",
        volume="3",
        number="4",
        pages="e10172",
    )
    assert format_reference(r).text == (
        "Meyers C, Lisiecki J, Miller S, Levin A, Fayad L, Ding C, et al. "
        "Heterotopic Ossification: A Comprehensive Review. JBMR Plus. 2019;3(4):e10172."
    )


def test_exactly_six_authors_are_all_listed():
    six = " and ".join(f"Name{i}, A." for i in range(6))
    assert format_authors(six) == "Name0 A, Name1 A, Name2 A, Name3 A, Name4 A, Name5 A"


def test_missing_volume_keeps_issue_in_nlm_form():
    r = ref(
        author="Jogiya, Prabodhinee Dhiren and Hind, Jamie",
        title="{A Rare Presentation of Myositis Ossificans in a Diabetic Individual}",
        journal="JOCR",
        year="2022",
        number="10",
        pages="50--53",
    )
    assert format_reference(r).text == (
        "Jogiya PD, Hind J. A Rare Presentation of Myositis Ossificans in a Diabetic "
        "Individual. JOCR. 2022;(10):50-3."
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"volume": "23"}, "J. 2015;23:612-22."),
        ({"number": "4"}, "J. 2015;(4):612-22."),
        ({}, "J. 2015:612-22."),
        ({"volume": "23", "number": "10", "pages": ""}, "J. 2015;23(10)."),
        ({"year": "", "volume": "23"}, "J. 23:612-22."),
        ({"year": "", "date": "2015-06-02", "volume": "23"}, "J. 2015 Jun;23:612-22."),
        ({"month": "jun", "volume": "23"}, "J. 2015 Jun;23:612-22."),
        ({"year": "", "pages": "612--622"}, "J. p. 612-22."),
    ],
)
def test_missing_article_fields_are_left_out(fields, expected):
    base = {"journal": "J", "year": "2015", "pages": "612--622"}
    base.update(fields)
    assert format_reference(ref(**base)).text == expected


def test_year_from_date_when_no_year():
    r = ref(title="T", journal="J", date="2021-03-04/2021-05-01")
    assert format_reference(r).text == "T. J. 2021 Mar."


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("1243--1248", "1243-8"),
        ("612--622", "612-22"),
        ("50--53", "50-3"),
        ("E367--E370", "E367-70"),
        ("e32--e36", "e32-6"),
        ("8--22", "8-22"),
        ("99--101", "99-101"),
        ("391--407", "391-407"),
        ("2129--2140", "2129-40"),
        ("1243-1248", "1243-8"),
        ("1243\u20131248", "1243-8"),
        ("1243--48", "1243-48"),
        ("5--5", "5"),
        ("69", "69"),
        ("e10172", "e10172"),
        ("S1--S10", "S1-10"),
        ("S1--T10", "S1-T10"),
        ("12a--14b", "12a-14b"),
        ("iii--xii", "iii-xii"),
        ("1--5, 110--118", "1-5, 110-8"),
    ],
)
def test_pages_in_nlm_short_form(pages, expected):
    assert format_reference(ref(journal="J", year="2000", pages=pages)).text == (
        f"J. 2000:{expected}."
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("{Is it reversible?}", "Is it reversible? J. 2000."),
        ("{Stop!}", "Stop! J. 2000."),
        ("{Ends with a period.}", "Ends with a period. J. 2000."),
        ("A {DNA} study", "A DNA study. J. 2000."),
        ("{{Double braced}}", "Double braced. J. 2000."),
    ],
)
def test_title_final_punctuation_not_doubled(title, expected):
    assert format_reference(ref(title=title, journal="J", year="2000")).text == expected


def test_journal_abbreviation_with_period_not_doubled():
    r = ref(title="T", journal="J. Bone Jt. Surg.", year="2000")
    assert format_reference(r).text == "T. J. Bone Jt. Surg. 2000."


# --------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{Title}}", "Title"),
        ("A {DNA} test", "A DNA test"),
        ('M{\\"u}ller', "M\u00fcller"),
        ("Caf\\'e", "Caf\u00e9"),
        ("Caf{\\'{e}}", "Caf\u00e9"),
        ("Fran\\c{c}ois", "Fran\u00e7ois"),
        ("Stra\\ss e", "Stra\u00dfe"),
        ("Stra{\\ss}e", "Stra\u00dfe"),
        ("{\\O}yvind", "\u00d8yvind"),
        ("Lacch{\\`e}", "Lacch\u00e8"),
        ("1975--2009", "1975\u20132009"),
        ("a---b", "a\u2014b"),
        ("Fig.~1", "Fig.\u00a01"),
        ("Bone \\& Joint", "Bone & Joint"),
        ("{Bone & Joint}", "Bone & Joint"),
        ("50\\% of cases", "50% of cases"),
        ("{50% of} cases", "50% of cases"),
        ("{multi\n   line}", "multi line"),
        ("no latex at all", "no latex at all"),
        ("", ""),
    ],
)
def test_decode_latex(value, expected):
    assert decode_latex(value) == expected


@pytest.mark.parametrize(
    "value", ["\\href{x}{y}", "{" * 3000, "}}}{{{", "\\", "\\'", "$x", "\\begin{x", "\\input{/etc/passwd}"]
)
def test_decode_latex_never_raises_on_malformed_input(value):
    assert isinstance(decode_latex(value), str)


def test_decode_latex_malformed_input_logs_no_warning(caplog):
    caplog.set_level(logging.WARNING)
    decode_latex("only-in-this-test \\url")  # pylatexenc warns on a bare \url
    assert not caplog.records


def test_decode_latex_never_reads_files():
    assert "root" not in decode_latex("{\\input{/etc/passwd}}")


def test_latex_accents_in_a_whole_reference():
    r = ref(
        author="Berner, Kjetil and Bruland, {\\O}yvind S. and Lacch{\\`e}, Adriano and "
        'M{\\"u}ller, Jean-Fran\\c{c}ois',
        title="{Extraskeletal osteosarcoma in Norway, 1975--2009: {\\\"u}ber~alles \\& 5\\%}",
        journal="Anticancer Research",
        year="2015",
        volume="35",
        number="4",
        pages="2129--2140",
    )
    out = format_reference(r)
    assert out.text == (
        "Berner K, Bruland \u00d8S, Lacch\u00e8 A, M\u00fcller JF. Extraskeletal osteosarcoma "
        "in Norway, 1975\u20132009: \u00fcber\u00a0alles & 5%. Anticancer Research. "
        "2015;35(4):2129-40."
    )
    assert "&amp; 5%" in out.html


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("Zelmanovich, Rebecca and Lucke-Wold, Brandon", "Zelmanovich R, Lucke-Wold B"),
        ("O'Valle, Francisco and Aneiros-Fernandez, Jose", "O'Valle F, Aneiros-Fernandez J"),
        ("Jean-Paul Sartre", "Sartre JP"),
        ("Sartre, Jean-Paul", "Sartre JP"),
        ("Cho, T.-J.", "Cho TJ"),
        ("Howe, B. Matthew", "Howe BM"),
        ("Davis, Mark D. P.", "Davis MDP"),
        ("J.~R.~R. Tolkien", "Tolkien JRR"),
        ("Ludwig van Beethoven", "van Beethoven L"),
        ("van der Meer, Jos W. M.", "van der Meer JWM"),
        ("von Neumann, Jr, John", "von Neumann J Jr"),
        ("King, Martin Luther, Jr.", "King ML Jr"),
        ("Weber II, K. A.", "Weber KA 2nd"),
        ("Gilstrap, Larry C., III", "Gilstrap LC 3rd"),
        ("{World Health Organization}", "World Health Organization"),
        ("{The REACH Investigators} and Smith, J", "The REACH Investigators, Smith J"),
        ("{Barnes and Noble} and Smith, J", "Barnes and Noble, Smith J"),
        ("Aristotle", "Aristotle"),
        ("Sullivan, M. P. and others", "Sullivan MP, et al."),
        ("others", "et al."),
        ("Smith, J AND Doe, A", "Smith J, Doe A"),
        ("Smith, J\n  and\tDoe, A", "Smith J, Doe A"),
        ("Alexander, Brandon", "Alexander B"),
        ("", ""),
        (" and and ", ""),
    ],
)
def test_format_authors(field, expected):
    assert format_authors(field) == expected


def test_format_authors_more_than_six_with_others():
    names = " and ".join(f"N{i}, A" for i in range(8)) + " and others"
    assert format_authors(names) == "N0 A, N1 A, N2 A, N3 A, N4 A, N5 A, et al."


# --------------------------------------------------------------------------- other types


def test_book():
    r = ref(
        "book",
        author="Murray, Patrick R. and Rosenthal, Ken S. and Kobayashi, George S. and Pfaller, Michael A.",
        title="{Medical microbiology}",
        edition="4",
        address="St. Louis",
        publisher="Mosby",
        year="2002",
    )
    assert format_reference(r).text == (
        "Murray PR, Rosenthal KS, Kobayashi GS, Pfaller MA. Medical microbiology. "
        "4th ed. St. Louis: Mosby; 2002."
    )


def test_book_by_editors_without_place():
    r = ref("book", editor="Gilstrap, L. C. and Cunningham, F. G.", title="Operative obstetrics",
            edition="second", publisher="McGraw-Hill", year="2002")
    assert format_reference(r).text == (
        "Gilstrap LC, Cunningham FG, editors. Operative obstetrics. 2nd ed. McGraw-Hill; 2002."
    )


def test_incollection():
    r = ref(
        "incollection",
        author="Meltzer, P. S. and Kallioniemi, A. and Trent, J. M.",
        title="Chromosome alterations in human solid tumors",
        editor="Vogelstein, B. and Kinzler, K. W.",
        booktitle="The genetic basis of human cancer",
        address="New York",
        publisher="McGraw-Hill",
        year="2002",
        pages="93--113",
    )
    assert format_reference(r).text == (
        "Meltzer PS, Kallioniemi A, Trent JM. Chromosome alterations in human solid tumors. "
        "In: Vogelstein B, Kinzler KW, editors. The genetic basis of human cancer. "
        "New York: McGraw-Hill; 2002. p. 93-113."
    )


def test_phdthesis():
    r = ref("phdthesis", author="Borkowski, M. M.", title="Infant sleep and feeding",
            address="Mount Pleasant (MI)", school="Central Michigan University", year="2002")
    assert format_reference(r).text == (
        "Borkowski MM. Infant sleep and feeding [dissertation]. "
        "Mount Pleasant (MI): Central Michigan University; 2002."
    )


def test_online_misc():
    r = ref("online", author="{World Health Organization}", title="Fact sheet",
            url="https://www.who.int/news-room/fact-sheets", year="2023", urldate="2024-01-05")
    out = format_reference(r)
    assert out.text == (
        "World Health Organization. Fact sheet [Internet]. 2023 [cited 2024 Jan 5]. "
        "Available from: https://www.who.int/news-room/fact-sheets"
    )
    assert '<a href="https://www.who.int/news-room/fact-sheets" rel="noopener">' in out.html


def test_url_then_doi_and_duplicate_doi_url_dropped():
    base = dict(title="T", journal="J", year="2000", doi="10.1/x")
    with_url = format_reference(ref(url="https://example.org/a?b=1&c=2", **base))
    assert with_url.text == "T. J. 2000. Available from: https://example.org/a?b=1&c=2 doi: 10.1/x."
    assert 'href="https://example.org/a?b=1&amp;c=2"' in with_url.html
    dup = format_reference(ref(url="https://doi.org/10.1/x", **base))
    assert dup.text == "T. J. 2000. doi: 10.1/x."


def test_howpublished_url_macro():
    r = ref("misc", title="Page", howpublished="\\url{https://example.org/a_b}")
    assert format_reference(r).text == "Page [Internet]. Available from: https://example.org/a_b"


def test_identifier_forms_normalised():
    r = ref(title="T", doi="https://doi.org/10.1/X", pmcid="123", pmid=" 42 ")
    out = format_reference(r)
    assert out.text == "T. doi: 10.1/X. PMID: 42; PMCID: PMC123."
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC123/"' in out.html


def test_non_numeric_ids_are_shown_but_not_linked():
    out = format_reference(ref(title="T", pmid="n/a", pmcid="none", doi="unknown"))
    assert out.text == "T. doi: unknown. PMID: n/a; PMCID: none."
    assert "<a " not in out.html


def test_empty_record_falls_back_to_key():
    assert format_reference(ref(key="lonely")) == Formatted("lonely", "lonely")


# --------------------------------------------------------------------------- injection


EVIL = '<script>alert(1)</script>"\'><img src=x onerror=alert(1)>'


def test_html_injection_in_every_field():
    r = ref(
        key="evil",
        author=f'{EVIL}, "Bobby" and {{<b onmouseover="x">Corp</b>}}',
        title="<script>alert(1)</script>",
        journal=EVIL,
        year=EVIL,
        volume=EVIL,
        number=EVIL,
        pages=EVIL,
        doi='10.1/"><script>alert(1)</script>',
        pmid='1"><script>',
        pmcid='PMC1"><script>',
        url="javascript:alert(1)",
    )
    out = format_reference(r)
    assert_safe_html(out)
    assert "javascript:" not in out.html
    assert "Available from" not in out.text
    assert "<script>alert(1)</script>" in out.text  # shown, as text
    doi_href = re.search(r'<a href="(https://doi\.org/[^"]*)"', out.html).group(1)
    assert doi_href == "https://doi.org/10.1/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/x",
        "https:evil.example",
        "http://",
        "ftp://example.org/x",
        "https://example.org/a b",
        'https://example.org/"><script>',
    ],
)
def test_only_http_urls_become_links(url):
    out = format_reference(ref("misc", title="T", url=url))
    assert_safe_html(out)
    assert "<script" not in out.html
    if "<a " in out.html:
        assert url.startswith("https://example.org/")


def test_quote_in_url_cannot_break_attribute():
    out = format_reference(ref("misc", title="T", url="https://example.org/?q=\"x'y<z>"))
    assert_safe_html(out)
    assert 'href="https://example.org/?q=%22x&#x27;y%3Cz%3E"' in out.html


# --------------------------------------------------------------------------- caching


def test_format_reference_is_cached_by_key_and_fields():
    first = format_reference(zelmanovich())
    assert format_reference(zelmanovich()) is first
    changed = zelmanovich()
    changed.fields["year"] = "2024"
    assert format_reference(changed) is not first
    assert "2024;38(1):69" in format_reference(changed).text


# --------------------------------------------------------------------------- properties

FIELD_NAMES = [
    "author", "editor", "title", "journal", "journaltitle", "booktitle", "year", "date",
    "month", "volume", "number", "issue", "pages", "eid", "doi", "pmid", "pmcid", "url",
    "urldate", "howpublished", "publisher", "address", "school", "edition", "type", "note",
    "chapter", "eprint", "eprinttype", "subtitle", "maintitle", "mainsubtitle", "booksubtitle", "series",
    "part", "crossref",
]
ENTRY_TYPES = [
    "article", "book", "incollection", "inbook", "inproceedings", "phdthesis",
    "mastersthesis", "thesis", "techreport", "misc", "online", "unpublished", "weird",
]
# Tokens that exercise the LaTeX decoder, the name parser, the page ranges
# and the link builders, glued together at random.
latexish = st.lists(
    st.sampled_from(list("ab Z-{}\\~%&$#_^'\"`<>:/.,;?!0123456789\n\t\xa0\u2028é")
                    + ["--", " and ", "others", "\\'", '\\"', "\\c", "javascript:",
                       "https://", "10.", "PMC", "\\url{", "\\href{", "Jr", "II", ", ", "$^{", "$_",
                       "\\textsuperscript{", "\\TeX", "\\textless", "R.B.", "\ue000", "\ue003"]),
    max_size=30,
).map("".join)
any_text = st.one_of(latexish, st.text(max_size=40))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entry_type=st.one_of(st.sampled_from(ENTRY_TYPES), st.text(max_size=10)),
    fields=st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)),
                           any_text, max_size=12),
    key=st.text(max_size=10),
)
def test_format_reference_never_raises(entry_type, fields, key):
    r = Reference(key, entry_type, fields, "x.bib", 1, 1)
    # The uncached core has no safety net: an exception here is a real bug
    # that format_reference's fallback would otherwise hide.
    core = vancouver._format(key, entry_type, dict(fields))
    assert format_reference(r) == core
    assert_safe_html(core)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_decode_and_authors_never_raise(value):
    decoded = decode_latex(value)
    assert "\n" not in decoded and "\u2028" not in decoded
    assert isinstance(format_authors(value), str)


# --------------------------------------------------------------------------- real data


@pytest.mark.skipif(not BIB.is_file(), reason=absent(BIB, "references"))
def test_formats_every_shared_reference_silently(capsys, caplog):
    import bibtexparser

    caplog.set_level(logging.WARNING)
    library = bibtexparser.parse_file(str(BIB))
    refs = [
        Reference(e.key, e.entry_type.lower(), {f.key.lower(): f.value for f in e.fields},
                  "references.bib", e.start_line + 1, 1)
        for e in library.entries
    ]
    assert len(refs) == 40
    for r in refs:
        out = format_reference(r)
        assert out.text and out.text != r.key
        assert_safe_html(out)
    by_key = {r.key: format_reference(r).text for r in refs}
    assert by_key["zelmanovich2023ossified"] == ZELMANOVICH_TEXT
    assert by_key["wesselink2022is"].startswith(
        "Wesselink EO, Pool JJM, Mollema J, Weber KA 2nd, Elliott JM, Coppieters MW, et al. "
    )
    assert by_key["berner2015extraskeletal"].startswith("Berner K, Bjerkehagen B, Bruland \u00d8S, ")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING]


# --------------------------------------------------------------------------- issue #12: real records

# Beside the clone in CI (as conftest.SHARED), else the machine's shared folder.
PEER = SHARED / "peer-bib"


def peer_records(name: str) -> dict[str, Reference]:
    from ossref.load.bibliography import load_bib_file

    refs, _ = load_bib_file(PEER / name, name, 10**8)
    return {r.key: r for r in refs}


needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason=absent(PEER, "peer-bib"))


@needs_peer
def test_initials_written_with_periods_and_no_spaces():
    # book_bom.bib: author = {Bird, R.B. and Armstrong, R.C. and Hassager, O.}
    out = format_reference(peer_records("book_bom.bib")["Bird1987"])
    assert out.text == ("Bird RB, Armstrong RC, Hassager O. Dynamics of Polymeric Liquid. Vol. 1. 2nd ed. "
                        "Wiley Edition; 1987.")


def test_three_initials_run_together():
    assert format_authors("Tolkien, J.R.R.") == "Tolkien JRR"
    assert format_authors("J.R.R. Tolkien") == "Tolkien JRR"
    # messy_bibfile.bib: {Clarke, B.S. and Barron, A.R.}
    assert format_authors("Clarke, B.S. and Barron, A.R.") == "Clarke BS, Barron AR"


def test_math_superscript_in_title_is_sup_in_html_and_plain_in_text():
    r = ref(author="Taillefer, Raymond", title="{Clinical value of $^{99m}$Tc-sestamibi myocardial imaging}",
            journal="J Nucl Cardiol", year="1998")
    out = format_reference(r)
    assert out.text == "Taillefer R. Clinical value of 99mTc-sestamibi myocardial imaging. J Nucl Cardiol. 1998."
    assert "of <sup>99m</sup>Tc-sestamibi" in out.html
    assert_safe_html(out)


def test_math_subscript_in_title_is_sub_in_html_and_plain_in_text():
    r = ref(title="Fat-suppressed T$_2$-weighted imaging", journal="Radiology", year="2001")
    out = format_reference(r)
    assert out.text == "Fat-suppressed T2-weighted imaging. Radiology. 2001."
    assert out.html.startswith("Fat-suppressed T<sub>2</sub>-weighted imaging.")
    assert_safe_html(out)


@needs_peer
def test_math_scripts_in_a_real_title():
    # biber-examples.bib t1: TITLE = {10\\% of [100] and 90% of $Normal_2$ | \\& # things {$^{3}$}}
    out = format_reference(peer_records("biber-examples.bib")["t1"])
    assert out.text == "Brown B. 10% of [100] and 90% of Normal2 | & # things 3. 1992."
    assert out.html == "Brown B. 10% of [100] and 90% of Normal<sub>2</sub> | &amp; # things <sup>3</sup>. 1992."
    assert_safe_html(out)


def test_script_marks_written_in_a_field_cannot_forge_markup():
    out = format_reference(ref(title="a\ue000<b>\ue001 and \ue002x", journal="J", year="2000"))
    assert "<b>" not in out.html and "<sup>" not in out.html and "<sub>" not in out.html
    assert_safe_html(out)


@needs_peer
def test_tex_macro_kept_in_title():
    # biber-examples.bib knuth:ct:a: title = {The \\TeX book}, maintitle, volume = {A}
    out = format_reference(peer_records("biber-examples.bib")["knuth:ct:a"])
    assert out.text == "Knuth DE. Computers & Typesetting. Vol. A, The TeXbook. Reading, Mass.: Addison-Wesley; 1984."


def test_textless_is_a_less_than_sign_escaped_in_html():
    out = format_reference(ref(title="{P \\textless{} 0.05 is not enough}", journal="J", year="2019"))
    assert out.text == "P < 0.05 is not enough. J. 2019."
    assert out.html.startswith("P &lt; 0.05 is not enough.")
    assert decode_latex("\\TeX{} and \\LaTeX") == "TeX and LaTeX"


@needs_peer
def test_subtitle_joined_with_a_colon():
    # biber-examples.bib westfahl:space (incollection; crossref westfahl:frontier)
    records = peer_records("biber-examples.bib")
    out = format_reference(records["westfahl:space"], records)
    assert out.text.startswith(
        "Westfahl G. The True Frontier: Confronting and Avoiding the Realities of Space in American "
        "Science Fiction Films. In: ")


def test_subtitle_after_a_question_mark_takes_no_colon():
    out = format_reference(ref(title="Is it a sarcoma?", subtitle="A review", journal="J", year="2020"))
    assert out.text == "Is it a sarcoma? A review. J. 2020."


@needs_peer
def test_series_maintitle_and_editor_of_a_book_with_authors():
    # biber-examples.bib coleridge: author, editor, maintitle, volume, part, series, number
    out = format_reference(peer_records("biber-examples.bib")["coleridge"])
    assert out.text == (
        "Coleridge ST. The collected works of Samuel Taylor Coleridge. Vol. 7, Pt. 2, Biographia literaria, "
        "or Biographical sketches of my literary life and opinions. Coburn K, Engell J, Bate WJ, editors. "
        "London: Routledge and Kegan Paul; 1983. (Bollingen Series; 75).")


def test_chapter_in_a_volume_of_a_multivolume_book():
    r = ref("incollection", author="Doe, Jane", title="Bone tumours", editor="Roe, Richard",
            booktitle="Soft tissue", maintitle="Pathology of the musculoskeletal system", volume="2",
            publisher="Springer", address="Berlin", year="2010", pages="100--120",
            series="Current topics", number="7")
    assert format_reference(r).text == (
        "Doe J. Bone tumours. In: Roe R, editor. Pathology of the musculoskeletal system. Vol. 2, Soft tissue. "
        "Berlin: Springer; 2010. p. 100-20. (Current topics; 7).")


@needs_peer
def test_crossref_inherits_parent_fields_and_collection_title_becomes_booktitle():
    records = peer_records("biber-examples.bib")
    out = format_reference(records["westfahl:space"], records)
    assert out.text == (
        "Westfahl G. The True Frontier: Confronting and Avoiding the Realities of Space in American Science "
        "Fiction Films. In: Westfahl G, editor. Space and Beyond: The Frontier Theme in Science Fiction. "
        "Westport, Conn. and London: Greenwood; 2000. p. 55-65.")


def test_crossref_child_fields_win_and_keys_match_any_case():
    parent = ref("proceedings", key="Conf2020", title="Proceedings of the Bone Meeting", year="2020",
                 publisher="ACME", crossref="ignored", shorthand="BM")
    child = ref("inproceedings", key="talk", author="Doe, J.", title="A talk", year="2021", crossref="conf2020")
    inherited = vancouver.inherit(child, {"Conf2020": parent})
    assert inherited.fields["year"] == "2021"  # the child's own field wins
    assert inherited.fields["booktitle"] == "Proceedings of the Bone Meeting"
    assert inherited.fields["title"] == "A talk"
    assert "shorthand" not in inherited.fields and inherited.fields["crossref"] == "conf2020"
    assert format_reference(child, {"Conf2020": parent}).text == (
        "Doe J. A talk. In: Proceedings of the Bone Meeting. ACME; 2021.")


@needs_peer
def test_crossref_cycle_ends_without_error():
    records = peer_records("crossref_cascading_cycle.bib")
    assert format_reference(records["circ1"], records).text == "1911."
    assert vancouver.inherit(records["circ1"], records).fields["date"] == "1911"


# --------------------------------------------------------------------------- the fast path past pylatexenc

_SIMPLE_ALPHABET = st.sampled_from(list("abcXYZ019 .,:;()/+=*[]|-~{}\n\t\u00e9\u0301\xa0\u2028\u03a9"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(_SIMPLE_ALPHABET, max_size=24))
def test_simple_values_decode_as_pylatexenc_decodes_them(value: str) -> None:
    """Values with only text, braces, dashes and ties skip pylatexenc: the
    result must be what pylatexenc gives, for every such value."""
    fast = latex._simple_latex(value)
    if fast is not None:
        assert fast == latex._decode_cached(value)


@pytest.mark.parametrize("value", [r"{\"u}ber", "$^{99m}$Tc", "50% of {cases}", "Bone & {Joint}", "``quoted''",
                                   "a_b {c}", "{unbalanced", "closed}{", "it's {MRI}", "#1 {x}", "{x} ?` y"])
def test_values_pylatexenc_must_read_do_not_take_the_fast_path(value: str) -> None:
    assert latex._simple_latex(value) is None


def test_reference_manager_values_take_the_fast_path() -> None:
    # What Zotero and JabRef write most: protected capitals, page ranges, ties.
    assert latex._simple_latex("{{MRI}} of the {Achilles} tendon") == "MRI of the Achilles tendon"
    assert latex._simple_latex("1243--1248") == "1243\u20131248"
    assert latex._simple_latex("J.~R. {R}") == "J.\xa0R. R"
    assert decode_latex("{{MRI}} of the {Achilles} tendon") == "MRI of the Achilles tendon"

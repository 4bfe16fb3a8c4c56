"""The wiki's own quality gates: every entry complete, cited and cross-linked."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, absent, check_json
from ossref.config import load_config
from ossref.pipeline import check

REQUIRED_SLUGS = [
    "ossified-intramuscular-hematoma", "myositis-ossificans", "heterotopic-ossification", "calcific-myonecrosis",
    "tumoral-calcinosis", "extraskeletal-osteosarcoma", "chronic-expanding-hematoma", "intramuscular-hemangioma",
    "fibrodysplasia-ossificans-progressiva", "parosteal-osteosarcoma", "synovial-sarcoma",
    "pseudomalignant-osseous-tumor-of-soft-tissue", "calcinosis-cutis",
]
TOPICS = ["paraspinal-muscles", "chronic-back-pain"]
SECTIONS = ["Overview", "Clinical features", "Imaging", "Histopathology", "Management and prognosis"]
NATURES = {"reactive", "neoplastic", "genetic", "metabolic"}


@pytest.fixture(scope="module")
def wiki():
    result = check(load_config(REPO))
    return result, {page.slug: page for page in result.project.pages}


def test_wiki_checks_clean_in_strict_mode() -> None:
    code, data = check_json(REPO, "--strict")
    assert data["diagnostics"] == [] and code == 0
    assert data["summary"]["entries"] >= len(REQUIRED_SLUGS)


@pytest.mark.parametrize("slug", REQUIRED_SLUGS)
def test_entry_is_complete(wiki, slug: str) -> None:
    _, pages = wiki
    page = pages[slug]
    entry = page.entry
    assert entry is not None and entry.condition and entry.summary and entry.updated
    assert len(entry.tags) >= 2 and NATURES & set(entry.tags), entry.tags
    assert len(entry.differentials) >= 2
    assert all(d.distinguishing for d in entry.differentials)
    cited = {item.key for group in page.scan.citations for item in group.items}
    listed = {key for key, _ in entry.references}
    assert len(listed) >= 2 and listed <= cited, listed - cited
    headings = [h.text for h in page.scan.headings if h.level == 2]
    assert headings[: len(SECTIONS)] == SECTIONS


@pytest.mark.parametrize("slug", TOPICS)
def test_topic_pages_link_to_entries(wiki, slug: str) -> None:
    _, pages = wiki
    page = pages[slug]
    assert page.entry is None
    targets = {link.target for link in page.scan.links if link.wiki}
    assert len(targets & set(REQUIRED_SLUGS)) >= 2


def test_seed_entry_carries_the_seed(wiki) -> None:
    _, pages = wiki
    oih, mo = pages["ossified-intramuscular-hematoma"], pages["myositis-ossificans"]
    assert "zelmanovich2023ossified" in {key for key, _ in oih.entry.references}
    assert "myositis-ossificans" in {d.ref for d in oih.entry.differentials}
    assert "ossified-intramuscular-hematoma" in {d.ref for d in mo.entry.differentials}
    body = oih.body.lower()
    for words in ("remote", "compact", "mature bone", "organiz", "erector spinae", "excision"):
        assert words in body or words in oih.entry.summary.lower(), words


def test_citations_hold_only_standard_fields(wiki) -> None:
    text = (REPO / "citations" / "references.bib").read_text(encoding="utf-8")
    assert "%" not in text
    result, _ = wiki
    standard = {"author", "title", "journal", "year", "volume", "number", "pages", "doi", "pmid", "pmcid",
                "url", "isbn", "publisher", "address", "edition", "booktitle", "editor", "month", "note"}
    for ref in result.project.references.values():
        assert set(ref.fields) <= standard, (ref.key, set(ref.fields) - standard)


def test_every_reference_is_a_verified_shared_record(wiki) -> None:
    """No work, DOI, PMID or PMCID that is not in the verified records."""
    shared = REPO.parent / "shared" / "references" / "references.bib"
    if not shared.is_file():
        pytest.skip(absent(shared, "references"))
    from ossref.load.bibliography import load_bib_file

    verified, _ = load_bib_file(shared, "shared.bib", 10**7)
    by_key = {ref.key: ref for ref in verified}
    result, _ = wiki
    for key, ref in result.project.references.items():
        assert key in by_key, key
        assert ref.fields == by_key[key].fields, key


def test_built_wiki_has_no_dangling_internal_link_or_anchor(tmp_path) -> None:
    """Build the wiki itself and follow every internal href and #anchor."""
    from urllib.parse import unquote, urljoin, urlsplit

    from conftest import Links, run

    site = tmp_path / "site"
    code, out, err = run(["build", "--root", str(REPO), "--site-dir", str(site), "--strict"])
    assert code == 0, out + err

    pages = {}
    for path in site.rglob("*.html"):
        parsed = Links()
        parsed.feed(path.read_text(encoding="utf-8"))
        pages[path] = parsed
    followed = 0
    for path, parsed in pages.items():
        base = "file://" + path.as_posix()
        for href in parsed.hrefs:
            parts = urlsplit(urljoin(base, href))
            if parts.scheme != "file":
                continue
            target = Path(unquote(parts.path))
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), (path.relative_to(site), href)
            if parts.fragment and target in pages:
                assert unquote(parts.fragment) in pages[target].ids, (path.relative_to(site), href)
            followed += 1
    assert followed > 500

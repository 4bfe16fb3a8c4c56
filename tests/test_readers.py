"""What a reader is told about an entry: who wrote it, when it changed, who
reviewed it, that it is not medical advice, and under which licence."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml

from conftest import FIXTURES, REPO
from ossref.config import load_config
from ossref.model import Author
from ossref.pipeline import check
from ossref.site.render import render_site
from ossref.site.resolve import resolve
from ossref.site.render import build_date
from ossref.load.schema import read_entry


def entry_of(text: str):
    meta, positions = yaml.safe_load(text), {}
    return read_entry(meta, positions, "content/x.md")


def test_authors_are_people_or_organisations() -> None:
    entry, problems = entry_of("condition: X\nauthors: [Jane Roe, {organization: ossref contributors}]\n")
    assert problems == []
    assert entry.authors == [Author("Jane Roe"), Author("ossref contributors", organization=True)]
    one, problems = entry_of("condition: X\nauthors: {organization: ossref contributors}\n")
    assert problems == [] and one.authors == [Author("ossref contributors", organization=True)]


def test_a_review_needs_both_its_date_and_its_reviewer() -> None:
    entry, problems = entry_of("condition: X\nreviewed: 2026-11-30\nreviewed_by: [Richard Moe]\n")
    assert problems == [] and entry.reviewed == dt.date(2026, 11, 30) and entry.reviewed_by == ["Richard Moe"]
    for half in ("reviewed: 2026-11-30\n", "reviewed_by: [Richard Moe]\n"):
        _, problems = entry_of("condition: X\n" + half)
        assert [p.code for p in problems] == ["invalid-field"], half


def test_bad_editorial_values_are_invalid_fields_with_bounded_messages() -> None:
    _, problems = entry_of("condition: X\nauthors: [[a]]\nreviewed: " + "y" * 500 + "\nreviewed_by: [Q]\n")
    assert [p.code for p in problems] == ["invalid-field", "invalid-field"]
    assert all(len(p.message) < 200 for p in problems)


def staged(tmp_path: Path, name: str) -> dict[str, str]:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / name, root)
    config = load_config(root)
    result = check(config)
    staging = tmp_path / "staging"
    render_site(resolve(result.project, config), config, staging)
    return {p.relative_to(staging).as_posix(): p.read_text(encoding="utf-8") for p in staging.rglob("*.md")}


def test_byline_names_authors_date_and_reviewer(tmp_path) -> None:
    texts = staged(tmp_path, "editorial-fields")
    good = texts["good.md"]
    assert ('<p class="ossref-byline">By Jane Roe and ossref contributors. '
            "Reviewed 2026-11-30 by Richard Moe.</p>") in good
    # No review, or half of one, is never shown as a review.
    for name in ("unsigned.md", "worse.md"):
        assert "Not yet reviewed by a named reviewer." in texts[name]
        assert "Reviewed " not in texts[name]


def test_every_entry_carries_the_notice_and_no_topic_page_does(tmp_path) -> None:
    texts = staged(tmp_path, "site-basic")
    entries = [t for t in texts.values() if "\ncondition:" in t or "ossref-byline" in t]
    assert entries
    for text in texts.values():
        is_entry = "ossref-byline" in text
        assert ('class="ossref-notice"><strong>Not medical advice.</strong>' in text) == is_entry


def test_hostile_author_names_stay_text(tmp_path) -> None:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\n")
    (root / "content" / "x.md").write_text(
        "---\ncondition: X\nauthors: ['<script>alert(1)</script>', {organization: 'A & \"B\"'}]\n"
        "reviewed: 2026-01-01\nreviewed_by: ['<img src=x onerror=alert(1)>']\n---\n\nText.\n")
    config = load_config(root)
    staging = tmp_path / "staging"
    render_site(resolve(check(config).project, config), config, staging)
    text = (staging / "x.md").read_text()
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and A &amp; \"B\"" in text


# --------------------------------------------------------------------------- the wiki itself


def wiki_entries() -> list[tuple[Path, dict]]:
    out = []
    for path in sorted((REPO / "content").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if "condition" in meta:
            out.append((path, meta))
    return out


def test_the_wiki_has_its_own_name_licence_and_about_page() -> None:
    mkdocs = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    assert mkdocs["site_name"] == "Intramuscular Ossification Reference"
    assert "CC BY 4.0" in mkdocs["copyright"] and "https://creativecommons.org/licenses/by/4.0/" in mkdocs["copyright"]
    about = (REPO / "content" / "about.md").read_text()
    for heading in ("## Editorial policy", "## Propose a change", "## Licence", "## Not medical advice"):
        assert heading in about


def test_wiki_entries_credit_the_contributors_and_invent_no_reviewer() -> None:
    entries = wiki_entries()
    assert len(entries) >= 13
    for path, meta in entries:
        assert meta["authors"] == [{"organization": "ossref contributors"}], path.name
        assert "reviewed" not in meta and "reviewed_by" not in meta, path.name


# --------------------------------------------------------------------------- save and cite


from html.parser import HTMLParser  # noqa: E402
import json  # noqa: E402

import bibtexparser  # noqa: E402
import pytest  # noqa: E402

from conftest import GOOD_BIB, run  # noqa: E402
from ossref.site import citemeta  # noqa: E402
from ossref.model import Reference  # noqa: E402
from ossref.site.vancouver import format_reference  # noqa: E402

SITE_YML = """site_name: Test Reference
site_url: https://example.org/wiki/
docs_dir: content
theme:
  name: material
extra:
  ossref:
    citations_dir: citations
    license: CC BY 4.0
    license_url: https://creativecommons.org/licenses/by/4.0/
"""

HOSTILE = "</script><script>alert(1)</script> & \"q\" 'a'"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A Material site of two entries, one of them named by hostile strings."""
    root = tmp_path_factory.mktemp("cite")
    (root / "content").mkdir()
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(SITE_YML)
    (root / "citations" / "refs.bib").write_text(GOOD_BIB)
    (root / "content" / "alpha.md").write_text(
        "---\ncondition: Alpha lesion\naliases: [AL]\nsummary: A lesion.\nupdated: 2026-11-24\n"
        "authors: [Jane Roe, {organization: ossref contributors}]\nreviewed: 2026-11-30\nreviewed_by: [Rick Moe]\n"
        "---\n\nText [@alpha2020].\n")
    (root / "content" / "evil.md").write_text(
        "---\ncondition: " + json.dumps(HOSTILE) + "\nsummary: " + json.dumps(HOSTILE) + "\nupdated: 2026-01-02\n"
        "authors: [" + json.dumps(HOSTILE) + "]\n---\n\nText [@alpha2020].\n")
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(root / "site")])
    assert code == 0, out + err
    return root / "site"


class HeadReader(HTMLParser):
    """Reads a page's head the way Zotero's Embedded Metadata translator
    does: every ``<meta name="citation_*">`` (and the rest by name or
    property), each value unescaped once, in document order; plus JSON-LD."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[tuple[str, str]] = []
        self.properties: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "name" in a:
            self.names.append((a["name"], a.get("content") or ""))
        elif tag == "meta" and "property" in a:
            self.properties[a["property"]] = a.get("content") or ""
        elif tag == "link" and a.get("rel") == "license":
            self.links["license"] = a["href"]
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_json = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_ld[-1] += data

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.names if k == name]

    def one(self, name: str) -> str:
        values = self.all(name)
        assert len(values) == 1, (name, values)
        return values[0]


def head(site: Path, rel: str) -> HeadReader:
    reader = HeadReader()
    reader.feed((site / rel).read_text(encoding="utf-8"))
    return reader


def test_zotero_reads_title_authors_date_and_url(built) -> None:
    h = head(built, "alpha/index.html")
    assert h.one("citation_title") == "Alpha lesion"
    assert h.all("citation_author") == ["Jane Roe", "ossref contributors"]
    assert h.one("citation_date") == "2026/11/24"
    assert h.one("citation_public_url") == "https://example.org/wiki/alpha/"
    assert h.one("citation_publisher") == "Test Reference"
    [reference] = h.all("citation_reference")
    assert reference == ("citation_title=A study; citation_author=Alpha, Ann; "
                         "citation_journal_title=J Test; citation_publication_date=2020; "
                         "citation_doi=10.1000/alpha.2020")
    assert h.links["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_open_graph_and_json_ld_describe_the_entry(built) -> None:
    h = head(built, "alpha/index.html")
    assert h.properties == {
        "og:type": "article", "og:title": "Alpha lesion", "og:site_name": "Test Reference",
        "og:url": "https://example.org/wiki/alpha/", "og:description": "A lesion.",
        "article:modified_time": "2026-11-24"}
    [text] = h.json_ld
    data = json.loads(text)
    assert data["@type"] == "MedicalWebPage"
    assert data["about"] == {"@type": "MedicalCondition", "name": "Alpha lesion", "alternateName": ["AL"]}
    assert data["dateModified"] == "2026-11-24" and data["lastReviewed"] == "2026-11-30"
    assert data["reviewedBy"] == [{"@type": "Person", "name": "Rick Moe"}]
    assert data["author"] == [{"@type": "Person", "name": "Jane Roe"},
                              {"@type": "Organization", "name": "ossref contributors"}]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    [work] = data["citation"]
    assert work["identifier"]["value"] == "10.1000/alpha.2020" and work["sameAs"] == "https://doi.org/10.1000/alpha.2020"


def test_pages_that_are_not_entries_carry_no_citation_tags(built) -> None:
    for rel in ("index.html", "references/index.html"):
        h = head(built, rel)
        assert not [k for k, _ in h.names if k.startswith("citation_")] and not h.json_ld, rel


def test_hostile_names_reach_the_head_as_text(built) -> None:
    raw = (built / "evil" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in raw
    h = head(built, "evil/index.html")
    # Each value comes back exactly as written, once unescaped.
    assert h.one("citation_title") == HOSTILE and h.all("citation_author") == [HOSTILE]
    assert h.properties["og:description"] == HOSTILE
    [text] = h.json_ld
    assert json.loads(text)["name"] == HOSTILE and "<" not in text


def test_cite_this_page_follows_citing_medicine_with_downloads(built) -> None:
    page = (built / "alpha" / "index.html").read_text(encoding="utf-8")
    cited = citemeta.cm_date(build_date())
    assert ('<p class="ossref-citation">Jane Roe, ossref contributors. Alpha lesion [Internet]. Test Reference; '
            f'2026 [updated 2026 Nov 24; cited <span class="ossref-cited">{cited}</span>]. Available from: '
            '<a href="https://example.org/wiki/alpha/">https://example.org/wiki/alpha/</a></p>') in page
    assert '<a href="alpha.bib">BibTeX</a>' in page and '<a href="alpha.ris">RIS</a>' in page
    library = bibtexparser.parse_string((built / "alpha" / "alpha.bib").read_text(encoding="utf-8"))
    [record] = library.entries
    assert record.entry_type == "online" and record.key == "alpha"
    assert record["title"] == "Alpha lesion" and record["author"] == "Jane Roe and {ossref contributors}"
    assert record["url"] == "https://example.org/wiki/alpha/" and record["date"] == "2026-11-24"
    ris_lines = (built / "alpha" / "alpha.ris").read_bytes().decode("utf-8").split("\r\n")
    assert ris_lines[:4] == ["TY  - ELEC", "AU  - Jane Roe", "AU  - ossref contributors", "TI  - Alpha lesion"]
    assert "UR  - https://example.org/wiki/alpha/" in ris_lines and ris_lines[-2] == "ER  - "


def test_downloads_stay_one_record_whatever_the_names() -> None:
    c = citemeta.EntryCitation(title="A} @misc{x, note={y\nTY  - JOUR", site_name="S\r\nER  - ", url="",
                               authors=[Author("B}\\c", organization=True)], cited=dt.date(2026, 1, 2))
    bib = citemeta.bibtex(c, "k}ey")
    library = bibtexparser.parse_string(bib)
    assert len(library.entries) == 1 and not library.failed_blocks
    assert library.entries[0].key == "key"
    ris = citemeta.ris(c)
    assert [line[:2] for line in ris.split("\r\n") if line] == ["TY", "AU", "TI", "PB", "Y2", "ER"]


def test_citation_reference_values_cannot_add_keys() -> None:
    ref = Reference("k", "article", {"title": "A; citation_doi=10.9999/evil", "author": "Roe, J", "year": "2020"},
                    "refs.bib", 1, 1)
    c = citemeta.EntryCitation(title="T", site_name="S", url="", references=[(ref, format_reference(ref))])
    names, _ = citemeta.head_tags(c)
    [value] = [v for k, v in names if k == "citation_reference"]
    assert value.count("citation_doi") == 1 and "; citation_doi" not in value

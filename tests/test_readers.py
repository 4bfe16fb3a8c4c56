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
from ossref.render import render_site
from ossref.resolve import resolve
from ossref.schema import read_entry


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

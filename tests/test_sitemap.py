"""``sitemap.xml``: each page's ``<lastmod>`` is the date it shows as "Last updated", never the build's day.

The incremental case (``ossref serve``) is in ``tests/test_serve_incremental.py``.
"""

from __future__ import annotations

import calendar
import gzip
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from ossref.publish.build import build
from ossref.config import load_config
from ossref.site.sitemap import gzip_mtime
from test_resolve import HAVE_GIT, git

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "https://ossref.github.io/ossref/"


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    """site-basic (alpha dated 2025-01-02, gamma 2024-06-30, beta and the
    overview topic page undated) with the wiki's own mkdocs.yml."""
    root = tmp_path / "wiki"
    shutil.copytree(FIXTURES / "site-basic", root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def built(root: Path, site: Path) -> Path:
    out, err = io.StringIO(), io.StringIO()
    # The build ends with the output audit: a 0 means the audit passed too.
    assert build(load_config(root), site, False, out, err) == 0, out.getvalue() + err.getvalue()
    return site


def lastmods(site: Path) -> dict[str, str | None]:
    """URL path under the site -> its <lastmod> text, or None without one."""
    tree = ET.parse(site / "sitemap.xml")
    out: dict[str, str | None] = {}
    for url in tree.getroot().findall("sm:url", NS):
        loc = url.findtext("sm:loc", namespaces=NS)
        assert loc is not None and loc.startswith(BASE), loc
        out[loc[len(BASE):]] = url.findtext("sm:lastmod", namespaces=NS)
    return out


def test_full_build_sitemap_has_each_entry_date(wiki: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # a build day of 2026-01-01, in no page
    site = built(wiki, tmp_path / "site")
    dates = lastmods(site)
    assert dates["alpha-lesion/"] == "2025-01-02"
    assert dates["deep/gamma-lesion/"] == "2024-06-30"
    assert "2026-01-01" not in dates.values()
    # The date the entry itself shows.
    assert "Last updated 2025-01-02." in (site / "alpha-lesion" / "index.html").read_text()


def test_sitemap_gz_is_the_sitemap_stamped_with_its_latest_date(wiki: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    site = built(wiki, tmp_path / "site")
    packed = (site / "sitemap.xml.gz").read_bytes()
    assert gzip.decompress(packed) == (site / "sitemap.xml").read_bytes()
    assert int.from_bytes(packed[4:8], "little") == calendar.timegm((2025, 1, 2, 0, 0, 0))
    assert gzip_mtime([]) == 0  # no dated page: no time stamp, never the build's


def test_page_without_a_date_has_no_lastmod(wiki: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not in git and no `updated`: the page shows no date, and the sitemap
    # leaves <lastmod> out (optional in the sitemaps.org protocol) rather
    # than claim a change on the day of the build.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    site = built(wiki, tmp_path / "site")
    dates = lastmods(site)
    assert "Last updated" not in (site / "beta-lesion" / "index.html").read_text()
    for page in ("beta-lesion/", "overview/", "", "references/", "tags/", "tags/muscle/"):
        assert dates[page] is None, page


def test_sitemap_does_not_depend_on_the_build_day(wiki: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = built(wiki, tmp_path / "first")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # a year later
    second = built(wiki, tmp_path / "second")
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.skipif(not HAVE_GIT, reason="git is not installed")
def test_sitemap_takes_an_undated_entry_date_from_git_as_the_page_shows_it(wiki: Path, tmp_path: Path) -> None:
    git(wiki, "init", "-q")
    git(wiki, "add", ".")
    git(wiki, "commit", "-q", "-m", "one", date="2023-05-06T12:00:00+00:00")
    site = built(wiki, tmp_path / "site")
    dates = lastmods(site)
    assert dates["beta-lesion/"] == "2023-05-06"
    assert "Last updated 2023-05-06." in (site / "beta-lesion" / "index.html").read_text()
    assert dates["overview/"] == "2023-05-06"  # a topic page shows its date too
    assert dates["alpha-lesion/"] == "2025-01-02"  # front matter wins over git, as on the page
    assert dates["references/"] is None  # generated: no source, no date

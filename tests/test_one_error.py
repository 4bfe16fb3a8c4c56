"""One mistake, one error (issue #13): a page that cannot be read or parsed
still counts for the names it certainly has, so the entries and links that
name it report nothing, and hints never point a finding at its own page or
repeat the name already written.

Each ``broken-*`` fixture has the same three entries; in each,
``heterotopic-ossification.md`` is broken in one way, and
``myositis-ossificans.md`` names it by condition or alias (by slug when the
file is too large to read), as a differential, a cross-link, a cross-link
with an anchor and a Markdown link with an anchor.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, check_json, run
from ossref.check.rules import check_facts
from ossref.load.loader import recover_names
from ossref.model import PageFacts

BROKEN = "content/heterotopic-ossification.md"


def only_error(scenario: str, code: str, tmp_path: Path) -> dict:
    """The one diagnostic of ``scenario``, by ``ossref check`` with and
    without the check cache, and the same one from ``ossref build``."""
    root = tmp_path / scenario
    shutil.copytree(FIXTURES / scenario, root)
    for extra in (("--no-cache",), (), ()):  # cold, then written and read back from the snapshot
        exit_code, data = check_json(root, *extra)
        rows = [(d["path"], d["code"]) for d in data["diagnostics"]]
        assert rows == [(BROKEN, code)], data["diagnostics"]
        assert exit_code == 1
    for _ in range(2):  # the build's loader, cold then from its cache
        exit_code, out, _ = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
        assert exit_code == 1
        errors = [line for line in out.splitlines() if ": error[" in line or ": warning[" in line]
        assert len(errors) == 1 and errors[0].startswith(BROKEN + ":"), out
    return data["diagnostics"][0]


def test_bad_indentation_is_one_error(tmp_path: Path) -> None:
    d = only_error("broken-frontmatter-indent", "yaml-syntax", tmp_path)
    assert (d["line"], d["column"]) == (8, 2)


def test_a_tab_is_one_error(tmp_path: Path) -> None:
    d = only_error("broken-frontmatter-tab", "yaml-syntax", tmp_path)
    assert d["line"] == 4


def test_missing_closing_fence_is_one_error(tmp_path: Path) -> None:
    d = only_error("broken-frontmatter-unclosed", "yaml-syntax", tmp_path)
    assert "never closes" in d["message"]


def test_not_utf8_is_one_error(tmp_path: Path) -> None:
    d = only_error("broken-not-utf8", "read-error", tmp_path)
    assert "UTF-8" in d["message"]


def test_too_large_is_one_error(tmp_path: Path) -> None:
    d = only_error("broken-too-large", "read-error", tmp_path)
    assert "more than the limit" in d["message"]


def test_a_too_large_page_named_by_condition_is_not_told_its_own_slug(tmp_path: Path) -> None:
    """Unread, the page answers to its slug only; a name that differs from
    the slug only by spaces gets no did-you-mean that repeats it."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "broken-too-large", root)
    page = root / "content" / "myositis-ossificans.md"
    page.write_text(page.read_text().replace("entry: heterotopic-ossification", "entry: heterotopic ossification"))
    _, data = check_json(root, "--no-cache")
    found = [d for d in data["diagnostics"] if d["code"] == "unknown-differential"]
    assert len(found) == 1
    assert "did you mean" not in found[0]["hint"], found[0]


# --------------------------------------------------------------------------- hints


def facts(slug: str, names: tuple = (), differentials: tuple = ()) -> PageFacts:
    return PageFacts(path=f"content/{slug}.md", slug=slug, entry=True,
                     names=tuple((n, 2, 12) for n in names),
                     anchors=(), differentials=tuple((ref, 5, 5) for ref in differentials), links=(), cites=())


def test_hint_never_suggests_the_findings_own_page() -> None:
    pages = [facts("myositis-ossificans", ("Myositis ossificans",), ("myositis ossificanss",))]
    [d] = check_facts(pages, {})
    assert d.code == "unknown-differential"
    assert "myositis" not in d.hint, d.hint


def test_hint_suggests_another_page_when_its_own_is_closer() -> None:
    pages = [facts("myositis-ossificans", ("Myositis ossificans",), ("myositis ossificanz", "ossified-hematoma")),
             facts("myositis-ossificans-progressiva", ("Myositis ossificans progressiva",),
                   ("myositis-ossificans",)),
             facts("ossified-hematoma", (), ("myositis-ossificans",))]
    found = [d for d in check_facts(pages, {}) if d.code == "unknown-differential"]
    assert len(found) == 1
    assert "myositis-ossificans-progressiva" in found[0].hint or "myositis ossificans progressiva" in found[0].hint


def test_hint_never_repeats_the_name_written() -> None:
    """``Heterotopic_Ossification`` misses (lookups compare hyphens and
    spaces exactly); `heterotopic-ossification` would only repeat it."""
    pages = [facts("heterotopic-ossification"), facts("myositis-ossificans", (), ("Heterotopic_Ossification",))]
    found = [d for d in check_facts(pages, {}) if d.code == "unknown-differential"]
    assert len(found) == 1
    assert "did you mean" not in found[0].hint, found[0].hint


def test_cross_link_hint_never_suggests_the_linking_page() -> None:
    page = facts("myositis-ossificans", ("Myositis ossificans",))._replace(
        links=(("myositis ossificanx", "", True, False, 9, 1),))
    [d] = check_facts([page], {})
    assert d.code == "broken-link"
    assert "did you mean" not in d.hint, d.hint


# --------------------------------------------------------------------------- the tolerant scan


def test_recover_names_reads_plain_quoted_and_listed_names() -> None:
    text = ("---\ncondition: 'Myositis ossificans'  \naliases: [MO, \"Ossifying myositis\"]  # old names\n"
            "summary: x\n  bad: indentation\n---\nbody\n")
    condition, aliases = recover_names(text)
    assert condition == ("Myositis ossificans", 2, 12)
    assert aliases == (("MO", 3, 11), ("Ossifying myositis", 3, 15))


def test_recover_names_reads_a_block_list_indented_by_tabs() -> None:
    condition, aliases = recover_names("---\ncondition: HO\naliases:\n\t- Heterotopic bone\n\t- Ectopic bone\n---\n")
    assert condition == ("HO", 2, 12)
    assert [a[0] for a in aliases] == ["Heterotopic bone", "Ectopic bone"]
    assert aliases[0][1:] == (4, 4)


@pytest.mark.parametrize("value", ["[nested, [list]]", "&anchor x", "*alias", "|", "a: b", '"esc\\"aped"',
                                   "'it's'", "!tag x", "caf\ufffd"])
def test_recover_names_leaves_out_what_is_not_certain(value: str) -> None:
    condition, aliases = recover_names(f"---\ncondition: {value}\naliases: {value}\n---\n")
    assert condition is None and all("[" not in a[0] and "\ufffd" not in a[0] for a in aliases), (condition, aliases)


def test_recover_names_stops_at_the_closing_fence_and_ignores_nested_keys() -> None:
    text = "---\nsummary:\n  condition: Nested\n---\ncondition: In the body\n"
    assert recover_names(text) == (None, ())


def test_recover_names_needs_front_matter() -> None:
    assert recover_names("condition: Not front matter\n") == (None, ())


def test_invalid_slug_hint_names_the_file_it_should_be(tmp_path: Path) -> None:
    _, data = check_json(FIXTURES / "unreadable", "--no-cache")
    [d] = [d for d in data["diagnostics"] if d["code"] == "invalid-slug"]
    assert d["hint"] == "rename it to `bad-name.md`"


def test_invalid_slug_hint_names_the_folder_when_the_folder_is_wrong(tmp_path: Path) -> None:
    from ossref.config import load_config
    from ossref.load.loader import load_page

    root = tmp_path / "p"
    (root / "content" / "Soft_Tissue").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\n")
    page = root / "content" / "Soft_Tissue" / "calcific-tendinitis.md"
    page.write_text("# Calcific tendinitis\n")
    _, found = load_page(page, load_config(root))
    [d] = [d for d in found if d.code == "invalid-slug"]
    assert d.hint == "rename the folder `Soft_Tissue` to `soft-tissue`"

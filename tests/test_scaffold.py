"""`ossref new` writes a skeleton that passes the checker and never overwrites."""

from __future__ import annotations

import yaml

from conftest import check_json, run
from ossref.scaffold import slugify, suggested_slug
from ossref.load.schema import PLACEHOLDER_AUTHOR, read_entry


def test_slugify_folds_to_ascii_kebab_case() -> None:
    assert slugify("Myositis ossificans (MO)") == "myositis-ossificans-mo"
    assert slugify("  Calcinose  tumorale é ") == "calcinose-tumorale-e"
    assert slugify("Ossified intramuscular hematoma: paraspinal") == "ossified-intramuscular-hematoma-paraspinal"
    assert slugify("Ωμέγα") == ""


def test_new_entry_passes_check_and_refuses_overwrite(project) -> None:
    root = project("clean")
    code, out, err = run(["new", "--root", str(root), 'Calcific "tendinitis": shoulder', "--author", "Jane Roe"])
    assert (code, err) == (0, "") and out == "created content/calcific-tendinitis-shoulder.md\n"
    text = (root / "content/calcific-tendinitis-shoulder.md").read_text()
    assert text.startswith('---\ncondition: "Calcific \\"tendinitis\\": shoulder"\n')
    code, data = check_json(root, "--strict")
    assert code == 0 and data["diagnostics"] == [] and data["summary"]["entries"] == 3

    code, out, err = run(["new", "--root", str(root), "Calcific tendinitis shoulder"])
    assert code == 1 and "already exists" in err
    assert (root / "content/calcific-tendinitis-shoulder.md").read_text() == text


def test_new_with_unusable_name_is_a_usage_error(project) -> None:
    code, _, err = run(["new", "--root", str(project("clean")), "???"])
    assert code == 2 and "file name" in err


def test_new_refuses_an_alias_of_an_existing_entry(project) -> None:
    root = project("clean")
    code, out, err = run(["new", "--root", str(root), "MO"])
    assert (code, out) == (1, "")
    assert "`MO`" in err and "content/myositis-ossificans.md" in err
    assert not (root / "content/mo.md").exists()


def test_new_refuses_an_existing_condition_name_or_slug_ignoring_case(project) -> None:
    root = project("clean")
    for name in ("myositis OSSIFICANS", "Ossified-intramuscular-hematoma", "oih"):
        code, _, err = run(["new", "--root", str(root), name])
        assert code == 1, name
        assert "content/myositis-ossificans.md" in err or "content/ossified-intramuscular-hematoma.md" in err
    assert sorted(p.name for p in (root / "content").iterdir()) == [
        "myositis-ossificans.md", "ossified-intramuscular-hematoma.md", "paraspinal-muscles.md"]


def test_suggested_slug_for_paths_and_names() -> None:
    assert suggested_slug("content/Myositis_Ossificans.md") == "myositis-ossificans"
    assert suggested_slug("content/sub/Calcific Tendinitis.MD") == "calcific-tendinitis"
    assert suggested_slug("Myositis ossificans (MO)") == "myositis-ossificans-mo"
    assert suggested_slug("content\\Ωμέγα.md") == ""


def front_matter(path) -> dict:
    return yaml.safe_load(path.read_text().split("---\n")[1])


def test_new_with_authors_credits_them_in_order_and_passes_strict_check(project) -> None:
    root = project("clean")
    code, _, err = run(["new", "--root", str(root), "Calcific tendinitis", "--author", "Jane  Roe",
                        "--author", 'Seán "Shane" O\'Brien: MD # \\x', "--author", "Jane Roe"])
    assert (code, err) == (0, "")
    meta = front_matter(root / "content/calcific-tendinitis.md")
    # White space collapsed, a repeated name once, quotes and YAML syntax kept as written.
    assert meta["authors"] == ["Jane Roe", 'Seán "Shane" O\'Brien: MD # \\x']
    code, data = check_json(root, "--strict")
    assert (code, data["diagnostics"]) == (0, [])


def test_new_without_author_writes_a_placeholder_the_check_reports(project) -> None:
    root = project("clean")
    code, _, err = run(["new", "--root", str(root), "Calcific tendinitis"])
    assert (code, err) == (0, "")
    path = root / "content/calcific-tendinitis.md"
    assert front_matter(path)["authors"] == [PLACEHOLDER_AUTHOR]
    code, data = check_json(root)
    rows = [[d["path"], d["line"], d["column"], d["severity"], d["code"]] for d in data["diagnostics"]]
    line = path.read_text().splitlines().index(f'  - "{PLACEHOLDER_AUTHOR}"') + 1
    assert (code, rows) == (1, [["content/calcific-tendinitis.md", line, 5, "error", "placeholder-author"]])


def test_placeholder_author_is_never_credited() -> None:
    # Even with the rule turned off, the entry is not said to be by the placeholder.
    entry, found = read_entry({"condition": "X", "authors": ["Jane Roe", PLACEHOLDER_AUTHOR.lower()]}, {},
                              "content/x.md")
    assert [a.name for a in entry.authors] == ["Jane Roe"]
    assert [d.code for d in found] == ["placeholder-author"]


def test_new_refuses_an_author_name_that_is_empty_or_not_printable(project) -> None:
    root = project("clean")
    for name in ("  ", "Jane\u200bRoe", "Jane\x1b[31mRoe", "Jane\u202eRoe", "Jane\x00"):
        code, out, err = run(["new", "--root", str(root), "Calcific tendinitis", "--author", name])
        assert (code, out) == (2, ""), name
        assert "--author" in err and "printable" in err
    assert not (root / "content/calcific-tendinitis.md").exists()


def test_new_help_documents_the_author_option() -> None:
    code, out, _ = run(["new", "--help"])
    assert code == 0
    help_text = " ".join(out.split())
    assert "--author NAME" in help_text and "repeat for each author" in help_text
    assert "placeholder-author" in help_text

"""`ossref new` writes a skeleton that passes the checker and never overwrites."""

from __future__ import annotations

from conftest import check_json, run
from ossref.scaffold import slugify, suggested_slug


def test_slugify_folds_to_ascii_kebab_case() -> None:
    assert slugify("Myositis ossificans (MO)") == "myositis-ossificans-mo"
    assert slugify("  Calcinose  tumorale é ") == "calcinose-tumorale-e"
    assert slugify("Ossified intramuscular hematoma: paraspinal") == "ossified-intramuscular-hematoma-paraspinal"
    assert slugify("Ωμέγα") == ""


def test_new_entry_passes_check_and_refuses_overwrite(project) -> None:
    root = project("clean")
    code, out, err = run(["new", "--root", str(root), 'Calcific "tendinitis": shoulder'])
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

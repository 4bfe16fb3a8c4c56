"""Configuration: defaults need nothing; every option is validated; errors exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import check_json, run
from ossref.config import ConfigError, load_config
from ossref.diagnostics import Severity


def write(root: Path, text: str) -> Path:
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    return root


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "site_name: W\ndocs_dir: content\n"))
    assert config.docs_path == tmp_path.resolve() / "content"
    assert config.citations_path == tmp_path.resolve() / "citations"
    assert config.severity("unused-reference") is Severity.WARNING


def test_mkdocs_python_tags_are_read_without_importing(tmp_path: Path) -> None:
    text = (
        "site_name: W\ndocs_dir: content\nmarkdown_extensions:\n"
        "  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "extra:\n  analytics: !ENV [GA, '']\n"
    )
    assert load_config(write(tmp_path, text)).docs_dir == "content"


def test_rule_overrides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        "site_name: W\nextra:\n  ossref:\n    rules:\n      unused-reference: off\n      one-way-differential: error\n"
    )))
    assert config.severity("unused-reference") is None
    assert config.severity("one-way-differential") is Severity.ERROR


@pytest.mark.parametrize(
    "options, words",
    [
        ("rules: {no-such-rule: off}", "unknown rule"),
        ("rules: {raw-html: loud}", "error, warning or off"),
        ("colour: red", "unknown option"),
        ("max_file_bytes: lots", "must be int"),
        ("search: google", "material or pagefind"),
        ("citations_dir: ../../etc", "inside the project"),
        ("cache_dir: content/cache", "must not be inside"),
        ("search_synonyms: [grey, gray]", "list of 2 to"),
        ("search_synonyms: [[grey]]", "list of 2 to"),
        ("search_synonyms: [[grey, '<b>']]", "one word of letters or digits"),
        ("search_synonyms: [[grey, 'gr ay']]", "one word of letters or digits"),
        ("search_synonyms: {grey: gray}", "must be list"),
    ],
)
def test_invalid_options(tmp_path: Path, options: str, words: str) -> None:
    write(tmp_path, f"site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    {options}\n")
    with pytest.raises(ConfigError, match=words):
        load_config(tmp_path)


def test_config_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    write(tmp_path, "site_name: [unclosed\n")
    code, out, err = run(["check", "--root", str(tmp_path)])
    assert code == 2 and out == "" and err.startswith("ossref: mkdocs.yml:2:1: error[config-error] cannot read")
    assert "Traceback" not in err


def test_missing_docs_folder_and_missing_config(tmp_path: Path) -> None:
    assert run(["check", "--root", str(tmp_path)])[0] == 2
    write(tmp_path, "site_name: W\ndocs_dir: content\n")
    code, _, err = run(["check", "--root", str(tmp_path)])
    assert code == 2 and "content/ does not exist" in err


def test_usage_errors_exit_2() -> None:
    assert run(["check", "--format", "xml"])[0] == 2
    assert run(["frobnicate"])[0] == 2


def test_bare_ossref_prints_help_with_exit_codes() -> None:
    code, out, err = run([])
    assert (code, err) == (0, "")
    assert out.startswith("usage: ossref") and "check" in out and "new" in out
    for line in ("0  success", "1  findings", "2  usage or configuration error", "3  internal error"):
        assert line in out
    code, out, _ = run(["check", "--help"])
    assert code == 0 and "2  usage or configuration error" in out and "--changed-since" in out


def _clean_copy(project, mkdocs: str) -> Path:
    root = project("clean")
    (root / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    return root


TYPO = "site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    citations_dir: citationz\n"


def test_citations_dir_typo_is_a_config_error_not_findings(project) -> None:
    root = _clean_copy(project, TYPO)
    code, data = check_json(root)
    assert code == 2
    rows = [[d["path"], d["line"], d["column"], d["severity"], d["code"]] for d in data["diagnostics"]]
    assert rows == [["mkdocs.yml", 5, 20, "error", "config-error"]]
    message = data["diagnostics"][0]
    assert "citationz/ does not exist" in message["message"] and message["hint"] == "did you mean `citations`?"
    assert data["summary"]["errors"] == 1 and data["summary"]["references"] == 0


def test_missing_docs_dir_is_reported_at_its_line(project) -> None:
    root = _clean_copy(project, "site_name: W\ndocs_dir: contnet\n")
    code, out, err = run(["check", "--root", str(root)])
    assert (code, out) == (2, "")
    assert err == ("ossref: mkdocs.yml:2:11: error[config-error] docs_dir: folder contnet/ does not exist "
                   "in the project (hint: did you mean `content`?)\n")


def test_every_config_mistake_is_reported_at_once_with_did_you_mean(project) -> None:
    root = _clean_copy(project, (
        "site_name: W\n"                       # 1
        "docs_dir: content\n"                  # 2
        "extra:\n"                             # 3
        "  ossref:\n"                          # 4
        "    citation_dir: citations\n"        # 5 unknown option
        "    max_file_bytes: lots\n"           # 6 wrong type
        "    rules:\n"                         # 7
        "      unused-references: off\n"       # 8 unknown rule
        "      raw-html: loud\n"               # 9 bad level
        "      config-error: off\n"            # 10 cannot be turned off
    ))
    code, data = check_json(root)
    assert code == 2
    got = [(d["line"], d["column"], d["message"], d["hint"]) for d in data["diagnostics"]]
    assert [g[:2] for g in got] == [(5, 5), (6, 21), (8, 7), (9, 17), (10, 7)]
    assert got[0][2].startswith("unknown option extra.ossref.citation_dir") and got[0][3] == "did you mean `citations_dir`?"
    assert "must be int, got str" in got[1][2]
    assert got[2][2].startswith("extra.ossref.rules: unknown rule 'unused-references'")
    assert got[2][3] == "did you mean `unused-reference`?"
    assert "error, warning or off, got 'loud'" in got[3][2]
    assert "cannot be changed or turned off" in got[4][2]
    assert all(d["path"] == "mkdocs.yml" and d["code"] == "config-error" for d in data["diagnostics"])


def test_config_error_positions_survive_mkdocs_tags(project) -> None:
    root = _clean_copy(project, (
        "site_name: !ENV [SITE, W]\ndocs_dir: content\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "extra:\n  ossref:\n    serch: pagefind\n"
    ))
    code, data = check_json(root)
    assert code == 2
    [d] = data["diagnostics"]
    assert (d["line"], d["column"], d["hint"]) == (8, 5, "did you mean `search`?")


def test_config_error_as_github_annotations(project) -> None:
    root = _clean_copy(project, TYPO)
    code, out, err = run(["check", "--root", str(root), "--format", "github"])
    assert (code, err) == (2, "")
    lines = out.splitlines()
    assert lines[0].startswith("::error file=mkdocs.yml,line=5,col=20,title=config-error::citations_dir: folder")
    assert lines[-1].startswith("1 error, 0 warnings")


def test_yaml_error_in_mkdocs_yml_is_one_json_object(tmp_path: Path) -> None:
    write(tmp_path, "site_name: W\nextra:\n  ossref: [unclosed\n")
    code, data = check_json(tmp_path)
    assert code == 2
    [d] = data["diagnostics"]
    assert (d["path"], d["code"], d["line"]) == ("mkdocs.yml", "config-error", 4)


@pytest.mark.parametrize(
    "text, place, words",
    [
        ("site_name: W\ndocs_dir: [content]\n", (2, 11), "docs_dir must be a folder name, got list"),
        ("site_name: W\ndocs_dir: content\nextra: [1]\n", (3, 8), "extra must be a mapping"),
        ("site_name: W\ndocs_dir: content\nextra:\n  ossref: on\n", (4, 11), "extra.ossref must be a mapping"),
        ("site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    search: google\n", (5, 13), "material or pagefind"),
        ("site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    max_yaml_depth: 0\n", (5, 21), "must be positive"),
        ("site_name: W\ndocs_dir: content\nextra:\n  ossref:\n    citations_dir: ../..\n", (5, 20),
         "must stay inside the project"),
    ],
)
def test_wrong_types_are_config_errors_at_their_place(project, text: str, place: tuple, words: str) -> None:
    root = _clean_copy(project, text)
    code, data = check_json(root)
    assert code == 2
    [d] = data["diagnostics"]
    assert (d["path"], d["line"], d["column"], d["code"]) == ("mkdocs.yml", *place, "config-error")
    assert words in d["message"]


def test_build_refuses_a_missing_citations_folder_before_building(project) -> None:
    root = _clean_copy(project, TYPO)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(root / "site")])
    assert code == 2 and "mkdocs.yml:5:20: error[config-error] citations_dir: folder citationz/" in err
    assert not (root / "site").exists()


def test_search_synonyms_are_read_as_lower_case_groups(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        "site_name: W\nextra:\n  ossref:\n    search_synonyms:\n      - [Grey, gray]\n      - [paed, ped, pæd]\n")))
    assert config.search_synonyms == (("grey", "gray"), ("paed", "ped", "pæd"))
    assert load_config(write(tmp_path, "site_name: W\n")).search_synonyms == ()

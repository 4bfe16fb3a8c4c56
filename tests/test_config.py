"""Configuration: defaults need nothing; every option is validated; errors exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
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
    assert code == 2 and out == "" and err.startswith("ossref: mkdocs.yml: cannot read")
    assert "Traceback" not in err


def test_missing_docs_folder_and_missing_config(tmp_path: Path) -> None:
    assert run(["check", "--root", str(tmp_path)])[0] == 2
    write(tmp_path, "site_name: W\ndocs_dir: content\n")
    code, _, err = run(["check", "--root", str(tmp_path)])
    assert code == 2 and "content/ does not exist" in err


def test_usage_errors_exit_2() -> None:
    assert run(["check", "--format", "xml"])[0] == 2
    assert run(["frobnicate"])[0] == 2
    assert run([])[0] == 2


def test_search_synonyms_are_read_as_lower_case_groups(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        "site_name: W\nextra:\n  ossref:\n    search_synonyms:\n      - [Grey, gray]\n      - [paed, ped, pæd]\n")))
    assert config.search_synonyms == (("grey", "gray"), ("paed", "ped", "pæd"))
    assert load_config(write(tmp_path, "site_name: W\n")).search_synonyms == ()

"""Editors and CI: scoped checks (PATH..., --changed-since), --quiet, colour."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from conftest import check_json, run
from ossref.cli import main

OIH = "content/ossified-intramuscular-hematoma.md"
MO = "content/myositis-ossificans.md"
PARA = "content/paraspinal-muscles.md"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout


def unrelated_findings(root: Path) -> None:
    """Give paraspinal-muscles.md a warning and an error of its own."""
    (root / PARA).write_text("---\ntitle: P\nfoo: 1\n---\n\n# P\n\nSee [x](nowhere.md).\n", encoding="utf-8")


def rows(data: dict) -> list[tuple[str, str]]:
    return [(d["path"], d["code"]) for d in data["diagnostics"]]


def test_check_paths_reports_the_named_file_and_pages_it_breaks(project, monkeypatch) -> None:
    root = project("clean")
    unrelated_findings(root)
    oih = root / OIH
    oih.write_text(oih.read_text().replace("## Histopathology", "## Histology"))
    monkeypatch.chdir(root)
    code, data = check_json(root, OIH)
    # The anchor it dropped breaks a link in another page: that page's finding names it.
    assert code == 1 and rows(data) == [(MO, "broken-link")]
    assert data["summary"]["errors"] == 1 and data["summary"]["warnings"] == 0
    code, out, _ = run(["check", "--root", str(root), OIH])
    assert out.splitlines()[-1] == "scoped check: 2 findings in other files not shown"


def test_check_paths_with_findings_only_elsewhere_passes(project, monkeypatch) -> None:
    root = project("clean")
    unrelated_findings(root)
    monkeypatch.chdir(root / "content")
    code, data = check_json(root, "myositis-ossificans.md", "--strict")
    assert (code, data["diagnostics"]) == (0, [])
    code, data = check_json(root, "paraspinal-muscles.md")
    assert code == 1 and rows(data) == [(PARA, "unknown-field"), (PARA, "broken-link")]


def test_naming_mkdocs_yml_or_the_root_scopes_to_everything(project, monkeypatch) -> None:
    root = project("clean")
    unrelated_findings(root)
    monkeypatch.chdir(root)
    assert len(check_json(root, "mkdocs.yml")[1]["diagnostics"]) == 2
    assert len(check_json(root, ".")[1]["diagnostics"]) == 2


def test_check_paths_outside_the_project_or_missing_are_usage_errors(project, tmp_path, monkeypatch) -> None:
    root = project("clean")
    monkeypatch.chdir(root)
    code, out, err = run(["check", "--root", str(root), str(tmp_path)])
    assert (code, out) == (2, "") and "outside the project" in err
    code, out, err = run(["check", "--root", str(root), "content/nope.md"])
    assert (code, out) == (2, "") and "does not exist" in err


@pytest.fixture
def repo(project) -> Path:
    """The clean fixture, with a finding of its own in paraspinal-muscles.md,
    committed to a new git repository."""
    root = project("clean")
    unrelated_findings(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_changed_since_reports_findings_a_rename_causes_elsewhere(repo: Path) -> None:
    git(repo, "mv", OIH, "content/ossified-hematoma.md")
    code, data = check_json(repo, "--changed-since", "HEAD")
    # myositis-ossificans.md was not touched, but its differential and links lost their target;
    # paraspinal-muscles.md's old findings are not the pull request's doing.
    assert code == 1
    assert {path for path, _ in rows(data)} == {MO, "content/ossified-hematoma.md"}
    assert {"unknown-differential", "broken-link"} <= {code for path, code in rows(data) if path == MO}
    code, full = check_json(repo)
    assert {path for path, _ in rows(full)} == {MO, PARA, "content/ossified-hematoma.md"}


def test_changed_since_reports_every_finding_in_changed_and_new_files(repo: Path) -> None:
    para = repo / PARA
    para.write_text(para.read_text() + "\nMore text.\n")
    (repo / "content/new-page.md").write_text("---\ntitle: N\nbar: 2\n---\n\n# N\n")  # untracked
    code, data = check_json(repo, "--changed-since", "HEAD")
    assert code == 1
    assert rows(data) == [("content/new-page.md", "unknown-field"), (PARA, "unknown-field"), (PARA, "broken-link")]


def test_changed_since_with_nothing_changed_is_clean(repo: Path) -> None:
    code, data = check_json(repo, "--changed-since", "HEAD", "--strict")
    assert (code, data["diagnostics"]) == (0, [])
    code, data = check_json(repo, "--strict")
    assert code == 1


def test_changed_since_an_unknown_revision_is_a_usage_error(repo: Path) -> None:
    for rev in ("no-such-branch", "--output=/tmp/x"):
        code, out, err = run(["check", "--root", str(repo), f"--changed-since={rev}"])
        assert (code, out) == (2, "") and "--changed-since" in err


def test_quiet_prints_only_the_summary_line(project) -> None:
    root = project("clean")
    unrelated_findings(root)
    code, out, err = run(["check", "--root", str(root), "-q"])
    assert (code, err) == (1, "") and out == "1 error, 1 warning in 4 files (2 entries, 2 references)\n"
    code, out, _ = run(["check", "--root", str(root), "--quiet", "--format", "github"])
    assert out.count("\n") == 1 and not out.startswith("::")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color(project, monkeypatch) -> None:
    root = project("clean")
    unrelated_findings(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = Terminal()
    assert main(["check", "--root", str(root)], out=tty, err=io.StringIO()) == 1
    assert "\033[1;31merror\033[0m[broken-link]" in tty.getvalue()
    assert "\033[" not in run(["check", "--root", str(root)])[1]  # piped: a StringIO is no terminal
    monkeypatch.setenv("NO_COLOR", "1")
    tty = Terminal()
    main(["check", "--root", str(root)], out=tty, err=io.StringIO())
    assert "\033[" not in tty.getvalue()


def test_colour_output_shows_control_characters_instead_of_sending_them(project, monkeypatch) -> None:
    from ossref.diagnostics import diag
    from ossref.report.formats import text_line

    line = text_line(diag("content/a.md", 1, 1, "broken-link", "link to `\x1b]0;pwned\x07` names no page"), True)
    assert "\x1b]" not in line and "\\x1b]0;pwned\\x07" in line


def test_changed_since_works_for_a_wiki_in_a_subfolder_of_the_repository(project, tmp_path: Path) -> None:
    import shutil

    top = tmp_path / "repo"
    shutil.copytree(project("clean"), top / "wiki")
    unrelated_findings(top / "wiki")
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    git(top, "mv", f"wiki/{OIH}", "wiki/content/oh.md")
    code, data = check_json(top / "wiki", "--changed-since", "HEAD")
    assert code == 1 and {path for path, _ in rows(data)} == {MO, "content/oh.md"}


def test_changed_since_leaves_the_project_cache_alone(repo: Path) -> None:
    import shutil

    shutil.rmtree(repo / ".ossref-cache", ignore_errors=True)  # copied with the fixture
    git(repo, "mv", OIH, "content/oh.md")
    check_json(repo, "--changed-since", "HEAD", "--no-cache")
    assert not (repo / ".ossref-cache").exists()
    check_json(repo)
    snapshot = (repo / ".ossref-cache" / "store.bin").read_bytes()
    # The base check starts from a copy of the snapshot and writes only that copy.
    code, data = check_json(repo, "--changed-since", "HEAD")
    assert code == 1 and {path for path, _ in rows(data)} == {MO, "content/oh.md"}
    assert (repo / ".ossref-cache" / "store.bin").read_bytes() == snapshot


def test_changed_since_base_check_reuses_what_warm_checks_appended(repo: Path, parses: list[str]) -> None:
    import shutil

    shutil.rmtree(repo / ".ossref-cache", ignore_errors=True)  # copied with the fixture
    check_json(repo)  # writes the store whole
    mo = repo / MO
    mo.write_text(mo.read_text(encoding="utf-8") + "\nA sentence added in a later commit.\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit")
    check_json(repo)  # warm: appends the edited page to the journal
    assert (repo / ".ossref-cache" / "store.journal").is_file()
    unrelated_findings(repo)  # an uncommitted change elsewhere
    (repo / PARA).write_text((repo / PARA).read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    parses.clear()
    code, data = check_json(repo, "--changed-since", "HEAD")
    assert code == 1 and {path for path, _ in rows(data)} == {PARA}
    # Only the changed file is parsed: the base checkout's pages, the edited one
    # included, all come from the copied store and journal.
    assert parses == [PARA]

"""Issue #11, part B: hostile input costs bounded time and memory, and the
environment (an unwritable cache, a read-only site parent, concurrent or
killed builds) never turns into an internal error.

Each test here is an input or a situation that once crashed, hung or
exhausted ossref, reproduced on a clean clone; the name says which.
"""

from __future__ import annotations

import errno
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from conftest import GOOD_BIB, MKDOCS_YML, check_json, run
from ossref.load.bibliography import load_bib_bytes

ENTRY = """---
condition: Alpha lesion
references: [alpha2020]
---

Text [@alpha2020].
"""


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse in this process, so every finding comes from code under test here."""
    monkeypatch.setenv("OSSREF_JOBS", "1")


def make_project(tmp_path: Path, pages: dict[str, str] | None = None, bibs: dict[str, str] | None = None) -> Path:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    for name, text in (pages if pages is not None else {"alpha-lesion.md": ENTRY}).items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    for name, text in (bibs if bibs is not None else {"refs.bib": GOOD_BIB}).items():
        (root / "citations" / name).write_text(text, encoding="utf-8")
    return root


def rows(data: dict) -> list[tuple[str, int, int, str, str]]:
    return [(d["path"], d["line"], d["column"], d["severity"], d["code"]) for d in data["diagnostics"]]


# ============================================================================ 2. @string expansion


def string_bomb(levels: int) -> str:
    """@string macros each joining the previous one twice: 2**levels * 2 characters."""
    lines = ['@string{m0 = "ab"}']
    lines += [f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@misc{{bomb2020, title = m{levels}, doi = {{10.1000/bomb}}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [27, 40])
def test_string_macro_bomb_is_refused_before_it_is_expanded(levels: int) -> None:
    text = string_bomb(levels)
    assert len(text) < 1100
    tracemalloc.start()
    try:
        refs, diags = load_bib_bytes(text.encode(), "citations/bomb.bib", 10**6)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Once 2.6 GB (27 levels) and a MemoryError (40); now a few megabytes at most.
    assert peak < 20_000_000
    # m1 to mk add 2**(k+2) - 4 characters in all: m18 is the first to pass 1,000,000.
    assert [(d.line, d.code) for d in diags] == [(19, "bib-syntax")]
    assert "`m18` at line 19" in diags[0].message and "max_bib_expansion" in diags[0].hint
    # Nothing after the refused macro is built from it.
    assert sum(len(v) for r in refs for v in r.fields.values()) < 1000


def test_string_macro_bomb_fails_the_check_at_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, bibs={"refs.bib": GOOD_BIB, "bomb.bib": string_bomb(40)})
    code, data = check_json(root)
    assert code == 1
    assert ("citations/bomb.bib", 19, 1, "error", "bib-syntax") in rows(data)


def test_expansion_limit_is_an_option(tmp_path: Path) -> None:
    root = make_project(tmp_path, bibs={"refs.bib": GOOD_BIB, "bomb.bib": string_bomb(12)})
    code, data = check_json(root)
    assert [r for r in rows(data) if r[4] == "bib-syntax"] == []
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "    max_bib_expansion: 4000\n")
    code, data = check_json(root)
    # m1 to m10 add 4,092 characters: m10 is the first value over 4,000.
    assert [r for r in rows(data) if r[4] == "bib-syntax"] == [("citations/bomb.bib", 11, 1, "error", "bib-syntax")]


def test_macros_used_as_usual_stay_far_below_the_limit() -> None:
    journal = "@string{jbjs = {The Journal of Bone and Joint Surgery. American Volume}}\n"
    records = "".join(f"@article{{a{i}, journal = jbjs, title = {{T}} # jbjs, doi = {{10.1000/{i}}}}}\n"
                      for i in range(2000))
    refs, diags = load_bib_bytes((journal + records).encode(), "citations/j.bib", 10**6)
    assert diags == [] and len(refs) == 2000
    assert refs[-1].fields["journal"].startswith("The Journal")


# ============================================================================ a swallowed field


def test_a_field_swallowed_by_a_missing_comma_is_an_error(tmp_path: Path) -> None:
    bib = GOOD_BIB.replace("journal = {J Test},", "journal = {J Test}")
    root = make_project(tmp_path, bibs={"refs.bib": bib})
    code, data = check_json(root)
    assert code == 1
    assert rows(data) == [("citations/refs.bib", 4, 3, "error", "bib-field")]
    assert "`year` was not read" in data["diagnostics"][0]["message"]


def test_a_swallowed_field_can_still_be_downgraded_by_the_project(tmp_path: Path) -> None:
    bib = GOOD_BIB.replace("journal = {J Test},", "journal = {J Test}")
    root = make_project(tmp_path, bibs={"refs.bib": bib})
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "    rules:\n      bib-field: warning\n")
    code, data = check_json(root)
    assert code == 0 and rows(data) == [("citations/refs.bib", 4, 3, "warning", "bib-field")]


def test_other_bib_field_findings_stay_warnings(tmp_path: Path) -> None:
    bib = GOOD_BIB + "\nstray words\n"
    root = make_project(tmp_path, bibs={"refs.bib": bib})
    code, data = check_json(root)
    assert code == 0 and rows(data) == [("citations/refs.bib", 9, 1, "warning", "bib-field")]


# ============================================================================ 7. symlink loops, FIFOs, devices


def _check_in_subprocess(root: Path) -> tuple[int, dict]:
    """``ossref check`` in a child process, so a regression that opens a FIFO
    (and blocks for ever) fails the test instead of hanging the suite."""
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), OSSREF_JOBS="1")
    proc = subprocess.run([sys.executable, "-m", "ossref", "check", "--root", str(root), "--format", "json"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.stderr == "", proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "content" / "self.md").symlink_to("self.md")
    (root / "citations" / "loop.bib").symlink_to("loop2.bib")
    (root / "citations" / "loop2.bib").symlink_to("loop.bib")
    (root / "content" / "folder-loop").symlink_to("folder-loop")
    code, data = check_json(root, "--strict")
    assert code == 1
    assert sorted(r for r in rows(data) if r[4] == "unsafe-path") == [
        ("citations/loop.bib", 1, 1, "error", "unsafe-path"),
        ("citations/loop2.bib", 1, 1, "error", "unsafe-path"),
        ("content/folder-loop", 1, 1, "error", "unsafe-path"),
        ("content/self.md", 1, 1, "error", "unsafe-path"),
    ]
    assert all("symbolic link that loops" in d["message"] for d in data["diagnostics"] if d["code"] == "unsafe-path")


def test_a_fifo_is_refused_and_never_opened(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    os.mkfifo(root / "content" / "pipe.md")
    os.mkfifo(root / "citations" / "pipe.bib")
    code, data = _check_in_subprocess(root)
    assert code == 1
    found = [r for r in rows(data) if r[4] == "unsafe-path"]
    assert found == [("citations/pipe.bib", 1, 1, "error", "unsafe-path"),
                     ("content/pipe.md", 1, 1, "error", "unsafe-path")]
    assert all("named pipe (FIFO), not a regular file" in d["message"] for d in data["diagnostics"]
               if d["code"] == "unsafe-path")


def test_a_fifo_of_any_name_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    os.mkfifo(root / "content" / "figure.png")
    os.mkfifo(root / "citations" / "notes.txt")
    code, data = _check_in_subprocess(root)
    assert code == 1
    assert [r for r in rows(data) if r[4] == "unsafe-path"] == [("citations/notes.txt", 1, 1, "error", "unsafe-path"),
                                                              ("content/figure.png", 1, 1, "error", "unsafe-path")]


def test_a_socket_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    root = make_project(tmp_path)
    monkeypatch.chdir(root / "content")  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock.md")
        code, data = check_json(root)
    assert code == 1
    assert [r[:2] + r[3:] for r in rows(data) if r[4] == "unsafe-path"] == [("content/sock.md", 1, "error", "unsafe-path")]
    assert "socket" in data["diagnostics"][0]["message"]


def test_a_device_is_refused(tmp_path: Path) -> None:
    import stat

    root = make_project(tmp_path)
    try:
        os.mknod(root / "content" / "null.md", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device here: {exc}")
    code, data = check_json(root)
    assert code == 1
    assert [r for r in rows(data) if r[4] == "unsafe-path"] == [("content/null.md", 1, 1, "error", "unsafe-path")]
    assert "character device" in data["diagnostics"][0]["message"]


def test_a_file_swapped_for_a_fifo_after_the_walk_is_not_waited_on(tmp_path: Path) -> None:
    from ossref.load.loader import read_bytes

    os.mkfifo(tmp_path / "late.md")
    data, problems = read_bytes(tmp_path / "late.md", "content/late.md", 1000)
    assert data is None and [(p.code, p.message) for p in problems] == [("read-error", "not a regular file")]
    (tmp_path / "link.md").symlink_to(tmp_path / "late.md")
    data, problems = read_bytes(tmp_path / "link.md", "content/link.md", 1000)
    assert data is None and problems[0].code == "read-error"


# ============================================================================ 4. an unwritable cache


@pytest.fixture
def read_only_cache(monkeypatch: pytest.MonkeyPatch):
    """Make every file created in ``<root>/.ossref-cache`` fail as on a
    read-only file system (root ignores permission bits, so chmod would not)."""
    real_open = os.open

    def guarded(path, flags, *args, **kwargs):
        if ".ossref-cache" in os.fsdecode(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch):
    """Every temporary file the caches write goes to /dev/full: each write
    fails with ENOSPC, from the kernel."""
    import tempfile

    real_mkstemp = tempfile.mkstemp

    def mkstemp(suffix=None, prefix=None, dir=None, text=False):
        if dir is not None and ".ossref-cache" in str(dir):
            return os.open("/dev/full", os.O_WRONLY), os.path.join(str(dir), f"{prefix}full{suffix}")
        return real_mkstemp(suffix=suffix, prefix=prefix, dir=dir, text=text)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def _one_warning(err: str, why: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith("ossref: warning: cannot write the cache in .ossref-cache/") and why in err, err


def _fresh(root: Path) -> dict:
    code, out, err = run(["check", "--root", str(root), "--format", "json", "--no-cache"])
    assert err == ""
    return json.loads(out)


@pytest.mark.parametrize("situation, why", [("read_only_cache", "Read-only file system"),
                                            ("full_disk", "No space left on device")])
def test_an_unwritable_cache_only_means_no_cache(tmp_path: Path, request: pytest.FixtureRequest,
                                                 situation: str, why: str) -> None:
    page = ENTRY.replace("[alpha2020]", "[alpha2020, beta2020]").replace("[@alpha2020]", "[@alpha2020; @beta2020]")
    root = make_project(tmp_path, {"alpha-lesion.md": page},
                        {"refs.bib": GOOD_BIB, "more.bib": GOOD_BIB.replace("alpha", "beta")})
    (root / ".ossref-cache").mkdir()  # there, as after an earlier run, but not writable now
    expected = _fresh(root)
    request.getfixturevalue(situation)
    for _ in range(2):
        code, out, err = run(["check", "--root", str(root), "--format", "json"])
        assert code == 0 and json.loads(out) == expected
        _one_warning(err, why)
        code, out, err = run(["check", "--root", str(root), "--strict"])  # a warning line, not a finding
        assert code == 0
        _one_warning(err, why)
    assert [p.name for p in (root / ".ossref-cache").iterdir() if not p.name.startswith(".git")] == []


@pytest.mark.parametrize("situation, why", [("read_only_cache", "Read-only file system"),
                                            ("full_disk", "No space left on device")])
def test_build_with_an_unwritable_cache_builds(tmp_path: Path, request: pytest.FixtureRequest,
                                               situation: str, why: str) -> None:
    root = make_project(tmp_path)
    (root / ".ossref-cache").mkdir()
    request.getfixturevalue(situation)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 0, err
    _one_warning(err, why)
    assert (tmp_path / "site" / "index.html").is_file()


# ============================================================================ 8-10. the site folder


def _site_tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _build_env(systemp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(systemp), "OSSREF_JOBS": "1", "OSSREF_NO_CACHE": "1"}


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_two_swaps_into_a_missing_site_both_succeed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     exchange: bool) -> None:
    import threading

    from ossref.publish import build as build_mod
    from ossref.publish import swap as swap_mod

    if not exchange:
        monkeypatch.setattr(swap_mod, "_exchange", lambda a, b: False)
    failures: list[BaseException] = []
    for trial in range(200):  # 14 of 200 failed with ENOTEMPTY before
        parent = tmp_path / f"t{trial}"
        parent.mkdir()
        news = []
        for i in range(2):
            new = build_mod._new_dir(parent, ".site.tmp-")
            (new / "index.html").write_text(f"build {i}")
            news.append(new)
        barrier = threading.Barrier(2)

        def swap(new: Path) -> None:
            barrier.wait()
            try:
                build_mod.swap_in(new, parent / "site")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

        threads = [threading.Thread(target=swap, args=(new,)) for new in news]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert failures == []
        assert sorted(p.name for p in parent.iterdir()) == ["site"]
        assert (parent / "site" / "index.html").read_text() in ("build 0", "build 1")


def test_the_later_swap_wins(tmp_path: Path) -> None:
    from ossref.publish import build as build_mod

    for i in range(2):
        new = build_mod._new_dir(tmp_path, ".site.tmp-")
        (new / "index.html").write_text(f"build {i}")
        build_mod.swap_in(new, tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text() == "build 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_two_builds_into_a_missing_site_both_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    systemp = tmp_path / "systemp"
    systemp.mkdir()
    for trial in range(2):
        root = make_project(tmp_path / f"t{trial}")
        procs = [subprocess.Popen([sys.executable, "-m", "ossref", "build", "--root", str(root),
                                   "--site-dir", str(root / "out" / "site")],
                                  env=_build_env(systemp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        results = [(proc.wait(timeout=120), *proc.communicate()) for proc in procs]
        assert [code for code, _, _ in results] == [0, 0], results
        assert (root / "out" / "site" / "index.html").is_file()
        assert sorted(p.name for p in (root / "out").iterdir()) == ["site"]
    assert list(systemp.iterdir()) == []


def test_a_read_only_site_parent_is_a_plain_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    root = make_project(tmp_path)
    parent = tmp_path / "published"
    parent.mkdir()
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systemp))
    real_mkdir, real_open = os.mkdir, os.open

    def read_only(path) -> None:
        if Path(os.fsdecode(path)).parent == parent:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def mkdir(path, *args, **kwargs):
        read_only(path)
        return real_mkdir(path, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            read_only(path)
        return real_open(path, flags, *args, **kwargs)

    # Root ignores permission bits, so the read-only file system is faked.
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(parent / "site")])
    assert code == 2, err
    assert err.count("\n") == 1 and "internal error" not in err
    assert f"cannot create a folder in {parent} (Read-only file system)" in err
    assert list(parent.iterdir()) == [] and list(systemp.iterdir()) == []


def _killed_build(root: Path, systemp: Path, when) -> None:
    """Start ``ossref build`` and SIGKILL it once ``when()`` is true."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "ossref", "build", "--root", str(root)], env=_build_env(systemp),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not when() and proc.poll() is None:
            assert time.monotonic() < deadline, "the build never got there"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()


def _leftovers(root: Path, systemp: Path) -> list[str]:
    return sorted([p.name for p in root.iterdir() if p.name.startswith(".site.")]
                  + [p.name for p in systemp.iterdir()])


def test_a_killed_build_leaves_the_site_whole_and_the_next_build_cleans_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random
    import tempfile
    import time

    root = make_project(tmp_path)
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systemp))  # the in-process builds' system temporary folder
    assert run(["build", "--root", str(root)])[0] == 0
    (root / "site" / "marker.txt").write_text("the previous site")
    before = _site_tree(root / "site")
    # Killed once MkDocs has written into the temporary folder, held there by
    # a hook (code, like any in mkdocs.yml): both the staging folder and the
    # temporary one are there for sure.
    (root / "stall.py").write_text("import time\n\ndef on_post_build(config):\n    time.sleep(60)\n")
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "hooks:\n  - stall.py\n")
    _killed_build(root, systemp, lambda: any((p / "index.html").exists() for p in root.glob(".site.tmp-*")))
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    assert _site_tree(root / "site") == before
    left = _leftovers(root, systemp)
    assert any(n.startswith(".site.tmp-") for n in left) and any(n.startswith("ossref-staging-") for n in left)
    # Then at random moments; the site is always whole: the previous one or a new one.
    rng = random.Random(11)
    for _ in range(3):
        delay = rng.uniform(0.2, 1.5)
        start = time.monotonic()
        _killed_build(root, systemp, lambda: time.monotonic() - start > delay)
        tree = _site_tree(root / "site")
        assert tree == before or ("index.html" in tree and "marker.txt" not in tree)
    code, out, err = run(["build", "--root", str(root), "--strict"])
    assert code == 0, out + err
    assert _leftovers(root, systemp) == []


def test_a_folder_another_running_build_owns_is_never_removed(tmp_path: Path) -> None:
    import subprocess
    import sys

    from ossref.publish import build as build_mod

    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom ossref.publish import build\n"
         f"print(build._new_dir(Path({str(tmp_path)!r}), '.site.tmp-'), flush=True)\ntime.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        owned = Path(owner.stdout.readline().strip())
        assert owned.is_dir()
        mine = build_mod._new_dir(tmp_path, ".site.tmp-")  # sweeps first
        assert owned.is_dir() and Path(f"{owned}.lock").is_file()
        build_mod._remove(mine)
    finally:
        owner.kill()
        owner.wait(timeout=30)
    build_mod._remove(build_mod._new_dir(tmp_path, ".site.tmp-"))
    assert list(tmp_path.iterdir()) == []


# ============================================================================ 5. invisible characters in BibTeX


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u00ad", "\u200f", "\u202e", "\u2066", "\ufeff", "\u3164",
                                  "\U000e0041", "\x85", "\x1b"])
def test_invisible_characters_in_bibtex_fields_are_refused(char: str) -> None:
    text = GOOD_BIB.replace("{A study}", "{A stu" + char + "dy}")
    refs, diags = load_bib_bytes(text.encode(), "citations/refs.bib", 10**6)
    assert [(d.line, d.column, d.code) for d in diags] == [(3, 17, "unsafe-text")]
    assert f"U+{ord(char):04X}" in diags[0].message
    assert [r.key for r in refs] == ["alpha2020"]  # still loaded: the error stops the build


def test_invisible_characters_in_bibtex_fail_the_check(tmp_path: Path) -> None:
    bib = GOOD_BIB.replace("journal = {J Test}", "journal = {J\u200bTest}")
    root = make_project(tmp_path, bibs={"refs.bib": bib})
    code, data = check_json(root)
    assert code == 1 and rows(data) == [("citations/refs.bib", 4, 15, "error", "unsafe-text")]
    assert "ZERO WIDTH SPACE" in data["diagnostics"][0]["message"]


def test_a_megabyte_of_invisible_characters_in_bibtex_is_counted_not_listed() -> None:
    data = ("@misc{a, title = {" + "\u200b" * 330_000 + "}, url = {https://example.org}}\n").encode()
    assert len(data) < 10**6
    refs, diags = load_bib_bytes(data, "citations/a.bib", 10**6)
    # Bounded: 50 listed and one counting the rest, not a third of a million built and then dropped.
    assert len(diags) == 51 and "329,950 more `unsafe-text` findings" in diags[-1].message
    assert len(refs) == 1


# ============================================================================ blocks per BibTeX file


def test_a_megabyte_of_block_starts_is_refused_before_parsing() -> None:
    # 333,000 blocks once cost 11 s of CPU and 560 MB in bibtexparser and the reader.
    data = ("@a{" * 333_000).encode()
    refs, diags = load_bib_bytes(data, "citations/heads.bib", 10**6)
    assert refs == [] and [(d.line, d.column, d.code) for d in diags] == [(1, 30_001, "bib-syntax")]
    assert "more than 10,000 `@` signs" in diags[0].message and "max_bib_blocks" in diags[0].hint


def test_block_limit_is_an_option_and_names_the_line(tmp_path: Path) -> None:
    bib = GOOD_BIB + "".join(GOOD_BIB.replace("alpha2020", f"k{i}").replace("alpha.2020", f"k.{i}") for i in range(3))
    root = make_project(tmp_path, bibs={"refs.bib": bib})
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "    max_bib_blocks: 3\n")
    code, data = check_json(root)
    assert code == 1
    assert [r for r in rows(data) if r[4] == "bib-syntax"] == [("citations/refs.bib", 22, 1, "error", "bib-syntax")]

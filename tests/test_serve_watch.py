"""``ossref serve``'s watcher: it sees every kind of change to the watched
files, from the system's events or by polling, and nothing else wakes a rebuild."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ossref.publish import watch
from ossref.publish.watch import Watcher


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "content" / "deep").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "content" / "a.md").write_text("a\n")
    (root / "content" / "deep" / "b.md").write_text("b\n")
    (root / "citations" / "refs.bib").write_text("@article{x, title={X}}\n")
    (root / "mkdocs.yml").write_text("site_name: x\n")
    return root


def watched(root: Path) -> list[Path]:
    return [root / "content", root / "citations", root / "mkdocs.yml"]


@pytest.fixture(params=["events", "polling"])
def watcher(request: pytest.FixtureRequest, project: Path):
    w = Watcher(watched(project), events=request.param == "events")
    if request.param == "events" and not w.live:
        pytest.skip("the system reports no file events here (watchdog or inotify missing)")
    yield w
    w.close()


def wait_for_change(w: Watcher, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if w.wait(0.1):
            return True
    return False


def later(path: Path, text: str) -> None:
    """Write ``text`` with a new modification time even on a coarse clock."""
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))


@pytest.mark.parametrize("change", ["edit", "edit-deep", "add", "add-folder", "remove", "rename-into-place",
                                    "citations", "mkdocs-yml"])
def test_every_kind_of_change_is_seen(watcher: Watcher, project: Path, change: str) -> None:
    content = project / "content"
    if change == "edit":
        later(content / "a.md", "a, edited\n")
    elif change == "edit-deep":
        later(content / "deep" / "b.md", "b, edited\n")
    elif change == "add":
        (content / "c.md").write_text("c\n")
    elif change == "add-folder":
        (content / "new").mkdir()
        (content / "new" / "d.md").write_text("d\n")
    elif change == "remove":
        (content / "deep" / "b.md").unlink()
    elif change == "rename-into-place":  # how many editors save
        (content / ".a.md.swp").write_text("a, saved by rename\n")
        os.replace(content / ".a.md.swp", content / "a.md")
    elif change == "citations":
        later(project / "citations" / "refs.bib", "@article{y, title={Y}}\n")
    else:
        later(project / "mkdocs.yml", "site_name: y\n")
    assert wait_for_change(watcher)
    # The snapshot is up to date: the same change is not reported twice.
    assert not watcher.wait(0.2)
    assert watcher.state == watch.snapshot(watched(project))


def test_a_file_in_a_new_folder_is_seen_after_the_folder(watcher: Watcher, project: Path) -> None:
    (project / "content" / "later").mkdir()
    assert wait_for_change(watcher)
    (project / "content" / "later" / "e.md").write_text("e\n")
    assert wait_for_change(watcher)
    assert str(project / "content" / "later" / "e.md") in watcher.state


def test_reading_files_and_other_files_of_the_root_wake_nothing(watcher: Watcher, project: Path) -> None:
    for path in (project / "content").rglob("*.md"):
        path.read_bytes()  # the check reads every file on every rebuild
    (project / ".ossref-cache").mkdir()
    (project / ".ossref-cache" / "store.bin").write_bytes(b"x")
    (project / "notes.txt").write_text("not watched\n")
    assert not watcher.wait(0.3)
    assert not watcher.pending()


def test_changed_takes_a_whole_snapshot(project: Path) -> None:
    """What the tests and rebuild_if_changed use: no event needs to have arrived."""
    w = Watcher(watched(project))
    try:
        assert not w.changed()
        later(project / "content" / "a.md", "a, edited\n")
        assert w.changed()
        assert not w.changed()
    finally:
        w.close()


def test_events_say_where_to_look_never_what_changed(project: Path) -> None:
    """A file touched with the same bytes, time and inode rebuilds nothing."""
    w = Watcher(watched(project))
    try:
        path = project / "content" / "a.md"
        st = path.stat()
        path.write_text("a\n")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert not w.wait(0.3)
    finally:
        w.close()


def test_a_watched_folder_that_does_not_exist_yet_is_seen_when_made(watcher: Watcher, project: Path) -> None:
    """A theme's custom_dir named in mkdocs.yml before it is made."""
    w = Watcher([project / "content", project / "no-such-theme"], events=watcher.live)
    try:
        (project / "no-such-theme").mkdir()
        (project / "no-such-theme" / "main.html").write_text("{% extends 'base.html' %}\n")
        assert wait_for_change(w)
        if not w.wait(0.2):
            assert str(project / "no-such-theme" / "main.html") in w.state
    finally:
        w.close()


def test_an_event_for_a_change_already_seen_is_not_pending(project: Path) -> None:
    """The event of an edit can arrive after a whole look saw the edit (the
    preview's Pagefind run must not stop for it)."""
    w = Watcher(watched(project))
    try:
        later(project / "content" / "a.md", "a, edited\n")
        assert w.changed()  # a whole look, before or after the event arrived
        time.sleep(0.3)  # the event has arrived by now, if the system reports events
        assert not w.pending()
        later(project / "content" / "a.md", "a, edited again\n")
        assert w.pending()  # whether or not its event has arrived yet
        assert w.pending()  # looking does not count
    finally:
        w.close()


def test_a_folder_tree_deeper_than_the_recursion_limit_is_snapshotted(tmp_path: Path) -> None:
    import sys

    depth = sys.getrecursionlimit() + 200
    deepest = tmp_path
    for _ in range(depth):  # one at a time: pathlib's own mkdir(parents=True) recurses
        deepest = deepest / "d"
        deepest.mkdir()
    (deepest / "x.md").write_text("x\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "d")  # a link to a folder is not followed
    try:
        found = watch.snapshot([tmp_path])
        assert str(deepest / "x.md") in found
        assert str(tmp_path / "link") in found and not any(p.startswith(str(tmp_path / "link") + os.sep)
                                                           for p in found)
        assert len(found) == depth + 3  # the root, every folder, the file and the link
    finally:  # deepest first: pytest's own clean-up (shutil.rmtree) recurses, and would fail at exit
        (deepest / "x.md").unlink()
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent

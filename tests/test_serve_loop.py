"""``ossref serve``'s own loop: it waits for a change, rebuilds, serves the new
site at once and removes the replaced one afterwards, in the background."""

from __future__ import annotations

import io
import time
import urllib.request
from pathlib import Path

import pytest

from ossref.config import load_config
from ossref.publish.serve import Server


@pytest.fixture
def server(project):
    root = project("clean")
    out, err = io.StringIO(), io.StringIO()
    srv = Server(load_config(root), port=0, out=out, err=err)
    srv.start()
    srv.root, srv.out_buffer, srv.err_buffer = root, out, err
    assert srv.last_status == 0, out.getvalue() + err.getvalue()
    yield srv
    srv.stop()


def page(server: Server, path: str) -> str:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return response.read().decode()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_wait_and_rebuild_waits_for_an_edit_then_rebuilds_once(server: Server) -> None:
    assert server.wait_and_rebuild(0.2) is None  # nothing changed
    edit(server.root / "content" / "myositis-ossificans.md", "Zonal ossification", "Zonal (looped) ossification")
    deadline = time.monotonic() + 10
    status = None
    while status is None and time.monotonic() < deadline:
        status = server.wait_and_rebuild(0.5)
    assert status == 0
    assert "Zonal (looped) ossification" in page(server, "myositis-ossificans/")
    assert server.wait_and_rebuild(0.3) is None  # the edit is rebuilt once


def test_a_failed_rebuild_through_the_loop_keeps_the_last_good_site(server: Server) -> None:
    entry = server.root / "content" / "myositis-ossificans.md"
    edit(entry, "aliases: [MO]", "aliases: [MO")
    deadline = time.monotonic() + 10
    status = None
    while status is None and time.monotonic() < deadline:
        status = server.wait_and_rebuild(0.5)
    assert status == 1
    assert "Zonal ossification" in page(server, "myositis-ossificans/")


def test_the_replaced_site_is_removed_after_the_new_one_is_served(server: Server) -> None:
    workdir = server.site_dir.parent
    for i in range(3):
        edit(server.root / "content" / "myositis-ossificans.md", "Zonal", f"Zonal{i}")
        assert server.rebuild_if_changed() == 0
    server._preview.close()  # waits for the removals under way
    left = sorted(p.name for p in workdir.iterdir())
    assert [name for name in left if name.startswith(".site.")] == []
    assert left == ["site", "staging"]
    assert "Zonal2" in page(server, "myositis-ossificans/")


def test_the_collector_waits_while_an_incremental_rebuild_runs(server: Server,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """No full collection in the middle of a rebuild (seconds at 10,000
    entries); the collector is on again afterwards, even when the build raised."""
    import gc

    import ossref.publish.build as build_module

    real = build_module.build
    seen: list[bool] = []

    def recording(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "build", recording)
    assert gc.isenabled()
    edit(server.root / "content" / "myositis-ossificans.md", "Zonal", "Zonal (collected)")
    assert server.rebuild_if_changed() == 0
    assert seen == [False] and gc.isenabled()

    def raising(*args, **kwargs):
        seen.append(gc.isenabled())
        raise RuntimeError("boom")

    monkeypatch.setattr(build_module, "build", raising)
    edit(server.root / "content" / "myositis-ossificans.md", "Zonal (collected)", "Zonal")
    assert server.rebuild_if_changed() == 3
    assert seen == [False, False] and gc.isenabled()

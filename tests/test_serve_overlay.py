"""``ossref serve`` shows a failed rebuild in the browser (issue #13): every
page served to the loopback client carries an overlay listing the
diagnostics, as inert escaped text, until the next good build; the built
site itself never holds it."""

from __future__ import annotations

import io
import shutil
import urllib.request
from pathlib import Path

import pytest

from conftest import FIXTURES
from ossref.config import load_config
from ossref.publish.preview import OVERLAY_ID, OVERLAY_MAX_LINES, error_overlay
from ossref.publish.serve import VERSION_PATH, Server
from test_serve import edit, get

HOSTILE = "[[<img src=x onerror=alert(1)>]] and [[</div><script>alert(2)</script>]]"


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    out, err = io.StringIO(), io.StringIO()
    server = Server(load_config(root), port=0, out=out, err=err)
    server.start()
    server.root = root
    yield server
    server.stop()


def test_a_failed_rebuild_shows_its_escaped_diagnostics_on_every_page(served: Server) -> None:
    page = served.root / "content" / "myositis-ossificans.md"
    _, before = get(served, "/myositis-ossificans/")
    assert OVERLAY_ID not in before
    edit(page, "Zonal ossification is typical", f"Zonal ossification is typical. {HOSTILE}")
    assert served.rebuild_if_changed() == 1
    for path in ("/myositis-ossificans/", "/", "/no-such-page/"):
        status, html = get(served, path)
        assert OVERLAY_ID in html, path
        overlay = html[html.index(OVERLAY_ID):html.rindex("</body>")]
        assert "<code>content/myositis-ossificans.md:15:" in overlay
        assert "error[broken-link]</strong>" in overlay
        assert "cross-link [[&lt;img src=x onerror=alert(1)&gt;]] names no page" in overlay
        assert "&lt;/div&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in overlay
        assert "<img" not in overlay and "alert(2)</script>" not in overlay
        assert "not built" in overlay  # why, as the terminal says it
    assert get(served, "/myositis-ossificans/")[0] == 200
    # The open pages reload to show it: the live-reload state moved on.
    assert get(served, VERSION_PATH)[1] != str(served.version)


def test_the_next_good_build_drops_the_overlay(served: Server) -> None:
    page = served.root / "content" / "myositis-ossificans.md"
    edit(page, "aliases: [MO]", "aliases: [MO")
    assert served.rebuild_if_changed() == 1
    assert "error[yaml-syntax]" in get(served, "/myositis-ossificans/")[1]
    edit(page, "aliases: [MO", "aliases: [MO]")
    assert served.rebuild_if_changed() == 0
    for path in ("/myositis-ossificans/", "/"):
        assert OVERLAY_ID not in get(served, path)[1]
    assert get(served, VERSION_PATH)[1] == str(served.version)


def test_each_failed_rebuild_reloads_the_open_pages(served: Server) -> None:
    page = served.root / "content" / "myositis-ossificans.md"
    edit(page, "aliases: [MO]", "aliases: [MO")
    served.rebuild_if_changed()
    first = get(served, VERSION_PATH)[1]
    edit(page, "aliases: [MO", "aliases: [MO, ")
    assert served.rebuild_if_changed() == 1
    assert get(served, VERSION_PATH)[1] != first


def test_the_built_site_holds_no_overlay_and_passes_its_audit(served: Server) -> None:
    edit(served.root / "content" / "myositis-ossificans.md", "aliases: [MO]", "aliases: [MO")
    assert served.rebuild_if_changed() == 1
    assert OVERLAY_ID in get(served, "/")[1]
    files = list(served.site_dir.rglob("*.html"))
    assert files and not any(OVERLAY_ID in f.read_text(encoding="utf-8") for f in files)
    # A good rebuild runs the build's output audit (ossref.site.audit) on the site it swaps in.
    edit(served.root / "content" / "myositis-ossificans.md", "aliases: [MO", "aliases: [MO]")
    assert served.rebuild_if_changed() == 0
    assert not any(OVERLAY_ID in f.read_text(encoding="utf-8") for f in served.site_dir.rglob("*.html"))


def test_other_clients_get_no_overlay(served: Server, monkeypatch) -> None:
    import ossref.publish.serve

    edit(served.root / "content" / "myositis-ossificans.md", "aliases: [MO]", "aliases: [MO")
    assert served.rebuild_if_changed() == 1
    monkeypatch.setattr(ossref.publish.serve, "_is_loopback", lambda address: False)
    with urllib.request.urlopen(served.url + "myositis-ossificans/", timeout=10) as response:
        html = response.read().decode()
    assert OVERLAY_ID not in html and VERSION_PATH not in html


def test_a_failed_first_build_shows_the_overlay_on_the_503_page(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    edit(root / "content" / "myositis-ossificans.md", "aliases: [MO]", "aliases: [MO")
    server = Server(load_config(root), port=0, out=io.StringIO(), err=io.StringIO())
    server.start()
    try:
        status, html = get(server, "/")
        assert status == 503
        assert OVERLAY_ID in html and "error[yaml-syntax]" in html and VERSION_PATH in html
        edit(root / "content" / "myositis-ossificans.md", "aliases: [MO", "aliases: [MO]")
        assert server.rebuild_if_changed() == 0
        status, html = get(server, "/")
        assert status == 200 and OVERLAY_ID not in html
    finally:
        server.stop()


def test_overlay_escapes_everything_and_bounds_its_length() -> None:
    lines = ['content/<b>.md:1:2: error[broken-link] "quoted" & <script>x</script>', "ossref: not built: <i>"]
    html = error_overlay(lines + ["x" * 10_000] * (OVERLAY_MAX_LINES + 5))
    assert "<code>content/&lt;b&gt;.md:1:2</code>" in html
    assert "&quot;quoted&quot; &amp; &lt;script&gt;x&lt;/script&gt;" in html
    assert "ossref: not built: &lt;i&gt;" in html
    assert "<script" not in html and "<i>" not in html and "href" not in html
    assert "and 7 more lines" in html
    assert len(html) < OVERLAY_MAX_LINES * 600

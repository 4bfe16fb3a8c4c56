"""``ossref serve``: rebuild on change, keep serving the last good site."""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from ossref.config import load_config
from ossref.publish.serve import VERSION_PATH, Server, _is_loopback
from test_build import SUBPROCESS


def get(server: Server, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def raw_get(server: Server, path: str) -> int:
    """Status of a GET sent as is (urllib would normalise the path)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """One server for the module: the tests below run in file order and
    share its history (a good edit, then a broken one)."""
    root = tmp_path_factory.mktemp("serve") / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    out, err = io.StringIO(), io.StringIO()
    server = Server(load_config(root), port=0, out=out, err=err)
    server.start()
    server.root, server.out_buffer, server.err_buffer = root, out, err
    yield server
    workdir = server._workdir
    server.stop()
    assert not workdir.exists()


def test_serves_the_first_build(served: Server) -> None:
    assert served.last_status == 0, served.out_buffer.getvalue() + served.err_buffer.getvalue()
    status, html = get(served, "/myositis-ossificans/")
    assert status == 200
    assert "Zonal ossification" in html
    assert served.rebuild_if_changed() is None  # nothing changed


def test_change_is_rebuilt_and_served(served: Server) -> None:
    version = served.version
    edit(served.root / "content" / "myositis-ossificans.md", "Zonal ossification", "Zonal (peripheral) ossification")
    assert served.rebuild_if_changed() == 0
    assert served.version == version + 1
    status, html = get(served, "/myositis-ossificans/")
    assert status == 200 and "Zonal (peripheral) ossification" in html


def test_broken_entry_keeps_the_last_good_site(served: Server) -> None:
    version = served.version
    served.err_buffer.truncate(0)
    edit(served.root / "content" / "myositis-ossificans.md", "aliases: [MO]", "aliases: [MO")
    assert served.rebuild_if_changed() == 1
    assert "error[yaml-syntax]" in served.out_buffer.getvalue()
    assert "still serving the last good build" in served.err_buffer.getvalue()
    assert served.version == version
    status, html = get(served, "/myositis-ossificans/")
    assert status == 200 and "Zonal (peripheral) ossification" in html


def test_fixing_it_serves_again(served: Server) -> None:
    edit(served.root / "content" / "myositis-ossificans.md", "aliases: [MO", "aliases: [MO]")
    (served.root / "content" / "myositis-ossificans.md").touch()
    assert served.rebuild_if_changed() == 0


def test_citations_and_mkdocs_yml_are_watched(served: Server) -> None:
    with open(served.root / "citations" / "refs.bib", "a") as fh:
        fh.write("\n")
    assert served.rebuild_if_changed() == 0
    with open(served.root / "mkdocs.yml", "a") as fh:
        fh.write("site_description: Changed.\n")
    assert served.rebuild_if_changed() == 0


def test_html_to_loopback_carries_live_reload(served: Server) -> None:
    _, html = get(served, "/")
    assert VERSION_PATH in html
    assert html.index(VERSION_PATH) < html.rindex("</body>")
    status, version = get(served, VERSION_PATH)
    assert status == 200 and version == str(served.version)


def test_no_directory_listing_and_nothing_outside_the_site(served: Server) -> None:
    assert (served.site_dir / "search").is_dir() and not (served.site_dir / "search" / "index.html").exists()
    assert get(served, "/search/")[0] == 404
    assert get(served, "/no-such-page/")[0] == 404
    for path in ("/../../../../etc/passwd", "/..%2f..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/assets/../../../etc/passwd"):
        assert raw_get(served, path) == 404, path
    # A symlink in the site folder (MkDocs never writes one) is not followed out.
    outside = served.root / "secret.txt"
    outside.write_text("secret")
    (served.site_dir / "leak.txt").symlink_to(outside)
    status, body = get(served, "/leak.txt")
    assert status == 404 and "secret" not in body


def test_directory_without_slash_redirects(served: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    conn.request("GET", "/myositis-ossificans")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 301 and response.getheader("Location").endswith("/myositis-ossificans/")


def test_failed_first_build_still_serves_and_recovers(project) -> None:
    root = project("clean")
    entry = root / "content" / "myositis-ossificans.md"
    edit(entry, "aliases: [MO]", "aliases: [MO")
    out, err = io.StringIO(), io.StringIO()
    server = Server(load_config(root), port=0, out=out, err=err)
    server.start()
    try:
        assert server.last_status == 1
        assert get(server, "/")[0] == 503
        edit(entry, "aliases: [MO", "aliases: [MO]")
        assert server.rebuild_if_changed() == 0
        assert get(server, "/myositis-ossificans/")[0] == 200
    finally:
        server.stop()


def test_loopback_detection() -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("127.1.2.3") and _is_loopback("::1")
    assert _is_loopback("::ffff:127.0.0.1") and _is_loopback("localhost")
    assert not _is_loopback("10.0.0.1") and not _is_loopback("0.0.0.0") and not _is_loopback("::")


def test_cli_serve_stops_cleanly_on_ctrl_c(project, tmp_path: Path) -> None:
    root = project("clean")
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    env = {**os.environ, "TMPDIR": str(systemp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*SUBPROCESS, "serve", "--root", str(root), "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            found = re.match(r"serving (http://127\.0\.0\.1:\d+/)", line)
            url = found and found.group(1)
        with urllib.request.urlopen(url + "myositis-ossificans/", timeout=10) as response:
            assert response.status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert list(systemp.iterdir()) == []


@pytest.mark.browser
def test_live_reload_in_a_browser(project) -> None:
    """The injected script reloads an open page after a successful rebuild,
    and after a failed one, which then shows the last good page under the
    error overlay (issue #13: it used to stay as it was, with no sign)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Debian's chromium is not installed")
    root = project("clean")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")  # Material, with instant navigation
    entry = root / "content" / "myositis-ossificans.md"
    server = Server(load_config(root), port=0, out=io.StringIO(), err=io.StringIO())
    server.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                              "--disable-background-networking", "--disable-component-update"])
            try:
                page = browser.new_page()
                page.goto(server.url + "myositis-ossificans/")
                edit(entry, "aliases: [MO]", "aliases: [MO")
                assert server.rebuild_if_changed() == 1
                page.wait_for_selector("#ossref-error-overlay", timeout=10_000)
                assert "error[yaml-syntax]" in page.locator("#ossref-error-overlay").inner_text()
                assert "Zonal ossification" in page.locator("article").inner_text()  # the last good page
                edit(entry, "aliases: [MO", "aliases: [MO]")
                edit(entry, "Zonal ossification", "Zonal ossification, seen live,")
                assert server.rebuild_if_changed() == 0
                page.wait_for_function("document.body.innerText.includes('seen live')", timeout=10_000)
                assert page.locator("#ossref-error-overlay").count() == 0
            finally:
                browser.close()
    finally:
        server.stop()

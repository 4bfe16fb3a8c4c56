"""``ossref serve``: a local live preview that survives broken content.

:class:`Server` builds the site once into a private temporary folder, serves
it over HTTP from a background thread, and on :meth:`Server.rebuild_if_changed`
rebuilds it when a file under the docs folder, the citations folder, the
theme's ``custom_dir`` or ``mkdocs.yml`` changed (sizes, modification
times and inodes; the CLI's loop, :meth:`Server.wait_and_rebuild`, learns
of an edit from the operating system where it can, else polls:
:mod:`ossref.publish.watch`). A rebuild is an ordinary
:func:`ossref.publish.build.build` made incremental by the server's
:class:`ossref.publish.preview.Preview`: every page is checked, from the
check's state and the parsed pages it keeps in memory (only the files that
changed are read and parsed again), but only the
pages whose inputs changed are resolved and rendered again into the staging
folder the preview keeps (:mod:`ossref.site.incremental`), MkDocs renders only
the pages whose staged output changed, and the site is a full one whenever
anything but the pages and the citations changed. Diagnostics are printed
(all of them on the first build; then every error and the findings that
are new, :meth:`ossref.publish.preview.Preview.report`), and the
new site is swapped in only when it built, so a failed rebuild keeps the last
good site on screen and never stops the server. With ``search: pagefind`` a
rebuild serves the new pages with the previous search index and then indexes
them (each bundle swapped in whole); an edit meanwhile stops Pagefind, and
its rebuild comes first.

HTML sent to a loopback client carries a small script that polls
``/__ossref_version`` every second and reloads the page after the next
rebuild, good or failed. While the last rebuild failed, that HTML also
carries an overlay listing what the build printed: its diagnostics
(``file:line:col``, code, message) and why nothing was built
(:func:`ossref.publish.preview.error_overlay`, inert escaped text); the next good
build drops it. Both are added to the response only, never to the built
site, which passes its output audit as built. Clients from any other address
get the pages exactly as built and no version endpoint. The handler serves regular files from the
site folder only: no directory listings, nothing outside it even through a
symbolic link.

The preview is for one person's machine; binding another address than
loopback prints a warning (see SECURITY.md).
"""

from __future__ import annotations

import gc
import ipaddress
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ossref.config import CONFIG_FILE, Config, ConfigError, is_inside, load_config, read_mkdocs_yml
from ossref.publish.watch import POLL_SECONDS, Watcher

if TYPE_CHECKING:
    from ossref.publish.preview import Preview

__all__ = ["Server", "serve", "POLL_SECONDS", "VERSION_PATH"]

VERSION_PATH = "/__ossref_version"

_NO_BUILD_PAGE = (b"<!doctype html><html><head><meta charset=\"utf-8\"><title>No build yet</title></head>"
                  b"<body><p>No successful build yet: see the errors below, and in the terminal.</p></body></html>")

_RELOAD_SCRIPT = """<script>(function(){var v=%s;function poll(){fetch("%s",{cache:"no-store"})
.then(function(r){return r.text()}).then(function(t){if(t!==v){location.reload()}else{setTimeout(poll,1000)}})
.catch(function(){setTimeout(poll,1000)})}setTimeout(poll,1000)})();</script>"""


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class _Handler(SimpleHTTPRequestHandler):
    """Serves ``directory`` (the current site folder) and the version endpoint."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would bury the diagnostics

    def end_headers(self) -> None:
        # A preview must never show a page older than the last build.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == VERSION_PATH and _is_loopback(self.client_address[0]):
            self._send(HTTPStatus.OK, self.server.state().encode(), "text/plain; charset=utf-8")
            return
        super().do_GET()

    def _decorates(self) -> bool:
        return self.server.live_reload and _is_loopback(self.client_address[0])

    def _decorate(self, body: bytes) -> bytes:
        """``body`` (an HTML page) with the live-reload script and, while the
        last rebuild failed, the error overlay, before its ``</body>``."""
        server = self.server
        extra = (_RELOAD_SCRIPT % (f'"{server.state()}"', VERSION_PATH)).encode()
        if server.failure is not None:
            from ossref.publish.preview import error_overlay

            extra = error_overlay(server.failure).encode("utf-8", "replace") + extra
        at = body.lower().rfind(b"</body>")
        return body[:at] + extra + body[at:] if at >= 0 else body + extra

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self._not_found()
        return None

    def _not_found(self) -> None:
        page = Path(self.directory, "404.html")
        try:
            body = page.read_bytes() if page.is_file() else None
        except OSError:  # swapped out between the check and the read
            body = None
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain")
            return
        self._send(HTTPStatus.NOT_FOUND, self._decorate(body) if self._decorates() else body,
                   "text/html; charset=utf-8")

    def send_head(self):  # type: ignore[override]
        root = os.path.realpath(self.directory)
        if not os.path.isdir(root):
            if self._decorates():  # the errors in the browser, and a reload once a build succeeds
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, self._decorate(_NO_BUILD_PAGE),
                           "text/html; charset=utf-8")
            else:
                self._send(HTTPStatus.SERVICE_UNAVAILABLE,
                           b"No successful build yet: see the diagnostics in the terminal.\n",
                           "text/plain; charset=utf-8")
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to "dir/"
            path = os.path.join(path, "index.html")
        real = os.path.realpath(path)
        if os.path.commonpath([real, root]) != root or not os.path.isfile(real):
            self._not_found()
            return None
        if real.endswith(".html") and self._decorates():
            try:
                body = Path(real).read_bytes()
            except OSError:  # swapped out between the check and the read
                self._not_found()
                return None
            self._send(HTTPStatus.OK, self._decorate(body), "text/html; charset=utf-8")
            return None
        try:
            fh = open(real, "rb")
        except OSError:
            self._not_found()
            return None
        size = os.fstat(fh.fileno()).st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(real))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        return fh


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    version = 0
    live_reload = True
    #: What the last rebuild printed when it failed (one string a line), or
    #: None when it succeeded. Replaced whole, never changed in place: the
    #: handler threads read it while a rebuild runs.
    failure: tuple[str, ...] | None = None
    failures = 0  # failed rebuilds so far: each one makes the open pages reload

    def state(self) -> str:
        """What the live-reload script compares: it changes with every good
        build, and with every failed one (to show its errors)."""
        return str(self.version) if self.failure is None else f"{self.version}-failed-{self.failures}"


class _HTTP6Server(_HTTPServer):
    address_family = socket.AF_INET6


class Server:
    """A live preview of one project.

    ``start()`` binds (port 0 picks a free one; see :attr:`port`), builds once
    and serves from a background thread; a failed first build still serves
    (a 503 page until a build succeeds). ``rebuild_if_changed()`` looks at every
    watched file once and rebuilds when one changed (tests call it right
    after an edit); ``wait_and_rebuild()`` waits for a change first (the
    CLI's loop). ``stop()`` shuts the server
    down and deletes the preview's folder. Diagnostics and build summaries go
    to ``out``, reasons for not building to ``err``.
    """

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 8000,
                 out: TextIO | None = None, err: TextIO | None = None, live_reload: bool = True) -> None:
        self.config = config
        self.host = host
        self.requested_port = port
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.live_reload = live_reload
        self._workdir: Path | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None  # made by start()
        self._preview: Preview | None = None  # made by start()
        # The theme's custom_dir, read again from mkdocs.yml with every rebuild
        # rather than on every poll.
        self._theme_dirs = _custom_dir(config)
        #: Exit status of the last build (0 when it succeeded).
        self.last_status: int | None = None

    @property
    def site_dir(self) -> Path:
        assert self._workdir is not None, "start() first"
        return self._workdir / "site"

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() first"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def version(self) -> int:
        """Incremented by every successful build; what live reload watches."""
        return self._httpd.version if self._httpd else 0

    def _watched(self) -> list[Path]:
        c = self.config
        return [c.docs_path, c.citations_path, c.root / CONFIG_FILE, *self._theme_dirs]

    def start(self) -> None:
        """Bind, build once, then serve in a background thread. Raises OSError
        when the address cannot be bound."""
        server_class = _HTTP6Server if ":" in self.host else _HTTPServer
        self._workdir = Path(tempfile.mkdtemp(prefix="ossref-serve-"))
        try:
            handler = partial(_Handler, directory=str(self.site_dir))
            self._httpd = server_class((self.host, self.requested_port), handler)
        except BaseException:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise
        self._httpd.live_reload = self.live_reload
        if not _is_loopback(self.host):
            self.err.write(f"ossref: warning: serving on {self.host}: the preview is meant for this "
                           "machine only (127.0.0.1); anyone who can reach this address can read it\n")
        from ossref.publish.preview import Preview

        self._preview = Preview(self._workdir / "staging")
        self._watcher = Watcher(self._watched())
        self._rebuild()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="ossref-serve", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and delete the preview's folder; safe to call twice."""
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
                self._thread.join()
            self._httpd.server_close()
            self._httpd = None
            self._thread = None
        if self._preview is not None:
            self._preview.close()
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def rebuild_if_changed(self) -> int | None:
        """Rebuild when a watched file changed since the last look. Returns
        None when nothing changed, else the build's exit status (0: the new
        site is being served; otherwise the previous one still is)."""
        assert self._watcher is not None, "start() first"
        if not self._watcher.changed():
            return None
        return self._rebuild()

    def wait_and_rebuild(self, timeout: float = POLL_SECONDS) -> int | None:
        """Wait up to ``timeout`` seconds for a watched file to change, and
        rebuild when one did; returns as :meth:`rebuild_if_changed`. Learns
        of changes from the operating system where it can, else polls
        (:class:`ossref.publish.watch.Watcher`): what the CLI calls in a loop."""
        assert self._watcher is not None, "start() first"
        if not self._watcher.wait(timeout):
            return None
        return self._rebuild()

    def _rebuild(self) -> int:
        # An incremental rebuild allocates a project's worth of objects while
        # the heap holds the served one: a full collection in the middle of
        # it (seconds at 10,000 entries) is left until the new site is
        # served, when the collector runs on the first allocation.
        paused = gc.isenabled() and self._preview is not None and self._preview.serving
        if paused:
            gc.disable()
        try:
            return self._rebuild_now()
        finally:
            if paused:
                gc.enable()

    def _rebuild_now(self) -> int:
        from ossref.publish.build import build

        stamp = time.strftime("%H:%M:%S")
        self.out.write(f"--- {stamp} building\n")
        # The build reports in text; the overlay shows what it printed, so the
        # browser says exactly what the terminal says.
        printed: list[str] = []
        out, err = _Recorder(self.out, printed), _Recorder(self.err, printed)
        try:
            # mkdocs.yml may have changed: options, rule severities, folders.
            self.config = load_config(self.config.root)
            self._theme_dirs = _custom_dir(self.config)
            if self._watcher is not None and self._watcher.paths != self._watched():
                self._watcher.close()  # another docs, citations or theme folder
                self._watcher = Watcher(self._watched())
            status = build(self.config, self.site_dir, False, out, err, preview=self._preview)
        except ConfigError as exc:
            err.write(f"ossref: {exc}\n")
            status = 2
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - an error never stops the preview
            err.write(f"ossref: internal error: {type(exc).__name__}: {exc} (please report this)\n")
            status = 3
        out.close_line()
        err.close_line()
        if status == 0 and self._httpd is not None:
            self._httpd.failure = None
            self._httpd.version += 1
        elif status != 0:
            self.err.write("ossref: still serving the last good build\n")
            if self._httpd is not None:
                self._httpd.failure = tuple(printed)
                self._httpd.failures += 1
        if status == 0 and self._preview is not None:
            self._refresh_search()
        self.out.flush()
        self.last_status = status
        return status


    def _refresh_search(self) -> None:
        """After the new pages are served: their Pagefind index, when the
        build carried the previous one over (see ossref.publish.preview)."""
        from ossref.site.search import SearchFailed, SearchStopped

        assert self._preview is not None
        try:
            # Another edit stops it: that rebuild first, this index after it.
            assert self._watcher is not None
            if self._preview.refresh_search(self.site_dir, self._watcher.pending):
                self.out.write("search index updated\n")
        except SearchStopped:
            self.out.write("search index postponed: files changed\n")
        except SearchFailed as exc:
            self.err.write(f"ossref: search index not updated: {exc}; searching finds the previous text\n")
        except OSError as exc:
            self.err.write(f"ossref: search index not updated: {exc}\n")


class _Recorder:
    """A text stream that writes through to ``target`` and appends each
    complete line written to ``lines``."""

    def __init__(self, target: TextIO, lines: list[str]) -> None:
        self.target = target
        self.lines = lines
        self._partial = ""

    def write(self, text: str) -> int:
        self.target.write(text)
        *done, self._partial = (self._partial + text).split("\n")
        self.lines.extend(done)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def close_line(self) -> None:
        """Count a last line written without its newline."""
        if self._partial:
            self.lines.append(self._partial)
            self._partial = ""


def _custom_dir(config: Config) -> list[Path]:
    """The theme's ``custom_dir`` when ``mkdocs.yml`` names one inside the project."""
    try:
        theme = read_mkdocs_yml(config.root).get("theme")
    except ConfigError:
        return []
    folder = theme.get("custom_dir") if isinstance(theme, dict) else None
    if not isinstance(folder, str) or not folder.strip():
        return []
    path = (config.root / folder).resolve()
    return [path] if is_inside(path, config.root) else []


def serve(config: Config, host: str, port: int, out: TextIO, err: TextIO) -> int:
    """Run the preview until Ctrl-C or SIGTERM; returns the exit status (0
    when stopped, 2 when the address cannot be bound)."""
    server = Server(config, host, port, out, err)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        # SIGINT too: a shell that starts ossref in the background hands it
        # SIGINT ignored, and Python then never raises KeyboardInterrupt.
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, stop)
    try:
        try:
            server.start()
        except OSError as exc:
            err.write(f"ossref: cannot serve on {host}:{port}: {exc.strerror or exc}\n")
            return 2
        out.write(f"serving {server.url} (Ctrl-C to stop)\n")
        out.flush()
        while True:
            server.wait_and_rebuild()
    except KeyboardInterrupt:
        out.write("stopped\n")
        return 0
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)

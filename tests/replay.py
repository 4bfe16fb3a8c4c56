"""A local HTTP server that replays recorded answers of Crossref, NCBI
E-utilities and the PMC ID Converter, for the tests of ``ossref cite`` and
``ossref check --online``. It listens on 127.0.0.1 on an ephemeral port, in a
thread, and never contacts the real services.

The recordings are the real responses in ``../shared/api-samples/`` (the
folder ``shared`` beside the checkout; see its README for their sources).
``OSSREF_API_SAMPLES`` may name that folder instead, for a checkout that
lives elsewhere (a git worktree). Tests skip, naming the folder, without it.

What the recordings do not cover, a test adds with :meth:`Replay.answer`,
and says there that the answer is made up and why. A request that matches
neither gets a 599 "no recording" answer, so a test never passes on a
request it did not expect.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from conftest import SHARED, absent

SAMPLES = Path(os.environ.get("OSSREF_API_SAMPLES") or SHARED / "api-samples")


def samples() -> Path:
    """The recordings folder, or skip the test naming where it was looked for."""
    if not (SAMPLES / "README.md").is_file():
        pytest.skip(absent(SAMPLES / "README.md", "api-samples") + " (or set OSSREF_API_SAMPLES)")
    return SAMPLES


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Replay:
    server: ThreadingHTTPServer
    folder: Path
    extra: dict[tuple[str, str], tuple[int, str, bytes, float, dict]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The environment variables pointing ossref at this server."""
        return {"OSSREF_CROSSREF_URL": f"{self.base}/crossref", "OSSREF_NCBI_URL": f"{self.base}/eutils",
                "OSSREF_IDCONV_URL": f"{self.base}/idconv/"}

    def answer(self, service: str, ident: str, status: int, body: bytes | str,
               content_type: str = "application/json", drip: float = 0.0,
               headers: dict[str, str] | None = None) -> None:
        """Answer ``service`` ("crossref", "efetch", "esummary", "esearch",
        "idconv") asked about ``ident`` with a body the test provides; with
        ``drip``, one byte every ``drip`` seconds."""
        data = body.encode() if isinstance(body, str) else body
        self.extra[(service, ident)] = (status, content_type, data, drip, headers or {})

    def recorded(self, service: str, ident: str) -> tuple[int, str, bytes] | None:
        f = self.folder
        if service == "crossref":
            name = f / f"crossref-works-{ident.replace('/', '_')}.json"
            if name.is_file():
                return 200, "application/json", name.read_bytes()
            # Crossref's answer to any DOI it does not know (recorded for one).
            return 404, "text/plain", (f / "crossref-works-10.1371_notarealdoi-404.txt").read_bytes()
        if service == "efetch":
            name = f / ("efetch-pubmed-error-empty-id.xml" if not ident else f"efetch-pubmed-{ident}.xml")
            return (200, "text/xml", name.read_bytes()) if name.is_file() else None
        if service == "esummary":
            if ident == "22323294":
                return 200, "application/json", (f / "esummary-pubmed-22323294.json").read_bytes()
            many = "26147656,25995115,24719456,23727094,22323294,22002930,19188495,18979235,18474625"
            if sorted(ident.split(",")) == sorted(many.split(",")):
                return 200, "application/json", (f / "esummary-pubmed-26147656-and-8-more.json").read_bytes()
            return None
        if service == "idconv":
            if ident == "10.1038/ng.590":
                return 200, "application/json", (f / "idconv-10.1038_ng.590.json").read_bytes()
            if ident == "28371833/doi":
                return 404, "application/json", (f / "idconv-28371833-idtype-doi-error.json").read_bytes()
        return None


def _handler(replay: Replay):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            replay.seen.append(Seen(parts.path, query, dict(self.headers.items())))
            if parts.path.startswith("/crossref/works/"):
                service, ident = "crossref", unquote(parts.path[len("/crossref/works/"):])
            elif parts.path in ("/eutils/efetch.fcgi", "/eutils/esummary.fcgi"):
                service, ident = parts.path[len("/eutils/"):-len(".fcgi")], query.get("id", "")
            elif parts.path == "/eutils/esearch.fcgi":
                service, ident = "esearch", query.get("term", "")
            elif parts.path == "/idconv/":
                service = "idconv"
                ident = query.get("ids", "") + (f"/{query['idtype']}" if "idtype" in query else "")
            else:
                service, ident = "", ""
            found = replay.extra.get((service, ident)) or (*(replay.recorded(service, ident) or ()), 0.0, {})
            if len(found) == 2:
                found = (599, "text/plain", f"no recording for {service} {ident}".encode(), 0.0, {})
            status, ctype, body, drip, headers = found
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not drip:
                self.wfile.write(body)
                return
            for i in range(len(body)):
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:  # the client gave up, as it should
                    return
                time.sleep(drip)

        def log_message(self, *args) -> None:  # the test output stays clean
            pass

    return Handler


@pytest.fixture
def replay(monkeypatch):
    """A running replay server; the OSSREF_*_URL variables point at it."""
    folder = samples()
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    state = Replay(server, folder)
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in state.env().items():
        monkeypatch.setenv(name, value)
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)

"""A small HTTP GET client for the bibliographic services, on urllib.

Answers are bounded: at most :data:`MAX_RESPONSE_BYTES` are read, and a whole
request (connecting, redirects and reading) must finish within the timeout,
so a server that sends a byte a second cannot hold ossref forever. Only
``http`` and ``https`` are opened, redirects included; responses are asked
for uncompressed, so no decompression bomb can arrive.

:meth:`Client.get` returns the status and body of any HTTP answer (a 404 is
an answer) and raises :class:`ServiceError` when there is none, or one too
large or too slow; :class:`Offline` when the network is not there at all.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from ossref import __version__

#: Largest response body read, in bytes; a larger one is refused.
MAX_RESPONSE_BYTES = 2_000_000
#: Shortest gap between two requests to one NCBI host: NCBI allows three
#: requests a second without an API key.
NCBI_INTERVAL = 0.34


class ServiceError(Exception):
    """No usable answer from ``service``; ``str()`` says which and why."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service


class Offline(ServiceError):
    """The service could not be reached at all (no network, no DNS, refused)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        if not newurl.lower().startswith(("http://", "https://")):
            raise urllib.error.HTTPError(newurl, code, "redirect to a URL that is not http(s)", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # Built by hand rather than with build_opener, which would add the file:,
    # ftp: and data: handlers.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), _Redirects(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


class Client:
    """GET requests carrying ``User-Agent: ossref/<version> (mailto:<contact>)``."""

    def __init__(self, contact: str, timeout: float, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.user_agent = f"ossref/{__version__} (https://github.com/ossref/ossref; mailto:{contact})"
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._opener = _opener()
        self._last: dict[str, float] = {}

    def get(self, service: str, url: str, params: dict[str, str] | None = None,
            interval: float = 0.0) -> Response:
        """GET ``url`` with ``params``; ``interval`` is the least time since
        the previous request to ``service``."""
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        wait = self._last.get(service, -interval) + interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "identity"})
        deadline = time.monotonic() + self.timeout
        try:
            try:
                response = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:
                response = exc  # a 404 or 500 is an answer, read like any other
            with response:
                body = self._read(service, response, deadline)
                status = response.status if hasattr(response, "status") else response.code
                content_type = response.headers.get("Content-Type", "") if response.headers else ""
        except ServiceError:
            raise
        except (socket.timeout, TimeoutError):
            raise ServiceError(service, f"no answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            raise Offline(service, f"cannot connect ({_reason(exc.reason)})") from None
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise ServiceError(service, f"the connection failed ({_reason(exc)})") from None
        finally:
            self._last[service] = time.monotonic()
        return Response(status or 0, body, content_type)

    def _read(self, service: str, response, deadline: float) -> bytes:  # noqa: ANN001 - HTTPResponse or HTTPError
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise ServiceError(service, f"the answer took more than {self.timeout:g} s")
            chunk = response.read(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise ServiceError(service, f"the answer is larger than {self.max_bytes} bytes; refused")
            chunks.append(chunk)


def _reason(reason: object) -> str:
    text = str(reason) or type(reason).__name__
    return " ".join(text.split())[:200]

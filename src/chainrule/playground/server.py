"""The playground's web server: its own static files and a small JSON API, on loopback only.

Standard library only (`http.server`). Routes (``{id}`` is a session id):

    GET    /                              the page (also /index.html, /app.js, /draw.js, /diagram.js,
                                          /style.css)
    GET    /api/config                    limits of every setting, defaults and presets
    POST   /api/sessions                  {settings} → 201, the new session (id, points, ...)
    GET    /api/sessions/{id}             the session: settings, points, history, metrics
    POST   /api/sessions/{id}/step        {"steps": k} → step, epoch, loss, accuracy, diverged
    POST   /api/sessions/{id}/reset       new random weights → the session
    GET    /api/sessions/{id}/boundary    ?resolution=r → P(class 1) on an r × r grid
    GET    /api/sessions/{id}/unit        ?layer=&unit=&resolution=&view= → that hidden unit's output
                                          (view=output) or ∂loss/∂output (view=gradient) on the grid
    POST   /api/sessions/{id}/settings    {rate, optimizer, batch size, regularisation, dropout} → kept weights
    POST   /api/sessions/{id}/points      {"x", "y", "label"} → the session with one more training point
    GET    /api/sessions/{id}/network     ?resolution=&view= → the diagram: weights, gradients, node maps
    GET    /api/sessions/{id}/neuron      ?layer=&unit=&x=&y= → one neuron's op graph at one point
    GET    /api/sessions/{id}/hidden      ?layer= → the plane's grid carried through a 2-unit layer
    DELETE /api/sessions/{id}             → 204

Every answer is JSON; an invalid request gets ``{"error": "..."}`` naming what was
wrong: 400 for a bad parameter, 404 for an unknown path or session, 405 for a
wrong method, 413 for a body over `MAX_BODY` bytes, 415 for a POST that is not
JSON, 403 for a request from another site (a Host or Origin that is not this
server's). Nothing sent is evaluated, and only the files named above are served.

Slow clients are bounded: a request (line, headers and body) must arrive within
`REQUEST_SECONDS` in all, whatever the pace of its bytes (else 408 and the
connection closes), and at most `MAX_CONNECTIONS` connections are served at once
(the next ones get 503 at once).

>>> server = make_server(port=0)
>>> server.url.startswith("http://127.0.0.1:")
True
>>> server.server_close()
"""

from __future__ import annotations

import io
import json
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from chainrule.playground.config import (
    DEFAULT_RESOLUTION,
    DEFAULT_STEPS,
    MAX_EPOCHS,
    MAX_STEPS,
    RESOLUTION,
    BadRequest,
    check_keys,
    integer,
    limits,
    parse_config,
    query_integer,
)
from chainrule.playground import views
from chainrule.playground.sessions import SessionStore

HOST = "127.0.0.1"
MAX_BODY = 16 * 1024  # bytes of JSON a request may send
MAX_SESSIONS = 16
REQUEST_SECONDS = 15.0  # time a client has to send its whole request
MAX_CONNECTIONS = 32  # connections served at once
STATIC = {"/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/style.css": "style.css",
          "/draw.js": "draw.js", "/diagram.js": "diagram.js"}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
SESSION_PATH = re.compile(r"/api/sessions/(?P<id>[0-9a-f]{16})"
                          r"(?:/(?P<action>step|reset|boundary|unit|settings|points|network|neuron|hidden))?")
METHODS = {None: ("GET", "DELETE"), "step": ("POST",), "reset": ("POST",), "boundary": ("GET",), "unit": ("GET",),
           "settings": ("POST",), "points": ("POST",), "network": ("GET",), "neuron": ("GET",), "hidden": ("GET",)}


class HTTPError(Exception):
    """An answer other than 200, with the message for the JSON body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class PlaygroundServer(ThreadingHTTPServer):
    """A threading HTTP server that owns the sessions and the static files."""

    daemon_threads = True
    request_seconds = REQUEST_SECONDS
    max_connections = MAX_CONNECTIONS

    def __init__(self, host: str = HOST, port: int = 0, max_sessions: int = MAX_SESSIONS,
                 verbose: bool = False) -> None:
        self.host = host
        self._connections = 0
        self._connections_lock = threading.Lock()
        self.store = SessionStore(max_sessions)
        self.verbose = verbose
        folder = resources.files("chainrule.playground").joinpath("static")
        self.static = {name: (folder.joinpath(name).read_bytes(), CONTENT_TYPES[name[name.rindex("."):]])
                       for name in set(STATIC.values())}
        super().__init__((host, port), PlaygroundHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in its own thread, or answer 503 at once when `max_connections` are busy."""
        with self._connections_lock:
            busy = self._connections >= self.max_connections
            if not busy:
                self._connections += 1
        if not busy:
            super().process_request(request, client_address)
            return
        body = json.dumps({"error": f"the server is busy ({self.max_connections} connections); try again"}).encode()
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass
        self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections -= 1

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


def make_server(host: str = HOST, port: int = 0, max_sessions: int = MAX_SESSIONS,
                verbose: bool = False) -> PlaygroundServer:
    """A server bound to `host`:`port` (0: a free port), not yet serving; call `serve_forever()`."""
    return PlaygroundServer(host, port, max_sessions, verbose)


def serve(host: str = HOST, port: int = 0, verbose: bool = False) -> None:
    """Serve the playground until Ctrl-C, printing its address first."""
    server = make_server(host, port, verbose=verbose)
    print(f"chainrule playground: open {server.url} in a browser (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nplayground stopped", file=sys.stderr)
    finally:
        server.server_close()


class PlaygroundHandler(BaseHTTPRequestHandler):
    """Routes one request; each answer closes the connection (HTTP/1.0), so no body is left unread."""

    server: PlaygroundServer
    server_version = "chainrule-playground"
    sys_version = ""
    timeout = 15  # seconds a client may take to send its request

    def setup(self) -> None:
        """Read the request through a clock: the whole request has `server.request_seconds`, not each read."""
        super().setup()
        self.rfile.close()  # the socket file http.server made: replaced by one that keeps the time
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self.server.request_seconds))

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        self._body_read = False
        try:
            self._check_origin()
            status, payload = self._route(method)
        except HTTPError as error:
            self._answer_error(error.status, error.message, error.headers)
        except BadRequest as error:
            self._answer_error(400, str(error))
        except TimeoutError:
            self._body_read = True  # what is left of it will not come in time
            self.close_connection = True
            self._answer_error(408, f"the request did not arrive within {self.server.request_seconds:g} s")
        except Exception as error:  # a bug: say so, keep serving
            self.log_error("%s on %s %s: %r", type(error).__name__, method, self.path, error)
            self._answer_error(500, f"internal error: {type(error).__name__}: {error}")
        else:
            if isinstance(payload, tuple):  # a static file and its content type
                self._send(status, *payload)
            else:
                self._send_json(status, payload)

    def _answer_error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Answer with {"error": message}, first reading a body left unread (up to 1 MiB), so the
        client gets the answer rather than a reset connection."""
        length = self.headers.get("Content-Length", "")
        if not self._body_read and length.isascii() and length.isdigit() and len(length) <= 7 and int(length) <= 2**20:
            try:
                self.rfile.read(int(length))
            except OSError:  # TimeoutError included: answer anyway
                pass
        self._send_json(status, {"error": message}, headers)

    def _check_origin(self) -> None:
        """Refuse requests made by other sites' pages (DNS rebinding, cross-site POSTs)."""
        allowed = {f"127.0.0.1:{self.server.port}", f"localhost:{self.server.port}"}
        host = self.headers.get("Host")
        if host is not None and host not in allowed:
            raise HTTPError(403, f"this server answers only requests for {' or '.join(sorted(allowed))}, not {host!r}")
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            raise HTTPError(403, f"cross-origin requests are refused (Origin {origin!r})")

    # ------------------------------------------------------------------ routing
    def _route(self, method: str) -> tuple[int, Any]:
        parts = urlsplit(self.path)
        path, query = parts.path, self._query(parts.query)
        if path in STATIC:
            self._allow(method, ("GET",))
            return 200, self.server.static[STATIC[path]]
        if path == "/api/config":
            self._allow(method, ("GET",))
            return 200, limits()
        store = self.server.store
        if path == "/api/sessions":
            self._allow(method, ("POST",))
            session = store.create(parse_config(self._body()))
            return 201, session.state()
        match = SESSION_PATH.fullmatch(path)
        if match is None:
            raise HTTPError(404, f"no such path {path[:100]!r}; the API lives under /api/sessions")
        action = match["action"]
        self._allow(method, METHODS[action])
        try:
            session = store.get(match["id"])
        except KeyError:
            raise HTTPError(404, f"no session {match['id']}: it was deleted, or evicted because more than "
                                 f"{store.capacity} sessions were opened; create a new one") from None
        if action is None and method == "DELETE":
            store.delete(session.id)
            return 204, None
        if action is None:
            check_keys(query, (), "query parameter")
            return 200, session.state()
        if action == "step":
            body = self._body()
            check_keys(body, ("steps", "epochs"), "field")
            if "epochs" in body:
                if "steps" in body:
                    raise BadRequest("send steps or epochs, not both")
                return 200, session.step(epochs=integer(body, "epochs", 1, MAX_EPOCHS))
            steps = integer(body, "steps", 1, MAX_STEPS) if "steps" in body else DEFAULT_STEPS
            return 200, session.step(steps)
        if action in ("settings", "points"):
            body = self._body()
            return 200, session.update(body) if action == "settings" else session.add_point(body)
        if action in ("network", "neuron", "hidden"):
            return 200, views.answer(session, action, query)
        if action == "reset":
            check_keys(self._body(), (), "field")
            return 200, session.reset()
        if action == "boundary":
            check_keys(query, ("resolution",), "query parameter")
            return 200, session.boundary(query_integer(query, "resolution", *RESOLUTION, DEFAULT_RESOLUTION))
        return 200, views.answer(session, action, query)

    def _allow(self, method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            raise HTTPError(405, f"{method} is not allowed here; use {' or '.join(allowed)}",
                            {"Allow": ", ".join(allowed)})

    @staticmethod
    def _query(text: str) -> dict[str, str]:
        if len(text) > 1000:
            raise BadRequest("the query string is too long (at most 1000 characters)")
        query: dict[str, str] = {}
        try:
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=20)
        except ValueError:
            raise BadRequest("too many query parameters (at most 20)") from None
        for key, value in pairs:
            if key in query:
                raise BadRequest(f"the query parameter {key!r} is given twice")
            query[key] = value
        return query

    def _body(self) -> Any:
        """The JSON body (an object; {} when empty), read within the size limit."""
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise HTTPError(415, f"send the body as JSON with Content-Type: application/json, not {content_type!r}")
        if "Transfer-Encoding" in self.headers:
            raise HTTPError(411, "send the body with a Content-Length, not a Transfer-Encoding")
        text = self.headers.get("Content-Length", "0")
        if not text.isascii() or not text.isdigit():
            raise BadRequest(f"Content-Length must be a number of bytes, got {text[:20]!r}")
        if len(text) > len(str(MAX_BODY)) + 1 or int(text) > MAX_BODY:  # no int() of 5,000 digits
            raise HTTPError(413, f"the body is {text[:20]}{'…' if len(text) > 20 else ''} bytes; "
                                 f"at most {MAX_BODY} are allowed")
        raw = self.rfile.read(int(text))
        self._body_read = True
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as error:
            raise BadRequest(f"the body is not valid JSON: {str(error)[:100]}") from None
        if not isinstance(body, dict):
            raise BadRequest(f"the body must be a JSON object, got {type(body).__name__}")
        return body

    # ------------------------------------------------------------------ answers
    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = b"" if payload is None else json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, body, "application/json", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.connection.settimeout(self.timeout)  # the answer has its own time, not what the request left
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests that http.server itself rejects get a JSON answer too."""
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._send_json(code, {"error": message or phrase})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if self.server.verbose:
            super().log_message(format, *args)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        sys.stderr.write(f"playground: {format % args}\n")


class _DeadlineReader(io.RawIOBase):
    """A socket read against one deadline: each read may wait only for the time left of the whole."""

    def __init__(self, connection: socket.socket, seconds: float) -> None:
        self._connection, self._deadline = connection, time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long to arrive")
        self._connection.settimeout(left)
        return self._connection.recv_into(buffer)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")

"""A real playground server on a loopback port, and a small HTTP client for the tests."""

from __future__ import annotations

import http.client
import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import pytest

from chainrule.playground.server import PlaygroundServer, make_server


@contextmanager
def running_server(max_sessions: int = 16) -> Iterator[PlaygroundServer]:
    server = make_server(port=0, max_sessions=max_sessions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Client:
    """Sends requests exactly as written (no path normalisation) and decodes the JSON answer."""

    def __init__(self, server: PlaygroundServer) -> None:
        self.port = server.port

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> tuple[int, Any, http.client.HTTPResponse]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = dict(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None or method == "POST":
            headers.setdefault("Content-Type", "application/json")
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, (json.loads(content) if is_json and content else content), response

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)[:2]

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.request("POST", path, body)[:2]

    def create(self, **settings: Any) -> dict[str, Any]:
        status, session = self.post("/api/sessions", settings)
        assert status == 201, session
        return session


@pytest.fixture(scope="module")
def server() -> Iterator[PlaygroundServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def client(server: PlaygroundServer) -> Client:
    return Client(server)


@pytest.fixture
def small_server() -> Iterator[tuple[PlaygroundServer, Client]]:
    """A server that keeps at most three sessions, and a client for it."""
    with running_server(max_sessions=3) as server:
        yield server, Client(server)


@pytest.fixture
def fresh_server() -> Iterator[PlaygroundServer]:
    """A server of its own for a test that changes its limits."""
    with running_server() as server:
        yield server

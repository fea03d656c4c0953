"""The playground server's limits on slow, many or malformed connections (the request-handling layer)."""

from __future__ import annotations

import select
import socket
import time


def _raw(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send `data` on a fresh connection; what comes back before the server closes it (or `wait` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        connection.sendall(data)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_a_content_length_of_thousands_of_digits_is_refused_cleanly(server, capfd):
    head = (f"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {'9' * 5000}\r\n\r\n{{}}").encode()
    answer = _raw(server.port, head)
    assert answer.split(b" ")[1] in (b"400", b"413"), answer[:200]
    assert "Traceback" not in capfd.readouterr().err


def test_more_than_twenty_query_parameters_are_a_bad_request(client):
    sid = client.create(samples=20)["id"]
    status, error = client.get(f"/api/sessions/{sid}/boundary?" + "&".join(f"p{i}=1" for i in range(25)))
    assert status == 400 and "too many query parameters" in error["error"]


def test_a_client_dripping_its_request_is_cut_off(fresh_server):
    server = fresh_server
    server.request_seconds = 1.0
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(b"GET /api/config HTTP/1.1\r\n")
        started, closed = time.monotonic(), False
        while time.monotonic() - started < 4 and not closed:
            try:
                connection.sendall(b"X")  # one byte of a header at a time, each well within a read timeout
            except OSError:
                closed = True
                break
            readable, _, _ = select.select([connection], [], [], 0.25)
            if readable:  # a 408, or the end of the connection
                connection.recv(1024)
                closed = True
    assert closed and time.monotonic() - started < 3


def test_connections_beyond_the_limit_get_503_at_once(fresh_server):
    server = fresh_server
    server.max_connections, server.request_seconds = 2, 3.0
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(2)]
    time.sleep(0.2)
    request = f"GET /api/config HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    try:
        answer = _raw(server.port, request, wait=2.0)
        assert answer.startswith(b"HTTP/1.0 503"), answer[:100]
    finally:
        for connection in idle:
            connection.close()
    deadline = time.monotonic() + 5
    while not (answer := _raw(server.port, request)).startswith(b"HTTP/1.0 200") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answer.startswith(b"HTTP/1.0 200")  # the slots are given back

"""Tests of tests.faults.tcp_proxy against a small real HTTP server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List

import pytest
import requests

from tests.faults.tcp_proxy import FaultProxy


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with 201 and records it first (like a commit)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the backend client uses it
    seen: List[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(f"{self.command} {self.path} {body.decode()}")
        payload = b'{"id": "RF-1"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Silent."""


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def proxy(server: ThreadingHTTPServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", server.server_address[1]) as running:
        yield running


def test_requests_pass_through_unchanged(proxy: FaultProxy) -> None:
    with requests.Session() as session:
        got = session.get(f"{proxy.url}/a", timeout=5)
        posted = session.post(f"{proxy.url}/b", data="x", timeout=5)
    assert (got.status_code, got.json()) == (201, {"id": "RF-1"})
    assert posted.status_code == 201
    assert _Recorder.seen == ["GET /a ", "POST /b x"]
    assert proxy.withheld == []
    assert proxy.connections == 1  # kept alive through the proxy


def test_an_armed_post_reaches_the_server_but_its_answer_never_arrives(
    proxy: FaultProxy,
) -> None:
    proxy.cut_next_response()
    with requests.Session() as session:
        with pytest.raises(requests.ConnectionError):
            session.post(f"{proxy.url}/refunds", data="once", timeout=5)
        retried = session.post(f"{proxy.url}/refunds", data="once", timeout=5)
    assert _Recorder.seen == ["POST /refunds once", "POST /refunds once"]
    assert proxy.withheld == [b"HTTP/1.1 201 Created"]
    assert retried.status_code == 201
    assert proxy.armed == 0


def test_a_fault_armed_for_posts_lets_gets_through(proxy: FaultProxy) -> None:
    proxy.cut_next_response("POST")
    with requests.Session() as session:
        assert session.get(f"{proxy.url}/orders", timeout=5).status_code == 201
        assert proxy.armed == 1
        with pytest.raises(requests.ConnectionError):
            session.post(f"{proxy.url}/payments", data="p", timeout=5)
    assert proxy.withheld == [b"HTTP/1.1 201 Created"]


def test_each_armed_fault_fires_once(proxy: FaultProxy) -> None:
    proxy.cut_next_response()
    proxy.cut_next_response()
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(requests.post(f"{proxy.url}/x", data="d", timeout=5).status_code)
        except requests.ConnectionError:
            outcomes.append(0)
    assert outcomes == [0, 0, 201]
    assert len(_Recorder.seen) == 3


def test_a_stopped_proxy_refuses_connections(server: ThreadingHTTPServer) -> None:
    proxy = FaultProxy("127.0.0.1", server.server_address[1]).start()
    address = proxy.url
    proxy.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(address, timeout=2)

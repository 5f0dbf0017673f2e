"""Tests of tests.faults.tcp_proxy against a small real HTTP server."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
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


# ---- a service that goes away (any TCP protocol) ----------------------------


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A TCP server echoing every line back, like a tiny Redis."""

    class _Echo(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            while True:
                try:
                    data = self.request.recv(1024)
                except OSError:
                    return
                if not data:
                    return
                self.request.sendall(data)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tcp_proxy(echo_port: int) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", echo_port) as running:
        yield running


def _connect(proxy: FaultProxy) -> socket.socket:
    return socket.create_connection(proxy.address, timeout=2)


def _echo(sock: socket.socket, payload: bytes = b"ping") -> bytes:
    sock.sendall(payload)
    return sock.recv(1024)


def _is_dead(sock: socket.socket) -> bool:
    """True when the peer reset or closed the connection."""
    try:
        sock.sendall(b"x")
        return sock.recv(1024) == b""
    except OSError:
        return True


def test_cut_all_resets_every_open_connection(tcp_proxy: FaultProxy) -> None:
    first, second = _connect(tcp_proxy), _connect(tcp_proxy)
    with first, second:
        assert _echo(first) == b"ping" and _echo(second) == b"ping"
        assert tcp_proxy.open_connections == 2

        assert tcp_proxy.cut_all() == 2

        assert _is_dead(first) and _is_dead(second)
        assert tcp_proxy.open_connections == 0
    with _connect(tcp_proxy) as third:  # the port still accepts
        assert _echo(third) == b"ping"


def test_refuse_closes_the_port_and_accept_opens_the_same_one(tcp_proxy: FaultProxy) -> None:
    port = tcp_proxy.port
    with _connect(tcp_proxy) as before:
        assert _echo(before) == b"ping"  # accepted, not waiting in the backlog
        tcp_proxy.refuse()

        assert not tcp_proxy.accepting
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        assert _echo(before) == b"ping"  # refusing leaves open connections alone

        tcp_proxy.accept()

        assert tcp_proxy.accepting and tcp_proxy.port == port
        with _connect(tcp_proxy) as after:
            assert _echo(after) == b"ping"


def test_down_refuses_and_cuts_inside_the_block_only(tcp_proxy: FaultProxy) -> None:
    with _connect(tcp_proxy) as before:
        assert _echo(before) == b"ping"
        with tcp_proxy.down():
            assert _is_dead(before)
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(tcp_proxy.address, timeout=2)
    with _connect(tcp_proxy) as after:
        assert _echo(after) == b"ping"


def test_pause_holds_bytes_until_resume(tcp_proxy: FaultProxy) -> None:
    with _connect(tcp_proxy) as sock:
        assert _echo(sock) == b"ping"
        tcp_proxy.pause()
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            _echo(sock, b"held")
        with _connect(tcp_proxy) as newcomer:  # TCP accepts; nothing answers
            newcomer.settimeout(0.3)
            with pytest.raises(socket.timeout):
                _echo(newcomer, b"new")

            tcp_proxy.resume()

            sock.settimeout(2)
            newcomer.settimeout(2)
            assert sock.recv(1024) == b"held"
            assert newcomer.recv(1024) == b"new"
    assert not tcp_proxy.paused


def test_stop_releases_a_paused_proxy(echo_port: int) -> None:
    proxy = FaultProxy("127.0.0.1", echo_port).start()
    sock = _connect(proxy)
    proxy.pause()
    sock.sendall(b"held")
    started = time.monotonic()
    proxy.stop()
    assert time.monotonic() - started < 3
    assert _is_dead(sock)
    sock.close()

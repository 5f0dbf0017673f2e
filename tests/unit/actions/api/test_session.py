"""Tests of actions.api.session: the retry policy, checked on urllib3 and on a real socket."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from actions.api.client import BackendClient
from actions.api.exceptions import BackendTimeout, BackendUnavailable
from actions.api.session import (
    BACKOFF_FACTOR_SECONDS,
    BACKOFF_JITTER_SECONDS,
    BACKOFF_MAX_SECONDS,
    SafeMethodRetry,
    build_retry,
    build_session,
)
from actions.settings import Settings
from tests.unit.actions.api import payloads


def _connect_error() -> NewConnectionError:
    return NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]


class TestRetryPolicy:
    def test_session_is_authenticated_and_mounts_the_policy(self) -> None:
        session = build_session(Settings(backend_api_key="k-1", backend_retries=3))

        adapter = session.get_adapter("http://backend.test/")
        assert isinstance(adapter, HTTPAdapter)
        retry = adapter.max_retries
        assert isinstance(retry, SafeMethodRetry)
        assert retry.total == 3
        assert retry.allowed_methods == frozenset({"GET"})
        assert set(retry.status_forcelist) == {502, 503, 504}  # type: ignore[arg-type]
        assert retry.backoff_max <= 1.0
        assert retry.respect_retry_after_header is False
        assert session.headers["Authorization"] == "Bearer k-1"
        assert session.trust_env is False

    def test_get_connect_error_is_retried(self) -> None:
        retry = build_retry(2)

        after = retry.increment(method="GET", url="/v1/balance", error=_connect_error())

        assert after.total == 1
        assert after.connect == 1

    def test_get_connect_errors_exhaust_the_retries(self) -> None:
        retry = build_retry(1).increment(method="GET", url="/x", error=_connect_error())

        with pytest.raises(MaxRetryError):
            retry.increment(method="GET", url="/x", error=_connect_error())

    def test_post_connect_error_is_never_retried(self) -> None:
        # Plain urllib3 would resend a POST after a connect error.
        with pytest.raises(MaxRetryError) as caught:
            build_retry(2).increment(method="POST", url="/v1/payments", error=_connect_error())

        assert isinstance(caught.value.reason, NewConnectionError)

    def test_get_on_a_dropped_connection_is_retried(self) -> None:
        error = ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))

        after = build_retry(2).increment(method="GET", url="/v1/payments", error=error)

        assert after.total == 1
        assert after.connect == 1

    def test_post_on_a_dropped_connection_is_never_retried(self) -> None:
        error = ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))

        # raised at once, either way: never a next attempt
        with pytest.raises((MaxRetryError, ProtocolError)):
            build_retry(2).increment(method="POST", url="/v1/payments", error=error)

    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_read_timeouts_are_never_retried(self, method: str) -> None:
        error = ReadTimeoutError(None, "/x", "read timed out")  # type: ignore[arg-type]

        with pytest.raises(ReadTimeoutError):
            build_retry(2).increment(method=method, url="/x", error=error)

    def test_backoff_grows_with_jitter_up_to_its_cap(self) -> None:
        retry = build_retry(5)
        for _ in range(2):
            retry = retry.increment(method="GET", url="/x", error=_connect_error())
        waits = {retry.get_backoff_time() for _ in range(20)}
        base = BACKOFF_FACTOR_SECONDS * 2
        assert all(base <= wait < base + BACKOFF_JITTER_SECONDS for wait in waits)
        assert len(waits) > 1  # jittered, not the same wait every time

        for _ in range(3):
            retry = retry.increment(method="GET", url="/x", error=_connect_error())
        assert retry.get_backoff_time() == BACKOFF_MAX_SECONDS


class _Backend(BaseHTTPRequestHandler):
    """A tiny real HTTP server: scripted statuses, optional delay, counted hits."""

    script: list[int] = []
    delay_seconds = 0.0
    hits: list[str] = []

    def _answer(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        time.sleep(type(self).delay_seconds)
        status = type(self).script.pop(0) if type(self).script else 200
        body = json.dumps(payloads.HEALTH if status == 200 else payloads.error("unavailable"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Keeps test output quiet."""


@contextlib.contextmanager
def _serve(handler: type[_Backend]) -> Iterator[str]:
    """Serves `handler` on a free port (its script, delay and hits reset) until closed."""
    handler.script = []
    handler.delay_seconds = 0.0
    handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def backend_url() -> Iterator[str]:
    with _serve(_Backend) as url:
        yield url


MakeClient = Callable[..., BackendClient]


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    clients: list[BackendClient] = []

    def make(url: str, timeout: float = 2.0) -> BackendClient:
        settings = Settings(backend_url=url, backend_timeout_seconds=timeout, backend_retries=2)
        clients.append(BackendClient(settings))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


class TestOverRealSockets:
    def test_get_is_retried_on_503_then_succeeds(
        self, backend_url: str, make_client: MakeClient
    ) -> None:
        _Backend.script = [503, 503]

        health = make_client(backend_url).health()

        assert health.status == "ok"
        assert _Backend.hits == ["GET /health"] * 3

    def test_post_is_sent_once_on_503(self, backend_url: str, make_client: MakeClient) -> None:
        _Backend.script = [503]

        with pytest.raises(BackendUnavailable):
            make_client(backend_url).create_payment_update_link("C-1", idempotency_key="k-1")

        assert _Backend.hits == ["POST /v1/payment-methods/update-link"]

    def test_slow_get_times_out_once_without_retry(
        self, backend_url: str, make_client: MakeClient
    ) -> None:
        # Read timeout well above a loaded machine's connect time, delay well above it.
        _Backend.delay_seconds = 2.0

        with pytest.raises(BackendTimeout):
            make_client(backend_url, timeout=0.6).health()

        assert len(_Backend.hits) == 1

    def test_slow_post_is_a_timeout(self, backend_url: str, make_client: MakeClient) -> None:
        _Backend.delay_seconds = 2.0

        with pytest.raises(BackendTimeout):
            make_client(backend_url, timeout=0.6).pay_instalment(
                "C-1", "INS-1", idempotency_key="k"
            )

        assert len(_Backend.hits) == 1

    def test_refused_connection_is_backend_unavailable(self, make_client: MakeClient) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # Nothing listens on the port any more.

        with pytest.raises(BackendUnavailable) as caught:
            make_client(f"http://127.0.0.1:{port}").get_balance("C-1")

        assert not isinstance(caught.value, BackendTimeout)


class _KeepAliveBackend(_Backend):
    """HTTP/1.1 with keep-alive; counts the TCP connections it accepts."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()


def test_concurrent_calls_reuse_their_connections() -> None:
    """20 threads calling at once keep 20 connections alive (requests' default pool keeps 10)."""
    _KeepAliveBackend.connections = 0
    with _serve(_KeepAliveBackend) as url:
        _KeepAliveBackend.delay_seconds = 0.05  # the calls overlap
        client = BackendClient(Settings(backend_url=url, backend_retries=0))
        try:
            barrier = threading.Barrier(20)

            def calls() -> None:
                for _ in range(5):
                    barrier.wait(timeout=10)
                    client.health()

            workers = [threading.Thread(target=calls) for _ in range(20)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=30)
        finally:
            client.close()

    assert len(_KeepAliveBackend.hits) == 100
    assert _KeepAliveBackend.connections <= 20


class _IdleClosingBackend(_Backend):
    """Keep-alive, but drops a connection's second request unanswered.

    What a backend closing an idle kept-alive connection does to a request sent
    on it at that moment.
    """

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.requests_on_connection = 0

    def _answer(self) -> None:
        self.requests_on_connection += 1
        if self.requests_on_connection > 1:
            type(self).hits.append(f"dropped {self.command} {self.path}")
            self.close_connection = True
            return
        super()._answer()

    do_GET = _answer
    do_POST = _answer


@pytest.fixture
def idle_closing_url() -> Iterator[str]:
    with _serve(_IdleClosingBackend) as url:
        yield url


def test_a_get_on_a_connection_the_backend_dropped_is_sent_again(
    idle_closing_url: str, make_client: MakeClient
) -> None:
    client = make_client(idle_closing_url)
    client.health()

    health = client.health()

    assert health.status == "ok"
    assert _IdleClosingBackend.hits == ["GET /health", "dropped GET /health", "GET /health"]


def test_a_post_on_a_connection_the_backend_dropped_is_not_sent_again(
    idle_closing_url: str, make_client: MakeClient
) -> None:
    client = make_client(idle_closing_url)
    client.health()

    with pytest.raises(BackendUnavailable):
        client.create_payment_update_link("C-1", idempotency_key="k-1")

    assert _IdleClosingBackend.hits == [
        "GET /health",
        "dropped POST /v1/payment-methods/update-link",
    ]

"""A TCP proxy that forwards faithfully until told to cut a connection (stdlib only).

Put it between a client and a server and arm a fault: the next request whose
first bytes start with the given method (``POST`` by default) is forwarded, the
server processes it, and as soon as the server starts answering (for the
payments backend: after it committed) the proxy resets both connections
instead of passing the answer on. The client sees a connection error for a
request that the server carried out, the classic lost-response fault. The
withheld status lines are kept, so a test can show what the client missed.

Usage::

    with FaultProxy("127.0.0.1", backend_port) as proxy:
        proxy.cut_next_response()
        client.post(proxy.url + "/v1/refunds", ...)   # raises a connection error
        proxy.withheld    # [b"HTTP/1.1 201 Created"]
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import List, Optional, Type

BUFFER_SIZE = 65536
#: SO_LINGER on, timeout 0: close() sends a TCP reset instead of a clean FIN.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


@dataclass
class _Link:
    """One client connection and its upstream connection."""

    client: socket.socket
    upstream: socket.socket
    doomed: bool = False
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultProxy:
    """Forwards TCP from a local port to an upstream address, cutting on request.

    Attributes:
        withheld: First line of every answer the proxy cut off, in order.
        connections: Client connections accepted so far.
    """

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
    ) -> None:
        """Prepares the proxy; `start` (or `with`) opens the listening socket.

        Args:
            upstream_host: Host of the real server.
            upstream_port: Port of the real server.
            listen_host: Interface to listen on.
            listen_port: Port to listen on; 0 picks a free one.
        """
        self._upstream = (upstream_host, upstream_port)
        self._listen = (listen_host, listen_port)
        self._server: Optional[socket.socket] = None
        self._lock = threading.Lock()
        self._armed: List[bytes] = []
        self._links: List[_Link] = []
        self._threads: List[threading.Thread] = []
        self._stopping = threading.Event()
        self.withheld: List[bytes] = []
        self.connections = 0

    # ------------------------------------------------------------------ control

    @property
    def port(self) -> int:
        """The listening port."""
        assert self._server is not None, "the proxy is not started"
        return int(self._server.getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port`` of the proxy."""
        return f"http://{self._listen[0]}:{self.port}"

    def cut_next_response(self, method: str = "POST") -> None:
        """Arms one fault: the answer to the next `method` request never arrives.

        Args:
            method: HTTP method of the request to cut (matched on its first bytes).
        """
        with self._lock:
            self._armed.append(method.encode("ascii") + b" ")

    def disarm(self) -> None:
        """Drops every fault armed and not yet fired."""
        with self._lock:
            self._armed.clear()

    @property
    def armed(self) -> int:
        """Faults armed and not yet fired."""
        with self._lock:
            return len(self._armed)

    def start(self) -> "FaultProxy":
        """Starts listening and accepting in a background thread."""
        server = socket.create_server(self._listen)
        server.settimeout(0.2)
        self._server = server
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        """Stops accepting and closes every connection."""
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link, reset=False)
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ plumbing

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream, timeout=10)
            except OSError:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
                client.close()
                continue
            upstream.settimeout(None)
            link = _Link(client=client, upstream=upstream)
            with self._lock:
                self.connections += 1
                self._links.append(link)
            self._spawn(self._pump_requests, link)
            self._spawn(self._pump_answers, link)

    def _pump_requests(self, link: _Link) -> None:
        """Client to server; marks the link when an armed request starts."""
        while True:
            try:
                data = link.client.recv(BUFFER_SIZE)
            except OSError:
                data = b""
            if not data:
                self._close(link, reset=False)
                return
            with self._lock:
                for index, method in enumerate(self._armed):
                    if data.startswith(method):
                        del self._armed[index]
                        link.doomed = True
                        break
            try:
                link.upstream.sendall(data)
            except OSError:
                self._close(link, reset=True)
                return

    def _pump_answers(self, link: _Link) -> None:
        """Server to client; an answer on a doomed link is withheld and both sides reset."""
        while True:
            try:
                data = link.upstream.recv(BUFFER_SIZE)
            except OSError:
                data = b""
            if not data:
                self._close(link, reset=False)
                return
            if link.doomed:
                with self._lock:
                    self.withheld.append(data.split(b"\r\n", 1)[0])
                self._close(link, reset=True)
                return
            try:
                link.client.sendall(data)
            except OSError:
                self._close(link, reset=True)
                return

    def _close(self, link: _Link, reset: bool) -> None:
        with link.lock:
            if link.closed:
                return
            link.closed = True
        for sock in (link.client, link.upstream):
            # Shutting down wakes the other pump blocked in recv(); SHUT_RD sends
            # nothing, so with linger 0 the peer gets only the reset of close().
            with contextlib.suppress(OSError):
                if reset:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
            sock.close()
        with self._lock:
            if link in self._links:
                self._links.remove(link)

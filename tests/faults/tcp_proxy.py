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

It also plays a service that goes away, for any TCP protocol (PostgreSQL,
Redis, AMQP)::

    proxy.cut_all()     # every open connection is reset (a crash, a cut cable)
    proxy.refuse()      # new connections are refused (the port is closed)
    proxy.accept()      # the service is back on the same port
    with proxy.down():  # all three: refuse + cut_all, then accept
        ...
    proxy.pause()       # bytes stop flowing, connections hang (a frozen server)
    proxy.resume()      # held bytes flow again
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Iterator, List, Optional, Tuple, Type

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
        # Set while bytes may flow; cleared by `pause`.
        self._flowing = threading.Event()
        self._flowing.set()
        self._port: Optional[int] = None
        self.withheld: List[bytes] = []
        self.connections = 0

    # ------------------------------------------------------------------ control

    @property
    def port(self) -> int:
        """The listening port (kept while `refuse` has closed it)."""
        assert self._port is not None, "the proxy is not started"
        return self._port

    @property
    def address(self) -> Tuple[str, int]:
        """``(host, port)`` clients connect to."""
        return self._listen[0], self.port

    @property
    def open_connections(self) -> int:
        """Client connections currently forwarded."""
        with self._lock:
            return len(self._links)

    @property
    def accepting(self) -> bool:
        """Whether new connections are accepted (not refused)."""
        return self._server is not None

    def cut_all(self) -> int:
        """Resets every open connection, both to the client and to the server.

        Returns:
            How many connections were cut.
        """
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link, reset=True)
        return len(links)

    def refuse(self) -> None:
        """Closes the listening port: new connections are refused.

        Open connections are left alone (`cut_all` ends them).
        """
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
            server.close()

    def accept(self) -> None:
        """Listens again on the same port after `refuse`; nothing if listening."""
        with self._lock:
            if self._server is not None or self._stopping.is_set():
                return
        self._listen_and_serve((self._listen[0], self.port))

    def pause(self) -> None:
        """Stops every byte in both directions; new connections are held too.

        Clients see a server that accepts connections and never answers. Bytes
        read meanwhile are held and delivered by `resume`.
        """
        self._flowing.clear()

    def resume(self) -> None:
        """Lets bytes flow again after `pause`."""
        self._flowing.set()

    @property
    def paused(self) -> bool:
        """Whether bytes are held (`pause`)."""
        return not self._flowing.is_set()

    @contextlib.contextmanager
    def down(self) -> Iterator["FaultProxy"]:
        """The service is gone inside the block: connections cut, new ones refused.

        Yields:
            The proxy.
        """
        self.refuse()
        self.cut_all()
        try:
            yield self
        finally:
            self.accept()

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
        self._listen_and_serve(self._listen)
        return self

    def stop(self) -> None:
        """Stops accepting and closes every connection."""
        self._stopping.set()
        self._flowing.set()  # releases pumps held by `pause`
        self.refuse()
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

    def _listen_and_serve(self, address: Tuple[str, int]) -> None:
        server = socket.create_server(address)
        server.settimeout(0.2)
        with self._lock:
            self._server = server
        self._port = int(server.getsockname()[1])
        self._spawn(self._accept_loop, server)

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._flowing.wait()  # a paused proxy holds the connection
            if self._stopping.is_set():
                client.close()
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
            self._flowing.wait()
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
            self._flowing.wait()
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

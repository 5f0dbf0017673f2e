"""A round-robin HTTP and WebSocket reverse proxy in front of the Rasa replicas.

Used by the production profile (`make run PROFILE=production`, the replica tests)
in place of a load balancer such as nginx (deploy/ has that configuration):

- every HTTP request goes to the next replica in turn (per request, not per
  connection, and no stickiness: the replicas share every conversation);
- a request is retried on the next replica when connecting to a replica
  failed (refused, unreachable): it never reached that replica. Once a request
  was sent it is sent again only if it carries an `Idempotency-Key` header (the
  REST channel then answers a repeat from the tracker instead of processing it
  twice, see `rasa_plugins.channels.repeated_messages`), once, when the replica
  dropped the connection (not on a timeout: the replica may still be at it).
  Otherwise the replica may have processed it, and the failure is a 502 naming
  the replica;
- when no replica accepts the connection the answer is a 502 saying so;
- WebSocket upgrades (socket.io) are passed through to one replica for the
  life of the connection; long-polling cannot work per-request, so clients
  must use the websocket transport (the web chat page does);
- each answer names the replica that served it in `X-Served-By`, and
  `GET /_proxy/status` counts requests per replica (tests, operators);
- `X-Forwarded-For` gets the client's address (the replicas run with
  `SANIC_PROXIES_COUNT=1` so their per-IP limits see the real client).

Run: `python -m devstack.proxy --port 5005 --replica rasa-1=http://127.0.0.1:5006
--replica rasa-2=http://127.0.0.1:5007`.
"""

import argparse
import asyncio
import itertools
import logging
import sys
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

logger = logging.getLogger(__name__)

STATUS_PATH = "/_proxy/status"
#: The header `rasa_plugins.channels.repeated_messages` reads (the proxy imports no Rasa).
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
SERVED_BY_HEADER = "X-Served-By"
DEFAULT_CONNECT_TIMEOUT = 3.0
#: Above a Rasa turn's worst case (the action call timeout is 50 s).
DEFAULT_REQUEST_TIMEOUT = 120.0
MAX_BODY_BYTES = 10 * 1024 * 1024

# RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Set again by the library that writes the message.
_RECOMPUTED = frozenset({"content-length", "host"})
# The WebSocket handshake is made again with the replica.
_WEBSOCKET_HANDSHAKE = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)


@dataclass
class Replica:
    """One upstream server and what the proxy sent it.

    Attributes:
        name: Short name (`rasa-1`), shown in `X-Served-By` and the status.
        url: Base URL, e.g. `http://127.0.0.1:5006`.
        requests: HTTP requests it answered.
        websockets: WebSocket connections opened to it.
        refused: Connection attempts that failed (the request went elsewhere).
        failed: Requests that failed after being sent (answered 502, or retried).
        retried: Of `failed`, keyed requests sent again to the next replica.
    """

    name: str
    url: str
    requests: int = 0
    websockets: int = 0
    refused: int = 0
    failed: int = 0
    retried: int = 0

    def as_dict(self) -> Dict[str, object]:
        """The replica's status entry."""
        return {
            "name": self.name,
            "url": self.url,
            "requests": self.requests,
            "websockets": self.websockets,
            "refused": self.refused,
            "failed": self.failed,
            "retried": self.retried,
        }


def parse_replica(text: str) -> Replica:
    """Parses a `--replica` argument: `name=url`, or a bare URL (named by position later).

    Raises:
        ValueError: The URL is not http(s).
    """
    name, _, url = text.partition("=") if "=" in text.split("://", 1)[0] else ("", "", text)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"a replica must be name=http://host:port, got {text!r}")
    return Replica(name=name, url=url.rstrip("/"))


def forwarded_headers(
    headers: "CIMultiDict[str]", peer: Optional[str], host: str, scheme: str
) -> "CIMultiDict[str]":
    """The request headers to send to a replica.

    Args:
        headers: The client's headers.
        peer: The client's IP address.
        host: The `Host` the client asked for.
        scheme: `http` or `https` as the client used it.

    Returns:
        The headers without hop-by-hop ones, with `X-Forwarded-*` added; a
        client's own `X-Forwarded-For` is kept in front of its address (the
        replicas trust only the last entry).
    """
    forwarded: "CIMultiDict[str]" = CIMultiDict()
    for key, value in headers.items():
        lower = key.lower()
        if lower in _HOP_BY_HOP or lower in _RECOMPUTED or lower in _WEBSOCKET_HANDSHAKE:
            continue
        if lower in {"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"}:
            continue
        forwarded.add(key, value)
    chain = [part.strip() for part in headers.getall("X-Forwarded-For", []) if part.strip()]
    if peer:
        chain.append(peer)
    if chain:
        forwarded["X-Forwarded-For"] = ", ".join(chain)
    forwarded["X-Forwarded-Host"] = host
    forwarded["X-Forwarded-Proto"] = scheme
    return forwarded


def response_headers(headers: "CIMultiDict[str]", served_by: str) -> "CIMultiDict[str]":
    """The replica's answer headers to pass on, plus `X-Served-By`."""
    passed: "CIMultiDict[str]" = CIMultiDict()
    for key, value in headers.items():
        lower = key.lower()
        if lower in _HOP_BY_HOP or lower in _RECOMPUTED:
            continue
        passed.add(key, value)
    passed[SERVED_BY_HEADER] = served_by
    return passed


def _is_websocket_upgrade(request: web.Request) -> bool:
    connection = request.headers.get("Connection", "").lower()
    return "upgrade" in connection and request.headers.get("Upgrade", "").lower() == "websocket"


class RoundRobinProxy:
    """The proxy's aiohttp application and its state."""

    def __init__(
        self,
        replicas: Sequence[Replica],
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Prepares the proxy.

        Args:
            replicas: The upstream servers, in round-robin order.
            connect_timeout: Seconds to establish a connection to a replica.
            request_timeout: Seconds a replica may take for a whole answer.

        Raises:
            ValueError: No replica.
        """
        if not replicas:
            raise ValueError("the proxy needs at least one replica")
        self.replicas = list(replicas)
        for index, replica in enumerate(self.replicas, start=1):
            replica.name = replica.name or f"replica-{index}"
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self._turn = itertools.count()
        self._session: Optional[aiohttp.ClientSession] = None

    def rotation(self) -> List[Replica]:
        """The replicas to try for the next request: the next one first, then the others."""
        start = next(self._turn) % len(self.replicas)
        return self.replicas[start:] + self.replicas[:start]

    def app(self) -> web.Application:
        """The aiohttp application (the client session lives as long as it)."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_get(STATUS_PATH, self.status)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, _: web.Application) -> None:
        # One connection per request: a kept-alive connection that a stopping
        # replica closed would fail *after* sending, which must not be retried.
        # auto_decompress off: bodies pass through as the replica encoded them.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=0),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def _close(self, _: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The client session to the replicas."""
        assert self._session is not None, "the proxy application is not started"
        return self._session

    async def status(self, _: web.Request) -> web.Response:
        """`GET /_proxy/status`: the replicas and their counters."""
        return web.json_response({"replicas": [replica.as_dict() for replica in self.replicas]})

    async def forward(self, request: web.Request) -> web.StreamResponse:
        """Passes one request (or WebSocket) to the next replica that accepts it."""
        if _is_websocket_upgrade(request):
            return await self._forward_websocket(request)
        body = await request.read()
        headers = forwarded_headers(request.headers, request.remote, request.host, request.scheme)
        timeout = aiohttp.ClientTimeout(
            total=self.request_timeout, sock_connect=self.connect_timeout
        )
        refused: List[str] = []
        may_resend = IDEMPOTENCY_KEY_HEADER in request.headers
        for replica in self.rotation():
            try:
                async with self.session.request(
                    request.method,
                    replica.url + request.rel_url.raw_path_qs,
                    headers=headers,
                    data=body or None,
                    allow_redirects=False,
                    timeout=timeout,
                ) as upstream:
                    payload = await upstream.read()
                    replica.requests += 1
                    return web.Response(
                        status=upstream.status,
                        reason=upstream.reason,
                        headers=response_headers(upstream.headers, replica.name),
                        body=payload,
                    )
            except aiohttp.ClientConnectorError as error:
                # Not connected: the replica never saw the request; try the next.
                replica.refused += 1
                refused.append(f"{replica.name}: {error.os_error or error}")
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                replica.failed += 1
                logger.warning("%s failed after the request was sent: %r", replica.name, error)
                if may_resend and not isinstance(error, asyncio.TimeoutError):
                    may_resend = False  # once: a second failure is the answer
                    replica.retried += 1
                    continue
                return _bad_gateway(
                    f"{replica.name} failed after the request was sent "
                    f"({type(error).__name__}); not retried, it may have been processed",
                    replica.name,
                )
        return _bad_gateway("no Rasa replica accepted the connection: " + "; ".join(refused))

    async def _forward_websocket(self, request: web.Request) -> web.StreamResponse:
        protocols = _requested_protocols(request)
        headers = forwarded_headers(request.headers, request.remote, request.host, request.scheme)
        refused: List[str] = []
        for replica in self.rotation():
            try:
                upstream = await self.session.ws_connect(
                    replica.url + request.rel_url.raw_path_qs,
                    headers=headers,
                    protocols=protocols,
                    timeout=self.connect_timeout,
                    autoping=True,
                    max_msg_size=MAX_BODY_BYTES,
                )
            except aiohttp.ClientConnectorError as error:
                replica.refused += 1
                refused.append(f"{replica.name}: {error.os_error or error}")
                continue
            except aiohttp.WSServerHandshakeError as error:
                # The replica answered the handshake with an HTTP error: pass it on.
                replica.requests += 1
                return web.Response(
                    status=error.status,
                    text=f"{replica.name} refused the WebSocket: {error.message}",
                    headers={SERVED_BY_HEADER: replica.name},
                )
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                replica.failed += 1
                return _bad_gateway(
                    f"{replica.name} failed during the WebSocket handshake ({type(error).__name__})",
                    replica.name,
                )
            replica.websockets += 1
            return await self._relay(request, upstream, replica)
        return _bad_gateway("no Rasa replica accepted the WebSocket: " + "; ".join(refused))

    async def _relay(
        self,
        request: web.Request,
        upstream: aiohttp.ClientWebSocketResponse,
        replica: Replica,
    ) -> web.WebSocketResponse:
        downstream = web.WebSocketResponse(
            protocols=(upstream.protocol,) if upstream.protocol else (),
            autoping=True,
            max_msg_size=MAX_BODY_BYTES,
        )
        downstream.headers[SERVED_BY_HEADER] = replica.name
        try:
            await downstream.prepare(request)
            pumps = [
                asyncio.ensure_future(_pump(downstream, upstream)),
                asyncio.ensure_future(_pump(upstream, downstream)),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
        finally:
            # Either side closing closes the other: a replica going away drops
            # the client, which reconnects (to a replica that is up).
            await upstream.close()
            if downstream.prepared:
                await downstream.close(code=_close_code(upstream.close_code))
        return downstream


def _close_code(code: Optional[int]) -> int:
    """The close code to send on: the replica's, unless it may not appear in a frame."""
    if code is None or code in (1005, 1006, 1015):  # RFC 6455 7.4.1: never sent
        return int(aiohttp.WSCloseCode.GOING_AWAY)
    return code


async def _pump(
    source: "web.WebSocketResponse | aiohttp.ClientWebSocketResponse",
    target: "web.WebSocketResponse | aiohttp.ClientWebSocketResponse",
) -> None:
    """Copies messages from one side to the other until `source` closes."""
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:  # close, closing, error
            return


def _requested_protocols(request: web.Request) -> Tuple[str, ...]:
    raw = request.headers.get("Sec-WebSocket-Protocol", "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _bad_gateway(reason: str, replica: Optional[str] = None) -> web.Response:
    headers = {SERVED_BY_HEADER: replica} if replica else None
    return web.json_response({"error": "bad_gateway", "reason": reason}, status=502, headers=headers)


def build_parser() -> argparse.ArgumentParser:
    """The proxy's command line."""
    parser = argparse.ArgumentParser(description="Round-robin proxy in front of Rasa replicas.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--replica",
        action="append",
        required=True,
        type=parse_replica,
        help="name=http://host:port (repeat for each replica)",
    )
    parser.add_argument("--connect-timeout", type=float, default=DEFAULT_CONNECT_TIMEOUT)
    parser.add_argument("--request-timeout", type=float, default=DEFAULT_REQUEST_TIMEOUT)
    return parser


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Runs the proxy until SIGINT/SIGTERM."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    proxy = RoundRobinProxy(args.replica, args.connect_timeout, args.request_timeout)
    names = ", ".join(f"{replica.name}={replica.url}" for replica in proxy.replicas)
    logger.info("Proxy on http://%s:%d, round robin over %s", args.host, args.port, names)
    web.run_app(
        proxy.app(),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests of the round-robin proxy against real local aiohttp servers."""

import asyncio
import socket
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable, List, Tuple

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from devstack.proxy import (
    SERVED_BY_HEADER,
    STATUS_PATH,
    Replica,
    RoundRobinProxy,
    forwarded_headers,
    parse_replica,
    response_headers,
)

TIMEOUT = aiohttp.ClientTimeout(total=10)


def _closed_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _echo_app(name: str, seen: List[Tuple[str, str, bytes]]) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await ws.send_str(f"{name}:{message.data}")
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await ws.send_bytes(message.data[::-1])
            return ws
        body = await request.read()
        seen.append((request.method, request.rel_url.raw_path_qs, body))
        if request.path == "/slow":
            await asyncio.sleep(float(request.query.get("s", "5")))
        if request.path == "/drop" or request.path == f"/drop-on-{name}":
            assert request.transport is not None
            request.transport.close()  # dies after the request was sent
            await asyncio.sleep(1)
        return web.json_response(
            {
                "replica": name,
                "forwarded_for": request.headers.get("X-Forwarded-For"),
                "body": body.decode(),
            },
            status=201 if request.method == "POST" else 200,
            headers={"X-Upstream": name},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@asynccontextmanager
async def _serve(app: web.Application, port: int = 0) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        await runner.cleanup()


Scenario = Callable[[str, RoundRobinProxy, List[List[Tuple[str, str, bytes]]]], Awaitable[None]]


def _run(upstreams: List[str], scenario: Scenario, request_timeout: float = 10.0) -> None:
    """Starts the named echo upstreams ("down" = a closed port), the proxy, runs `scenario`."""

    async def main() -> None:
        seen: List[List[Tuple[str, str, bytes]]] = [[] for _ in upstreams]
        async with _servers(upstreams, seen) as urls:
            replicas = [Replica(name=name, url=url) for name, url in zip(upstreams, urls)]
            proxy = RoundRobinProxy(replicas, connect_timeout=2.0, request_timeout=request_timeout)
            async with _serve(proxy.app()) as proxy_url:
                await asyncio.wait_for(scenario(proxy_url, proxy, seen), 30)

    asyncio.run(main())


@asynccontextmanager
async def _servers(
    names: List[str], seen: List[List[Tuple[str, str, bytes]]]
) -> AsyncIterator[List[str]]:
    urls: List[str] = []
    stack: List[Tuple[web.AppRunner, str]] = []
    try:
        for name, record in zip(names, seen):
            if name.startswith("down"):
                urls.append(f"http://127.0.0.1:{_closed_port()}")
                continue
            runner = web.AppRunner(_echo_app(name, record), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            stack.append((runner, name))
            urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        yield urls
    finally:
        for runner, _ in stack:
            await runner.cleanup()


def test_requests_alternate_between_replicas() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            served = []
            for _ in range(6):
                async with client.get(f"{url}/status?token=t") as response:
                    served.append((await response.json())["replica"])
                    assert response.headers[SERVED_BY_HEADER] == served[-1]
        assert served == ["a", "b", "a", "b", "a", "b"]
        assert [replica.requests for replica in proxy.replicas] == [3, 3]

    _run(["a", "b"], scenario)


def test_method_path_query_body_and_status_pass_through() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.post(
                f"{url}/webhooks/rest/webhook?x=1&y=%20", json={"message": "hé"}
            ) as response:
                assert response.status == 201
                assert response.headers["X-Upstream"] == "a"
                body = await response.json()
        assert seen[0] == [("POST", "/webhooks/rest/webhook?x=1&y=%20", b'{"message": "h\\u00e9"}')]
        assert body["forwarded_for"] == "127.0.0.1"

    _run(["a"], scenario)


def test_a_refused_connection_is_retried_on_the_next_replica() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            served = []
            for _ in range(4):
                async with client.post(f"{url}/m", data=b"hi") as response:
                    assert response.status == 201
                    served.append(response.headers[SERVED_BY_HEADER])
        assert served == ["b", "b", "b", "b"]
        assert len(seen[1]) == 4  # each request reached the live replica once
        assert proxy.replicas[0].refused == 2  # its turns, every other request

    _run(["down-a", "b"], scenario)


def test_no_replica_answering_is_a_clear_502() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/status") as response:
                assert response.status == 502
                body = await response.json()
        assert "no Rasa replica accepted the connection" in body["reason"]
        assert "down-1" in body["reason"] and "down-2" in body["reason"]

    _run(["down-1", "down-2"], scenario)


def test_a_failure_after_sending_is_not_retried() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.post(f"{url}/drop", data=b"pay") as response:
                assert response.status == 502
                assert response.headers[SERVED_BY_HEADER] == "a"
                assert "not retried" in (await response.json())["reason"]
        assert [len(record) for record in seen] == [1, 0]  # b never saw it
        assert proxy.replicas[0].failed == 1

    _run(["a", "b"], scenario)


KEYED = {"Idempotency-Key": "msg-0001-retry-test"}


def test_a_keyed_request_dropped_after_sending_goes_once_to_the_next_replica() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.post(f"{url}/drop-on-a", data=b"pay", headers=KEYED) as response:
                assert response.status == 201
                assert response.headers[SERVED_BY_HEADER] == "b"
                assert (await response.json())["body"] == "pay"
        assert [len(record) for record in seen] == [1, 1]
        assert (proxy.replicas[0].failed, proxy.replicas[0].retried) == (1, 1)

    _run(["a", "b"], scenario)


def test_a_keyed_request_is_resent_only_once() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.post(f"{url}/drop", data=b"pay", headers=KEYED) as response:
                assert response.status == 502
                assert response.headers[SERVED_BY_HEADER] == "b"
        assert [len(record) for record in seen] == [1, 1, 0]  # c never saw it
        assert [r.retried for r in proxy.replicas] == [1, 0, 0]

    _run(["a", "b", "c"], scenario)


def test_a_keyed_request_that_times_out_is_not_resent() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/slow?s=3", headers=KEYED) as response:
                assert response.status == 502
        assert [len(record) for record in seen] == [1, 0]  # may still be at it

    _run(["a", "b"], scenario, request_timeout=0.5)


def test_a_slow_replica_times_out_without_a_retry() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/slow?s=3") as response:
                assert response.status == 502
                assert "TimeoutError" in (await response.json())["reason"]
        assert [len(record) for record in seen] == [1, 0]

    _run(["a", "b"], scenario, request_timeout=0.5)


def test_websockets_pass_through_to_one_replica() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket") as ws:
                for text in ("one", "two", "three"):
                    await ws.send_str(text)
                    assert (await ws.receive_str(timeout=5)) == f"a:{text}"
                await ws.send_bytes(b"\x01\x02")
                assert (await ws.receive_bytes(timeout=5)) == b"\x02\x01"
            async with client.ws_connect(f"{url}/socket.io/") as ws:
                await ws.send_str("x")
                assert (await ws.receive_str(timeout=5)) == "b:x"  # the next one in turn
        assert [replica.websockets for replica in proxy.replicas] == [1, 1]

    _run(["a", "b"], scenario)


def test_a_websocket_skips_a_refusing_replica() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.ws_connect(f"{url}/socket.io/") as ws:
                await ws.send_str("x")
                assert (await ws.receive_str(timeout=5)) == "b:x"

    _run(["down-a", "b"], scenario)


def test_the_client_is_closed_when_its_replica_closes() -> None:
    async def main() -> None:
        async def close_at_once(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.receive(timeout=5)
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
            return ws

        app = web.Application()
        app.router.add_get("/{tail:.*}", close_at_once)
        async with _serve(app) as upstream:
            proxy = RoundRobinProxy([Replica("a", upstream)])
            async with _serve(proxy.app()) as url:
                async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
                    async with client.ws_connect(f"{url}/socket.io/") as ws:
                        await ws.send_str("bye")
                        message = await ws.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.GOING_AWAY

    asyncio.run(asyncio.wait_for(main(), 30))


def test_status_lists_the_replicas() -> None:
    async def scenario(url: str, proxy: RoundRobinProxy, seen: list) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/anything"):
                pass
            async with client.get(f"{url}{STATUS_PATH}") as response:
                status = await response.json()
        assert [(r["name"], r["requests"]) for r in status["replicas"]] == [("a", 1), ("b", 0)]

    _run(["a", "b"], scenario)


def test_forwarded_headers_drop_hop_by_hop_and_append_the_client() -> None:
    headers = CIMultiDict(
        {
            "Connection": "keep-alive",
            "Keep-Alive": "timeout=5",
            "Host": "chat.example",
            "Content-Length": "3",
            "Authorization": "Bearer x",
            "X-Forwarded-For": "10.0.0.9",
        }
    )

    forwarded = forwarded_headers(headers, "192.0.2.7", "chat.example", "https")

    assert "Connection" not in forwarded and "Keep-Alive" not in forwarded
    assert "Host" not in forwarded and "Content-Length" not in forwarded
    assert forwarded["Authorization"] == "Bearer x"
    # The replicas trust the last entry only, so a client cannot pose as another.
    assert forwarded["X-Forwarded-For"] == "10.0.0.9, 192.0.2.7"
    assert forwarded["X-Forwarded-Proto"] == "https"


def test_response_headers_keep_cookies_and_name_the_replica() -> None:
    headers = CIMultiDict([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Transfer-Encoding", "chunked")])

    passed = response_headers(headers, "rasa-2")

    assert passed.getall("Set-Cookie") == ["a=1", "b=2"]
    assert "Transfer-Encoding" not in passed
    assert passed[SERVED_BY_HEADER] == "rasa-2"


def test_replica_arguments() -> None:
    assert parse_replica("rasa-1=http://127.0.0.1:5006/") == Replica("rasa-1", "http://127.0.0.1:5006")
    assert parse_replica("http://h:1").url == "http://h:1"
    with pytest.raises(ValueError, match="name=http"):
        parse_replica("rasa-1=ftp://h")


def test_unnamed_replicas_are_numbered_and_one_is_required() -> None:
    proxy = RoundRobinProxy([parse_replica("http://h:1"), parse_replica("http://h:2")])
    assert [replica.name for replica in proxy.replicas] == ["replica-1", "replica-2"]
    with pytest.raises(ValueError):
        RoundRobinProxy([])

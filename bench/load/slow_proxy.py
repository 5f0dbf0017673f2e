"""A small HTTP proxy that delays one customer's backend requests.

It sits between the action server and the payments backend and forwards every
request; those carrying `X-Customer-Id: <slow customer>` (the header the action
server's backend client sends, actions/api/client.py) are held for a delay first.

    python -m bench.load.slow_proxy --port 9000 --target http://127.0.0.1:8080 \
        --slow-customer C1002 --delay 2
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Optional, Sequence

import aiohttp
from aiohttp import web

HEALTH_PATH = "/__proxy/health"
#: `PUT {"seconds": 0}` switches the delay off (the benchmark's control run) or on.
DELAY_PATH = "/__proxy/delay"
CUSTOMER_HEADER = "X-Customer-Id"
UPSTREAM_TIMEOUT_SECONDS = 30.0
# Recomputed by aiohttp for the forwarded message.
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}
)


def is_slow(customer_id: Optional[str], slow_customer: str) -> bool:
    """Whether a request of `customer_id` is to be delayed."""
    return bool(customer_id) and customer_id == slow_customer


def build_app(target: str, slow_customer: str, delay_seconds: float) -> web.Application:
    """The proxy application.

    Args:
        target: Backend base URL.
        slow_customer: Customer id whose requests wait.
        delay_seconds: How long they wait before being forwarded.

    Returns:
        The aiohttp application.
    """
    app = web.Application()
    state: dict = {"delay": delay_seconds}

    async def start(app: web.Application) -> None:
        state["http"] = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=UPSTREAM_TIMEOUT_SECONDS),
            auto_decompress=False,
            # A new upstream connection per request: reusing one the backend has
            # just closed (uvicorn drops idle ones after 5 s) answered 500s.
            connector=aiohttp.TCPConnector(force_close=True),
        )

    async def stop(app: web.Application) -> None:
        await state["http"].close()

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def set_delay(request: web.Request) -> web.Response:
        seconds = float((await request.json())["seconds"])
        if not 0 <= seconds <= UPSTREAM_TIMEOUT_SECONDS:
            raise web.HTTPBadRequest(text="seconds out of range")
        state["delay"] = seconds
        return web.json_response({"seconds": seconds})

    async def forward(request: web.Request) -> web.StreamResponse:
        if state["delay"] and is_slow(request.headers.get(CUSTOMER_HEADER), slow_customer):
            await asyncio.sleep(state["delay"])  # a slow backend, for this customer only
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with state["http"].request(
            request.method,
            target.rstrip("/") + request.rel_url.path_qs,
            headers=headers,
            data=await request.read(),
        ) as upstream:
            body = await upstream.read()
            out_headers = {
                k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS
            }
            return web.Response(status=upstream.status, body=body, headers=out_headers)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_put(DELAY_PATH, set_delay)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Runs the proxy until it is stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", required=True, help="backend base URL")
    parser.add_argument("--slow-customer", required=True)
    parser.add_argument("--delay", type=float, default=2.0, help="seconds")
    args = parser.parse_args(argv)
    web.run_app(
        build_app(args.target, args.slow_customer, args.delay),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()

"""Tests of actions.server: the action server only serves callers with the shared secret.

The token check runs on an app with rasa_sdk's routes; rasa_sdk's own app is not
built here because its executor registers every `Action` subclass the test
process has imported (test doubles included). The integration tests run the
real server.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

import actions.server
from actions.server import create_locked_app, parse_args, presents_token, require_token
from devstack.ports import find_free_port

TOKEN = "unit-test-action-server-token"


def _sdk_like_app() -> Sanic:
    """An app with the routes of rasa_sdk's action server."""
    Sanic.test_mode = True  # several apps with the same name in one process
    app = Sanic("rasa_sdk", configure_logging=False)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        return response.json({"ran": request.json.get("next_action")})

    @app.get("/actions")
    async def list_actions(_: Request) -> HTTPResponse:
        return response.json([{"name": "action_check_balance"}])

    return app


def _call(
    method: str, path: str, headers: Optional[Dict[str, str]] = None, body: Any = None
) -> Tuple[int, Any]:
    """Serves the locked app on a free port and sends one request to it."""

    async def scenario() -> Tuple[int, Any]:
        app = _sdk_like_app()
        require_token(app, TOKEN)
        server = await app.create_server(
            host="127.0.0.1",
            port=find_free_port(),
            return_asyncio_server=True,
            access_log=False,
        )
        await server.startup()
        port = server.server.sockets[0].getsockname()[1]
        try:
            async with aiohttp.ClientSession() as session:
                async with session.request(
                    method, f"http://127.0.0.1:{port}{path}", headers=headers, json=body
                ) as reply:
                    return reply.status, await reply.json(content_type=None)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(scenario())


def test_health_needs_no_token() -> None:
    status, body = _call("GET", "/health")

    assert status == 200
    assert body == {"status": "ok"}


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "wrong", "other-scheme", "longer", "empty"],
)
def test_webhook_refuses_callers_without_the_token(headers: Optional[Dict[str, str]]) -> None:
    action_call = {"next_action": "action_check_balance", "tracker": {"sender_id": "x"}}

    status, body = _call("POST", "/webhook", headers=headers, body=action_call)

    assert status == 401
    assert body == {"error": "unauthorized"}


def test_action_list_is_closed_too() -> None:
    status, _ = _call("GET", "/actions")

    assert status == 401


def test_the_token_opens_the_action_server() -> None:
    status, body = _call("GET", "/actions", headers={"Authorization": f"Bearer {TOKEN}"})

    assert status == 200
    assert {"name": "action_check_balance"} in body


def test_webhook_with_the_token_reaches_the_actions() -> None:
    headers = {"Authorization": f"bearer {TOKEN}"}

    status, body = _call(
        "POST", "/webhook", headers=headers, body={"next_action": "action_check_balance"}
    )

    assert status == 200
    assert body == {"ran": "action_check_balance"}


def test_presents_token_compares_the_whole_secret() -> None:
    assert presents_token(f"Bearer {TOKEN}", TOKEN)
    assert presents_token(f"BEARER {TOKEN} ", TOKEN)
    assert not presents_token(None, TOKEN)
    assert not presents_token(TOKEN, TOKEN)
    assert not presents_token(f"Bearer {TOKEN[:-1]}", TOKEN)


def test_an_empty_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        require_token(_sdk_like_app(), "")


def test_locked_app_is_rasa_sdks_app_without_cors_behind_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: Dict[str, Any] = {}

    def fake_create_app(package: str, cors_origins: Any = "*") -> Sanic:
        built.update(package=package, cors_origins=cors_origins)
        return _sdk_like_app()

    monkeypatch.setattr(actions.server, "create_app", fake_create_app)

    app = create_locked_app("actions", TOKEN)

    assert built == {"package": "actions", "cors_origins": None}
    assert any(m.__name__ == "check_token" for m in app.request_middleware)


def test_command_line_defaults() -> None:
    args = parse_args(["--port", "15055", "--host", "127.0.0.1"])

    assert (args.port, args.host, args.actions) == (15055, "127.0.0.1", "actions")


def test_backend_calls_get_their_own_threads() -> None:
    """Blocking calls run on the server's pool, many at once, not asyncio's 6 threads."""

    async def scenario() -> Tuple[str, float]:
        app = _sdk_like_app()
        actions.server.use_backend_call_threads(app, 20)

        @app.get("/blocking")
        async def blocking(_: Request) -> HTTPResponse:
            import threading
            import time

            def wait() -> str:
                time.sleep(0.5)  # a slow backend call
                return threading.current_thread().name

            return response.json({"thread": await asyncio.to_thread(wait)})

        server = await app.create_server(
            host="127.0.0.1", port=find_free_port(), return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.before_start()
        port = server.server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        try:
            async with aiohttp.ClientSession() as session:

                async def one() -> str:
                    async with session.get(f"http://127.0.0.1:{port}/blocking") as reply:
                        return (await reply.json())["thread"]

                started = loop.time()
                names = await asyncio.gather(*(one() for _ in range(16)))
                return names[0], loop.time() - started
        finally:
            server.close()
            await server.wait_closed()

    thread, seconds = asyncio.run(scenario())

    assert thread.startswith("backend-call")
    # 16 calls of 0.5 s at once: one round, not three rounds of 6 threads.
    assert seconds < 1.4


def test_backend_call_threads_must_be_positive() -> None:
    with pytest.raises(ValueError):
        actions.server.use_backend_call_threads(_sdk_like_app(), 0)

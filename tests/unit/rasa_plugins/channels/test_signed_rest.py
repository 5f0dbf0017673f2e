"""Tests of the signed REST channel through a real Sanic server."""

import asyncio
import datetime as dt
import itertools
import json
from typing import Any, Dict, List, Optional

import aiohttp
import jwt
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.signed_rest import SignedRestInput

KEY = "unit-test-identity-signing-key-32-bytes"
_app_numbers = itertools.count()


def _token(key: str = KEY, minutes: int = 15, aud: str = "payments-assistant") -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return jwt.encode(
        {
            "sub": "cus_ada",
            "iss": "payments-backend",
            "aud": aud,
            "iat": now - dt.timedelta(minutes=30),
            "exp": now + dt.timedelta(minutes=minutes),
        },
        key,
        algorithm="HS256",
    )


async def _post(
    body: Dict[str, Any], headers: Dict[str, str], query: str = ""
) -> tuple:
    """Serves the channel's blueprint, posts one message; returns (messages, reply)."""
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hi")

    Sanic.test_mode = True  # allows several apps with the same config in one process
    app = Sanic(f"signed_rest_test_{next(_app_numbers)}", configure_logging=False)
    channel = SignedRestInput(IdentityVerifier(KEY))
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    server = await app.create_server(
        host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    port = server.server.sockets[0].getsockname()[1]
    try:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook{query}"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=body, headers=headers) as response:
                assert response.status == 200
                reply = await response.text()
    finally:
        server.close()
        await server.wait_closed()
    return received, reply


def post(body: Dict[str, Any], token: Optional[str] = None, query: str = "") -> tuple:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return asyncio.run(_post(body, headers, query))


def test_valid_token_passes_the_verified_customer_id() -> None:
    received, reply = post({"sender": "s1", "message": "hello"}, _token())

    assert [m.text for m in received] == ["hello"]
    assert received[0].sender_id == "s1"
    assert received[0].metadata == {"verified_customer_id": "cus_ada"}
    assert received[0].input_channel == "rest"
    assert json.loads(reply) == [{"recipient_id": "s1", "text": "hi"}]


def test_missing_token_gives_empty_metadata() -> None:
    received, _ = post({"sender": "s1", "message": "hello"})

    assert received[0].metadata == {}


def test_expired_token_is_processed_without_identity() -> None:
    received, reply = post({"sender": "s1", "message": "hi"}, _token(minutes=-1))

    assert received[0].metadata == {"identity_error": "expired"}
    assert json.loads(reply) == [{"recipient_id": "s1", "text": "hi"}]


def test_forged_token_is_processed_without_identity() -> None:
    received, _ = post(
        {"sender": "s1", "message": "hi"},
        _token(key="a-forger-who-guessed-a-long-key-wrong"),
    )

    assert received[0].metadata == {"identity_error": "invalid"}


def test_token_for_another_audience_is_invalid() -> None:
    received, _ = post({"sender": "s1", "message": "hi"}, _token(aud="elsewhere"))

    assert received[0].metadata == {"identity_error": "invalid"}


def test_body_metadata_and_input_channel_are_ignored() -> None:
    body = {
        "sender": "s1",
        "message": "refund please",
        "metadata": {"verified_customer_id": "cus_victim", "role": "admin"},
        "input_channel": "trusted_backoffice",
    }

    anonymous, _ = post(body)
    signed, _ = post(body, _token())

    assert anonymous[0].metadata == {}
    assert signed[0].metadata == {"verified_customer_id": "cus_ada"}
    assert anonymous[0].input_channel == signed[0].input_channel == "rest"


def test_streamed_replies_carry_the_verified_identity() -> None:
    received, reply = post(
        {"sender": "s1", "message": "hello", "metadata": {"verified_customer_id": "x"}},
        _token(),
        query="?stream=true",
    )

    assert received[0].metadata == {"verified_customer_id": "cus_ada"}
    lines = [json.loads(line) for line in reply.splitlines() if line]
    assert lines == [{"recipient_id": "s1", "text": "hi"}]


def test_channel_keeps_the_rest_name() -> None:
    assert SignedRestInput.name() == "rest"


def test_credentials_configure_the_verifier() -> None:
    channel = SignedRestInput.from_credentials(
        {"signing_key": "k" * 32, "audience": "a", "issuer": "i"}
    )

    assert channel.verifier == IdentityVerifier("k" * 32, audience="a", issuer="i")


def test_empty_credentials_use_the_environment_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDENTITY_SIGNING_KEY", "env-key")

    channel = SignedRestInput.from_credentials(None)

    assert channel.verifier == IdentityVerifier(
        "env-key", audience="payments-assistant", issuer="payments-backend"
    )


def test_rasa_loads_the_channel_from_its_credentials_section() -> None:
    from rasa.core.run import _create_single_channel

    channel = _create_single_channel(
        "rasa_plugins.channels.signed_rest.SignedRestInput",
        {"signing_key": "s" * 32, "audience": "payments-assistant"},
    )

    assert isinstance(channel, SignedRestInput)
    assert channel.url_prefix() == "rest"
    assert channel.verifier.signing_key == "s" * 32

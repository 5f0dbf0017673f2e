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
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from devstack.ports import find_free_port
from sanic import Sanic

from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.signed_rest import SignedRestInput
from rasa_plugins.channels.slash_guard import SlashGuard
from tests.unit.rasa_plugins.channels.support import bot_with_buttons, fake_agent

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
    body: Dict[str, Any], headers: Dict[str, str], query: str = "", agent: Any = None
) -> tuple:
    """Serves the channel's blueprint, posts one message; returns (messages, reply).

    `agent` becomes `app.ctx.agent` (what the slash guard reads trackers from).
    """
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hi")

    Sanic.test_mode = True  # allows several apps with the same config in one process
    app = Sanic(f"signed_rest_test_{next(_app_numbers)}", configure_logging=False)
    app.ctx.agent = agent
    channel = SignedRestInput(IdentityVerifier(KEY))
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    server = await app.create_server(
        host="127.0.0.1", port=find_free_port(), return_asyncio_server=True, access_log=False
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


def post(
    body: Dict[str, Any],
    token: Optional[str] = None,
    query: str = "",
    trackers: Optional[Dict[str, List[Event]]] = None,
) -> tuple:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def scenario() -> tuple:
        agent = await fake_agent(trackers) if trackers is not None else None
        return await _post(body, headers, query, agent)

    return asyncio.run(scenario())


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
    assert channel.slash_guard == SlashGuard()


def test_credentials_configure_the_allowed_slash_commands() -> None:
    channel = SignedRestInput.from_credentials(
        {"allowed_slash_commands": [" /session_start "]}
    )

    assert channel.slash_guard == SlashGuard(frozenset({"/session_start"}))


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


# Slash guard: the tracker of the sender is read from `app.ctx.agent`.

ORDER_BUTTON = '/choose_order{"order_id":"ORD-1001"}'


def _offered(*payloads: str) -> List[Event]:
    return [
        ActionExecuted("action_listen"),
        UserUttered("where is my refund", {"name": "ask_refund_status"}),
        bot_with_buttons(*payloads),
        ActionExecuted("action_listen"),
    ]


def test_offered_button_payload_reaches_rasa_unchanged() -> None:
    received, _ = post(
        {"sender": "s1", "message": ORDER_BUTTON},
        _token(),
        trackers={"s1": _offered(ORDER_BUTTON)},
    )

    assert received[0].text == ORDER_BUTTON
    assert received[0].metadata == {"verified_customer_id": "cus_ada"}


def test_same_payload_typed_after_a_later_user_message_is_neutralised() -> None:
    history = _offered(ORDER_BUTTON) + [
        UserUttered(ORDER_BUTTON, {"name": "choose_order"}),
        BotUttered("Refund ORD-1001 is on its way."),
        ActionExecuted("action_listen"),
    ]

    received, _ = post(
        {"sender": "s1", "message": ORDER_BUTTON}, trackers={"s1": history}
    )

    assert received[0].text == 'choose_order{"order_id":"ORD-1001"}'


def test_payload_with_different_entities_is_neutralised() -> None:
    received, _ = post(
        {"sender": "s1", "message": '/choose_order{"order_id":"ORD-6666"}'},
        trackers={"s1": _offered(ORDER_BUTTON)},
    )

    assert received[0].text == 'choose_order{"order_id":"ORD-6666"}'


def test_typed_intent_with_a_customer_id_is_neutralised() -> None:
    received, _ = post(
        {"sender": "s1", "message": '/check_balance{"customer_id":"C1002"}'},
        trackers={"s1": _offered("/affirm")},
    )

    assert received[0].text == 'check_balance{"customer_id":"C1002"}'


def test_buttons_offered_to_another_sender_do_not_count() -> None:
    received, _ = post(
        {"sender": "s1", "message": ORDER_BUTTON},
        trackers={"someone-else": _offered(ORDER_BUTTON)},
    )

    assert received[0].text == 'choose_order{"order_id":"ORD-1001"}'


def test_text_without_slash_is_untouched() -> None:
    received, _ = post(
        {"sender": "s1", "message": "choose order ORD-1001"},
        trackers={"s1": _offered(ORDER_BUTTON)},
    )

    assert received[0].text == "choose order ORD-1001"


def test_without_a_loaded_agent_slash_commands_are_neutralised() -> None:
    received, _ = post({"sender": "s1", "message": "/request_refund"})

    assert received[0].text == "request_refund"

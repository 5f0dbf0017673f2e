"""Tests of the signed socket.io channel through a real Sanic server and client."""

import asyncio
import json
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

import aiohttp
import pytest
import socketio
import websockets
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered

from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.signed_socketio import SignedSocketIOInput
from rasa_plugins.channels.slash_guard import SlashGuard
from tests.unit.rasa_plugins.channels.support import (
    KEY,
    bot_with_buttons,
    fake_agent,
    make_token,
    serve,
)

URL_PREFIX = "/webhooks/socketio"
TIMEOUT = 5


class FakeClock:
    """A settable clock for the channel's per-message expiry check."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class ChatClient:
    """A python-socketio client that queues the events the server sends."""

    EVENTS = ("bot_uttered", "session_confirm", "authenticated", "auth_error")

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: "asyncio.Queue[Tuple[str, Any]]" = asyncio.Queue()
        for name in self.EVENTS:
            self.sio.on(name, self._queue(name))

    def _queue(self, name: str) -> Any:
        async def handler(data: Any = None) -> None:
            await self.events.put((name, data))

        return handler

    async def connect(self, url: str, auth: Any = None) -> None:
        # The websocket client of python-socketio needs a newer aiohttp than
        # Rasa's; long-polling runs the same server handlers.
        await self.sio.connect(
            url,
            socketio_path="/socket.io",
            auth=auth,
            transports=["polling"],
            wait_timeout=TIMEOUT,
        )

    async def disconnect(self) -> None:
        # A polling client otherwise waits for its pending long-poll request to
        # time out (~30 s); closing the Engine.IO session is what a closed tab does.
        await self.sio.eio.disconnect(abort=True)

    async def next_event(self) -> Tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), TIMEOUT)

    async def say(self, message: Dict[str, Any]) -> Any:
        """Sends a message and waits for the (echoed) bot reply."""
        await self.sio.emit("user_uttered", message)
        name, data = await self.next_event()
        assert name == "bot_uttered"
        return data

    async def authenticate(self, data: Any) -> Tuple[str, Any]:
        await self.sio.emit("authenticate", data)
        return await self.next_event()


class Chat:
    """A served channel with one connected client and the messages Rasa got."""

    def __init__(
        self, channel: SignedSocketIOInput, client: ChatClient, url: str
    ) -> None:
        self.channel = channel
        self.client = client
        self.url = url
        self.received: List[UserMessage] = []

    async def say(self, text: str, **extra: Any) -> UserMessage:
        """Sends `text` (plus `extra` fields); returns what Rasa received."""
        await self.client.say({"message": text, **extra})
        return self.received[-1]


def _channel(
    clock: Optional[FakeClock] = None, session_persistence: bool = False
) -> SignedSocketIOInput:
    return SignedSocketIOInput(
        session_persistence=session_persistence,
        verifier=IdentityVerifier(KEY),
        clock=clock or time.time,
    )


@asynccontextmanager
async def chat(
    auth: Any = None,
    channel: Optional[SignedSocketIOInput] = None,
    trackers: Optional[Dict[str, List[Event]]] = None,
) -> AsyncIterator[Chat]:
    """Serves the channel, connects a client with `auth`; echoes every message."""
    channel = channel or _channel()
    client = ChatClient()
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(
            message.sender_id, f"echo: {message.text}"
        )

    agent = await fake_agent(trackers) if trackers is not None else None
    async with serve(channel.blueprint(on_new_message), URL_PREFIX, agent) as url:
        await client.connect(url, auth)
        session = Chat(channel, client, url)
        session.received = received
        try:
            yield session
        finally:
            await client.disconnect()


def run(scenario: Any) -> Any:
    return asyncio.run(scenario())


# Identity at connection time.


def test_valid_token_passes_the_verified_customer_id() -> None:
    async def scenario() -> Tuple[UserMessage, str]:
        async with chat({"token": make_token()}) as session:
            return await session.say("hello"), session.client.sio.get_sid()

    message, sid = run(scenario)

    assert message.text == "hello"
    assert message.metadata == {"verified_customer_id": "cus_ada"}
    assert message.input_channel == "socketio"
    assert message.sender_id == sid


@pytest.mark.parametrize(
    ("auth", "metadata"),
    [
        (None, {}),
        ({}, {}),
        ({"token": ""}, {}),
        ({"token": make_token(minutes=-1)}, {"identity_error": "expired"}),
        (
            {"token": make_token(key="a-forger-who-guessed-a-long-key-wrong")},
            {"identity_error": "invalid"},
        ),
        ({"token": make_token(aud="elsewhere")}, {"identity_error": "invalid"}),
        ({"token": make_token(iss="somebody")}, {"identity_error": "invalid"}),
        ({"token": "not-a-jwt"}, {"identity_error": "invalid"}),
        ({"token": 42}, {"identity_error": "invalid"}),
    ],
    ids=[
        "no-auth",
        "empty-auth",
        "empty-token",
        "expired",
        "forged",
        "wrong-audience",
        "wrong-issuer",
        "garbage",
        "number",
    ],
)
def test_other_connections_are_allowed_without_customer_id(
    auth: Any, metadata: Dict[str, str]
) -> None:
    async def scenario() -> Tuple[UserMessage, Any]:
        async with chat(auth) as session:
            return await session.say("what are your fees?"), session

    message, _ = run(scenario)

    assert message.metadata == metadata
    assert "verified_customer_id" not in message.metadata


def test_client_metadata_is_ignored() -> None:
    claims = {"verified_customer_id": "cus_victim", "identity_error": None}
    sneaky = {"metadata": claims, "customData": claims, "input_channel": "backoffice"}

    async def scenario() -> List[UserMessage]:
        async with chat({"token": make_token()}) as signed:
            first = await signed.say("refund please", **sneaky)
        async with chat() as anonymous:
            second = await anonymous.say("refund please", **sneaky)
        return [first, second]

    signed_message, anonymous_message = run(scenario)

    assert signed_message.metadata == {"verified_customer_id": "cus_ada"}
    assert anonymous_message.metadata == {}
    assert signed_message.input_channel == anonymous_message.input_channel == "socketio"


def test_token_expiry_is_checked_for_every_message() -> None:
    clock = FakeClock()
    token = make_token(minutes=10)

    async def scenario() -> List[UserMessage]:
        async with chat({"token": token}, channel=_channel(clock)) as session:
            before = await session.say("balance?")
            clock.now += 9 * 60
            still = await session.say("and now?")
            clock.now += 2 * 60
            after = await session.say("and now?")
            return [before, still, after]

    before, still, after = run(scenario)

    assert before.metadata == {"verified_customer_id": "cus_ada"}
    assert still.metadata == {"verified_customer_id": "cus_ada"}
    assert after.metadata == {"identity_error": "expired"}


def test_identity_is_dropped_on_disconnect() -> None:
    async def scenario() -> Tuple[int, int]:
        channel = _channel()
        async with chat({"token": make_token()}, channel=channel) as session:
            await session.say("hi")
            connected = len(channel.identities)
            await session.client.disconnect()
            for _ in range(50):
                if not channel.identities:
                    break
                await asyncio.sleep(0.05)
            return connected, len(channel.identities)

    assert run(scenario) == (1, 0)


def test_identities_are_kept_per_socket() -> None:
    async def scenario() -> List[UserMessage]:
        channel = _channel()
        async with chat({"token": make_token()}, channel=channel) as ada:
            visitor = ChatClient()
            await visitor.connect(ada.url)
            try:
                await visitor.say({"message": "fees?"})
                await ada.say("my balance")
            finally:
                await visitor.disconnect()
            return ada.received

    visitor_message, ada_message = run(scenario)

    assert visitor_message.metadata == {}
    assert ada_message.metadata == {"verified_customer_id": "cus_ada"}


# Re-authentication without reconnecting.


def test_authenticate_event_switches_identity() -> None:
    async def scenario() -> List[Any]:
        async with chat() as session:
            steps: List[Any] = [(await session.say("fees?")).metadata]
            steps.append(
                await session.client.authenticate({"token": make_token(sub="cus_bo")})
            )
            steps.append((await session.say("my refund")).metadata)
            return steps

    assert run(scenario) == [
        {},
        ("authenticated", {"customer_id": "cus_bo"}),
        {"verified_customer_id": "cus_bo"},
    ]


def test_authenticate_replaces_an_expired_identity() -> None:
    clock = FakeClock()

    async def scenario() -> List[Any]:
        token = make_token(minutes=1)
        async with chat({"token": token}, channel=_channel(clock)) as session:
            clock.now += 120
            steps: List[Any] = [(await session.say("status?")).metadata]
            steps.append(await session.client.authenticate({"token": make_token()}))
            steps.append((await session.say("status?")).metadata)
            return steps

    assert run(scenario) == [
        {"identity_error": "expired"},
        ("authenticated", {"customer_id": "cus_ada"}),
        {"verified_customer_id": "cus_ada"},
    ]


@pytest.mark.parametrize(
    ("data", "error", "metadata"),
    [
        (
            {"token": make_token(key="a-forger-who-guessed-a-long-key-wrong")},
            "invalid",
            {"identity_error": "invalid"},
        ),
        ({"token": make_token(minutes=-5)}, "expired", {"identity_error": "expired"}),
        (
            {"token": make_token(aud="elsewhere")},
            "invalid",
            {"identity_error": "invalid"},
        ),
        ({}, "missing", {}),
        ("not-an-object", "missing", {}),
    ],
    ids=["forged", "expired", "wrong-audience", "no-token", "not-an-object"],
)
def test_failed_authenticate_answers_auth_error_and_drops_the_identity(
    data: Any, error: str, metadata: Dict[str, str]
) -> None:
    async def scenario() -> List[Any]:
        async with chat({"token": make_token()}) as session:
            answer = await session.client.authenticate(data)
            return [answer, (await session.say("balance?")).metadata]

    answer, message_metadata = run(scenario)

    assert answer == ("auth_error", {"error": error})
    assert message_metadata == metadata


# Sessions.


def test_persistent_session_uses_the_session_id_and_delivers_replies() -> None:
    async def scenario() -> Tuple[Any, Any, UserMessage, int]:
        channel = _channel(session_persistence=True)
        async with chat({"token": make_token()}, channel=channel) as session:
            await session.client.sio.emit("session_request", {"session_id": "conv-1"})
            confirm = await session.client.next_event()
            reply = await session.client.say({"message": "hi", "session_id": "conv-1"})
            # Without a session id the message is dropped (like Rasa's channel).
            await session.client.sio.emit("user_uttered", {"message": "lost"})
            await asyncio.sleep(0.3)
            return confirm, reply, session.received[-1], len(session.received)

    confirm, reply, message, count = run(scenario)

    assert confirm == ("session_confirm", "conv-1")
    assert reply == {"text": "echo: hi"}
    assert message.sender_id == "conv-1"
    assert message.metadata == {"verified_customer_id": "cus_ada"}
    assert count == 1


def test_session_request_without_id_gets_a_fresh_one() -> None:
    async def scenario() -> Tuple[str, Any]:
        async with chat(channel=_channel(session_persistence=True)) as session:
            await session.client.sio.emit("session_request", None)
            return await session.client.next_event()

    name, session_id = run(scenario)

    assert name == "session_confirm"
    assert isinstance(session_id, str) and len(session_id) == 32


def test_websocket_transport_carries_the_auth_token() -> None:
    """What browsers use: raw Engine.IO v4 / Socket.IO v5 frames over a websocket."""

    async def scenario() -> Tuple[str, List[UserMessage]]:
        received: List[UserMessage] = []

        async def on_new_message(message: UserMessage) -> None:
            received.append(message)
            await message.output_channel.send_text_message(message.sender_id, "ok")

        channel = _channel()
        async with serve(channel.blueprint(on_new_message), URL_PREFIX) as url:
            ws_url = url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
            async with websockets.connect(ws_url) as ws:
                assert (await ws.recv()).startswith("0")  # Engine.IO open
                await ws.send("40" + json.dumps({"token": make_token()}))
                assert (await ws.recv()).startswith("40")  # Socket.IO connect
                event = ["user_uttered", {"message": "hi", "metadata": {"x": 1}}]
                await ws.send("42" + json.dumps(event))
                reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
        return reply, received

    reply, received = run(scenario)

    assert json.loads(reply[2:]) == ["bot_uttered", {"text": "ok"}]
    assert received[0].metadata == {"verified_customer_id": "cus_ada"}


def test_health_route_answers() -> None:
    async def scenario() -> Any:
        channel = _channel()

        async def on_new_message(message: UserMessage) -> None:
            return None

        async with serve(channel.blueprint(on_new_message), URL_PREFIX) as url:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{url}{URL_PREFIX}/") as response:
                    return response.status, await response.json()

    assert run(scenario) == (200, {"status": "ok"})


# Slash guard.

ORDER_BUTTON = '/choose_order{"order_id":"ORD-1001"}'


def _offered(*payloads: str) -> List[Event]:
    return [
        ActionExecuted("action_listen"),
        UserUttered("refund my order", {"name": "request_refund"}),
        bot_with_buttons(*payloads),
        ActionExecuted("action_listen"),
    ]


def _say_in_session(text: str, trackers: Dict[str, List[Event]]) -> UserMessage:
    async def scenario() -> UserMessage:
        channel = _channel(session_persistence=True)
        async with chat(channel=channel, trackers=trackers) as session:
            await session.client.sio.emit("session_request", {"session_id": "conv-1"})
            assert await session.client.next_event() == ("session_confirm", "conv-1")
            return await session.say(text, session_id="conv-1")

    return run(scenario)


def test_offered_button_payload_reaches_rasa_unchanged() -> None:
    message = _say_in_session(ORDER_BUTTON, {"conv-1": _offered(ORDER_BUTTON)})

    assert message.text == ORDER_BUTTON


def test_same_payload_typed_after_a_later_user_message_is_neutralised() -> None:
    history = _offered(ORDER_BUTTON) + [
        UserUttered(ORDER_BUTTON, {"name": "choose_order"}),
        BotUttered("Refund for ORD-1001 requested."),
        ActionExecuted("action_listen"),
    ]

    message = _say_in_session(ORDER_BUTTON, {"conv-1": history})

    assert message.text == 'choose_order{"order_id":"ORD-1001"}'


def test_payload_with_different_entities_is_neutralised() -> None:
    message = _say_in_session(
        '/choose_order{"order_id":"ORD-6666"}', {"conv-1": _offered(ORDER_BUTTON)}
    )

    assert message.text == 'choose_order{"order_id":"ORD-6666"}'


def test_typed_intent_with_a_customer_id_is_neutralised() -> None:
    message = _say_in_session(
        '/check_balance{"customer_id":"C1002"}', {"conv-1": _offered("/affirm")}
    )

    assert message.text == 'check_balance{"customer_id":"C1002"}'


def test_text_without_slash_is_untouched() -> None:
    message = _say_in_session("refund ORD-1001", {"conv-1": _offered(ORDER_BUTTON)})

    assert message.text == "refund ORD-1001"


# Configuration.


def test_credentials_configure_the_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_SIGNING_KEY", "env-key")

    channel = SignedSocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "jwt_key": "ignored",
            "metadata_key": "customData",
            "allowed_slash_commands": ["/session_start"],
        }
    )

    assert channel.session_persistence is True
    assert channel.socketio_path == "/socket.io"
    assert channel.verifier == IdentityVerifier("env-key")
    assert channel.jwt_key is None
    assert channel.slash_guard == SlashGuard(frozenset({"/session_start"}))


def test_rasa_loads_the_channel_from_its_credentials_section() -> None:
    from rasa.core.run import _create_single_channel

    channel = _create_single_channel(
        "rasa_plugins.channels.signed_socketio.SignedSocketIOInput",
        {"user_message_evt": "user_uttered", "session_persistence": True},
    )

    assert isinstance(channel, SignedSocketIOInput)
    assert channel.name() == "socketio"
    assert channel.url_prefix() == "socketio"
    assert channel.session_persistence is True


def test_custom_payloads_are_sent_as_the_message_body() -> None:
    from rasa_plugins.channels.signed_socketio import CustomJsonSocketIOOutput

    emitted = []

    class RecordingServer:
        async def emit(self, event, data=None, **kwargs):
            emitted.append((event, data, kwargs))

    output = CustomJsonSocketIOOutput(RecordingServer(), "bot_uttered")
    handoff = {"handoff": {"state": "agent_joined", "agent_name": "Sam"}}
    asyncio.run(output.send_custom_json("session-1", handoff))
    assert emitted == [("bot_uttered", {"custom": handoff}, {"room": "session-1"})]


def test_output_channel_for_outside_messages_sends_custom_payloads() -> None:
    from rasa_plugins.channels.signed_socketio import CustomJsonSocketIOOutput, SignedSocketIOInput

    async def on_new_message(message) -> None:
        pass

    channel = SignedSocketIOInput.from_credentials({})
    channel.blueprint(on_new_message)  # creates the socket.io server
    assert isinstance(channel.get_output_channel(), CustomJsonSocketIOOutput)


# Rate limits.


def _abort(client: ChatClient) -> Any:
    async def abort(data: Any = None) -> None:
        await client.sio.eio.disconnect(abort=True)

    return abort


def test_one_ip_opens_only_so_many_connections_without_a_token() -> None:
    from rasa_plugins.channels.rate_limit import RateLimiter

    async def on_new_message(message: UserMessage) -> None:
        pass

    async def scenario() -> List[bool]:
        channel = SignedSocketIOInput(
            verifier=IdentityVerifier(KEY),
            connect_limiter=RateLimiter(per_minute=1, burst=2),
        )
        outcomes = []
        async with serve(channel.blueprint(on_new_message), URL_PREFIX) as url:
            clients = []
            for _ in range(3):
                client = ChatClient()
                clients.append(client)
                # Else the refused polling client waits ~30 s for its long-poll.
                client.sio.on("connect_error", _abort(client))
                try:
                    await client.connect(url)
                    outcomes.append(True)
                except socketio.exceptions.ConnectionError:
                    outcomes.append(False)
            # A customer with a valid token is never refused (connect raises if so).
            logged_in = ChatClient()
            await logged_in.connect(url, {"token": make_token()})
            outcomes.append(logged_in.sio.connected)
            clients.append(logged_in)
            for client in clients:
                await client.disconnect()
        return outcomes

    assert run(scenario) == [True, True, False, True]


def test_a_socket_sending_too_fast_gets_the_slow_down_reply() -> None:
    from rasa_plugins.channels.guards import ChannelGuards
    from rasa_plugins.channels.never_silent import NeverSilentGuard
    from rasa_plugins.channels.rate_limit import RateLimiter, RateLimitGuard
    from tests.unit.rasa_plugins.channels.support import channel_domain

    received: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "echo")

    async def scenario() -> List[str]:
        channel = SignedSocketIOInput(
            session_persistence=True,
            verifier=IdentityVerifier(KEY),
            guards=ChannelGuards(
                SlashGuard(),
                NeverSilentGuard(),
                RateLimitGuard(RateLimiter(per_minute=1, burst=2)),
            ),
        )
        agent = await fake_agent(domain=channel_domain())
        client = ChatClient()
        replies = []
        async with serve(channel.blueprint(on_new_message), URL_PREFIX, agent) as url:
            await client.connect(url)
            # A new session id per message: the socket's own bucket still counts.
            for number in range(3):
                await client.sio.emit("session_request", {"session_id": f"s{number}"})
                await client.next_event()  # session_confirm
                reply = await client.say({"message": f"m{number}", "session_id": f"s{number}"})
                replies.append(reply["text"])
            await client.disconnect()
        return replies

    replies = run(scenario)

    assert received == ["m0", "m1"]
    assert replies == ["echo", "echo", "You're sending messages faster than I can read them."]

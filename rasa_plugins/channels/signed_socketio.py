"""Socket.IO channel that trusts only a backend-signed customer identity."""

import logging
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncManager, AsyncRedisManager, AsyncServer
from socketio.exceptions import ConnectionRefusedError as SocketConnectionRefused

from rasa_plugins import settings
from rasa_plugins.channels.credentials import slash_guard_from, verifier_from
from rasa_plugins.channels.guards import ChannelGuards
from rasa_plugins.channels.identity import ANONYMOUS, IdentityCheck, IdentityVerifier
from rasa_plugins.channels.rate_limit import RateLimiter, connect_limiter_from_settings
from rasa_plugins.channels.slash_guard import SlashGuard, agent_of

logger = logging.getLogger(__name__)

AUTHENTICATE_EVENT = "authenticate"
AUTHENTICATED_EVENT = "authenticated"
AUTH_ERROR_EVENT = "auth_error"
# `auth_error` reason when `authenticate` carried no token.
MISSING_TOKEN = "missing"
# `connect_error` message for a client IP opening too many anonymous connections.
TOO_MANY_CONNECTIONS = "too_many_connections"
# Redis options of the shared socket.io pub/sub: fail a connection attempt fast, but
# no read timeout, which would break the listener's blocking wait for messages.
_REDIS_OPTIONS = {"socket_connect_timeout": 2.0, "socket_keepalive": True}


def client_manager() -> Optional[AsyncManager]:
    """The socket.io client manager: Redis pub/sub when `SOCKETIO_REDIS_URL` is set.

    Several Rasa replicas behind a load balancer each hold some customers'
    sockets; a message one replica emits to a conversation's room (an agent's
    reply sent through Rasa's HTTP API) travels through Redis to the replica
    holding the socket. Without the setting, the default in-process manager.

    Returns:
        An `AsyncRedisManager`, or `None` for python-socketio's default.
    """
    shared = settings.socketio_redis()
    if shared is None:
        return None
    url, channel = shared
    logger.info("socket.io emits are shared through Redis (channel %s).", channel)
    return AsyncRedisManager(url, channel=channel, redis_options=dict(_REDIS_OPTIONS))


def client_ip(environ: Dict[str, Any]) -> str:
    """The address a socket.io connection comes from.

    Args:
        environ: The connection's WSGI-style environ (python-engineio's Sanic
            driver puts the request there and a fixed `REMOTE_ADDR`).

    Returns:
        Sanic's `remote_addr` (forwarded-for, when the app trusts a proxy), else
        the peer's IP, else `"unknown"`.
    """
    request = environ.get("sanic.request")
    address = getattr(request, "remote_addr", "") or getattr(request, "ip", "")
    return str(address or "unknown")


class CustomJsonSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, able to send custom payloads.

    The stock output passes a custom payload's keys as keyword arguments to
    `emit`, so any payload but `emit`'s own parameters raises `TypeError` and the
    customer gets nothing. This one sends it as the message body under `custom`,
    like Rasa's REST channel does.
    """

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Sends `{"custom": json_message}` to the conversation's room.

        Args:
            recipient_id: The conversation (socket.io room).
            json_message: The custom payload, e.g. a handoff state for the page.
            **kwargs: Unused.
        """
        await self.sio.emit(self.bot_message_evt, {"custom": json_message}, room=recipient_id)


class SignedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (`/socket.io`) with verified customer identity.

    Visitors connect with `io(url, {path: "/socket.io", auth: {token}})`; the token
    is optional. A valid one makes every message carry
    `{"verified_customer_id": sub}` until it expires, an expired or forged one
    `{"identity_error": "expired" | "invalid"}`, none `{}`. Metadata sent by the
    client is ignored. Emitting `authenticate` with `{token}` replaces the
    connection's identity (answered by `authenticated` `{customer_id}` or
    `auth_error` `{error}`). Typed `/intent{...}` messages only pass when they are
    a button the bot offered (see `slash_guard`). Each conversation and each
    socket has a message rate, each client IP a rate of connections without a
    valid token (see `rate_limit`); a turn that stays silent gets an apology
    within seconds (see `never_silent`).

    Configured in `credentials.yml`:

    ```yaml
    rasa_plugins.channels.signed_socketio.SignedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      signing_key: ...          # optional; IDENTITY_SIGNING_KEY by default
      audience: payments-assistant
      issuer: payments-backend
      allowed_slash_commands: []  # `/...` texts accepted without a button
    ```
    """

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        session_persistence: bool = False,
        socketio_path: Text = "/socket.io",
        verifier: Optional[IdentityVerifier] = None,
        slash_guard: Optional[SlashGuard] = None,
        clock: Callable[[], float] = time.time,
        guards: Optional[ChannelGuards] = None,
        connect_limiter: Optional[RateLimiter] = None,
    ) -> None:
        """Creates the channel.

        Args:
            user_message_evt: Event the client sends messages with.
            bot_message_evt: Event the bot answers with.
            namespace: Socket.IO namespace; the default one when `None`.
            session_persistence: Whether conversations follow the client's
                `session_id` (from `session_request`) rather than the socket id.
            socketio_path: Path the Socket.IO server is served on.
            verifier: Token verifier; one with the configured signing key by default.
            slash_guard: Guard against typed intents.
            clock: Current time in seconds since the epoch (token expiry checks).
            guards: All guards of the messages; by default the configured ones
                around `slash_guard`.
            connect_limiter: Rate of connections without a valid token per client
                IP; the configured one by default.
        """
        super().__init__(
            user_message_evt=user_message_evt,
            bot_message_evt=bot_message_evt,
            namespace=namespace,
            session_persistence=session_persistence,
            socketio_path=socketio_path,
            jwt_key=None,
            metadata_key=None,
        )
        self.verifier = verifier or IdentityVerifier(settings.identity_signing_key())
        self.guards = guards or ChannelGuards.from_settings(slash_guard or SlashGuard())
        self.slash_guard = self.guards.slash_guard
        self.connect_limiter = connect_limiter or connect_limiter_from_settings()
        self.clock = clock
        # Identity per connected socket, server-side only; dropped on disconnect.
        self.identities: Dict[Text, IdentityCheck] = {}
        if self.verifier.signing_key == settings.DEFAULT_IDENTITY_SIGNING_KEY:
            logger.warning(
                "SignedSocketIOInput uses the development identity signing key; "
                "set IDENTITY_SIGNING_KEY outside development."
            )

    @classmethod
    def name(cls) -> Text:
        """Keeps the socket.io channel's name (URL prefix and tracker channel)."""
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output for messages sent outside a customer turn (e.g. by an agent)."""
        if self.sio is None:
            return super().get_output_channel()
        return CustomJsonSocketIOOutput(self.sio, self.bot_message_evt)

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "SignedSocketIOInput":
        """Builds the channel from its `credentials.yml` section.

        Args:
            credentials: The socket.io options of Rasa's channel (except the JWT
                and metadata ones) plus `signing_key`, `audience`, `issuer` and
                `allowed_slash_commands`.

        Returns:
            The configured channel.
        """
        credentials = credentials or {}
        for ignored in ("jwt_key", "jwt_method", "metadata_key"):
            if ignored in credentials:
                logger.warning(
                    "SignedSocketIOInput ignores '%s': identity comes from the "
                    "backend-signed token, metadata only from the server.",
                    ignored,
                )
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", False)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            verifier=verifier_from(credentials),
            slash_guard=slash_guard_from(credentials),
        )

    def metadata_for(self, sid: Text) -> Dict[Text, Any]:
        """Returns the trusted metadata of a message sent by a socket now.

        Args:
            sid: The socket id.

        Returns:
            The socket identity's metadata, with its expiry checked at this moment.
        """
        return self.identities.get(sid, ANONYMOUS).metadata(now=self.clock())

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Builds the Socket.IO server and its Sanic blueprint.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint; registering it attaches the Socket.IO server to the app.
        """
        # Same CORS workaround as Rasa's channel: Sanic's CORS settings apply.
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=[], client_manager=client_manager()
        )
        socketio_webhook = SocketBlueprint(
            sio, self.socketio_path, "signed_socketio_webhook", __name__
        )
        self.sio = sio  # for `get_output_channel`
        handle = self.guards.wrap(on_new_message, lambda: agent_of(socketio_webhook))
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Any = None) -> bool:
            # Visitors without (or with a bad) token may still ask general questions.
            token = auth.get("token") if isinstance(auth, dict) else None
            check = self.verifier.check(token)
            if check.identity is None:
                address = client_ip(environ)
                if not self.connect_limiter.allow(f"ip:{address}"):
                    logger.warning("Refused a connection: %s opens too many.", address)
                    raise SocketConnectionRefused(TOO_MANY_CONNECTIONS)
            self.identities[sid] = check
            logger.debug("Socket %s connected.", sid)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, reason: Any = None) -> None:
            self.identities.pop(sid, None)
            logger.debug("Socket %s disconnected.", sid)

        @sio.on(AUTHENTICATE_EVENT, namespace=namespace)
        async def authenticate(sid: Text, data: Any = None) -> None:
            token = data.get("token") if isinstance(data, dict) else None
            check = self.verifier.check(token)
            self.identities[sid] = check
            if check.identity is not None:
                await sio.emit(
                    AUTHENTICATED_EVENT,
                    {"customer_id": check.identity.customer_id},
                    room=sid,
                    namespace=namespace,
                )
            else:
                await sio.emit(
                    AUTH_ERROR_EVENT,
                    {"error": check.error or MISSING_TOKEN},
                    room=sid,
                    namespace=namespace,
                )

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                # A coroutine in python-socketio 5.18: Rasa 3.6's channel does not
                # await it, so its sockets never join the session's room.
                await sio.enter_room(sid, data["session_id"], namespace=namespace)
            await sio.emit(
                "session_confirm", data["session_id"], room=sid, namespace=namespace
            )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict):
                logger.warning("Ignored a malformed message from socket %s.", sid)
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not sender_id or not isinstance(sender_id, str):
                    logger.warning(
                        "Ignored a message without session_id from socket %s; "
                        "send `session_request` first.",
                        sid,
                    )
                    return
            else:
                sender_id = sid
            text = data.get("message", "")
            if not isinstance(text, str):
                logger.warning("Ignored a message without text from socket %s.", sid)
                return
            message = UserMessage(
                text,
                CustomJsonSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                # Built here only: the client's `metadata`/`customData` never count.
                metadata=self.metadata_for(sid),
            )
            # The socket is charged too: one socket must not rotate session ids.
            await handle(message, f"socket:{sid}")

        return socketio_webhook

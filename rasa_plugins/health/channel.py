"""Readiness and liveness routes, served as a Rasa input channel (no messages).

Routes:
    `GET /webhooks/health/ready`: 200 when every required dependency works
        (`status` `ready`, or `degraded` when only an optional one fails, e.g.
        RabbitMQ), else 503 (`unready`); the body gives each check (see
        `rasa_plugins.health.checks`). For load balancers and orchestrators:
        send customers only to ready replicas.
    `GET /webhooks/health/live`: 200 while the server's event loop answers.

Configured in `credentials.yml`::

    rasa_plugins.health.channel.ReadinessInput:
      timeout: 2                # s, one check
      required: [model, tracker_store, lock_store]   # the default
      allow_in_memory_tracker_store: false           # the default
"""

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_plugins.health.checks import (
    ALL_CHECKS,
    DEFAULT_REQUIRED,
    DEFAULT_TIMEOUT_SECONDS,
    ReadinessChecker,
)


class ReadinessInput(InputChannel):
    """Serves the readiness and liveness routes under `/webhooks/health/`."""

    def __init__(self, checker: Optional[ReadinessChecker] = None) -> None:
        """Creates the channel.

        Args:
            checker: The checks; the defaults when omitted.
        """
        self.checker = checker or ReadinessChecker()

    @classmethod
    def name(cls) -> Text:
        """URL prefix: `/webhooks/health/`."""
        return "health"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ReadinessInput":
        """Builds the channel from its `credentials.yml` section.

        Args:
            credentials: Optional `timeout`, `required` and
                `allow_in_memory_tracker_store`.

        Returns:
            The channel.

        Raises:
            ValueError: `required` names an unknown check or `timeout` is not positive.
        """
        credentials = credentials or {}
        required = frozenset(credentials.get("required") or DEFAULT_REQUIRED)
        unknown = required - set(ALL_CHECKS)
        if unknown:
            raise ValueError(f"ReadinessInput: unknown checks {sorted(unknown)}; "
                             f"known: {list(ALL_CHECKS)}.")
        timeout = float(credentials.get("timeout", DEFAULT_TIMEOUT_SECONDS))
        if timeout <= 0:
            raise ValueError("ReadinessInput: `timeout` must be positive.")
        return cls(
            ReadinessChecker(
                timeout_seconds=timeout,
                required=required,
                allow_in_memory_tracker_store=bool(
                    credentials.get("allow_in_memory_tracker_store", False)
                ),
            )
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The routes (`on_new_message` is unused: no messages come this way).

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint to register on the Rasa server.
        """
        health = Blueprint("health_webhook", __name__)

        @health.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"status": "alive"}, headers=_NO_CACHE)

        @health.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            report = await self.checker.run(agent)
            status = 503 if report["status"] == "unready" else 200
            return response.json(report, status=status, headers=_NO_CACHE)

        return health


_NO_CACHE: Dict[Text, Text] = {"Cache-Control": "no-store"}

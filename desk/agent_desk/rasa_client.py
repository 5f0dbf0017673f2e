"""Client of Rasa's HTTP API: read a tracker, append events, run a response.

The only module that knows Rasa's URLs and event JSON. Every call has a timeout and
every failure becomes a :class:`RasaError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

# Metadata keys that mark the bot events the desk wrote itself (agent replies and
# handoff payloads), so the transcript sync does not store them a second time.
DESK_TICKET_KEY = "desk_ticket"
DESK_AGENT_KEY = "desk_agent"


class RasaError(Exception):
    """Rasa did not do what the desk asked."""


class RasaUnavailable(RasaError):
    """Rasa could not be reached or did not answer in time."""


class RasaRejected(RasaError):
    """Rasa answered with an error status.

    Attributes:
        status_code: The HTTP status Rasa answered.
    """

    def __init__(self, message: str, status_code: int) -> None:
        """Create the error.

        Args:
            message: One sentence.
            status_code: The HTTP status Rasa answered.
        """
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class TrackerEvent:
    """One event of a conversation's tracker (only the fields the desk reads)."""

    event: str
    timestamp: float
    text: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def written_by_desk(self) -> bool:
        """Whether the desk itself appended this event (an agent reply or a payload)."""
        return DESK_TICKET_KEY in self.metadata


@dataclass(frozen=True)
class Tracker:
    """A conversation's state as Rasa reports it."""

    conversation_id: str
    paused: bool
    events: tuple[TrackerEvent, ...]


def _parse_event(raw: Any) -> TrackerEvent | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
        return None
    timestamp = raw.get("timestamp")
    if not isinstance(timestamp, int | float):
        return None
    text = raw.get("text")
    metadata = raw.get("metadata")
    return TrackerEvent(
        event=raw["event"],
        timestamp=float(timestamp),
        text=text if isinstance(text, str) else None,
        metadata=metadata if isinstance(metadata, dict) else {},
    )


def desk_metadata(ticket_id: str, agent: str) -> dict[str, str]:
    """The metadata the desk puts on its own bot events."""
    return {DESK_TICKET_KEY: ticket_id, DESK_AGENT_KEY: agent}


class RasaClient:
    """Async client of one Rasa server.

    Args:
        base_url: Rasa's base URL, e.g. ``http://127.0.0.1:5005``.
        token: Rasa's ``--auth-token`` (empty: none).
        timeout_seconds: Timeout of every call.
        http: The HTTP client to use (a new one when omitted; closed by :meth:`aclose`).
    """

    def __init__(
        self,
        base_url: str,
        token: str = "",
        timeout_seconds: float = 5.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Create the client (see the class docstring for the arguments)."""
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout_seconds
        self._http = http or httpx.AsyncClient()

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._http.aclose()

    def _url(self, conversation_id: str, suffix: str) -> str:
        return f"{self._base_url}/conversations/{quote(conversation_id, safe='')}/{suffix}"

    async def _request(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        body: Any = None,
    ) -> Any:
        if self._token:
            params = {**params, "token": self._token}
        try:
            response = await self._http.request(
                method, url, params=params, json=body, timeout=self._timeout
            )
        except httpx.TimeoutException as error:
            raise RasaUnavailable("Rasa did not answer in time.") from error
        except httpx.HTTPError as error:
            raise RasaUnavailable("Rasa could not be reached.") from error
        if response.status_code >= 400:
            logger.warning("Rasa answered %s to %s %s", response.status_code, method, url)
            raise RasaRejected(
                f"Rasa refused the request (HTTP {response.status_code}).",
                response.status_code,
            )
        try:
            return response.json()
        except ValueError as error:
            raise RasaRejected("Rasa answered something that is not JSON.", 502) from error

    async def get_tracker(self, conversation_id: str) -> Tracker:
        """Read a conversation's tracker (events after the last restart).

        Args:
            conversation_id: Rasa's sender id.

        Returns:
            The tracker.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        body = await self._request(
            "GET",
            self._url(conversation_id, "tracker"),
            {"include_events": "AFTER_RESTART"},
        )
        if not isinstance(body, dict):
            raise RasaRejected("Rasa answered a tracker that is not an object.", 502)
        raw_events = body.get("events")
        parsed = (_parse_event(raw) for raw in raw_events) if isinstance(raw_events, list) else ()
        events = tuple(event for event in parsed if event is not None)
        return Tracker(
            conversation_id=conversation_id,
            paused=bool(body.get("paused")),
            events=events,
        )

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events and send their bot messages on the customer's latest channel.

        Args:
            conversation_id: Rasa's sender id.
            events: Events in Rasa's JSON form.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        await self._request(
            "POST",
            self._url(conversation_id, "tracker/events"),
            {"output_channel": "latest", "execute_side_effects": "true"},
            events,
        )

    async def send_agent_message(
        self, conversation_id: str, text: str, ticket_id: str, agent: str
    ) -> None:
        """Send an agent's reply to the customer as a bot message.

        Args:
            conversation_id: Rasa's sender id.
            text: The reply as the agent wrote it.
            ticket_id: The desk ticket (marks the event as the desk's own).
            agent: The agent's username.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        event = {"event": "bot", "text": text, "metadata": desk_metadata(ticket_id, agent)}
        await self.append_events(conversation_id, [event])

    async def send_custom_payload(
        self, conversation_id: str, payload: dict[str, Any], ticket_id: str, agent: str
    ) -> None:
        """Send a custom payload (e.g. ``{"handoff": {...}}``) to the customer.

        Rasa's ``BotUttered.message()`` copies ``data`` into the outgoing message, and
        the output channel sends its ``custom`` key with ``send_custom_json``.

        Args:
            conversation_id: Rasa's sender id.
            payload: The custom JSON.
            ticket_id: The desk ticket (marks the event as the desk's own).
            agent: The agent's username.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        event = {
            "event": "bot",
            "data": {"custom": payload},
            "metadata": desk_metadata(ticket_id, agent),
        }
        await self.append_events(conversation_id, [event])

    async def pause(self, conversation_id: str) -> None:
        """Pause the assistant in a conversation (it stops answering).

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        await self.append_events(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        """Resume the assistant in a conversation.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        await self.append_events(conversation_id, [{"event": "resume"}])

    async def listen(self, conversation_id: str) -> None:
        """Record that the assistant now waits for the customer (`action_listen`).

        Rasa's rules expect every customer message to follow `action_listen`; after a
        response run through `/execute` it does not add one itself, and the next
        message would not match any rule.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        await self.append_events(
            conversation_id, [{"event": "action", "name": "action_listen"}]
        )

    async def execute_response(self, conversation_id: str, name: str) -> None:
        """Have Rasa run a response (``utter_...``) on the customer's latest channel.

        Args:
            conversation_id: Rasa's sender id.
            name: The response's name in domain.yml.

        Raises:
            RasaError: If Rasa cannot be reached or refuses.
        """
        await self._request(
            "POST",
            self._url(conversation_id, "execute"),
            {"output_channel": "latest"},
            {"name": name},
        )

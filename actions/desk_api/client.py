"""Client of the agent desk (contract: docs/agent-desk-api.md).

`AgentDesk` is what the assistant needs from any desk; `HttpAgentDesk` talks to
the project's own desk over HTTP. An external helpdesk (Chatwoot, Zendesk...)
takes its place by implementing `AgentDesk` (open a conversation/ticket with the
summary and transcript, idempotently by the key; report opening hours) and being
passed to `ActionHandoff`.

Transport failures and error responses are translated into
`actions.desk_api.exceptions` here, once. Actions call the methods through
`asyncio.to_thread`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any, Optional

import requests

from actions.desk_api.exceptions import (
    DeskAuthenticationError,
    DeskError,
    DeskInvalidResponse,
    DeskRejected,
    DeskTimeout,
    DeskUnavailable,
)
from actions.desk_api.models import DeskStatus, TicketReceipt, TicketRequest
from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

MIN_IDEMPOTENCY_KEY_LENGTH = 8
MAX_IDEMPOTENCY_KEY_LENGTH = 200
USER_AGENT = "payments-assistant-actions"


class AgentDesk(ABC):
    """Where people take conversations over from the assistant."""

    @abstractmethod
    def open_ticket(self, request: TicketRequest, idempotency_key: str) -> TicketReceipt:
        """Hands a conversation over; the same key never opens a second ticket.

        Args:
            request: Conversation, reason, summary and transcript.
            idempotency_key: Key of this handover (8-200 printable characters).

        Returns:
            The new ticket, or the conversation's active one.

        Raises:
            DeskUnavailable: No usable answer; send again later with the same key.
            DeskRejected: The desk refused the request.
        """

    @abstractmethod
    def status(self) -> DeskStatus:
        """Whether agents are working, and the queue.

        Raises:
            DeskUnavailable: No usable answer.
            DeskRejected: The desk refused the request.
        """


class HttpAgentDesk(AgentDesk):
    """The project's agent desk over HTTP (`requests`, service key, timeouts)."""

    def __init__(
        self, settings: Optional[Settings] = None, session: Optional[requests.Session] = None
    ) -> None:
        """Creates the client; nothing is connected or built until the first call.

        Args:
            settings: Desk URL, key and timeout; `get_settings()` if omitted.
            session: Session to send requests with; a plain one is built on first
                use if omitted.
        """
        self._settings = settings
        self._session = session

    @property
    def settings(self) -> Settings:
        """The settings (read on first use)."""
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    @property
    def session(self) -> requests.Session:
        """The HTTP session (built on first use)."""
        if self._session is None:
            session = requests.Session()
            # Desk URLs are explicit; never pick up proxies or .netrc credentials.
            session.trust_env = False
            self._session = session
        return self._session

    def close(self) -> None:
        """Closes the pooled connections, if a session was built."""
        if self._session is not None:
            self._session.close()

    def open_ticket(self, request: TicketRequest, idempotency_key: str) -> TicketReceipt:
        """Opens a ticket (`POST /v1/tickets`); see `AgentDesk.open_ticket`."""
        payload = self._request(
            "POST",
            "/v1/tickets",
            json=request.to_json(),
            idempotency_key=_check_idempotency_key(idempotency_key),
        )
        return TicketReceipt.from_json(payload)

    def status(self) -> DeskStatus:
        """Reads the desk's state (`GET /v1/status`); see `AgentDesk.status`."""
        return DeskStatus.from_json(self._request("GET", "/v1/status"))

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotency_key: Optional[str] = None,
    ) -> Any:
        settings = self.settings
        headers = {
            "Authorization": f"Bearer {settings.desk_api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        timeout = settings.desk_timeout_seconds
        try:
            response = self.session.request(
                method,
                settings.desk_url.rstrip("/") + path,
                json=json,
                headers=headers,
                timeout=timeout,
            )
        except requests.Timeout as error:
            logger.warning("desk.timeout method=%s path=%s", method, path)
            raise DeskTimeout(
                f"The desk did not answer {method} {path} within {timeout:g} s."
            ) from error
        except requests.RequestException as error:
            logger.warning(
                "desk.unreachable method=%s path=%s error=%s", method, path, type(error).__name__
            )
            raise DeskUnavailable(f"Could not reach the desk for {method} {path}.") from error
        # Paths and statuses only: bodies hold conversation text.
        logger.debug("desk.call method=%s path=%s status=%s", method, path, response.status_code)
        if response.status_code >= 400:
            raise _error_from_response(method, path, response)
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise DeskInvalidResponse(
                f"The desk answered {method} {path} with a body that is not JSON.",
                status_code=response.status_code,
            ) from None


def _check_idempotency_key(key: str) -> str:
    if (
        not isinstance(key, str)
        or not MIN_IDEMPOTENCY_KEY_LENGTH <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH
        or not key.isprintable()
        or key.strip() != key
    ):
        raise ValueError(
            f"A ticket needs an idempotency key of {MIN_IDEMPOTENCY_KEY_LENGTH}-"
            f"{MAX_IDEMPOTENCY_KEY_LENGTH} printable characters."
        )
    return key


def _error_from_response(method: str, path: str, response: requests.Response) -> DeskError:
    """Translates an error response: 5xx/429 unavailable, 401/403 auth, other 4xx rejected."""
    status = response.status_code
    detail = _detail(response)
    message = f"The desk answered {method} {path} with HTTP {status}" + (
        f": {detail}" if detail else "."
    )
    logger.info("desk.error method=%s path=%s status=%s", method, path, status)
    if status == 429 or status >= 500:
        return DeskUnavailable(message, status_code=status)
    if status in (401, 403):
        return DeskAuthenticationError(message, status_code=status)
    return DeskRejected(message, status_code=status)


def _detail(response: requests.Response) -> Optional[str]:
    """The `{"detail": ...}` of an error body (FastAPI's 422 gives a list)."""
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        # Field locations only: the offending values may hold conversation text.
        locations = [
            ".".join(str(part) for part in item.get("loc", ()))
            for item in detail
            if isinstance(item, dict)
        ]
        return "invalid " + ", ".join(location for location in locations if location)
    return None

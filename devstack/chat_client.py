"""HTTP side of the terminal chat: backend login and the Rasa REST webhook."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol

import requests

LOGIN_PATH = "/v1/auth/login"
WEBHOOK_PATH = "/webhooks/rest/webhook"
# Log in again this long before the token expires.
REFRESH_MARGIN = dt.timedelta(seconds=60)


class Response(Protocol):
    """The part of `requests.Response` the client uses."""

    status_code: int

    def json(self) -> Any:
        """Decoded JSON body."""


class Transport(Protocol):
    """The part of `requests.Session` the client uses."""

    def post(
        self,
        url: str,
        json: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends a POST request."""


class ChatError(Exception):
    """A problem to show the user as one clear sentence."""


class LoginError(ChatError):
    """The backend refused the demo credentials."""


class RasaUnavailable(ChatError):
    """The Rasa server did not answer."""


@dataclass(frozen=True)
class Credentials:
    """A demo customer's login.

    Attributes:
        email: Customer email.
        password: Customer password.
    """

    email: str
    password: str


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def parse_timestamp(value: str) -> dt.datetime:
    """Parses an ISO 8601 timestamp (with `Z` or an offset; naive means UTC)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


class ChatClient:
    """Sends a customer's messages to Rasa with a fresh identity token."""

    def __init__(
        self,
        rasa_url: str,
        backend_url: str,
        sender_id: str,
        credentials: Optional[Credentials] = None,
        transport: Optional[Transport] = None,
        clock: Callable[[], dt.datetime] = _utc_now,
        timeout: float = 60.0,
    ) -> None:
        """Creates the client; nothing is sent yet.

        Args:
            rasa_url: Base URL of the Rasa server.
            backend_url: Base URL of the payments backend.
            sender_id: Conversation id sent with every message.
            credentials: Demo customer to log in as; anonymous when `None`.
            transport: HTTP client; a `requests.Session` by default.
            clock: Current UTC time, for token expiry.
            timeout: Seconds to wait for any HTTP answer.
        """
        self.rasa_url = rasa_url.rstrip("/")
        self.backend_url = backend_url.rstrip("/")
        self.sender_id = sender_id
        self.credentials = credentials
        self.transport: Transport = transport or requests.Session()
        self.clock = clock
        self.timeout = timeout
        self.customer_id: Optional[str] = None
        self._token: Optional[str] = None
        self._expires_at: Optional[dt.datetime] = None

    def login(self) -> None:
        """Logs in as the configured customer (no-op when anonymous).

        Raises:
            LoginError: Wrong email or password.
            ChatError: The backend is unreachable or answered unexpectedly.
        """
        if self.credentials is None:
            return
        url = f"{self.backend_url}{LOGIN_PATH}"
        body = {"email": self.credentials.email, "password": self.credentials.password}
        try:
            response = self.transport.post(
                url,
                json=body,
                # Every backend POST needs one; a fresh key gets a fresh token.
                headers={"Idempotency-Key": f"chat-login-{uuid.uuid4()}"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise ChatError(
                f"cannot reach the payments backend at {self.backend_url} ({error})"
            ) from error
        if response.status_code == 401:
            raise LoginError(
                f"the backend refused the login of {self.credentials.email}"
            )
        if response.status_code != 200:
            raise ChatError(f"login failed with HTTP {response.status_code}")
        session = response.json()
        self.customer_id = session["customer_id"]
        self._token = session["token"]
        self._expires_at = parse_timestamp(session["expires_at"])

    def send(self, text: str) -> List[Dict[str, Any]]:
        """Sends one user message and returns the bot's messages.

        Args:
            text: What the user typed (or a button payload).

        Returns:
            The REST channel's messages (`text`, `buttons`, `image`, `custom`, ...).

        Raises:
            RasaUnavailable: The Rasa server did not answer.
            ChatError: A failed re-login or an unexpected HTTP status.
        """
        self._refresh_if_expiring()
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        url = f"{self.rasa_url}{WEBHOOK_PATH}"
        body = {"sender": self.sender_id, "message": text}
        try:
            response = self.transport.post(
                url, json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise RasaUnavailable(
                f"the Rasa server at {self.rasa_url} does not answer ({error}); "
                "is the stack running (make run)?"
            ) from error
        if response.status_code != 200:
            raise ChatError(f"the Rasa server answered HTTP {response.status_code}")
        return list(response.json())

    def _refresh_if_expiring(self) -> None:
        if self._expires_at is None:
            return
        if self.clock() >= self._expires_at - REFRESH_MARGIN:
            self.login()

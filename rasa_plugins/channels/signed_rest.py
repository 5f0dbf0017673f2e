"""REST channel that trusts only a backend-signed customer identity, never the body."""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from rasa_plugins import settings
from rasa_plugins.channels.credentials import slash_guard_from, verifier_from
from rasa_plugins.channels.guards import ChannelGuards
from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.repeated_messages import (
    CLIENT_MESSAGE_ID,
    IDEMPOTENCY_KEY_HEADER,
    client_message_id,
)
from rasa_plugins.channels.slash_guard import SlashGuard, agent_of

logger = logging.getLogger(__name__)


class SignedRestInput(RestInput):
    """Rasa's REST webhook (`/webhooks/rest/webhook`) with verified customer identity.

    The customer is taken from `Authorization: Bearer <JWT>` issued by the payments
    backend's login. The message metadata carries `verified_customer_id` for a
    valid token, `identity_error` ("expired" or "invalid") for a bad one, and is
    empty without a token. Client-sent `metadata` is ignored so that it can never
    claim an identity. Typed `/intent{...}` messages only pass when they are a
    button the bot offered (see `slash_guard`); each sender has a message rate
    (see `rate_limit`), a turn that stays silent gets an apology within
    seconds (see `never_silent`), and a request sent again with the same
    `Idempotency-Key` header gets the first one's answer instead of a second
    turn (see `repeated_messages`).

    Configured in `credentials.yml`:

    ```yaml
    rasa_plugins.channels.signed_rest.SignedRestInput:
      signing_key: ...          # optional; IDENTITY_SIGNING_KEY by default
      audience: payments-assistant
      issuer: payments-backend
      allowed_slash_commands: []  # `/...` texts accepted without a button
    ```
    """

    def __init__(
        self,
        verifier: Optional[IdentityVerifier] = None,
        slash_guard: Optional[SlashGuard] = None,
        guards: Optional[ChannelGuards] = None,
    ) -> None:
        """Creates the channel.

        Args:
            verifier: Token verifier; one with the configured signing key by default.
            slash_guard: Guard against typed intents; accepts no extra commands by
                default.
            guards: All guards of the channel; by default the configured ones
                around `slash_guard`.
        """
        self.verifier = verifier or IdentityVerifier(settings.identity_signing_key())
        self.guards = guards or ChannelGuards.from_settings(slash_guard or SlashGuard())
        self.slash_guard = self.guards.slash_guard
        if self.verifier.signing_key == settings.DEFAULT_IDENTITY_SIGNING_KEY:
            logger.warning(
                "SignedRestInput uses the development identity signing key; "
                "set IDENTITY_SIGNING_KEY outside development."
            )

    @classmethod
    def name(cls) -> Text:
        """Keeps the REST channel's name, hence its URL `/webhooks/rest/webhook`."""
        return "rest"

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "SignedRestInput":
        """Builds the channel from its `credentials.yml` section.

        Args:
            credentials: Optional `signing_key`, `audience`, `issuer` and
                `allowed_slash_commands`.

        Returns:
            The configured channel.
        """
        credentials = credentials or {}
        return cls(verifier_from(credentials), slash_guard_from(credentials))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's REST blueprint whose messages pass the channel's guards first.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint to register on the Rasa server.
        """
        rest_blueprint = super().blueprint(
            self.guards.wrap(on_new_message, lambda: agent_of(rest_blueprint))
        )
        return rest_blueprint

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Returns identity metadata from the bearer token, ignoring the body's.

        Args:
            request: The incoming webhook request.

        Returns:
            Metadata for the `UserMessage` (see `IdentityVerifier.metadata_for`),
            plus the client's message key for the repeated-message guard, which
            removes it before the message is stored.
        """
        metadata = self.verifier.metadata_for(request.headers.get("Authorization"))
        key = client_message_id(request.headers.get(IDEMPOTENCY_KEY_HEADER))
        if key is None:
            return metadata
        return {**(metadata or {}), CLIENT_MESSAGE_ID: key}

    def _extract_input_channel(self, request: Request) -> Text:
        # Clients may not pose as another channel; the tracker always says "rest".
        return self.name()


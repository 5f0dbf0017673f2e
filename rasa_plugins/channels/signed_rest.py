"""REST channel that trusts only a backend-signed customer identity, never the body."""

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from rasa_plugins import settings
from rasa_plugins.channels.identity import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    IdentityVerifier,
)

logger = logging.getLogger(__name__)


class SignedRestInput(RestInput):
    """Rasa's REST webhook (`/webhooks/rest/webhook`) with verified customer identity.

    The customer is taken from `Authorization: Bearer <JWT>` issued by the payments
    backend's login. The message metadata carries `verified_customer_id` for a
    valid token, `identity_error` ("expired" or "invalid") for a bad one, and is
    empty without a token. Client-sent `metadata` is ignored so that it can never
    claim an identity.

    Configured in `credentials.yml`:

    ```yaml
    rasa_plugins.channels.signed_rest.SignedRestInput:
      signing_key: ...          # optional; IDENTITY_SIGNING_KEY by default
      audience: payments-assistant
      issuer: payments-backend
    ```
    """

    def __init__(self, verifier: Optional[IdentityVerifier] = None) -> None:
        """Creates the channel.

        Args:
            verifier: Token verifier; one with the configured signing key by default.
        """
        self.verifier = verifier or IdentityVerifier(settings.identity_signing_key())
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
            credentials: Optional `signing_key`, `audience` and `issuer`.

        Returns:
            The configured channel.
        """
        credentials = credentials or {}
        verifier = IdentityVerifier(
            signing_key=credentials.get("signing_key")
            or settings.identity_signing_key(),
            audience=credentials.get("audience") or DEFAULT_AUDIENCE,
            issuer=credentials.get("issuer") or DEFAULT_ISSUER,
        )
        return cls(verifier)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Returns identity metadata from the bearer token, ignoring the body's.

        Args:
            request: The incoming webhook request.

        Returns:
            Metadata for the `UserMessage` (see `IdentityVerifier.metadata_for`).
        """
        return self.verifier.metadata_for(request.headers.get("Authorization"))

    def _extract_input_channel(self, request: Request) -> Text:
        # Clients may not pose as another channel; the tracker always says "rest".
        return self.name()

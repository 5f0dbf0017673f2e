"""Builds the channels' dependencies from their `credentials.yml` sections."""

from typing import Any, Dict, Text

from rasa_plugins import settings
from rasa_plugins.channels.identity import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    IdentityVerifier,
)
from rasa_plugins.channels.slash_guard import SlashGuard


def verifier_from(credentials: Dict[Text, Any]) -> IdentityVerifier:
    """Builds the token verifier of a channel.

    Args:
        credentials: Optional `signing_key`, `audience` and `issuer`.

    Returns:
        The verifier; the signing key defaults to `IDENTITY_SIGNING_KEY`.
    """
    return IdentityVerifier(
        signing_key=credentials.get("signing_key") or settings.identity_signing_key(),
        audience=credentials.get("audience") or DEFAULT_AUDIENCE,
        issuer=credentials.get("issuer") or DEFAULT_ISSUER,
    )


def slash_guard_from(credentials: Dict[Text, Any]) -> SlashGuard:
    """Builds the slash guard of a channel.

    Args:
        credentials: Optional `allowed_slash_commands`, a list of `/...` texts
            accepted without an offering button (e.g. `/session_start`).

    Returns:
        The guard.
    """
    allowed = credentials.get("allowed_slash_commands") or []
    return SlashGuard(frozenset(str(command).strip() for command in allowed))

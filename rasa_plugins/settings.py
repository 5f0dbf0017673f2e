"""Environment settings of the Rasa plugins (the only module here reading env vars)."""

import os
from typing import Mapping, Optional

IDENTITY_SIGNING_KEY_VARIABLE = "IDENTITY_SIGNING_KEY"
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"


def identity_signing_key(environ: Optional[Mapping[str, str]] = None) -> str:
    """Returns the HS256 key that customer identity tokens are signed with.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `IDENTITY_SIGNING_KEY`, or the development default when it is unset or empty.
    """
    source = os.environ if environ is None else environ
    return source.get(IDENTITY_SIGNING_KEY_VARIABLE) or DEFAULT_IDENTITY_SIGNING_KEY


WEBCHAT_BACKEND_URL_VARIABLE = "WEBCHAT_BACKEND_URL"
BACKEND_URL_VARIABLE = "BACKEND_URL"
DEFAULT_WEBCHAT_BACKEND_URL = "http://127.0.0.1:8080"


def webchat_backend_url(environ: Optional[Mapping[str, str]] = None) -> str:
    """Returns the payments backend URL that the web chat page logs customers in at.

    The browser calls it, so it is the backend's public address, which may differ
    from the one the action server uses.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `WEBCHAT_BACKEND_URL`, else `BACKEND_URL`, else the local development backend.
    """
    source = os.environ if environ is None else environ
    return (
        source.get(WEBCHAT_BACKEND_URL_VARIABLE)
        or source.get(BACKEND_URL_VARIABLE)
        or DEFAULT_WEBCHAT_BACKEND_URL
    )

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

"""Identifiers for newly created objects."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """Return a new random identifier such as ``RF-3FA29C1B``.

    Args:
        prefix: Short upper-case object prefix (``RF``, ``PAY``, ``EXT`` ...).

    Returns:
        The identifier.
    """
    return f"{prefix}-{secrets.token_hex(4).upper()}"

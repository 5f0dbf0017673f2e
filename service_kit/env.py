"""Parsers of environment values for the services' settings modules.

They take the raw string and the variable's name (for the error message); reading the
environment stays in each service's settings module.
"""

from __future__ import annotations

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean environment value.

    Args:
        name: Variable name, used in the error message.
        raw: The raw value.

    Returns:
        The parsed boolean.

    Raises:
        ValueError: If the value is not a recognised boolean word.
    """
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be one of true/false/1/0/yes/no, got {raw!r}")


def parse_origins(name: str, raw: str) -> tuple[str, ...]:
    """Parse a comma-separated list of browser origins.

    Args:
        name: Variable name, used in the error message.
        raw: The raw value, e.g. ``http://localhost:5005,https://chat.example.com``.

    Returns:
        The origins without trailing slashes; empty when the value is blank.

    Raises:
        ValueError: If an entry is neither ``*`` nor an ``http(s)://`` origin.
    """
    origins = []
    for part in raw.split(","):
        origin = part.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"{name} entries must start with http:// or https://, got {origin!r}")
        origins.append(origin)
    return tuple(origins)


def parse_float(name: str, raw: str, minimum: float) -> float:
    """Parse a number (e.g. of seconds).

    Args:
        name: Variable name, used in the error message.
        raw: The raw value.
        minimum: Smallest accepted value.

    Returns:
        The number.

    Raises:
        ValueError: If the value is not a number or is below ``minimum``.
    """
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {raw!r}")
    return value

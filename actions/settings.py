"""Settings of the action server: the only module of the Rasa side reading env vars.

Everything else receives a `Settings` (or the values it needs) as an argument, so
tests and callers never have to patch the process environment.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_BACKEND_URL = "http://127.0.0.1:8080"
DEFAULT_BACKEND_API_KEY = "dev-backend-key"
DEFAULT_BACKEND_TIMEOUT_SECONDS = 4.0
DEFAULT_BACKEND_RETRIES = 2
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"

# Rasa holds a 60 s lock per conversation while actions run; every backend call,
# retries included, has to finish well inside it.
BACKEND_CALL_BUDGET_SECONDS = 45.0
MAX_BACKEND_RETRIES = 5


@dataclass(frozen=True)
class Settings:
    """Configuration of the action server.

    Attributes:
        backend_url: Base URL of the payments backend, without trailing slash.
        backend_api_key: Service key sent as `Authorization: Bearer <key>`.
        backend_timeout_seconds: Connect and read timeout of one backend request.
        backend_retries: Automatic retries of safe (GET) requests.
        identity_signing_key: HS256 key of the customer identity tokens.
    """

    backend_url: str = DEFAULT_BACKEND_URL
    # Secrets stay out of repr() so a logged Settings never leaks them.
    backend_api_key: str = field(default=DEFAULT_BACKEND_API_KEY, repr=False)
    backend_timeout_seconds: float = DEFAULT_BACKEND_TIMEOUT_SECONDS
    backend_retries: int = DEFAULT_BACKEND_RETRIES
    identity_signing_key: str = field(default=DEFAULT_IDENTITY_SIGNING_KEY, repr=False)

    def __post_init__(self) -> None:
        """Validates the values, whoever built the settings."""
        _check_url("BACKEND_URL", self.backend_url)
        if not self.backend_api_key:
            raise ValueError("BACKEND_API_KEY must not be empty.")
        if not self.identity_signing_key:
            raise ValueError("IDENTITY_SIGNING_KEY must not be empty.")
        timeout = self.backend_timeout_seconds
        if not math.isfinite(timeout) or timeout <= 0:
            raise ValueError(
                f"BACKEND_TIMEOUT_SECONDS must be a positive number of seconds, "
                f"got {timeout!r}."
            )
        if not 0 <= self.backend_retries <= MAX_BACKEND_RETRIES:
            raise ValueError(
                f"BACKEND_RETRIES must be between 0 and {MAX_BACKEND_RETRIES}, "
                f"got {self.backend_retries!r}."
            )
        worst_case = timeout * (self.backend_retries + 1)
        if worst_case > BACKEND_CALL_BUDGET_SECONDS:
            raise ValueError(
                f"BACKEND_TIMEOUT_SECONDS x (BACKEND_RETRIES + 1) = {worst_case:g} s "
                f"exceeds the {BACKEND_CALL_BUDGET_SECONDS:g} s budget that keeps a "
                f"backend call inside Rasa's 60 s conversation lock."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Reads the settings from environment variables.

        Unset or empty variables take their development default.

        Args:
            environ: Environment to read; the process environment by default.

        Returns:
            The validated settings.

        Raises:
            ValueError: A variable holds an invalid value; the message names it.
        """
        return cls(
            backend_url=_text(environ, "BACKEND_URL", DEFAULT_BACKEND_URL).rstrip("/"),
            backend_api_key=_text(environ, "BACKEND_API_KEY", DEFAULT_BACKEND_API_KEY),
            backend_timeout_seconds=_number(
                environ, "BACKEND_TIMEOUT_SECONDS", DEFAULT_BACKEND_TIMEOUT_SECONDS
            ),
            backend_retries=_integer(environ, "BACKEND_RETRIES", DEFAULT_BACKEND_RETRIES),
            identity_signing_key=_text(
                environ, "IDENTITY_SIGNING_KEY", DEFAULT_IDENTITY_SIGNING_KEY
            ),
        )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Returns the process-wide settings, read from the environment once.

    Returns:
        The cached `Settings`; call `get_settings.cache_clear()` to re-read.
    """
    return Settings.from_env()


def _raw(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _text(environ: Mapping[str, str], name: str, default: str) -> str:
    return _raw(environ, name) or default


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = _raw(environ, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {raw!r}.")
    return value


def _integer(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _raw(environ, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}.") from None


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL like {DEFAULT_BACKEND_URL}, got {url!r}.")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not carry a query or fragment, got {url!r}.")

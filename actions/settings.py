"""Settings of the action server: the only module of the Rasa side reading env vars.

Everything else receives a `Settings` (or the values it needs) as an argument, so
tests and callers never have to patch the process environment.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

import yaml

from actions.handoff.config import HandoffConfig, parse_handoff_config

DEFAULT_BACKEND_URL = "http://127.0.0.1:8080"
DEFAULT_BACKEND_API_KEY = "dev-backend-key"
# A frozen backend costs one read timeout (never retried); the action's honest
# answer must still come before the channels' 4 s reply deadline.
DEFAULT_BACKEND_TIMEOUT_SECONDS = 2.0
DEFAULT_BACKEND_RETRIES = 2
DEFAULT_BACKEND_BREAKER_FAILURES = 5
DEFAULT_BACKEND_BREAKER_RESET_SECONDS = 30.0
DEFAULT_ACTION_SERVER_TOKEN = "dev-action-server-token"
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"
DEFAULT_DESK_URL = "http://127.0.0.1:8090"
DEFAULT_DESK_API_KEY = "dev-desk-key"
DEFAULT_DESK_TIMEOUT_SECONDS = 3.0
#: Relative paths are relative to the action server's working directory.
DEFAULT_HANDOFF_OUTBOX_PATH = "var/handoff-outbox.sqlite3"
DEFAULT_HANDOFF_OUTBOX_RETRY_MAX_SECONDS = 30.0
DEFAULT_HANDOFF_LANGUAGE = "en"
DEFAULT_HANDOFF_CONFIG_PATH = Path(__file__).resolve().parent.parent / "handoff.yml"
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")

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
        desk_url: Base URL of the agent desk, without trailing slash.
        desk_api_key: Service key sent to the desk as `Authorization: Bearer <key>`.
        desk_timeout_seconds: Connect and read timeout of one desk request.
        handoff_outbox_path: SQLite file keeping tickets the desk could not take yet.
        handoff_outbox_retry_max_seconds: Longest wait between two deliveries of a
            kept ticket (the backoff doubles up to it).
        handoff_language: Language tag sent with every ticket, e.g. `en`.
        handoff: The handoff triggers of `handoff.yml`.
        backend_breaker_failures: Consecutive backend faults (timeouts, connection
            errors, 5xx) that open the circuit breaker.
        backend_breaker_reset_seconds: How long the open breaker fails fast before
            it lets a trial call through.
        action_server_token: Shared secret Rasa must present to the action server.
    """

    backend_url: str = DEFAULT_BACKEND_URL
    # Secrets stay out of repr() so a logged Settings never leaks them.
    backend_api_key: str = field(default=DEFAULT_BACKEND_API_KEY, repr=False)
    backend_timeout_seconds: float = DEFAULT_BACKEND_TIMEOUT_SECONDS
    backend_retries: int = DEFAULT_BACKEND_RETRIES
    identity_signing_key: str = field(default=DEFAULT_IDENTITY_SIGNING_KEY, repr=False)
    desk_url: str = DEFAULT_DESK_URL
    desk_api_key: str = field(default=DEFAULT_DESK_API_KEY, repr=False)
    desk_timeout_seconds: float = DEFAULT_DESK_TIMEOUT_SECONDS
    handoff_outbox_path: str = DEFAULT_HANDOFF_OUTBOX_PATH
    handoff_outbox_retry_max_seconds: float = DEFAULT_HANDOFF_OUTBOX_RETRY_MAX_SECONDS
    handoff_language: str = DEFAULT_HANDOFF_LANGUAGE
    handoff: HandoffConfig = field(default_factory=HandoffConfig.default)
    backend_breaker_failures: int = DEFAULT_BACKEND_BREAKER_FAILURES
    backend_breaker_reset_seconds: float = DEFAULT_BACKEND_BREAKER_RESET_SECONDS
    action_server_token: str = field(default=DEFAULT_ACTION_SERVER_TOKEN, repr=False)

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
        if self.backend_breaker_failures < 1:
            raise ValueError(
                f"BACKEND_BREAKER_FAILURES must be at least 1, "
                f"got {self.backend_breaker_failures!r}."
            )
        reset = self.backend_breaker_reset_seconds
        if not math.isfinite(reset) or reset <= 0:
            raise ValueError(
                f"BACKEND_BREAKER_RESET_SECONDS must be a positive number of seconds, "
                f"got {reset!r}."
            )
        if not self.action_server_token:
            raise ValueError("ACTION_SERVER_TOKEN must not be empty.")
        _check_url("DESK_URL", self.desk_url)
        if not self.desk_api_key:
            raise ValueError("DESK_API_KEY must not be empty.")
        desk_timeout = self.desk_timeout_seconds
        if not math.isfinite(desk_timeout) or not 0 < desk_timeout <= BACKEND_CALL_BUDGET_SECONDS:
            raise ValueError(
                f"DESK_TIMEOUT_SECONDS must be a positive number of seconds up to "
                f"{BACKEND_CALL_BUDGET_SECONDS:g}, got {desk_timeout!r}."
            )
        if not self.handoff_outbox_path.strip():
            raise ValueError("HANDOFF_OUTBOX_PATH must not be empty.")
        retry_max = self.handoff_outbox_retry_max_seconds
        if not math.isfinite(retry_max) or retry_max <= 0:
            raise ValueError(
                f"HANDOFF_OUTBOX_RETRY_MAX_SECONDS must be a positive number of seconds, "
                f"got {retry_max!r}."
            )
        if not _LANGUAGE_TAG.fullmatch(self.handoff_language):
            raise ValueError(
                f"HANDOFF_LANGUAGE must be a language tag like en or de-DE, "
                f"got {self.handoff_language!r}."
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
            desk_url=_text(environ, "DESK_URL", DEFAULT_DESK_URL).rstrip("/"),
            desk_api_key=_text(environ, "DESK_API_KEY", DEFAULT_DESK_API_KEY),
            desk_timeout_seconds=_number(
                environ, "DESK_TIMEOUT_SECONDS", DEFAULT_DESK_TIMEOUT_SECONDS
            ),
            handoff_outbox_path=_text(
                environ, "HANDOFF_OUTBOX_PATH", DEFAULT_HANDOFF_OUTBOX_PATH
            ),
            handoff_outbox_retry_max_seconds=_number(
                environ,
                "HANDOFF_OUTBOX_RETRY_MAX_SECONDS",
                DEFAULT_HANDOFF_OUTBOX_RETRY_MAX_SECONDS,
            ),
            handoff_language=_text(environ, "HANDOFF_LANGUAGE", DEFAULT_HANDOFF_LANGUAGE),
            backend_breaker_failures=_integer(
                environ, "BACKEND_BREAKER_FAILURES", DEFAULT_BACKEND_BREAKER_FAILURES
            ),
            backend_breaker_reset_seconds=_number(
                environ,
                "BACKEND_BREAKER_RESET_SECONDS",
                DEFAULT_BACKEND_BREAKER_RESET_SECONDS,
            ),
            action_server_token=_text(
                environ, "ACTION_SERVER_TOKEN", DEFAULT_ACTION_SERVER_TOKEN
            ),
            handoff=load_handoff_config(
                Path(_text(environ, "HANDOFF_CONFIG_PATH", str(DEFAULT_HANDOFF_CONFIG_PATH)))
            ),
        )


def load_handoff_config(path: Path = DEFAULT_HANDOFF_CONFIG_PATH) -> HandoffConfig:
    """Reads and validates the handoff triggers (`handoff.yml`).

    Args:
        path: The YAML file.

    Returns:
        The triggers.

    Raises:
        ValueError: The file is missing, is not YAML, or is invalid; the message
            names the file and the entry.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(
            f"HANDOFF_CONFIG_PATH: cannot read the handoff triggers at {path} "
            f"({error.strerror or error})."
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML ({error}).") from None
    return parse_handoff_config(data, str(path))


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
        raise ValueError(f"{name} must be an http(s) URL like http://127.0.0.1:8080, got {url!r}.")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not carry a query or fragment, got {url!r}.")

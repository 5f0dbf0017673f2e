"""Service configuration: the only module that reads environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from service_kit.env import parse_bool, parse_float

PACKAGE_DIR = Path(__file__).resolve().parent
DESK_DIR = PACKAGE_DIR.parent
DEFAULT_SQLITE_PATH = DESK_DIR / "var" / "desk.db"
# Where `make run`'s Rasa keeps every conversation (endpoints.yml, TRACKER_STORE_DB).
DEFAULT_TRACKER_STORE_PATH = DESK_DIR.parent / "var" / "rasa-tracker.db"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the agent desk.

    Attributes:
        database_url: SQLAlchemy URL (SQLite file by default, or ``postgresql+psycopg://``).
        api_key: Bearer key of the action server (service routes).
        token_signing_key: HS256 key of the agents' console tokens.
        rasa_url: Base URL of Rasa's HTTP API.
        rasa_token: Rasa's ``--auth-token`` (sent as ``?token=``; empty: none).
        host: Interface the HTTP server binds to.
        port: TCP port the HTTP server listens on.
        seed: Whether to create the demo agents in an empty database at startup.
        opening_hours: When agents work, e.g. ``mon-fri 08:00-20:00; sat 09:00-14:00``.
        timezone: IANA zone the opening hours are written in.
        sync_interval_seconds: Pause between two transcript syncs (0 turns the sync off).
        rasa_timeout_seconds: Timeout of every call to Rasa.
        tracker_store_url: SQLAlchemy URL of Rasa's SQL tracker store, read (never
            written) for the insights.
    """

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    api_key: str = "dev-desk-key"
    token_signing_key: str = "dev-desk-token-signing-key-change-me"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    host: str = "127.0.0.1"
    port: int = 8090
    seed: bool = True
    opening_hours: str = "always"
    timezone: str = "UTC"
    sync_interval_seconds: float = 1.0
    rasa_timeout_seconds: float = 5.0
    tracker_store_url: str = f"sqlite:///{DEFAULT_TRACKER_STORE_PATH}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, falling back to the defaults.

        Args:
            environ: Mapping to read instead of ``os.environ`` (for tests).

        Returns:
            The settings.
        """
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            api_key=env.get("DESK_API_KEY") or defaults.api_key,
            token_signing_key=env.get("DESK_TOKEN_SIGNING_KEY") or defaults.token_signing_key,
            rasa_url=(env.get("RASA_URL") or defaults.rasa_url).rstrip("/"),
            rasa_token=env.get("RASA_TOKEN", defaults.rasa_token),
            host=env.get("DESK_HOST") or defaults.host,
            port=int(env.get("DESK_PORT") or defaults.port),
            seed=parse_bool("DESK_SEED", env["DESK_SEED"])
            if env.get("DESK_SEED")
            else defaults.seed,
            opening_hours=env.get("DESK_OPENING_HOURS") or defaults.opening_hours,
            timezone=env.get("DESK_TIMEZONE") or defaults.timezone,
            sync_interval_seconds=parse_float(
                "DESK_SYNC_INTERVAL_SECONDS", env["DESK_SYNC_INTERVAL_SECONDS"], 0.0
            )
            if env.get("DESK_SYNC_INTERVAL_SECONDS")
            else defaults.sync_interval_seconds,
            rasa_timeout_seconds=parse_float(
                "DESK_RASA_TIMEOUT_SECONDS", env["DESK_RASA_TIMEOUT_SECONDS"], 0.1
            )
            if env.get("DESK_RASA_TIMEOUT_SECONDS")
            else defaults.rasa_timeout_seconds,
            tracker_store_url=env.get("TRACKER_STORE_URL") or defaults.tracker_store_url,
        )

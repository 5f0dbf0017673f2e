"""Service configuration: the only module that reads environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from service_kit.env import parse_bool, parse_origins

PACKAGE_DIR = Path(__file__).resolve().parent
BACKEND_DIR = PACKAGE_DIR.parent
DEFAULT_SQLITE_PATH = BACKEND_DIR / "var" / "payments.db"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the payments backend.

    Attributes:
        database_url: SQLAlchemy URL (SQLite file by default, or ``postgresql+psycopg://``).
        api_key: Bearer key that service clients must present on ``/v1`` routes.
        identity_signing_key: HS256 key for the identity tokens issued at login.
        host: Interface the HTTP server binds to.
        port: TCP port the HTTP server listens on.
        seed: Whether to load the demo data into an empty database at startup.
        pages_base_url: Public base URL of customer-facing pages (invoices, card update).
        dev_outbox: Serve ``GET /v1/dev/outbox`` (development and tests only: it shows
            the e-mails the service "sent", one-time codes included).
        cors_origins: Browser origins allowed to call the service (empty: no CORS).
    """

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    api_key: str = "dev-backend-key"
    identity_signing_key: str = "dev-identity-signing-key-change-me"
    host: str = "127.0.0.1"
    port: int = 8080
    seed: bool = True
    pages_base_url: str = "https://pay.example.com"
    dev_outbox: bool = False
    cors_origins: tuple[str, ...] = ()

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
            api_key=env.get("BACKEND_API_KEY") or defaults.api_key,
            identity_signing_key=(env.get("IDENTITY_SIGNING_KEY") or defaults.identity_signing_key),
            host=env.get("BACKEND_HOST") or defaults.host,
            port=int(env.get("BACKEND_PORT") or defaults.port),
            seed=parse_bool("BACKEND_SEED", env["BACKEND_SEED"])
            if env.get("BACKEND_SEED")
            else defaults.seed,
            pages_base_url=(env.get("BACKEND_PAGES_BASE_URL") or defaults.pages_base_url).rstrip(
                "/"
            ),
            dev_outbox=parse_bool("BACKEND_DEV_OUTBOX", env["BACKEND_DEV_OUTBOX"])
            if env.get("BACKEND_DEV_OUTBOX")
            else defaults.dev_outbox,
            cors_origins=parse_origins("BACKEND_CORS_ORIGINS", env.get("BACKEND_CORS_ORIGINS", "")),
        )

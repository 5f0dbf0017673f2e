"""Service configuration: the only module that reads environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BACKEND_DIR = PACKAGE_DIR.parent
DEFAULT_SQLITE_PATH = BACKEND_DIR / "var" / "payments.db"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _parse_bool(name: str, raw: str) -> bool:
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


def _parse_origins(name: str, raw: str) -> tuple[str, ...]:
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
            seed=_parse_bool("BACKEND_SEED", env["BACKEND_SEED"])
            if env.get("BACKEND_SEED")
            else defaults.seed,
            pages_base_url=(env.get("BACKEND_PAGES_BASE_URL") or defaults.pages_base_url).rstrip(
                "/"
            ),
            dev_outbox=_parse_bool("BACKEND_DEV_OUTBOX", env["BACKEND_DEV_OUTBOX"])
            if env.get("BACKEND_DEV_OUTBOX")
            else defaults.dev_outbox,
            cors_origins=_parse_origins(
                "BACKEND_CORS_ORIGINS", env.get("BACKEND_CORS_ORIGINS", "")
            ),
        )

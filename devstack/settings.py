"""Environment settings of the dev stack (the only module here reading env vars)."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

DEFAULT_BACKEND_PORT = 8080
DEFAULT_ACTIONS_PORT = 5055
DEFAULT_RASA_PORT = 5005
DEFAULT_DESK_PORT = 8090
DEFAULT_DESK_API_KEY = "dev-desk-key"
DEFAULT_BACKEND_API_KEY = "dev-backend-key"
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"
DEFAULT_STARTUP_TIMEOUT = 300.0


@dataclass(frozen=True)
class StackSettings:
    """How to run the stack.

    Attributes:
        backend_port: Port of the payments backend (`BACKEND_PORT`).
        actions_port: Port of the action server (`ACTIONS_PORT`).
        rasa_port: Port of the Rasa server (`RASA_PORT`).
        database_url: Backend database (`DATABASE_URL`); `None`: the dev SQLite file.
        backend_api_key: Service key between actions and backend (`BACKEND_API_KEY`).
        identity_signing_key: Key of customer identity tokens (`IDENTITY_SIGNING_KEY`).
        model: Model archive (`ASSISTANT_MODEL`); `None`: the newest in `models/`.
        startup_timeout: Seconds each service may take to become healthy
            (`STACK_STARTUP_TIMEOUT`); loading the Rasa model is the slow part.
        rasa_auth_token: Token protecting the Rasa HTTP API (`RASA_AUTH_TOKEN`);
            random per run so nobody can inject tracker events that bypass the
            channel's identity check.
        desk_port: Port of the agent desk (`DESK_PORT`).
        desk_database_url: Agent desk database (`DESK_DATABASE_URL`); `None`: the
            dev SQLite file.
        desk_api_key: Service key between actions and desk (`DESK_API_KEY`).
        handoff_outbox_path: Where the action server keeps tickets the desk could
            not take yet (`HANDOFF_OUTBOX_PATH`); `None`: `var/handoff-outbox.sqlite3`.
        tracker_store_db: SQLite file of Rasa's tracker store, every conversation's
            events (`TRACKER_STORE_DB`); `None`: `var/rasa-tracker.db`.
        action_server_token: Shared secret Rasa presents to the action server
            (`ACTION_SERVER_TOKEN`); random per run.
    """

    backend_port: int = DEFAULT_BACKEND_PORT
    actions_port: int = DEFAULT_ACTIONS_PORT
    rasa_port: int = DEFAULT_RASA_PORT
    database_url: Optional[str] = None
    backend_api_key: str = DEFAULT_BACKEND_API_KEY
    identity_signing_key: str = DEFAULT_IDENTITY_SIGNING_KEY
    model: Optional[Path] = None
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    rasa_auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    desk_port: int = DEFAULT_DESK_PORT
    desk_database_url: Optional[str] = None
    desk_api_key: str = DEFAULT_DESK_API_KEY
    handoff_outbox_path: Optional[Path] = None
    tracker_store_db: Optional[Path] = None
    action_server_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "StackSettings":
        """Reads the settings from the environment, with the defaults above.

        Args:
            environ: Mapping to read instead of the process environment.

        Returns:
            The settings.

        Raises:
            ValueError: A port or the timeout is not a number.
        """
        env = os.environ if environ is None else environ
        model = env.get("ASSISTANT_MODEL")
        return cls(
            backend_port=_port(env, "BACKEND_PORT", DEFAULT_BACKEND_PORT),
            actions_port=_port(env, "ACTIONS_PORT", DEFAULT_ACTIONS_PORT),
            rasa_port=_port(env, "RASA_PORT", DEFAULT_RASA_PORT),
            database_url=env.get("DATABASE_URL") or None,
            backend_api_key=env.get("BACKEND_API_KEY") or DEFAULT_BACKEND_API_KEY,
            identity_signing_key=(
                env.get("IDENTITY_SIGNING_KEY") or DEFAULT_IDENTITY_SIGNING_KEY
            ),
            model=Path(model) if model else None,
            startup_timeout=float(
                env.get("STACK_STARTUP_TIMEOUT") or DEFAULT_STARTUP_TIMEOUT
            ),
            rasa_auth_token=env.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24),
            desk_port=_port(env, "DESK_PORT", DEFAULT_DESK_PORT),
            desk_database_url=env.get("DESK_DATABASE_URL") or None,
            desk_api_key=env.get("DESK_API_KEY") or DEFAULT_DESK_API_KEY,
            handoff_outbox_path=(
                Path(env["HANDOFF_OUTBOX_PATH"]) if env.get("HANDOFF_OUTBOX_PATH") else None
            ),
            tracker_store_db=(
                Path(env["TRACKER_STORE_DB"]) if env.get("TRACKER_STORE_DB") else None
            ),
            action_server_token=(
                env.get("ACTION_SERVER_TOKEN") or secrets.token_urlsafe(24)
            ),
        )


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"{name} must be between 1 and 65535, got {port}")
    return port

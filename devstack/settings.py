"""Environment settings of the dev stack (the only module here reading env vars)."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple
from urllib.parse import quote

DEFAULT_BACKEND_PORT = 8080
DEFAULT_ACTIONS_PORT = 5055
DEFAULT_RASA_PORT = 5005
DEFAULT_DESK_PORT = 8090
DEFAULT_DESK_API_KEY = "dev-desk-key"
DEFAULT_BACKEND_API_KEY = "dev-backend-key"
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"
DEFAULT_STARTUP_TIMEOUT = 300.0
DEFAULT_PROFILE = "default"
PRODUCTION_PROFILE = "production"
PROFILES = (DEFAULT_PROFILE, PRODUCTION_PROFILE)
DEFAULT_RASA_REPLICAS = 2
MAX_RASA_REPLICAS = 8
DEFAULT_RASA_REPLICA_BASE_PORT = 5006


@dataclass(frozen=True)
class InfraSettings:
    """The shared services of the production profile: PostgreSQL, Redis, RabbitMQ.

    Attributes:
        tracker_db_host: PostgreSQL host of Rasa's tracker store (`TRACKER_DB_HOST`).
        tracker_db_port: Its port (`TRACKER_DB_PORT`).
        tracker_db_name: The database (`TRACKER_DB_NAME`); `make run` creates it
            when missing.
        tracker_db_user: PostgreSQL user (`TRACKER_DB_USER`).
        tracker_db_password: Its password (`TRACKER_DB_PASSWORD`); empty: none
            (trust or peer authentication).
        redis_host: Redis host of the lock store and socket.io's pub/sub (`REDIS_HOST`).
        redis_port: Its port (`REDIS_PORT`).
        redis_lock_db: Redis database of the conversation locks (`REDIS_LOCK_DB`).
        redis_password: Redis password (`REDIS_PASSWORD`); empty: none.
        redis_key_prefix: Prefix of the lock keys, letters and digits only
            (`REDIS_KEY_PREFIX`).
        socketio_channel: Redis pub/sub channel the replicas' socket.io servers
            share (`SOCKETIO_REDIS_CHANNEL`).
        rabbitmq_host: RabbitMQ host of the event broker (`RABBITMQ_HOST`).
        rabbitmq_port: Its port (`RABBITMQ_PORT`).
        rabbitmq_user: RabbitMQ user (`RABBITMQ_USER`).
        rabbitmq_password: Its password (`RABBITMQ_PASSWORD`).
        rabbitmq_queue: Durable queue receiving every event (`RABBITMQ_QUEUE`).
        rabbitmq_exchange: Fanout exchange the replicas publish to (`RABBITMQ_EXCHANGE`).
    """

    tracker_db_host: str = "127.0.0.1"
    tracker_db_port: int = 5432
    tracker_db_name: str = "rasa_tracker"
    tracker_db_user: str = "postgres"
    tracker_db_password: str = ""
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_lock_db: int = 1
    redis_password: str = ""
    redis_key_prefix: str = "payments"
    socketio_channel: str = "payments-socketio"
    rabbitmq_host: str = "127.0.0.1"
    rabbitmq_port: int = 5672
    rabbitmq_user: str = "guest"
    rabbitmq_password: str = "guest"
    rabbitmq_queue: str = "rasa_events"
    rabbitmq_exchange: str = "rasa-exchange"

    def tracker_db_url(self, driver: str = "postgresql", database: Optional[str] = None) -> str:
        """SQLAlchemy URL of the tracker store (or of another database on its server).

        Args:
            driver: `postgresql` (psycopg2, the Rasa environment) or
                `postgresql+psycopg` (psycopg 3, the desk's environment).
            database: Another database of the same server (e.g. `postgres`).

        Returns:
            The URL, credentials escaped.
        """
        credentials = quote(self.tracker_db_user, safe="")
        if self.tracker_db_password:
            credentials += ":" + quote(self.tracker_db_password, safe="")
        return (
            f"{driver}://{credentials}@{self.tracker_db_host}:{self.tracker_db_port}/"
            f"{database or self.tracker_db_name}"
        )

    @property
    def socketio_redis_url(self) -> str:
        """Redis URL of socket.io's pub/sub (the lock store's server and database)."""
        password = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{password}{self.redis_host}:{self.redis_port}/{self.redis_lock_db}"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "InfraSettings":
        """Reads the settings from `env`, with the defaults above.

        Raises:
            ValueError: A port or database number is wrong, or the key prefix is
                not alphanumeric (Rasa would silently use its own).
        """
        defaults = cls()
        prefix = env.get("REDIS_KEY_PREFIX") or defaults.redis_key_prefix
        if not prefix.isalnum():
            raise ValueError(f"REDIS_KEY_PREFIX must be letters and digits, got {prefix!r}")
        return cls(
            tracker_db_host=env.get("TRACKER_DB_HOST") or defaults.tracker_db_host,
            tracker_db_port=_port(env, "TRACKER_DB_PORT", defaults.tracker_db_port),
            tracker_db_name=env.get("TRACKER_DB_NAME") or defaults.tracker_db_name,
            tracker_db_user=env.get("TRACKER_DB_USER") or defaults.tracker_db_user,
            tracker_db_password=env.get("TRACKER_DB_PASSWORD", ""),
            redis_host=env.get("REDIS_HOST") or defaults.redis_host,
            redis_port=_port(env, "REDIS_PORT", defaults.redis_port),
            redis_lock_db=_count(env, "REDIS_LOCK_DB", defaults.redis_lock_db, 0, 15),
            redis_password=env.get("REDIS_PASSWORD", ""),
            redis_key_prefix=prefix,
            socketio_channel=env.get("SOCKETIO_REDIS_CHANNEL") or defaults.socketio_channel,
            rabbitmq_host=env.get("RABBITMQ_HOST") or defaults.rabbitmq_host,
            rabbitmq_port=_port(env, "RABBITMQ_PORT", defaults.rabbitmq_port),
            rabbitmq_user=env.get("RABBITMQ_USER") or defaults.rabbitmq_user,
            rabbitmq_password=env.get("RABBITMQ_PASSWORD") or defaults.rabbitmq_password,
            rabbitmq_queue=env.get("RABBITMQ_QUEUE") or defaults.rabbitmq_queue,
            rabbitmq_exchange=env.get("RABBITMQ_EXCHANGE") or defaults.rabbitmq_exchange,
        )


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
        profile: `default` (one Rasa server, SQLite tracker store) or `production`
            (`STACK_PROFILE`; `make run PROFILE=production`): several Rasa replicas
            sharing PostgreSQL, Redis and RabbitMQ behind a round-robin proxy
            listening on `rasa_port`.
        rasa_replicas: Rasa replicas of the production profile (`RASA_REPLICAS`).
        rasa_replica_base_port: Port of the first replica; the next ones follow
            (`RASA_REPLICA_BASE_PORT`).
        infra: Where PostgreSQL, Redis and RabbitMQ are (production profile).
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
    profile: str = DEFAULT_PROFILE
    rasa_replicas: int = DEFAULT_RASA_REPLICAS
    rasa_replica_base_port: int = DEFAULT_RASA_REPLICA_BASE_PORT
    infra: InfraSettings = field(default_factory=InfraSettings)

    @property
    def production(self) -> bool:
        """Whether the production profile (replicas behind a proxy) is chosen."""
        return self.profile == PRODUCTION_PROFILE

    @property
    def rasa_replica_ports(self) -> Tuple[int, ...]:
        """Ports of the Rasa replicas of the production profile."""
        return tuple(self.rasa_replica_base_port + index for index in range(self.rasa_replicas))

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "StackSettings":
        """Reads the settings from the environment, with the defaults above.

        Args:
            environ: Mapping to read instead of the process environment.

        Returns:
            The settings.

        Raises:
            ValueError: A port or the timeout is not a number, or the profile is unknown.
        """
        env = os.environ if environ is None else environ
        model = env.get("ASSISTANT_MODEL")
        profile = (env.get("STACK_PROFILE") or DEFAULT_PROFILE).strip().lower()
        if profile not in PROFILES:
            raise ValueError(f"STACK_PROFILE must be one of {', '.join(PROFILES)}, got {profile!r}")
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
            profile=profile,
            rasa_replicas=_count(
                env, "RASA_REPLICAS", DEFAULT_RASA_REPLICAS, 1, MAX_RASA_REPLICAS
            ),
            rasa_replica_base_port=_port(
                env, "RASA_REPLICA_BASE_PORT", DEFAULT_RASA_REPLICA_BASE_PORT
            ),
            infra=InfraSettings.from_env(env),
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


def _count(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value

"""The three services of the assistant: payments backend, action server, Rasa server."""

from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

import requests

from devstack.paths import RepoPaths
from devstack.processes import Service
from devstack.settings import StackSettings

LOOPBACK = "127.0.0.1"
BACKEND_STARTUP_TIMEOUT = 60.0
DESK_STARTUP_TIMEOUT = 60.0
ACTIONS_STARTUP_TIMEOUT = 120.0
#: The action server's and Rasa's shared secret when none is given (as in actions/settings.py).
DEV_ACTION_SERVER_TOKEN = "dev-action-server-token"

# Unbuffered logs; no telemetry calls (offline machines); quieter TensorFlow.
_COMMON_ENV = {
    "PYTHONUNBUFFERED": "1",
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}

# One thread for NumPy's OpenBLAS in Rasa: its matrices are one message big, and
# idle BLAS threads spin, which doubled the CPU of each parse (35 -> 64 ms) and
# took it from the other services on 2 cores (docs/performance.md, change 7).
SINGLE_THREADED_MATH = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def url(port: int) -> str:
    """Base URL of a local service."""
    return f"http://{LOOPBACK}:{port}"


@dataclass(frozen=True)
class StackAddresses:
    """Where the started services answer.

    Attributes:
        backend_url: Payments backend base URL.
        actions_url: Action server base URL.
        rasa_url: Rasa server base URL.
        desk_url: Agent desk base URL (its console is at `/console/`).
    """

    backend_url: str
    actions_url: str
    rasa_url: str
    desk_url: str

    @property
    def webhook_url(self) -> str:
        """The REST channel's webhook."""
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @classmethod
    def for_settings(cls, settings: StackSettings) -> "StackAddresses":
        """Addresses of a stack run with `settings`."""
        return cls(
            backend_url=url(settings.backend_port),
            actions_url=url(settings.actions_port),
            rasa_url=url(settings.rasa_port),
            desk_url=url(settings.desk_port),
        )


def backend_service(
    paths: RepoPaths,
    port: int,
    database_url: str,
    api_key: str,
    identity_signing_key: str,
    browser_origins: Sequence[str] = (),
    timeout: float = BACKEND_STARTUP_TIMEOUT,
) -> Service:
    """The payments backend (FastAPI, its own Python 3.11 venv), in development mode.

    Development mode: one-time codes can be read from the outbox route (there is
    no mail server), and the web chat page's origin may call the login route.

    Args:
        paths: Repository paths.
        port: Listening port.
        database_url: SQLAlchemy URL; the backend seeds an empty database.
        api_key: Service key the action server presents.
        identity_signing_key: Key for the identity tokens issued at login.
        browser_origins: Origins allowed by CORS (the web chat page).
        timeout: Startup timeout in seconds.

    Returns:
        The service description.
    """
    return Service(
        name="backend",
        argv=[str(paths.backend_python), "-m", "payments_backend", "--port", str(port)],
        cwd=paths.backend_dir,
        env={
            "PYTHONUNBUFFERED": "1",
            # The backend imports the repository's `service_kit` and `redaction` packages.
            "PYTHONPATH": str(paths.root),
            "DATABASE_URL": database_url,
            "BACKEND_API_KEY": api_key,
            "IDENTITY_SIGNING_KEY": identity_signing_key,
            "BACKEND_HOST": LOOPBACK,
            "BACKEND_PORT": str(port),
            "BACKEND_DEV_OUTBOX": "true",
            "BACKEND_CORS_ORIGINS": ",".join(browser_origins),
        },
        health_url=f"{url(port)}/health",
        startup_timeout=timeout,
    )


def desk_service(
    paths: RepoPaths,
    port: int,
    database_url: str,
    api_key: str,
    rasa_url: str,
    rasa_auth_token: str,
    tracker_store_db: Optional[Path] = None,
    timeout: float = DESK_STARTUP_TIMEOUT,
    tracker_store_url: Optional[str] = None,
) -> Service:
    """The agent desk (FastAPI, the services' Python 3.11 venv) with demo agents.

    Args:
        paths: Repository paths.
        port: Listening port.
        database_url: SQLAlchemy URL of the desk's own database.
        api_key: Service key the action server presents.
        rasa_url: Rasa server the desk reads trackers from and sends replies through.
        rasa_auth_token: Token of Rasa's HTTP API.
        tracker_store_db: Rasa's SQLite tracker store, read (only) for the insights;
            `var/rasa-tracker.db` by default.
        timeout: Startup timeout in seconds.
        tracker_store_url: SQLAlchemy URL of Rasa's tracker store when it is not
            an SQLite file (the production profile's PostgreSQL); wins over
            `tracker_store_db`.

    Returns:
        The service description.
    """
    tracker_url = tracker_store_url or f"sqlite:///{tracker_store_db or paths.dev_tracker_store_db}"
    return Service(
        name="desk",
        argv=[str(paths.backend_python), "-m", "agent_desk", "--port", str(port)],
        cwd=paths.desk_dir,
        env={
            "PYTHONUNBUFFERED": "1",
            # The desk imports the repository's `redaction` and `service_kit` packages.
            "PYTHONPATH": str(paths.root),
            "DATABASE_URL": database_url,
            "DESK_API_KEY": api_key,
            "DESK_HOST": LOOPBACK,
            "DESK_PORT": str(port),
            "RASA_URL": rasa_url,
            "RASA_TOKEN": rasa_auth_token,
            "TRACKER_STORE_URL": tracker_url,
        },
        health_url=f"{url(port)}/health",
        startup_timeout=timeout,
    )


def action_server_service(
    paths: RepoPaths,
    port: int,
    backend_url: str,
    backend_api_key: str,
    identity_signing_key: str,
    desk_url: str = "",
    desk_api_key: str = "",
    handoff_outbox_path: Optional[Path] = None,
    timeout: float = ACTIONS_STARTUP_TIMEOUT,
    token: str = DEV_ACTION_SERVER_TOKEN,
) -> Service:
    """The action server (`python -m actions.server`): rasa_sdk behind a shared secret.

    Args:
        paths: Repository paths.
        port: Listening port.
        backend_url: Base URL of the payments backend.
        backend_api_key: Service key for the backend.
        identity_signing_key: Signs the identity grants of visitors verified by code.
        desk_url: Base URL of the agent desk.
        desk_api_key: Service key for the desk.
        handoff_outbox_path: Where tickets wait while the desk is down.
        timeout: Startup timeout in seconds.
        token: Shared secret every caller but `/health` must present.

    Returns:
        The service description.
    """
    return Service(
        name="actions",
        argv=[
            str(paths.rasa_venv / "bin" / "python"),
            "-m",
            "actions.server",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--actions",
            "actions",
        ],
        cwd=paths.root,
        env={
            **_COMMON_ENV,
            "PYTHONPATH": str(paths.root),
            "BACKEND_URL": backend_url,
            "BACKEND_API_KEY": backend_api_key,
            "IDENTITY_SIGNING_KEY": identity_signing_key,
            "DESK_URL": desk_url,
            "DESK_API_KEY": desk_api_key,
            "HANDOFF_OUTBOX_PATH": str(handoff_outbox_path or paths.dev_handoff_outbox),
            "ACTION_SERVER_TOKEN": token,
        },
        health_url=f"{url(port)}/health",
        startup_timeout=timeout,
    )


def is_model_loaded(response: requests.Response) -> bool:
    """Rasa is ready when `/status` names the loaded model file."""
    if response.status_code != 200:
        return False
    try:
        return bool(response.json().get("model_file"))
    except ValueError:
        return False


def rasa_service(
    paths: RepoPaths,
    port: int,
    model: Path,
    action_endpoint_url: str,
    identity_signing_key: str,
    auth_token: str,
    timeout: float,
    backend_url: str = "",
    tracker_store_db: Optional[Path] = None,
    action_server_token: str = DEV_ACTION_SERVER_TOKEN,
    endpoints_file: Optional[Path] = None,
    extra_env: Optional[Mapping[str, str]] = None,
    name: str = "rasa",
) -> Service:
    """The Rasa server with the HTTP API, the project's channels and the web chat page.

    Args:
        paths: Repository paths.
        port: Listening port.
        model: Trained model archive.
        action_endpoint_url: The action server's `/webhook`, used by `endpoints.yml`
            as `${ACTION_ENDPOINT_URL}`.
        identity_signing_key: Key the channel verifies customer tokens with.
        auth_token: Token required by the HTTP API (`?token=`).
        timeout: Seconds allowed for loading the model.
        backend_url: Where the web chat page logs customers in.
        tracker_store_db: SQLite file keeping every conversation (`endpoints.yml`'s
            `${TRACKER_STORE_DB}`); `var/rasa-tracker.db` by default.
        action_server_token: Secret presented to the action server
            (`endpoints.yml`'s `${ACTION_SERVER_TOKEN}`).
        endpoints_file: Endpoints to run with; `endpoints.yml` by default
            (the production profile passes `endpoints.production.yml`).
        extra_env: More environment variables (those the endpoints file reads).
        name: Service name (logs, stop/restart), e.g. `rasa-2` for a second replica.

    Returns:
        The service description.
    """
    # SQLite creates the file, not its directory: `var/` holds the logs, so it exists.
    tracker_db = tracker_store_db or paths.dev_tracker_store_db
    return Service(
        name=name,
        argv=[
            str(paths.rasa_executable),
            "run",
            "--enable-api",
            # One argument: a random token may start with "-" (argparse would
            # take it for an option).
            f"--auth-token={auth_token}",
            "--interface",
            LOOPBACK,
            "--port",
            str(port),
            "--model",
            str(model),
            "--endpoints",
            str(endpoints_file or paths.endpoints_file),
            "--credentials",
            str(paths.credentials_file),
            "--cors",
            "*",
        ],
        cwd=paths.root,
        env={
            **_COMMON_ENV,
            **SINGLE_THREADED_MATH,
            "PYTHONPATH": str(paths.root),
            "ACTION_ENDPOINT_URL": action_endpoint_url,
            "IDENTITY_SIGNING_KEY": identity_signing_key,
            "WEBCHAT_BACKEND_URL": backend_url,
            "TRACKER_STORE_DB": str(tracker_db),
            "ACTION_SERVER_TOKEN": action_server_token,
            **(extra_env or {}),
        },
        health_url=f"{url(port)}/status?token={auth_token}",
        is_ready=is_model_loaded,
        startup_timeout=timeout,
    )


def supporting_services(
    settings: StackSettings,
    paths: RepoPaths = RepoPaths(),
    tracker_store_url: Optional[str] = None,
) -> List[Service]:
    """The backend, agent desk and action server every profile runs, wired together.

    Args:
        settings: Ports, keys, databases and startup timeout.
        paths: Repository paths.
        tracker_store_url: Where the desk reads Rasa's conversations when not the
            SQLite file `settings.tracker_store_db` (the production profile's PostgreSQL).

    Returns:
        The services in start order; Rasa comes after them.
    """
    addresses = StackAddresses.for_settings(settings)
    return [
        backend_service(
            paths,
            settings.backend_port,
            settings.database_url or paths.dev_database_url,
            settings.backend_api_key,
            settings.identity_signing_key,
            browser_origins=(
                addresses.rasa_url,
                addresses.rasa_url.replace(LOOPBACK, "localhost"),
            ),
            timeout=settings.startup_timeout,
        ),
        desk_service(
            paths,
            settings.desk_port,
            settings.desk_database_url or paths.dev_desk_database_url,
            settings.desk_api_key,
            addresses.rasa_url,
            settings.rasa_auth_token,
            tracker_store_db=settings.tracker_store_db,
            tracker_store_url=tracker_store_url,
            timeout=settings.startup_timeout,
        ),
        action_server_service(
            paths,
            settings.actions_port,
            addresses.backend_url,
            settings.backend_api_key,
            settings.identity_signing_key,
            desk_url=addresses.desk_url,
            desk_api_key=settings.desk_api_key,
            handoff_outbox_path=settings.handoff_outbox_path,
            timeout=settings.startup_timeout,
            token=settings.action_server_token,
        ),
    ]


def stack_services(
    settings: StackSettings, model: Path, paths: RepoPaths = RepoPaths()
) -> List[Service]:
    """The backend, agent desk, action server and Rasa server, wired to each other.

    Args:
        settings: Ports, keys, database and startup timeout.
        model: Trained model archive for the Rasa server.
        paths: Repository paths.

    Returns:
        The services in start order.
    """
    addresses = StackAddresses.for_settings(settings)
    return [
        *supporting_services(settings, paths),
        rasa_service(
            paths,
            settings.rasa_port,
            model,
            f"{addresses.actions_url}/webhook",
            settings.identity_signing_key,
            settings.rasa_auth_token,
            timeout=settings.startup_timeout,
            backend_url=addresses.backend_url,
            tracker_store_db=settings.tracker_store_db,
            action_server_token=settings.action_server_token,
        ),
    ]

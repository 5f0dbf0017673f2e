"""A running assistant stack for integration tests, and helpers to talk to it."""

import contextlib
import dataclasses
import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.prerequisites import check_files, resolve_model
from devstack.processes import Stack
from devstack.services import StackAddresses, stack_services
from devstack.settings import StackSettings

DEMO_PASSWORD = "demo"
HTTP_TIMEOUT = 120.0  # a first Rasa turn can be slow on a busy machine


@dataclass
class RunningStack:
    """Addresses and keys of a started stack, plus helpers.

    Attributes:
        backend_url: Payments backend base URL.
        actions_url: Action server base URL.
        rasa_url: Rasa server base URL.
        rasa_auth_token: Token of the Rasa HTTP API (`?token=`).
        backend_api_key: Service key of the backend's `/v1` routes.
        identity_signing_key: Key signing (backend) and verifying (channel) tokens.
        model: The served model archive.
        log_dir: Where `<service>.log` files are written.
        desk_url: Agent desk base URL.
        desk_api_key: Service key of the desk's ticket routes.
    """

    backend_url: str
    actions_url: str
    rasa_url: str
    rasa_auth_token: str
    backend_api_key: str
    identity_signing_key: str
    model: Path
    log_dir: Path
    processes: Stack
    desk_url: str = ""
    desk_api_key: str = ""
    http: requests.Session = field(default_factory=requests.Session)

    @contextlib.contextmanager
    def backend_down(self) -> Iterator[None]:
        """The backend process is stopped inside the block and restarted after it."""
        self.processes.stop_service("backend")
        try:
            yield
        finally:
            self.processes.restart_service("backend")

    @contextlib.contextmanager
    def backend_frozen(self) -> Iterator[None]:
        """The backend accepts connections but answers nothing inside the block."""
        self.processes.freeze_service("backend", True)
        try:
            yield
        finally:
            self.processes.freeze_service("backend", False)

    @contextlib.contextmanager
    def desk_down(self) -> Iterator[None]:
        """The agent desk is stopped inside the block and restarted after it."""
        self.processes.stop_service("desk")
        try:
            yield
        finally:
            self.processes.restart_service("desk")

    def login(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """Logs a demo customer in at the backend and returns the identity token."""
        return str(self._login(email, password)["token"])

    def customer_id(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """The backend's id of a demo customer (e.g. `C1001` for Ada)."""
        return str(self._login(email, password)["customer_id"])

    def _login(self, email: str, password: str) -> Dict[str, Any]:
        response = self.http.post(
            f"{self.backend_url}/v1/auth/login",
            json={"email": email, "password": password},
            headers={"Idempotency-Key": f"test-login-{uuid.uuid4()}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return dict(response.json())

    def send(
        self,
        sender_id: str,
        text: str,
        token: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        """Sends a user message to the REST webhook and returns the bot's messages.

        Args:
            sender_id: Conversation id.
            text: User text or a `/intent{...}` payload.
            token: Identity token from `login`; anonymous when `None`.
            metadata: Body metadata, which the channel must ignore (for tests of that).
        """
        body: Dict[str, Any] = {"sender": sender_id, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json=body,
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender_id: str) -> Dict[str, Any]:
        """The Rasa tracker of a conversation (slots, events, latest message)."""
        response = self.http.get(
            f"{self.rasa_url}/conversations/{sender_id}/tracker",
            params={"token": self.rasa_auth_token},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return dict(response.json())

    def backend_get(self, path: str, customer_id: Optional[str] = None) -> Any:
        """GETs a backend route as the action server would; returns the JSON body."""
        headers = {"Authorization": f"Bearer {self.backend_api_key}"}
        if customer_id:
            headers["X-Customer-Id"] = customer_id
        response = self.http.get(
            f"{self.backend_url}{path}", headers=headers, timeout=HTTP_TIMEOUT
        )
        response.raise_for_status()
        return response.json()


def integration_settings(work_dir: Path) -> StackSettings:
    """Settings for a test stack: free ports, a fresh identity key, fresh databases.

    The backend's and the desk's SQLite files, Rasa's tracker store and the
    handoff outbox live in `work_dir`.

    `ASSISTANT_MODEL`, `STACK_STARTUP_TIMEOUT` and `BACKEND_API_KEY` (which test
    code building its own backend client relies on) still come from the environment.
    """
    return dataclasses.replace(
        StackSettings.from_env(),
        backend_port=find_free_port(),
        actions_port=find_free_port(),
        rasa_port=find_free_port(),
        desk_port=find_free_port(),
        database_url=f"sqlite:///{work_dir / 'payments.db'}",
        desk_database_url=f"sqlite:///{work_dir / 'desk.db'}",
        handoff_outbox_path=work_dir / "handoff-outbox.sqlite3",
        tracker_store_db=work_dir / "rasa-tracker.db",
        identity_signing_key=secrets.token_urlsafe(32),
    )


#: Shorter waits than production so the tests of the desk's outage and transcript
#: sync finish quickly; the behaviour is the same.
TEST_SERVICE_ENV = {
    "HANDOFF_OUTBOX_RETRY_MAX_SECONDS": "2",
    "DESK_SYNC_INTERVAL_SECONDS": "0.5",
}


def stack_fields(
    settings: StackSettings, model: Path, log_dir: Path, processes: Stack
) -> Dict[str, Any]:
    """The `RunningStack` fields of a stack started with `settings` (any profile).

    Args:
        settings: The settings the stack was started with.
        model: The served model archive.
        log_dir: Where the services' logs are.
        processes: The running processes.

    Returns:
        Keyword arguments for `RunningStack` or a subclass.
    """
    addresses = StackAddresses.for_settings(settings)
    return dict(
        backend_url=addresses.backend_url,
        actions_url=addresses.actions_url,
        rasa_url=addresses.rasa_url,
        rasa_auth_token=settings.rasa_auth_token,
        backend_api_key=settings.backend_api_key,
        identity_signing_key=settings.identity_signing_key,
        model=model,
        log_dir=log_dir,
        processes=processes,
        desk_url=addresses.desk_url,
        desk_api_key=settings.desk_api_key,
    )


@contextlib.contextmanager
def running_stack(
    work_dir: Path, paths: RepoPaths = RepoPaths()
) -> Iterator[RunningStack]:
    """Starts backend, agent desk (fresh SQLite in `work_dir`), action server, Rasa.

    Args:
        work_dir: Empty directory for the test databases and the handoff outbox.
        paths: Repository paths.

    Yields:
        The running stack; everything is stopped when the block exits.

    Raises:
        PrerequisiteError: No model or a missing environment.
        ServiceStartError: A service did not start (with its log tail).
    """
    settings = integration_settings(work_dir)
    check_files(paths)
    model = resolve_model(settings, paths)
    log_dir = paths.log_dir / "integration"
    base_env = {**os.environ, **TEST_SERVICE_ENV}
    with Stack(
        stack_services(settings, model, paths),
        log_dir,
        handle_signals=False,
        base_env=base_env,
    ) as processes:
        yield RunningStack(**stack_fields(settings, model, log_dir, processes))

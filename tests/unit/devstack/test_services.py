"""Tests of the service builders' wiring."""

import dataclasses
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from devstack.paths import RepoPaths
from devstack.services import StackAddresses, is_model_loaded, stack_services
from devstack.settings import StackSettings

SETTINGS = StackSettings(
    backend_port=18080,
    actions_port=15055,
    rasa_port=15005,
    desk_port=18090,
    desk_api_key="desk-key",
    backend_api_key="service-key",
    identity_signing_key="identity-key",
    rasa_auth_token="api-token",
    startup_timeout=42.0,
    action_server_token="actions-secret",
)


@pytest.fixture
def services(tmp_path: Path) -> Dict[str, Any]:
    built = stack_services(
        SETTINGS, tmp_path / "models" / "m.tar.gz", RepoPaths(tmp_path)
    )
    return {service.name: service for service in built}


def test_start_order(tmp_path: Path) -> None:
    built = stack_services(SETTINGS, tmp_path / "m.tar.gz", RepoPaths(tmp_path))

    assert [service.name for service in built] == ["backend", "desk", "actions", "rasa"]


def test_backend(services: Dict[str, Any], tmp_path: Path) -> None:
    backend = services["backend"]

    assert backend.argv == [
        str(tmp_path / ".venv-backend" / "bin" / "python"),
        "-m",
        "payments_backend",
        "--port",
        "18080",
    ]
    assert backend.cwd == tmp_path / "backend"
    assert backend.env["DATABASE_URL"] == f"sqlite:///{tmp_path}/var/payments.db"
    assert backend.env["BACKEND_API_KEY"] == "service-key"
    assert backend.env["IDENTITY_SIGNING_KEY"] == "identity-key"
    assert backend.health_url == "http://127.0.0.1:18080/health"
    assert backend.startup_timeout == 42.0
    # The backend imports the repository's `service_kit` and `redaction` packages.
    assert backend.env["PYTHONPATH"] == str(tmp_path)


def test_explicit_database_url_is_passed(tmp_path: Path) -> None:
    settings = StackSettings(database_url="sqlite:////tmp/x.db", rasa_auth_token="t")

    backend = stack_services(settings, tmp_path / "m.tar.gz", RepoPaths(tmp_path))[0]

    assert backend.env["DATABASE_URL"] == "sqlite:////tmp/x.db"


def test_action_server_talks_to_the_backend(
    services: Dict[str, Any], tmp_path: Path
) -> None:
    actions = services["actions"]

    assert actions.argv == [
        str(tmp_path / ".venv" / "bin" / "python"),
        "-m",
        "actions.server",
        "--host",
        "127.0.0.1",
        "--port",
        "15055",
        "--actions",
        "actions",
    ]
    assert actions.cwd == tmp_path
    assert actions.env["BACKEND_URL"] == "http://127.0.0.1:18080"
    assert actions.env["BACKEND_API_KEY"] == "service-key"
    assert actions.env["PYTHONPATH"] == str(tmp_path)
    assert actions.env["DESK_URL"] == "http://127.0.0.1:18090"
    assert actions.env["DESK_API_KEY"] == "desk-key"
    assert actions.env["HANDOFF_OUTBOX_PATH"] == str(tmp_path / "var" / "handoff-outbox.sqlite3")
    assert actions.env["ACTION_SERVER_TOKEN"] == "actions-secret"
    assert actions.health_url == "http://127.0.0.1:15055/health"


def test_desk_talks_to_rasa_with_its_api_token(
    services: Dict[str, Any], tmp_path: Path
) -> None:
    desk = services["desk"]

    assert desk.argv == [
        str(tmp_path / ".venv-backend" / "bin" / "python"),
        "-m",
        "agent_desk",
        "--port",
        "18090",
    ]
    assert desk.cwd == tmp_path / "desk"
    assert desk.env["DATABASE_URL"] == f"sqlite:///{tmp_path}/var/desk.db"
    assert desk.env["DESK_API_KEY"] == "desk-key"
    assert desk.env["RASA_URL"] == "http://127.0.0.1:15005"
    assert desk.env["RASA_TOKEN"] == "api-token"
    assert desk.env["PYTHONPATH"] == str(tmp_path)
    assert desk.env["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path}/var/rasa-tracker.db"
    assert desk.health_url == "http://127.0.0.1:18090/health"


def test_rasa_server_uses_the_action_server_and_the_identity_key(
    services: Dict[str, Any], tmp_path: Path
) -> None:
    rasa = services["rasa"]
    argv = list(rasa.argv)

    assert argv[:4] == [
        str(tmp_path / ".venv" / "bin" / "rasa"),
        "run",
        "--enable-api",
        "--auth-token=api-token",
    ]
    options = dict(zip(argv[4::2], argv[5::2]))
    assert options == {
        "--interface": "127.0.0.1",
        "--port": "15005",
        "--model": str(tmp_path / "models" / "m.tar.gz"),
        "--endpoints": str(tmp_path / "endpoints.yml"),
        "--credentials": str(tmp_path / "credentials.yml"),
        "--cors": "*",
    }
    assert rasa.env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:15055/webhook"
    assert rasa.env["IDENTITY_SIGNING_KEY"] == "identity-key"
    assert rasa.env["TRACKER_STORE_DB"] == str(tmp_path / "var" / "rasa-tracker.db")
    # endpoints.yml sends it as `Authorization: Bearer ${ACTION_SERVER_TOKEN}`.
    assert rasa.env["ACTION_SERVER_TOKEN"] == "actions-secret"
    assert rasa.health_url == "http://127.0.0.1:15005/status?token=api-token"
    assert rasa.is_ready is is_model_loaded


def test_rasa_and_desk_share_an_explicit_tracker_store(tmp_path: Path) -> None:
    settings = StackSettings(tracker_store_db=Path("/tmp/t/tracker.db"), rasa_auth_token="t")

    built = {
        service.name: service
        for service in stack_services(settings, tmp_path / "m.tar.gz", RepoPaths(tmp_path))
    }

    assert built["rasa"].env["TRACKER_STORE_DB"] == "/tmp/t/tracker.db"
    assert built["desk"].env["TRACKER_STORE_URL"] == "sqlite:////tmp/t/tracker.db"


def _response(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    return response


@pytest.mark.parametrize(
    "status, body, ready",
    [
        (200, b'{"model_file": "20240101-000000.tar.gz", "model_id": "x"}', True),
        (200, b'{"model_file": null}', False),
        (409, b'{"message": "No agent loaded"}', False),
        (200, b"Hello from Rasa", False),
    ],
)
def test_rasa_is_ready_once_the_model_is_loaded(
    status: int, body: bytes, ready: bool
) -> None:
    assert is_model_loaded(_response(status, body)) is ready


def test_addresses() -> None:
    addresses = StackAddresses.for_settings(SETTINGS)

    assert addresses.webhook_url == "http://127.0.0.1:15005/webhooks/rest/webhook"
    assert addresses.backend_url == "http://127.0.0.1:18080"
    assert addresses.desk_url == "http://127.0.0.1:18090"


def test_a_token_starting_with_a_dash_stays_the_auth_token_s_value(tmp_path: Path) -> None:
    # secrets.token_urlsafe() starts with "-" once in 64 runs; as a separate
    # argument argparse would read it as an option and Rasa would not start.
    settings = dataclasses.replace(SETTINGS, rasa_auth_token="-dash-token")
    built = stack_services(settings, tmp_path / "m.tar.gz", RepoPaths(tmp_path))
    rasa = {service.name: service for service in built}["rasa"]
    assert "--auth-token=-dash-token" in rasa.argv
    assert "-dash-token" not in rasa.argv

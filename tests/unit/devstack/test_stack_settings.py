"""Tests of the stack's environment settings."""

from pathlib import Path

import pytest

from devstack.settings import StackSettings
from rasa_plugins import settings as plugin_settings


def test_defaults() -> None:
    settings = StackSettings.from_env({})

    assert (settings.backend_port, settings.actions_port, settings.rasa_port) == (
        8080,
        5055,
        5005,
    )
    assert settings.database_url is None
    assert settings.backend_api_key == "dev-backend-key"
    assert settings.model is None
    assert settings.desk_port == 8090
    assert settings.desk_database_url is None
    assert settings.desk_api_key == "dev-desk-key"
    assert settings.handoff_outbox_path is None
    assert settings.tracker_store_db is None
    assert len(settings.rasa_auth_token) >= 24


def test_auth_token_is_random_per_run() -> None:
    assert StackSettings.from_env({}).rasa_auth_token != (
        StackSettings.from_env({}).rasa_auth_token
    )


def test_action_server_token_is_random_per_run() -> None:
    first, second = StackSettings.from_env({}), StackSettings.from_env({})

    assert len(first.action_server_token) >= 24
    assert first.action_server_token != second.action_server_token


def test_identity_key_default_matches_the_channel() -> None:
    assert (
        StackSettings.from_env({}).identity_signing_key
        == plugin_settings.DEFAULT_IDENTITY_SIGNING_KEY
    )


def test_environment_overrides() -> None:
    settings = StackSettings.from_env(
        {
            "BACKEND_PORT": "18080",
            "ACTIONS_PORT": "15055",
            "RASA_PORT": "15005",
            "DATABASE_URL": "postgresql+psycopg://localhost/test",
            "BACKEND_API_KEY": "k",
            "IDENTITY_SIGNING_KEY": "s",
            "ASSISTANT_MODEL": "/tmp/m.tar.gz",
            "STACK_STARTUP_TIMEOUT": "12.5",
            "RASA_AUTH_TOKEN": "t",
            "DESK_PORT": "18090",
            "DESK_DATABASE_URL": "sqlite:////tmp/desk.db",
            "DESK_API_KEY": "d",
            "HANDOFF_OUTBOX_PATH": "/tmp/outbox.sqlite3",
            "TRACKER_STORE_DB": "/tmp/tracker.db",
            "ACTION_SERVER_TOKEN": "a",
        }
    )

    assert settings == StackSettings(
        backend_port=18080,
        actions_port=15055,
        rasa_port=15005,
        database_url="postgresql+psycopg://localhost/test",
        backend_api_key="k",
        identity_signing_key="s",
        model=Path("/tmp/m.tar.gz"),
        startup_timeout=12.5,
        rasa_auth_token="t",
        desk_port=18090,
        desk_database_url="sqlite:////tmp/desk.db",
        desk_api_key="d",
        handoff_outbox_path=Path("/tmp/outbox.sqlite3"),
        tracker_store_db=Path("/tmp/tracker.db"),
        action_server_token="a",
    )


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_bad_port_is_rejected_with_its_name(value: str) -> None:
    with pytest.raises(ValueError, match="RASA_PORT"):
        StackSettings.from_env({"RASA_PORT": value})

"""Settings come from the environment, with the documented defaults."""

from __future__ import annotations

import pytest

from agent_desk.settings import DEFAULT_SQLITE_PATH, DEFAULT_TRACKER_STORE_PATH, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "var"
    assert (settings.api_key, settings.rasa_url, settings.rasa_token) == (
        "dev-desk-key",
        "http://127.0.0.1:5005",
        "",
    )
    assert (settings.host, settings.port, settings.seed) == ("127.0.0.1", 8090, True)
    assert (settings.opening_hours, settings.timezone) == ("always", "UTC")
    assert (settings.sync_interval_seconds, settings.rasa_timeout_seconds) == (1.0, 5.0)
    # make run's Rasa writes there (repository's var/, next to var/desk.db)
    assert settings.tracker_store_url == f"sqlite:///{DEFAULT_TRACKER_STORE_PATH}"
    assert DEFAULT_TRACKER_STORE_PATH.parent.parent == DEFAULT_SQLITE_PATH.parent.parent.parent


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "DESK_API_KEY": "k",
            "DESK_TOKEN_SIGNING_KEY": "s",
            "RASA_URL": "http://rasa:5005/",
            "RASA_TOKEN": "t",
            "DESK_HOST": "0.0.0.0",
            "DESK_PORT": "9999",
            "DESK_SEED": "false",
            "DESK_OPENING_HOURS": "mon-fri 08:00-20:00",
            "DESK_TIMEZONE": "Europe/Berlin",
            "DESK_SYNC_INTERVAL_SECONDS": "0.5",
            "DESK_RASA_TIMEOUT_SECONDS": "3",
            "TRACKER_STORE_URL": "postgresql+psycopg://reader@h/rasa",
        }
    )
    assert settings == Settings(
        database_url="postgresql+psycopg://u@h/db",
        api_key="k",
        token_signing_key="s",
        rasa_url="http://rasa:5005",
        rasa_token="t",
        host="0.0.0.0",
        port=9999,
        seed=False,
        opening_hours="mon-fri 08:00-20:00",
        timezone="Europe/Berlin",
        sync_interval_seconds=0.5,
        rasa_timeout_seconds=3.0,
        tracker_store_url="postgresql+psycopg://reader@h/rasa",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DESK_SEED", "maybe", "DESK_SEED must be one of"),
        ("DESK_SYNC_INTERVAL_SECONDS", "often", "must be a number"),
        ("DESK_SYNC_INTERVAL_SECONDS", "-1", "at least"),
        ("DESK_RASA_TIMEOUT_SECONDS", "0", "at least"),
    ],
)
def test_bad_values_fail_with_one_sentence(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value})

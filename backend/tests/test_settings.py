"""Tests of settings from the environment."""

from __future__ import annotations

import pytest

from payments_backend.settings import DEFAULT_SQLITE_PATH, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.is_absolute()
    assert DEFAULT_SQLITE_PATH.parts[-3:] == ("backend", "var", "payments.db")
    assert settings.api_key == "dev-backend-key"
    assert settings.identity_signing_key == "dev-identity-signing-key-change-me"
    assert (settings.host, settings.port, settings.seed) == ("127.0.0.1", 8080, True)
    assert (settings.dev_outbox, settings.cors_origins) == (False, ())


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "BACKEND_API_KEY": "k",
            "IDENTITY_SIGNING_KEY": "s",
            "BACKEND_HOST": "0.0.0.0",
            "BACKEND_PORT": "9000",
            "BACKEND_SEED": "false",
            "BACKEND_PAGES_BASE_URL": "https://pay.test/",
            "BACKEND_DEV_OUTBOX": "true",
            "BACKEND_CORS_ORIGINS": " http://localhost:5005/ ,https://chat.example.com,, ",
        }
    )
    assert settings == Settings(
        database_url="postgresql+psycopg://u@h/db",
        api_key="k",
        identity_signing_key="s",
        host="0.0.0.0",
        port=9000,
        seed=False,
        pages_base_url="https://pay.test",
        dev_outbox=True,
        cors_origins=("http://localhost:5005", "https://chat.example.com"),
    )


def test_bad_boolean_is_rejected() -> None:
    with pytest.raises(ValueError, match="BACKEND_SEED"):
        Settings.from_env({"BACKEND_SEED": "maybe"})


def test_bad_dev_outbox_flag_is_rejected() -> None:
    with pytest.raises(ValueError, match="BACKEND_DEV_OUTBOX"):
        Settings.from_env({"BACKEND_DEV_OUTBOX": "sometimes"})


def test_blank_cors_origins_mean_none_and_bad_ones_are_rejected() -> None:
    assert Settings.from_env({"BACKEND_CORS_ORIGINS": " , "}).cors_origins == ()
    assert Settings.from_env({"BACKEND_CORS_ORIGINS": "*"}).cors_origins == ("*",)
    with pytest.raises(ValueError, match="BACKEND_CORS_ORIGINS"):
        Settings.from_env({"BACKEND_CORS_ORIGINS": "localhost:5005"})

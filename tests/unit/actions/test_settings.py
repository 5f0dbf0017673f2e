"""Tests of actions.settings: defaults, parsing, validation and caching."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterator

import pytest

from actions.handoff.config import HandoffConfig
from actions.settings import Settings, get_settings
from tests.unit.actions.fakes import write_handoff_config


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_without_variables() -> None:
    settings = Settings.from_env({})

    assert settings == Settings(
        backend_url="http://127.0.0.1:8080",
        backend_api_key="dev-backend-key",
        backend_timeout_seconds=2.0,
        backend_retries=2,
        identity_signing_key="dev-identity-signing-key-change-me",
        desk_url="http://127.0.0.1:8090",
        desk_api_key="dev-desk-key",
        desk_timeout_seconds=3.0,
        handoff_outbox_path="var/handoff-outbox.sqlite3",
        handoff_outbox_retry_max_seconds=30.0,
        handoff_language="en",
        handoff=HandoffConfig.default(),
        backend_breaker_failures=5,
        backend_breaker_reset_seconds=30.0,
        action_server_token="dev-action-server-token",
    )


def test_reads_every_variable() -> None:
    settings = Settings.from_env(
        {
            "BACKEND_URL": "https://payments.internal:9443/",
            "BACKEND_API_KEY": "prod-key",
            "BACKEND_TIMEOUT_SECONDS": "1.5",
            "BACKEND_RETRIES": "1",
            "IDENTITY_SIGNING_KEY": "signing-secret",
        }
    )

    assert settings.backend_url == "https://payments.internal:9443"
    assert settings.backend_api_key == "prod-key"
    assert settings.backend_timeout_seconds == 1.5
    assert settings.backend_retries == 1
    assert settings.identity_signing_key == "signing-secret"


def test_empty_variables_take_the_defaults() -> None:
    settings = Settings.from_env(
        {"BACKEND_URL": " ", "BACKEND_TIMEOUT_SECONDS": "", "BACKEND_RETRIES": ""}
    )

    assert settings.backend_url == "http://127.0.0.1:8080"
    assert settings.backend_timeout_seconds == 2.0
    assert settings.backend_retries == 2


@pytest.mark.parametrize("value", ["abc", "4s", "0", "-1", "nan", "inf"])
def test_invalid_timeout_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="BACKEND_TIMEOUT_SECONDS"):
        Settings.from_env({"BACKEND_TIMEOUT_SECONDS": value})


@pytest.mark.parametrize("value", ["two", "1.5", "-1", "6"])
def test_invalid_retries_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="BACKEND_RETRIES"):
        Settings.from_env({"BACKEND_RETRIES": value})


@pytest.mark.parametrize("value", ["127.0.0.1:8080", "ftp://backend", "http://", "http://h/?x=1"])
def test_invalid_url_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="BACKEND_URL"):
        Settings.from_env({"BACKEND_URL": value})


def test_calls_must_fit_inside_the_conversation_lock() -> None:
    # 20 s x 3 attempts would outlast Rasa's 60 s lock on the conversation.
    with pytest.raises(ValueError, match="conversation lock"):
        Settings.from_env({"BACKEND_TIMEOUT_SECONDS": "20", "BACKEND_RETRIES": "2"})

    assert Settings.from_env({"BACKEND_TIMEOUT_SECONDS": "15", "BACKEND_RETRIES": "2"})


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="BACKEND_API_KEY"):
        Settings(backend_api_key="")


def test_is_frozen() -> None:
    settings = Settings.from_env({})

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.backend_url = "http://elsewhere"  # type: ignore[misc]


def test_repr_hides_secrets() -> None:
    settings = Settings.from_env(
        {"BACKEND_API_KEY": "k-secret", "IDENTITY_SIGNING_KEY": "s-secret"}
    )

    assert "k-secret" not in repr(settings)
    assert "s-secret" not in repr(settings)
    assert "backend_url" in repr(settings)


def test_from_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_RETRIES", "0")

    assert Settings.from_env().backend_retries == 0


def test_get_settings_reads_once_and_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_URL", "http://first:1")
    first = get_settings()
    monkeypatch.setenv("BACKEND_URL", "http://second:2")

    assert get_settings() is first
    assert first.backend_url == "http://first:1"
    get_settings.cache_clear()
    assert get_settings().backend_url == "http://second:2"


def test_reads_the_desk_and_handoff_variables(tmp_path: Path) -> None:
    config = write_handoff_config(tmp_path / "triggers.yml", disabled=["complaint"])
    settings = Settings.from_env(
        {
            "DESK_URL": "https://desk.internal/",
            "DESK_API_KEY": "desk-secret",
            "DESK_TIMEOUT_SECONDS": "1.5",
            "HANDOFF_OUTBOX_PATH": "/data/outbox.sqlite3",
            "HANDOFF_OUTBOX_RETRY_MAX_SECONDS": "60",
            "HANDOFF_LANGUAGE": "de-DE",
            "HANDOFF_CONFIG_PATH": str(config),
        }
    )

    assert settings.desk_url == "https://desk.internal"
    assert settings.desk_api_key == "desk-secret"
    assert settings.desk_timeout_seconds == 1.5
    assert settings.handoff_outbox_path == "/data/outbox.sqlite3"
    assert settings.handoff_outbox_retry_max_seconds == 60.0
    assert settings.handoff_language == "de-DE"
    assert not settings.handoff.enabled("complaint")
    assert settings.handoff.enabled("fraud")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DESK_URL", "desk:8090"),
        ("DESK_TIMEOUT_SECONDS", "0"),
        ("DESK_TIMEOUT_SECONDS", "90"),
        ("HANDOFF_OUTBOX_RETRY_MAX_SECONDS", "-5"),
        ("HANDOFF_LANGUAGE", "English"),
        ("HANDOFF_CONFIG_PATH", "/nonexistent/handoff.yml"),
    ],
)
def test_invalid_handoff_variables_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


def test_an_invalid_handoff_file_stops_with_its_entry_named(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text("triggers:\n  complaint: {enabled: maybe}\n")
    with pytest.raises(ValueError, match="unknown reason|missing|enabled"):
        Settings.from_env({"HANDOFF_CONFIG_PATH": str(path)})


def test_repr_hides_the_desk_key() -> None:
    assert "desk-secret" not in repr(Settings(desk_api_key="desk-secret"))


def test_reads_the_breaker_and_action_server_variables() -> None:
    settings = Settings.from_env(
        {
            "BACKEND_BREAKER_FAILURES": "3",
            "BACKEND_BREAKER_RESET_SECONDS": "12.5",
            "ACTION_SERVER_TOKEN": "shared-secret",
        }
    )

    assert settings.backend_breaker_failures == 3
    assert settings.backend_breaker_reset_seconds == 12.5
    assert settings.action_server_token == "shared-secret"
    assert "shared-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BACKEND_BREAKER_FAILURES", "0"),
        ("BACKEND_BREAKER_FAILURES", "two"),
        ("BACKEND_BREAKER_RESET_SECONDS", "0"),
        ("BACKEND_BREAKER_RESET_SECONDS", "soon"),
    ],
)
def test_invalid_breaker_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_the_action_server_token_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="ACTION_SERVER_TOKEN"):
        Settings(action_server_token="")

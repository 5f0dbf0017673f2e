"""Tests of the plugins' environment settings."""

import pytest

from rasa_plugins import settings


def test_signing_key_comes_from_the_environment() -> None:
    environ = {"IDENTITY_SIGNING_KEY": "from-env"}

    assert settings.identity_signing_key(environ) == "from-env"


def test_signing_key_falls_back_to_the_development_default() -> None:
    assert settings.identity_signing_key({}) == "dev-identity-signing-key-change-me"
    assert (
        settings.identity_signing_key({"IDENTITY_SIGNING_KEY": ""})
        == "dev-identity-signing-key-change-me"
    )


def test_reply_deadline_and_action_timeout_defaults() -> None:
    assert settings.reply_deadline_seconds({}) == 4.0
    assert settings.action_call_timeout_seconds({}) == 50.0
    # Rasa's conversation lock lives 60 s: the action call must end before it.
    assert settings.DEFAULT_ACTION_CALL_TIMEOUT_SECONDS < 60


def test_rates_default_and_can_be_set() -> None:
    assert settings.message_rate({}) == (20.0, 10)
    assert settings.connect_rate({}) == (30.0, 15)
    assert settings.message_rate(
        {"CHANNEL_RATE_LIMIT_PER_MINUTE": "30", "CHANNEL_RATE_LIMIT_BURST": "5"}
    ) == (30.0, 5)
    assert settings.reply_deadline_seconds({"REPLY_DEADLINE_SECONDS": " 2.5 "}) == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_invalid_numbers_name_their_variable(value: str) -> None:
    with pytest.raises(ValueError, match="REPLY_DEADLINE_SECONDS"):
        settings.reply_deadline_seconds({"REPLY_DEADLINE_SECONDS": value})
    with pytest.raises(ValueError, match="CHANNEL_RATE_LIMIT_BURST"):
        settings.message_rate({"CHANNEL_RATE_LIMIT_BURST": value})


def test_a_burst_is_a_whole_number() -> None:
    with pytest.raises(ValueError, match="CHANNEL_CONNECT_BURST"):
        settings.connect_rate({"CHANNEL_CONNECT_BURST": "2.5"})

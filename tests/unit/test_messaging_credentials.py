"""The messaging connectors template builds Rasa's channels from environment variables."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VARIABLES = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "slack-secret",
    "SLACK_CHANNEL": "C123",
    "TELEGRAM_ACCESS_TOKEN": "123:abc",
    "TELEGRAM_BOT_NAME": "payments_bot",
    "TELEGRAM_WEBHOOK_URL": "https://example.com/webhooks/telegram/webhook",
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "twilio-secret",
    "TWILIO_NUMBER": "+15550001111",
    "FACEBOOK_VERIFY_TOKEN": "verify-me",
    "FACEBOOK_APP_SECRET": "fb-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token",
    "CALLBACK_URL": "http://localhost:5034/bot",
}


def test_every_connector_is_built_from_the_environment(monkeypatch):
    from rasa.core.run import create_http_input_channels

    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    channels = create_http_input_channels(None, str(ROOT / "credentials.messaging.yml"))
    assert {channel.name() for channel in channels} == {
        "slack", "telegram", "twilio", "facebook", "callback"
    }
    slack = next(c for c in channels if c.name() == "slack")
    assert slack.slack_token == "xoxb-test"


def test_a_missing_variable_is_an_error_not_a_silent_default(monkeypatch):
    from rasa.core.run import create_http_input_channels

    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(Exception, match="TWILIO_AUTH_TOKEN"):
        create_http_input_channels(None, str(ROOT / "credentials.messaging.yml"))


def test_every_connector_is_behind_the_slash_guard(monkeypatch):
    from rasa.core.run import create_http_input_channels

    from rasa_plugins.channels.messaging import SlashGuardedChannel

    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    channels = create_http_input_channels(None, str(ROOT / "credentials.messaging.yml"))
    assert all(isinstance(channel, SlashGuardedChannel) for channel in channels)

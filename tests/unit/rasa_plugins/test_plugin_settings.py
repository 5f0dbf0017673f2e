"""Tests of the plugins' environment settings."""

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

"""socket.io across Rasa replicas: the Redis client manager and its setting."""

import pytest
from socketio import AsyncRedisManager

from rasa_plugins import settings
from rasa_plugins.channels import signed_socketio
from rasa_plugins.channels.signed_socketio import SignedSocketIOInput


async def _ignore(_: object) -> None:
    return None


def test_without_a_url_sockets_stay_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCKETIO_REDIS_URL", raising=False)

    assert settings.socketio_redis() is None
    assert signed_socketio.client_manager() is None
    channel = SignedSocketIOInput()
    channel.blueprint(_ignore)
    assert not isinstance(channel.sio.manager, AsyncRedisManager)


def test_with_a_url_emits_go_through_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCKETIO_REDIS_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("SOCKETIO_REDIS_CHANNEL", "chat-prod")

    channel = SignedSocketIOInput()
    channel.blueprint(_ignore)

    manager = channel.sio.manager
    assert isinstance(manager, AsyncRedisManager)
    assert (manager.redis_url, manager.channel) == ("redis://127.0.0.1:6379/1", "chat-prod")
    # No read timeout: the listener blocks waiting for messages between emits.
    assert "socket_timeout" not in manager.redis_options
    assert manager.redis_options["socket_connect_timeout"] > 0


def test_the_setting_defaults_its_channel_and_rejects_other_urls() -> None:
    assert settings.socketio_redis({"SOCKETIO_REDIS_URL": "rediss://h:6380/0"}) == (
        "rediss://h:6380/0",
        "socketio",
    )
    with pytest.raises(ValueError, match="SOCKETIO_REDIS_URL") as raised:
        settings.socketio_redis({"SOCKETIO_REDIS_URL": "http://user:secret@h"})
    assert "secret" not in str(raised.value)

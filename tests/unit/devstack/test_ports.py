"""Tests of the port helpers."""

import socket
from typing import Iterator

import pytest

from devstack.errors import PrerequisiteError
from devstack.ports import ensure_port_free, find_free_port, is_port_free


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_found_port_can_be_listened_on() -> None:
    port = find_free_port()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))
        server.listen()
    assert 0 < port < 65536


def test_listening_port_is_not_free(listening_port: int) -> None:
    assert is_port_free(listening_port) is False


def test_free_port_is_free() -> None:
    assert is_port_free(find_free_port()) is True


def test_busy_port_raises_a_clear_error(listening_port: int) -> None:
    with pytest.raises(PrerequisiteError) as raised:
        ensure_port_free(listening_port, "Rasa server", "RASA_PORT")

    assert str(raised.value) == (
        f"port {listening_port} (Rasa server) is already in use — "
        "stop the other process or set RASA_PORT"
    )


def test_hint_without_variable(listening_port: int) -> None:
    with pytest.raises(PrerequisiteError, match=r"stop the other process$"):
        ensure_port_free(listening_port, "backend")


def test_free_port_passes() -> None:
    ensure_port_free(find_free_port(), "backend", "BACKEND_PORT")


def test_stable_port_is_free_and_below_the_ephemeral_range() -> None:
    from devstack.ports import _ephemeral_low, find_stable_port

    ports = {find_stable_port() for _ in range(20)}

    for port in ports:
        assert 20000 <= port < _ephemeral_low()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", port))
    assert len(ports) > 1  # random: two test stacks do not race for one port

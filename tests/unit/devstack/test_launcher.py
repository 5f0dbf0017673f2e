"""Tests of the `make run` launcher's paths that need no real services."""

from pathlib import Path
from typing import List

from devstack.launcher import describe, main
from devstack.paths import RepoPaths
from devstack.services import StackAddresses
from devstack.settings import StackSettings


def test_missing_prerequisite_stops_before_starting_anything(tmp_path: Path) -> None:
    output: List[str] = []

    status = main(
        [],
        write=output.append,
        settings=StackSettings(rasa_auth_token="t"),
        paths=RepoPaths(tmp_path),
    )

    assert status == 2
    assert output == [
        "Cannot start: the Rasa environment (.venv) is not installed: "
        f"{tmp_path}/.venv/bin/rasa not found — run make setup"
    ]
    assert not (tmp_path / "var").exists()


def test_description_lists_addresses_and_demo_login(tmp_path: Path) -> None:
    settings = StackSettings(
        backend_port=1, actions_port=2, rasa_port=3, desk_port=4, rasa_auth_token="tok"
    )

    lines = describe(
        settings, StackAddresses.for_settings(settings), RepoPaths(tmp_path)
    )

    text = "\n".join(lines)
    assert "http://127.0.0.1:1" in text and "http://127.0.0.1:2" in text
    assert "http://127.0.0.1:3/webhooks/rest/webhook" in text
    assert "http://127.0.0.1:4/console/" in text and "maria, tom" in text
    assert "Rasa API token:   tok" in text
    assert "ada@example.com, ben@example.com, chen@example.com" in text
    assert "password: demo" in text

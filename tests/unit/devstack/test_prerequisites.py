"""Tests of the checks run before the stack starts."""

import socket
from pathlib import Path

import pytest

from devstack.errors import PrerequisiteError
from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.prerequisites import check_prerequisites, resolve_model
from devstack.settings import StackSettings


@pytest.fixture
def repo(tmp_path: Path) -> RepoPaths:
    for path in [
        ".venv/bin/rasa",
        ".venv-backend/bin/python",
        "endpoints.yml",
        "credentials.yml",
    ]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    (tmp_path / "backend").mkdir()
    (tmp_path / "desk").mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "20250101-000000.tar.gz").write_bytes(b"")
    return RepoPaths(tmp_path)


@pytest.fixture
def free_ports() -> StackSettings:
    return StackSettings(
        backend_port=find_free_port(),
        actions_port=find_free_port(),
        rasa_port=find_free_port(),
        desk_port=find_free_port(),
        rasa_auth_token="t",
    )


def test_all_present_returns_the_newest_model(
    repo: RepoPaths, free_ports: StackSettings
) -> None:
    assert (
        check_prerequisites(free_ports, repo)
        == repo.models_dir / "20250101-000000.tar.gz"
    )


@pytest.mark.parametrize(
    "missing, message",
    [
        (".venv/bin/rasa", "the Rasa environment (.venv) is not installed"),
        (
            ".venv-backend/bin/python",
            "the backend environment (.venv-backend) is not installed",
        ),
        ("endpoints.yml", "endpoints.yml is missing"),
        ("credentials.yml", "credentials.yml is missing"),
    ],
)
def test_missing_files_are_named(
    repo: RepoPaths, free_ports: StackSettings, missing: str, message: str
) -> None:
    (repo.root / missing).unlink()

    with pytest.raises(PrerequisiteError) as raised:
        check_prerequisites(free_ports, repo)

    assert str(raised.value).startswith(f"{message}: {repo.root / missing} not found")


def test_missing_model_says_how_to_get_one(
    repo: RepoPaths, free_ports: StackSettings
) -> None:
    (repo.models_dir / "20250101-000000.tar.gz").unlink()

    with pytest.raises(
        PrerequisiteError,
        match=r"no trained model in .* \(make train\) or set ASSISTANT_MODEL",
    ):
        check_prerequisites(free_ports, repo)


def test_explicit_model_wins(repo: RepoPaths, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.tar.gz"
    chosen.write_bytes(b"")

    assert (
        resolve_model(StackSettings(model=chosen, rasa_auth_token="t"), repo) == chosen
    )


def test_explicit_model_must_exist(repo: RepoPaths, tmp_path: Path) -> None:
    settings = StackSettings(model=tmp_path / "absent.tar.gz", rasa_auth_token="t")

    with pytest.raises(
        PrerequisiteError, match="ASSISTANT_MODEL points to .*absent.tar.gz"
    ):
        resolve_model(settings, repo)


def test_busy_port_names_its_variable(
    repo: RepoPaths, free_ports: StackSettings
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", free_ports.actions_port))
        busy.listen()

        with pytest.raises(PrerequisiteError) as raised:
            check_prerequisites(free_ports, repo)

    assert str(raised.value) == (
        f"port {free_ports.actions_port} (action server) is already in use — "
        "stop the other process or set ACTIONS_PORT"
    )

"""Checks run before starting the stack, each failing with a fix-it message."""

from pathlib import Path
from typing import Callable

from devstack.errors import PrerequisiteError
from devstack.infrastructure import check_infrastructure
from devstack.paths import RepoPaths
from devstack.ports import ensure_port_free
from devstack.settings import StackSettings


def resolve_model(settings: StackSettings, paths: RepoPaths) -> Path:
    """Returns the model to serve: `ASSISTANT_MODEL`, else the newest in `models/`.

    Raises:
        PrerequisiteError: The chosen model file does not exist, or none is trained.
    """
    if settings.model is not None:
        if not settings.model.is_file():
            raise PrerequisiteError(
                f"ASSISTANT_MODEL points to {settings.model}, which is not a file"
            )
        return settings.model
    model = paths.newest_model()
    if model is None:
        raise PrerequisiteError(
            f"no trained model in {paths.models_dir} — train one first "
            "(make train) or set ASSISTANT_MODEL"
        )
    return model


def check_files(paths: RepoPaths) -> None:
    """Checks the environments and configuration files the services need.

    Raises:
        PrerequisiteError: Naming the first missing file.
    """
    required = [
        (paths.rasa_executable, "the Rasa environment (.venv) is not installed"),
        (
            paths.backend_python,
            "the backend environment (.venv-backend) is not installed",
        ),
        (paths.backend_dir, "the backend project (backend/) is missing"),
        (paths.desk_dir, "the agent desk project (desk/) is missing"),
        (paths.endpoints_file, "endpoints.yml is missing"),
        (paths.credentials_file, "credentials.yml is missing"),
    ]
    for path, problem in required:
        if not path.exists():
            raise PrerequisiteError(f"{problem}: {path} not found — run make setup")


def check_ports(settings: StackSettings) -> None:
    """Checks that the four ports (production profile: and the replicas') are free.

    Raises:
        PrerequisiteError: A port is in use (naming the variable that moves it).
    """
    ensure_port_free(settings.backend_port, "payments backend", "BACKEND_PORT")
    ensure_port_free(settings.actions_port, "action server", "ACTIONS_PORT")
    ensure_port_free(settings.desk_port, "agent desk", "DESK_PORT")
    if not settings.production:
        ensure_port_free(settings.rasa_port, "Rasa server", "RASA_PORT")
        return
    ensure_port_free(settings.rasa_port, "proxy in front of the Rasa replicas", "RASA_PORT")
    if settings.rasa_replica_ports[-1] > 65535:
        raise PrerequisiteError(
            f"RASA_REPLICA_BASE_PORT {settings.rasa_replica_base_port} leaves no room for "
            f"{settings.rasa_replicas} replicas — choose a lower one"
        )
    for index, port in enumerate(settings.rasa_replica_ports, start=1):
        ensure_port_free(port, f"Rasa replica {index}", "RASA_REPLICA_BASE_PORT")


def check_production_files(paths: RepoPaths) -> None:
    """Checks the production profile's endpoints file.

    Raises:
        PrerequisiteError: It is missing.
    """
    endpoints = paths.root / "endpoints.production.yml"
    if not endpoints.exists():
        raise PrerequisiteError(f"endpoints.production.yml is missing: {endpoints} not found")


def check_prerequisites(
    settings: StackSettings,
    paths: RepoPaths,
    check_shared_services: Callable[..., None] = check_infrastructure,
) -> Path:
    """Runs every check (production profile: also PostgreSQL, Redis and RabbitMQ).

    Args:
        settings: The stack's settings.
        paths: Repository paths.
        check_shared_services: Checks the production profile's shared services
            (and creates the tracker database); replaced in tests.

    Returns:
        The model to serve.

    Raises:
        PrerequisiteError: The first problem found.
    """
    check_files(paths)
    if settings.production:
        check_production_files(paths)
    model = resolve_model(settings, paths)
    check_ports(settings)
    if settings.production:
        check_shared_services(settings.infra)
    return model

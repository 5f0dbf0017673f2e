"""The project's stack for the benchmark: devstack services on free ports, fresh stores."""

from __future__ import annotations

import dataclasses
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import requests

from bench.load.journeys import DEMO_PASSWORD, Customer
from devstack.paths import RepoPaths
from devstack.processes import Service, Stack
from devstack.services import StackAddresses, stack_services
from devstack.settings import StackSettings
from tests.integration.stack_fixtures import integration_settings

LOGIN_TIMEOUT_SECONDS = 30.0
#: The channel's per-sender rate limit (rasa_plugins/settings.py) raised so that
#: the load is not throttled: a benchmark sender writes faster than a person.
UNTHROTTLED_ENV = {
    "CHANNEL_RATE_LIMIT_PER_MINUTE": "1000000",
    "CHANNEL_RATE_LIMIT_BURST": "1000000",
}


def bench_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment every benchmark service inherits (rate limit raised)."""
    return {**os.environ, **UNTHROTTLED_ENV, **(extra or {})}


def with_env(service: Service, name: str, env: Mapping[str, str]) -> Service:
    """A copy of `service` under another name with more environment variables."""
    return dataclasses.replace(service, name=name, env={**service.env, **env})


def start_stack(
    services: Sequence[Service], log_dir: Path, extra_env: Optional[Mapping[str, str]] = None
) -> Stack:
    """A devstack `Stack` of `services` (enter it to start them, leave it to stop them).

    Args:
        services: In start order.
        log_dir: Where `<service>.log` files go.
        extra_env: More environment for every service.

    Returns:
        The (not yet started) stack.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    return Stack(services, log_dir, handle_signals=True, base_env=bench_env(extra_env))


@dataclass(frozen=True)
class OurStack:
    """The project's four services for one run.

    Attributes:
        settings: Ports, keys and stores.
        addresses: Where the services answer.
        model: The served model.
        services: Backend, desk, action server, Rasa (start order).
    """

    settings: StackSettings
    addresses: StackAddresses
    model: Path
    services: List[Service]

    @classmethod
    def build(cls, work_dir: Path, model: Path, paths: RepoPaths = RepoPaths()) -> "OurStack":
        """Describes the stack (nothing starts here)."""
        settings = integration_settings(work_dir)
        return cls(
            settings=settings,
            addresses=StackAddresses.for_settings(settings),
            model=model,
            services=stack_services(settings, model, paths),
        )

    def service(self, name: str) -> Service:
        """One of the services, by name."""
        return next(service for service in self.services if service.name == name)


def login(backend_url: str, customer: Customer) -> str:
    """Logs a demo customer in at the backend; returns the identity token.

    Raises:
        requests.HTTPError: The login failed.
    """
    response = requests.post(
        f"{backend_url}/v1/auth/login",
        json={"email": customer.email, "password": DEMO_PASSWORD},
        headers={"Idempotency-Key": f"bench-login-{uuid.uuid4()}"},
        timeout=LOGIN_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def login_all(backend_url: str, customers: Sequence[Customer]) -> Dict[str, str]:
    """Identity tokens of every customer, by e-mail."""
    return {customer.email: login(backend_url, customer) for customer in customers}

"""The action server reaching the backend through a fault proxy, to cut answers after the commit.

`production_stack` wires the action server straight to the backend. For the
lost-answer scenario it has to go through `tests.faults.tcp_proxy.FaultProxy`:
the action server is restarted once, with `BACKEND_URL` pointing at the proxy,
which forwards faithfully until a scenario arms a cut.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Iterator, Mapping
from urllib.parse import urlsplit

from devstack.processes import Stack
from tests.faults.tcp_proxy import FaultProxy
from tests.integration.production_stack import ProductionStack

ACTIONS = "actions"


def restart_with_env(processes: Stack, name: str, env: Mapping[str, str]) -> None:
    """Restarts a service of the stack with some variables changed, kept for later restarts.

    Args:
        processes: The running stack.
        name: The service.
        env: Variables to set or replace.
    """
    processes.stop_service(name)
    for running in processes.running:
        if running.service.name == name:
            running.service = dataclasses.replace(
                running.service, env={**running.service.env, **env}
            )
    processes.services = [
        dataclasses.replace(service, env={**service.env, **env})
        if service.name == name
        else service
        for service in processes.services
    ]
    processes.restart_service(name)


@contextlib.contextmanager
def actions_through_proxy(stack: ProductionStack) -> Iterator[FaultProxy]:
    """The action server calls the backend through a FaultProxy while the block runs.

    Yields:
        The proxy (arm `cut_next_response()` to lose the answer of the next POST).
    """
    backend = urlsplit(stack.backend_url)
    with FaultProxy(backend.hostname or "127.0.0.1", backend.port or 80) as proxy:
        restart_with_env(stack.processes, ACTIONS, {"BACKEND_URL": proxy.url})
        yield proxy

"""Proof that a slow backend call holds up only its own conversation.

A second action server and Rasa server (same model, same backend) run behind
`slow_proxy`, which can delay every backend request of one customer by 2 s. The
other customers' conversations are measured alone, then alongside that
customer's conversations pausing 2 s after each reply (the control: the same
messages a second for Rasa, the 2 s spent at the client), then alongside them
with no pause but each backend call taking 2 s (the 2 s spent inside the action
server, holding a thread, a connection and the conversation's lock): the others'
latency must not grow beyond the control's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import requests

from bench.load.closed_loop import ChatTarget, run_level, run_mixed
from bench.load.journeys import ADA, BEN, CHEN, CUSTOMER_JOURNEYS, Turn
from bench.load.slow_proxy import DELAY_PATH, HEALTH_PATH
from bench.load.stack import OurStack, login_all, start_stack, with_env
from bench.load.stats import LevelStats
from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.processes import Service
from devstack.services import action_server_service, rasa_service, url

SLOW_CUSTOMER = BEN
DELAY_SECONDS = 2.0
#: The action server's backend timeout (2 s by default) above the delay.
SLOW_BACKEND_TIMEOUT_SECONDS = "5"
#: One backend call per turn, so a slow turn (2 s + Rasa) stays under the
#: channel's 4 s reply deadline.
SLOW_JOURNEYS = ((Turn("what's my balance?", True), Turn("when is my next payment due?", True)),)


@dataclass(frozen=True)
class NonBlockingResult:
    """Latency of the normal conversations without and with slow ones.

    Attributes:
        alone: Normal conversations only.
        with_fast: The same alongside the other customer's conversations with no
            delay but a 2 s pause after each reply (the same load on Rasa).
        with_slow: The same while the other customer's backend calls take 2 s.
        slow: The slow customer's conversations (each turn waits 2 s).
        slow_conversations: How many slow conversations ran at once.
    """

    alone: LevelStats
    with_fast: LevelStats
    with_slow: LevelStats
    slow: LevelStats
    slow_conversations: int

    @property
    def not_delayed(self) -> bool:
        """Others' p50 and p95 with slow calls within 25 % (+50 ms) of the control's."""
        return all(
            slow <= 1.25 * fast + 50.0
            for slow, fast in (
                (self.with_slow.p50_ms, self.with_fast.p50_ms),
                (self.with_slow.p95_ms, self.with_fast.p95_ms),
            )
        ) and self.with_slow.errors == 0 and self.with_slow.empty == 0

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready figures."""
        return {
            "delay_seconds": DELAY_SECONDS,
            "slow_conversations": self.slow_conversations,
            "normal_alone": self.alone.as_dict(),
            "normal_with_fast": self.with_fast.as_dict(),
            "normal_with_slow": self.with_slow.as_dict(),
            "slow": self.slow.as_dict(),
        }


def slow_services(
    stack: OurStack, work_dir: Path, paths: RepoPaths = RepoPaths()
) -> Tuple[List[Service], str]:
    """The delaying proxy, an action server behind it and a Rasa server using that.

    Args:
        stack: The running main stack (its backend and keys are reused).
        work_dir: Where the second Rasa's tracker store and outbox go.
        paths: Repository paths.

    Returns:
        The three services in start order, and the Rasa server's base URL.
    """
    settings = stack.settings
    proxy_port, actions_port, rasa_port = find_free_port(), find_free_port(), find_free_port()
    proxy = Service(
        name="slow-proxy",
        argv=[
            sys.executable,
            "-m",
            "bench.load.slow_proxy",
            "--port",
            str(proxy_port),
            "--target",
            stack.addresses.backend_url,
            "--slow-customer",
            SLOW_CUSTOMER.customer_id,
            "--delay",
            str(DELAY_SECONDS),
        ],
        cwd=paths.root,
        env={"PYTHONPATH": str(paths.root), "PYTHONUNBUFFERED": "1"},
        health_url=f"{url(proxy_port)}{HEALTH_PATH}",
    )
    actions = with_env(
        action_server_service(
            paths,
            actions_port,
            url(proxy_port),
            settings.backend_api_key,
            settings.identity_signing_key,
            desk_url=stack.addresses.desk_url,
            desk_api_key=settings.desk_api_key,
            handoff_outbox_path=work_dir / "handoff-outbox-slow.sqlite3",
            token=settings.action_server_token,
        ),
        "actions-slow",
        {"BACKEND_TIMEOUT_SECONDS": SLOW_BACKEND_TIMEOUT_SECONDS},
    )
    rasa = rasa_service(
        paths,
        rasa_port,
        stack.model,
        f"{url(actions_port)}/webhook",
        settings.identity_signing_key,
        settings.rasa_auth_token,
        timeout=settings.startup_timeout,
        backend_url=stack.addresses.backend_url,
        tracker_store_db=work_dir / "rasa-tracker-slow.db",
        action_server_token=settings.action_server_token,
        name="rasa-slow",
    )
    return [proxy, actions, rasa], url(rasa_port)


def run_nonblocking(
    stack: OurStack,
    work_dir: Path,
    log_dir: Path,
    degraded_texts: frozenset,
    normal_conversations: int,
    slow_conversations: int,
    warmup_seconds: float,
    seconds: float,
) -> NonBlockingResult:
    """Starts the slow services, measures, stops them.

    Args:
        stack: The running main stack.
        work_dir: Scratch directory.
        log_dir: Service logs.
        degraded_texts: Apology texts (see `replies`).
        normal_conversations: Normal conversations at once.
        slow_conversations: Slow customer's conversations at once.
        warmup_seconds: Warm-up of each measurement.
        seconds: Measured window of each measurement.

    Returns:
        The figures.
    """
    services, rasa_url = slow_services(stack, work_dir)
    proxy_url = services[0].health_url.rsplit(HEALTH_PATH, 1)[0]
    with start_stack(services, log_dir):
        tokens = login_all(stack.addresses.backend_url, [ADA, BEN, CHEN])
        webhook = f"{rasa_url}/webhooks/rest/webhook"
        normal = ChatTarget(
            "normal", webhook, (ADA, CHEN), CUSTOMER_JOURNEYS, tokens, degraded_texts
        )
        slow = ChatTarget("slow", webhook, (SLOW_CUSTOMER,), SLOW_JOURNEYS, tokens, degraded_texts)
        alone = asyncio.run(run_level(normal, normal_conversations, warmup_seconds, seconds))
        mixed = {}
        for delay in (0.0, DELAY_SECONDS):
            set_delay(proxy_url, delay)
            # The control waits at the client what the other run waits at the backend.
            other = dataclasses.replace(slow, think_seconds=DELAY_SECONDS - delay)
            mixed[delay] = asyncio.run(
                run_mixed(
                    [(normal, normal_conversations), (other, slow_conversations)],
                    warmup_seconds,
                    seconds,
                )
            )
    return NonBlockingResult(
        alone,
        mixed[0.0]["normal"],
        mixed[DELAY_SECONDS]["normal"],
        mixed[DELAY_SECONDS]["slow"],
        slow_conversations,
    )


def set_delay(proxy_url: str, seconds: float) -> None:
    """Sets the slow customer's delay at the proxy.

    Raises:
        requests.HTTPError: The proxy refused it.
    """
    response = requests.put(
        f"{proxy_url}{DELAY_PATH}", json={"seconds": seconds}, timeout=10.0
    )
    response.raise_for_status()

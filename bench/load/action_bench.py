"""The action server alone: its `/webhook` driven as Rasa drives it, closed loop.

The payload is what Rasa 3.6 sends (`RemoteAction._action_call_format`): the
tracker's full state (a verified customer's message as its latest message), the
domain, the action name and Rasa's version, with the shared secret as a bearer
token. The action chosen calls the payments backend, so the figure includes the
backend call.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, FrozenSet

import aiohttp

from bench.load.replies import DEGRADED_RESPONSES, classify_action_result
from bench.load.stats import ERROR, LevelStats, Sample, Window
from bench.load.closed_loop import run_closed_loop
from bench.load.open_loop import run_open_loop

#: A backend-calling action (actions/account.py) and the intent that runs it.
DEFAULT_ACTION = "action_check_balance"
DEFAULT_INTENT = "check_balance"
DEFAULT_TEXT = "what's my balance?"
REQUEST_TIMEOUT_SECONDS = 30.0
#: Metadata key the project's channels set for a verified customer (actions/identity.py).
VERIFIED_CUSTOMER_KEY = "verified_customer_id"


def action_payload(
    domain_file: Path,
    customer_id: str,
    action: str = DEFAULT_ACTION,
    intent: str = DEFAULT_INTENT,
    text: str = DEFAULT_TEXT,
    include_domain: bool = True,
) -> Dict[str, Any]:
    """Builds the JSON body Rasa posts to the action server for one action.

    Args:
        domain_file: The assistant's domain.
        customer_id: The verified customer of the latest message.
        action: The action to run.
        intent: The latest message's intent.
        text: The latest message's text.
        include_domain: Whether to send the domain (Rasa does unless selective
            domain is enabled for the action endpoint).

    Returns:
        `{"next_action", "sender_id", "tracker", "domain"?, "version"}`.
    """
    import rasa
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Rasa's notes about the domain, not ours to fix here
        domain = Domain.load(str(domain_file))
    sender_id = f"bench-actions-{uuid.uuid4().hex[:8]}"
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": 0.98}],
    }
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(
            text,
            intent=parse_data["intent"],
            parse_data=parse_data,
            metadata={VERIFIED_CUSTOMER_KEY: customer_id},
        ),
    ]
    tracker = DialogueStateTracker.from_events(sender_id, events, slots=domain.slots)
    payload: Dict[str, Any] = {
        "next_action": action,
        "sender_id": sender_id,
        "tracker": tracker.current_state(EventVerbosity.ALL),
        "version": rasa.__version__,
    }
    if include_domain:
        payload["domain"] = domain.as_dict()
    return payload


async def run_action_level(
    webhook_url: str,
    token: str,
    payload: Dict[str, Any],
    concurrency: int,
    warmup_seconds: float,
    seconds: float,
    degraded: FrozenSet[str] = frozenset(DEGRADED_RESPONSES),
) -> LevelStats:
    """Posts `payload` to the action server from `concurrency` callers at once.

    Args:
        webhook_url: The action server's `/webhook`.
        token: Its shared secret.
        payload: The action call (see `action_payload`).
        concurrency: Requests at once.
        warmup_seconds: Warm-up before measuring.
        seconds: Measured window.
        degraded: Response names that mean the backend call failed.

    Returns:
        The figures (an answer without a response to the customer is `empty`).
    """
    call = _caller(webhook_url, token, payload, degraded)

    async def worker(
        http: aiohttp.ClientSession, index: int, until: float, window: Window
    ) -> None:
        while time.monotonic() < until:
            window.add(await call(http))

    return await run_closed_loop(worker, concurrency, warmup_seconds, seconds)


async def run_action_rate(
    webhook_url: str,
    token: str,
    payload: Dict[str, Any],
    rate_per_second: float,
    warmup_seconds: float,
    seconds: float,
    degraded: FrozenSet[str] = frozenset(DEGRADED_RESPONSES),
) -> LevelStats:
    """Posts `payload` to the action server at a fixed rate (open loop).

    Args:
        webhook_url: The action server's `/webhook`.
        token: Its shared secret.
        payload: The action call.
        rate_per_second: Calls started per second.
        warmup_seconds: Warm-up before measuring.
        seconds: Measured window.
        degraded: Response names that mean the backend call failed.

    Returns:
        The figures (`concurrency` holds the rate).
    """
    return await run_open_loop(
        _caller(webhook_url, token, payload, degraded), rate_per_second, warmup_seconds, seconds
    )


def _caller(
    webhook_url: str, token: str, payload: Dict[str, Any], degraded: FrozenSet[str]
) -> Callable[[aiohttp.ClientSession], Awaitable[Sample]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Encoded once: the caller's own JSON work stays out of the figures.
    body = json.dumps(payload).encode("utf-8")

    async def call(http: aiohttp.ClientSession) -> Sample:
        started = time.monotonic()
        try:
            async with http.post(
                webhook_url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            ) as response:
                answer = await response.json(content_type=None)
                outcome = classify_action_result(response.status, answer, degraded)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            outcome = ERROR
        return Sample(time.monotonic() - started, outcome, started)

    return call

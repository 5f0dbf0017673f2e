"""Locked down: the action server and Rasa's API serve only authenticated callers,
and a customer channel limits how fast one sender may write."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.integration.stack_fixtures import RunningStack

SLOW_DOWN = "faster than I can read them"
BURST = 10  # CHANNEL_RATE_LIMIT_BURST's default
REFILL_SECONDS = 3.0  # CHANNEL_RATE_LIMIT_PER_MINUTE's default: 20 a minute


def _action_server_token(stack: RunningStack) -> str:
    service = next(s for s in stack.processes.services if s.name == "actions")
    return str(service.env["ACTION_SERVER_TOKEN"])


def _action_call(sender: str) -> dict:
    # What an attacker would post: run an account action for a claimed customer.
    return {
        "next_action": "action_check_balance",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"metadata": {"verified_customer_id": "C1001"}},
            "events": [],
        },
        "domain": {},
        "version": "3.6.2",
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-the-token"}],
    ids=["no-token", "wrong-token"],
)
def test_action_server_refuses_callers_without_the_token(stack: RunningStack, headers) -> None:
    webhook = requests.post(
        f"{stack.actions_url}/webhook", json=_action_call("intruder"), headers=headers, timeout=10
    )
    listing = requests.get(f"{stack.actions_url}/actions", headers=headers, timeout=10)

    assert webhook.status_code == 401
    assert "balance" not in webhook.text.lower()
    assert listing.status_code == 401


def test_action_server_serves_the_token_and_keeps_health_open(stack: RunningStack) -> None:
    token = _action_server_token(stack)

    health = requests.get(f"{stack.actions_url}/health", timeout=10)
    listing = requests.get(
        f"{stack.actions_url}/actions",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    assert health.status_code == 200
    assert listing.status_code == 200
    assert {"name": "action_check_balance"} in listing.json()


@pytest.mark.parametrize("token", [None, "wrong"], ids=["no-token", "wrong-token"])
def test_rasa_api_refuses_event_injection_without_its_token(
    stack: RunningStack, token
) -> None:
    sender = f"test-{uuid.uuid4().hex[:12]}"
    params = {"token": token} if token else {}
    forged = [{"event": "slot", "name": "customer_id", "value": "C1002"}]

    injected = requests.post(
        f"{stack.rasa_url}/conversations/{sender}/tracker/events",
        json=forged,
        params=params,
        timeout=10,
    )
    parsed = requests.post(
        f"{stack.rasa_url}/model/parse", json={"text": "hi"}, params=params, timeout=10
    )

    assert injected.status_code == 401
    assert parsed.status_code == 401


def test_a_burst_over_rest_is_slowed_down_before_nlu(stack: RunningStack) -> None:
    sender = f"test-{uuid.uuid4().hex[:12]}"
    sent = BURST + 8

    started = time.monotonic()
    replies = [stack.send(sender, "hello") for _ in range(sent)]
    elapsed = time.monotonic() - started

    texts = ["\n".join(m.get("text", "") for m in reply) for reply in replies]
    slowed = [SLOW_DOWN in text for text in texts]
    assert not any(slowed[:BURST]), texts  # the burst itself is answered normally
    refilled = int(elapsed / REFILL_SECONDS) + 1
    assert sent - sum(slowed) <= BURST + refilled, (elapsed, texts)
    assert any(slowed), (elapsed, texts)
    # Throttled messages never reached Rasa: the tracker holds only the others.
    events = stack.tracker(sender)["events"]
    user_messages = [e for e in events if e["event"] == "user"]
    assert len(user_messages) == sent - sum(slowed)
    # Another customer is not affected.
    other = stack.send(f"test-{uuid.uuid4().hex[:12]}", "hello")
    assert other and SLOW_DOWN not in other[0].get("text", "")

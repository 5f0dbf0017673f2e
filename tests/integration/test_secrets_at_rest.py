"""No secret at rest: generated cards, CVVs, IBANs, e-mails and phones typed in chat
are found in none of the places the stack keeps data.

Sinks scanned after the conversations below: Rasa's tracker store (SQLite file, every
table), Rasa's HTTP API trackers, every service log (`var/log/integration/*.log`:
rasa, actions, backend, desk), the agent desk's database, the action server's handoff
outbox and the backend's database. (The test stack has no event broker: the broker
wrapper is tested against Rasa's SQL broker and RabbitMQ in
`tests/unit/rasa_plugins/stores/test_broker.py`.)

Cards are compared on digits only, so `4111-1111 1111.1111` kept anywhere in any
layout counts as a leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.integration.desk_agent import DeskAgent
from tests.integration.journey import Conversation, backend_client, format_money
from tests.secret_samples import SecretSamples, generate_samples
from tests.secret_sinks import find_leaks, service_env, sqlite_dump, sqlite_path

ADA = "ada@example.com"
#: Messages per conversation, under the channels' per-sender burst of 10.
PER_CONVERSATION = 8


@dataclass
class Exchanged:
    """What the conversations left behind: their ids and the replies that matter."""

    senders: List[str] = field(default_factory=list)
    verification_replies: List[str] = field(default_factory=list)
    balance_after_verification: str = ""
    expected_balance: str = ""
    refund_replies: List[str] = field(default_factory=list)
    ticket_id: str = ""


@pytest.fixture(scope="module")
def samples() -> SecretSamples:
    generated = generate_samples(seed=515, cards_per_format=3)
    # Ada's own address, typed in the verification below, must not be kept either
    # (outside the backend, whose customer record it is).
    generated.emails.append(ADA)
    return generated


def _chunks(items: List[str], size: int) -> Iterator[List[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _free_text(stack: Any, samples: SecretSamples, exchanged: Exchanged) -> None:
    """Every sample message, a few per conversation, as a logged-in customer."""
    token = stack.login(ADA)
    for chunk in _chunks(samples.messages, PER_CONVERSATION):
        conversation = Conversation(stack, token=token)
        for message in chunk:
            # Not `say`: two misunderstood messages hand over, and the paused bot is silent.
            stack.send(conversation.sender_id, message, token=token)
        exchanged.senders.append(conversation.sender_id)


def _refund_form(stack: Any, samples: SecretSamples, exchanged: Exchanged) -> None:
    """A refund whose reason holds a card, a CVV and an e-mail, submitted."""
    conversation = Conversation(stack, ADA)
    card = samples.cards[0]
    order_id = _refundable_order(stack, ADA)
    replies = [
        conversation.say(f"I want a refund for order {order_id}"),
        conversation.say("5 euros"),
        conversation.say(
            f"it arrived broken, I paid with card {card} cvv {samples.cvvs[0]}, "
            f"write to {samples.emails[0]}"
        ),
    ]
    replies.append(conversation.say("yes"))
    exchanged.refund_replies = replies
    exchanged.senders.append(conversation.sender_id)


def _refundable_order(stack: Any, email: str) -> str:
    """An order of the customer with at least 5 EUR still refundable.

    Other tests of the shared stack refund orders too, so it is looked up, not fixed.
    """
    client = backend_client(stack)
    customer = stack.customer_id(email)
    for order in client.list_orders(customer):
        eligibility = client.get_refund_eligibility(customer, order.id)
        if eligibility.eligible and eligibility.refundable.amount >= Decimal("5"):
            return order.id
    raise AssertionError(f"{email} has no order with 5 EUR left to refund")


def _verification(stack: Any, exchanged: Exchanged) -> None:
    """A visitor verifies by e-mail and code, with the e-mail masked in every store."""
    conversation = Conversation(stack)
    replies = [conversation.say("what's my balance?"), conversation.say("/verify_identity")]
    replies.append(conversation.say(f"it's {ADA}"))
    [mail, *_] = backend_client(stack).read_dev_outbox(ADA)
    code = re.search(r"\b(\d{6})\b", mail.body).group(1)
    replies.append(conversation.say(code))
    exchanged.verification_replies = replies
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    exchanged.expected_balance = format_money(balance.outstanding)
    exchanged.balance_after_verification = conversation.say("so how much do I owe?")
    exchanged.senders.append(conversation.sender_id)


def _handoff(stack: Any, samples: SecretSamples, exchanged: Exchanged) -> None:
    """Secrets before and during a handoff to the desk, then read by an agent."""
    conversation = Conversation(stack, ADA)
    conversation.say(f"my card {samples.cards[1]} was charged twice, call {samples.phones[0]}")
    conversation.say("I want to talk to a person please")
    agent = DeskAgent(stack.desk_url, "maria")
    ticket = agent.ticket_of(conversation.sender_id)
    for message in (
        f"my IBAN is {samples.ibans[0]} and my card {samples.cards[2]}",
        f"or mail {samples.emails[1]}, last one ok",
    ):
        stack.send(conversation.sender_id, message, token=conversation.token)
    agent.wait_for_message(ticket["ticket_id"], "customer", "last one ok")
    exchanged.ticket_id = ticket["ticket_id"]
    exchanged.senders.append(conversation.sender_id)


@pytest.fixture(scope="module")
def exchanged(stack: Any, samples: SecretSamples) -> Exchanged:
    result = Exchanged()
    _free_text(stack, samples, result)
    _refund_form(stack, samples, result)
    _verification(stack, result)
    _handoff(stack, samples, result)
    return result


def _report(sink: str, texts: List[str], leaks: Dict[str, List[str]]) -> None:
    print(f"{sink}: {len(texts)} rows/lines scanned, {sum(map(len, leaks.values()))} leaks")


def test_the_conversations_went_through(exchanged: Exchanged, samples: SecretSamples) -> None:
    assert len(exchanged.senders) == -(-len(samples.messages) // PER_CONVERSATION) + 3
    # The live turn still had the address and the code: verification works with masking.
    assert "6-digit code" in exchanged.verification_replies[2]
    assert "verified" in exchanged.verification_replies[3]
    assert exchanged.expected_balance in exchanged.balance_after_verification
    assert exchanged.ticket_id


def test_the_tracker_store_keeps_no_secret(
    stack: Any, exchanged: Exchanged, samples: SecretSamples
) -> None:
    path = Path(service_env(stack, "rasa")["TRACKER_STORE_DB"])
    rows = sqlite_dump(path)
    ours = [row for row in rows if any(sender in row for sender in exchanged.senders)]
    assert len(ours) > 4 * len(samples.messages)
    # The masks are there (JSON writes "•" as "\\u2022"), so the messages were kept.
    assert sum(row.count("[card ") for row in ours) >= len(samples.cards)
    leaks = find_leaks(samples, rows)
    _report("tracker store", rows, leaks)
    assert leaks == {}


def test_the_http_api_shows_masked_trackers(
    stack: Any, exchanged: Exchanged, samples: SecretSamples
) -> None:
    trackers = [repr(stack.tracker(sender)) for sender in exchanged.senders]
    leaks = find_leaks(samples, trackers)
    _report("HTTP API trackers", trackers, leaks)
    assert leaks == {}
    first = stack.tracker(exchanged.senders[0])
    texts = [event.get("text") or "" for event in first["events"] if event["event"] == "user"]
    assert texts and all("[card ••••" in text for text in texts)


def test_no_log_holds_a_secret(stack: Any, exchanged: Exchanged, samples: SecretSamples) -> None:
    logs = {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in stack.log_dir.glob("*.log")
    }
    assert {"rasa.log", "actions.log", "backend.log", "desk.log"} <= set(logs)
    # The backend's access log saw the outbox read for Ada, masked.
    assert '"GET /v1/dev/outbox?recipient=[email] HTTP/1.1" 200' in logs["backend.log"]
    for name, text in sorted(logs.items()):
        assert "--- Logging error ---" not in text, name  # masking never breaks a formatter
        lines = text.splitlines()
        leaks = find_leaks(samples, lines)
        _report(name, lines, leaks)
        assert leaks == {}, name


def test_the_desk_keeps_no_secret(
    stack: Any, exchanged: Exchanged, samples: SecretSamples
) -> None:
    rows = sqlite_dump(sqlite_path(service_env(stack, "desk")["DATABASE_URL"]))
    assert any("last one ok" in row for row in rows)
    leaks = find_leaks(samples, rows)
    _report("desk database", rows, leaks)
    assert leaks == {}


def test_the_handoff_outbox_keeps_no_secret(
    stack: Any, exchanged: Exchanged, samples: SecretSamples
) -> None:
    path = Path(service_env(stack, "actions")["HANDOFF_OUTBOX_PATH"])
    rows = sqlite_dump(path) if path.exists() else []
    leaks = find_leaks(samples, rows)
    _report("handoff outbox", rows, leaks)
    assert leaks == {}


def test_the_backend_keeps_no_secret(
    stack: Any, exchanged: Exchanged, samples: SecretSamples
) -> None:
    rows = sqlite_dump(sqlite_path(service_env(stack, "backend")["DATABASE_URL"]))
    # The scan finds what is there: Ada's address, her account's (so not a leak here).
    assert samples.leaks("\n".join(rows)).get("emails") == [ADA]
    others = SecretSamples(
        cards=samples.cards,
        emails=[email for email in samples.emails if email != ADA],
        ibans=samples.ibans,
        phones=samples.phones,
        cvvs=samples.cvvs,
    )
    leaks = find_leaks(others, rows)
    _report("backend database", rows, leaks)
    assert leaks == {}
    # The refund's reason, typed with a card and an e-mail, reached the backend masked:
    # the confirming turn read it from the (masked) tracker store.
    assert any("[card" in row and "[email]" in row and "[cvv]" in row for row in rows)

"""Concurrent conversations for the replica tests: scripts, a closed-loop runner, the checks.

A conversation is closed-loop: each message is sent when the previous reply
arrived, as a customer would. Many run at once, each in its own thread with its
own HTTP session, against the proxy of a production stack.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import requests

from devstack.proxy import SERVED_BY_HEADER

HTTP_TIMEOUT = 120.0


@dataclass(frozen=True)
class Turn:
    """One customer message and, optionally, text its reply must contain."""

    text: str
    expect: Optional[str] = None


@dataclass
class Exchange:
    """One message sent and what came back."""

    text: str
    status: int
    replies: List[Dict[str, Any]]
    served_by: str
    seconds: float
    error: str = ""
    started: float = 0.0

    @property
    def reply_text(self) -> str:
        """All reply texts joined by newlines."""
        return "\n".join(str(reply.get("text") or "") for reply in self.replies)


@dataclass
class ConversationRun:
    """One conversation's exchanges, in order."""

    sender_id: str
    token: str
    turns: Sequence[Turn]
    exchanges: List[Exchange] = field(default_factory=list)


def account_script(digits: str, outstanding: str) -> List[Turn]:
    """Twenty turns of a logged-in customer; most call the backend through the actions.

    Args:
        digits: Digits of one of the customer's orders (order status, invoice).
        outstanding: The customer's outstanding balance as the bot writes it.

    Returns:
        The turns.
    """
    return [
        Turn("hello there"),
        Turn("how much do I still owe you altogether?", expect=outstanding),
        Turn("when is my next payment due"),
        Turn("show me my recent purchases"),
        Turn(f"where is my order #{digits}?", expect=f"KL-{digits}"),
        Turn("did my last payment go through?"),
        Turn("where is my refund? it's been ages"),
        Turn("thanks a lot"),
        Turn("what can you do?"),
        Turn("what is my total balance", expect=outstanding),
        Turn(f"can you send me the invoice for order {digits}", expect=f"KL-{digits}"),
        Turn("am I chatting with a real human?"),
        Turn("what's the return policy at Nordic Threads?"),
        Turn("when's my next instalment due?"),
        Turn("where is order KL-999999", expect="KL-999999"),
        Turn("has my refund been paid back yet?"),
        Turn("show me my recent purchases", expect=f"KL-{digits}"),
        Turn("how much do I still owe you altogether?", expect=outstanding),
        Turn("thanks"),
        Turn("bye"),
    ]


def run_conversations(
    rasa_url: str,
    runs: Sequence[ConversationRun],
    deadline_seconds: float,
    on_exchange: Optional[Callable[[int], None]] = None,
) -> float:
    """Runs every conversation at once (closed loop), returning the wall time.

    Args:
        rasa_url: Base URL of the proxy.
        runs: The conversations; their `exchanges` are filled in.
        deadline_seconds: Upper bound for the whole run.
        on_exchange: Called with the number of exchanges done so far after each one.

    Returns:
        Seconds from the first message to the last reply.

    Raises:
        TimeoutError: The run did not finish in time.
    """
    counter_lock = threading.Lock()
    done = [0]
    start = threading.Barrier(len(runs))

    def converse(run: ConversationRun) -> None:
        with requests.Session() as http:
            start.wait(timeout=60)
            for turn in run.turns:
                run.exchanges.append(send_turn(http, rasa_url, run, turn.text))
                if on_exchange is not None:
                    with counter_lock:
                        done[0] += 1
                        count = done[0]
                    on_exchange(count)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = [pool.submit(converse, run) for run in runs]
        finished, pending = wait(futures, timeout=deadline_seconds)
        if pending:
            raise TimeoutError(
                f"{len(pending)} of {len(runs)} conversations still running after {deadline_seconds:g} s"
            )
        for future in finished:
            future.result()
    return time.monotonic() - began


def send_turn(
    http: requests.Session, rasa_url: str, run: ConversationRun, text: str, key: Optional[str] = None
) -> Exchange:
    """Sends one message of `run` to the REST webhook; an error is recorded, never raised.

    Each message carries its own `Idempotency-Key` (`key`, a new one by default),
    as a careful REST client's do: the proxy may then send it again to the other
    replica when the first one drops it, and the replicas answer a repeat without
    a second turn.
    """
    began = time.monotonic()
    try:
        response = http.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": run.sender_id, "message": text},
            headers={"Authorization": f"Bearer {run.token}", "Idempotency-Key": key or uuid.uuid4().hex},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        return Exchange(text, 0, [], "", time.monotonic() - began, error=repr(error), started=began)
    seconds = time.monotonic() - began
    try:
        replies = list(response.json()) if response.status_code == 200 else []
    except ValueError:
        replies = []
    return Exchange(
        text,
        response.status_code,
        replies,
        response.headers.get(SERVED_BY_HEADER, ""),
        seconds,
        error="" if response.status_code == 200 else response.text[:300],
        started=began,
    )


def new_sender(prefix: str) -> str:
    """A fresh conversation id."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------- checks


def reply_problems(runs: Sequence[ConversationRun], forbidden: Sequence[str]) -> List[str]:
    """Messages without a proper reply: an error, nothing, an apology, a missing fact."""
    problems = []
    for run in runs:
        if len(run.exchanges) != len(run.turns):
            problems.append(f"{run.sender_id}: {len(run.exchanges)} of {len(run.turns)} sent")
        for turn, exchange in zip(run.turns, run.exchanges):
            where = f"{run.sender_id} {turn.text!r}"
            if exchange.error or exchange.status != 200:
                problems.append(f"{where}: HTTP {exchange.status} {exchange.error}")
            elif not exchange.replies or not any(
                reply.get("text") or reply.get("custom") for reply in exchange.replies
            ):
                problems.append(f"{where}: empty reply")
            elif any(text in exchange.reply_text for text in forbidden):
                problems.append(f"{where}: {exchange.reply_text[:80]!r}")
            elif turn.expect and turn.expect not in exchange.reply_text:
                problems.append(f"{where}: {turn.expect!r} not in {exchange.reply_text[:120]!r}")
    return problems


def order_problems(
    runs: Sequence[ConversationRun],
    events: Mapping[str, Sequence[Mapping[str, Any]]],
    as_stored: Callable[[str], str] = lambda text: text,
) -> List[str]:
    """Trackers that do not hold the sent messages, in order, each answered by the bot.

    Args:
        runs: The conversations.
        events: The tracker store's events per conversation, in write order.
        as_stored: What a sent text looks like in the store (masked).
    """
    problems = []
    for run in runs:
        stored = events.get(run.sender_id, [])
        users = [event.get("text") for event in stored if event.get("event") == "user"]
        sent = [as_stored(turn.text) for turn in run.turns]
        if users != sent:
            problems.append(f"{run.sender_id}: user messages {users} != sent {sent}")
            continue
        for index, position in enumerate(_user_positions(stored)):
            following = _until_next_user(stored, position)
            if not any(event.get("event") == "bot" for event in following):
                problems.append(f"{run.sender_id}: no bot event after message {index + 1}")
    return problems


def _user_positions(events: Sequence[Mapping[str, Any]]) -> List[int]:
    return [index for index, event in enumerate(events) if event.get("event") == "user"]


def _until_next_user(events: Sequence[Mapping[str, Any]], position: int) -> List[Mapping[str, Any]]:
    following = []
    for event in events[position + 1 :]:
        if event.get("event") == "user":
            break
        following.append(event)
    return following


def event_key(event: Mapping[str, Any]) -> tuple:
    """What identifies an event in the tracker store and on the queue alike."""
    return (
        event.get("event"),
        round(float(event.get("timestamp") or 0), 6),
        event.get("text"),
        event.get("name"),
    )


@dataclass
class BrokerComparison:
    """The queue's events of some conversations against the tracker store's.

    Attributes:
        stored: Events in the tracker store.
        published: Messages taken from the queue (redeliveries included).
        redelivered: Messages whose id had been seen already (at least once delivery).
        out_of_order: Conversations whose events arrived in another order than
            stored (before ordering by timestamp).
        problems: Conversations with an event lost, an extra one, or still out of
            order after ordering by timestamp.
        missing: Stored events that never reached the queue (lost), in all.
        extra: Events on the queue (after dropping redeliveries) that are not
            stored, in all.
    """

    stored: int = 0
    published: int = 0
    redelivered: int = 0
    out_of_order: int = 0
    problems: List[str] = field(default_factory=list)
    missing: int = 0
    extra: int = 0


def compare_with_broker(
    senders: Sequence[str],
    stored: Mapping[str, Sequence[Mapping[str, Any]]],
    published: Sequence[Tuple[Mapping[str, Any], Optional[str]]],
) -> BrokerComparison:
    """Checks that every stored event of each conversation reached the queue, once, in order.

    Messages sharing an id are one event delivered again (the outbox broker
    publishes at least once): the later copies are dropped. Each replica
    publishes on its own, so a conversation served by two replicas can arrive
    interleaved; ordered by the events' timestamps it must be exactly the
    stored sequence.

    Args:
        senders: The conversations to check.
        stored: The tracker store's events per conversation, in write order.
        published: (event, message id) in queue order.

    Returns:
        The comparison.
    """
    comparison = BrokerComparison(published=len(published))
    wanted = set(senders)
    seen_ids = set()
    per_sender: Dict[str, List[tuple]] = {sender: [] for sender in senders}
    for event, message_id in published:
        sender = str(event.get("sender_id"))
        if sender not in wanted:
            continue
        if message_id:
            if message_id in seen_ids:
                comparison.redelivered += 1
                continue
            seen_ids.add(message_id)
        per_sender[sender].append(event_key(event))
    for sender in senders:
        kept = [event_key(event) for event in stored.get(sender, [])]
        comparison.stored += len(kept)
        arrived = per_sender[sender]
        if arrived != kept:
            comparison.out_of_order += 1
        in_time_order = sorted(arrived, key=lambda key: key[1])
        if in_time_order != kept:
            missing = len(set(kept) - set(arrived))
            extra = len(arrived) - len(kept) + missing
            comparison.missing += missing
            comparison.extra += extra
            comparison.problems.append(
                f"{sender}: {len(kept)} events stored, {len(arrived)} on the queue "
                f"({missing} missing, {extra} extra)"
            )
    return comparison


def latency_figures(runs: Sequence[ConversationRun]) -> Dict[str, float]:
    """Median, 95th percentile and maximum reply time in seconds."""
    seconds = sorted(exchange.seconds for run in runs for exchange in run.exchanges)
    if not seconds:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": round(statistics.median(seconds), 2),
        "p95": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))], 2),
        "max": round(seconds[-1], 2),
    }


def served_share(runs: Sequence[ConversationRun]) -> Dict[str, int]:
    """How many messages each replica answered."""
    share: Dict[str, int] = {}
    for run in runs:
        for exchange in run.exchanges:
            share[exchange.served_by] = share.get(exchange.served_by, 0) + 1
    return dict(sorted(share.items()))

"""From what the scenarios did and what the stores hold, to the table's rows."""

from __future__ import annotations

from typing import Callable, Collection, Dict, List, Mapping, Sequence, Set, Tuple

from bench.reliability.counting import (
    duplicate_refunds,
    has_content,
    is_apology,
    is_silent,
    leaks_by_owner,
    unrecorded_answers,
    user_texts,
)
from bench.reliability.scenario import Outcome
from bench.reliability.table import ScenarioResult
from bench.reliability.typed_secrets import KINDS
from rasa_plugins.channels.slash_guard import neutralise
from tests.integration.production_stack import QueuedEvent
from tests.integration.replica_load import compare_with_broker
from tests.secret_samples import SecretSamples
from tests.secret_sinks import find_leaks

#: Problems listed per scenario in the details (the rest is counted).
SHOWN = 12


def owners(outcomes: Sequence[Outcome]) -> Dict[Tuple[str, str], str]:
    """(kind, secret) -> the scenario whose customers typed it."""
    owned: Dict[Tuple[str, str], str] = {}
    for outcome in outcomes:
        for kind in KINDS:
            for secret in getattr(outcome.secrets, kind):
                owned.setdefault((kind, secret), outcome.scenario.fault)
    return owned


def scan(
    samples: SecretSamples, sinks: Mapping[str, Sequence[str]], owned: Mapping[Tuple[str, str], str]
) -> Dict[str, Dict[str, Set[Tuple[str, str]]]]:
    """The distinct secrets readable in each sink, by the scenario that typed them."""
    found: Dict[str, Dict[str, Set[Tuple[str, str]]]] = {}
    for sink, texts in sinks.items():
        for owner, secrets in leaks_by_owner(find_leaks(samples, texts), owned).items():
            found.setdefault(owner, {})[sink] = secrets
    return found


def build_row(
    outcome: Outcome,
    stored: Mapping[str, List[dict]],
    queued: Sequence[QueuedEvent],
    leaks: Mapping[str, Set[Tuple[str, str]]],
    refunds_after: Mapping[str, List[dict]],
    apologies: Collection[str],
    as_stored: Callable[[str], str],
) -> ScenarioResult:
    """Counts one scenario.

    Args:
        outcome: What the scenario did.
        stored: The tracker store's events per conversation.
        queued: Every event taken from the queue during the run.
        leaks: sink -> this scenario's secrets readable there.
        refunds_after: The backend's refunds now, per customer id (refund scenario).
        apologies: Texts of the apologies.
        as_stored: A sent text as the (masking) tracker store keeps it.

    Returns:
        The row, with the problems behind it in `details`.
    """
    row = ScenarioResult(fault=outcome.scenario.fault, faults_injected=outcome.window.injected)
    problems: List[str] = []
    senders = [customer.run.sender_id for customer in outcome.customers]
    for customer in outcome.customers:
        exchanges = customer.run.exchanges
        row.messages_sent += len(exchanges)
        row.to_person += len(customer.to_person)
        for index, exchange in enumerate(exchanges):
            where = f"{customer.run.sender_id} #{index + 1} {as_stored(exchange.text)!r}"
            if is_silent(exchange, index in customer.to_person):
                row.silent_turns += 1
                problems.append(
                    f"silent: {where}: HTTP {exchange.status}, {exchange.seconds:.1f} s, "
                    f"{len(exchange.replies)} replies {exchange.error[:120]}"
                )
            elif is_apology(exchange, apologies):
                row.apologies += 1

        def answered(index: int, exchange: object, customer=customer) -> bool:
            return (
                not is_silent(exchange, index in customer.to_person)  # type: ignore[arg-type]
                and has_content(exchange)  # type: ignore[arg-type]
                and not is_apology(exchange, apologies)  # type: ignore[arg-type]
            )

        missing = unrecorded_answers(
            exchanges,
            answered,
            user_texts(stored.get(customer.run.sender_id, [])),
            lambda text: {as_stored(text), as_stored(neutralise(text))},
        )
        row.events_lost += len(missing)
        problems += [
            f"answered but not in the tracker store: {customer.run.sender_id} #{i + 1}"
            for i in missing
        ]
        problems += customer.handback_errors
    comparison = compare_with_broker(senders, stored, [(m.body, m.message_id) for m in queued])
    row.events_lost += comparison.missing
    problems += [f"queue: {problem}" for problem in comparison.problems]
    if outcome.scenario.refunds:
        rows = [
            refund
            for customer_id in outcome.refunds_before
            for refund in refunds_after.get(customer_id, [])
        ]
        before = [i for ids in outcome.refunds_before.values() for i in ids]
        row.duplicate_refunds, made = duplicate_refunds(before, rows)
        row.details["refunds_made"] = len(made)
        row.details["refund_submissions"] = outcome.refund_submissions
    row.leaked_secrets = len(set().union(*leaks.values())) if leaks else 0
    row.details.update(
        {
            "seconds": outcome.seconds,
            "fault": outcome.window.notes,
            "events_stored": comparison.stored,
            "events_on_queue_not_stored": comparison.extra,
            "events_redelivered": comparison.redelivered,
            "leaks_per_sink": {sink: len(found) for sink, found in leaks.items()},
            "secrets_typed": sum(len(getattr(outcome.secrets, kind)) for kind in KINDS),
            "handbacks": sum(customer.handbacks for customer in outcome.customers),
            "served_by": _served_by(outcome),
            "reply_seconds_max": round(
                max((e.seconds for c in outcome.customers for e in c.run.exchanges), default=0.0), 2
            ),
            "problems": problems[:SHOWN],
            "problems_total": len(problems),
            "errors": outcome.errors,
            "transcripts": _transcripts(outcome, as_stored),
        }
    )
    return row


def _transcripts(outcome: Outcome, as_stored: Callable[[str], str]) -> Dict[str, List[str]]:
    """Each conversation as lines `> message | seconds | replica | reply` (masked, shortened)."""
    shown: Dict[str, List[str]] = {}
    for customer in outcome.customers:
        shown[customer.run.sender_id] = [
            f"> {as_stored(e.text)[:60]} | {e.seconds:.2f} s | {e.served_by or e.status} | "
            f"{as_stored(e.reply_text)[:100]!r}"
            for e in customer.run.exchanges
        ]
    return shown


def _served_by(outcome: Outcome) -> Dict[str, int]:
    share: Dict[str, int] = {}
    for customer in outcome.customers:
        for exchange in customer.run.exchanges:
            share[exchange.served_by or "-"] = share.get(exchange.served_by or "-", 0) + 1
    return dict(sorted(share.items()))

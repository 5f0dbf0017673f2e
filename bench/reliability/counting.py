"""How the benchmark counts: silent turns, apologies, answers not kept, duplicate refunds, leaks.

Pure functions over what the traffic recorded and what the stores hold, so they
are unit-tested without services (tests/unit/bench/test_reliability_counting.py).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Callable, Collection, Dict, Iterable, List, Mapping, Sequence, Set, Tuple

from tests.integration.replica_load import Exchange

#: A customer waiting longer than this for a reply had a silent turn.
SILENT_SECONDS = 5.0


def has_content(exchange: Exchange) -> bool:
    """Whether the reply holds something the customer sees (a text or a custom payload)."""
    return any(reply.get("text") or reply.get("custom") for reply in exchange.replies)


def is_silent(exchange: Exchange, to_person: bool = False) -> bool:
    """A silent turn: no usable reply, or a reply later than `SILENT_SECONDS`.

    Args:
        exchange: The message and what came back.
        to_person: The conversation was paused (a person had it), so an empty
            reply is right; it still has to come in time.

    Returns:
        Whether the customer was left without an answer.
    """
    if exchange.error or exchange.status != 200:
        return True
    if exchange.seconds > SILENT_SECONDS:
        return True
    return not to_person and not has_content(exchange)


def is_apology(exchange: Exchange, apologies: Collection[str]) -> bool:
    """Whether a reply is one of the apologies (assistant or backend unavailable...)."""
    return any(apology in exchange.reply_text for apology in apologies)


def unrecorded_answers(
    exchanges: Sequence[Exchange],
    answered: Callable[[int, Exchange], bool],
    stored_user_texts: Sequence[str],
    as_stored: Callable[[str], Collection[str]] = lambda text: (text,),
) -> List[int]:
    """Messages the customer got a real answer to that the tracker store does not hold.

    A message whose turn failed (the apology) may be missing from the store by
    design (PostgreSQL down: nothing is kept in memory instead); one that was
    answered must be there, in the order it was sent.

    Args:
        exchanges: The conversation's messages, in order.
        answered: Whether exchange `i` got a real answer.
        stored_user_texts: The conversation's user texts in the store, in order.
        as_stored: What a sent text may look like in the store (masked; a
            button payload not offered loses its slash).

    Returns:
        Indexes of the answered messages not found (in order) in the store.
    """
    missing = []
    position = 0
    for index, exchange in enumerate(exchanges):
        if not answered(index, exchange):
            continue
        wanted = set(as_stored(exchange.text))
        found = next(
            (
                at
                for at in range(position, len(stored_user_texts))
                if stored_user_texts[at] in wanted
            ),
            None,
        )
        if found is None:
            missing.append(index)
        else:
            position = found + 1
    return missing


def user_texts(events: Iterable[Mapping[str, Any]]) -> List[str]:
    """The texts of the user events, in order."""
    return [str(event.get("text")) for event in events if event.get("event") == "user"]


def duplicate_refunds(
    before: Collection[str], after: Iterable[Mapping[str, Any]]
) -> Tuple[int, List[str]]:
    """Refunds the backend made twice for one submission.

    Every conversation of the scenario submits its own payload (its order and an
    amount no other conversation uses), so two new refunds with the same order
    and amount are one submission made twice.

    Args:
        before: Ids of the refunds that existed before the scenario.
        after: The refunds the backend holds now (rows with `id`, `order_id`,
            `amount: {amount, currency}`).

    Returns:
        (duplicates, ids of the refunds made during the scenario).
    """
    made = [row for row in after if str(row["id"]) not in set(before)]
    payloads = Counter(
        (str(row["order_id"]), Decimal(str(row["amount"]["amount"])), row["amount"]["currency"])
        for row in made
    )
    return sum(count - 1 for count in payloads.values()), sorted(str(row["id"]) for row in made)


def leaks_by_owner(
    found: Mapping[str, Iterable[str]], owners: Mapping[Tuple[str, str], str]
) -> Dict[str, Set[Tuple[str, str]]]:
    """The distinct secrets found, grouped by the scenario that typed them.

    Args:
        found: Secrets readable in a sink, by kind (`SecretSamples.leaks`).
        owners: (kind, secret) -> scenario.

    Returns:
        scenario -> {(kind, secret)}; secrets nobody typed go to "unknown".
    """
    grouped: Dict[str, Set[Tuple[str, str]]] = {}
    for kind, secrets in found.items():
        for secret in secrets:
            owner = owners.get((kind, secret), "unknown")
            grouped.setdefault(owner, set()).add((kind, secret))
    return grouped

"""Realistic conversations: the project's customer journeys and the stock moodbot's.

Most turns of the customer journeys run a custom action that calls the payments
backend (balance, next payment, order status, payment status, fees, refunds,
purchases); greetings and thanks are answered by Rasa alone. Each journey is a
new conversation (a new sender id) of one of the seeded demo customers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Tuple

#: Seeded demo customers (backend/payments_backend/seed.py), password `demo`.
DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class Customer:
    """A seeded demo customer.

    Attributes:
        email: Login e-mail.
        customer_id: The backend's id (sent by the action server as `X-Customer-Id`).
        order_id: One of the customer's orders, for "where is my order ..." turns.
    """

    email: str
    customer_id: str
    order_id: str


ADA = Customer("ada@example.com", "C1001", "KL-482913")
BEN = Customer("ben@example.com", "C1002", "KL-845120")
CHEN = Customer("chen@example.com", "C1003", "KL-290615")
CUSTOMERS: Tuple[Customer, ...] = (ADA, BEN, CHEN)


@dataclass(frozen=True)
class Turn:
    """One customer message.

    Attributes:
        text: What the customer types (`{order}` is replaced by their order id).
        calls_backend: Whether the answer comes from the backend through the
            action server.
    """

    text: str
    calls_backend: bool

    def for_customer(self, customer: Optional[Customer]) -> str:
        """The text with the customer's order id filled in."""
        return self.text.replace("{order}", customer.order_id if customer else "")


def _turns(*pairs: Tuple[str, bool]) -> Tuple[Turn, ...]:
    return tuple(Turn(text, backend) for text, backend in pairs)


#: The project's journeys: 10 of 13 turns call the backend.
CUSTOMER_JOURNEYS: Tuple[Tuple[Turn, ...], ...] = (
    _turns(
        ("hi", False),
        ("what's my balance?", True),
        ("when is my next payment due?", True),
        ("thanks", False),
    ),
    _turns(
        ("where is my order {order}?", True),
        ("did my last payment go through?", True),
        ("where is my refund? it's been ages", True),
    ),
    _turns(
        ("what is this fee you charged me", True),
        ("show me my recent purchases", True),
        ("what do I owe?", True),
        ("thanks a lot", False),
    ),
    _turns(
        ("how much do I owe?", True),
        ("what's the status of order {order}?", True),
    ),
)

#: The stock `rasa init` assistant's own journeys (its training stories).
MOODBOT_JOURNEYS: Tuple[Tuple[Turn, ...], ...] = (
    _turns(("hello", False), ("I am feeling great", False), ("bye", False)),
    _turns(("hi", False), ("I am sad", False), ("yes", False), ("goodbye", False)),
    _turns(("hey", False), ("very unhappy", False), ("no", False), ("are you a bot?", False)),
)


def backend_share(journeys: Sequence[Sequence[Turn]]) -> float:
    """Fraction of all turns that call the backend."""
    turns = [turn for journey in journeys for turn in journey]
    return sum(turn.calls_backend for turn in turns) / len(turns) if turns else 0.0


def journey_cycle(
    journeys: Sequence[Tuple[Turn, ...]],
    customers: Sequence[Optional[Customer]],
    offset: int = 0,
) -> Iterator[Tuple[Optional[Customer], Tuple[Turn, ...]]]:
    """Endless (customer, journey) pairs, starting at `offset` so workers differ.

    Args:
        journeys: The journeys to repeat.
        customers: Who talks (`None`: anonymous, the stock assistant).
        offset: Index of the first pair.

    Yields:
        The next customer and journey.
    """
    pairs = list(itertools.product(customers, journeys))
    for index in itertools.count(offset):
        yield pairs[index % len(pairs)]

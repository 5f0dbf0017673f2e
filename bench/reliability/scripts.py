"""What the customers of a scenario say: account questions with secrets in between, or a refund.

Account questions come from `tests.integration.replica_load.account_script`
(most need the action server and the backend). A secret message is never
followed by another one: two misunderstood messages in a row would hand the
conversation over.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Sequence, Tuple

from tests.integration.journey import backend_client, format_money
from tests.integration.production_stack import ProductionStack
from tests.integration.replica_load import Turn, account_script

#: The demo customers the conversations log in as, in turn.
CUSTOMERS = ("ada@example.com", "ben@example.com", "chen@example.com")
#: The refund confirmation button's payload ("Yes, submit"): the submitting turn.
SUBMIT = "/affirm"
REFUND_REASON = "Arrived damaged"


@dataclass(frozen=True)
class Account:
    """A demo customer's facts for the account questions."""

    email: str
    token: str
    customer_id: str
    order_digits: str
    outstanding: str


def accounts(stack: ProductionStack) -> List[Account]:
    """Logs every demo customer in and reads an order and the balance from the backend."""
    backend = backend_client(stack)
    found = []
    for email in CUSTOMERS:
        customer = stack.customer_id(email)
        orders = backend.list_orders(customer)
        delivered = [order for order in orders if order.status == "delivered"] or orders
        owed = backend.get_balance(customer).outstanding
        found.append(
            Account(
                email=email,
                token=stack.login(email),
                customer_id=customer,
                order_digits=delivered[0].id.split("-")[1],
                outstanding=format_money(owed) if owed.amount > 0 else "paid up",
            )
        )
    return found


def mixed_script(
    account: Account, secrets: Sequence[str], messages: int, offset: int
) -> List[Turn]:
    """`messages` turns: account questions, and every second one a message with a secret.

    Args:
        account: The customer.
        secrets: Secret messages to type, in order (as many as needed).
        messages: Length of the script.
        offset: Where in the account questions this conversation starts (after
            the greeting), so conversations do not all ask the same thing.

    Returns:
        The turns; the first is a greeting.
    """
    questions = account_script(account.order_digits, account.outstanding)
    greeting, rest = questions[0], questions[1:]
    asked = iter([greeting] + [rest[(offset + index) % len(rest)] for index in range(messages)])
    typed = iter(secrets)
    turns: List[Turn] = []
    for index in range(messages):
        secret = next(typed, None) if index % 2 == 1 else None
        turns.append(Turn(secret) if secret is not None else next(asked))
    return turns


def secret_count(conversations: int, messages: int) -> int:
    """How many secret messages `mixed_script` types in a scenario."""
    return conversations * (messages // 2)


def refund_turns(order_id: str, amount: Decimal) -> List[Turn]:
    """A refund, answered with the backend's refund id when it went through."""
    return [
        Turn(f"I want a refund for order {order_id}"),
        Turn(f"{amount} euros"),
        Turn(REFUND_REASON),
        Turn(SUBMIT),
    ]


def refundable_orders(stack: ProductionStack, account: Account, at_least: Decimal) -> List[str]:
    """The customer's orders with at least `at_least` EUR still refundable."""
    client = backend_client(stack)
    found = []
    for order in client.list_orders(account.customer_id):
        eligibility = client.get_refund_eligibility(account.customer_id, order.id)
        if eligibility.eligible and eligibility.refundable.amount >= at_least:
            found.append(order.id)
    return found


def refund_plan(
    stack: ProductionStack, accounts_: Sequence[Account], conversations: int
) -> List[Tuple[Account, str, Decimal]]:
    """(customer, order, amount) per conversation: different payloads, all refundable.

    Amounts differ per conversation (5, 6, 7... EUR), so two conversations on the
    same order are two refunds, never a resubmission of one.

    Raises:
        RuntimeError: No demo customer has an order left to refund.
    """
    budget = Decimal(5 + conversations) * conversations
    orders: Dict[str, List[str]] = {
        account.email: refundable_orders(stack, account, budget) for account in accounts_
    }
    usable = [account for account in accounts_ if orders[account.email]]
    if not usable:
        raise RuntimeError("no demo customer has an order with enough left to refund")
    plan = []
    for index in range(conversations):
        account = usable[index % len(usable)]
        order = orders[account.email][(index // len(usable)) % len(orders[account.email])]
        plan.append((account, order, Decimal(5 + index)))
    return plan

"""One scenario: fresh conversations before, during and after one fault.

The conversations' messages are split in three phases: the first quarter with
everything up, the middle under the fault, the last quarter after it was
removed (and the stack recovered). The lost-answer scenario's middle phase is a
refund submitted, its answer cut, and submitted again.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

from bench.reliability.faults import Fault, Rig, Window
from bench.reliability.scripts import Account, mixed_script, refund_plan, refund_turns
from bench.reliability.traffic import Customer, Traffic
from bench.reliability.typed_secrets import typed_secrets
from tests.integration.replica_load import ConversationRun, Turn, new_sender
from tests.secret_samples import SecretSamples

#: Upper bound of one phase (a replica's stop and restart included).
PHASE_SECONDS = 420.0


@dataclass(frozen=True)
class Scenario:
    """One row of the table.

    Attributes:
        fault: The row's label.
        inject: The fault, as a context manager.
        refunds: The phase under fault submits refunds (and counts duplicates).
    """

    fault: str
    inject: Fault
    refunds: bool = False


@dataclass
class Outcome:
    """What a scenario did, before counting.

    Attributes:
        scenario: The scenario.
        customers: Its conversations.
        secrets: The secrets its customers typed.
        window: The fault's record.
        refund_submissions: Distinct refund submissions (conversations that submitted).
        refunds_before: Refund ids per customer id before the scenario.
        seconds: Wall time of the scenario, recovery included.
        errors: What broke the scenario itself (not a finding about the stack).
    """

    scenario: Scenario
    customers: List[Customer]
    secrets: SecretSamples
    window: Window = field(default_factory=Window)
    refund_submissions: int = 0
    refunds_before: Dict[str, List[str]] = field(default_factory=dict)
    seconds: float = 0.0
    errors: List[str] = field(default_factory=list)


def phase_sizes(messages: int) -> Tuple[int, int, int]:
    """(before, during, after) message counts of a conversation of `messages` messages."""
    edge = max(1, messages // 4)
    during = max(1, messages - 2 * edge)
    return edge, during, edge


def run_scenario(
    rig: Rig,
    traffic: Traffic,
    scenario: Scenario,
    seed: int,
    accounts: Sequence[Account],
    conversations: int,
    messages: int,
) -> Outcome:
    """Runs the scenario's conversations around its fault.

    Args:
        rig: The stack and the backend proxy.
        traffic: The conversation runner.
        scenario: What to inject.
        seed: Seed of this scenario's secrets.
        accounts: The demo customers.
        conversations: Conversations at once.
        messages: Messages per conversation (the refund scenario's middle phase
            is the refund, twice, instead).

    Returns:
        The outcome, ready for counting.
    """
    started = time.monotonic()
    before, during, after = phase_sizes(messages)
    generic = before + after if scenario.refunds else messages
    secret_messages, secrets = typed_secrets(seed, conversations * (generic // 2))
    per_conversation = generic // 2
    customers: List[Customer] = []
    scripts: List[List[Turn]] = []
    plan = refund_plan(rig.stack, accounts, conversations) if scenario.refunds else []
    for index in range(conversations):
        account = plan[index][0] if plan else accounts[index % len(accounts)]
        typed = secret_messages[index * per_conversation : (index + 1) * per_conversation]
        script = mixed_script(account, typed, generic, offset=index * 3)
        if plan:
            _, order_id, amount = plan[index]
            middle = refund_turns(order_id, amount) * 2  # the second run resubmits
            script = script[:before] + middle + script[before:]
            during = len(middle)
        run = ConversationRun(new_sender(f"reliability-{seed}"), account.token, script)
        customers.append(Customer(run=run, email=account.email))
        scripts.append(script)
    # Message indexes where phases change; the refund's two runs are two rounds
    # under the fault (the fault's `between` runs in between).
    rounds = [before, before + during // 2, before + during] if plan else [before, before + during]
    outcome = Outcome(scenario=scenario, customers=customers, secrets=secrets)
    if plan:
        outcome.refund_submissions = len(plan)
        outcome.refunds_before = {
            account.customer_id: _refund_ids(rig, account.customer_id) for account, _, _ in plan
        }
    try:
        traffic.run_phase(_slice(customers, scripts, 0, rounds[0]), PHASE_SECONDS)
        with scenario.inject(rig) as window:
            outcome.window = window
            for number, (start, end) in enumerate(zip(rounds, rounds[1:])):
                if number and window.between is not None:
                    window.between()
                _under_fault(traffic, window, _slice(customers, scripts, start, end))
        traffic.run_phase(_slice(customers, scripts, rounds[-1], None), PHASE_SECONDS)
    except Exception as error:  # the row reports it; the next scenarios still run
        outcome.errors.append(f"{type(error).__name__}: {error}"[:500])
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _under_fault(traffic: Traffic, window: Window, work: List[Tuple[Customer, List[Turn]]]) -> None:
    """One round of messages under the fault, with the fault's own work alongside, if any.

    The fault's work (`window.alongside`) runs in this (the main) thread while
    the customers talk in others: a service started from a thread that ends
    would get SIGTERM with it (`devstack.processes` sets the parent-death signal).
    """
    run = functools.partial(
        traffic.run_phase,
        work,
        PHASE_SECONDS,
        guard=window.guard,
        on_exchange=window.on_exchange,
        repeat_until=window.repeat_until,
    )
    if window.alongside is None:
        run()
        return
    failures: List[BaseException] = []

    def talk() -> None:
        try:
            run()
        except Exception as error:  # raised below, in this thread
            failures.append(error)

    talking = threading.Thread(target=talk, daemon=True)
    talking.start()
    try:
        window.alongside()
    finally:
        if window.repeat_until is not None:
            window.repeat_until.set()
        talking.join(PHASE_SECONDS)
    if failures:
        raise failures[0]


def refunds_of(rig: Rig, customer_id: str) -> List[Dict[str, Any]]:
    """The customer's refunds, read from the backend directly (not through the proxy)."""
    return list(rig.stack.backend_get("/v1/refunds", customer_id))


def _refund_ids(rig: Rig, customer_id: str) -> List[str]:
    return [str(row["id"]) for row in refunds_of(rig, customer_id)]


def _slice(
    customers: Sequence[Customer], scripts: Sequence[List[Turn]], start: int, end: Any
) -> List[Tuple[Customer, List[Turn]]]:
    return [(customer, script[start:end]) for customer, script in zip(customers, scripts)]

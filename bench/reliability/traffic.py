"""Customers talking to the stack while faults come and go, and an agent handing conversations back.

Every conversation is closed-loop (the next message is sent when the reply to the
previous one arrived) and runs in its own thread with its own HTTP session,
against the round-robin proxy. A scenario runs its conversations in phases
(before, during and after the fault) with the same conversations throughout.

When the assistant hands a conversation over to a person (its reply says the
customer is queued, or a reply stays empty because the conversation is paused),
the benchmark plays the agent at the desk: claims the ticket and hands the
conversation back, as `tests/integration/test_backend_failures.py` does, so the
customer's next message is the assistant's again.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    ContextManager,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
)

import requests

from tests.integration.desk_agent import DeskAgent
from tests.integration.replica_load import ConversationRun, Turn, send_turn

#: The desk's demo agent the benchmark plays.
AGENT = "maria"
HTTP_TIMEOUT = 30.0
#: Between two messages of a conversation that goes on while a fault lasts.
REPEAT_PAUSE_SECONDS = 2.0
#: How long a ticket may take to reach the desk's queue after the handoff reply.
TICKET_WAIT_SECONDS = 20.0

#: Called around one message (e.g. to arm a fault for exactly that message).
TurnGuard = Callable[[ConversationRun, Turn], ContextManager[None]]


def no_guard(run: ConversationRun, turn: Turn) -> ContextManager[None]:
    """The default guard: nothing around the message."""
    return contextlib.nullcontext()


@dataclass
class Customer:
    """One conversation of a scenario and what happened around its messages.

    Attributes:
        run: The conversation (sender, identity token, script) and its exchanges.
        email: The demo customer.
        to_person: Indexes of exchanges whose empty reply is explained: the
            conversation was paused, a person had it.
        handbacks: Conversations the agent handed back to the assistant.
        handback_errors: What failed while handing back.
    """

    run: ConversationRun
    email: str
    to_person: Set[int] = field(default_factory=set)
    handbacks: int = 0
    handback_errors: List[str] = field(default_factory=list)


def paced(turns: Sequence[Turn], until: Optional[threading.Event]) -> Iterator[Turn]:
    """The turns, then (with `until`) the same turns again, paced, until `until` is set."""
    yield from turns
    position = 0
    while turns and until is not None and not until.wait(REPEAT_PAUSE_SECONDS):
        yield turns[position % len(turns)]
        position += 1


def handed_over(replies: Sequence[Dict[str, Any]]) -> bool:
    """Whether the replies tell the customer a person is taking over (the bot pauses)."""
    for reply in replies:
        custom = reply.get("custom")
        handoff = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(handoff, dict) and handoff.get("state") == "queued":
            return True
    return False


class Traffic:
    """Runs phases of conversations against one stack."""

    def __init__(self, rasa_url: str, rasa_token: str, desk_url: str) -> None:
        """Prepares the traffic.

        Args:
            rasa_url: The proxy in front of the replicas.
            rasa_token: Token of Rasa's HTTP API (reading whether a conversation is paused).
            desk_url: The agent desk.
        """
        self.rasa_url = rasa_url
        self.rasa_token = rasa_token
        self.desk_url = desk_url

    def run_phase(
        self,
        work: Sequence[Tuple[Customer, Sequence[Turn]]],
        deadline_seconds: float,
        guard: TurnGuard = no_guard,
        on_exchange: Optional[Callable[[int], None]] = None,
        repeat_until: Optional[threading.Event] = None,
    ) -> None:
        """Sends each conversation's turns, all conversations at once.

        Args:
            work: (conversation, the turns of this phase).
            deadline_seconds: Upper bound for the phase.
            guard: Context around each message.
            on_exchange: Called with the number of messages answered so far in the phase.
            repeat_until: After its turns, each conversation goes on with them
                again, one message every `REPEAT_PAUSE_SECONDS`, until this is set
                (traffic for as long as a fault lasts).

        Raises:
            TimeoutError: The phase did not end in time.
        """
        counter = [0]
        lock = threading.Lock()

        def answered() -> None:
            if on_exchange is None:
                return
            with lock:
                counter[0] += 1
                done = counter[0]
            on_exchange(done)

        pool = ThreadPoolExecutor(max_workers=max(1, len(work)))
        try:
            futures = [
                pool.submit(self._converse, customer, paced(turns, repeat_until), guard, answered)
                for customer, turns in work
            ]
            finished, pending = wait(futures, timeout=deadline_seconds)
            if pending:
                raise TimeoutError(
                    f"{len(pending)} conversations still running after {deadline_seconds:g} s"
                )
            for future in finished:
                future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _converse(
        self,
        customer: Customer,
        turns: Iterable[Turn],
        guard: TurnGuard,
        answered: Callable[[], None],
    ) -> None:
        agent: List[DeskAgent] = []
        with requests.Session() as http:
            for turn in turns:
                with guard(customer.run, turn):
                    exchange = send_turn(http, self.rasa_url, customer.run, turn.text)
                customer.run.exchanges.append(exchange)
                answered()
                # An empty reply is right while a person has the conversation.
                to_person = (
                    exchange.status == 200
                    and not exchange.replies
                    and self._paused(http, customer.run.sender_id)
                )
                if to_person:
                    customer.to_person.add(len(customer.run.exchanges) - 1)
                if to_person or handed_over(exchange.replies):
                    self._hand_back(customer, agent)

    def _paused(self, http: requests.Session, sender_id: str) -> bool:
        try:
            response = http.get(
                f"{self.rasa_url}/conversations/{sender_id}/tracker",
                params={"token": self.rasa_token, "include_events": "NONE"},
                timeout=HTTP_TIMEOUT,
            )
            return response.status_code == 200 and bool(response.json().get("paused"))
        except (requests.RequestException, ValueError):
            return False

    def _hand_back(self, customer: Customer, agent: List[DeskAgent]) -> None:
        """Claims the conversation's ticket and gives it back to the assistant."""
        try:
            if not agent:
                agent.append(DeskAgent(self.desk_url, AGENT))
            desk = agent[0]
            ticket = desk.ticket_of(customer.run.sender_id, timeout=TICKET_WAIT_SECONDS)
            if ticket.get("status") == "waiting":
                desk.claim(ticket["ticket_id"]).raise_for_status()
            desk.hand_back(ticket["ticket_id"]).raise_for_status()
            customer.handbacks += 1
        except (AssertionError, requests.RequestException, KeyError) as error:
            customer.handback_errors.append(f"{customer.run.sender_id}: {error!r}"[:300])

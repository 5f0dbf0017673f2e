"""The faults, one per scenario: injected for real on entering, removed on leaving.

Processes are stopped (SIGTERM), frozen (SIGSTOP) and restarted through
`devstack.processes.Stack`; PostgreSQL, Redis and RabbitMQ go away behind the
stack's `FaultProxy` instances (every connection reset, new ones refused); the
backend's answers are cut after its commit by the action server's proxy.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional

import requests

from actions.settings import DEFAULT_BACKEND_BREAKER_RESET_SECONDS
from bench.reliability.scripts import SUBMIT
from bench.reliability.sinks import outbox_rows
from bench.reliability.traffic import TurnGuard, no_guard
from tests.faults.tcp_proxy import FaultProxy
from tests.integration.production_stack import ProductionStack, wait_until
from tests.integration.replica_load import ConversationRun, Turn
from tests.secret_sinks import service_env

READY_PATH = "/webhooks/health/ready"
#: Longest wait for the first answer under fault before stopping a replica anyway.
FIRST_ANSWER_SECONDS = 60.0


@dataclass
class Rig:
    """What the faults act on.

    Attributes:
        stack: The production stack.
        backend_proxy: The action server's proxy to the backend.
        outbox_seen: Outbox rows read while RabbitMQ was away (a sink to scan).
    """

    stack: ProductionStack
    backend_proxy: FaultProxy
    outbox_seen: List[str] = field(default_factory=list)


@dataclass
class Window:
    """A fault while it lasts.

    Attributes:
        injected: Faults injected so far.
        guard: Context around each message of the phase under fault.
        on_exchange: Called with the number of messages answered in that phase.
        repeat_until: Set when the fault is over: the phase's conversations go on
            until then (`None`: each sends its turns once).
        alongside: The fault's own work, run in the main thread while the
            customers talk (e.g. stopping and restarting a replica).
        between: Run between two rounds of messages under the fault.
        notes: What happened (times, backlog...).
    """

    injected: int = 0
    guard: TurnGuard = no_guard
    on_exchange: Optional[Callable[[int], None]] = None
    repeat_until: Optional[threading.Event] = None
    alongside: Optional[Callable[[], None]] = None
    between: Optional[Callable[[], None]] = None
    notes: Dict[str, Any] = field(default_factory=dict)


Fault = Callable[[Rig], ContextManager[Window]]


@contextlib.contextmanager
def no_fault(rig: Rig) -> Iterator[Window]:
    """Baseline traffic."""
    yield Window()


@contextlib.contextmanager
def actions_stopped(rig: Rig) -> Iterator[Window]:
    """The action server is stopped, then restarted."""
    rig.stack.processes.stop_service("actions")
    try:
        yield Window(injected=1)
    finally:
        rig.stack.processes.restart_service("actions")


@contextlib.contextmanager
def backend_stopped(rig: Rig) -> Iterator[Window]:
    """The payments backend is stopped, then restarted."""
    window = Window(injected=1)
    since = _actions_log_size(rig)
    with rig.stack.backend_down():
        yield window
    _breaker_closes(rig, window, since)


@contextlib.contextmanager
def backend_frozen(rig: Rig) -> Iterator[Window]:
    """The payments backend is suspended (SIGSTOP): it accepts connections, answers nothing."""
    window = Window(injected=1)
    since = _actions_log_size(rig)
    with rig.stack.backend_frozen():
        yield window
    _breaker_closes(rig, window, since)


def _actions_log_size(rig: Rig) -> int:
    """Where the action server's log ends now (to read what it logs from here on)."""
    log = rig.stack.log_dir / "actions.log"
    return log.stat().st_size if log.exists() else 0


def _breaker_opened_since(rig: Rig, offset: int) -> bool:
    """Whether the action server logged its breaker opening after `offset` in its log."""
    log = rig.stack.log_dir / "actions.log"
    if not log.exists():
        return False
    with log.open("rb") as handle:
        handle.seek(offset)
        return b"backend.breaker name=payments-backend state=open" in handle.read()


def _breaker_closes(rig: Rig, window: Window, since: int) -> None:
    """Waits out the action server's circuit breaker if it opened after `since` (log offset).

    The breaker (actions/api/breaker.py) fails every backend call fast for
    `BACKEND_BREAKER_RESET_SECONDS` (30 s) after it opened, by design; then the
    first call closes it. Waiting that long lets the next messages see the
    recovered stack.
    """
    if not _breaker_opened_since(rig, since):
        return
    env = service_env(rig.stack, "actions")
    seconds = float(env.get("BACKEND_BREAKER_RESET_SECONDS", DEFAULT_BACKEND_BREAKER_RESET_SECONDS))
    window.notes["waited_for_the_breaker_seconds"] = seconds + 1.0
    time.sleep(seconds + 1.0)


@contextlib.contextmanager
def answers_lost(rig: Rig) -> Iterator[Window]:
    """The first answer to each refund submission is cut after the backend committed.

    Submissions go one at a time while a cut is armed, so each conversation's
    first submission is the one cut; its resubmission goes through.
    """
    proxy = rig.backend_proxy
    lock = threading.Lock()
    cut_for: set = set()
    before = len(proxy.withheld)

    @contextlib.contextmanager
    def guard(run: ConversationRun, turn: Turn) -> Iterator[None]:
        if turn.text != SUBMIT or run.sender_id in cut_for:
            yield
            return
        with lock:
            cut_for.add(run.sender_id)
            proxy.cut_next_response()
            try:
                yield
            finally:
                proxy.disarm()  # a submission that never reached the backend leaves none armed

    window = Window(guard=guard)
    since = _actions_log_size(rig)
    # Several answers lost in a row open the action server's circuit breaker: the
    # customers resubmit once it has closed again (as its apology asks).
    window.between = functools.partial(_breaker_closes, rig, window, since)
    yield window
    committed = [line for line in proxy.withheld[before:] if line.startswith(b"HTTP/1.1 201")]
    window.injected = len(committed)
    window.notes["answers_cut"] = [
        line.decode(errors="replace") for line in proxy.withheld[before:]
    ]


def _infra_down(name: str) -> Fault:
    @contextlib.contextmanager
    def down(rig: Rig) -> Iterator[Window]:
        with rig.stack.infra[name].down():
            yield Window(injected=1)

    down.__doc__ = f"{name} goes away (connections reset, new ones refused), then comes back."
    return down


redis_down = _infra_down("redis")
postgres_down = _infra_down("postgres")


@contextlib.contextmanager
def rabbitmq_down(rig: Rig) -> Iterator[Window]:
    """RabbitMQ goes away while customers talk, then comes back; the outbox is read meanwhile."""
    window = Window(injected=1)
    with rig.stack.infra["rabbitmq"].down():
        yield window
        window.notes["backlog_during"] = broker_backlog(rig.stack)
        rig.outbox_seen += outbox_rows(rig.stack)
        window.notes["outbox_rows_during"] = len(rig.outbox_seen)


@contextlib.contextmanager
def replica_stopped(rig: Rig) -> Iterator[Window]:
    """One replica gets SIGTERM after the first answer of the phase, then is started again.

    The customers go on talking through the stop (in-flight turns drain), the
    outage and the restart (the model loading), until the replica is ready.
    """
    victim = rig.stack.replica_names[-1]
    first_answer = threading.Event()
    window = Window(injected=1, repeat_until=threading.Event())
    window.on_exchange = lambda done: first_answer.set()

    def stop_and_restart() -> None:
        first_answer.wait(FIRST_ANSWER_SECONDS)
        try:
            began = time.monotonic()
            rig.stack.processes.stop_service(victim)
            window.notes["stop_seconds"] = round(time.monotonic() - began, 1)
            began = time.monotonic()
            rig.stack.processes.restart_service(victim)
            window.notes["restart_seconds"] = round(time.monotonic() - began, 1)
        except Exception as error:  # reported in the row; the replica may be gone
            window.notes["restart_error"] = repr(error)[:500]

    window.alongside = stop_and_restart
    window.notes["replica"] = victim
    yield window
    with contextlib.suppress(requests.RequestException):
        window.notes["proxy"] = rig.stack.proxy_status()  # requests refused by the stopped one


def readiness(stack: ProductionStack) -> List[Dict[str, Any]]:
    """Each replica's readiness body (status code in `http_status`; `None` when unreachable)."""
    bodies = []
    for base in stack.replica_urls:
        try:
            response = requests.get(f"{base}{READY_PATH}", timeout=10)
            bodies.append({"http_status": response.status_code, **response.json()})
        except (requests.RequestException, ValueError):
            bodies.append({"http_status": None})
    return bodies


def broker_backlog(stack: ProductionStack) -> int:
    """Events waiting in the replicas' outboxes (unknown replicas count as 0)."""
    return sum(
        int(body.get("checks", {}).get("event_broker", {}).get("backlog") or 0)
        for body in readiness(stack)
    )


def wait_ready(stack: ProductionStack, timeout: float) -> List[Dict[str, Any]]:
    """Waits until every replica answers 200 on the readiness route.

    Returns:
        The bodies of the replicas still not ready at `timeout` (empty: all ready).
    """
    last: List[Dict[str, Any]] = []

    def ready() -> bool:
        last[:] = [body for body in readiness(stack) if body["http_status"] != 200]
        return not last

    wait_until(ready, timeout, 1.0)
    return last


def wait_outbox_empty(stack: ProductionStack, timeout: float) -> bool:
    """Waits until no event waits in any replica's outbox."""
    return wait_until(lambda: broker_backlog(stack) == 0, timeout, 1.0)

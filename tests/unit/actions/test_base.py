"""Tests of actions.base, of the fake backend's fidelity, and of action registration."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import actions
from actions.api import (
    AuthenticationError,
    BackendClient,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    InvalidResponse,
    NotFound,
    PaymentDeclined,
    RuleViolation,
)
from actions.base import (
    BackendAction,
    BackendFormValidationAction,
    FormAskAction,
    FormSubmitAction,
    UsesBackend,
    report_backend_error,
)
from actions.charges import ActionOpenDispute
from tests.unit.actions.fakes import (
    CLIENT_METHODS,
    FakeBackendClient,
    handoff_config,
    handoff_events,
    handoff_settings,
    make_tracker,
    run_action,
    validation_tracker,
)

ACTIONS_DIR = Path(actions.__file__).parent


# --------------------------------------------------------------------------- probes


class _BalanceProbe(BackendAction):
    """Reads the balance; says nothing due when it can."""

    def name(self) -> Text:
        return "action_probe_balance"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        await self.call(self.client.get_balance, customer_id)
        dispatcher.utter_message(response="utter_balance_nothing_due")
        return [SlotSet("order_id", None)]


class _BlockingProbe(_BalanceProbe):
    """Calls the client on the event loop's thread: what actions must never do."""

    def name(self) -> Text:
        return "action_probe_blocking"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        self.client.get_balance(customer_id)
        return []


class _ReplyProbe(BackendAction):
    """Sends the reply it is given, without the backend."""

    requires_identity = False

    def __init__(self, response: str, **facts: Any) -> None:
        super().__init__(client=None)
        self.response = response
        self.facts = facts

    def name(self) -> Text:
        return "action_probe_reply"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        dispatcher.utter_message(response=self.response, **self.facts)
        return []


class _AskProbe(FormAskAction, _BalanceProbe):
    def name(self) -> Text:
        return "action_probe_ask"


class _SubmitProbe(FormSubmitAction, _BalanceProbe):
    form_slots = ["refund_amount", "refund_confirmed"]

    def name(self) -> Text:
        return "action_probe_submit"


class _ValidateProbe(BackendFormValidationAction):
    """Validates the payment form; activation allowed unless told otherwise."""

    allow = True

    def __init__(self, client: FakeBackendClient) -> None:
        super().__init__(client=client)
        self.activation_checks = 0
        self.validated: List[Any] = []

    def name(self) -> Text:
        return "validate_payment_form"

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        self.activation_checks += 1
        await self.call(self.client.get_next_instalment, customer_id)
        if not self.allow:
            dispatcher.utter_message(response="utter_nothing_due")
        return self.allow

    async def validate_payment_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        self.validated.append((slot_value, self.customer(tracker)))
        await self.call(self.client.get_balance, self.customer(tracker))
        return {"payment_confirmed": slot_value}


# --------------------------------------------------------------------------- fake fidelity


def _parameters(function: Any) -> List[tuple]:
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize("method", CLIENT_METHODS)
def test_fake_methods_have_the_real_clients_signature(method: str) -> None:
    real = getattr(BackendClient, method)
    fake = getattr(FakeBackendClient, method)
    assert _parameters(fake) == _parameters(real)
    assert inspect.signature(fake).return_annotation == inspect.signature(real).return_annotation


def test_the_fake_implements_every_client_method_the_actions_call() -> None:
    used = set()
    for path in ACTIONS_DIR.glob("*.py"):
        used |= set(re.findall(r"client\.(\w+)", path.read_text(encoding="utf-8")))
    assert used, "no client call found: the pattern is out of date"
    assert used <= set(CLIENT_METHODS)


def test_the_harness_catches_a_backend_call_on_the_event_loop(
    backend: FakeBackendClient,
) -> None:
    with pytest.raises(AssertionError, match="get_balance blocked the event loop"):
        run_action(_BlockingProbe(client=backend), make_tracker())


def test_the_harness_catches_a_response_missing_from_the_domain() -> None:
    with pytest.raises(AssertionError, match="utter_no_such_thing"):
        run_action(_ReplyProbe("utter_no_such_thing"), make_tracker())


def test_the_harness_catches_a_placeholder_without_value() -> None:
    with pytest.raises(AssertionError, match="amount"):
        run_action(_ReplyProbe("utter_refund_created", refund_id="RF-1"), make_tracker())
    with pytest.raises(AssertionError, match="order_id"):
        run_action(_ReplyProbe("utter_refund_created", order_id=None), make_tracker())


def test_the_harness_accepts_placeholders_filled_from_slots() -> None:
    tracker = make_tracker(slots={"order_id": "KL-1"})
    facts = {"refund_id": "RF-1", "amount": "€1.00", "expected_by": "1 May 2025"}
    outcome = run_action(_ReplyProbe("utter_refund_created", **facts), tracker)
    assert outcome.responses == ["utter_refund_created"]


# --------------------------------------------------------------------------- registration


def test_the_sdk_registers_exactly_the_domains_actions(domain: Dict[str, Any]) -> None:
    # A fresh interpreter, as the action server starts: the probes of these tests
    # are Action subclasses too and would be registered in this process.
    script = (
        "import json; from rasa_sdk.executor import ActionExecutor; "
        "e = ActionExecutor(); e.register_package('actions'); "
        "print(json.dumps(sorted(e.actions)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ACTIONS_DIR.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    registered = json.loads(result.stdout.strip().splitlines()[-1])
    assert registered == sorted(domain["actions"])
    assert len(domain["actions"]) == len(set(domain["actions"]))


def test_the_bases_are_abstract() -> None:
    for base in (BackendAction, FormAskAction, FormSubmitAction, BackendFormValidationAction):
        assert inspect.isabstract(base), base


# --------------------------------------------------------------------------- UsesBackend


def test_the_client_is_built_on_first_use_not_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: List[object] = []

    def build() -> object:
        built.append(object())
        return built[-1]

    monkeypatch.setattr("actions.base.BackendClient", build)
    action = _BalanceProbe()
    assert built == []
    assert action.client is built[0]
    assert action.client is built[0]
    assert len(built) == 1


def test_call_runs_blocking_functions_off_the_event_loop() -> None:
    seen: Dict[str, int] = {}

    def blocking(value: int, *, plus: int) -> int:
        seen["worker"] = threading.get_ident()
        return value + plus

    async def main() -> int:
        seen["loop"] = threading.get_ident()
        return await UsesBackend(client=None).call(blocking, 1, plus=2)

    assert asyncio.run(main()) == 3
    assert seen["worker"] != seen["loop"]


def test_call_lets_the_event_loop_serve_others_while_waiting() -> None:
    release = threading.Event()
    order: List[str] = []

    def slow() -> str:
        assert release.wait(timeout=5)
        return "slow"

    async def other() -> None:
        order.append("other ran")
        release.set()

    async def main() -> None:
        result, _ = await asyncio.gather(UsesBackend(client=None).call(slow), other())
        order.append(result)

    asyncio.run(main())
    assert order == ["other ran", "slow"]


def test_call_raises_what_the_function_raises() -> None:
    def fails() -> None:
        raise NotFound("gone", status_code=404)

    with pytest.raises(NotFound):
        asyncio.run(UsesBackend(client=None).call(fails))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BackendTimeout("slow"), "utter_backend_unavailable_handoff"),
        (InvalidResponse("garbage"), "utter_backend_unavailable_handoff"),
        (NotFound("gone", status_code=404), "utter_something_went_wrong"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
        (AuthenticationError("key", status_code=401), "utter_something_went_wrong"),
        (RuleViolation("no", code="x", status_code=409), "utter_something_went_wrong"),
        (
            PaymentDeclined("no", code="payment_declined", status_code=422),
            "utter_something_went_wrong",
        ),
    ],
)
def test_report_backend_error_always_replies(error: BackendError, response: str) -> None:
    dispatcher = CollectingDispatcher()
    events = report_backend_error(dispatcher, error, "action_x", handoff_config())
    assert [m["response"] for m in dispatcher.messages] == [response]
    unavailable = isinstance(error, BackendUnavailable)
    assert events == (handoff_events("backend_unavailable") if unavailable else [])


@pytest.mark.parametrize("error", [BackendUnavailable("down"), BackendTimeout("slow")])
def test_an_unavailable_backend_only_offers_a_person_when_its_trigger_is_off(
    error: BackendError,
) -> None:
    dispatcher = CollectingDispatcher()
    config = handoff_config(disabled=["backend_unavailable"])
    events = report_backend_error(dispatcher, error, "action_x", config)
    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_unavailable"]
    assert events == []


def test_backend_action_hands_over_only_when_the_trigger_is_on(backend: FakeBackendClient) -> None:
    backend.fail("get_balance", BackendUnavailable("down"))
    settings = handoff_settings(disabled=["backend_unavailable"])
    outcome = run_action(_BalanceProbe(client=backend, settings=settings), make_tracker())
    assert outcome.responses == ["utter_backend_unavailable"]
    assert outcome.events == []


# --------------------------------------------------------------------------- BackendAction


def test_backend_action_performs_for_the_verified_customer(backend: FakeBackendClient) -> None:
    outcome = run_action(_BalanceProbe(client=backend), make_tracker())
    assert outcome.responses == ["utter_balance_nothing_due"]
    assert outcome.slots == {"order_id": None}
    assert backend.calls_of("get_balance")[0].args == ("C1001",)


def test_backend_action_without_identity_asks_to_log_in_and_calls_nothing(
    backend: FakeBackendClient,
) -> None:
    outcome = run_action(_BalanceProbe(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == []
    assert backend.calls == []


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BackendTimeout("slow"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_backend_action_turns_backend_errors_into_a_reply(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("get_balance", error)
    outcome = run_action(_BalanceProbe(client=backend), make_tracker())
    assert outcome.responses == [response]
    unavailable = isinstance(error, BackendUnavailable)
    assert outcome.events == (handoff_events("backend_unavailable") if unavailable else [])


def test_backend_action_does_not_hide_programming_errors(backend: FakeBackendClient) -> None:
    backend.errors["get_balance"] = ValueError("bug")  # type: ignore[assignment]
    with pytest.raises(ValueError):
        run_action(_BalanceProbe(client=backend), make_tracker())


def test_form_ask_action_ends_the_form_when_it_cannot_ask(backend: FakeBackendClient) -> None:
    backend.fail("get_balance", BackendUnavailable("down"))
    outcome = run_action(_AskProbe(client=backend), make_tracker(active_loop="payment_form"))
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == [
        {"event": "active_loop", "name": None, "timestamp": None},
        {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None},
    ] + handoff_events("backend_unavailable")


def test_form_ask_action_without_identity_ends_the_form(backend: FakeBackendClient) -> None:
    outcome = run_action(_AskProbe(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert outcome.slots == {"requested_slot": None}
    assert {"event": "active_loop", "name": None, "timestamp": None} in outcome.events
    assert backend.calls == []


def test_form_submit_action_clears_its_slots_even_when_it_fails(
    backend: FakeBackendClient,
) -> None:
    backend.fail("get_balance", BackendUnavailable("down"))
    slots = {"refund_amount": "10 EUR", "refund_confirmed": True}
    outcome = run_action(_SubmitProbe(client=backend), make_tracker(slots=slots))
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.slots == {
        "refund_amount": None,
        "refund_confirmed": None,
        "handoff_reason": "backend_unavailable",
    }
    assert outcome.events[-1] == {"event": "followup", "timestamp": None, "name": "action_handoff"}


def test_form_submit_action_without_identity_only_clears_its_slots(
    backend: FakeBackendClient,
) -> None:
    # The form's validation already asked to log in: the submit says nothing more.
    slots = {"refund_amount": "10 EUR", "refund_confirmed": True}
    outcome = run_action(
        _SubmitProbe(client=backend), make_tracker(slots=slots, customer_id=None)
    )
    assert outcome.messages == []
    assert outcome.events == [
        {"event": "slot", "name": "refund_amount", "value": None, "timestamp": None},
        {"event": "slot", "name": "refund_confirmed", "value": None, "timestamp": None},
    ]
    assert backend.calls == []


def test_login_is_asked_once_across_validation_and_submit(
    backend: FakeBackendClient,
) -> None:
    validation = run_action(
        _ValidateProbe(backend),
        validation_tracker("payment_form", {"payment_confirmed": True}, customer_id=None),
    )
    submit = run_action(
        _SubmitProbe(client=backend), make_tracker(slots=validation.slots, customer_id=None)
    )
    assert validation.responses + submit.responses == ["utter_login_required"]
    assert backend.calls == []


# --------------------------------------------------------------------------- validation

#: What ending `payment_form` early returns: no slot asked, its one answer cleared.
STOPPED_PAYMENT_FORM = [
    {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None},
    {"event": "slot", "name": "payment_confirmed", "value": None, "timestamp": None},
]


def test_validation_without_identity_stops_the_form_before_anything_else(
    backend: FakeBackendClient,
) -> None:
    action = _ValidateProbe(backend)
    tracker = validation_tracker("payment_form", {"payment_confirmed": True}, customer_id=None)
    outcome = run_action(action, tracker)
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == STOPPED_PAYMENT_FORM
    assert action.activation_checks == 0 and action.validated == []
    assert backend.calls == []


def test_validation_at_activation_checks_then_validates(backend: FakeBackendClient) -> None:
    action = _ValidateProbe(backend)
    outcome = run_action(action, validation_tracker("payment_form", {"payment_confirmed": True}))
    assert action.activation_checks == 1
    assert action.validated == [(True, "C1001")]
    assert outcome.slots == {"payment_confirmed": True}
    assert outcome.responses == []
    assert backend.method_names == ["get_next_instalment", "get_balance"]


def test_validation_refused_at_activation_stops_the_form(backend: FakeBackendClient) -> None:
    action = _ValidateProbe(backend)
    action.allow = False
    outcome = run_action(action, validation_tracker("payment_form", {"payment_confirmed": True}))
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.events == STOPPED_PAYMENT_FORM
    assert action.validated == []


def test_validation_mid_form_does_not_recheck_activation(backend: FakeBackendClient) -> None:
    action = _ValidateProbe(backend)
    tracker = validation_tracker(
        "payment_form", {"payment_confirmed": False}, requested_slot="payment_confirmed"
    )
    outcome = run_action(action, tracker)
    assert action.activation_checks == 0
    assert outcome.slots == {"payment_confirmed": False}


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (NotFound("gone", status_code=404), "utter_something_went_wrong"),
    ],
)
def test_validation_backend_failure_replies_and_stops_the_form(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("get_balance", error)
    tracker = validation_tracker(
        "payment_form", {"payment_confirmed": True}, requested_slot="payment_confirmed"
    )
    outcome = run_action(_ValidateProbe(backend), tracker)
    assert outcome.responses == [response]
    unavailable = isinstance(error, BackendUnavailable)
    handoff = handoff_events("backend_unavailable") if unavailable else []
    assert outcome.events == STOPPED_PAYMENT_FORM + handoff


def test_validation_stop_clears_exactly_the_forms_required_slots(
    backend: FakeBackendClient,
) -> None:
    # The slots come from the domain the action is given, in their declared order.
    required = ["instalment_id", "payment_confirmed"]
    domain = {"forms": {"payment_form": {"required_slots": required}}}
    tracker = validation_tracker("payment_form", {"payment_confirmed": True}, customer_id=None)
    outcome = run_action(_ValidateProbe(backend), tracker, domain)
    assert outcome.events == [
        {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None},
        {"event": "slot", "name": "instalment_id", "value": None, "timestamp": None},
        {"event": "slot", "name": "payment_confirmed", "value": None, "timestamp": None},
    ]


# --------------------------------------------------------------------------- every action


def _backend_actions() -> List[type]:
    modules = [
        "account",
        "payments",
        "payment_form",
        "extension_form",
        "refund_form",
        "refund_info",
        "order_forms",
        "charges",
    ]
    found = []
    for module_name in modules:
        module = importlib.import_module(f"actions.{module_name}")
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, UsesBackend)
                and value.__module__ == module.__name__
                and not inspect.isabstract(value)
            ):
                found.append(value)
    return found


PUBLIC_METHODS = {
    "list_supported_payment_methods",
    "find_merchants",
    "get_refund_policy",
    "get_fee_policy",
}
EVERYTHING_FILLED = {
    "order_id": "KL-482913",
    "merchant": "Nordic Shoes",
    "payment_id": "PAY-2",
    "refund_amount": "25 EUR",
    "refundable_amount": "89.90 EUR",
    "refund_reason": "Arrived damaged",
    "refund_confirmed": True,
    "payment_confirmed": True,
    "extension_days": "14",
    "extension_confirmed": True,
    "cancel_confirmed": True,
    "instalment_id": "INS-1",
}


def test_every_backend_action_is_found() -> None:
    names = {action_class().name() for action_class in _backend_actions()}
    assert len(names) == 34
    assert {"action_stop_form", "action_handle_fallback"}.isdisjoint(names)


@pytest.mark.parametrize("action_class", _backend_actions(), ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BackendTimeout("slow"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_no_action_goes_silent_when_the_backend_fails(
    backend: FakeBackendClient, action_class: type, error: BackendError, response: str
) -> None:
    backend.fail_everything(error)
    # Every slot just filled: validation actions have something to check too.
    tracker = validation_tracker("refund_form", candidates=EVERYTHING_FILLED)
    outcome = run_action(action_class(client=backend), tracker)
    if backend.calls:
        assert outcome.responses == [response]
    else:  # it needed nothing from the backend
        assert outcome.responses and response not in outcome.responses


@pytest.mark.parametrize("action_class", _backend_actions(), ids=lambda c: c.__name__)
def test_no_account_data_without_identity(
    backend: FakeBackendClient, action_class: type, domain: Dict[str, Any]
) -> None:
    tracker = validation_tracker("refund_form", candidates=EVERYTHING_FILLED, customer_id=None)
    action = action_class(client=backend)
    outcome = run_action(action, tracker)
    if isinstance(action, FormSubmitAction):
        # The form's validation asked to log in; the submit only clears the form.
        assert outcome.messages == []
        assert outcome.events == action.clear_slots()
        assert backend.calls == []
    elif isinstance(action, BackendFormValidationAction):
        form = action.form_name()
        assert outcome.responses == ["utter_login_required"]
        assert outcome.events == [SlotSet("requested_slot", None)] + [
            SlotSet(slot, None) for slot in domain["forms"][form]["required_slots"]
        ]
        assert backend.calls == []
    elif isinstance(action, ActionOpenDispute):
        # A person takes over next (action_handoff): nothing is opened or shown.
        assert "utter_login_required" not in outcome.responses
        assert backend.calls == []
    elif getattr(action, "requires_identity", True):
        assert outcome.responses == ["utter_login_required"]
        assert backend.calls == []
    else:  # public information only: the catalogue, nothing of an account
        assert outcome.responses and "utter_login_required" not in outcome.responses
        assert set(backend.method_names) <= PUBLIC_METHODS

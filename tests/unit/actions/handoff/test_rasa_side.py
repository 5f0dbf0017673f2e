"""What Rasa 3.6 does with the handoff events: real Rasa classes, no server.

Rasa's own `FormAction` runs the refund form; its call to the action server
(`RemoteAction.run`) is replaced by running our validation action the way the
action server does (tracker state in, events and responses out). The events
are then applied to the tracker the way `MessageProcessor` logs them, and the
tracker must end with the form deactivated and `action_handoff` queued as the
follow-up action, which the processor runs before asking any policy. Pausing
is checked the same way against the processor's own gate.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

pytest.importorskip("rasa")

from rasa.core.actions import action as rasa_action  # noqa: E402
from rasa.core.actions.forms import FormAction  # noqa: E402
from rasa.core.channels import CollectingOutputChannel  # noqa: E402
from rasa.core.nlg import TemplatedNaturalLanguageGenerator  # noqa: E402
from rasa.core.processor import MessageProcessor  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity  # noqa: E402
from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.conversation import ActionHandleFallback  # noqa: E402
from actions.handoff.action import ActionHandoff  # noqa: E402
from actions.handoff.outbox import HandoffOutbox, OutboxDelivery  # noqa: E402
from actions.refund_form import ActionAskRefundAmount, ValidateRefundForm  # noqa: E402
from tests.unit.actions.fakes import (  # noqa: E402
    DOMAIN_PATH,
    VERIFIED_CUSTOMER_KEY,
    FakeAgentDesk,
    customer_data,
    handoff_settings,
    load_domain,
)


async def _action_server(action: Any, tracker: DialogueStateTracker) -> List[Event]:
    """Runs an SDK action on Rasa's tracker and returns Rasa events, as over HTTP."""
    sdk_tracker = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = await action.run(dispatcher, sdk_tracker, load_domain())
    uttered: List[Event] = [BotUttered(text=m.get("response")) for m in dispatcher.messages]
    return uttered + [Event.from_parameters(event) for event in events]


def _run_like_the_action_server(action: Any, tracker: DialogueStateTracker) -> List[Event]:
    """`_action_server` outside an event loop."""
    return asyncio.run(_action_server(action, tracker))


def _log(tracker: DialogueStateTracker, name: str, events: List[Event]) -> None:
    """Logs an action's run like MessageProcessor._log_action_on_tracker."""
    tracker.update(ActionExecuted(name))
    for event in events:
        tracker.update(event)


def _refund_form_tracker(domain: Domain, rejections: int) -> DialogueStateTracker:
    metadata = {VERIFIED_CUSTOMER_KEY: "C1001"}
    return DialogueStateTracker.from_events(
        "conversation-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("I want a refund", {"name": "request_refund", "confidence": 1.0}, metadata=metadata),
            ActionExecuted("refund_form"),
            ActiveLoop("refund_form"),
            SlotSet("order_id", "KL-482913"),
            SlotSet("refundable_amount", "89.90 EUR"),
            SlotSet("requested_slot", "refund_amount"),
            SlotSet("form_rejections", {"slot": "refund_amount", "count": rejections}),
            ActionExecuted("action_listen"),
            UserUttered("a lot", {"name": "inform", "confidence": 1.0}, metadata=metadata),
            # What action_extract_slots set from the message (from_text mapping).
            SlotSet("refund_amount", "a lot"),
        ],
        slots=domain.slots,
    )


@pytest.fixture
def domain() -> Domain:
    return Domain.load(str(DOMAIN_PATH))


@pytest.fixture
def remote_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = customer_data()

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        actions = {
            "validate_refund_form": ValidateRefundForm(client=backend),
            "action_ask_refund_amount": ActionAskRefundAmount(client=backend),
        }
        return await _action_server(actions[self.name()], tracker)

    monkeypatch.setattr(rasa_action.RemoteAction, "run", run)


def _run_form(domain: Domain, tracker: DialogueStateTracker) -> List[Event]:
    form = FormAction("refund_form", None)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(form.run(CollectingOutputChannel(), nlg, tracker, domain))


def test_the_third_rejected_answer_ends_the_form_and_queues_the_handoff(
    domain: Domain, remote_validation: None
) -> None:
    tracker = _refund_form_tracker(domain, rejections=2)
    events = _run_form(domain, tracker)
    _log(tracker, "refund_form", events)

    assert tracker.active_loop_name is None
    assert tracker.get_slot("requested_slot") is None
    assert tracker.get_slot("handoff_reason") == "form_validation_failed"
    # MessageProcessor._predict_next_with_tracker runs this before any policy.
    assert tracker.followup_action == "action_handoff"


def test_an_earlier_rejected_answer_keeps_the_form_asking(
    domain: Domain, remote_validation: None
) -> None:
    tracker = _refund_form_tracker(domain, rejections=0)
    events = _run_form(domain, tracker)
    _log(tracker, "refund_form", events)

    assert tracker.active_loop_name == "refund_form"
    assert tracker.get_slot("requested_slot") == "refund_amount"
    assert tracker.get_slot("form_rejections") == {"slot": "refund_amount", "count": 1}
    assert tracker.followup_action is None


def test_the_second_miss_queues_the_handoff_after_the_fallback_action(domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events(
        "conversation-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("errr", {"name": "nlu_fallback", "confidence": 0.2}),
            ActionExecuted("action_handle_fallback"),
            ActionExecuted("action_listen"),
            UserUttered("hmm", {"name": "nlu_fallback", "confidence": 0.2}),
        ],
        slots=domain.slots,
    )
    events = _run_like_the_action_server(ActionHandleFallback(handoff_settings()), tracker)
    _log(tracker, "action_handle_fallback", events)
    assert tracker.followup_action == "action_handoff"
    assert tracker.get_slot("handoff_reason") == "repeated_fallback"


def test_a_queued_ticket_pauses_the_bot_so_it_stays_silent(domain: Domain, tmp_path: Any) -> None:
    tracker = DialogueStateTracker.from_events(
        "conversation-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("a person please", {"name": "human_handoff", "confidence": 1.0}),
        ],
        slots=domain.slots,
    )
    desk = FakeAgentDesk()
    delivery = OutboxDelivery(HandoffOutbox(tmp_path / "outbox.sqlite3"), desk, 1.0)
    action = ActionHandoff(desk=desk, settings=handoff_settings(), delivery=delivery)
    _log(tracker, "action_handoff", _run_like_the_action_server(action, tracker))
    assert tracker.is_paused()
    # The processor's gate before predicting anything for a new message.
    tracker.update(UserUttered("hello?", {"name": "greet", "confidence": 1.0}))
    assert MessageProcessor._should_handle_message(tracker) is False

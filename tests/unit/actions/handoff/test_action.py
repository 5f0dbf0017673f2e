"""Tests of actions.handoff.action: `action_handoff` for each outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import FORM_SLOTS
from actions.desk_api import (
    DeskAuthenticationError,
    DeskTimeout,
    DeskUnavailable,
    TicketRequest,
    TicketSummary,
)
from actions.handoff.action import ActionHandoff
from actions.handoff.outbox import HandoffOutbox, OutboxDelivery
from tests.unit.actions.fakes import (
    CUSTOMER_ID,
    SENDER_ID,
    FakeAgentDesk,
    handoff_settings,
    load_domain,
    make_tracker,
    receipt,
    run_action,
    user_event,
)

PAUSED = {"event": "pause", "timestamp": None}
#: Always sent: the rules say `active_loop: null` after action_handoff.
NO_FORM = {"event": "active_loop", "name": None, "timestamp": None}


@pytest.fixture
def desk() -> FakeAgentDesk:
    return FakeAgentDesk()


def _action(
    desk: FakeAgentDesk, tmp_path: Path, disabled: tuple = (), **kwargs: Any
) -> ActionHandoff:
    settings = handoff_settings(disabled=disabled, **kwargs)
    delivery = OutboxDelivery(
        HandoffOutbox(tmp_path / "outbox.sqlite3"), desk, retry_max_seconds=1.0
    )
    return ActionHandoff(desk=desk, settings=settings, delivery=delivery)


def _tracker(intent: str = "human_handoff", **kwargs: Any) -> Any:
    events = kwargs.pop("events", None) or [
        {**user_event(intent, "I want to talk to a person", 5.0), "input_channel": "socketio"}
    ]
    return make_tracker(intent=intent, text="I want to talk to a person", events=events, **kwargs)


def test_an_open_desk_queues_the_customer_and_pauses_the_bot(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    outcome = run_action(_action(desk, tmp_path), _tracker())
    message = outcome.message("utter_handoff_queued")
    assert message["queue_position"] == 2
    assert message["expected_wait"] == "about 6 minutes"
    assert message["ticket_id"] == "T-00000001"
    assert outcome.responses == ["utter_handoff_queued"]
    assert outcome.events == [NO_FORM, PAUSED]


def test_the_queued_reply_carries_the_web_chats_handoff_payload() -> None:
    # Rasa fills {ticket_id} inside `custom` too (rasa.core.nlg.interpolator).
    [variation] = load_domain()["responses"]["utter_handoff_queued"]
    assert variation["custom"] == {"handoff": {"state": "queued", "ticket_id": "{ticket_id}"}}


def test_the_ticket_carries_conversation_reason_and_customer(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    run_action(_action(desk, tmp_path), _tracker("complaint"))
    [call] = desk.calls
    assert call.request.reason == "complaint"
    assert call.request.customer_id == CUSTOMER_ID
    assert call.request.channel == "socketio"
    assert call.request.language == "en"
    assert call.request.summary.last_message == "I want to talk to a person"
    assert call.idempotency_key.startswith("handoff-")


def test_the_reason_slot_of_a_deciding_action_is_used_and_cleared(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    slots = {"handoff_reason": "repeated_fallback", "form_rejections": {"slot": "x", "count": 1}}
    outcome = run_action(_action(desk, tmp_path), _tracker("nlu_fallback", slots=slots))
    assert desk.calls[0].request.reason == "repeated_fallback"
    assert outcome.slots == {"handoff_reason": None, "form_rejections": None}
    assert outcome.events[0] == NO_FORM


def test_a_retried_handoff_opens_one_ticket(desk: FakeAgentDesk, tmp_path: Path) -> None:
    action = _action(desk, tmp_path)
    first = run_action(action, _tracker())
    retry = run_action(action, _tracker())
    assert len(desk.calls) == 2 and len(desk.tickets) == 1
    assert first.message("utter_handoff_queued")["ticket_id"] == retry.message(
        "utter_handoff_queued"
    )["ticket_id"]


def test_a_claimed_ticket_says_a_person_has_it(tmp_path: Path) -> None:
    desk = FakeAgentDesk(answer=receipt(status="claimed", queue_position=0))
    outcome = run_action(_action(desk, tmp_path), _tracker())
    assert outcome.responses == ["utter_handoff_agent_assigned"]
    assert outcome.events == [NO_FORM, PAUSED]


def test_a_closed_desk_keeps_the_ticket_says_when_and_does_not_pause(tmp_path: Path) -> None:
    next_open = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    desk = FakeAgentDesk(answer=receipt(desk_open=False, next_open_at=next_open))
    outcome = run_action(_action(desk, tmp_path), _tracker())
    assert outcome.responses == ["utter_handoff_after_hours"]
    assert outcome.message("utter_handoff_after_hours")["next_open"] == (
        "Monday 30 November, 08:00 (UTC+01:00)"
    )
    assert outcome.events == [NO_FORM]  # not paused: the bot keeps serving
    assert len(desk.tickets) == 1


@pytest.mark.parametrize("error", [DeskUnavailable("refused"), DeskTimeout("slow")])
def test_an_unreachable_desk_keeps_the_request_and_says_so(
    tmp_path: Path, error: Exception
) -> None:
    desk = FakeAgentDesk(errors=[error])
    action = _action(desk, tmp_path)
    outcome = run_action(action, _tracker())
    assert outcome.responses == ["utter_handoff_desk_unavailable"]
    assert outcome.events == [NO_FORM]  # not paused: the bot keeps serving
    [item] = HandoffOutbox(tmp_path / "outbox.sqlite3").pending()
    assert item.key == desk.calls[0].idempotency_key
    assert item.request == desk.calls[0].request


def test_a_kept_request_is_delivered_once_the_desk_is_back(tmp_path: Path) -> None:
    desk = FakeAgentDesk(errors=[DeskUnavailable("refused"), DeskUnavailable("refused")])
    action = _action(desk, tmp_path)
    dispatcher = CollectingDispatcher()

    async def main() -> List[Dict[str, Any]]:
        events = await action.run(dispatcher, _tracker(), load_domain())
        # The action server's loop keeps running: the background task delivers.
        assert action.delivery.task is not None
        await action.delivery.task
        return events

    events = asyncio.run(main())
    assert events == [NO_FORM]
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_desk_unavailable"]
    assert len(desk.tickets) == 1
    assert {call.idempotency_key for call in desk.calls} == set(desk.tickets)
    assert HandoffOutbox(tmp_path / "outbox.sqlite3").count() == 0


def test_requests_kept_earlier_are_delivered_when_a_handoff_runs(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    # Kept by a previous run of the action server, whose task ended with it.
    earlier = TicketRequest("earlier", "rest", None, "en", "complaint", TicketSummary())
    HandoffOutbox(tmp_path / "outbox.sqlite3").add(earlier, "handoff-kept-before-restart")
    action = _action(desk, tmp_path)

    async def main() -> None:
        await action.run(CollectingDispatcher(), _tracker(), load_domain())
        assert action.delivery.task is not None
        await action.delivery.task

    asyncio.run(main())
    assert "handoff-kept-before-restart" in desk.tickets
    assert sorted(call.request.conversation_id for call in desk.calls) == sorted(
        [SENDER_ID, "earlier"]
    )


def test_a_refused_ticket_gives_the_contact_details(tmp_path: Path) -> None:
    desk = FakeAgentDesk(errors=[DeskAuthenticationError("wrong key", status_code=401)])
    outcome = run_action(_action(desk, tmp_path), _tracker())
    assert outcome.responses == ["utter_human_handoff"]
    assert HandoffOutbox(tmp_path / "outbox.sqlite3").count() == 0


@pytest.mark.parametrize(
    ("intent", "reason"),
    [("human_handoff", "customer_request"), ("complaint", "complaint"), ("report_fraud", "fraud")],
)
def test_a_disabled_trigger_gives_the_contact_details_without_a_ticket(
    desk: FakeAgentDesk, tmp_path: Path, intent: str, reason: str
) -> None:
    outcome = run_action(_action(desk, tmp_path, disabled=(reason,)), _tracker(intent))
    assert outcome.responses == ["utter_human_handoff"]
    assert outcome.events == [NO_FORM]
    assert desk.calls == []


def test_other_reasons_still_open_a_ticket_when_one_is_disabled(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    outcome = run_action(_action(desk, tmp_path, disabled=("complaint",)), _tracker())
    assert outcome.responses == ["utter_handoff_queued"]


def test_an_active_form_is_left(desk: FakeAgentDesk, tmp_path: Path) -> None:
    slots = {"order_id": "KL-482913", "refund_amount": "25 EUR", "requested_slot": "refund_reason"}
    tracker = _tracker(slots=slots, active_loop="refund_form")
    outcome = run_action(_action(desk, tmp_path), tracker)
    assert outcome.events[0] == {"event": "active_loop", "name": None, "timestamp": None}
    assert outcome.slots == {"requested_slot": None, **{slot: None for slot in FORM_SLOTS}}
    assert outcome.events[-1] == PAUSED
    # The summary was taken before the form was cleared.
    assert desk.calls[0].request.summary.slots["order_id"] == "KL-482913"


def test_a_form_is_left_even_when_the_trigger_is_disabled(
    desk: FakeAgentDesk, tmp_path: Path
) -> None:
    tracker = _tracker(slots={"requested_slot": "order_id"}, active_loop="return_form")
    outcome = run_action(_action(desk, tmp_path, disabled=("customer_request",)), tracker)
    assert outcome.responses == ["utter_human_handoff"]
    assert outcome.events[0] == {"event": "active_loop", "name": None, "timestamp": None}


def test_without_a_form_no_form_slot_is_touched(desk: FakeAgentDesk, tmp_path: Path) -> None:
    outcome = run_action(_action(desk, tmp_path), _tracker(slots={"order_id": "KL-482913"}))
    assert outcome.slots == {}
    assert outcome.events == [NO_FORM, PAUSED]


def test_an_unexpected_error_still_gives_a_reply(tmp_path: Path) -> None:
    desk = FakeAgentDesk(errors=[RuntimeError("bug")])
    tracker = _tracker(slots={"handoff_reason": "backend_unavailable"})
    outcome = run_action(_action(desk, tmp_path), tracker)
    assert outcome.responses == ["utter_human_handoff"]
    assert outcome.slots == {"handoff_reason": None}


def test_an_outbox_that_cannot_be_written_promises_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    desk = FakeAgentDesk(errors=[DeskUnavailable("refused")])
    delivery = OutboxDelivery(HandoffOutbox(blocker / "outbox.sqlite3"), desk, 1.0)
    action = ActionHandoff(desk=desk, settings=handoff_settings(), delivery=delivery)
    outcome = run_action(action, _tracker())
    assert outcome.responses == ["utter_human_handoff"]


def test_nothing_is_built_until_the_first_run() -> None:
    action = ActionHandoff()
    assert action.name() == "action_handoff"
    assert (action._desk, action._settings, action._delivery) == (None, None, None)


def test_the_default_desk_and_outbox_follow_the_settings(tmp_path: Path) -> None:
    settings = handoff_settings(
        desk_url="http://desk.example:9000",
        handoff_outbox_path=str(tmp_path / "kept.sqlite3"),
        handoff_outbox_retry_max_seconds=12.0,
    )
    action = ActionHandoff(settings=settings)
    assert action.desk.settings is settings  # type: ignore[attr-defined]
    assert action.delivery.outbox.path == tmp_path / "kept.sqlite3"
    assert action.delivery._retry_max == 12.0

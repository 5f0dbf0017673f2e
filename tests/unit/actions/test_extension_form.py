"""Tests of actions.extension_form: offer the backend's extensions, confirm, extend once."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Optional

import pytest
from rasa_sdk.events import SlotSet

from actions.api import BackendError, BackendUnavailable, BadRequest, RuleViolation
from actions.extension_form import (
    ActionAskExtensionConfirmed,
    ActionAskExtensionDays,
    ActionExtendDueDate,
    ValidateExtensionForm,
    parse_days,
)
from tests.unit.actions.fakes import (
    FakeBackendClient,
    backend_handoff_events,
    backend_handoff_slots,
    extension_options,
    form_events,
    make_tracker,
    rejected,
    run_action,
    validation_tracker,
)

CLEARED = {"extension_days": None, "extension_confirmed": None, "instalment_id": None}
#: Ending the form early: nothing asked, and the form's required slots cleared.
STOPPED = [
    SlotSet("requested_slot", None),
    SlotSet("extension_days", None),
    SlotSet("extension_confirmed", None),
]
NOT_ALLOWED = extension_options(
    "INS-1",
    allowed=False,
    reason_code="extension_limit_reached",
    reason="this plan was already extended once.",
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("7", 7),
        ("14 days", 14),
        ("14 Days please", 14),
        ("one week", 7),
        ("a week", 7),
        ("two weeks", 14),
        ("2 weeks", 14),
        ("seven days", 7),
        ("fourteen", 14),
        ("", None),
        (None, None),
        ("as long as possible", None),
        ("someone said later", None),
    ],
)
def test_parse_days(text: Optional[str], days: Optional[int]) -> None:
    assert parse_days(text) == days


# --------------------------------------------------------------------------- validation


def _activate(backend: FakeBackendClient) -> Any:
    tracker = validation_tracker("extension_form", {})
    return run_action(ValidateExtensionForm(client=backend), tracker)


def test_activation_allowed_goes_on(backend: FakeBackendClient) -> None:
    outcome = _activate(backend)
    assert outcome.responses == [] and outcome.events == []
    assert backend.method_names == ["get_next_instalment", "get_extension_options"]


def test_activation_not_allowed_explains_the_backends_reason(backend: FakeBackendClient) -> None:
    backend.extension_options["INS-1"] = NOT_ALLOWED
    outcome = _activate(backend)
    assert outcome.responses == ["utter_extension_not_allowed"]
    assert outcome.message("utter_extension_not_allowed")["reason"] == (
        "this plan was already extended once."
    )
    assert outcome.events == STOPPED


def test_activation_not_allowed_without_a_reason(backend: FakeBackendClient) -> None:
    backend.extension_options["INS-1"] = extension_options("INS-1", allowed=False)
    outcome = _activate(backend)
    reason = outcome.message("utter_extension_not_allowed")["reason"]
    assert reason == "your plan doesn't allow it."


def test_activation_with_nothing_due(backend: FakeBackendClient) -> None:
    backend.instalments = []
    outcome = _activate(backend)
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.events == STOPPED


def test_activation_without_identity(backend: FakeBackendClient) -> None:
    tracker = validation_tracker("extension_form", {}, customer_id=None)
    outcome = run_action(ValidateExtensionForm(client=backend), tracker)
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == STOPPED
    assert backend.calls == []


def test_activation_backend_down(backend: FakeBackendClient) -> None:
    backend.fail("get_extension_options", BackendUnavailable("down"))
    outcome = _activate(backend)
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == STOPPED + backend_handoff_events()


def test_days_validation_backend_down_stops_and_nothing_is_extended(
    backend: FakeBackendClient,
) -> None:
    # The customer named the days and confirmed in one message, then the backend failed.
    backend.fail("get_extension_options", BackendUnavailable("down"))
    tracker = validation_tracker(
        "extension_form",
        {"extension_days": "14", "extension_confirmed": True},
        requested_slot="extension_days",
    )
    validation = run_action(ValidateExtensionForm(client=backend), tracker)
    assert validation.responses == ["utter_backend_unavailable_handoff"]
    assert validation.events == STOPPED + backend_handoff_events()
    # The submit sees the cleared answers (the instalment id is not a form slot).
    backend.errors.clear()
    submit = run_action(
        ActionExtendDueDate(client=backend), _submit_tracker(confirmed=None, days=None)
    )
    assert submit.messages == []
    assert submit.slots == CLEARED
    assert backend.writes == []


@pytest.mark.parametrize(("text", "days"), [("two weeks", "14"), ("7 days", "7")])
def test_valid_days_are_kept_with_the_instalment(
    backend: FakeBackendClient, text: str, days: str
) -> None:
    tracker = validation_tracker(
        "extension_form", {"extension_days": text}, requested_slot="extension_days"
    )
    outcome = run_action(ValidateExtensionForm(client=backend), tracker)
    assert outcome.responses == []
    assert outcome.slots == {"extension_days": days, "instalment_id": "INS-1"}


@pytest.mark.parametrize("text", ["3 days", "a month", "30"])
def test_invalid_days_are_refused_with_the_options(backend: FakeBackendClient, text: str) -> None:
    tracker = validation_tracker(
        "extension_form", {"extension_days": text}, requested_slot="extension_days"
    )
    outcome = run_action(ValidateExtensionForm(client=backend), tracker)
    assert outcome.responses == ["utter_extension_days_invalid"]
    assert outcome.message("utter_extension_days_invalid")["options"] == "7 or 14"
    assert outcome.slots == {"extension_days": None, **rejected("extension_days")}


# --------------------------------------------------------------------------- ask


def test_ask_days_offers_one_button_per_option(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionAskExtensionDays(client=backend), make_tracker())
    message = outcome.message("utter_ask_extension_days")
    assert message["amount"] == "€40.00"
    assert message["due_date"] == "14 March 2025"
    assert message["buttons"] == [
        {"title": "7 days, to 21 March 2025 (fee €2.50)", "payload": "7 days"},
        {"title": "14 days, to 28 March 2025 (fee €2.50)", "payload": "14 days"},
    ]
    assert outcome.slots == {"instalment_id": "INS-1"}


def test_ask_days_with_nothing_to_offer_ends_the_form(backend: FakeBackendClient) -> None:
    backend.extension_options["INS-1"] = NOT_ALLOWED
    outcome = run_action(ActionAskExtensionDays(client=backend), make_tracker())
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.slots == {"requested_slot": None}


def test_ask_confirmed_shows_old_and_new_date_and_fee(backend: FakeBackendClient) -> None:
    tracker = make_tracker(slots={"extension_days": "14", "instalment_id": "INS-1"})
    outcome = run_action(ActionAskExtensionConfirmed(client=backend), tracker)
    message = outcome.message("utter_ask_extension_confirmed")
    assert (message["amount"], message["fee"]) == ("€40.00", "€2.50")
    assert (message["old_due_date"], message["new_due_date"]) == ("14 March 2025", "28 March 2025")
    assert backend.writes == []


def test_ask_confirmed_with_an_option_no_longer_offered_ends_the_form(
    backend: FakeBackendClient,
) -> None:
    backend.extension_options["INS-1"] = extension_options("INS-1", days=(7,))
    tracker = make_tracker(slots={"extension_days": "14"})
    outcome = run_action(ActionAskExtensionConfirmed(client=backend), tracker)
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.slots == {"requested_slot": None}


@pytest.mark.parametrize("action_class", [ActionAskExtensionDays, ActionAskExtensionConfirmed])
@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_ask_backend_failure_ends_the_form(
    backend: FakeBackendClient, action_class: type, error: BackendError, response: str
) -> None:
    backend.fail("get_next_instalment", error)
    outcome = run_action(action_class(client=backend), make_tracker(slots={"extension_days": "7"}))
    assert outcome.responses == [response]
    assert outcome.slots == {"requested_slot": None, **backend_handoff_slots(error)}


# --------------------------------------------------------------------------- submit


def _submit_tracker(
    confirmed: Optional[bool] = True,
    days: Optional[str] = "14",
    instalment_id: Optional[str] = "INS-1",
    activated_at: float = 1000.0,
    **kwargs: Any,
) -> Any:
    slots: Dict[str, Any] = {
        "extension_days": days,
        "extension_confirmed": confirmed,
        "instalment_id": instalment_id,
    }
    return make_tracker(
        slots=slots, events=form_events("extension_form", activated_at), **kwargs
    )


def test_confirmed_extension_is_made_once(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker())
    done = outcome.message("utter_extension_done")
    assert outcome.responses == ["utter_extension_done", "utter_ask_csat_solved"]
    assert (done["amount"], done["new_due_date"], done["fee"]) == (
        "€40.00",
        "28 March 2025",
        "€2.50",
    )
    assert outcome.slots == CLEARED
    [call] = backend.writes
    assert call.args == ("C1001", "INS-1", 14)
    assert call.idempotency_key and call.idempotency_key.startswith("extension_form-")
    assert backend.instalments[0].due_date == dt.date(2025, 3, 28)


def test_retry_reuses_the_key_and_a_new_choice_or_run_does_not(
    backend: FakeBackendClient,
) -> None:
    run_action(ActionExtendDueDate(client=backend), _submit_tracker())
    run_action(ActionExtendDueDate(client=backend), _submit_tracker())
    run_action(ActionExtendDueDate(client=backend), _submit_tracker(days="7"))
    run_action(ActionExtendDueDate(client=backend), _submit_tracker(activated_at=9000.0))
    first, retry, other_days, new_run = (call.idempotency_key for call in backend.writes)
    assert first == retry
    assert len({first, other_days, new_run}) == 3


def test_denied_extension_is_not_made(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker(confirmed=False))
    assert outcome.responses == ["utter_extension_not_made"]
    assert outcome.slots == CLEARED
    assert backend.calls == []


@pytest.mark.parametrize(
    ("confirmed", "days", "instalment_id"),
    [(None, "14", "INS-1"), (True, None, "INS-1"), (True, "14", None), (True, "soon", "INS-1")],
)
def test_form_stopped_early_extends_nothing(
    backend: FakeBackendClient,
    confirmed: Optional[bool],
    days: Optional[str],
    instalment_id: Optional[str],
) -> None:
    tracker = _submit_tracker(confirmed=confirmed, days=days, instalment_id=instalment_id)
    outcome = run_action(ActionExtendDueDate(client=backend), tracker)
    assert outcome.responses == []
    assert outcome.slots == CLEARED
    assert backend.calls == []


def test_backend_refusal_is_explained(backend: FakeBackendClient) -> None:
    backend.extension_options["INS-1"] = NOT_ALLOWED
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker())
    assert outcome.responses == ["utter_extension_not_allowed"]
    assert outcome.message("utter_extension_not_allowed")["reason"] == (
        "This instalment was already extended once."
    )
    assert outcome.slots == CLEARED


def test_invalid_days_refused_by_the_backend_are_explained(backend: FakeBackendClient) -> None:
    backend.fail(
        "extend_instalment",
        RuleViolation("Use 7 or 14 days.", code="invalid_extension_days", status_code=422),
    )
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker(days="10"))
    assert outcome.message("utter_extension_not_allowed")["reason"] == "Use 7 or 14 days."


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_extension_failures_get_a_reply_and_clear(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("extend_instalment", error)
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker())
    assert outcome.responses == [response]
    assert outcome.slots == {**CLEARED, **backend_handoff_slots(error)}


def test_submit_without_identity_extends_nothing(backend: FakeBackendClient) -> None:
    # The validation asked to log in already: the submit only clears the form.
    outcome = run_action(ActionExtendDueDate(client=backend), _submit_tracker(customer_id=None))
    assert outcome.messages == []
    assert outcome.events == [
        SlotSet("extension_days", None),
        SlotSet("extension_confirmed", None),
        SlotSet("instalment_id", None),
    ]
    assert backend.calls == []

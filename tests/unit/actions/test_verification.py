"""Tests of actions.verification: e-mail, one-time code, then a signed grant for this chat."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.events import SlotSet

from actions.account import ActionCheckBalance
from actions.api import BackendUnavailable, RuleViolation
from actions.identity_grant import GRANT_SLOT, issue_grant, verify_grant
from actions.sealed_slot import seal, unseal
from actions.settings import Settings
from actions.verification import (
    FINAL_CODE_ERRORS,
    SEALED_EMAIL_MAX_AGE_SECONDS,
    ActionFinishVerification,
    ValidateVerificationForm,
)
from tests.unit.actions.fakes import (
    CUSTOMER_EMAIL,
    CUSTOMER_ID,
    SENDER_ID,
    VERIFICATION_CODE,
    FakeBackendClient,
    active_loop_event,
    backend_handoff_events,
    make_tracker,
    rejected,
    run_action,
    slot_event,
    user_event,
    validation_tracker,
)

FORM = "verification_form"
SETTINGS = Settings(identity_signing_key="verification-test-key")
#: Ending the form early: nothing more asked, and both of its slots cleared.
STOPPED = [
    SlotSet("requested_slot", None),
    SlotSet("verification_email", None),
    SlotSet("verification_code", None),
]


@pytest.fixture
def visitor_backend() -> FakeBackendClient:
    """A backend that knows the visitor's account, with no code sent yet."""
    return FakeBackendClient()


def _action(backend: FakeBackendClient, settings: Optional[Settings] = SETTINGS) -> Any:
    return ValidateVerificationForm(client=backend, settings=settings)


def _give_email(
    backend: FakeBackendClient, text: Any, customer_id: Optional[str] = None, **kwargs: Any
) -> Any:
    tracker = validation_tracker(
        FORM,
        {"verification_email": text},
        requested_slot="verification_email",
        customer_id=customer_id,
        **kwargs,
    )
    return run_action(_action(backend), tracker)


def _give_code(
    backend: FakeBackendClient,
    text: Any,
    email: str = CUSTOMER_EMAIL,
    action: Optional[ValidateVerificationForm] = None,
    customer_id: Optional[str] = None,
    email_slot: Optional[str] = None,
    **kwargs: Any,
) -> Any:
    # The e-mail turn left the address sealed in the slot (see _sealed_email).
    sealed = email_slot or seal(SETTINGS.identity_signing_key, email)
    tracker = validation_tracker(
        FORM,
        {"verification_code": text},
        slots={"verification_email": sealed, **kwargs.pop("slots", {})},
        requested_slot="verification_code",
        customer_id=customer_id,
        **kwargs,
    )
    return run_action(action or _action(backend), tracker)


def _sealed_email(outcome: Any) -> Optional[str]:
    """The address the form kept, after checking it is kept sealed, never in clear."""
    assert set(outcome.slots) == {"verification_email"}
    sealed = outcome.slots["verification_email"]
    assert "@" not in sealed and "example" not in sealed
    return unseal(SETTINGS.identity_signing_key, sealed, SEALED_EMAIL_MAX_AGE_SECONDS)


def _code_sent(backend: FakeBackendClient, email: str = CUSTOMER_EMAIL) -> FakeBackendClient:
    backend.start_verification(email, idempotency_key="test-start")
    backend.calls.clear()
    return backend


# --------------------------------------------------------------------------- activation


def test_activation_asks_for_the_email_without_calling_the_backend(
    visitor_backend: FakeBackendClient,
) -> None:
    tracker = validation_tracker(FORM, {}, customer_id=None)
    outcome = run_action(_action(visitor_backend), tracker)
    assert outcome.responses == [] and outcome.events == []
    assert visitor_backend.calls == []


def test_a_customer_logged_in_by_the_channel_is_not_verified_again(
    visitor_backend: FakeBackendClient,
) -> None:
    outcome = _give_email(visitor_backend, CUSTOMER_EMAIL, customer_id=CUSTOMER_ID)
    assert outcome.responses == ["utter_already_verified"]
    assert outcome.events == STOPPED
    assert visitor_backend.calls == []


def test_a_visitor_holding_a_grant_of_this_chat_is_not_verified_again(
    visitor_backend: FakeBackendClient,
) -> None:
    grant = issue_grant(SETTINGS.identity_signing_key, CUSTOMER_ID, SENDER_ID)
    outcome = _give_email(visitor_backend, CUSTOMER_EMAIL, slots={GRANT_SLOT: grant})
    assert outcome.responses == ["utter_already_verified"]
    assert outcome.events == STOPPED
    assert visitor_backend.calls == []


def test_a_grant_of_another_chat_does_not_skip_verification(
    visitor_backend: FakeBackendClient,
) -> None:
    grant = issue_grant(SETTINGS.identity_signing_key, CUSTOMER_ID, "conversation-2")
    outcome = _give_email(visitor_backend, CUSTOMER_EMAIL, slots={GRANT_SLOT: grant})
    assert outcome.responses == []
    assert visitor_backend.method_names == ["start_verification"]


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "text", ["ada at example dot com", "ada@example", "@example.com", "my e-mail", "", None]
)
def test_an_invalid_email_is_asked_again_without_a_backend_call(
    visitor_backend: FakeBackendClient, text: Any
) -> None:
    outcome = _give_email(visitor_backend, text)
    assert outcome.responses == ["utter_verification_email_invalid"]
    assert outcome.slots == {"verification_email": None, **rejected("verification_email")}
    assert visitor_backend.calls == []


def test_a_valid_email_starts_one_verification_in_lower_case(
    visitor_backend: FakeBackendClient,
) -> None:
    outcome = _give_email(visitor_backend, "Sure, it's Ada@Example.COM thanks")
    assert outcome.responses == []
    assert _sealed_email(outcome) == CUSTOMER_EMAIL
    [call] = visitor_backend.calls
    assert (call.method, call.args) == ("start_verification", (CUSTOMER_EMAIL,))
    assert call.idempotency_key and call.idempotency_key.startswith(f"{FORM}-")
    assert visitor_backend.pending_codes == {CUSTOMER_EMAIL: 3}


def test_an_unknown_email_goes_on_like_a_known_one(visitor_backend: FakeBackendClient) -> None:
    # Whether an account exists is not revealed: the form asks for the code either way.
    outcome = _give_email(visitor_backend, "nobody@example.com")
    assert outcome.responses == []
    assert _sealed_email(outcome) == "nobody@example.com"
    assert visitor_backend.method_names == ["start_verification"]


def _email_tracker(activated_at: float, email: str = CUSTOMER_EMAIL) -> Any:
    events: List[Dict[str, Any]] = [
        user_event("verify_identity", timestamp=activated_at - 1),
        active_loop_event(FORM, activated_at),
        user_event("inform", email, timestamp=activated_at + 5),
        slot_event("verification_email", email, activated_at + 5),
    ]
    return make_tracker(
        slots={"verification_email": email, "requested_slot": "verification_email"},
        events=events,
        active_loop=FORM,
        customer_id=None,
    )


def test_a_retried_email_reuses_its_key_and_a_new_form_run_gets_a_new_one(
    visitor_backend: FakeBackendClient,
) -> None:
    for tracker in (_email_tracker(1000.0), _email_tracker(1000.0), _email_tracker(5000.0)):
        run_action(_action(visitor_backend), tracker)
    run_action(_action(visitor_backend), _email_tracker(5000.0, "bob@example.com"))
    first, retry, new_run, other_email = (
        call.idempotency_key for call in visitor_backend.calls_of("start_verification")
    )
    assert first == retry
    assert len({first, new_run, other_email}) == 3


def test_too_many_requested_codes_stop_the_form(visitor_backend: FakeBackendClient) -> None:
    visitor_backend.fail(
        "start_verification",
        RuleViolation("Too many codes.", code="too_many_requests", status_code=429),
    )
    outcome = _give_email(visitor_backend, CUSTOMER_EMAIL)
    assert outcome.responses == ["utter_verification_rate_limited"]
    assert outcome.slots == {"verification_email": None, "requested_slot": None}


def test_another_refusal_of_the_email_stops_the_form_with_an_apology(
    visitor_backend: FakeBackendClient,
) -> None:
    visitor_backend.fail(
        "start_verification",
        RuleViolation("Bad e-mail.", code="invalid_email", status_code=422),
    )
    outcome = _give_email(visitor_backend, CUSTOMER_EMAIL)
    assert outcome.responses == ["utter_something_went_wrong"]
    assert outcome.events == STOPPED


@pytest.mark.parametrize("step", ["email", "code"])
def test_backend_down_stops_the_form(visitor_backend: FakeBackendClient, step: str) -> None:
    visitor_backend.fail_everything(BackendUnavailable("connection refused"))
    if step == "email":
        outcome = _give_email(visitor_backend, CUSTOMER_EMAIL)
    else:
        outcome = _give_code(visitor_backend, VERIFICATION_CODE)
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == STOPPED + backend_handoff_events()
    assert GRANT_SLOT not in outcome.slots


# --------------------------------------------------------------------------- code


@pytest.mark.parametrize(
    "text", ["12345", "1234567", "48 29 13", "abcdef", "code please", "", None]
)
def test_a_code_of_the_wrong_format_is_asked_again_without_a_backend_call(
    visitor_backend: FakeBackendClient, text: Any
) -> None:
    outcome = _give_code(_code_sent(visitor_backend), text)
    assert outcome.responses == ["utter_verification_code_format"]
    assert outcome.slots == {"verification_code": None, **rejected("verification_code")}
    assert visitor_backend.calls == []


def test_a_wrong_code_shows_the_attempts_left_and_asks_again(
    visitor_backend: FakeBackendClient,
) -> None:
    outcome = _give_code(_code_sent(visitor_backend), "111111")
    assert outcome.responses == ["utter_verification_code_wrong"]
    assert outcome.message("utter_verification_code_wrong")["attempts_left"] == 2
    assert outcome.slots == {"verification_code": None, **rejected("verification_code")}
    [call] = visitor_backend.calls
    assert (call.method, call.args) == ("confirm_verification", (CUSTOMER_EMAIL, "111111"))
    assert call.idempotency_key


@pytest.mark.parametrize(
    "email_slot",
    [
        CUSTOMER_EMAIL,  # in clear: not sealed by the form
        "[email]",  # what a masked tracker store would hand back
        seal("another-key", CUSTOMER_EMAIL),
    ],
)
def test_a_code_without_a_sealed_email_of_this_form_needs_a_new_code(
    visitor_backend: FakeBackendClient, email_slot: str
) -> None:
    outcome = _give_code(_code_sent(visitor_backend), "111111", email_slot=email_slot)
    assert outcome.responses == ["utter_verification_failed"]
    assert outcome.message("utter_verification_failed")["reason"] == FINAL_CODE_ERRORS[
        "code_expired"
    ]
    assert outcome.slots["requested_slot"] is None
    assert visitor_backend.calls == []


def test_a_wrong_code_without_a_count_still_renders(visitor_backend: FakeBackendClient) -> None:
    visitor_backend.fail(
        "confirm_verification",
        RuleViolation("Wrong code.", code="invalid_code", status_code=422),
    )
    outcome = _give_code(visitor_backend, "111111")
    assert outcome.message("utter_verification_code_wrong")["attempts_left"] == "a few"
    assert outcome.slots == {"verification_code": None, **rejected("verification_code")}


@pytest.mark.parametrize("code", sorted(FINAL_CODE_ERRORS))
def test_a_final_refusal_stops_the_form_with_the_reason(
    visitor_backend: FakeBackendClient, code: str
) -> None:
    visitor_backend.fail(
        "confirm_verification", RuleViolation("No.", code=code, status_code=409)
    )
    outcome = _give_code(visitor_backend, VERIFICATION_CODE)
    assert outcome.responses == ["utter_verification_failed"]
    assert outcome.message("utter_verification_failed")["reason"] == FINAL_CODE_ERRORS[code]
    assert outcome.slots == {"verification_code": None, "requested_slot": None}


def test_the_last_wrong_code_stops_the_form(visitor_backend: FakeBackendClient) -> None:
    visitor_backend.code_attempts = 1
    outcome = _give_code(_code_sent(visitor_backend), "111111")
    assert outcome.message("utter_verification_failed")["reason"] == "too many wrong codes"
    assert outcome.slots == {"verification_code": None, "requested_slot": None}


def test_a_code_without_a_pending_one_stops_the_form(visitor_backend: FakeBackendClient) -> None:
    outcome = _give_code(visitor_backend, VERIFICATION_CODE)
    assert outcome.message("utter_verification_failed")["reason"] == FINAL_CODE_ERRORS[
        "no_pending_code"
    ]
    assert GRANT_SLOT not in outcome.slots


def test_an_unexpected_refusal_of_the_code_stops_the_form_with_an_apology(
    visitor_backend: FakeBackendClient,
) -> None:
    visitor_backend.fail(
        "confirm_verification", RuleViolation("No.", code="something_new", status_code=409)
    )
    outcome = _give_code(visitor_backend, VERIFICATION_CODE)
    assert outcome.responses == ["utter_something_went_wrong"]
    assert outcome.events == STOPPED


def test_the_right_code_grants_this_chat_the_customer(visitor_backend: FakeBackendClient) -> None:
    outcome = _give_code(_code_sent(visitor_backend), f"it is {VERIFICATION_CODE}")
    assert outcome.responses == []
    assert set(outcome.slots) == {"verification_code", GRANT_SLOT}
    grant = outcome.slots[GRANT_SLOT]
    key = SETTINGS.identity_signing_key
    assert verify_grant(key, grant, SENDER_ID) == CUSTOMER_ID
    assert verify_grant(key, grant, "conversation-2") is None
    [call] = visitor_backend.calls
    assert call.args == (CUSTOMER_EMAIL, VERIFICATION_CODE) and call.idempotency_key


def test_the_code_itself_is_not_kept(visitor_backend: FakeBackendClient) -> None:
    outcome = _give_code(_code_sent(visitor_backend), VERIFICATION_CODE)
    assert outcome.slots["verification_code"] == "verified"
    assert VERIFICATION_CODE not in outcome.slots[GRANT_SLOT].split(".")


def test_a_right_code_for_another_account_grants_that_account(
    visitor_backend: FakeBackendClient,
) -> None:
    visitor_backend.accounts["bob@example.com"] = "C2002"
    backend = _code_sent(visitor_backend, "bob@example.com")
    outcome = _give_code(backend, VERIFICATION_CODE, email="bob@example.com")
    grant = outcome.slots[GRANT_SLOT]
    assert verify_grant(SETTINGS.identity_signing_key, grant, SENDER_ID) == "C2002"


# --------------------------------------------------------------------------- finish


def _finish(slots: Dict[str, Any]) -> Any:
    return run_action(ActionFinishVerification(), make_tracker(slots=slots, customer_id=None))


def test_finish_confirms_a_verification_and_clears_the_form() -> None:
    outcome = _finish({"verification_email": CUSTOMER_EMAIL, "verification_code": "verified"})
    assert outcome.responses == ["utter_verified"]
    assert outcome.slots == {"verification_email": None, "verification_code": None}


@pytest.mark.parametrize("code", [None, VERIFICATION_CODE, "111111"])
def test_finish_after_a_failure_says_nothing_and_clears_the_form(code: Optional[str]) -> None:
    outcome = _finish({"verification_email": CUSTOMER_EMAIL, "verification_code": code})
    assert outcome.responses == []
    assert outcome.slots == {"verification_email": None, "verification_code": None}


def test_finish_keeps_the_grant() -> None:
    grant = issue_grant(SETTINGS.identity_signing_key, CUSTOMER_ID, SENDER_ID)
    outcome = _finish({"verification_code": "verified", GRANT_SLOT: grant})
    assert GRANT_SLOT not in outcome.slots


# --------------------------------------------------------------------------- end to end


def test_after_verification_account_actions_answer_for_the_customer(
    backend: FakeBackendClient,
) -> None:
    # Default settings on both sides, as in the action server.
    form = ValidateVerificationForm(client=backend)
    email_outcome = run_action(
        form,
        validation_tracker(
            FORM,
            {"verification_email": CUSTOMER_EMAIL},
            requested_slot="verification_email",
            customer_id=None,
        ),
    )
    [mail] = backend.read_dev_outbox(CUSTOMER_EMAIL)
    code = re.search(r"\d{6}", mail.body).group()
    code_outcome = _give_code(
        backend,
        f"the code is {code}",
        action=form,
        email_slot=email_outcome.slots["verification_email"],
    )
    finish_outcome = _finish({**email_outcome.slots, **code_outcome.slots})
    slots = {**email_outcome.slots, **code_outcome.slots, **finish_outcome.slots}
    assert finish_outcome.responses == ["utter_verified"]
    assert slots[GRANT_SLOT]

    outcome = run_action(
        ActionCheckBalance(client=backend), make_tracker(slots=slots, customer_id=None)
    )
    assert outcome.responses[0] == "utter_balance"
    assert backend.calls_of("get_balance")[-1].args == (CUSTOMER_ID,)

    elsewhere = run_action(
        ActionCheckBalance(client=backend),
        make_tracker(slots=slots, customer_id=None, sender_id="conversation-2"),
    )
    assert elsewhere.responses == ["utter_login_required"]
    assert len(backend.calls_of("get_balance")) == 1

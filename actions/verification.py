"""Verifying a visitor in chat: e-mail, then a one-time code checked by the backend."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.api import BackendClient, BackendError, RuleViolation
from actions.base import UsesBackend, form_stop_events, report_backend_error
from actions.identity import verified_customer_id
from actions.handoff.form_rejections import track_rejections
from actions.identity_grant import GRANT_SLOT, issue_grant
from actions.idempotency import form_submission_key
from actions.sealed_slot import seal, unseal
from actions.settings import Settings

FORM = "verification_form"
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")
#: Backend refusals after which a new code is needed: the form stops.
FINAL_CODE_ERRORS = {
    "code_expired": "the code has expired",
    "no_pending_code": "there is no code waiting for this e-mail",
    "too_many_attempts": "too many wrong codes",
}
#: How long the e-mail stays usable in the form (the backend's codes live 10 minutes).
SEALED_EMAIL_MAX_AGE_SECONDS = 15 * 60


class ValidateVerificationForm(UsesBackend, FormValidationAction):
    """Sends the code for the e-mail given, then checks the code typed."""

    def __init__(
        self, client: Optional[BackendClient] = None, settings: Optional[Settings] = None
    ) -> None:
        """Creates the action.

        Args:
            client: The backend client; built from the settings on first use.
            settings: Settings with the key that signs identity grants.
        """
        super().__init__(client, settings)

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_verification_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Skips verification for a customer already identified; never goes silent.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            Events to apply; `requested_slot: None` ends the form.
        """
        stop = form_stop_events(self, domain)
        # The key this action signs grants with, so its own grant counts here too.
        signing_key = self.settings.identity_signing_key
        if verified_customer_id(tracker, signing_key) is not None:
            dispatcher.utter_message(response="utter_already_verified")
            return stop
        try:
            events = await super().run(dispatcher, tracker, domain)
        except BackendError as error:
            return stop + report_backend_error(dispatcher, error, self.name(), self.handoff)
        return track_rejections(dispatcher, tracker, events, stop, self.handoff)

    async def validate_verification_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Asks the backend to send a code to a well-formed address."""
        match = _EMAIL.search(str(slot_value or ""))
        if match is None:
            dispatcher.utter_message(response="utter_verification_email_invalid")
            return {"verification_email": None}
        email = match.group().lower()
        try:
            await self.call(
                self.client.start_verification,
                email,
                idempotency_key=form_submission_key(tracker, FORM, "start", email),
            )
        except RuleViolation as violation:
            if violation.code != "too_many_requests":
                raise
            dispatcher.utter_message(response="utter_verification_rate_limited")
            return {"verification_email": None, REQUESTED_SLOT: None}
        # Sealed: the tracker store, broker and logs must never hold the address.
        return {"verification_email": seal(self.settings.identity_signing_key, email)}

    async def validate_verification_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Checks the code with the backend; a right one yields a signed grant."""
        # NFKC: full-width or other digit forms read as the ASCII digits they are.
        match = _CODE.search(unicodedata.normalize("NFKC", str(slot_value or "")))
        if match is None:
            dispatcher.utter_message(response="utter_verification_code_format")
            return {"verification_code": None}
        code = match.group(1)
        email = unseal(
            self.settings.identity_signing_key,
            tracker.get_slot("verification_email"),
            SEALED_EMAIL_MAX_AGE_SECONDS,
        )
        if email is None:  # sealed too long ago (or not by us): a new code is needed
            dispatcher.utter_message(
                response="utter_verification_failed", reason=FINAL_CODE_ERRORS["code_expired"]
            )
            return {"verification_code": None, REQUESTED_SLOT: None}
        try:
            login = await self.call(
                self.client.confirm_verification,
                email,
                code,
                idempotency_key=form_submission_key(tracker, FORM, "confirm", email, code),
            )
        except RuleViolation as violation:
            if violation.code in FINAL_CODE_ERRORS:
                dispatcher.utter_message(
                    response="utter_verification_failed",
                    reason=FINAL_CODE_ERRORS[violation.code],
                )
                return {"verification_code": None, REQUESTED_SLOT: None}
            if violation.code != "invalid_code":
                raise
            dispatcher.utter_message(
                response="utter_verification_code_wrong",
                attempts_left=violation.details.get("attempts_left", "a few"),
            )
            return {"verification_code": None}
        grant = issue_grant(self.settings.identity_signing_key, login.customer_id, tracker.sender_id)
        # The code itself is not kept in the conversation.
        return {"verification_code": "verified", GRANT_SLOT: grant}


class ActionFinishVerification(Action):
    """Confirms a verification and clears what the form collected."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_finish_verification"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Says so when the visitor is now verified."""
        if tracker.get_slot("verification_code") == "verified":
            dispatcher.utter_message(response="utter_verified")
        return [SlotSet("verification_email", None), SlotSet("verification_code", None)]

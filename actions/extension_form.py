"""More time to pay: pick the instalment's extension, confirm, apply the backend's rules."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import ExtensionOptions, Instalment, RuleViolation
from actions.base import BackendFormValidationAction, FormAskAction, FormSubmitAction
from actions.formatting import format_date, format_money
from actions.idempotency import form_submission_key
from actions.satisfaction import ask_satisfaction

FORM = "extension_form"

_WORD_NUMBERS = {"one": 1, "a": 1, "two": 2, "three": 3, "seven": 7, "fourteen": 14}


def parse_days(text: Optional[str]) -> Optional[int]:
    """Reads a number of days from what the customer wrote.

    Args:
        text: e.g. "7", "14 days", "one week", "two weeks".

    Returns:
        The number of days, or `None` when there is none.
    """
    if not text:
        return None
    lowered = text.lower()
    weeks = re.search(r"(\d+|one|a|two|three)\s*weeks?", lowered)
    if weeks:
        count = weeks.group(1)
        return 7 * (int(count) if count.isdigit() else _WORD_NUMBERS[count])
    digits = re.search(r"\d+", lowered)
    if digits:
        return int(digits.group())
    for word, value in _WORD_NUMBERS.items():
        if re.search(rf"\b{word}\b", lowered) and word != "a":
            return value
    return None


async def _due_instalment_and_options(
    action: Any, customer_id: str
) -> tuple[Optional[Instalment], Optional[ExtensionOptions]]:
    instalment = await action.call(action.client.get_next_instalment, customer_id)
    if instalment is None:
        return None, None
    options = await action.call(
        action.client.get_extension_options, customer_id, instalment.id
    )
    return instalment, options


class ValidateExtensionForm(BackendFormValidationAction):
    """Starts only when the backend allows an extension; checks the days chosen."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_extension_form"

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        """Explains the backend's reason when the due date can't move."""
        instalment, options = await _due_instalment_and_options(self, customer_id)
        if instalment is None or options is None:
            dispatcher.utter_message(response="utter_nothing_due")
            return False
        if not options.allowed or not options.options:
            dispatcher.utter_message(
                response="utter_extension_not_allowed",
                reason=options.reason or "your plan doesn't allow it.",
            )
            return False
        return True

    async def validate_extension_days(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Accepts only the number of days the backend offers."""
        customer_id = self.customer(tracker)
        instalment, options = await _due_instalment_and_options(self, customer_id)
        allowed = [option.days for option in options.options] if options else []
        days = parse_days(str(slot_value))
        if days in allowed and instalment is not None:
            return {"extension_days": str(days), "instalment_id": instalment.id}
        dispatcher.utter_message(
            response="utter_extension_days_invalid",
            options=" or ".join(str(value) for value in allowed),
        )
        return {"extension_days": None}


class ActionAskExtensionDays(FormAskAction):
    """Offers the extensions the backend allows for the next instalment."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_extension_days"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Asks with one button per allowed option."""
        instalment, options = await _due_instalment_and_options(self, customer_id)
        if instalment is None or options is None or not options.options:
            dispatcher.utter_message(response="utter_nothing_due")
            return self.on_failure()
        buttons = [
            {
                "title": f"{option.days} days, to {format_date(option.new_due_date)} "
                f"(fee {format_money(option.fee)})",
                "payload": f"{option.days} days",
            }
            for option in options.options
        ]
        dispatcher.utter_message(
            response="utter_ask_extension_days",
            amount=format_money(instalment.amount),
            merchant=instalment.merchant_name,
            due_date=format_date(instalment.due_date),
            buttons=buttons,
        )
        return [SlotSet("instalment_id", instalment.id)]


class ActionAskExtensionConfirmed(FormAskAction):
    """Shows the new due date and the fee, and asks to confirm."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_extension_confirmed"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Asks with the option chosen."""
        instalment, options = await _due_instalment_and_options(self, customer_id)
        days = parse_days(tracker.get_slot("extension_days"))
        option = next(
            (o for o in (options.options if options else ()) if o.days == days), None
        )
        if instalment is None or option is None:
            dispatcher.utter_message(response="utter_nothing_due")
            return self.on_failure()
        dispatcher.utter_message(
            response="utter_ask_extension_confirmed",
            amount=format_money(instalment.amount),
            old_due_date=format_date(instalment.due_date),
            new_due_date=format_date(option.new_due_date),
            fee=format_money(option.fee),
        )
        return []


class ActionExtendDueDate(FormSubmitAction):
    """Moves the due date once the customer confirmed."""

    form_slots = ["extension_days", "extension_confirmed", "instalment_id"]

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_extend_due_date"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Extends when confirmed; explains the backend's refusal."""
        confirmed = tracker.get_slot("extension_confirmed")
        instalment_id = tracker.get_slot("instalment_id")
        days = parse_days(tracker.get_slot("extension_days"))
        if confirmed is False:
            dispatcher.utter_message(response="utter_extension_not_made")
        if not confirmed or not instalment_id or days is None:
            return self.clear_slots()
        key = form_submission_key(tracker, FORM, customer_id, instalment_id, days)
        try:
            extension = await self.call(
                self.client.extend_instalment,
                customer_id,
                instalment_id,
                days,
                idempotency_key=key,
            )
        except RuleViolation as violation:
            dispatcher.utter_message(
                response="utter_extension_not_allowed", reason=violation.message
            )
            return self.clear_slots()
        instalment = await self.call(self.client.get_instalment, customer_id, instalment_id)
        dispatcher.utter_message(
            response="utter_extension_done",
            amount=format_money(instalment.amount),
            new_due_date=format_date(extension.new_due_date),
            fee=format_money(extension.fee),
        )
        ask_satisfaction(dispatcher, tracker)
        return self.clear_slots()

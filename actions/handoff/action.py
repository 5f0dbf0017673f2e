"""`action_handoff`: hands the conversation over to a person at the agent desk."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.conversation import FORM_SLOTS
from actions.desk_api import (
    AgentDesk,
    DeskRejected,
    DeskUnavailable,
    HttpAgentDesk,
    TicketReceipt,
    TicketRequest,
)
from actions.handoff.form_rejections import REJECTIONS_SLOT
from actions.handoff.idempotency import handoff_key
from actions.handoff.outbox import HandoffOutbox, OutboxDelivery, shared_delivery
from actions.handoff.summary import build_ticket_request
from actions.handoff.triggers import REASON_SLOT, handoff_reason
from actions.handoff.wording import format_next_open, format_wait
from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CLAIMED = "claimed"


class ActionHandoff(Action):
    """Opens a ticket at the agent desk and tells the customer what happens next.

    * desk open: the queue position and expected wait; the bot is paused
      (`ConversationPaused`) so it stays silent while a person answers;
    * desk closed: when agents are back; the ticket is kept, the bot goes on;
    * desk unreachable: the request is kept in the outbox and delivered once the
      desk is back; the customer gets other ways to reach support;
    * trigger disabled in `handoff.yml`, or anything unexpected: the support
      team's contact details.

    An active form is left (the customer leaves it), and the handoff reason and
    the rejection counter are cleared.
    """

    def __init__(
        self,
        desk: Optional[AgentDesk] = None,
        settings: Optional[Settings] = None,
        delivery: Optional[OutboxDelivery] = None,
    ) -> None:
        """Creates the action; nothing is built until the first run.

        Args:
            desk: The agent desk; `HttpAgentDesk` from the settings by default.
            settings: Triggers, language, outbox; `get_settings()` by default.
            delivery: Background delivery of kept requests; built from the
                settings (outbox file, retry cap) and the desk by default.
        """
        self._desk = desk
        self._settings = settings
        self._delivery = delivery

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_handoff"

    @property
    def settings(self) -> Settings:
        """The settings (read on first use)."""
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    @property
    def desk(self) -> AgentDesk:
        """The agent desk client (built on first use)."""
        if self._desk is None:
            self._desk = HttpAgentDesk(self.settings)
        return self._desk

    @property
    def delivery(self) -> OutboxDelivery:
        """The outbox and its background delivery (built on first use)."""
        if self._delivery is None and self._desk is None and self._settings is None:
            # The default action shares the process's delivery with the server's
            # start-up hook (one task sending the kept requests, not two).
            self._delivery = shared_delivery()
        if self._delivery is None:
            settings = self.settings
            self._delivery = OutboxDelivery(
                HandoffOutbox(settings.handoff_outbox_path),
                self.desk,
                settings.handoff_outbox_retry_max_seconds,
            )
        return self._delivery

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Hands over, always with a reply.

        Args:
            dispatcher: Sends the reply.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            Events leaving an active form and clearing the handoff slots, then
            `ConversationPaused` when a person is about to answer.
        """
        events = leave_form_events(tracker)
        events += clear_handoff_events(tracker, already_cleared=events)
        try:
            return events + await self._hand_over(dispatcher, tracker)
        except Exception:  # noqa: BLE001 - the customer must never be left without an answer
            logger.exception("handoff.failed")
            dispatcher.utter_message(response="utter_human_handoff")
            return events

    async def _hand_over(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> List[EventType]:
        settings = self.settings
        self._resume_delivery()
        reason = handoff_reason(tracker)
        if not settings.handoff.enabled(reason):
            logger.info("handoff.disabled reason=%s", reason)
            dispatcher.utter_message(response="utter_human_handoff")
            return []
        request = build_ticket_request(tracker, reason, settings.handoff_language)
        key = handoff_key(tracker)
        try:
            receipt = await asyncio.to_thread(self.desk.open_ticket, request, key)
        except DeskUnavailable as error:
            logger.warning("handoff.desk_unavailable reason=%s error=%r", reason, error)
            return await self._keep(dispatcher, request, key)
        except DeskRejected as error:
            logger.error("handoff.desk_rejected reason=%s error=%r", reason, error)
            dispatcher.utter_message(response="utter_human_handoff")
            return []
        logger.info(
            "handoff.ticket ticket=%s reason=%s created=%s desk_open=%s",
            receipt.ticket_id,
            reason,
            receipt.created,
            receipt.desk_open,
        )
        return tell_customer(dispatcher, receipt)

    async def _keep(
        self, dispatcher: CollectingDispatcher, request: TicketRequest, key: str
    ) -> List[EventType]:
        try:
            await self.delivery.keep(request, key)
        except Exception:  # noqa: BLE001 - without a kept request, promise nothing
            logger.exception("handoff.outbox_failed")
            dispatcher.utter_message(response="utter_human_handoff")
            return []
        dispatcher.utter_message(response="utter_handoff_desk_unavailable")
        return []

    def _resume_delivery(self) -> None:
        """Restarts delivery of requests kept earlier (e.g. before a restart)."""
        try:
            self.delivery.ensure_running()
        except Exception:  # noqa: BLE001 - a handoff must not fail over old requests
            logger.exception("handoff.outbox_resume_failed")


def tell_customer(dispatcher: CollectingDispatcher, receipt: TicketReceipt) -> List[EventType]:
    """Tells the customer what happens with the ticket; pauses the bot when a person comes.

    Args:
        dispatcher: Sends the reply.
        receipt: The desk's answer.

    Returns:
        `ConversationPaused` while the desk is open, otherwise nothing.
    """
    if not receipt.desk_open:
        dispatcher.utter_message(
            response="utter_handoff_after_hours", next_open=format_next_open(receipt.next_open_at)
        )
        return []
    if receipt.status == CLAIMED:
        dispatcher.utter_message(response="utter_handoff_agent_assigned", ticket_id=receipt.ticket_id)
    else:
        dispatcher.utter_message(
            response="utter_handoff_queued",
            queue_position=receipt.queue_position,
            expected_wait=format_wait(receipt.expected_wait_minutes),
            ticket_id=receipt.ticket_id,
        )
    return [ConversationPaused()]


def leave_form_events(tracker: Tracker) -> List[EventType]:
    """Events leaving the active form: the customer leaves it for a person.

    `ActiveLoop(None)` comes every time, as the rules say (`active_loop: null`
    after `action_handoff`, in and outside forms); the form's answers are
    cleared only when a form was active.
    """
    if tracker.active_loop_name is None:
        return [ActiveLoop(None)]
    return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + [
        SlotSet(slot, None) for slot in FORM_SLOTS
    ]


def clear_handoff_events(
    tracker: Tracker, already_cleared: Sequence[EventType] = ()
) -> List[EventType]:
    """Events clearing the handoff reason and the rejection counter, where set.

    Args:
        tracker: The conversation tracker.
        already_cleared: Events of this run that set slots already.

    Returns:
        `SlotSet(..., None)` for each of the two that holds a value.
    """
    done = {event.get("name") for event in already_cleared if event.get("event") == "slot"}
    return [
        SlotSet(slot, None)
        for slot in (REASON_SLOT, REJECTIONS_SLOT)
        if slot not in done and tracker.get_slot(slot) is not None
    ]

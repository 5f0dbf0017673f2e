"""Abstract base actions: identity, backend errors and the event loop, handled once.

The SDK registers only concrete subclasses (it skips abstract classes), so these
bases never appear as actions of their own.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.api import BackendClient, BackendError, BackendUnavailable
from actions.confirmation import require_clear_yes
from actions.handoff.config import BACKEND_UNAVAILABLE, HandoffConfig
from actions.handoff.form_rejections import track_rejections
from actions.handoff.triggers import request_handoff
from actions.identity import verified_customer_id
from actions.idempotency import (
    form_submission_key,
    outcome_unknown,
    remember_in_doubt,
    settle_in_doubt,
)
from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


class UsesBackend:
    """Mixin giving an action a lazily built backend client and a loop-safe call."""

    def __init__(
        self, client: Optional[BackendClient] = None, settings: Optional[Settings] = None
    ) -> None:
        """Creates the action.

        Args:
            client: The backend client; built from the settings on first use.
            settings: The action server's settings; `get_settings()` on first use.
        """
        self._client = client
        self._settings = settings

    @property
    def settings(self) -> Settings:
        """The settings (read on first use, not at import or registration)."""
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    @property
    def handoff(self) -> HandoffConfig:
        """The handoff triggers of `handoff.yml`."""
        return self.settings.handoff

    @property
    def client(self) -> BackendClient:
        """The backend client (built on first use, not at import or registration)."""
        if self._client is None:
            self._client = BackendClient()
        return self._client

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs a blocking client call in a worker thread.

        rasa_sdk serves every conversation on one event loop: a blocking `requests`
        call on it would stall them all.

        Args:
            function: A bound method of the client.
            *args: Its positional arguments.
            **kwargs: Its keyword arguments.

        Returns:
            What the call returns.
        """
        return await asyncio.to_thread(function, *args, **kwargs)


def form_stop_events(form: FormValidationAction, domain: DomainDict) -> List[EventType]:
    """Events ending a form early: no slot requested, and the form's answers cleared.

    Clearing them means the submit action that follows never acts on a value no
    validation has approved.

    Args:
        form: The form's validation action.
        domain: The bot's domain.

    Returns:
        `requested_slot: None`, then `None` for each of the form's slots.
    """
    return [SlotSet(REQUESTED_SLOT, None)] + [
        SlotSet(slot, None) for slot in form.domain_slots(domain)
    ]


def report_backend_error(
    dispatcher: CollectingDispatcher,
    error: BackendError,
    action_name: Text,
    handoff: HandoffConfig,
) -> List[EventType]:
    """Tells the customer that the backend failed, and hands over or offers a person.

    An unavailable backend hands the conversation to a person when the
    `backend_unavailable` trigger is enabled (the agent desk is a separate
    service: `action_handoff` copes with it being down too); otherwise, and for
    any other error, the apology offers a person with a button.

    Args:
        dispatcher: Sends the reply.
        error: What the client raised.
        action_name: The failing action, for the log.
        handoff: The handoff triggers.

    Returns:
        Events queueing `action_handoff`, or none.
    """
    if not isinstance(error, BackendUnavailable):
        logger.error("%s: backend error: %r", action_name, error)
        dispatcher.utter_message(response="utter_something_went_wrong")
        return []
    logger.warning("%s: backend unavailable: %r", action_name, error)
    if handoff.enabled(BACKEND_UNAVAILABLE):
        dispatcher.utter_message(response="utter_backend_unavailable_handoff")
        return request_handoff(BACKEND_UNAVAILABLE)
    dispatcher.utter_message(response="utter_backend_unavailable")
    return []


class BackendAction(UsesBackend, Action, ABC):
    """An action answered from the backend for the verified customer.

    Subclasses implement `perform`. Missing identity and backend failures always
    produce a reply: the customer is never left without an answer.
    """

    #: Whether the action needs a verified customer (account data) or not.
    requires_identity: bool = True

    @abstractmethod
    def name(self) -> Text:
        """Returns the action's name as listed in the domain."""

    @abstractmethod
    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Does the action's work.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.
            customer_id: The verified customer (never `None` when
                `requires_identity` is set).

        Returns:
            Events to apply.
        """

    def on_failure(self) -> List[EventType]:
        """Events returned when the action could not do its work."""
        return []

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Checks identity, performs, and turns backend failures into a reply.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            Events to apply.
        """
        customer_id = verified_customer_id(tracker)
        if self.requires_identity and customer_id is None:
            dispatcher.utter_message(response="utter_login_required")
            return self.on_failure()
        try:
            return await self.perform(dispatcher, tracker, domain, customer_id)
        except BackendError as error:
            return self.on_failure() + report_backend_error(
                dispatcher, error, self.name(), self.handoff
            )


class FormAskAction(BackendAction, ABC):
    """Asks for a form slot with facts from the backend; ends the form on failure."""

    def on_failure(self) -> List[EventType]:
        """Deactivates the form: it cannot go on without the backend or identity."""
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


class BackendFormValidationAction(UsesBackend, FormValidationAction, ABC):
    """Validates a form of account data for the verified customer.

    At activation it stops the form at once when the customer is not identified
    (so nothing about an account is asked or shown) and lets `check_activation`
    refuse early with an explanation. A backend failure ends the form with an
    apology instead of going silent. Answers rejected for the same question too
    often in a row hand the conversation over (`form_validation_failed`).
    """

    @abstractmethod
    def name(self) -> Text:
        """Returns `validate_<form name>`."""

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        """Decides whether the form may start; explains to the customer when not.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.
            customer_id: The verified customer.

        Returns:
            `True` to go on with the form.
        """
        return True

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Runs the identity gate, then the SDK's extraction and validation.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            Events to apply; `requested_slot: None` ends the form early.
        """
        stop = form_stop_events(self, domain)
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_login_required")
            return stop
        activating = tracker.get_slot(REQUESTED_SLOT) is None
        try:
            if activating and not await self.check_activation(
                dispatcher, tracker, domain, customer_id
            ):
                return stop
            events = await super().run(dispatcher, tracker, domain)
        except BackendError as error:
            return stop + report_backend_error(dispatcher, error, self.name(), self.handoff)
        return track_rejections(dispatcher, tracker, events, stop, self.handoff)

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Validates the slots of this turn; a confirmation needs a clear yes.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            `SlotSet` events for every validated slot.
        """
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return require_clear_yes(dispatcher, tracker, events)

    def customer(self, tracker: Tracker) -> str:
        """The verified customer of a running form (checked in `run`)."""
        customer_id = verified_customer_id(tracker)
        assert customer_id is not None
        return customer_id


class SubmissionInDoubt(Exception):
    """A submission got no definitive answer; the backend may have carried it out.

    Attributes:
        error: What the client raised.
        events: Events keeping the submission's key for a resubmission.
    """

    def __init__(self, error: BackendError, events: List[EventType]) -> None:
        """Creates the exception.

        Args:
            error: What the client raised.
            events: Events keeping the submission's key for a resubmission.
        """
        super().__init__(str(error))
        self.error = error
        self.events = events


class FormSubmitAction(BackendAction, ABC):
    """Runs after a form ended: submits when confirmed, then clears the form's slots."""

    #: The form's slots, cleared after every run so the next run starts fresh.
    form_slots: List[Text] = []
    #: The form whose submissions this action sends (names its idempotency keys).
    form_name: Text = ""

    async def submit(
        self,
        tracker: Tracker,
        payload: Sequence[Any],
        function: Callable[..., T],
        *args: Any,
    ) -> T:
        """Sends the form's submission once, under the key of the conversation and payload.

        Args:
            tracker: The conversation tracker.
            payload: What identifies the submission (customer, order, amount...).
            function: The client's method moving the money.
            *args: Its positional arguments (`idempotency_key` is added).

        Returns:
            What the call returns.

        Raises:
            SubmissionInDoubt: No definitive answer; `run` keeps the key and apologises.
            BackendError: A definitive refusal, for the subclass to explain.
        """
        key = form_submission_key(tracker, self.form_name, *payload)
        try:
            return await self.call(function, *args, idempotency_key=key)
        except BackendError as error:
            if outcome_unknown(error):
                events = remember_in_doubt(tracker, self.form_name, key, *payload)
                raise SubmissionInDoubt(error, events) from error
            raise

    def settled(self, tracker: Tracker, payload: Sequence[Any]) -> List[EventType]:
        """Events forgetting the payload's submission in doubt once the backend answered."""
        return settle_in_doubt(tracker, self.form_name, *payload)

    def clear_slots(self) -> List[EventType]:
        """Events clearing the form's slots."""
        return [SlotSet(slot, None) for slot in self.form_slots]

    def on_failure(self) -> List[EventType]:
        """Clears the form even when the submission failed."""
        return self.clear_slots()

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Submits for a verified customer; otherwise only clears the form.

        The form's validation already asked an unidentified customer to log in
        and ended the form, so saying it again here would repeat it. A submission
        left in doubt gets the apology of a backend failure and keeps its key.

        Args:
            dispatcher: Sends replies.
            tracker: The conversation tracker.
            domain: The bot's domain.

        Returns:
            Events to apply.
        """
        if verified_customer_id(tracker) is None:
            return self.clear_slots()
        try:
            return await super().run(dispatcher, tracker, domain)
        except SubmissionInDoubt as doubt:
            return (
                self.clear_slots()
                + doubt.events
                + report_backend_error(dispatcher, doubt.error, self.name(), self.handoff)
            )

"""What an agent's actions do: the database change plus the calls to Rasa, in order."""

from __future__ import annotations

import asyncio
import logging

from agent_desk.errors import DeskError
from agent_desk.models import CLOSED, HANDED_BACK
from agent_desk.rasa_client import RasaClient, RasaError
from agent_desk.schemas import MessageOut, TicketOut
from agent_desk.tickets import AgentInfo, TicketStore
from service_kit.clock import Clock

logger = logging.getLogger(__name__)

# Responses in the assistant's domain.yml; the customer-facing text lives there.
BOT_RESUMED_RESPONSE = "utter_handoff_bot_resumed"
CLOSED_RESPONSE = "utter_handoff_closed"


def _unreachable(error: RasaError) -> DeskError:
    logger.warning("Rasa call failed: %s", error)
    return DeskError(
        502, "The assistant did not accept the request, so nothing changed; please try again."
    )


class Handoff:
    """Claim, reply, hand back and close, each keeping the desk and Rasa in step.

    Args:
        store: The ticket store.
        rasa: The Rasa client.
        clock: Time source.
    """

    def __init__(self, store: TicketStore, rasa: RasaClient, clock: Clock) -> None:
        """Create the service (see the class docstring for the arguments)."""
        self._store = store
        self._rasa = rasa
        self._clock = clock

    async def claim(self, ticket_id: str, agent: AgentInfo) -> TicketOut:
        """Claim a ticket, pause the bot and tell the customer who joined.

        If Rasa refuses, the claim is undone so the ticket stays in the queue.

        Raises:
            DeskError: 404, 409 (someone else's or ended) or 502 (Rasa).
        """
        ticket, new = await asyncio.to_thread(
            self._store.claim, ticket_id, agent.username, self._clock.now()
        )
        if new:
            payload = {"handoff": {"state": "agent_joined", "agent_name": agent.display_name}}
            try:
                await self._rasa.pause(ticket.conversation_id)
                await self._rasa.send_custom_payload(
                    ticket.conversation_id, payload, ticket.ticket_id, agent.username
                )
            except RasaError as error:
                await asyncio.to_thread(
                    self._store.release, ticket_id, agent.username, self._clock.now()
                )
                raise _unreachable(error) from error
            await self._note(ticket.id, f"{agent.display_name} joined the conversation.", agent)
        return await asyncio.to_thread(self._store.present, ticket)

    async def reply(self, ticket_id: str, agent: AgentInfo, text: str) -> MessageOut:
        """Send the agent's reply to the customer, then store it.

        Raises:
            DeskError: 404, 409 (not the agent's ticket) or 502 (Rasa; nothing stored).
        """
        ticket = await asyncio.to_thread(self._store.check_owner, ticket_id, agent.username)
        try:
            await self._rasa.send_agent_message(
                ticket.conversation_id, text, ticket.ticket_id, agent.username
            )
        except RasaError as error:
            raise _unreachable(error) from error
        return await asyncio.to_thread(
            self._store.add_message, ticket.id, "agent", text, agent.username, self._clock.now()
        )

    async def hand_back(self, ticket_id: str, agent: AgentInfo) -> TicketOut:
        """Resume the bot, let it say so, and end the ticket as ``handed_back``.

        Raises:
            DeskError: 404, 409 (not the agent's ticket) or 502 (Rasa; ticket unchanged).
        """
        ticket = await asyncio.to_thread(self._store.check_owner, ticket_id, agent.username)
        await self._resume_with(ticket.conversation_id, BOT_RESUMED_RESPONSE)
        ended = await asyncio.to_thread(
            self._store.end, ticket_id, agent.username, HANDED_BACK, self._clock.now()
        )
        await self._note(
            ended.id, f"{agent.display_name} handed the conversation back to the assistant.", agent
        )
        return await asyncio.to_thread(self._store.present, ended)

    async def close(self, ticket_id: str, agent: AgentInfo) -> TicketOut:
        """Resume the bot, send the closing message and end the ticket as ``closed``.

        Raises:
            DeskError: 404, 409 (someone else's or ended) or 502 (Rasa; ticket unchanged).
        """
        ticket = await asyncio.to_thread(self._store.check_owner, ticket_id, agent.username, True)
        await self._resume_with(ticket.conversation_id, CLOSED_RESPONSE)
        ended = await asyncio.to_thread(
            self._store.end, ticket_id, agent.username, CLOSED, self._clock.now(), True
        )
        await self._note(ended.id, f"{agent.display_name} closed the ticket.", agent)
        return await asyncio.to_thread(self._store.present, ended)

    async def _resume_with(self, conversation_id: str, response: str) -> None:
        try:
            await self._rasa.resume(conversation_id)
            await self._rasa.execute_response(conversation_id, response)
            await self._rasa.listen(conversation_id)
        except RasaError as error:
            raise _unreachable(error) from error

    async def _note(self, ticket_pk: int, text: str, agent: AgentInfo) -> None:
        await asyncio.to_thread(
            self._store.add_message, ticket_pk, "system", text, agent.username, self._clock.now()
        )

"""Keeps active tickets' transcripts current by reading trackers from Rasa.

While a ticket is waiting or claimed the bot is paused, but Rasa still logs what the
customer writes; the sync copies those messages (and any bot messages) into the
ticket, masked. The desk's own agent replies carry desk metadata and are skipped:
they were stored when sent.
"""

from __future__ import annotations

import asyncio
import logging

from agent_desk.rasa_client import RasaClient, RasaError, Tracker
from agent_desk.tickets import SyncedEntry, SyncTarget, TicketStore, source_key
from redaction import mask_text
from service_kit.clock import Clock

logger = logging.getLogger(__name__)

_AUTHORS = {"user": "customer", "bot": "bot"}


def new_entries(tracker: Tracker, cursor: float) -> tuple[list[SyncedEntry], float]:
    """Pick the customer and bot messages at or after ``cursor``.

    Events at exactly the cursor are read again on purpose (two events can share a
    timestamp); their source keys keep them from being stored twice.

    Args:
        tracker: The conversation's tracker.
        cursor: Timestamp of the newest event read before.

    Returns:
        (masked entries oldest first, the new cursor).
    """
    entries: list[SyncedEntry] = []
    newest = cursor
    for event in tracker.events:
        if event.timestamp < cursor:
            continue
        newest = max(newest, event.timestamp)
        author = _AUTHORS.get(event.event)
        if author is None or event.written_by_desk or not event.text:
            continue
        entries.append(
            SyncedEntry(
                author=author,
                text=mask_text(event.text),
                timestamp=event.timestamp,
                source_key=source_key(event.event, event.timestamp),
            )
        )
    return entries, newest


class TranscriptSync:
    """Reads the tracker of every active ticket, once per call or in a loop.

    Args:
        store: The ticket store.
        rasa: The Rasa client.
        clock: Time source.
    """

    def __init__(self, store: TicketStore, rasa: RasaClient, clock: Clock) -> None:
        """Create the sync (see the class docstring for the arguments)."""
        self._store = store
        self._rasa = rasa
        self._clock = clock

    async def sync_once(self) -> int:
        """Read every active ticket's tracker once.

        A ticket whose tracker cannot be read is logged and tried again next time.

        Returns:
            How many new entries were stored.
        """
        targets = await asyncio.to_thread(self._store.sync_targets)
        stored = 0
        for target in targets:
            stored += await self._sync_ticket(target)
        return stored

    async def _sync_ticket(self, target: SyncTarget) -> int:
        try:
            tracker = await self._rasa.get_tracker(target.conversation_id)
        except RasaError as error:
            logger.warning(
                "Could not read the conversation of ticket %s from Rasa: %s",
                target.ticket_id,
                error,
            )
            return 0
        entries, cursor = new_entries(tracker, target.cursor)
        if not entries and cursor == target.cursor:
            return 0
        return await asyncio.to_thread(
            self._store.record_synced, target.ticket_pk, entries, cursor, self._clock.now()
        )

    async def run(self, interval_seconds: float) -> None:
        """Sync every ``interval_seconds`` until cancelled; never stops on an error.

        Args:
            interval_seconds: Pause between two passes.
        """
        while True:
            try:
                await self.sync_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("Transcript sync failed; trying again next time.")
            await asyncio.sleep(interval_seconds)

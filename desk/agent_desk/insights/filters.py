"""Which conversations a figure covers: a date range and a channel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from agent_desk.insights.conversations import Conversation


@dataclass(frozen=True)
class Filters:
    """A selection of conversations by the UTC day of their first message and channel.

    Attributes:
        date_from: First day included (None: no lower bound).
        date_to: Last day included (None: no upper bound).
        channel: Only this channel (None: all).
    """

    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        """Reject an empty range.

        Raises:
            ValueError: ``date_from`` after ``date_to``.
        """
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("The start date must not be after the end date.")

    def accepts(self, conversation: Conversation) -> bool:
        """Whether the conversation is selected."""
        day = conversation.day
        if self.date_from is not None and day < self.date_from:
            return False
        if self.date_to is not None and day > self.date_to:
            return False
        return self.channel is None or conversation.channel == self.channel


def select(conversations: Iterable[Conversation], filters: Filters) -> list[Conversation]:
    """The conversations the filters accept, in their order."""
    return [conversation for conversation in conversations if filters.accepts(conversation)]

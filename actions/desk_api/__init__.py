"""Client of the agent desk: the `AgentDesk` interface, `HttpAgentDesk`, models, exceptions."""

from actions.desk_api.client import AgentDesk, HttpAgentDesk
from actions.desk_api.exceptions import (
    DeskAuthenticationError,
    DeskError,
    DeskInvalidResponse,
    DeskRejected,
    DeskTimeout,
    DeskUnavailable,
)
from actions.desk_api.models import (
    DeskStatus,
    TicketFacts,
    TicketReceipt,
    TicketRequest,
    TicketSummary,
    TranscriptEntry,
)

__all__ = [
    "AgentDesk",
    "DeskAuthenticationError",
    "DeskError",
    "DeskInvalidResponse",
    "DeskRejected",
    "DeskStatus",
    "DeskTimeout",
    "DeskUnavailable",
    "HttpAgentDesk",
    "TicketFacts",
    "TicketReceipt",
    "TicketRequest",
    "TicketSummary",
    "TranscriptEntry",
]

"""The desk's tickets as insight records (read only)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from agent_desk.insights.records import TicketRecord
from agent_desk.insights.storage import StoreUnavailable
from agent_desk.models import Ticket

logger = logging.getLogger(__name__)


def read_tickets(engine: Engine, since: datetime | None = None) -> list[TicketRecord]:
    """Tickets created from ``since`` on (all when None), oldest first.

    Args:
        engine: An engine on the desk's database.
        since: Lower bound of the creation time (UTC-aware).

    Returns:
        The tickets.

    Raises:
        StoreUnavailable: The desk's database cannot be read.
    """
    query = select(
        Ticket.ticket_id,
        Ticket.conversation_id,
        Ticket.channel,
        Ticket.customer_id,
        Ticket.reason,
        Ticket.status,
        Ticket.created_at,
        Ticket.claimed_at,
        Ticket.ended_at,
    ).order_by(Ticket.created_at, Ticket.id)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    try:
        with Session(engine) as session:
            rows = session.execute(query).all()
    except SQLAlchemyError as error:
        logger.warning("Cannot read the tickets: %s", error)
        raise StoreUnavailable("The desk's tickets cannot be read.") from error
    return [TicketRecord(*row) for row in rows]

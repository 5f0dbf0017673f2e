"""The outbox: messages the service sends are written here, a mailer would deliver them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments_backend import models, schemas

EMAIL = "email"


def send_email(
    session: Session, now: datetime, recipient: str, subject: str, body: str
) -> models.OutboundMessage:
    """Queue an e-mail in the request's transaction (sent only if the request commits).

    Args:
        session: The request's session.
        now: Current UTC time.
        recipient: E-mail address.
        subject: Subject line.
        body: Plain-text body.

    Returns:
        The stored message.
    """
    message = models.OutboundMessage(
        channel=EMAIL, recipient=recipient, subject=subject, body=body, created_at=now
    )
    session.add(message)
    session.flush()
    return message


def list_messages(
    session: Session, recipient: str | None, limit: int
) -> list[schemas.OutboundMessage]:
    """Messages in the outbox, newest first, optionally for one recipient.

    Args:
        session: Database session.
        recipient: Only messages to this address (case-insensitive), if given.
        limit: At most this many.

    Returns:
        The messages.
    """
    query = select(models.OutboundMessage)
    if recipient is not None:
        query = query.where(
            func.lower(models.OutboundMessage.recipient) == recipient.strip().lower()
        )
    query = query.order_by(
        models.OutboundMessage.created_at.desc(), models.OutboundMessage.id.desc()
    ).limit(limit)
    return [schemas.OutboundMessage.model_validate(row) for row in session.scalars(query)]

"""Routes of the action server: open a ticket, read the desk's status."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from agent_desk.deps import (
    Services,
    get_services,
    require_service_key,
    require_service_or_agent,
)
from agent_desk.errors import DeskError
from agent_desk.schemas import DeskStatus, OpenedTicket, OpenTicket

router = APIRouter(prefix="/v1", tags=["service"])

_KEY = re.compile(r"^[\x20-\x7e]{8,200}$")


def idempotency_key(
    key: str | None = Header(
        default=None,
        alias="Idempotency-Key",
        description="Unique key of this handover (8-200 printable characters).",
    ),
) -> str:
    """Require a well-formed Idempotency-Key header.

    Raises:
        DeskError: 422 when missing or malformed.
    """
    if key is None or not _KEY.match(key):
        raise DeskError(
            422, "The Idempotency-Key header must be 8 to 200 printable ASCII characters."
        )
    return key


@router.post(
    "/tickets",
    response_model=OpenedTicket,
    status_code=201,
    dependencies=[Depends(require_service_key)],
    responses={200: {"model": OpenedTicket, "description": "The existing ticket."}},
)
def open_ticket(
    body: OpenTicket,
    key: str = Depends(idempotency_key),
    services: Services = Depends(get_services),
) -> JSONResponse:
    """Open a ticket for a handed-over conversation (idempotent)."""
    now = services.clock.now()
    ticket, created = services.store.open_ticket(key, body, now)
    position = services.store.queue_position(ticket)
    next_open = services.hours.next_open_at(now)
    result = OpenedTicket(
        ticket_id=ticket.ticket_id,
        status=ticket.status,
        created=created,
        queue_position=position,
        expected_wait_minutes=services.store.expected_wait_minutes(position),
        desk_open=next_open is None,
        next_open_at=next_open,
    )
    return JSONResponse(result.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/status", response_model=DeskStatus, dependencies=[Depends(require_service_or_agent)])
def status(services: Services = Depends(get_services)) -> DeskStatus:
    """Whether agents are working now, how many tickets wait, how many agents are online."""
    now = services.clock.now()
    waiting, online = services.store.counts(now)
    next_open = services.hours.next_open_at(now)
    return DeskStatus(
        desk_open=next_open is None,
        next_open_at=next_open,
        waiting=waiting,
        agents_online=online,
    )

"""Development-only routes, mounted when ``BACKEND_DEV_OUTBOX`` is on."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from payments_backend import schemas
from payments_backend.deps import get_session
from payments_backend.routes.common import ERROR, PUBLIC_RESPONSES, SERVICE_AUTH, Limit
from payments_backend.services import outbox

router = APIRouter(
    prefix="/v1/dev",
    tags=["development"],
    dependencies=SERVICE_AUTH,
    responses={**PUBLIC_RESPONSES, 401: ERROR},
)


@router.get("/outbox", response_model=list[schemas.OutboundMessage])
def read_outbox(
    recipient: str | None = Query(
        default=None, max_length=254, description="Only messages to this address."
    ),
    limit: int = Limit,
    session: Session = Depends(get_session),
) -> list[schemas.OutboundMessage]:
    """Messages the service sent, newest first (one-time codes included: never in production)."""
    return outbox.list_messages(session, recipient, limit)

"""Disputes of charges the customer does not recognise."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from payments_backend import schemas
from payments_backend.deps import (
    CustomerContext,
    customer_context,
    idempotency_key,
    run_idempotent,
)
from payments_backend.routes.common import CUSTOMER_RESPONSES, POST_RESPONSES, SERVICE_AUTH
from payments_backend.services import payments

router = APIRouter(
    prefix="/v1/disputes",
    tags=["payments"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@router.post("", status_code=201, response_model=schemas.Dispute, responses=POST_RESPONSES)
def open_dispute(
    body: schemas.DisputeCreate,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Dispute a charge; 409 ``dispute_exists``."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        body,
        lambda: (201, payments.open_dispute(ctx, body.payment_id, body.reason)),
    )

"""Refund requests and their status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from payments_backend import schemas
from payments_backend.deps import (
    CustomerContext,
    customer_context,
    idempotency_key,
    run_idempotent,
)
from payments_backend.routes.common import CUSTOMER_RESPONSES, POST_RESPONSES, SERVICE_AUTH
from payments_backend.services import refunds

router = APIRouter(
    prefix="/v1/refunds",
    tags=["refunds"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@router.post("", status_code=201, response_model=schemas.Refund, responses=POST_RESPONSES)
def create_refund(
    body: schemas.RefundCreate,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Request a refund on a delivered order within the merchant's window."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        body,
        lambda: (201, refunds.request_refund(ctx, body)),
    )


@router.get("", response_model=list[schemas.Refund])
def list_refunds(
    order_id: str | None = Query(default=None, description="Order reference."),
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.Refund]:
    """The customer's refunds, newest first."""
    return refunds.list_refunds(ctx, order_id)


@router.get("/{refund_id}", response_model=schemas.Refund)
def get_refund(refund_id: str, ctx: CustomerContext = Depends(customer_context)) -> schemas.Refund:
    """One refund."""
    return refunds.get_refund(ctx, refund_id)

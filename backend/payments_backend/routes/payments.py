"""Payments: pay an instalment, history, duplicate charges."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from payments_backend import schemas
from payments_backend.deps import (
    CustomerContext,
    customer_context,
    idempotency_key,
    run_idempotent,
)
from payments_backend.routes.common import (
    CUSTOMER_RESPONSES,
    POST_RESPONSES,
    SERVICE_AUTH,
    Limit,
)
from payments_backend.services import payments

router = APIRouter(
    prefix="/v1/payments",
    tags=["payments"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@router.post("", status_code=201, response_model=schemas.Payment, responses=POST_RESPONSES)
def pay(
    body: schemas.PaymentCreate,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Pay an instalment and its late fee with the default method."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        body,
        lambda: (201, payments.pay_instalment(ctx, body.instalment_id)),
    )


@router.get("", response_model=list[schemas.Payment])
def list_payments(
    status: Literal["succeeded", "declined", "refunded"] | None = None,
    limit: int = Limit,
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.Payment]:
    """The customer's payments, newest first."""
    return payments.list_payments(ctx, status, limit)


@router.get("/duplicates", response_model=list[schemas.DuplicateCharge])
def duplicates(ctx: CustomerContext = Depends(customer_context)) -> list[schemas.DuplicateCharge]:
    """Charges taken twice (same order and amount within 24 h), not yet refunded."""
    return payments.duplicates(ctx)


@router.get("/{payment_id}", response_model=schemas.Payment)
def get_payment(
    payment_id: str, ctx: CustomerContext = Depends(customer_context)
) -> schemas.Payment:
    """One payment."""
    return payments.get_payment(ctx, payment_id)


@router.post(
    "/{payment_id}/duplicate-refund",
    status_code=201,
    response_model=schemas.Refund,
    responses=POST_RESPONSES,
)
def refund_duplicate(
    payment_id: str,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Refund a duplicate charge; 422 ``not_a_duplicate``, 409 ``already_refunded``."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        None,
        lambda: (201, payments.refund_duplicate(ctx, payment_id)),
    )

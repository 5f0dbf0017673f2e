"""Orders, refund eligibility, cancellation and returns."""

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
from payments_backend.services import orders

router = APIRouter(
    prefix="/v1/orders",
    tags=["orders"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)

OrderStatusFilter = Literal["placed", "shipped", "delivered", "cancelled", "returned"]


@router.get("", response_model=list[schemas.Order])
def list_orders(
    status: OrderStatusFilter | None = None,
    limit: int = Limit,
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.Order]:
    """The customer's orders, newest first."""
    return orders.list_orders(ctx, status, limit)


@router.get("/{ref}", response_model=schemas.Order)
def get_order(ref: str, ctx: CustomerContext = Depends(customer_context)) -> schemas.Order:
    """One order; ``ref`` may be ``KL-482913``, ``kl482913``, ``#482913`` or ``482913``."""
    return orders.present(ctx, orders.load_order(ctx, ref))


@router.get("/{ref}/refund-eligibility", response_model=schemas.RefundEligibility)
def refund_eligibility(
    ref: str, ctx: CustomerContext = Depends(customer_context)
) -> schemas.RefundEligibility:
    """Whether a refund can be requested now, and for how much."""
    return orders.eligibility_view(ctx, orders.load_order(ctx, ref))


@router.post("/{ref}/cancel", response_model=schemas.Order, responses=POST_RESPONSES)
def cancel(
    ref: str,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Cancel an order not yet shipped; 409 ``order_already_shipped`` / ``_cancelled``."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        None,
        lambda: (200, orders.cancel(ctx, orders.load_order(ctx, ref))),
    )


@router.post(
    "/{ref}/returns", status_code=201, response_model=schemas.Return, responses=POST_RESPONSES
)
def report_return(
    ref: str,
    body: schemas.ReturnCreate,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Report a return and pause the order's payments; 409 ``return_exists``."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        body,
        lambda: (201, orders.report_return(ctx, orders.load_order(ctx, ref), body.reason)),
    )

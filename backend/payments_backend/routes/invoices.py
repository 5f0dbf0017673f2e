"""Invoices."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from payments_backend import schemas
from payments_backend.deps import CustomerContext, customer_context
from payments_backend.routes.common import CUSTOMER_RESPONSES, SERVICE_AUTH
from payments_backend.services import account

router = APIRouter(
    prefix="/v1/invoices",
    tags=["account"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@router.get("", response_model=list[schemas.Invoice])
def invoices(
    order_id: str | None = Query(default=None, description="Order reference."),
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.Invoice]:
    """The customer's invoices, newest first."""
    return account.invoices(ctx, order_id)


@router.get("/{id_or_number}", response_model=schemas.Invoice)
def invoice(id_or_number: str, ctx: CustomerContext = Depends(customer_context)) -> schemas.Invoice:
    """One invoice, by id or invoice number."""
    return account.invoice(ctx, id_or_number)

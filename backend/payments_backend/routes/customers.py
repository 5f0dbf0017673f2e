"""The customer's profile and balance."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from payments_backend import schemas
from payments_backend.deps import CustomerContext, customer_context
from payments_backend.routes.common import CUSTOMER_RESPONSES, SERVICE_AUTH
from payments_backend.services import account

router = APIRouter(
    prefix="/v1", tags=["account"], dependencies=SERVICE_AUTH, responses=CUSTOMER_RESPONSES
)


@router.get("/customers/me", response_model=schemas.Customer)
def me(ctx: CustomerContext = Depends(customer_context)) -> schemas.Customer:
    """The customer's profile."""
    return account.profile(ctx)


@router.get("/balance", response_model=schemas.Balance)
def balance(ctx: CustomerContext = Depends(customer_context)) -> schemas.Balance:
    """Outstanding, overdue and late-fee totals."""
    return account.balance(ctx)

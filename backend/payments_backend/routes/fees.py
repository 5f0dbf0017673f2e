"""Fees charged to the customer."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from payments_backend import schemas
from payments_backend.deps import CustomerContext, customer_context
from payments_backend.routes.common import CUSTOMER_RESPONSES, SERVICE_AUTH
from payments_backend.services import account

router = APIRouter(
    prefix="/v1/fees", tags=["account"], dependencies=SERVICE_AUTH, responses=CUSTOMER_RESPONSES
)


@router.get("", response_model=list[schemas.Fee])
def fees(ctx: CustomerContext = Depends(customer_context)) -> list[schemas.Fee]:
    """Late and extension fees, newest first, each with an explanation."""
    return account.fees(ctx)

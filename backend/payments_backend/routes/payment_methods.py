"""Payment methods: the stored ones, the update link, the supported kinds."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from payments_backend import schemas
from payments_backend.deps import (
    CustomerContext,
    Services,
    customer_context,
    get_services,
    idempotency_key,
    run_idempotent,
)
from payments_backend.routes.common import (
    CUSTOMER_RESPONSES,
    POST_RESPONSES,
    PUBLIC_RESPONSES,
    SERVICE_AUTH,
)
from payments_backend.services import account, catalogue

public_router = APIRouter(
    prefix="/v1/payment-methods", tags=["catalogue"], responses=PUBLIC_RESPONSES
)
router = APIRouter(
    prefix="/v1/payment-methods",
    tags=["account"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@public_router.get("/supported", response_model=list[schemas.SupportedMethod])
def supported(services: Services = Depends(get_services)) -> list[schemas.SupportedMethod]:
    """Payment method kinds customers can add."""
    return catalogue.supported_methods(services.policies)


@router.get("", response_model=list[schemas.PaymentMethod])
def payment_methods(
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.PaymentMethod]:
    """The customer's stored methods (brand and last four digits only)."""
    return account.payment_methods(ctx)


@router.post(
    "/update-link", status_code=201, response_model=schemas.UpdateLink, responses=POST_RESPONSES
)
def update_link(
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """A single-use secure page link; card numbers never pass through the chat."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        None,
        lambda: (201, account.update_link(ctx)),
    )

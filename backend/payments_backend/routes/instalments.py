"""Instalments and due-date extensions."""

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
from payments_backend.routes.common import CUSTOMER_RESPONSES, POST_RESPONSES, SERVICE_AUTH
from payments_backend.services import instalments

router = APIRouter(
    prefix="/v1/instalments",
    tags=["instalments"],
    dependencies=SERVICE_AUTH,
    responses=CUSTOMER_RESPONSES,
)


@router.get("", response_model=list[schemas.Instalment])
def list_instalments(
    status: Literal["due", "overdue", "paid"] | None = None,
    ctx: CustomerContext = Depends(customer_context),
) -> list[schemas.Instalment]:
    """The customer's instalments, by due date."""
    return instalments.list_instalments(ctx, status)


@router.get("/next", response_model=schemas.Instalment)
def next_instalment(ctx: CustomerContext = Depends(customer_context)) -> schemas.Instalment:
    """The earliest unpaid instalment (overdue first); 404 ``nothing_due``."""
    return instalments.next_instalment(ctx)


@router.get("/{instalment_id}", response_model=schemas.Instalment)
def get_instalment(
    instalment_id: str, ctx: CustomerContext = Depends(customer_context)
) -> schemas.Instalment:
    """One instalment."""
    return instalments.present(ctx, instalments.load_instalment(ctx, instalment_id))


@router.get("/{instalment_id}/extension-options", response_model=schemas.ExtensionOptions)
def extension_options(
    instalment_id: str, ctx: CustomerContext = Depends(customer_context)
) -> schemas.ExtensionOptions:
    """Whether and how the due date can be extended."""
    return instalments.extension_options(ctx, instalments.load_instalment(ctx, instalment_id))


@router.post(
    "/{instalment_id}/extensions",
    status_code=201,
    response_model=schemas.Extension,
    responses=POST_RESPONSES,
)
def extend(
    instalment_id: str,
    body: schemas.ExtensionCreate,
    request: Request,
    ctx: CustomerContext = Depends(customer_context),
    key: str = Depends(idempotency_key),
) -> JSONResponse:
    """Extend the due date; 422 ``extension_not_allowed`` / ``invalid_extension_days``."""
    return run_idempotent(
        ctx.services,
        ctx.session,
        request,
        ctx.customer.id,
        key,
        body,
        lambda: (
            201,
            instalments.extend(ctx, instalments.load_instalment(ctx, instalment_id), body.days),
        ),
    )

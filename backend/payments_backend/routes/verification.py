"""Verify an anonymous visitor by an e-mailed one-time code (called by the action server)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from payments_backend import schemas
from payments_backend.deps import (
    Services,
    get_services,
    get_session,
    idempotency_key,
    run_idempotent,
)
from payments_backend.routes.common import ERROR, POST_RESPONSES, PUBLIC_RESPONSES, SERVICE_AUTH
from payments_backend.services import verification

# Keys of anonymous calls share one scope, like login's.
SCOPE = "verification"

router = APIRouter(
    prefix="/v1/auth/verification",
    tags=["identity"],
    dependencies=SERVICE_AUTH,
    responses={**PUBLIC_RESPONSES, **POST_RESPONSES, 401: ERROR, 429: ERROR},
)


@router.post("", status_code=202, response_model=schemas.VerificationStarted)
def start_verification(
    body: schemas.VerificationRequest,
    request: Request,
    key: str = Depends(idempotency_key),
    session: Session = Depends(get_session),
    services: Services = Depends(get_services),
) -> JSONResponse:
    """E-mail a one-time code if the address is a customer's; the answer never tells."""
    return run_idempotent(
        services,
        session,
        request,
        SCOPE,
        key,
        body,
        lambda: (
            202,
            verification.start(
                session,
                services.settings.identity_signing_key,
                services.clock,
                services.policies,
                body.email,
            ),
        ),
    )


@router.post("/confirm", response_model=schemas.LoginResponse)
def confirm_verification(
    body: schemas.VerificationConfirm,
    request: Request,
    key: str = Depends(idempotency_key),
    session: Session = Depends(get_session),
    services: Services = Depends(get_services),
) -> JSONResponse:
    """Check the one-time code; return the customer id and identity token, as login does."""
    return run_idempotent(
        services,
        session,
        request,
        SCOPE,
        key,
        body,
        lambda: (
            200,
            verification.confirm(
                session,
                services.settings.identity_signing_key,
                services.clock,
                services.policies,
                body.email,
                body.code,
            ),
        ),
    )

"""Customer login (public: no service key)."""

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
from payments_backend.routes.common import ERROR, PUBLIC_RESPONSES
from payments_backend.services import auth

router = APIRouter(prefix="/v1/auth", tags=["identity"])


@router.post(
    "/login",
    response_model=schemas.LoginResponse,
    responses={**PUBLIC_RESPONSES, 401: ERROR, 409: ERROR},
)
def login(
    body: schemas.LoginRequest,
    request: Request,
    key: str = Depends(idempotency_key),
    session: Session = Depends(get_session),
    services: Services = Depends(get_services),
) -> JSONResponse:
    """Verify email and password; return the customer id and an identity token."""
    return run_idempotent(
        services,
        session,
        request,
        "login",
        key,
        body,
        lambda: (
            200,
            auth.login(
                session,
                services.settings.identity_signing_key,
                services.clock,
                body.email,
                body.password,
            ),
        ),
    )

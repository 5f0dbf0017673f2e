"""FastAPI dependencies: shared services, sessions, authentication, scope, keys."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from fastapi import Depends, Header, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from payments_backend.clock import Clock
from payments_backend.errors import ApiError
from payments_backend.idempotency import Handler, IdempotencyStore, request_fingerprint
from payments_backend.models import Customer
from payments_backend.policies import Policies
from payments_backend.settings import Settings

MAX_IDEMPOTENCY_KEY_LENGTH = 200

_bearer = HTTPBearer(auto_error=False, description="BACKEND_API_KEY")


@dataclass(frozen=True)
class Services:
    """Everything a request handler needs, built once by ``create_app``."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policies: Policies
    idempotency: IdempotencyStore


def get_services(request: Request) -> Services:
    """Return the application's services."""
    services: Services = request.app.state.services
    return services


def get_session(services: Services = Depends(get_services)) -> Iterator[Session]:
    """Open a session for the request and close it afterwards."""
    with services.session_factory() as session:
        yield session


def require_service_key(
    credentials: HTTPAuthorizationCredentials | None = Security(_bearer),
    services: Services = Depends(get_services),
) -> None:
    """Require ``Authorization: Bearer <BACKEND_API_KEY>``.

    Raises:
        ApiError: 401 ``unauthorized`` when missing or wrong.
    """
    expected = services.settings.api_key.encode()
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected):
        raise ApiError(
            401,
            "unauthorized",
            "A valid service bearer token is required.",
        )


@dataclass(frozen=True)
class CustomerContext:
    """The verified customer of a request, with its session and services."""

    customer: Customer
    session: Session
    services: Services

    @property
    def now(self) -> datetime:
        """Current UTC time."""
        return self.services.clock.now()

    @property
    def today(self) -> date:
        """Current UTC date."""
        return self.now.date()

    @property
    def policies(self) -> Policies:
        """Company policies."""
        return self.services.policies


def customer_context(
    x_customer_id: str | None = Header(
        default=None, alias="X-Customer-Id", description="The verified customer id."
    ),
    session: Session = Depends(get_session),
    services: Services = Depends(get_services),
) -> CustomerContext:
    """Resolve ``X-Customer-Id`` to the customer.

    Raises:
        ApiError: 401 ``customer_required`` or ``unknown_customer``.
    """
    if not x_customer_id:
        raise ApiError(401, "customer_required", "The X-Customer-Id header is required.")
    customer = session.get(Customer, x_customer_id.strip())
    if customer is None:
        raise ApiError(401, "unknown_customer", "The customer is not known.")
    return CustomerContext(customer=customer, session=session, services=services)


def idempotency_key(
    key: str | None = Header(
        default=None,
        alias="Idempotency-Key",
        description="Unique key of this operation (1-200 characters).",
    ),
) -> str:
    """Require the Idempotency-Key header.

    Raises:
        ApiError: 400 ``idempotency_key_required`` or ``invalid_idempotency_key``.
    """
    if key is None or not key.strip():
        raise ApiError(
            400,
            "idempotency_key_required",
            "POST requests need an Idempotency-Key header.",
        )
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"The Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters.",
        )
    return key


def run_idempotent(
    services: Services,
    session: Session,
    request: Request,
    scope: str,
    key: str,
    body: BaseModel | None,
    handler: Handler,
) -> JSONResponse:
    """Run a POST handler under its Idempotency-Key.

    Args:
        services: Application services.
        session: The request's session.
        request: The HTTP request (method and path are part of the fingerprint).
        scope: Customer id, or ``login``.
        key: The Idempotency-Key.
        body: The validated body, if any.
        handler: Does the work; returns (status code, body).

    Returns:
        The (possibly replayed) response.
    """
    fingerprint = request_fingerprint(
        services.settings.identity_signing_key,
        request.method,
        request.url.path,
        body.model_dump(mode="json") if body is not None else None,
    )
    return services.idempotency.execute(session, scope, key, fingerprint, handler)

"""Application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from payments_backend import __version__
from payments_backend.clock import Clock, SystemClock
from payments_backend.deps import Services
from payments_backend.errors import install_error_handlers
from payments_backend.idempotency import REPLAY_HEADER, IdempotencyStore
from payments_backend.policies import DEFAULT_POLICIES, Policies
from payments_backend.routes import (
    auth,
    catalogue,
    customers,
    dev,
    disputes,
    fees,
    health,
    instalments,
    invoices,
    orders,
    payment_methods,
    payments,
    refunds,
    verification,
)
from payments_backend.settings import Settings
from service_kit.db import create_db_engine, create_session_factory

DESCRIPTION = (
    "Reference payments and refunds backend of the customer-service assistant. "
    'Money is `{amount: "12.50", currency: "EUR"}`; every POST needs an '
    "`Idempotency-Key`; errors use `{error: {code, message, details}}`."
)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    policies: Policies | None = None,
) -> FastAPI:
    """Build the application. The schema must already be migrated (see ``__main__``).

    Args:
        settings: Configuration (from the environment when omitted).
        clock: Time source (the system clock when omitted).
        policies: Company policies (the defaults when omitted).

    Returns:
        The FastAPI application.
    """
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    engine = create_db_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    services = Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        clock=clock,
        policies=policies or DEFAULT_POLICIES,
        idempotency=IdempotencyStore(session_factory, clock),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Payments backend",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (
        health,
        auth,
        verification,
        customers,
        instalments,
        payments,
        disputes,
        orders,
        refunds,
        fees,
        invoices,
        catalogue,
    ):
        app.include_router(module.router)
    app.include_router(payment_methods.public_router)
    app.include_router(payment_methods.router)
    if settings.dev_outbox:
        app.include_router(dev.router)
    if settings.cors_origins:
        # For browser pages such as the web chat calling /v1/auth/login. Authorization
        # is not an allowed header: the service key must never sit in a browser.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Idempotency-Key"],
            expose_headers=[REPLAY_HEADER],
        )
    return app

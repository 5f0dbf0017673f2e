"""Application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from agent_desk import __version__
from agent_desk.deps import Services
from agent_desk.errors import install_error_handlers
from agent_desk.handoff import Handoff
from agent_desk.insights.service import InsightsService
from agent_desk.opening_hours import OpeningHours
from agent_desk.rasa_client import RasaClient
from agent_desk.routes import agents, console_api, health, insights, service
from agent_desk.settings import PACKAGE_DIR, Settings
from agent_desk.tickets import TicketStore
from agent_desk.transcript_sync import TranscriptSync
from service_kit.clock import Clock, SystemClock
from service_kit.db import create_db_engine, create_session_factory

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "Agent desk of the customer-service assistant: the action server opens tickets "
    "(service key), agents work them from the console at `/console/` (agent token). "
    'Errors are `{"detail": "<one sentence>"}`.'
)
CONSOLE_DIR = PACKAGE_DIR / "console"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the application. The schema must already be migrated (see ``__main__``).

    The Rasa client and the transcript sync live in the app's lifespan, so they run
    on the server's event loop.

    Args:
        settings: Configuration (from the environment when omitted).
        clock: Time source (the system clock when omitted).

    Returns:
        The FastAPI application.

    Raises:
        ValueError: If the opening hours or the time zone are invalid.
    """
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    hours = OpeningHours.parse(settings.opening_hours, settings.timezone)
    engine = create_db_engine(settings.database_url)
    store = TicketStore(create_session_factory(engine))
    insights_service = InsightsService(settings.tracker_store_url, engine)
    services = Services(
        settings=settings,
        engine=engine,
        clock=clock,
        store=store,
        hours=hours,
        insights=insights_service,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
        app.state.handoff = Handoff(store, rasa, clock)
        sync = TranscriptSync(store, rasa, clock)
        task = None
        if settings.sync_interval_seconds > 0:
            task = asyncio.create_task(sync.run(settings.sync_interval_seconds))
        app.state.sync = sync
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await rasa.aclose()
            insights_service.close()
            engine.dispose()

    app = FastAPI(
        title="Agent desk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (health, service, agents, console_api, insights):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    @app.get("/console", include_in_schema=False)
    def _to_console() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")
    return app

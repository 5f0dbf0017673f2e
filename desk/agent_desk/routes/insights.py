"""Routes of the insights dashboard (agents only)."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Depends, Query

from agent_desk.deps import get_insights, require_agent
from agent_desk.errors import DeskError
from agent_desk.insights.filters import Filters
from agent_desk.insights.service import InsightsService
from agent_desk.insights.storage import StoreUnavailable
from agent_desk.insights.summary import Insights

router = APIRouter(prefix="/v1", tags=["insights"])


@router.get("/insights", response_model=Insights, dependencies=[Depends(require_agent)])
async def insights(
    date_from: date | None = Query(
        default=None, alias="from", description="First day (UTC), e.g. 2025-06-01."
    ),
    date_to: date | None = Query(default=None, alias="to", description="Last day (UTC)."),
    channel: str | None = Query(default=None, max_length=64, description="Only this channel."),
    service: InsightsService = Depends(get_insights),
) -> Insights:
    """Containment, handoffs, resolution times, fallbacks, repeat contacts, satisfaction."""
    try:
        filters = Filters(date_from, date_to, channel or None)
    except ValueError as error:
        raise DeskError(422, str(error)) from None
    try:
        # Reading two databases is blocking work: keep it off the event loop.
        return await asyncio.to_thread(service.insights, filters)
    except StoreUnavailable as error:
        raise DeskError(503, str(error)) from None

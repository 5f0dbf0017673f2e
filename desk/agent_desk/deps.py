"""FastAPI dependencies: shared services and the two kinds of authentication."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from agent_desk.errors import DeskError
from agent_desk.handoff import Handoff
from agent_desk.insights.service import InsightsService
from agent_desk.opening_hours import OpeningHours
from agent_desk.security import InvalidAgentToken, agent_from_token
from agent_desk.settings import Settings
from agent_desk.tickets import AgentInfo, TicketStore
from service_kit.clock import Clock

# An agent counts as online for a while after a request; stamp at most this often.
LAST_SEEN_RESOLUTION = timedelta(seconds=30)

_bearer = HTTPBearer(auto_error=False, description="DESK_API_KEY or an agent token")


@dataclass(frozen=True)
class Services:
    """Everything a request handler needs, built once by ``create_app``."""

    settings: Settings
    engine: Engine
    clock: Clock
    store: TicketStore
    hours: OpeningHours
    insights: InsightsService


def get_services(request: Request) -> Services:
    """Return the application's services."""
    services: Services = request.app.state.services
    return services


def get_insights(request: Request) -> InsightsService:
    """Return the insights service."""
    services: Services = request.app.state.services
    return services.insights


def get_handoff(request: Request) -> Handoff:
    """Return the handoff service (built in the app's lifespan, with the Rasa client)."""
    handoff: Handoff = request.app.state.handoff
    return handoff


def _is_service_key(credentials: HTTPAuthorizationCredentials | None, services: Services) -> bool:
    if credentials is None:
        return False
    expected = services.settings.api_key.encode()
    return hmac.compare_digest(credentials.credentials.encode(), expected)


def require_service_key(
    credentials: HTTPAuthorizationCredentials | None = Security(_bearer),
    services: Services = Depends(get_services),
) -> None:
    """Require ``Authorization: Bearer <DESK_API_KEY>``.

    Raises:
        DeskError: 401 when missing or wrong.
    """
    if not _is_service_key(credentials, services):
        raise DeskError(401, "A valid service key is required.")


def _agent(credentials: HTTPAuthorizationCredentials | None, services: Services) -> AgentInfo:
    if credentials is None:
        raise DeskError(401, "Please log in.")
    now = services.clock.now()
    try:
        username = agent_from_token(
            credentials.credentials, services.settings.token_signing_key, now
        )
    except InvalidAgentToken:
        raise DeskError(401, "Your session is not valid or has expired; please log in.") from None
    agent = services.store.agent(username)
    if agent is None:
        raise DeskError(401, "Your agent account is not active; please log in.")
    services.store.touch_agent(username, now, LAST_SEEN_RESOLUTION)
    return agent


def require_agent(
    credentials: HTTPAuthorizationCredentials | None = Security(_bearer),
    services: Services = Depends(get_services),
) -> AgentInfo:
    """Require ``Authorization: Bearer <agent token>`` of an active agent.

    Returns:
        The agent.

    Raises:
        DeskError: 401 when missing, forged, expired or of an inactive agent.
    """
    return _agent(credentials, services)


def require_service_or_agent(
    credentials: HTTPAuthorizationCredentials | None = Security(_bearer),
    services: Services = Depends(get_services),
) -> None:
    """Accept the service key or an agent token.

    Raises:
        DeskError: 401 when neither is valid.
    """
    if _is_service_key(credentials, services):
        return
    _agent(credentials, services)

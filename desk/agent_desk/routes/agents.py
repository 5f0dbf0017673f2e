"""Agent login."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends

from agent_desk.deps import Services, get_services
from agent_desk.errors import DeskError
from agent_desk.schemas import AgentOut, Login, LoginResult
from agent_desk.security import hash_password, issue_agent_token, verify_password

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@cache
def _decoy_hash() -> str:
    # Unknown names are checked against this, so both failures take as long.
    return hash_password("decoy-password-never-valid")


@router.post("/login", response_model=LoginResult)
def login(body: Login, services: Services = Depends(get_services)) -> LoginResult:
    """Exchange an agent's name and password for a 12-hour console token."""
    found = services.store.password_hash(body.username.strip().lower())
    stored = found[1] if found else _decoy_hash()
    if not verify_password(body.password, stored) or found is None:
        raise DeskError(401, "The name or password is wrong.")
    agent = found[0]
    token = issue_agent_token(
        agent.username, services.settings.token_signing_key, services.clock.now()
    )
    return LoginResult(
        token=token, agent=AgentOut(username=agent.username, display_name=agent.display_name)
    )

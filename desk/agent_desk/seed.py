"""The demo agents, created in an empty database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.models import Agent
from agent_desk.security import hash_password

DEMO_PASSWORD = "demo"
DEMO_AGENTS = (("maria", "Maria"), ("tom", "Tom"))


def seed_if_empty(session_factory: sessionmaker[Session], now: datetime) -> bool:
    """Create the demo agents when there is no agent yet.

    Args:
        session_factory: Session factory of the desk's database.
        now: Creation time.

    Returns:
        True when the agents were created.
    """
    with session_factory() as session:
        if session.scalar(select(func.count()).select_from(Agent)):
            return False
        for username, display_name in DEMO_AGENTS:
            session.add(
                Agent(
                    username=username,
                    display_name=display_name,
                    password_hash=hash_password(DEMO_PASSWORD),
                    active=True,
                    created_at=now,
                )
            )
        session.commit()
    return True

"""The demo agents."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.models import Agent, Base
from agent_desk.security import verify_password
from agent_desk.seed import seed_if_empty


def test_seed_creates_maria_and_tom_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()
    now = datetime(2025, 6, 18, tzinfo=UTC)
    assert seed_if_empty(session_factory, now) is True
    assert seed_if_empty(session_factory, now) is False
    with session_factory() as session:
        agents = session.scalars(select(Agent).order_by(Agent.username)).all()
    assert [(a.username, a.display_name) for a in agents] == [("maria", "Maria"), ("tom", "Tom")]
    assert all(verify_password("demo", a.password_hash) for a in agents)

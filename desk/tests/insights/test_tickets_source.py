"""The desk's tickets as insight records."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from service_kit.db import create_db_engine
from agent_desk.insights.tickets_source import read_tickets
from tests.insights.builders import at, store_ticket, ticket


def test_tickets_come_back_oldest_first_and_since_filters(
    database_url: str, session_factory: sessionmaker[Session], db: Session
) -> None:
    late = ticket("late", at(100), "complaint", ended=at(400))
    early = ticket("early", at(10), "fraud")
    for record in (late, early):
        store_ticket(db, record)
    engine = create_db_engine(database_url)
    try:
        assert read_tickets(engine) == [early, late]
        assert read_tickets(engine, since=datetime.fromtimestamp(at(50), UTC)) == [late]
    finally:
        engine.dispose()

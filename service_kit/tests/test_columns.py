from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Integer, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from service_kit.columns import UTCDateTime
from service_kit.db import create_db_engine


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def test_aware_values_come_back_in_utc() -> None:
    engine = create_db_engine("sqlite://")
    Base.metadata.create_all(engine)
    paris = timezone(timedelta(hours=2))
    with Session(engine) as session:
        session.add_all([Event(id=1, at=datetime(2025, 6, 18, 14, 0, tzinfo=paris)), Event(id=2)])
        session.commit()
    with Session(engine) as session:
        rows = {row.id: row.at for row in session.execute(select(Event.id, Event.at))}
    assert rows == {1: datetime(2025, 6, 18, 12, 0, tzinfo=UTC), 2: None}
    assert rows[1] is not None and rows[1].tzinfo is UTC


def test_naive_values_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetimes"):
        UTCDateTime().process_bind_param(
            datetime(2025, 6, 18, 12, 0), create_db_engine("sqlite://").dialect
        )

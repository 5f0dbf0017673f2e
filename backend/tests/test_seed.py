"""The demo data: loaded once, relative to the day it runs, no card numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from payments_backend import models
from payments_backend.security import verify_password
from payments_backend.seed import seed_if_empty
from tests.support import reset_demo_data


def test_seed_runs_only_on_an_empty_database(session_factory: sessionmaker[Session]) -> None:
    reset_demo_data(session_factory)
    now = datetime(2025, 6, 18, tzinfo=UTC)
    assert seed_if_empty(session_factory, now) is False
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(models.Customer)) == 3


def test_dates_follow_the_day_the_seed_runs(session_factory: sessionmaker[Session]) -> None:
    later = datetime(2031, 12, 31, 23, 0, tzinfo=UTC)
    reset_demo_data(session_factory, later)
    with session_factory() as session:
        order = session.get(models.Order, "KL-482913")
        assert order is not None and order.delivered_at is not None
        assert later.date() - order.delivered_at.date() == timedelta(days=6)
        card = session.get(models.PaymentMethod, "PM-1001")
        assert card is not None and card.expires == "12/34"


def test_demo_accounts_use_the_demo_password_and_no_card_numbers(
    session_factory: sessionmaker[Session],
) -> None:
    reset_demo_data(session_factory)
    with session_factory() as session:
        customers = session.scalars(select(models.Customer)).all()
        assert {c.id for c in customers} == {"C1001", "C1002", "C1003"}
        assert all(verify_password("demo", c.password_hash) for c in customers)
        methods = session.scalars(select(models.PaymentMethod)).all()
        assert all(len(m.last4) == 4 and m.last4.isdigit() for m in methods)
        columns = set(models.PaymentMethod.__table__.columns.keys())
        assert not {"number", "card_number", "pan"} & columns
        orders = session.scalars(select(models.Order.id)).all()
        assert all(o.startswith("KL-") and len(o) == 9 for o in orders)

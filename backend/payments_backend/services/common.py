"""Helpers shared by the use-case modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments_backend.errors import ApiError
from payments_backend.rules import RuleViolation


def rule_error(violation: RuleViolation, status_code: int = 422) -> ApiError:
    """Turn a refused business rule into the API error.

    Args:
        violation: The refusal.
        status_code: 422 for a refused request, 409 for a state conflict.

    Returns:
        The error to raise.
    """
    return ApiError(status_code, violation.code, violation.message, violation.details)


def lock_row(session: Session, row: Any) -> None:
    """Lock a row for the rest of the transaction and reload its current values.

    Serializes concurrent changes to the same order, plan or payment. PostgreSQL
    locks the row (the query selects the primary key only, since ``FOR UPDATE``
    cannot cover the outer joins of eager loads). SQLite has no row locks and its
    driver opens a transaction only at the first write, so two requests could both
    read "unpaid" and both pay: there the database's write lock is taken first
    (``BEGIN IMMEDIATE``), and the row is read again under it.

    Args:
        session: The request's session.
        row: A persistent ORM object with an ``id`` primary key.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver_connection = connection.connection.driver_connection
        if driver_connection is not None and not driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        model = type(row)
        session.execute(select(model.id).where(model.id == row.id).with_for_update())
    session.refresh(row)

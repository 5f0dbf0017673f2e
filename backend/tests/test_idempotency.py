"""Unit tests of the idempotency store (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from payments_backend.errors import ApiError
from payments_backend.idempotency import IdempotencyStore, StoredResponse, request_fingerprint
from payments_backend.models import IdempotencyRecord


class SteppingClock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.instant = datetime(2025, 6, 18, 12, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def store(session_factory: sessionmaker[Session], clock: SteppingClock) -> IdempotencyStore:
    with session_factory() as session:
        session.execute(delete(IdempotencyRecord))
        session.commit()
    return IdempotencyStore(session_factory, clock)


def test_fingerprint_depends_on_method_path_and_body_not_key_order() -> None:
    base = request_fingerprint("s", "POST", "/v1/refunds", {"a": 1, "b": "2"})
    assert base == request_fingerprint("s", "POST", "/v1/refunds", {"b": "2", "a": 1})
    assert base != request_fingerprint("s", "POST", "/v1/refunds", {"a": 1, "b": "3"})
    assert base != request_fingerprint("s", "POST", "/v1/payments", {"a": 1, "b": "2"})
    assert base != request_fingerprint("other", "POST", "/v1/refunds", {"a": 1, "b": "2"})


def test_reserve_complete_replay(
    store: IdempotencyStore, session_factory: sessionmaker[Session]
) -> None:
    assert store.reserve("C1", "k", "f") is None
    with pytest.raises(ApiError) as busy:
        store.reserve("C1", "k", "f")
    assert (busy.value.status_code, busy.value.code) == (409, "idempotency_in_progress")
    with session_factory() as session:
        store.complete(session, "C1", "k", StoredResponse(201, {"id": "RF-1"}))
    assert store.reserve("C1", "k", "f") == StoredResponse(201, {"id": "RF-1"})
    with pytest.raises(ApiError) as reused:
        store.reserve("C1", "k", "g")
    assert (reused.value.status_code, reused.value.code) == (422, "idempotency_key_reused")
    assert store.reserve("C2", "k", "g") is None


def test_release_lets_a_failed_request_be_retried(store: IdempotencyStore) -> None:
    assert store.reserve("C1", "k", "f") is None
    store.release("C1", "k")
    assert store.reserve("C1", "k", "f") is None


def test_stale_reservation_is_taken_over(store: IdempotencyStore, clock: SteppingClock) -> None:
    assert store.reserve("C1", "k", "f") is None
    clock.instant += timedelta(minutes=6)
    assert store.reserve("C1", "k", "f") is None


def test_completed_keys_expire_after_retention(
    store: IdempotencyStore, clock: SteppingClock, session_factory: sessionmaker[Session]
) -> None:
    assert store.reserve("C1", "k", "f") is None
    with session_factory() as session:
        store.complete(session, "C1", "k", StoredResponse(200, {}))
    clock.instant += timedelta(hours=25)
    assert store.reserve("C1", "k", "different") is None


def test_unexpected_failure_releases_the_key(
    store: IdempotencyStore, session_factory: sessionmaker[Session]
) -> None:
    def explode() -> tuple[int, dict[str, str]]:
        raise RuntimeError("boom")

    with session_factory() as session, pytest.raises(RuntimeError):
        store.execute(session, "C1", "k", "f", explode)
    with session_factory() as session:
        assert session.scalar(select(IdempotencyRecord)) is None
    with session_factory() as session:
        response = store.execute(session, "C1", "k", "f", lambda: (200, {"ok": "yes"}))
    assert response.status_code == 200


def test_business_error_is_stored_and_replayed(
    store: IdempotencyStore, session_factory: sessionmaker[Session]
) -> None:
    def refuse() -> tuple[int, dict[str, str]]:
        raise ApiError(409, "order_already_shipped", "Shipped.")

    with session_factory() as session:
        first = store.execute(session, "C1", "k", "f", refuse)
    with session_factory() as session:
        replay = store.execute(session, "C1", "k", "f", lambda: (200, {"ran": "again"}))
    assert (first.status_code, replay.status_code) == (409, 409)
    assert replay.body == first.body
    assert replay.headers["Idempotent-Replayed"] == "true"

"""Idempotency-Key over HTTP: replay, reuse, missing key, in-flight, scoping."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from payments_backend import models
from payments_backend.idempotency import request_fingerprint
from tests.support import SIGNING_KEY, Api, error_code

BODY = {"order_id": "KL-482913", "amount": "20.00", "currency": "EUR", "reason": "Too big"}


def count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_same_key_and_body_replays_the_first_response(api: Api, db: Session) -> None:
    first = api.post("/v1/refunds", BODY, key="refund-1")
    second = api.post("/v1/refunds", BODY, key="refund-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(db, models.Refund) == 4  # three seeded + exactly one new


def test_same_key_with_a_different_body_is_refused(api: Api, db: Session) -> None:
    assert api.post("/v1/refunds", BODY, key="refund-1").status_code == 201
    reused = api.post("/v1/refunds", {**BODY, "amount": "21.00"}, key="refund-1")
    assert (reused.status_code, error_code(reused)) == (422, "idempotency_key_reused")
    other_path = api.post("/v1/payments", {"instalment_id": "IN-482913-2"}, key="refund-1")
    assert error_code(other_path) == "idempotency_key_reused"
    assert count(db, models.Refund) == 4


def test_missing_blank_and_too_long_keys(api: Api) -> None:
    missing = api.post("/v1/refunds", BODY, key=None)
    assert (missing.status_code, error_code(missing)) == (400, "idempotency_key_required")
    blank = api.post("/v1/refunds", BODY, key="  ")
    assert (blank.status_code, error_code(blank)) == (400, "idempotency_key_required")
    long = api.post("/v1/refunds", BODY, key="k" * 201)
    assert (long.status_code, error_code(long)) == (400, "invalid_idempotency_key")
    assert api.post("/v1/refunds", BODY, key="k" * 200).status_code == 201


def test_request_still_in_flight_is_a_conflict(
    api: Api, test_client: TestClient, db: Session
) -> None:
    store = test_client.app.state.services.idempotency  # type: ignore[attr-defined]
    fingerprint = request_fingerprint(SIGNING_KEY, "POST", "/v1/refunds", BODY)
    assert store.reserve("C1001", "busy", fingerprint) is None
    response = api.post("/v1/refunds", BODY, key="busy")
    assert (response.status_code, error_code(response)) == (409, "idempotency_in_progress")
    assert count(db, models.Refund) == 3


def test_business_errors_are_replayed_too(api: Api, db: Session) -> None:
    body = {**BODY, "amount": "500.00"}
    first = api.post("/v1/refunds", body, key="too-much")
    assert error_code(first) == "amount_exceeds_refundable"
    replay = api.post("/v1/refunds", body, key="too-much")
    assert (replay.status_code, replay.json()) == (422, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_declined_payment_is_stored_once_and_its_error_replayed(api: Api, db: Session) -> None:
    db.execute(
        update(models.PaymentMethod)
        .where(models.PaymentMethod.id == "PM-1001")
        .values(simulated_decline="insufficient_funds")
    )
    db.commit()
    before = count(db, models.Payment)
    first = api.post("/v1/payments", {"instalment_id": "IN-482913-2"}, key="pay-1")
    replay = api.post("/v1/payments", {"instalment_id": "IN-482913-2"}, key="pay-1")
    assert error_code(first) == "payment_declined"
    assert replay.json() == first.json()
    assert count(db, models.Payment) == before + 1


def test_keys_are_scoped_per_customer(api: Api) -> None:
    ada = api.post("/v1/payment-methods/update-link", key="shared")
    ben = api.post("/v1/payment-methods/update-link", customer="C1002", key="shared")
    assert (ada.status_code, ben.status_code) == (201, 201)
    assert ada.json()["url"] != ben.json()["url"]
    assert "Idempotent-Replayed" not in ben.headers


def test_bodiless_posts_are_replayed(api: Api) -> None:
    first = api.post("/v1/orders/KL-519067/cancel", key="cancel-1")
    replay = api.post("/v1/orders/KL-519067/cancel", key="cancel-1")
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json() == first.json()
    fresh = api.post("/v1/orders/KL-519067/cancel", key="cancel-2")
    assert error_code(fresh) == "order_already_cancelled"

"""Paying instalments, payment history, duplicate charges and disputes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from payments_backend import models
from tests.support import Api, error_code


def payment_of(
    api: Api, order_id: str, customer: str = "C1001", status: str = "succeeded"
) -> dict[str, Any]:
    payments = api.get("/v1/payments", customer=customer, status=status, limit=100).json()
    return next(p for p in payments if p["order_id"] == order_id)


def test_paying_an_instalment_charges_the_default_method(api: Api) -> None:
    response = api.post("/v1/payments", {"instalment_id": "IN-482913-2"})
    assert response.status_code == 201
    payment = response.json()
    assert payment["amount"] == {"amount": "39.71", "currency": "EUR"}
    assert payment["status"] == "succeeded"
    assert payment["method"] == {"brand": "Visa", "last4": "4242"}
    assert payment["merchant_name"] == "Nordic Threads"
    assert payment["statement_descriptor"] == "NTH*NORDICTHREADS"
    assert payment["receipt_number"].startswith("RCPT-")
    assert payment["created_at"] == "2025-06-18T12:00:00Z"
    assert api.get("/v1/instalments/IN-482913-2").json()["status"] == "paid"
    assert api.get("/v1/instalments/next").json()["id"] == "IN-604528-2"
    assert api.get(f"/v1/payments/{payment['id']}").json() == payment


def test_paying_an_overdue_instalment_includes_the_late_fee(api: Api) -> None:
    response = api.post("/v1/payments", {"instalment_id": "IN-845120-3"}, customer="C1002")
    assert response.status_code == 201
    assert response.json()["amount"]["amount"] == "39.00"
    balance = api.get("/v1/balance", customer="C1002").json()
    assert balance["late_fees"]["amount"] == "0.00"
    assert balance["overdue"]["amount"] == "32.00"
    fees = api.get("/v1/fees", customer="C1002").json()
    assert [fee["instalment_id"] for fee in fees] == ["IN-845120-3"]


def test_paying_twice_is_a_conflict(api: Api) -> None:
    assert api.post("/v1/payments", {"instalment_id": "IN-482913-2"}).status_code == 201
    response = api.post("/v1/payments", {"instalment_id": "IN-482913-2"})
    assert (response.status_code, error_code(response)) == (409, "already_paid")
    cancelled = api.post("/v1/payments", {"instalment_id": "IN-120458-2"}, customer="C1002")
    assert (cancelled.status_code, error_code(cancelled)) == (409, "instalment_cancelled")


def test_declined_payment_is_stored_and_reported(api: Api, db: Session) -> None:
    db.execute(
        update(models.PaymentMethod)
        .where(models.PaymentMethod.id == "PM-1001")
        .values(simulated_decline="insufficient_funds")
    )
    db.commit()
    response = api.post("/v1/payments", {"instalment_id": "IN-482913-2"})
    assert (response.status_code, error_code(response)) == (422, "payment_declined")
    details = response.json()["error"]["details"]
    assert details["decline_reason"] == "insufficient_funds"
    assert "not enough funds" in details["decline_message"]
    stored = api.get(f"/v1/payments/{details['payment_id']}").json()
    assert (stored["status"], stored["decline_reason"], stored["receipt_number"]) == (
        "declined",
        "insufficient_funds",
        None,
    )
    assert api.get("/v1/instalments/IN-482913-2").json()["status"] == "due"


def test_expired_default_card_is_declined_as_card_expired(api: Api, db: Session) -> None:
    db.execute(
        update(models.PaymentMethod)
        .where(models.PaymentMethod.id == "PM-1001")
        .values(expires="05/25")
    )
    db.commit()
    response = api.post("/v1/payments", {"instalment_id": "IN-482913-2"})
    assert response.json()["error"]["details"]["decline_reason"] == "card_expired"


def test_payment_history_newest_first_with_filters(api: Api) -> None:
    payments = api.get("/v1/payments", customer="C1002").json()
    created = [p["created_at"] for p in payments]
    assert created == sorted(created, reverse=True)
    declined = api.get("/v1/payments", customer="C1002", status="declined").json()
    assert [(p["decline_reason"], p["method"]["last4"]) for p in declined] == [
        ("card_expired", "1881"),
        ("insufficient_funds", "5454"),
    ]
    assert all(p["decline_message"] for p in declined)
    assert len(api.get("/v1/payments", customer="C1002", limit=2).json()) == 2
    refunded = api.get("/v1/payments", customer="C1002", status="refunded").json()
    assert [p["order_id"] for p in refunded] == ["KL-120458"]


def test_unfamiliar_statement_name_maps_to_the_shop(api: Api) -> None:
    belt = payment_of(api, "KL-667290", customer="C1002")
    assert (belt["statement_descriptor"], belt["merchant_name"]) == (
        "NTH*NORDICTHREADS",
        "Nordic Threads",
    )


def test_other_customers_payment_is_not_found(api: Api) -> None:
    belt = payment_of(api, "KL-667290", customer="C1002")
    response = api.get(f"/v1/payments/{belt['id']}")
    assert (response.status_code, error_code(response)) == (404, "not_found")
    dispute = api.post("/v1/disputes", {"payment_id": belt["id"], "reason": "fraud"})
    assert dispute.status_code == 404
    assert api.post(f"/v1/payments/{belt['id']}/duplicate-refund").status_code == 404


def test_duplicate_charge_is_found_and_refunded_once(api: Api, db: Session) -> None:
    [pair] = api.get("/v1/payments/duplicates").json()
    original, duplicate = pair["original"], pair["duplicate"]
    assert original["order_id"] == duplicate["order_id"] == "KL-258391"
    assert original["amount"] == duplicate["amount"] == {"amount": "34.90", "currency": "EUR"}
    assert original["created_at"] < duplicate["created_at"]
    response = api.post(f"/v1/payments/{duplicate['id']}/duplicate-refund")
    assert response.status_code == 201
    refund = response.json()
    assert refund["amount"] == {"amount": "34.90", "currency": "EUR"}
    assert (refund["status"], refund["order_id"]) == ("pending", "KL-258391")
    assert refund["expected_by"] == "2025-06-25"  # Alpine Outfitters: 7 refund days
    assert api.get(f"/v1/payments/{duplicate['id']}").json()["status"] == "refunded"
    assert api.get("/v1/payments/duplicates").json() == []
    again = api.post(f"/v1/payments/{duplicate['id']}/duplicate-refund")
    assert (again.status_code, error_code(again)) == (409, "already_refunded")
    # A duplicate refund does not reduce what the order itself can refund.
    assert api.get("/v1/orders/KL-258391").json()["refundable"]["amount"] == "34.90"
    count = db.scalar(
        select(func.count())
        .select_from(models.Refund)
        .where(models.Refund.kind == "duplicate_charge")
    )
    assert count == 1


def test_original_charge_is_not_a_duplicate(api: Api) -> None:
    [pair] = api.get("/v1/payments/duplicates").json()
    response = api.post(f"/v1/payments/{pair['original']['id']}/duplicate-refund")
    assert (response.status_code, error_code(response)) == (422, "not_a_duplicate")


def test_paying_two_instalments_the_same_day_is_not_a_duplicate(api: Api) -> None:
    assert api.post("/v1/payments", {"instalment_id": "IN-604528-2"}).status_code == 201
    assert api.post("/v1/payments", {"instalment_id": "IN-604528-3"}).status_code == 201
    assert len(api.get("/v1/payments/duplicates").json()) == 1


def test_dispute_an_unrecognised_charge_once(api: Api) -> None:
    belt = payment_of(api, "KL-667290", customer="C1002")
    response = api.post(
        "/v1/disputes", {"payment_id": belt["id"], "reason": "unrecognized"}, customer="C1002"
    )
    assert response.status_code == 201
    dispute = response.json()
    assert (dispute["payment_id"], dispute["reason"], dispute["status"]) == (
        belt["id"],
        "unrecognized",
        "open",
    )
    again = api.post(
        "/v1/disputes", {"payment_id": belt["id"], "reason": "fraud"}, customer="C1002"
    )
    assert (again.status_code, error_code(again)) == (409, "dispute_exists")
    assert again.json()["error"]["details"] == {"dispute_id": dispute["id"]}


def test_dispute_validation(api: Api) -> None:
    declined = api.get("/v1/payments", customer="C1002", status="declined").json()[0]
    response = api.post(
        "/v1/disputes", {"payment_id": declined["id"], "reason": "fraud"}, customer="C1002"
    )
    assert (response.status_code, error_code(response)) == (422, "payment_not_disputable")
    bad_reason = api.post(
        "/v1/disputes", {"payment_id": declined["id"], "reason": "angry"}, customer="C1002"
    )
    assert (bad_reason.status_code, error_code(bad_reason)) == (422, "validation_error")
    unknown = api.post("/v1/disputes", {"payment_id": "PAY-NOPE", "reason": "fraud"})
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")

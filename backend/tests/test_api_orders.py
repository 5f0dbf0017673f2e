"""Orders: lookup, refund eligibility, cancellation and returns."""

from __future__ import annotations

import pytest

from tests.support import Api, error_code


def test_orders_newest_first_with_filters(api: Api) -> None:
    orders = api.get("/v1/orders").json()
    assert [order["id"] for order in orders] == [
        "KL-519067",
        "KL-604528",
        "KL-482913",
        "KL-731846",
        "KL-258391",
        "KL-377204",
    ]
    delivered = api.get("/v1/orders", status="delivered", limit=2).json()
    assert [order["id"] for order in delivered] == ["KL-482913", "KL-731846"]
    bad = api.get("/v1/orders", status="lost")
    assert (bad.status_code, error_code(bad)) == (400, "invalid_parameter")


def test_order_fields(api: Api) -> None:
    order = api.get("/v1/orders/KL-482913").json()
    assert order["merchant"] == {"id": "M-1001", "name": "Nordic Threads"}
    assert order["status"] == "delivered"
    assert order["items"][1] == {
        "name": "Organic cotton T-shirt",
        "quantity": 2,
        "unit_price": {"amount": "24.50", "currency": "EUR"},
    }
    assert order["total"] == {"amount": "158.85", "currency": "EUR"}
    assert order["refunded"]["amount"] == "0.00"
    assert order["refundable"]["amount"] == "158.85"
    assert order["delivered_at"] == "2025-06-12T12:00:00Z"
    assert (order["return_status"], order["payments_paused_until"]) == (None, None)


def test_partially_refunded_order(api: Api) -> None:
    order = api.get("/v1/orders/KL-731846").json()
    assert (order["refunded"]["amount"], order["refundable"]["amount"]) == ("25.00", "119.00")


@pytest.mark.parametrize("typed", ["KL-482913", "kl482913", "%23482913", "482913", "order 482913"])
def test_order_lookup_accepts_what_customers_type(api: Api, typed: str) -> None:
    response = api.get(f"/v1/orders/{typed}")
    assert response.status_code == 200
    assert response.json()["id"] == "KL-482913"


def test_bad_and_foreign_order_references(api: Api) -> None:
    bad = api.get("/v1/orders/hello")
    assert (bad.status_code, error_code(bad)) == (400, "invalid_order_reference")
    unknown = api.get("/v1/orders/KL-000000")
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    for path in ("/v1/orders/KL-845120", "/v1/orders/KL-845120/refund-eligibility"):
        foreign = api.get(path)
        assert (foreign.status_code, error_code(foreign)) == (404, "not_found")
    assert api.post("/v1/orders/KL-845120/cancel").status_code == 404
    assert api.post("/v1/orders/KL-845120/returns", {"reason": "x"}).status_code == 404


def test_refund_eligibility_of_a_refundable_order(api: Api) -> None:
    assert api.get("/v1/orders/482913/refund-eligibility").json() == {
        "order_id": "KL-482913",
        "eligible": True,
        "refundable": {"amount": "158.85", "currency": "EUR"},
        "reason_code": None,
        "reason": None,
        "window_days": 30,
        "window_ends": "2025-07-12",
    }


@pytest.mark.parametrize(
    ("customer", "order_id", "code"),
    [
        ("C1001", "KL-377204", "refund_window_expired"),
        ("C1001", "KL-519067", "order_not_delivered"),
        ("C1001", "KL-604528", "order_not_delivered"),
        ("C1002", "KL-903317", "already_refunded"),
        ("C1002", "KL-120458", "order_cancelled"),
    ],
)
def test_refund_eligibility_refusals(api: Api, customer: str, order_id: str, code: str) -> None:
    body = api.get(f"/v1/orders/{order_id}/refund-eligibility", customer=customer).json()
    assert (body["eligible"], body["reason_code"]) == (False, code)
    assert body["reason"]


def test_cancel_placed_order_cancels_instalments_and_refunds_payments(api: Api) -> None:
    response = api.post("/v1/orders/KL-519067/cancel")
    assert response.status_code == 200
    order = response.json()
    assert order["status"] == "cancelled"
    assert order["refunded"]["amount"] == "19.75"
    assert order["refundable"]["amount"] == "0.00"
    statuses = {
        i["id"]: i["status"]
        for i in api.get("/v1/instalments").json()
        if i["order_id"] == "KL-519067"
    }
    assert statuses == {"IN-519067-1": "paid"}
    assert api.get("/v1/instalments/IN-519067-2").json()["status"] == "cancelled"
    [refund] = api.get("/v1/refunds", order_id="KL-519067").json()
    assert (refund["amount"]["amount"], refund["status"], refund["expected_by"]) == (
        "19.75",
        "pending",
        "2025-06-25",
    )
    refunded = api.get("/v1/payments", status="refunded").json()
    assert [p["order_id"] for p in refunded] == ["KL-519067"]
    again = api.post("/v1/orders/KL-519067/cancel")
    assert (again.status_code, error_code(again)) == (409, "order_already_cancelled")


def test_shipped_order_cannot_be_cancelled(api: Api) -> None:
    response = api.post("/v1/orders/KL-604528/cancel")
    assert (response.status_code, error_code(response)) == (409, "order_already_shipped")
    assert api.get("/v1/orders/KL-604528").json()["status"] == "shipped"


def test_reporting_a_return_pauses_payments(api: Api) -> None:
    before = api.get("/v1/instalments/IN-358742-2", customer="C1002").json()["due_date"]
    response = api.post(
        "/v1/orders/KL-358742/returns", {"reason": "Straps too short"}, customer="C1002"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("RT-")
    assert (created["order_id"], created["status"]) == ("KL-358742", "registered")
    assert created["payments_paused_until"] == "2025-07-09"
    order = api.get("/v1/orders/KL-358742", customer="C1002").json()
    assert (order["return_status"], order["payments_paused_until"]) == ("registered", "2025-07-09")
    after = api.get("/v1/instalments/IN-358742-2", customer="C1002").json()["due_date"]
    assert (before, after) == ("2025-06-26", "2025-07-17")
    paid = api.get("/v1/instalments/IN-358742-1", customer="C1002").json()
    assert paid["due_date"] == "2025-06-12"
    again = api.post("/v1/orders/KL-358742/returns", {"reason": "again"}, customer="C1002")
    assert (again.status_code, error_code(again)) == (409, "return_exists")


def test_return_needs_a_delivered_order(api: Api) -> None:
    response = api.post("/v1/orders/KL-604528/returns", {"reason": "Changed my mind"})
    assert (response.status_code, error_code(response)) == (422, "order_not_delivered")
    returned = api.post("/v1/orders/KL-903317/returns", {"reason": "x"}, customer="C1002")
    assert (returned.status_code, error_code(returned)) == (409, "return_exists")
    empty = api.post("/v1/orders/KL-482913/returns", {"reason": ""})
    assert (empty.status_code, error_code(empty)) == (422, "validation_error")

"""Refund requests: business rules, input validation, follow-up."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, error_code


def refund_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "order_id": "KL-482913",
        "amount": "50",
        "currency": "EUR",
        "reason": "Sweater too small",
    }
    body.update(overrides)
    return body


def test_refund_is_created_pending_with_expected_date(api: Api) -> None:
    response = api.post("/v1/refunds", refund_body())
    assert response.status_code == 201
    refund = response.json()
    assert refund["id"].startswith("RF-")
    assert {k: v for k, v in refund.items() if k != "id"} == {
        "order_id": "KL-482913",
        "amount": {"amount": "50.00", "currency": "EUR"},
        "status": "pending",
        "reason": "Sweater too small",
        "created_at": "2025-06-18T12:00:00Z",
        "expected_by": "2025-06-23",
        "completed_at": None,
    }
    order = api.get("/v1/orders/KL-482913").json()
    assert (order["refunded"]["amount"], order["refundable"]["amount"]) == ("50.00", "108.85")
    assert api.get(f"/v1/refunds/{refund['id']}").json() == refund


def test_refund_accepts_typed_order_reference_and_lower_case_currency(api: Api) -> None:
    response = api.post(
        "/v1/refunds", refund_body(order_id="#482913", currency="eur", amount="158.85")
    )
    assert response.status_code == 201
    assert response.json()["order_id"] == "KL-482913"
    full = api.post("/v1/refunds", refund_body(amount="0.01"))
    assert (full.status_code, error_code(full)) == (422, "already_refunded")


def test_refund_cannot_exceed_what_is_left(api: Api) -> None:
    response = api.post("/v1/refunds", refund_body(order_id="KL-731846", amount="119.01"))
    assert (response.status_code, error_code(response)) == (422, "amount_exceeds_refundable")
    assert response.json()["error"]["details"]["refundable"] == {
        "amount": "119.00",
        "currency": "EUR",
    }
    assert (
        api.post("/v1/refunds", refund_body(order_id="KL-731846", amount="119.00")).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("customer", "order_id", "code"),
    [
        ("C1001", "KL-377204", "refund_window_expired"),
        ("C1001", "KL-604528", "order_not_delivered"),
        ("C1002", "KL-903317", "already_refunded"),
        ("C1002", "KL-120458", "order_cancelled"),
    ],
)
def test_refund_business_rules(api: Api, customer: str, order_id: str, code: str) -> None:
    response = api.post(
        "/v1/refunds", refund_body(order_id=order_id, amount="1.00"), customer=customer
    )
    assert (response.status_code, error_code(response)) == (422, code)


@pytest.mark.parametrize("amount", ["abc", "12.345", "-1", "1e2", "12,50", "", 12.5, 10, None])
def test_malformed_amounts_are_invalid_amount(api: Api, amount: Any) -> None:
    response = api.post("/v1/refunds", refund_body(amount=amount))
    assert (response.status_code, error_code(response)) == (422, "invalid_amount")


def test_zero_amount_is_invalid(api: Api) -> None:
    response = api.post("/v1/refunds", refund_body(amount="0.00"))
    assert (response.status_code, error_code(response)) == (422, "invalid_amount")


def test_currency_errors(api: Api) -> None:
    unknown = api.post("/v1/refunds", refund_body(currency="XYZ"))
    assert (unknown.status_code, error_code(unknown)) == (422, "unknown_currency")
    mismatch = api.post("/v1/refunds", refund_body(currency="SEK"))
    assert (mismatch.status_code, error_code(mismatch)) == (422, "currency_mismatch")


def test_order_errors(api: Api) -> None:
    bad = api.post("/v1/refunds", refund_body(order_id="my order"))
    assert (bad.status_code, error_code(bad)) == (422, "invalid_order_reference")
    foreign = api.post("/v1/refunds", refund_body(order_id="KL-845120"))
    assert (foreign.status_code, error_code(foreign)) == (404, "not_found")


def test_missing_and_extra_fields_are_validation_errors(api: Api) -> None:
    body = refund_body()
    del body["reason"]
    missing = api.post("/v1/refunds", body)
    assert (missing.status_code, error_code(missing)) == (422, "validation_error")
    extra = api.post("/v1/refunds", refund_body(customer_id="C1002"))
    assert (extra.status_code, error_code(extra)) == (422, "validation_error")


def test_refund_list_and_lookup_are_customer_scoped(api: Api) -> None:
    created = api.post("/v1/refunds", refund_body()).json()
    refunds = api.get("/v1/refunds").json()
    assert [r["id"] for r in refunds] == [created["id"], "RF-100001"]
    assert [r["id"] for r in api.get("/v1/refunds", order_id="kl731846").json()] == ["RF-100001"]
    ben = api.get("/v1/refunds", customer="C1002").json()
    assert {r["id"] for r in ben} == {"RF-200001", "RF-200002"}
    assert api.get("/v1/refunds/RF-200001", customer="C1002").json()["status"] == "completed"
    foreign = api.get("/v1/refunds/RF-200001")
    assert (foreign.status_code, error_code(foreign)) == (404, "not_found")
    bad_filter = api.get("/v1/refunds", order_id="nonsense")
    assert (bad_filter.status_code, error_code(bad_filter)) == (400, "invalid_order_reference")

"""Profile, balance, fees, invoices and payment methods."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments_backend import models
from tests.support import Api, error_code


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def test_profile(api: Api) -> None:
    assert api.get("/v1/customers/me").json() == {
        "id": "C1001",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "language": "en",
        "currency": "EUR",
    }


def test_balance_of_customer_with_upcoming_instalments(api: Api) -> None:
    assert api.get("/v1/balance").json() == {
        "outstanding": money("421.09"),
        "overdue": money("0.00"),
        "late_fees": money("0.00"),
        "open_plans": 4,
        "next_due_date": "2025-06-22",
    }


def test_balance_of_customer_with_overdue_instalments_and_late_fee(api: Api) -> None:
    assert api.get("/v1/balance", customer="C1002").json() == {
        "outstanding": money("182.75"),
        "overdue": money("64.00"),
        "late_fees": money("7.00"),
        "open_plans": 2,
        "next_due_date": "2025-06-01",
    }


def test_balance_of_customer_who_paid_everything(api: Api) -> None:
    body = api.get("/v1/balance", customer="C1003").json()
    assert body["outstanding"] == money("0.00")
    assert (body["open_plans"], body["next_due_date"]) == (0, None)


def test_fees_explain_late_and_extension_fees(api: Api) -> None:
    [late] = api.get("/v1/fees", customer="C1002").json()
    assert late["kind"] == "late_fee"
    assert late["amount"] == money("7.00")
    assert (late["order_id"], late["instalment_id"]) == ("KL-845120", "IN-845120-3")
    assert late["charged_on"] == "2025-06-05"
    assert "2025-06-01" in late["explanation"]
    [extension] = api.get("/v1/fees").json()
    assert extension["kind"] == "extension_fee"
    assert extension["amount"] == money("1.95")
    assert extension["order_id"] == "KL-731846"
    assert "7 days" in extension["explanation"]
    assert api.get("/v1/fees", customer="C1003").json() == []


def test_invoices_list_filter_and_lookup(api: Api) -> None:
    invoices = api.get("/v1/invoices").json()
    assert [invoice["order_id"] for invoice in invoices] == [
        "KL-604528",
        "KL-482913",
        "KL-731846",
        "KL-258391",
        "KL-377204",
    ]
    [invoice] = api.get("/v1/invoices", order_id="#482913").json()
    assert invoice["id"] == "INV-482913"
    assert invoice["number"] == "2025-482913"
    assert invoice["merchant_name"] == "Nordic Threads"
    assert invoice["amount"] == money("158.85")
    assert invoice["url"].endswith("/invoices/2025-482913")
    assert api.get("/v1/invoices/INV-482913").json() == invoice
    assert api.get("/v1/invoices/2025-482913").json() == invoice
    assert api.get("/v1/invoices/inv-482913").json() == invoice


def test_other_customers_invoice_is_not_found(api: Api) -> None:
    response = api.get("/v1/invoices/INV-482913", customer="C1002")
    assert (response.status_code, error_code(response)) == (404, "not_found")


def test_payment_methods_show_brand_and_last4_only(api: Api) -> None:
    methods = api.get("/v1/payment-methods", customer="C1002").json()
    assert [(m["brand"], m["last4"], m["is_default"]) for m in methods] == [
        ("Mastercard", "5454", True),
        ("Visa", "1881", False),
    ]
    assert set(methods[0]) == {"id", "kind", "brand", "last4", "expires", "is_default"}
    assert methods[1]["expires"] == "01/24"


def test_update_link_is_single_use_and_only_its_hash_is_stored(api: Api, db: Session) -> None:
    response = api.post("/v1/payment-methods/update-link")
    assert response.status_code == 201
    body = response.json()
    assert body["expires_at"] == "2025-06-18T12:30:00Z"
    token = parse_qs(urlparse(body["url"]).query)["token"][0]
    [link] = db.scalars(select(models.PaymentMethodLink)).all()
    assert link.customer_id == "C1001"
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert link.used_at is None
    second = api.post("/v1/payment-methods/update-link").json()
    assert second["url"] != body["url"]

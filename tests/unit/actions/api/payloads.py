"""Sample backend payloads, written from docs/backend-api.md, shared by the client tests."""

from __future__ import annotations

import copy
from typing import Any


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    """A Money payload."""
    return {"amount": amount, "currency": currency}


HEALTH = {"status": "ok", "database": "ok"}

LOGIN = {
    "customer_id": "C-1001",
    "token": "header.claims.signature",
    "expires_at": "2025-03-01T10:15:00Z",
}

VERIFICATION_STARTED = {"status": "sent", "expires_in_seconds": 600}

OUTBOUND_MESSAGE = {
    "id": 7,
    "channel": "email",
    "recipient": "ada@example.com",
    "subject": "Your verification code",
    "body": "Your code is 042917.",
    "created_at": "2025-03-01T10:00:00Z",
}

CUSTOMER = {
    "id": "C-1001",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "language": "en",
    "currency": "EUR",
}

BALANCE = {
    "outstanding": money("120.00"),
    "overdue": money("40.00"),
    "late_fees": money("5.00"),
    "open_plans": 2,
    "next_due_date": "2025-03-14",
}

INSTALMENT = {
    "id": "INS-1",
    "plan_id": "PLAN-1",
    "order_id": "KL-482913",
    "merchant_name": "Nordic Shoes",
    "sequence": 2,
    "count": 4,
    "due_date": "2025-03-14",
    "amount": money("40.00"),
    "late_fee": money("0.00"),
    "status": "due",
    "extensions_used": 0,
}

EXTENSION_OPTIONS = {
    "instalment_id": "INS-1",
    "allowed": True,
    "reason_code": None,
    "reason": None,
    "options": [
        {"days": 7, "new_due_date": "2025-03-21", "fee": money("2.50")},
        {"days": 14, "new_due_date": "2025-03-28", "fee": money("2.50")},
    ],
    "max_extensions": 1,
    "extensions_used": 0,
}

EXTENSION = {
    "id": "EXT-1",
    "instalment_id": "INS-1",
    "days": 14,
    "old_due_date": "2025-03-14",
    "new_due_date": "2025-03-28",
    "fee": money("2.50"),
}

PAYMENT = {
    "id": "PAY-1",
    "order_id": "KL-482913",
    "merchant_name": "Nordic Shoes",
    "statement_descriptor": "NORDICSHOES*KL",
    "amount": money("40.00"),
    "status": "succeeded",
    "decline_reason": None,
    "decline_message": None,
    "method": {"brand": "visa", "last4": "4242"},
    "created_at": "2025-02-14T09:30:00Z",
    "receipt_number": "R-0001",
}

DUPLICATE_CHARGE = {
    "original": PAYMENT,
    "duplicate": {**PAYMENT, "id": "PAY-2", "created_at": "2025-02-14T09:31:10Z"},
}

DISPUTE = {
    "id": "DSP-1",
    "payment_id": "PAY-1",
    "reason": "unrecognized",
    "status": "open",
    "created_at": "2025-02-15T08:00:00Z",
}

ORDER = {
    "id": "KL-482913",
    "merchant": {"id": "M-1", "name": "Nordic Shoes"},
    "status": "delivered",
    "items": [
        {"name": "Trail runner", "quantity": 1, "unit_price": money("129.90")},
        {"name": "Socks", "quantity": 3, "unit_price": money("3.37")},
    ],
    "total": money("140.01"),
    "refunded": money("0.00"),
    "refundable": money("140.01"),
    "created_at": "2025-02-01T12:00:00Z",
    "shipped_at": "2025-02-02T08:00:00+00:00",
    "delivered_at": "2025-02-04T16:45:00Z",
    "return_status": None,
    "payments_paused_until": None,
}

REFUND_ELIGIBILITY = {
    "order_id": "KL-482913",
    "eligible": True,
    "refundable": money("140.01"),
    "reason_code": None,
    "reason": None,
    "window_days": 30,
    "window_ends": "2025-03-06",
}

REFUND = {
    "id": "RF-1",
    "order_id": "KL-482913",
    "amount": money("12.50"),
    "status": "pending",
    "reason": "damaged",
    "created_at": "2025-02-20T10:00:00Z",
    "expected_by": "2025-03-06",
    "completed_at": None,
}

RETURN = {
    "id": "RET-1",
    "order_id": "KL-482913",
    "status": "reported",
    "created_at": "2025-02-20T10:00:00Z",
    "payments_paused_until": "2025-03-13",
}

FEE = {
    "id": "FEE-1",
    "kind": "late_fee",
    "amount": money("5.00"),
    "order_id": "KL-482913",
    "instalment_id": "INS-0",
    "charged_on": "2025-02-20",
    "explanation": "Instalment 1 of 4 was paid more than 3 days late.",
}

INVOICE = {
    "id": "INV-1",
    "number": "2025-000123",
    "order_id": "KL-482913",
    "merchant_name": "Nordic Shoes",
    "amount": money("140.01"),
    "issued_on": "2025-02-01",
    "url": "https://backend.test/invoices/INV-1.pdf",
}

PAYMENT_METHOD = {
    "id": "PM-1",
    "kind": "card",
    "brand": "visa",
    "last4": "4242",
    "expires": "04/27",
    "is_default": True,
}

UPDATE_LINK = {
    "url": "https://pay.test/update/one-time-token",
    "expires_at": "2025-02-20T10:30:00Z",
}

SUPPORTED_PAYMENT_METHOD = {
    "kind": "card",
    "name": "Debit or credit card",
    "description": "Visa and Mastercard.",
}

MERCHANT = {"id": "M-1", "name": "Nordic Shoes"}

REFUND_POLICY = {
    "merchant_id": "M-1",
    "merchant_name": "Nordic Shoes",
    "window_days": 30,
    "conditions": "Unworn items in their original box.",
    "refund_days": 14,
}

FEE_POLICY = {
    "late_fee": money("5.00"),
    "late_fee_grace_days": 3,
    "extension_fee": money("2.50"),
}

EXTENSION_POLICY = {"allowed_days": [7, 14], "max_extensions_per_plan": 1, "fee": money("2.50")}


def error(code: str, message: str = "Refused.", **details: Any) -> dict[str, Any]:
    """An error envelope."""
    return {"error": {"code": code, "message": message, "details": details}}


def clone(payload: Any) -> Any:
    """A deep copy, so a test can alter a sample without affecting others."""
    return copy.deepcopy(payload)

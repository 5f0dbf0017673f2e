"""Tests of actions.api.models: parsing, exact money, immutability, malformed payloads."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from actions.api import models
from actions.api.exceptions import BackendUnavailable, InvalidResponse
from actions.api.models import (
    BackendModel,
    Balance,
    DuplicateCharge,
    ExtensionOptions,
    ExtensionPolicy,
    LoginResult,
    Money,
    Order,
    Payment,
)
from tests.unit.actions.api import payloads

UTC = dt.timezone.utc

# Every model, its sample payload, and the keys that may be absent or null.
MODEL_CASES: list[tuple[type[BackendModel], dict[str, Any], frozenset[str]]] = [
    (models.Health, payloads.HEALTH, frozenset()),
    (models.LoginResult, payloads.LOGIN, frozenset()),
    (models.Customer, payloads.CUSTOMER, frozenset()),
    (models.Balance, payloads.BALANCE, frozenset({"next_due_date"})),
    (models.Instalment, payloads.INSTALMENT, frozenset()),
    (models.ExtensionOptions, payloads.EXTENSION_OPTIONS, frozenset({"reason_code", "reason"})),
    (models.Extension, payloads.EXTENSION, frozenset()),
    (
        models.Payment,
        payloads.PAYMENT,
        frozenset(
            {
                "statement_descriptor",
                "decline_reason",
                "decline_message",
                "method",
                "receipt_number",
            }
        ),
    ),
    (models.DuplicateCharge, payloads.DUPLICATE_CHARGE, frozenset()),
    (models.Dispute, payloads.DISPUTE, frozenset()),
    (
        models.Order,
        payloads.ORDER,
        frozenset({"shipped_at", "delivered_at", "return_status", "payments_paused_until"}),
    ),
    (
        models.RefundEligibility,
        payloads.REFUND_ELIGIBILITY,
        frozenset({"reason_code", "reason", "window_ends"}),
    ),
    (models.Refund, payloads.REFUND, frozenset({"reason", "completed_at"})),
    (models.Return, payloads.RETURN, frozenset({"payments_paused_until"})),
    (models.Fee, payloads.FEE, frozenset({"order_id", "instalment_id"})),
    (models.Invoice, payloads.INVOICE, frozenset()),
    (models.PaymentMethod, payloads.PAYMENT_METHOD, frozenset({"brand", "last4", "expires"})),
    (models.UpdateLink, payloads.UPDATE_LINK, frozenset()),
    (models.SupportedPaymentMethod, payloads.SUPPORTED_PAYMENT_METHOD, frozenset()),
    (models.Merchant, payloads.MERCHANT, frozenset()),
    (models.RefundPolicy, payloads.REFUND_POLICY, frozenset()),
    (models.FeePolicy, payloads.FEE_POLICY, frozenset()),
    (models.ExtensionPolicy, payloads.EXTENSION_POLICY, frozenset()),
    (models.OutboundMessage, payloads.OUTBOUND_MESSAGE, frozenset()),
]
MODEL_IDS = [case[0].__name__ for case in MODEL_CASES]


def _all_values(value: Any) -> list[Any]:
    """Every leaf value of a (nested) model, to look for floats."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            leaf
            for item in dataclasses.fields(value)
            for leaf in _all_values(getattr(value, item.name))
        ]
    if isinstance(value, tuple):
        return [leaf for item in value for leaf in _all_values(item)]
    return [value]


class TestMoney:
    def test_parses_amount_as_exact_decimal(self) -> None:
        parsed = Money.from_json({"amount": "12.50", "currency": "EUR"})

        assert isinstance(parsed.amount, Decimal)
        assert parsed.amount == Decimal("12.50")
        assert str(parsed.amount) == "12.50"
        assert parsed.currency == "EUR"

    def test_keeps_cents_that_floats_would_lose(self) -> None:
        parsed = Money.from_json({"amount": "0.10", "currency": "EUR"})

        assert parsed.amount * 3 == Decimal("0.30")

    def test_accepts_a_json_number_decoded_as_decimal(self) -> None:
        parsed = Money.from_json({"amount": Decimal("19.99"), "currency": "SEK"})

        assert parsed.amount == Decimal("19.99")

    @pytest.mark.parametrize("amount", [12.5, True, "12,50", "twelve", "NaN", "Infinity", "", None])
    def test_refuses_floats_and_non_decimals(self, amount: Any) -> None:
        with pytest.raises(InvalidResponse, match="amount"):
            Money.from_json({"amount": amount, "currency": "EUR"})

    @pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", "", 978])
    def test_refuses_malformed_currency_codes(self, currency: Any) -> None:
        with pytest.raises(InvalidResponse, match="currency"):
            Money.from_json({"amount": "1.00", "currency": currency})

    def test_missing_key_is_invalid_response_not_key_error(self) -> None:
        with pytest.raises(InvalidResponse, match="'currency' is missing"):
            Money.from_json({"amount": "1.00"})

    def test_non_object_is_invalid_response(self) -> None:
        with pytest.raises(InvalidResponse, match="expected a JSON object"):
            Money.from_json(["1.00", "EUR"])

    def test_constructor_refuses_floats(self) -> None:
        with pytest.raises(ValueError, match="Decimal"):
            Money(amount=12.5, currency="EUR")  # type: ignore[arg-type]

    def test_has_no_arithmetic(self) -> None:
        price = Money(Decimal("1.00"), "EUR")

        with pytest.raises(TypeError):
            price + price  # type: ignore[operator]

    def test_is_immutable(self) -> None:
        price = Money(Decimal("1.00"), "EUR")

        with pytest.raises(dataclasses.FrozenInstanceError):
            price.amount = Decimal("2.00")  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("amount", "text"),
        [(Decimal("12.50"), "12.50"), (Decimal("1E+2"), "100"), (Decimal("0.05"), "0.05")],
    )
    def test_serialises_as_plain_decimal_string(self, amount: Decimal, text: str) -> None:
        assert Money(amount, "EUR").to_json() == {"amount": text, "currency": "EUR"}


@pytest.mark.parametrize(("model", "payload", "optional"), MODEL_CASES, ids=MODEL_IDS)
class TestEveryModel:
    def test_parses_the_contract_payload_without_floats(
        self, model: type[BackendModel], payload: dict[str, Any], optional: frozenset[str]
    ) -> None:
        parsed = model.from_json(payloads.clone(payload))

        assert isinstance(parsed, model)
        leaves = _all_values(parsed)
        assert not any(isinstance(leaf, float) for leaf in leaves)
        assert not any(isinstance(leaf, dict) for leaf in leaves)

    def test_is_frozen(
        self, model: type[BackendModel], payload: dict[str, Any], optional: frozenset[str]
    ) -> None:
        parsed = model.from_json(payloads.clone(payload))
        first_field = dataclasses.fields(parsed)[0].name  # type: ignore[arg-type]

        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(parsed, first_field, None)

    def test_missing_required_keys_raise_invalid_response(
        self, model: type[BackendModel], payload: dict[str, Any], optional: frozenset[str]
    ) -> None:
        for key in payload:
            broken = payloads.clone(payload)
            del broken[key]
            if key in optional:
                assert isinstance(model.from_json(broken), model)
            else:
                with pytest.raises(InvalidResponse, match=repr(key)):
                    model.from_json(broken)

    def test_null_is_refused_unless_optional(
        self, model: type[BackendModel], payload: dict[str, Any], optional: frozenset[str]
    ) -> None:
        for key in payload:
            broken = {**payloads.clone(payload), key: None}
            if key in optional:
                assert getattr(model.from_json(broken), key) is None
            else:
                with pytest.raises(InvalidResponse):
                    model.from_json(broken)


def test_invalid_response_is_a_backend_unavailable() -> None:
    with pytest.raises(BackendUnavailable):
        Order.from_json("<html>Bad gateway</html>")


def test_order_is_fully_typed() -> None:
    order = Order.from_json(payloads.clone(payloads.ORDER))

    assert order.id == "KL-482913"
    assert order.merchant == models.MerchantRef(id="M-1", name="Nordic Shoes")
    assert order.items[1] == models.OrderItem(
        name="Socks", quantity=3, unit_price=Money(Decimal("3.37"), "EUR")
    )
    assert order.total == Money(Decimal("140.01"), "EUR")
    assert order.refundable.amount == Decimal("140.01")
    assert order.created_at == dt.datetime(2025, 2, 1, 12, 0, tzinfo=UTC)
    assert order.shipped_at == dt.datetime(2025, 2, 2, 8, 0, tzinfo=UTC)
    assert order.delivered_at is not None and order.delivered_at.tzinfo is not None
    assert order.payments_paused_until is None


def test_error_names_the_nested_field() -> None:
    payload = payloads.clone(payloads.ORDER)
    del payload["items"][1]["unit_price"]["amount"]

    with pytest.raises(
        InvalidResponse, match=r"Order\.items\[1\]\.unit_price: 'amount' is missing"
    ):
        Order.from_json(payload)


def test_dates_and_timestamps() -> None:
    balance = Balance.from_json(payloads.clone(payloads.BALANCE))
    naive = Payment.from_json(
        {**payloads.clone(payloads.PAYMENT), "created_at": "2025-02-14T09:30:00"}
    )
    offset = Payment.from_json(
        {**payloads.clone(payloads.PAYMENT), "created_at": "2025-02-14T10:30:00.250+01:00"}
    )

    assert balance.next_due_date == dt.date(2025, 3, 14)
    assert naive.created_at == dt.datetime(2025, 2, 14, 9, 30, tzinfo=UTC)
    assert offset.created_at == dt.datetime(2025, 2, 14, 9, 30, 0, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("next_due_date", "14/03/2025"),
        ("next_due_date", "2025-03-14T00:00:00Z"),
        ("open_plans", True),
    ],
)
def test_malformed_values_raise_invalid_response(key: str, value: Any) -> None:
    with pytest.raises(InvalidResponse, match=key):
        Balance.from_json({**payloads.clone(payloads.BALANCE), key: value})


def test_malformed_timestamp_raises_invalid_response() -> None:
    with pytest.raises(InvalidResponse, match="created_at"):
        Payment.from_json({**payloads.clone(payloads.PAYMENT), "created_at": "yesterday"})


def test_extension_options_are_a_tuple_of_typed_options() -> None:
    options = ExtensionOptions.from_json(payloads.clone(payloads.EXTENSION_OPTIONS))

    assert isinstance(options.options, tuple)
    assert [option.days for option in options.options] == [7, 14]
    assert options.options[1].new_due_date == dt.date(2025, 3, 28)
    assert options.options[1].fee == Money(Decimal("2.50"), "EUR")


def test_extension_policy_refuses_non_integer_days() -> None:
    with pytest.raises(InvalidResponse, match="allowed_days"):
        ExtensionPolicy.from_json(
            {**payloads.clone(payloads.EXTENSION_POLICY), "allowed_days": [7, "14"]}
        )


def test_duplicate_charge_holds_two_payments() -> None:
    charge = DuplicateCharge.from_json(payloads.clone(payloads.DUPLICATE_CHARGE))

    assert charge.original.id == "PAY-1"
    assert charge.duplicate.id == "PAY-2"
    assert charge.duplicate.method == models.PaymentMethodRef(brand="visa", last4="4242")


def test_declined_payment_keeps_its_reason() -> None:
    declined = Payment.from_json(
        {
            **payloads.clone(payloads.PAYMENT),
            "status": "declined",
            "decline_reason": "insufficient_funds",
            "decline_message": "The card has insufficient funds.",
            "receipt_number": None,
        }
    )

    assert declined.decline_reason == "insufficient_funds"
    assert declined.receipt_number is None


def test_login_token_stays_out_of_repr() -> None:
    login = LoginResult.from_json(payloads.clone(payloads.LOGIN))

    assert login.token == "header.claims.signature"
    assert "header.claims.signature" not in repr(login)
    assert login.expires_at == dt.datetime(2025, 3, 1, 10, 15, tzinfo=UTC)


def test_outbound_message_keeps_its_body_out_of_repr() -> None:
    message = models.OutboundMessage.from_json(payloads.clone(payloads.OUTBOUND_MESSAGE))

    assert message.id == 7
    assert message.body == "Your code is 042917."
    assert "042917" not in repr(message)
    assert message.created_at == dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

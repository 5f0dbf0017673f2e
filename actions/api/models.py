"""Typed, immutable views of the backend's JSON payloads (see docs/backend-api.md).

Money is `Decimal` plus an ISO 4217 code, dates are `datetime.date`, timestamps are
timezone-aware `datetime`. Every model parses itself with `from_json`, raising
`InvalidResponse` (never KeyError or TypeError) on a payload breaking the contract.
Status-like fields stay plain strings so a new backend value does not break parsing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from actions.api._json import JsonReader

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")

ModelT = TypeVar("ModelT", bound="BackendModel")


class BackendModel:
    """Base of the models: parsing entry points shared by all of them."""

    @classmethod
    def from_json(cls: type[ModelT], data: Any) -> ModelT:
        """Parses a decoded JSON payload.

        Args:
            data: The decoded JSON object.

        Returns:
            The model.

        Raises:
            InvalidResponse: The payload does not match the contract.
        """
        return cls.from_reader(JsonReader(data, cls.__name__))

    @classmethod
    def from_reader(cls: type[ModelT], reader: JsonReader) -> ModelT:
        """Parses the object behind a reader (used for nested objects).

        Args:
            reader: Reader over the JSON object.

        Returns:
            The model.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Money(BackendModel):
    """An exact amount in one currency. Deliberately without arithmetic.

    Attributes:
        amount: The amount, exact.
        currency: ISO 4217 code, for example `EUR`.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        """Refuses floats, non-finite amounts and malformed currency codes."""
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(f"Money amount must be a finite Decimal, got {self.amount!r}.")
        if not isinstance(self.currency, str) or not _CURRENCY_CODE.fullmatch(self.currency):
            raise ValueError(f"Money currency must be an ISO 4217 code, got {self.currency!r}.")

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Money:
        """Parses `{"amount": "12.50", "currency": "EUR"}`."""
        amount = reader.decimal("amount")
        currency = reader.text("currency")
        try:
            return cls(amount=amount, currency=currency)
        except ValueError as error:
            raise reader.fail(str(error)) from None

    def amount_text(self) -> str:
        """The amount as the plain decimal string the backend expects (`"12.50"`)."""
        return format(self.amount, "f")

    def to_json(self) -> dict[str, str]:
        """The contract's JSON form, `{"amount": "12.50", "currency": "EUR"}`."""
        return {"amount": self.amount_text(), "currency": self.currency}


@dataclass(frozen=True)
class Health(BackendModel):
    """Answer of `GET /health`."""

    status: str
    database: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Health:
        """Parses the health payload."""
        return cls(status=reader.text("status"), database=reader.text("database"))


@dataclass(frozen=True)
class LoginResult(BackendModel):
    """A successful login: the customer and their signed identity token.

    Attributes:
        customer_id: The authenticated customer.
        token: JWT (HS256) proving the identity; kept out of repr().
        expires_at: When the token expires.
    """

    customer_id: str
    token: str = field(repr=False)
    expires_at: dt.datetime

    @classmethod
    def from_reader(cls, reader: JsonReader) -> LoginResult:
        """Parses the login payload."""
        return cls(
            customer_id=reader.text("customer_id"),
            token=reader.text("token"),
            expires_at=reader.timestamp("expires_at"),
        )


@dataclass(frozen=True)
class Customer(BackendModel):
    """The verified customer."""

    id: str
    name: str
    email: str
    language: str
    currency: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Customer:
        """Parses a customer."""
        return cls(
            id=reader.text("id"),
            name=reader.text("name"),
            email=reader.text("email"),
            language=reader.text("language"),
            currency=reader.text("currency"),
        )


@dataclass(frozen=True)
class Balance(BackendModel):
    """What the customer owes across all open payment plans."""

    outstanding: Money
    overdue: Money
    late_fees: Money
    open_plans: int
    next_due_date: dt.date | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Balance:
        """Parses a balance."""
        return cls(
            outstanding=Money.from_reader(reader.child("outstanding")),
            overdue=Money.from_reader(reader.child("overdue")),
            late_fees=Money.from_reader(reader.child("late_fees")),
            open_plans=reader.integer("open_plans"),
            next_due_date=reader.optional_date("next_due_date"),
        )


@dataclass(frozen=True)
class Instalment(BackendModel):
    """One instalment of a payment plan.

    Attributes:
        sequence: Position in the plan, 1-based (`sequence` of `count`).
        status: `due`, `overdue` or `paid`.
    """

    id: str
    plan_id: str
    order_id: str
    merchant_name: str
    sequence: int
    count: int
    due_date: dt.date
    amount: Money
    late_fee: Money
    status: str
    extensions_used: int

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Instalment:
        """Parses an instalment."""
        return cls(
            id=reader.text("id"),
            plan_id=reader.text("plan_id"),
            order_id=reader.text("order_id"),
            merchant_name=reader.text("merchant_name"),
            sequence=reader.integer("sequence"),
            count=reader.integer("count"),
            due_date=reader.date("due_date"),
            amount=Money.from_reader(reader.child("amount")),
            late_fee=Money.from_reader(reader.child("late_fee")),
            status=reader.text("status"),
            extensions_used=reader.integer("extensions_used"),
        )


@dataclass(frozen=True)
class ExtensionOption(BackendModel):
    """One way to push a due date back."""

    days: int
    new_due_date: dt.date
    fee: Money

    @classmethod
    def from_reader(cls, reader: JsonReader) -> ExtensionOption:
        """Parses an extension option."""
        return cls(
            days=reader.integer("days"),
            new_due_date=reader.date("new_due_date"),
            fee=Money.from_reader(reader.child("fee")),
        )


@dataclass(frozen=True)
class ExtensionOptions(BackendModel):
    """Whether an instalment can be extended, and how.

    Attributes:
        reason_code: Why not, when `allowed` is false (machine-readable).
        reason: Why not, in English.
    """

    instalment_id: str
    allowed: bool
    reason_code: str | None
    reason: str | None
    options: tuple[ExtensionOption, ...]
    max_extensions: int
    extensions_used: int

    @classmethod
    def from_reader(cls, reader: JsonReader) -> ExtensionOptions:
        """Parses extension options."""
        return cls(
            instalment_id=reader.text("instalment_id"),
            allowed=reader.flag("allowed"),
            reason_code=reader.optional_text("reason_code"),
            reason=reader.optional_text("reason"),
            options=tuple(ExtensionOption.from_reader(item) for item in reader.children("options")),
            max_extensions=reader.integer("max_extensions"),
            extensions_used=reader.integer("extensions_used"),
        )


@dataclass(frozen=True)
class Extension(BackendModel):
    """A granted due-date extension."""

    id: str
    instalment_id: str
    days: int
    old_due_date: dt.date
    new_due_date: dt.date
    fee: Money

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Extension:
        """Parses an extension."""
        return cls(
            id=reader.text("id"),
            instalment_id=reader.text("instalment_id"),
            days=reader.integer("days"),
            old_due_date=reader.date("old_due_date"),
            new_due_date=reader.date("new_due_date"),
            fee=Money.from_reader(reader.child("fee")),
        )


@dataclass(frozen=True)
class PaymentMethodRef(BackendModel):
    """The masked payment method a payment used (never a full card number)."""

    brand: str | None
    last4: str | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> PaymentMethodRef:
        """Parses a payment method reference."""
        return cls(brand=reader.optional_text("brand"), last4=reader.optional_text("last4"))


@dataclass(frozen=True)
class Payment(BackendModel):
    """A payment attempt.

    Attributes:
        statement_descriptor: How the charge appears on the bank statement.
        status: `succeeded`, `declined` or `refunded`.
        decline_reason: Machine-readable decline reason of a declined payment.
        decline_message: English decline explanation of a declined payment.
    """

    id: str
    order_id: str
    merchant_name: str
    statement_descriptor: str | None
    amount: Money
    status: str
    decline_reason: str | None
    decline_message: str | None
    method: PaymentMethodRef | None
    created_at: dt.datetime
    receipt_number: str | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Payment:
        """Parses a payment."""
        method = reader.optional_child("method")
        return cls(
            id=reader.text("id"),
            order_id=reader.text("order_id"),
            merchant_name=reader.text("merchant_name"),
            statement_descriptor=reader.optional_text("statement_descriptor"),
            amount=Money.from_reader(reader.child("amount")),
            status=reader.text("status"),
            decline_reason=reader.optional_text("decline_reason"),
            decline_message=reader.optional_text("decline_message"),
            method=None if method is None else PaymentMethodRef.from_reader(method),
            created_at=reader.timestamp("created_at"),
            receipt_number=reader.optional_text("receipt_number"),
        )


@dataclass(frozen=True)
class DuplicateCharge(BackendModel):
    """Two succeeded payments of the same amount for the same order within 24 h."""

    original: Payment
    duplicate: Payment

    @classmethod
    def from_reader(cls, reader: JsonReader) -> DuplicateCharge:
        """Parses a duplicate charge."""
        return cls(
            original=Payment.from_reader(reader.child("original")),
            duplicate=Payment.from_reader(reader.child("duplicate")),
        )


@dataclass(frozen=True)
class Dispute(BackendModel):
    """A disputed payment.

    Attributes:
        reason: `unrecognized` or `fraud`.
    """

    id: str
    payment_id: str
    reason: str
    status: str
    created_at: dt.datetime

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Dispute:
        """Parses a dispute."""
        return cls(
            id=reader.text("id"),
            payment_id=reader.text("payment_id"),
            reason=reader.text("reason"),
            status=reader.text("status"),
            created_at=reader.timestamp("created_at"),
        )


@dataclass(frozen=True)
class MerchantRef(BackendModel):
    """The merchant an order was placed with."""

    id: str
    name: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> MerchantRef:
        """Parses a merchant reference."""
        return cls(id=reader.text("id"), name=reader.text("name"))


@dataclass(frozen=True)
class OrderItem(BackendModel):
    """One line of an order."""

    name: str
    quantity: int
    unit_price: Money

    @classmethod
    def from_reader(cls, reader: JsonReader) -> OrderItem:
        """Parses an order line."""
        return cls(
            name=reader.text("name"),
            quantity=reader.integer("quantity"),
            unit_price=Money.from_reader(reader.child("unit_price")),
        )


@dataclass(frozen=True)
class Order(BackendModel):
    """An order paid with the company's plans.

    Attributes:
        id: Canonical reference, like `KL-482913`.
        status: `placed`, `shipped`, `delivered`, `cancelled` or `returned`.
        refunded: Sum of the refunds not rejected.
        refundable: What can still be refunded (total - refunded).
        return_status: Status of a reported return, if any.
        payments_paused_until: Instalments are paused until then (open return).
    """

    id: str
    merchant: MerchantRef
    status: str
    items: tuple[OrderItem, ...]
    total: Money
    refunded: Money
    refundable: Money
    created_at: dt.datetime
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    return_status: str | None
    payments_paused_until: dt.date | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Order:
        """Parses an order."""
        return cls(
            id=reader.text("id"),
            merchant=MerchantRef.from_reader(reader.child("merchant")),
            status=reader.text("status"),
            items=tuple(OrderItem.from_reader(item) for item in reader.children("items")),
            total=Money.from_reader(reader.child("total")),
            refunded=Money.from_reader(reader.child("refunded")),
            refundable=Money.from_reader(reader.child("refundable")),
            created_at=reader.timestamp("created_at"),
            shipped_at=reader.optional_timestamp("shipped_at"),
            delivered_at=reader.optional_timestamp("delivered_at"),
            return_status=reader.optional_text("return_status"),
            payments_paused_until=reader.optional_date("payments_paused_until"),
        )


@dataclass(frozen=True)
class RefundEligibility(BackendModel):
    """Whether (and how much of) an order can be refunded now.

    Attributes:
        reason_code: Why not, when not eligible (the refund rule's error code).
        window_ends: Last day of the merchant's refund window, once delivered.
    """

    order_id: str
    eligible: bool
    refundable: Money
    reason_code: str | None
    reason: str | None
    window_days: int
    window_ends: dt.date | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> RefundEligibility:
        """Parses a refund eligibility."""
        return cls(
            order_id=reader.text("order_id"),
            eligible=reader.flag("eligible"),
            refundable=Money.from_reader(reader.child("refundable")),
            reason_code=reader.optional_text("reason_code"),
            reason=reader.optional_text("reason"),
            window_days=reader.integer("window_days"),
            window_ends=reader.optional_date("window_ends"),
        )


@dataclass(frozen=True)
class Refund(BackendModel):
    """A refund.

    Attributes:
        status: `pending`, `processing`, `completed` or `rejected`.
        expected_by: Date the money should be back.
    """

    id: str
    order_id: str
    amount: Money
    status: str
    reason: str | None
    created_at: dt.datetime
    expected_by: dt.date
    completed_at: dt.datetime | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Refund:
        """Parses a refund."""
        return cls(
            id=reader.text("id"),
            order_id=reader.text("order_id"),
            amount=Money.from_reader(reader.child("amount")),
            status=reader.text("status"),
            reason=reader.optional_text("reason"),
            created_at=reader.timestamp("created_at"),
            expected_by=reader.date("expected_by"),
            completed_at=reader.optional_timestamp("completed_at"),
        )


@dataclass(frozen=True)
class Return(BackendModel):
    """A reported return; the order's instalments are paused meanwhile."""

    id: str
    order_id: str
    status: str
    created_at: dt.datetime
    payments_paused_until: dt.date | None

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Return:
        """Parses a return."""
        return cls(
            id=reader.text("id"),
            order_id=reader.text("order_id"),
            status=reader.text("status"),
            created_at=reader.timestamp("created_at"),
            payments_paused_until=reader.optional_date("payments_paused_until"),
        )


@dataclass(frozen=True)
class Fee(BackendModel):
    """A fee charged to the customer.

    Attributes:
        kind: `late_fee` or `extension_fee`.
        explanation: English explanation of why it was charged.
    """

    id: str
    kind: str
    amount: Money
    order_id: str | None
    instalment_id: str | None
    charged_on: dt.date
    explanation: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Fee:
        """Parses a fee."""
        return cls(
            id=reader.text("id"),
            kind=reader.text("kind"),
            amount=Money.from_reader(reader.child("amount")),
            order_id=reader.optional_text("order_id"),
            instalment_id=reader.optional_text("instalment_id"),
            charged_on=reader.date("charged_on"),
            explanation=reader.text("explanation"),
        )


@dataclass(frozen=True)
class Invoice(BackendModel):
    """An invoice of an order."""

    id: str
    number: str
    order_id: str
    merchant_name: str
    amount: Money
    issued_on: dt.date
    url: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Invoice:
        """Parses an invoice."""
        return cls(
            id=reader.text("id"),
            number=reader.text("number"),
            order_id=reader.text("order_id"),
            merchant_name=reader.text("merchant_name"),
            amount=Money.from_reader(reader.child("amount")),
            issued_on=reader.date("issued_on"),
            url=reader.text("url"),
        )


@dataclass(frozen=True)
class PaymentMethod(BackendModel):
    """A stored payment method, masked.

    Attributes:
        kind: `card` or `bank_account`.
        expires: Card expiry as sent by the backend (for example `04/27`), if any.
    """

    id: str
    kind: str
    brand: str | None
    last4: str | None
    expires: str | None
    is_default: bool

    @classmethod
    def from_reader(cls, reader: JsonReader) -> PaymentMethod:
        """Parses a payment method."""
        return cls(
            id=reader.text("id"),
            kind=reader.text("kind"),
            brand=reader.optional_text("brand"),
            last4=reader.optional_text("last4"),
            expires=reader.optional_text("expires"),
            is_default=reader.flag("is_default"),
        )


@dataclass(frozen=True)
class UpdateLink(BackendModel):
    """A single-use secure page to change the payment method (cards never enter chat)."""

    url: str
    expires_at: dt.datetime

    @classmethod
    def from_reader(cls, reader: JsonReader) -> UpdateLink:
        """Parses an update link."""
        return cls(url=reader.text("url"), expires_at=reader.timestamp("expires_at"))


@dataclass(frozen=True)
class SupportedPaymentMethod(BackendModel):
    """A payment method kind customers can use."""

    kind: str
    name: str
    description: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> SupportedPaymentMethod:
        """Parses a supported payment method."""
        return cls(
            kind=reader.text("kind"),
            name=reader.text("name"),
            description=reader.text("description"),
        )


@dataclass(frozen=True)
class Merchant(BackendModel):
    """A merchant of the public catalogue."""

    id: str
    name: str

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Merchant:
        """Parses a merchant."""
        return cls(id=reader.text("id"), name=reader.text("name"))


@dataclass(frozen=True)
class RefundPolicy(BackendModel):
    """A merchant's refund policy.

    Attributes:
        window_days: Days after delivery during which refunds are accepted.
        conditions: English conditions of the policy.
        refund_days: Days until a refund's money is back.
    """

    merchant_id: str
    merchant_name: str
    window_days: int
    conditions: str
    refund_days: int

    @classmethod
    def from_reader(cls, reader: JsonReader) -> RefundPolicy:
        """Parses a refund policy."""
        return cls(
            merchant_id=reader.text("merchant_id"),
            merchant_name=reader.text("merchant_name"),
            window_days=reader.integer("window_days"),
            conditions=reader.text("conditions"),
            refund_days=reader.integer("refund_days"),
        )


@dataclass(frozen=True)
class FeePolicy(BackendModel):
    """The public fee schedule."""

    late_fee: Money
    late_fee_grace_days: int
    extension_fee: Money

    @classmethod
    def from_reader(cls, reader: JsonReader) -> FeePolicy:
        """Parses the fee policy."""
        return cls(
            late_fee=Money.from_reader(reader.child("late_fee")),
            late_fee_grace_days=reader.integer("late_fee_grace_days"),
            extension_fee=Money.from_reader(reader.child("extension_fee")),
        )


@dataclass(frozen=True)
class ExtensionPolicy(BackendModel):
    """The public due-date extension rules."""

    allowed_days: tuple[int, ...]
    max_extensions_per_plan: int
    fee: Money

    @classmethod
    def from_reader(cls, reader: JsonReader) -> ExtensionPolicy:
        """Parses the extension policy."""
        days = reader.items("allowed_days")
        if not all(isinstance(day, int) and not isinstance(day, bool) for day in days):
            raise reader.fail("'allowed_days' must be a list of integers.")
        return cls(
            allowed_days=tuple(days),
            max_extensions_per_plan=reader.integer("max_extensions_per_plan"),
            fee=Money.from_reader(reader.child("fee")),
        )


@dataclass(frozen=True)
class OutboundMessage(BackendModel):
    """A message the backend "sent", read from its development outbox.

    Attributes:
        id: Increasing number; newer messages have larger ids.
        channel: `email`.
        body: The text; may hold a one-time code, so kept out of repr().
    """

    id: int
    channel: str
    recipient: str
    subject: str
    body: str = field(repr=False)
    created_at: dt.datetime

    @classmethod
    def from_reader(cls, reader: JsonReader) -> OutboundMessage:
        """Parses an outbox message."""
        return cls(
            id=reader.integer("id"),
            channel=reader.text("channel"),
            recipient=reader.text("recipient"),
            subject=reader.text("subject"),
            body=reader.text("body"),
            created_at=reader.timestamp("created_at"),
        )

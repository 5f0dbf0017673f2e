"""Pydantic models of the HTTP contract (docs/backend-api.md).

Money travels as ``{"amount": "12.50", "currency": "EUR"}``: a decimal string with
exactly two decimals and an ISO 4217 code, never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from payments_backend.money import format_amount, is_currency_code, parse_amount

InstalmentStatus = Literal["due", "overdue", "paid", "cancelled"]
OrderStatus = Literal["placed", "shipped", "delivered", "cancelled", "returned"]
PaymentStatus = Literal["succeeded", "declined", "refunded"]
RefundStatus = Literal["pending", "processing", "completed", "rejected"]
DisputeReason = Literal["unrecognized", "fraud"]


def _amount_text(value: Any) -> str:
    """Accept only a plain decimal string with at most two decimals."""
    if not isinstance(value, str):
        raise PydanticCustomError(
            "invalid_amount", 'The amount must be a decimal string such as "12.50".'
        )
    try:
        return format_amount(parse_amount(value))
    except ValueError:
        raise PydanticCustomError(
            "invalid_amount",
            'The amount must be a plain decimal with at most 2 decimals, e.g. "12.50".',
        ) from None


def _currency_code(value: Any) -> str:
    """Accept an ISO 4217 code (case-insensitive), returned upper case."""
    if not isinstance(value, str) or not is_currency_code(value.strip().upper()):
        raise PydanticCustomError(
            "unknown_currency", 'The currency must be an ISO 4217 code such as "EUR".'
        )
    return value.strip().upper()


AmountText = Annotated[
    str,
    BeforeValidator(_amount_text),
    Field(examples=["12.50"], description="Decimal string, at most 2 decimals."),
]
CurrencyCode = Annotated[
    str, BeforeValidator(_currency_code), Field(examples=["EUR"], description="ISO 4217")
]


class ApiModel(BaseModel):
    """Base of response models."""

    model_config = ConfigDict(from_attributes=True)


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Money(ApiModel):
    """An amount of money."""

    amount: str = Field(examples=["12.50"], pattern=r"^-?\d+\.\d{2}$")
    currency: str = Field(examples=["EUR"], min_length=3, max_length=3)

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """Build Money from a Decimal, rendered with exactly two decimals."""
        return cls(amount=format_amount(amount), currency=currency)


# ------------------------------------------------------------------- service


class Health(ApiModel):
    """Health of the service and its database."""

    status: str
    database: str


class ErrorDetail(ApiModel):
    """The error inside the envelope."""

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(ApiModel):
    """Every error response: ``{"error": {code, message, details}}``."""

    error: ErrorDetail


# ---------------------------------------------------------------- identity


class LoginRequest(RequestModel):
    """Customer credentials."""

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(ApiModel):
    """A verified customer and the identity token for the channel."""

    customer_id: str
    token: str
    expires_at: datetime


class VerificationRequest(RequestModel):
    """Ask for a one-time code by e-mail."""

    email: str = Field(min_length=3, max_length=254)


class VerificationStarted(ApiModel):
    """The same answer whether or not the e-mail belongs to a customer."""

    status: Literal["sent"] = "sent"
    expires_in_seconds: int


class VerificationConfirm(RequestModel):
    """The e-mail and the one-time code the visitor received."""

    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=20, examples=["042917"])


class OutboundMessage(ApiModel):
    """A message in the development outbox."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: datetime


class Customer(ApiModel):
    """The customer's profile."""

    id: str
    name: str
    email: str
    language: str
    currency: str


class Balance(ApiModel):
    """What the customer owes."""

    outstanding: Money
    overdue: Money
    late_fees: Money
    open_plans: int
    next_due_date: date | None


# ------------------------------------------------------------- instalments


class Instalment(ApiModel):
    """One scheduled payment of a plan."""

    id: str
    plan_id: str
    order_id: str
    merchant_name: str
    sequence: int
    count: int
    due_date: date
    amount: Money
    late_fee: Money
    status: InstalmentStatus
    extensions_used: int = Field(description="Extensions used on this instalment's plan.")


class ExtensionOption(ApiModel):
    """One way to extend a due date."""

    days: int
    new_due_date: date
    fee: Money


class ExtensionOptions(ApiModel):
    """Whether and how an instalment's due date can be extended."""

    instalment_id: str
    allowed: bool
    reason_code: str | None
    reason: str | None
    options: list[ExtensionOption]
    max_extensions: int
    extensions_used: int


class ExtensionCreate(RequestModel):
    """Extension request."""

    days: int = Field(strict=True, examples=[7])


class Extension(ApiModel):
    """A granted due-date extension."""

    id: str
    instalment_id: str
    days: int
    old_due_date: date
    new_due_date: date
    fee: Money


# ---------------------------------------------------------------- payments


class PaymentCreate(RequestModel):
    """Pay an instalment (plus its late fee) with the default payment method."""

    instalment_id: str = Field(min_length=1, max_length=40)


class MethodRef(ApiModel):
    """The payment method a charge used, without any card number."""

    brand: str
    last4: str


class Payment(ApiModel):
    """A charge."""

    id: str
    order_id: str
    merchant_name: str
    statement_descriptor: str = Field(
        description="How the charge appears on the customer's bank statement."
    )
    amount: Money
    status: PaymentStatus
    decline_reason: str | None
    decline_message: str | None
    method: MethodRef
    created_at: datetime
    receipt_number: str | None


class DuplicateCharge(ApiModel):
    """A charge taken twice."""

    original: Payment
    duplicate: Payment


class DisputeCreate(RequestModel):
    """Dispute a charge."""

    payment_id: str = Field(min_length=1, max_length=40)
    reason: DisputeReason


class Dispute(ApiModel):
    """A disputed charge."""

    id: str
    payment_id: str
    reason: DisputeReason
    status: str
    created_at: datetime


# ------------------------------------------------------------------ orders


class MerchantRef(ApiModel):
    """Merchant of an order."""

    id: str
    name: str


class OrderItem(ApiModel):
    """One line of an order."""

    name: str
    quantity: int
    unit_price: Money


class Order(ApiModel):
    """An order and what can still be refunded."""

    id: str
    merchant: MerchantRef
    status: OrderStatus
    items: list[OrderItem]
    total: Money
    refunded: Money
    refundable: Money
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    return_status: str | None
    payments_paused_until: date | None


class RefundEligibility(ApiModel):
    """Whether a refund can be requested for an order now."""

    order_id: str
    eligible: bool
    refundable: Money
    reason_code: str | None
    reason: str | None
    window_days: int
    window_ends: date | None


class RefundCreate(RequestModel):
    """Refund request for an order."""

    order_id: str = Field(min_length=1, max_length=40, examples=["KL-482913"])
    amount: AmountText
    currency: CurrencyCode
    reason: str = Field(min_length=1, max_length=500)

    @property
    def amount_decimal(self) -> Decimal:
        """The requested amount as a Decimal."""
        return Decimal(self.amount)


class Refund(ApiModel):
    """A refund."""

    id: str
    order_id: str
    amount: Money
    status: RefundStatus
    reason: str
    created_at: datetime
    expected_by: date
    completed_at: datetime | None


class ReturnCreate(RequestModel):
    """Report a return."""

    reason: str = Field(min_length=1, max_length=500)


class Return(ApiModel):
    """A reported return."""

    id: str
    order_id: str
    status: str
    created_at: datetime
    payments_paused_until: date


# ------------------------------------------------------ fees and documents


class Fee(ApiModel):
    """A fee charged to the customer."""

    id: str
    kind: Literal["late_fee", "extension_fee"]
    amount: Money
    order_id: str
    instalment_id: str
    charged_on: date
    explanation: str


class Invoice(ApiModel):
    """An order's invoice."""

    id: str
    number: str
    order_id: str
    merchant_name: str
    amount: Money
    issued_on: date
    url: str


class PaymentMethod(ApiModel):
    """A stored payment method (brand and last four digits only)."""

    id: str
    kind: Literal["card", "bank_account"]
    brand: str
    last4: str
    expires: str | None
    is_default: bool


class UpdateLink(ApiModel):
    """A single-use link to the secure page for changing the payment method."""

    url: str
    expires_at: datetime


class SupportedMethod(ApiModel):
    """A payment method kind customers can add."""

    kind: str
    name: str
    description: str


# ------------------------------------------------------- merchants, policies


class Merchant(ApiModel):
    """A merchant."""

    id: str
    name: str


class RefundPolicy(ApiModel):
    """A merchant's refund policy."""

    merchant_id: str
    merchant_name: str
    window_days: int
    conditions: str
    refund_days: int


class FeePolicy(ApiModel):
    """Late and extension fees."""

    late_fee: Money
    late_fee_grace_days: int
    extension_fee: Money


class ExtensionPolicy(ApiModel):
    """How due dates can be extended."""

    allowed_days: list[int]
    max_extensions_per_plan: int
    fee: Money

"""SQLAlchemy models. Money is stored as integer minor units (cents) plus an ISO code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service_kit.columns import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class Customer(Base):
    """A shopper with an account."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))


class Merchant(Base):
    """A shop, with its refund policy and the name shown on bank statements."""

    __tablename__ = "merchants"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    statement_descriptor: Mapped[str] = mapped_column(String(40))
    window_days: Mapped[int] = mapped_column(Integer)
    refund_days: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[str] = mapped_column(Text)


class PaymentMethod(Base):
    """A stored payment method: brand and last four digits only, never the number."""

    __tablename__ = "payment_methods"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str] = mapped_column(String(40))
    last4: Mapped[str] = mapped_column(String(4))
    expires: Mapped[str | None] = mapped_column(String(7), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reference-service stand-in for the issuer: a decline this method always gets.
    simulated_decline: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Order(Base):
    """A purchase at a merchant, financed by one payment plan."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payments_paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)

    merchant: Mapped[Merchant] = relationship(lazy="joined")
    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.position", cascade="all, delete-orphan"
    )
    refunds: Mapped[list[Refund]] = relationship(viewonly=True)
    returns: Mapped[list[Return]] = relationship(viewonly=True)


class OrderItem(Base):
    """One line of an order."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)


class PaymentPlan(Base):
    """How an order is paid: a number of instalments."""

    __tablename__ = "payment_plans"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    instalment_count: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(lazy="joined")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="plan", order_by="Instalment.sequence"
    )
    extensions: Mapped[list[Extension]] = relationship(viewonly=True)


class Instalment(Base):
    """One scheduled payment of a plan.

    ``state`` is what is stored (unpaid, paid, cancelled); the public status
    (due, overdue, paid, cancelled) is derived from it and the date.
    """

    __tablename__ = "instalments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    plan: Mapped[PaymentPlan] = relationship(back_populates="instalments", lazy="joined")


class Extension(Base):
    """A due-date extension of an instalment; its fee is added to the instalment."""

    __tablename__ = "extensions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    instalment_id: Mapped[str] = mapped_column(ForeignKey("instalments.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    old_due_date: Mapped[date] = mapped_column(Date)
    new_due_date: Mapped[date] = mapped_column(Date)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """A charge attempt on a payment method (succeeded, declined or refunded)."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    instalment_id: Mapped[str | None] = mapped_column(ForeignKey("instalments.id"), nullable=True)
    method_id: Mapped[str] = mapped_column(ForeignKey("payment_methods.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    decline_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decline_message: Mapped[str | None] = mapped_column(String(300), nullable=True)
    receipt_number: Mapped[str | None] = mapped_column(String(24), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(lazy="joined")
    method: Mapped[PaymentMethod] = relationship(lazy="joined")


class Refund(Base):
    """Money going back to the customer.

    ``kind`` tells why: ``order`` (a refund request on an order), ``cancellation``
    (a cancelled order's paid instalments) or ``duplicate_charge``.
    """

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_by: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Dispute(Base):
    """A customer's dispute of a charge; at most one per payment."""

    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Return(Base):
    """A return reported by the customer; at most one per order."""

    __tablename__ = "returns"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payments_paused_until: Mapped[date] = mapped_column(Date)


class Invoice(Base):
    """The invoice of an order."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date] = mapped_column(Date)

    order: Mapped[Order] = relationship(lazy="joined")


class PaymentMethodLink(Base):
    """A single-use link to the secure page where a customer changes a card.

    Only a hash of the token is kept, so a database leak yields no usable link.
    """

    __tablename__ = "payment_method_links"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class VerificationCode(Base):
    """A one-time code e-mailed to verify an anonymous visitor.

    Only a keyed hash of the code is kept. A request for an e-mail that belongs to
    no customer stores a decoy (no customer, a hash no code matches), so rate limits,
    wrong-code answers and attempts behave the same whether the account exists or not.
    ``state`` is ``pending``, ``replaced`` (a newer code was requested) or ``used``.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_email_created_at", "email", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id"), nullable=True, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboundMessage(Base):
    """A message the service sent, kept in an outbox (a mailer would deliver it)."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """A POST seen with an Idempotency-Key: its fingerprint and stored response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Turn stored rows into the contract's response models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from payments_backend import models, rules, schemas
from payments_backend.money import from_minor
from payments_backend.policies import Policies


def money(minor: int, currency: str) -> schemas.Money:
    """Money from stored minor units."""
    return schemas.Money.of(from_minor(minor), currency)


def instalment(
    row: models.Instalment, extensions_used: int, today: date, policies: Policies
) -> schemas.Instalment:
    """Present an instalment with its derived status and late fee."""
    plan = row.plan
    paid_on = row.paid_at.date() if row.paid_at else None
    fee = rules.late_fee(row.state, row.due_date, paid_on, today, policies)
    return schemas.Instalment(
        id=row.id,
        plan_id=plan.id,
        order_id=plan.order_id,
        merchant_name=plan.order.merchant.name,
        sequence=row.sequence,
        count=plan.instalment_count,
        due_date=row.due_date,
        amount=money(row.amount_minor, row.currency),
        late_fee=schemas.Money.of(fee, row.currency),
        status=rules.instalment_status(row.state, row.due_date, today),
        extensions_used=extensions_used,
    )


def extension(row: models.Extension) -> schemas.Extension:
    """Present a granted extension."""
    return schemas.Extension(
        id=row.id,
        instalment_id=row.instalment_id,
        days=row.days,
        old_due_date=row.old_due_date,
        new_due_date=row.new_due_date,
        fee=money(row.fee_minor, row.currency),
    )


def payment(row: models.Payment) -> schemas.Payment:
    """Present a charge (brand and last four digits of the method only)."""
    return schemas.Payment(
        id=row.id,
        order_id=row.order_id,
        merchant_name=row.order.merchant.name,
        statement_descriptor=row.order.merchant.statement_descriptor,
        amount=money(row.amount_minor, row.currency),
        status=row.status,
        decline_reason=row.decline_reason,
        decline_message=row.decline_message,
        method=schemas.MethodRef(brand=row.method.brand, last4=row.method.last4),
        created_at=row.created_at,
        receipt_number=row.receipt_number,
    )


def order(row: models.Order, refunded: Decimal, return_status: str | None) -> schemas.Order:
    """Present an order with its refunded and refundable amounts."""
    total = from_minor(row.total_minor)
    return schemas.Order(
        id=row.id,
        merchant=schemas.MerchantRef(id=row.merchant.id, name=row.merchant.name),
        status=row.status,
        items=[
            schemas.OrderItem(
                name=item.name,
                quantity=item.quantity,
                unit_price=money(item.unit_price_minor, row.currency),
            )
            for item in row.items
        ],
        total=schemas.Money.of(total, row.currency),
        refunded=schemas.Money.of(refunded, row.currency),
        refundable=schemas.Money.of(
            rules.refundable_amount(row.status, total, refunded), row.currency
        ),
        created_at=row.created_at,
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
        return_status=return_status,
        payments_paused_until=row.payments_paused_until,
    )


def refund(row: models.Refund) -> schemas.Refund:
    """Present a refund."""
    return schemas.Refund(
        id=row.id,
        order_id=row.order_id,
        amount=money(row.amount_minor, row.currency),
        status=row.status,
        reason=row.reason,
        created_at=row.created_at,
        expected_by=row.expected_by,
        completed_at=row.completed_at,
    )


def return_(row: models.Return) -> schemas.Return:
    """Present a reported return."""
    return schemas.Return(
        id=row.id,
        order_id=row.order_id,
        status=row.status,
        created_at=row.created_at,
        payments_paused_until=row.payments_paused_until,
    )


def dispute(row: models.Dispute) -> schemas.Dispute:
    """Present a dispute."""
    return schemas.Dispute(
        id=row.id,
        payment_id=row.payment_id,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
    )


def invoice(row: models.Invoice, pages_base_url: str) -> schemas.Invoice:
    """Present an invoice with the link to its document."""
    return schemas.Invoice(
        id=row.id,
        number=row.number,
        order_id=row.order_id,
        merchant_name=row.order.merchant.name,
        amount=money(row.amount_minor, row.currency),
        issued_on=row.issued_on,
        url=f"{pages_base_url}/invoices/{row.number}",
    )


def payment_method(row: models.PaymentMethod) -> schemas.PaymentMethod:
    """Present a stored payment method."""
    return schemas.PaymentMethod(
        id=row.id,
        kind=row.kind,
        brand=row.brand,
        last4=row.last4,
        expires=row.expires,
        is_default=row.is_default,
    )


def refund_policy(row: models.Merchant) -> schemas.RefundPolicy:
    """Present a merchant's refund policy."""
    return schemas.RefundPolicy(
        merchant_id=row.id,
        merchant_name=row.name,
        window_days=row.window_days,
        conditions=row.conditions,
        refund_days=row.refund_days,
    )

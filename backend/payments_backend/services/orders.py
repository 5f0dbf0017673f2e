"""Orders: lookup by what customers type, refund eligibility, cancel, returns."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from payments_backend import models, presenters, rules, schemas
from payments_backend.deps import CustomerContext
from payments_backend.errors import ApiError, not_found
from payments_backend.ids import new_id
from payments_backend.money import from_minor
from payments_backend.references import normalize_order_reference
from payments_backend.services.common import lock_row, rule_error

# Refunds that count against what an order can still refund.
ORDER_REFUND_KINDS = ("order", "cancellation")


def canonical_order_id(reference: str, status_code: int = 400) -> str:
    """Resolve a typed order reference or fail with ``invalid_order_reference``.

    Args:
        reference: What the customer typed (``#482913``, ``kl482913`` ...).
        status_code: 400 for a path/query value, 422 for a body field.

    Returns:
        The canonical id, e.g. ``KL-482913``.
    """
    order_id = normalize_order_reference(reference)
    if order_id is None:
        raise ApiError(
            status_code,
            "invalid_order_reference",
            "Order references look like KL-482913 (or just the 6 digits).",
            {"reference": reference},
        )
    return order_id


def load_order(ctx: CustomerContext, reference: str, status_code: int = 400) -> models.Order:
    """Load one of the customer's orders.

    Args:
        ctx: Request context.
        reference: Typed order reference.
        status_code: Status for an unreadable reference.

    Returns:
        The order.

    Raises:
        ApiError: ``invalid_order_reference``, or 404 (also for other customers' orders).
    """
    order_id = canonical_order_id(reference, status_code)
    order = ctx.session.scalar(
        select(models.Order).where(
            models.Order.id == order_id, models.Order.customer_id == ctx.customer.id
        )
    )
    if order is None:
        raise not_found("order", order_id)
    return order


def refunded_total(ctx: CustomerContext, order_id: str) -> Decimal:
    """Sum of the order's refunds (and cancellation refunds) that were not rejected."""
    minor = ctx.session.scalar(
        select(func.coalesce(func.sum(models.Refund.amount_minor), 0)).where(
            models.Refund.order_id == order_id,
            models.Refund.kind.in_(ORDER_REFUND_KINDS),
            models.Refund.status != "rejected",
        )
    )
    return from_minor(int(minor or 0))


def _return_status(ctx: CustomerContext, order_id: str) -> str | None:
    return ctx.session.scalar(
        select(models.Return.status).where(models.Return.order_id == order_id)
    )


def present(ctx: CustomerContext, order: models.Order) -> schemas.Order:
    """Present an order with its refund figures."""
    return presenters.order(order, refunded_total(ctx, order.id), _return_status(ctx, order.id))


def list_orders(ctx: CustomerContext, status: str | None, limit: int) -> list[schemas.Order]:
    """The customer's orders, newest first, optionally filtered by status."""
    query = select(models.Order).where(models.Order.customer_id == ctx.customer.id)
    if status is not None:
        query = query.where(models.Order.status == status)
    query = query.order_by(models.Order.created_at.desc(), models.Order.id.desc())
    return [present(ctx, order) for order in ctx.session.scalars(query.limit(limit))]


def eligibility(ctx: CustomerContext, order: models.Order) -> rules.RefundEligibility:
    """Apply the refund rules to an order today."""
    return rules.refund_eligibility(
        order_status=order.status,
        total=from_minor(order.total_minor),
        refunded=refunded_total(ctx, order.id),
        delivered_on=order.delivered_at.date() if order.delivered_at else None,
        window_days=order.merchant.window_days,
        today=ctx.today,
    )


def eligibility_view(ctx: CustomerContext, order: models.Order) -> schemas.RefundEligibility:
    """Present the refund eligibility of an order."""
    result = eligibility(ctx, order)
    return schemas.RefundEligibility(
        order_id=order.id,
        eligible=result.eligible,
        refundable=schemas.Money.of(result.refundable, order.currency),
        reason_code=result.reason_code,
        reason=result.reason,
        window_days=order.merchant.window_days,
        window_ends=result.window_ends,
    )


def _plan_instalments(ctx: CustomerContext, order_id: str) -> list[models.Instalment]:
    return list(
        ctx.session.scalars(
            select(models.Instalment)
            .join(models.PaymentPlan)
            .where(models.PaymentPlan.order_id == order_id)
            .order_by(models.Instalment.sequence)
        )
    )


def cancel(ctx: CustomerContext, order: models.Order) -> schemas.Order:
    """Cancel an order that has not shipped.

    Unpaid instalments are cancelled; every succeeded charge of the order is
    refunded (a ``cancellation`` refund, expected within the merchant's refund days).

    Raises:
        ApiError: 409 ``order_already_cancelled`` or ``order_already_shipped``.
    """
    lock_row(ctx.session, order)
    try:
        rules.check_cancellable(order.status)
    except rules.RuleViolation as violation:
        raise rule_error(violation, 409) from None
    now, today = ctx.now, ctx.today
    order.status = rules.ORDER_CANCELLED
    order.cancelled_at = now
    for instalment in _plan_instalments(ctx, order.id):
        if instalment.state == rules.UNPAID:
            instalment.state = rules.CANCELLED
    charges = ctx.session.scalars(
        select(models.Payment).where(
            models.Payment.order_id == order.id, models.Payment.status == rules.SUCCEEDED
        )
    )
    for charge in charges:
        charge.status = rules.REFUNDED
        ctx.session.add(
            models.Refund(
                id=new_id("RF"),
                customer_id=ctx.customer.id,
                order_id=order.id,
                payment_id=charge.id,
                kind="cancellation",
                amount_minor=charge.amount_minor,
                currency=charge.currency,
                status="pending",
                reason="Order cancelled before shipping",
                created_at=now,
                expected_by=rules.refund_expected_by(today, order.merchant.refund_days),
            )
        )
    ctx.session.flush()
    return present(ctx, order)


def report_return(ctx: CustomerContext, order: models.Order, reason: str) -> schemas.Return:
    """Register a return and pause the order's payments.

    Every unpaid instalment of the order is postponed by the pause length.

    Raises:
        ApiError: 409 ``return_exists``, 422 ``order_not_delivered``.
    """
    lock_row(ctx.session, order)
    try:
        rules.check_returnable(order.status, _return_status(ctx, order.id) is not None)
    except rules.RuleViolation as violation:
        raise rule_error(violation, 409 if violation.code == "return_exists" else 422) from None
    paused_until = rules.payments_paused_until(ctx.today, ctx.policies)
    row = models.Return(
        id=new_id("RT"),
        customer_id=ctx.customer.id,
        order_id=order.id,
        reason=reason,
        status="registered",
        created_at=ctx.now,
        payments_paused_until=paused_until,
    )
    ctx.session.add(row)
    order.payments_paused_until = paused_until
    for instalment in _plan_instalments(ctx, order.id):
        if instalment.state == rules.UNPAID:
            instalment.due_date = rules.postponed_due_date(instalment.due_date, ctx.policies)
    ctx.session.flush()
    return presenters.return_(row)

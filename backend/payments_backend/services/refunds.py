"""Refunds: requesting a refund on an order and following it up."""

from __future__ import annotations

from sqlalchemy import select

from payments_backend import models, presenters, rules, schemas
from payments_backend.deps import CustomerContext
from payments_backend.errors import not_found
from payments_backend.ids import new_id
from payments_backend.money import to_minor
from payments_backend.services import orders
from payments_backend.services.common import lock_row, rule_error


def request_refund(ctx: CustomerContext, body: schemas.RefundCreate) -> schemas.Refund:
    """Create a pending refund on a delivered order, within the merchant's rules.

    Raises:
        ApiError: 404, 422 ``invalid_order_reference`` and the refund rule codes.
    """
    order = orders.load_order(ctx, body.order_id, status_code=422)
    lock_row(ctx.session, order)
    amount = body.amount_decimal
    try:
        rules.check_refund_request(
            orders.eligibility(ctx, order), amount, body.currency, order.currency
        )
    except rules.RuleViolation as violation:
        raise rule_error(violation) from None
    refund = models.Refund(
        id=new_id("RF"),
        customer_id=ctx.customer.id,
        order_id=order.id,
        payment_id=None,
        kind="order",
        amount_minor=to_minor(amount),
        currency=order.currency,
        status="pending",
        reason=body.reason,
        created_at=ctx.now,
        expected_by=rules.refund_expected_by(ctx.today, order.merchant.refund_days),
    )
    ctx.session.add(refund)
    ctx.session.flush()
    return presenters.refund(refund)


def list_refunds(ctx: CustomerContext, order_reference: str | None) -> list[schemas.Refund]:
    """The customer's refunds, newest first, optionally for one order."""
    query = select(models.Refund).where(models.Refund.customer_id == ctx.customer.id)
    if order_reference is not None:
        query = query.where(models.Refund.order_id == orders.canonical_order_id(order_reference))
    query = query.order_by(models.Refund.created_at.desc(), models.Refund.id.desc())
    return [presenters.refund(row) for row in ctx.session.scalars(query)]


def get_refund(ctx: CustomerContext, refund_id: str) -> schemas.Refund:
    """One of the customer's refunds (404 for any other)."""
    row = ctx.session.scalar(
        select(models.Refund).where(
            models.Refund.id == refund_id, models.Refund.customer_id == ctx.customer.id
        )
    )
    if row is None:
        raise not_found("refund", refund_id)
    return presenters.refund(row)

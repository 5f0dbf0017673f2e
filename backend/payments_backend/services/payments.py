"""Payments: paying instalments, charge history, duplicates and disputes."""

from __future__ import annotations

from sqlalchemy import select

from payments_backend import models, presenters, rules, schemas
from payments_backend.deps import CustomerContext
from payments_backend.errors import ApiError, not_found
from payments_backend.ids import new_id
from payments_backend.money import from_minor, to_minor
from payments_backend.services.common import lock_row
from payments_backend.services.instalments import load_instalment


def _customer_payments(ctx: CustomerContext) -> list[models.Payment]:
    return list(
        ctx.session.scalars(
            select(models.Payment)
            .where(models.Payment.customer_id == ctx.customer.id)
            .order_by(models.Payment.created_at.desc(), models.Payment.id.desc())
        )
    )


def load_payment(ctx: CustomerContext, payment_id: str) -> models.Payment:
    """Load one of the customer's payments (404 for any other)."""
    row = ctx.session.scalar(
        select(models.Payment).where(
            models.Payment.id == payment_id,
            models.Payment.customer_id == ctx.customer.id,
        )
    )
    if row is None:
        raise not_found("payment", payment_id)
    return row


def get_payment(ctx: CustomerContext, payment_id: str) -> schemas.Payment:
    """One of the customer's payments."""
    return presenters.payment(load_payment(ctx, payment_id))


def list_payments(ctx: CustomerContext, status: str | None, limit: int) -> list[schemas.Payment]:
    """The customer's payments, newest first."""
    rows = [row for row in _customer_payments(ctx) if status is None or row.status == status]
    return [presenters.payment(row) for row in rows[:limit]]


def _default_method(ctx: CustomerContext) -> models.PaymentMethod | None:
    return ctx.session.scalar(
        select(models.PaymentMethod).where(
            models.PaymentMethod.customer_id == ctx.customer.id,
            models.PaymentMethod.is_default.is_(True),
        )
    )


def pay_instalment(ctx: CustomerContext, instalment_id: str) -> schemas.Payment:
    """Charge an instalment plus its late fee to the default payment method.

    A declined charge is stored (so it shows in the history) and answered with
    422 ``payment_declined``.

    Raises:
        ApiError: 404, 409 ``already_paid`` / ``instalment_cancelled``,
            422 ``no_payment_method`` / ``payment_declined``.
    """
    instalment = load_instalment(ctx, instalment_id)
    lock_row(ctx.session, instalment)
    if instalment.state == rules.PAID:
        raise ApiError(409, "already_paid", "This instalment is already paid.")
    if instalment.state == rules.CANCELLED:
        raise ApiError(409, "instalment_cancelled", "This instalment was cancelled.")
    method = _default_method(ctx)
    if method is None:
        raise ApiError(422, "no_payment_method", "There is no default payment method to charge.")
    now, today = ctx.now, ctx.today
    fee = rules.late_fee(instalment.state, instalment.due_date, None, today, ctx.policies)
    amount = from_minor(instalment.amount_minor) + fee
    reason = rules.decline_reason(method.expires, method.simulated_decline, today)
    payment = models.Payment(
        id=new_id("PAY"),
        customer_id=ctx.customer.id,
        order_id=instalment.plan.order_id,
        instalment_id=instalment.id,
        method_id=method.id,
        amount_minor=to_minor(amount),
        currency=instalment.currency,
        status=rules.DECLINED if reason else rules.SUCCEEDED,
        decline_reason=reason,
        decline_message=rules.decline_message(reason) if reason else None,
        receipt_number=None if reason else new_id("RCPT"),
        created_at=now,
    )
    ctx.session.add(payment)
    if reason:
        ctx.session.flush()
        raise ApiError(
            422,
            "payment_declined",
            "The payment was declined.",
            {
                "decline_reason": reason,
                "decline_message": payment.decline_message,
                "payment_id": payment.id,
            },
            keep_changes=True,
        )
    instalment.state = rules.PAID
    instalment.paid_at = now
    ctx.session.flush()
    ctx.session.refresh(payment)
    return presenters.payment(payment)


def _duplicate_pairs(ctx: CustomerContext) -> list[tuple[str, str]]:
    facts = [
        rules.ChargeFacts(
            id=row.id,
            order_id=row.order_id,
            instalment_id=row.instalment_id,
            amount=from_minor(row.amount_minor),
            currency=row.currency,
            status=row.status,
            created_at=row.created_at,
        )
        for row in _customer_payments(ctx)
    ]
    return rules.find_duplicate_charges(facts, ctx.policies.duplicate_window)


def duplicates(ctx: CustomerContext) -> list[schemas.DuplicateCharge]:
    """Charges taken twice and not yet refunded."""
    by_id = {row.id: row for row in _customer_payments(ctx)}
    return [
        schemas.DuplicateCharge(
            original=presenters.payment(by_id[original]),
            duplicate=presenters.payment(by_id[duplicate]),
        )
        for original, duplicate in _duplicate_pairs(ctx)
    ]


def refund_duplicate(ctx: CustomerContext, payment_id: str) -> schemas.Refund:
    """Refund a duplicate charge in full.

    Raises:
        ApiError: 404, 409 ``already_refunded``, 422 ``not_a_duplicate``.
    """
    payment = load_payment(ctx, payment_id)
    lock_row(ctx.session, payment)
    if payment.id not in {duplicate for _original, duplicate in _duplicate_pairs(ctx)}:
        if payment.status == rules.REFUNDED:
            raise ApiError(409, "already_refunded", "This charge was already refunded.")
        raise ApiError(
            422,
            "not_a_duplicate",
            "This charge is not a duplicate of another charge.",
        )
    now = ctx.now
    refund = models.Refund(
        id=new_id("RF"),
        customer_id=ctx.customer.id,
        order_id=payment.order_id,
        payment_id=payment.id,
        kind="duplicate_charge",
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        status="pending",
        reason="Duplicate charge",
        created_at=now,
        expected_by=rules.refund_expected_by(ctx.today, payment.order.merchant.refund_days),
    )
    payment.status = rules.REFUNDED
    ctx.session.add(refund)
    ctx.session.flush()
    return presenters.refund(refund)


def open_dispute(ctx: CustomerContext, payment_id: str, reason: str) -> schemas.Dispute:
    """Dispute a charge the customer does not recognise or calls fraud.

    Raises:
        ApiError: 404, 409 ``dispute_exists``, 422 ``payment_not_disputable``.
    """
    payment = load_payment(ctx, payment_id)
    existing = ctx.session.scalar(
        select(models.Dispute).where(models.Dispute.payment_id == payment.id)
    )
    if existing is not None:
        raise ApiError(
            409,
            "dispute_exists",
            "This charge is already disputed.",
            {"dispute_id": existing.id},
        )
    if payment.status == rules.DECLINED:
        raise ApiError(
            422,
            "payment_not_disputable",
            "A declined payment took no money, so there is nothing to dispute.",
        )
    dispute = models.Dispute(
        id=new_id("DSP"),
        customer_id=ctx.customer.id,
        payment_id=payment.id,
        reason=reason,
        status="open",
        created_at=ctx.now,
    )
    ctx.session.add(dispute)
    ctx.session.flush()
    return presenters.dispute(dispute)

"""Instalments: listing, the next one due, and due-date extensions."""

from __future__ import annotations

from sqlalchemy import func, select

from payments_backend import models, presenters, rules, schemas
from payments_backend.deps import CustomerContext
from payments_backend.errors import ApiError, not_found
from payments_backend.ids import new_id
from payments_backend.money import to_minor
from payments_backend.services.common import lock_row, rule_error


def customer_instalments(ctx: CustomerContext) -> list[models.Instalment]:
    """All instalments of the customer's plans, by due date."""
    return list(
        ctx.session.scalars(
            select(models.Instalment)
            .join(models.PaymentPlan)
            .where(models.PaymentPlan.customer_id == ctx.customer.id)
            .order_by(models.Instalment.due_date, models.Instalment.sequence, models.Instalment.id)
        )
    )


def extensions_used(ctx: CustomerContext, plan_ids: set[str]) -> dict[str, int]:
    """Number of extensions used per plan."""
    if not plan_ids:
        return {}
    rows = ctx.session.execute(
        select(models.Extension.plan_id, func.count(models.Extension.id))
        .where(models.Extension.plan_id.in_(plan_ids))
        .group_by(models.Extension.plan_id)
    )
    return {plan_id: int(count) for plan_id, count in rows}


def present_all(ctx: CustomerContext, rows: list[models.Instalment]) -> list[schemas.Instalment]:
    """Present instalments with their plan's extension counts."""
    used = extensions_used(ctx, {row.plan_id for row in rows})
    return [
        presenters.instalment(row, used.get(row.plan_id, 0), ctx.today, ctx.policies)
        for row in rows
    ]


def list_instalments(ctx: CustomerContext, status: str | None) -> list[schemas.Instalment]:
    """The customer's instalments sorted by due date; cancelled ones are left out.

    Args:
        ctx: Request context.
        status: Only this public status (due, overdue, paid), if given.

    Returns:
        The instalments.
    """
    views = present_all(ctx, customer_instalments(ctx))
    if status is not None:
        return [view for view in views if view.status == status]
    return [view for view in views if view.status != rules.CANCELLED]


def next_instalment(ctx: CustomerContext) -> schemas.Instalment:
    """The earliest unpaid instalment, overdue ones first.

    Raises:
        ApiError: 404 ``nothing_due`` when everything is paid.
    """
    unpaid = [
        view
        for view in present_all(ctx, customer_instalments(ctx))
        if view.status in (rules.DUE, rules.OVERDUE)
    ]
    if not unpaid:
        raise ApiError(404, "nothing_due", "There is nothing left to pay.")
    return min(unpaid, key=lambda view: (view.status != rules.OVERDUE, view.due_date))


def load_instalment(ctx: CustomerContext, instalment_id: str) -> models.Instalment:
    """Load one of the customer's instalments (404 for any other)."""
    row = ctx.session.scalar(
        select(models.Instalment)
        .join(models.PaymentPlan)
        .where(
            models.Instalment.id == instalment_id,
            models.PaymentPlan.customer_id == ctx.customer.id,
        )
    )
    if row is None:
        raise not_found("instalment", instalment_id)
    return row


def present(ctx: CustomerContext, row: models.Instalment) -> schemas.Instalment:
    """Present one instalment."""
    return present_all(ctx, [row])[0]


def _decision(ctx: CustomerContext, row: models.Instalment) -> tuple[rules.ExtensionDecision, int]:
    used = extensions_used(ctx, {row.plan_id}).get(row.plan_id, 0)
    status = rules.instalment_status(row.state, row.due_date, ctx.today)
    return rules.extension_decision(status, row.due_date, used, ctx.policies), used


def extension_options(ctx: CustomerContext, row: models.Instalment) -> schemas.ExtensionOptions:
    """Whether and how the instalment's due date can be extended."""
    decision, used = _decision(ctx, row)
    currency = ctx.policies.currency
    return schemas.ExtensionOptions(
        instalment_id=row.id,
        allowed=decision.allowed,
        reason_code=decision.reason_code,
        reason=decision.reason,
        options=[
            schemas.ExtensionOption(
                days=option.days,
                new_due_date=option.new_due_date,
                fee=schemas.Money.of(option.fee, currency),
            )
            for option in decision.options
        ],
        max_extensions=ctx.policies.max_extensions_per_plan,
        extensions_used=used,
    )


def extend(ctx: CustomerContext, row: models.Instalment, days: int) -> schemas.Extension:
    """Move the instalment's due date; the fee is added to the instalment.

    Raises:
        ApiError: 422 ``invalid_extension_days`` or ``extension_not_allowed``.
    """
    lock_row(ctx.session, row.plan)
    decision, _used = _decision(ctx, row)
    try:
        option = rules.choose_extension(decision, days, ctx.policies)
    except rules.RuleViolation as violation:
        raise rule_error(violation) from None
    extension = models.Extension(
        id=new_id("EXT"),
        plan_id=row.plan_id,
        instalment_id=row.id,
        days=option.days,
        old_due_date=row.due_date,
        new_due_date=option.new_due_date,
        fee_minor=to_minor(option.fee),
        currency=ctx.policies.currency,
        created_at=ctx.now,
    )
    ctx.session.add(extension)
    row.due_date = option.new_due_date
    row.amount_minor += extension.fee_minor
    ctx.session.flush()
    return presenters.extension(extension)

"""Account facts: profile, balance, fees, invoices, payment methods."""

from __future__ import annotations

import secrets
from decimal import Decimal

from sqlalchemy import func, or_, select

from payments_backend import models, presenters, rules, schemas
from payments_backend.deps import CustomerContext
from payments_backend.errors import not_found
from payments_backend.ids import new_id
from payments_backend.money import from_minor
from payments_backend.security import token_sha256
from payments_backend.services.instalments import customer_instalments, present_all
from payments_backend.services.orders import canonical_order_id


def profile(ctx: CustomerContext) -> schemas.Customer:
    """The customer's profile."""
    return schemas.Customer.model_validate(ctx.customer)


def balance(ctx: CustomerContext) -> schemas.Balance:
    """What the customer owes, in the customer's currency."""
    facts = [
        rules.InstalmentFacts(
            plan_id=view.plan_id,
            status=view.status,
            due_date=view.due_date,
            amount=from_minor(row.amount_minor),
            late_fee=rules.late_fee(
                row.state,
                row.due_date,
                row.paid_at.date() if row.paid_at else None,
                ctx.today,
                ctx.policies,
            ),
        )
        for row, view in _with_views(ctx)
    ]
    summary = rules.summarize_balance(facts)
    currency = ctx.customer.currency
    return schemas.Balance(
        outstanding=schemas.Money.of(summary.outstanding, currency),
        overdue=schemas.Money.of(summary.overdue, currency),
        late_fees=schemas.Money.of(summary.late_fees, currency),
        open_plans=summary.open_plans,
        next_due_date=summary.next_due_date,
    )


def _with_views(
    ctx: CustomerContext,
) -> list[tuple[models.Instalment, schemas.Instalment]]:
    rows = customer_instalments(ctx)
    return list(zip(rows, present_all(ctx, rows), strict=True))


def fees(ctx: CustomerContext) -> list[schemas.Fee]:
    """Late fees and extension fees, newest first."""
    result: list[schemas.Fee] = []
    grace = ctx.policies.late_fee_grace_days
    for row, view in _with_views(ctx):
        if Decimal(view.late_fee.amount) > 0:
            result.append(
                schemas.Fee(
                    id=f"FEE-{row.id}-LATE",
                    kind="late_fee",
                    amount=view.late_fee,
                    order_id=view.order_id,
                    instalment_id=row.id,
                    charged_on=rules.late_fee_charged_on(row.due_date, ctx.policies),
                    explanation=(
                        f"Late fee: the instalment due on {row.due_date.isoformat()} was "
                        f"not paid within the {grace}-day grace period."
                    ),
                )
            )
    extensions = ctx.session.scalars(
        select(models.Extension)
        .join(models.PaymentPlan)
        .where(models.PaymentPlan.customer_id == ctx.customer.id)
    )
    for extension in extensions:
        if extension.fee_minor:
            plan = ctx.session.get(models.PaymentPlan, extension.plan_id)
            result.append(
                schemas.Fee(
                    id=f"FEE-{extension.id}",
                    kind="extension_fee",
                    amount=presenters.money(extension.fee_minor, extension.currency),
                    order_id=plan.order_id if plan else "",
                    instalment_id=extension.instalment_id,
                    charged_on=extension.created_at.date(),
                    explanation=(
                        f"Extension fee: the due date was moved by {extension.days} days, "
                        f"from {extension.old_due_date.isoformat()} to "
                        f"{extension.new_due_date.isoformat()}; the fee was added to "
                        f"that instalment."
                    ),
                )
            )
    return sorted(result, key=lambda fee: (fee.charged_on, fee.id), reverse=True)


def invoices(ctx: CustomerContext, order_reference: str | None) -> list[schemas.Invoice]:
    """The customer's invoices, newest first, optionally for one order."""
    query = select(models.Invoice).where(models.Invoice.customer_id == ctx.customer.id)
    if order_reference is not None:
        query = query.where(models.Invoice.order_id == canonical_order_id(order_reference))
    query = query.order_by(models.Invoice.issued_on.desc(), models.Invoice.id.desc())
    base = ctx.services.settings.pages_base_url
    return [presenters.invoice(row, base) for row in ctx.session.scalars(query)]


def invoice(ctx: CustomerContext, id_or_number: str) -> schemas.Invoice:
    """One invoice by id or by number (case-insensitive)."""
    wanted = id_or_number.strip().upper()
    row = ctx.session.scalar(
        select(models.Invoice).where(
            models.Invoice.customer_id == ctx.customer.id,
            or_(
                func.upper(models.Invoice.id) == wanted, func.upper(models.Invoice.number) == wanted
            ),
        )
    )
    if row is None:
        raise not_found("invoice", id_or_number)
    return presenters.invoice(row, ctx.services.settings.pages_base_url)


def payment_methods(ctx: CustomerContext) -> list[schemas.PaymentMethod]:
    """The customer's stored methods, default first."""
    rows = ctx.session.scalars(
        select(models.PaymentMethod)
        .where(models.PaymentMethod.customer_id == ctx.customer.id)
        .order_by(models.PaymentMethod.is_default.desc(), models.PaymentMethod.id)
    )
    return [presenters.payment_method(row) for row in rows]


def update_link(ctx: CustomerContext) -> schemas.UpdateLink:
    """Create a single-use link to the secure page for changing the payment method.

    Card numbers are entered on that page only, never in the chat. The link table
    keeps a hash of the token, which the page checks and marks used.
    """
    token = secrets.token_urlsafe(24)
    now = ctx.now
    expires_at = now + ctx.policies.update_link_lifetime
    ctx.session.add(
        models.PaymentMethodLink(
            id=new_id("LNK"),
            customer_id=ctx.customer.id,
            token_sha256=token_sha256(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    ctx.session.flush()
    url = f"{ctx.services.settings.pages_base_url}/payment-methods/update?token={token}"
    return schemas.UpdateLink(url=url, expires_at=expires_at)

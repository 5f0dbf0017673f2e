"""Public catalogue: merchants, their refund policies, company policies."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments_backend import models, presenters, schemas
from payments_backend.errors import not_found
from payments_backend.policies import Policies


def merchants(session: Session, name: str | None) -> list[schemas.Merchant]:
    """Merchants whose name contains ``name`` (case-insensitive), by name."""
    query = select(models.Merchant)
    if name:
        pattern = "%" + name.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(func.lower(models.Merchant.name).like(pattern, escape="\\"))
    rows = session.scalars(query.order_by(models.Merchant.name))
    return [schemas.Merchant(id=row.id, name=row.name) for row in rows]


def refund_policy(session: Session, merchant_id: str) -> schemas.RefundPolicy:
    """A merchant's refund policy (404 for an unknown merchant)."""
    row = session.get(models.Merchant, merchant_id)
    if row is None:
        raise not_found("merchant", merchant_id)
    return presenters.refund_policy(row)


def fee_policy(policies: Policies) -> schemas.FeePolicy:
    """Late and extension fees."""
    return schemas.FeePolicy(
        late_fee=schemas.Money.of(policies.late_fee, policies.currency),
        late_fee_grace_days=policies.late_fee_grace_days,
        extension_fee=schemas.Money.of(policies.extension_fee, policies.currency),
    )


def extension_policy(policies: Policies) -> schemas.ExtensionPolicy:
    """How due dates can be extended."""
    return schemas.ExtensionPolicy(
        allowed_days=list(policies.extension_days),
        max_extensions_per_plan=policies.max_extensions_per_plan,
        fee=schemas.Money.of(policies.extension_fee, policies.currency),
    )


def supported_methods(policies: Policies) -> list[schemas.SupportedMethod]:
    """Payment method kinds customers can add."""
    return [
        schemas.SupportedMethod(kind=item.kind, name=item.name, description=item.description)
        for item in policies.supported_methods
    ]

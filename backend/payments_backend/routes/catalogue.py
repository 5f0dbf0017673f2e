"""Public catalogue: merchants and policies (no service key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from payments_backend import schemas
from payments_backend.deps import Services, get_services, get_session
from payments_backend.routes.common import PUBLIC_RESPONSES
from payments_backend.services import catalogue

router = APIRouter(prefix="/v1", tags=["catalogue"], responses=PUBLIC_RESPONSES)


@router.get("/merchants", response_model=list[schemas.Merchant])
def merchants(
    name: str | None = Query(default=None, max_length=120, description="Name contains."),
    session: Session = Depends(get_session),
) -> list[schemas.Merchant]:
    """Merchants, optionally filtered by a case-insensitive name fragment."""
    return catalogue.merchants(session, name)


@router.get("/merchants/{merchant_id}/refund-policy", response_model=schemas.RefundPolicy)
def refund_policy(
    merchant_id: str, session: Session = Depends(get_session)
) -> schemas.RefundPolicy:
    """A merchant's refund window, conditions and refund time."""
    return catalogue.refund_policy(session, merchant_id)


@router.get("/policies/fees", response_model=schemas.FeePolicy)
def fee_policy(services: Services = Depends(get_services)) -> schemas.FeePolicy:
    """Late and extension fees."""
    return catalogue.fee_policy(services.policies)


@router.get("/policies/extensions", response_model=schemas.ExtensionPolicy)
def extension_policy(services: Services = Depends(get_services)) -> schemas.ExtensionPolicy:
    """How due dates can be extended."""
    return catalogue.extension_policy(services.policies)

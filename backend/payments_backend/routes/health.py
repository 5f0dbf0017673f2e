"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from payments_backend.deps import Services, get_services
from payments_backend.schemas import Health
from service_kit.db import database_is_healthy

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(services: Services = Depends(get_services)) -> JSONResponse:
    """Report whether the service can reach its database."""
    if database_is_healthy(services.engine):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)

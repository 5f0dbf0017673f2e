"""Shared router settings: error responses in the OpenAPI document, query types."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from payments_backend.deps import require_service_key
from payments_backend.schemas import ErrorEnvelope

ERROR = {"model": ErrorEnvelope}

PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {400: ERROR, 404: ERROR, 422: ERROR}
CUSTOMER_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: ERROR,
    401: ERROR,
    404: ERROR,
    422: ERROR,
}
POST_RESPONSES: dict[int | str, dict[str, Any]] = {409: ERROR}

SERVICE_AUTH = [Depends(require_service_key)]

Limit = Query(default=20, ge=1, le=100, description="Maximum number of items.")

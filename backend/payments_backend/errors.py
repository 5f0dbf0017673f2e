"""The error envelope and the handlers that render every error with it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

# Pydantic error types we raise ourselves; they become the envelope's code.
FIELD_ERROR_CODES = frozenset({"invalid_amount", "unknown_currency", "invalid_order_reference"})


class ApiError(Exception):
    """An error answered to the client in the standard envelope.

    Attributes:
        status_code: HTTP status.
        code: Stable snake_case code the client maps to an exception.
        message: English sentence for logs and developers.
        details: Extra machine-readable facts.
        keep_changes: Commit the work done so far (e.g. a stored declined payment).
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        keep_changes: bool = False,
    ) -> None:
        """Create the error.

        Args:
            status_code: HTTP status.
            code: snake_case error code.
            message: English sentence.
            details: Extra machine-readable facts.
            keep_changes: Commit the work done so far instead of rolling back.
        """
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details or {}
        self.keep_changes = keep_changes

    def envelope(self) -> dict[str, Any]:
        """Return the JSON body ``{"error": {code, message, details}}``."""
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the error envelope.

    Args:
        code: snake_case error code.
        message: English sentence.
        details: Extra machine-readable facts.

    Returns:
        The JSON-ready envelope.
    """
    return {"error": {"code": code, "message": message, "details": details or {}}}


def not_found(kind: str, identifier: str) -> ApiError:
    """Build the 404 used for missing objects and for other customers' objects."""
    return ApiError(
        404,
        "not_found",
        f"No {kind} with id {identifier!r} was found.",
        {"kind": kind, "id": identifier},
    )


def _validation_response(error: RequestValidationError) -> JSONResponse:
    """Translate FastAPI's validation error into the envelope.

    Body problems are 422 (``validation_error`` or one of our field codes), a body
    that is not JSON is 400 ``malformed_json``, bad path/query/header values are 400
    ``invalid_parameter``.
    """
    problems = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        problems.append(
            {
                "field": ".".join(location),
                "message": str(item.get("msg", "")),
                "type": str(item.get("type", "")),
            }
        )
    for problem in problems:
        if problem["type"] in FIELD_ERROR_CODES:
            return JSONResponse(
                error_body(problem["type"], problem["message"], {"errors": problems}),
                status_code=422,
            )
    if any(problem["type"] == "json_invalid" for problem in problems):
        return JSONResponse(
            error_body(
                "malformed_json", "The request body is not valid JSON.", {"errors": problems}
            ),
            status_code=400,
        )
    if all(problem["field"].split(".")[0] == "body" for problem in problems):
        return JSONResponse(
            error_body("validation_error", "The request body is invalid.", {"errors": problems}),
            status_code=422,
        )
    return JSONResponse(
        error_body(
            "invalid_parameter",
            "A path, query or header parameter is invalid.",
            {"errors": problems},
        ),
        status_code=400,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so that every error uses the envelope.

    Args:
        app: The application.
    """

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.envelope(), status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.exception("Unhandled error", exc_info=error)
        return JSONResponse(
            error_body("internal_error", "An unexpected error occurred."),
            status_code=500,
        )

"""The desk's error: one sentence under ``detail``, and the handlers that render it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class DeskError(Exception):
    """An error answered as ``{"detail": "<one sentence>"}``.

    Attributes:
        status_code: HTTP status.
        detail: One English sentence for the console or the calling service.
    """

    def __init__(self, status_code: int, detail: str) -> None:
        """Create the error.

        Args:
            status_code: HTTP status.
            detail: One English sentence.
        """
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def not_found(ticket_id: str) -> DeskError:
    """The 404 of an unknown ticket."""
    return DeskError(404, f"There is no ticket {ticket_id}.")


def _validation_sentence(error: RequestValidationError) -> str:
    """Describe the first validation problem in one sentence."""
    problems = error.errors()
    if not problems:
        return "The request is invalid."
    first = problems[0]
    if first.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    where = ".".join(location) or "body"
    message = str(first.get("msg", "is invalid")).rstrip(".")
    return f"The request is invalid: {where}: {message}."


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so that every error is ``{"detail": "<one sentence>"}``.

    Args:
        app: The application.
    """

    @app.exception_handler(DeskError)
    async def _desk_error(_request: Request, error: DeskError) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_sentence(error)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else "The request failed."
        if error.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        return JSONResponse(
            {"detail": detail},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.exception("Unhandled error", exc_info=error)
        return JSONResponse({"detail": "An unexpected error occurred."}, status_code=500)

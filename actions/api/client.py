"""Synchronous client of the payments backend (contract: docs/backend-api.md).

One method per route, named after the domain, returning typed models. Transport
failures and error responses are translated into `actions.api.exceptions` here,
once. Actions call the methods through `asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any, Mapping, TypeVar
from urllib.parse import quote

import pybreaker
import requests

from actions.api._json import JsonReader, json_list
from actions.api.exceptions import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    CircuitOpen,
    IdempotencyConflict,
    InvalidResponse,
    NotFound,
    PaymentDeclined,
    RuleViolation,
)
from actions.api.models import (
    BackendModel,
    Balance,
    Customer,
    Dispute,
    DuplicateCharge,
    Extension,
    ExtensionOptions,
    ExtensionPolicy,
    Fee,
    FeePolicy,
    Health,
    Instalment,
    Invoice,
    LoginResult,
    Merchant,
    Money,
    Order,
    OutboundMessage,
    Payment,
    PaymentMethod,
    Refund,
    RefundEligibility,
    RefundPolicy,
    Return,
    SupportedPaymentMethod,
    UpdateLink,
)
from actions.api.breaker import backend_breaker, build_breaker
from actions.api.session import build_session
from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BackendModel)

MAX_IDEMPOTENCY_KEY_LENGTH = 200

# Codes used when an error response lacks the contract's error envelope.
_FALLBACK_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "unprocessable_entity",
    429: "rate_limited",
}

# 429s that are business answers of the verification routes, not an overloaded backend.
_VERIFICATION_LIMIT_CODES = frozenset({"too_many_requests", "too_many_attempts"})


class BackendClient:
    """Client of the payments backend.

    Customer-scoped methods take the verified `customer_id` first and send it as
    `X-Customer-Id`. Every POST requires an `idempotency_key`: reuse the same key to
    retry the same operation safely; POSTs are never retried automatically. Every
    call goes through a circuit breaker (`actions.api.breaker`).

    Raises (every method):
        BackendUnavailable: No usable answer (BackendTimeout, InvalidResponse,
            CircuitOpen too).
        AuthenticationError: 401.
        NotFound: 404, including objects of another customer.
        BadRequest: 400 or another unexpected 4xx.
        RuleViolation: 409/422 business rule (see each route's codes); on the
            verification routes also 429 `too_many_requests` / `too_many_attempts`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        session: requests.Session | None = None,
        breaker: pybreaker.CircuitBreaker | None = None,
    ) -> None:
        """Creates the client; no connection is opened until the first call.

        Args:
            settings: Backend URL, key, timeout and retries; `get_settings()` if omitted.
            session: Session to send requests with; one with safe GET retries is built
                if omitted. The client sets its `Authorization` header either way.
            breaker: Circuit breaker of the backend. If omitted: the process-wide one
                when `settings` is omitted too, else one of its own for `settings`.
        """
        self._settings = settings if settings is not None else get_settings()
        self._base_url = self._settings.backend_url.rstrip("/")
        self._timeout = self._settings.backend_timeout_seconds
        self._session = session if session is not None else build_session(self._settings)
        self._session.headers["Authorization"] = f"Bearer {self._settings.backend_api_key}"
        if breaker is None:
            breaker = backend_breaker() if settings is None else build_breaker(self._settings)
        self._breaker = breaker

    def close(self) -> None:
        """Closes the pooled connections."""
        self._session.close()

    # Service and identity

    def health(self) -> Health:
        """Checks the backend and its database (`GET /health`)."""
        return Health.from_json(self._request("GET", "/health"))

    def login(self, email: str, password: str, *, idempotency_key: str) -> LoginResult:
        """Verifies a customer's credentials (`POST /v1/auth/login`).

        Args:
            email: The customer's email.
            password: The customer's password; never logged.
            idempotency_key: Key of this login attempt.

        Returns:
            The customer id and the signed identity token.

        Raises:
            AuthenticationError: `invalid_credentials`.
        """
        payload = self._request(
            "POST",
            "/v1/auth/login",
            json={"email": email, "password": password},
            idempotency_key=idempotency_key,
        )
        return LoginResult.from_json(payload)

    def start_verification(self, email: str, *, idempotency_key: str) -> None:
        """Has a one-time code e-mailed to a customer (`POST /v1/auth/verification`).

        The backend answers alike whether or not the address is a customer's, so the
        caller cannot tell either; a new request replaces the pending code.

        Args:
            email: The address the visitor typed.
            idempotency_key: Key of this request; a replay sends no second e-mail.

        Raises:
            RuleViolation: `too_many_requests` (429; `details.retry_after_seconds`).
        """
        self._request(
            "POST",
            "/v1/auth/verification",
            json={"email": email},
            idempotency_key=idempotency_key,
            limit_codes=_VERIFICATION_LIMIT_CODES,
        )

    def confirm_verification(self, email: str, code: str, *, idempotency_key: str) -> LoginResult:
        """Checks the one-time code (`POST /v1/auth/verification/confirm`).

        Args:
            email: The address the code was requested for.
            code: The code as the visitor typed it; never logged.
            idempotency_key: Key of this attempt.

        Returns:
            The customer id and the signed identity token, as `login` returns them.

        Raises:
            RuleViolation: `invalid_code` (`details.attempts_left`), `code_expired`,
                `no_pending_code`; `too_many_attempts` (429).
        """
        payload = self._request(
            "POST",
            "/v1/auth/verification/confirm",
            json={"email": email, "code": code},
            idempotency_key=idempotency_key,
            limit_codes=_VERIFICATION_LIMIT_CODES,
        )
        return LoginResult.from_json(payload)

    def read_dev_outbox(self, recipient: str) -> list[OutboundMessage]:
        """Reads the e-mails sent to `recipient`, newest first (`GET /v1/dev/outbox`).

        For tests and demos only: the backend serves it with `BACKEND_DEV_OUTBOX=true`
        and answers 404 (NotFound) otherwise.
        """
        payload = self._request("GET", "/v1/dev/outbox", params={"recipient": recipient})
        return _models(OutboundMessage, payload)

    def get_customer(self, customer_id: str) -> Customer:
        """Returns the verified customer's profile (`GET /v1/customers/me`)."""
        return Customer.from_json(self._request("GET", "/v1/customers/me", customer_id=customer_id))

    # Balance and instalments

    def get_balance(self, customer_id: str) -> Balance:
        """Returns what the customer owes (`GET /v1/balance`)."""
        return Balance.from_json(self._request("GET", "/v1/balance", customer_id=customer_id))

    def list_instalments(self, customer_id: str, status: str | None = None) -> list[Instalment]:
        """Lists instalments by due date (`GET /v1/instalments`).

        Args:
            customer_id: The verified customer.
            status: Only `due`, `overdue` or `paid` ones, if given.
        """
        payload = self._request(
            "GET", "/v1/instalments", customer_id=customer_id, params={"status": status}
        )
        return _models(Instalment, payload)

    def get_next_instalment(self, customer_id: str) -> Instalment | None:
        """Returns the earliest unpaid instalment, overdue first (`GET /v1/instalments/next`).

        Returns:
            The instalment, or None when nothing is due (`nothing_due`).
        """
        try:
            payload = self._request("GET", "/v1/instalments/next", customer_id=customer_id)
        except NotFound as error:
            if error.code == "nothing_due":
                return None
            raise
        return Instalment.from_json(payload)

    def get_instalment(self, customer_id: str, instalment_id: str) -> Instalment:
        """Returns one instalment (`GET /v1/instalments/{id}`)."""
        path = f"/v1/instalments/{_segment(instalment_id)}"
        return Instalment.from_json(self._request("GET", path, customer_id=customer_id))

    def get_extension_options(self, customer_id: str, instalment_id: str) -> ExtensionOptions:
        """Tells whether and how an instalment can be extended.

        `GET /v1/instalments/{id}/extension-options`.
        """
        path = f"/v1/instalments/{_segment(instalment_id)}/extension-options"
        return ExtensionOptions.from_json(self._request("GET", path, customer_id=customer_id))

    def extend_instalment(
        self, customer_id: str, instalment_id: str, days: int, *, idempotency_key: str
    ) -> Extension:
        """Pushes an instalment's due date back (`POST /v1/instalments/{id}/extensions`).

        Args:
            customer_id: The verified customer.
            instalment_id: The instalment to extend.
            days: 7 or 14 (see the extension policy).
            idempotency_key: Key of this extension request.

        Raises:
            RuleViolation: `extension_not_allowed`, `invalid_extension_days`.
        """
        path = f"/v1/instalments/{_segment(instalment_id)}/extensions"
        payload = self._request(
            "POST",
            path,
            customer_id=customer_id,
            json={"days": days},
            idempotency_key=idempotency_key,
        )
        return Extension.from_json(payload)

    # Payments

    def pay_instalment(
        self, customer_id: str, instalment_id: str, *, idempotency_key: str
    ) -> Payment:
        """Pays an instalment plus its late fee with the default method (`POST /v1/payments`).

        Raises:
            PaymentDeclined: `payment_declined`; `decline_reason` says why.
            RuleViolation: `already_paid`.
        """
        payload = self._request(
            "POST",
            "/v1/payments",
            customer_id=customer_id,
            json={"instalment_id": instalment_id},
            idempotency_key=idempotency_key,
        )
        return Payment.from_json(payload)

    def list_payments(
        self, customer_id: str, status: str | None = None, limit: int | None = None
    ) -> list[Payment]:
        """Lists payments, newest first (`GET /v1/payments`).

        Args:
            customer_id: The verified customer.
            status: Only `succeeded`, `declined` or `refunded` ones, if given.
            limit: At most this many, if given.
        """
        payload = self._request(
            "GET",
            "/v1/payments",
            customer_id=customer_id,
            params={"status": status, "limit": limit},
        )
        return _models(Payment, payload)

    def get_payment(self, customer_id: str, payment_id: str) -> Payment:
        """Returns one payment (`GET /v1/payments/{id}`)."""
        path = f"/v1/payments/{_segment(payment_id)}"
        return Payment.from_json(self._request("GET", path, customer_id=customer_id))

    def list_duplicate_charges(self, customer_id: str) -> list[DuplicateCharge]:
        """Lists unrefunded duplicate charges (`GET /v1/payments/duplicates`)."""
        payload = self._request("GET", "/v1/payments/duplicates", customer_id=customer_id)
        return _models(DuplicateCharge, payload)

    def refund_duplicate_charge(
        self, customer_id: str, payment_id: str, *, idempotency_key: str
    ) -> Refund:
        """Refunds a payment that duplicates another (`POST /v1/payments/{id}/duplicate-refund`).

        Raises:
            RuleViolation: `not_a_duplicate`, `already_refunded`.
        """
        path = f"/v1/payments/{_segment(payment_id)}/duplicate-refund"
        payload = self._request(
            "POST", path, customer_id=customer_id, idempotency_key=idempotency_key
        )
        return Refund.from_json(payload)

    def open_dispute(
        self, customer_id: str, payment_id: str, reason: str, *, idempotency_key: str
    ) -> Dispute:
        """Disputes a payment (`POST /v1/disputes`).

        Args:
            customer_id: The verified customer.
            payment_id: The disputed payment.
            reason: `unrecognized` or `fraud`.
            idempotency_key: Key of this dispute request.

        Raises:
            RuleViolation: `dispute_exists`.
        """
        payload = self._request(
            "POST",
            "/v1/disputes",
            customer_id=customer_id,
            json={"payment_id": payment_id, "reason": reason},
            idempotency_key=idempotency_key,
        )
        return Dispute.from_json(payload)

    # Orders, refunds and returns

    def list_orders(
        self, customer_id: str, status: str | None = None, limit: int | None = None
    ) -> list[Order]:
        """Lists orders, newest first (`GET /v1/orders`)."""
        payload = self._request(
            "GET",
            "/v1/orders",
            customer_id=customer_id,
            params={"status": status, "limit": limit},
        )
        return _models(Order, payload)

    def get_order(self, customer_id: str, order_ref: str) -> Order:
        """Returns one order (`GET /v1/orders/{ref}`).

        Args:
            customer_id: The verified customer.
            order_ref: The reference as typed (`KL-482913`, `#482913`, ...).
        """
        path = f"/v1/orders/{_segment(order_ref)}"
        return Order.from_json(self._request("GET", path, customer_id=customer_id))

    def get_refund_eligibility(self, customer_id: str, order_ref: str) -> RefundEligibility:
        """Tells whether an order can be refunded now.

        `GET /v1/orders/{ref}/refund-eligibility`.
        """
        path = f"/v1/orders/{_segment(order_ref)}/refund-eligibility"
        return RefundEligibility.from_json(self._request("GET", path, customer_id=customer_id))

    def create_refund(
        self,
        customer_id: str,
        order_id: str,
        amount: Money,
        reason: str,
        *,
        idempotency_key: str,
    ) -> Refund:
        """Refunds (part of) an order (`POST /v1/refunds`).

        Args:
            customer_id: The verified customer.
            order_id: The order to refund.
            amount: How much; sent as a decimal string with its currency.
            reason: Why, in the customer's words or a short code.
            idempotency_key: Key of this refund request.

        Raises:
            RuleViolation: `refund_window_expired`, `already_refunded`, `order_cancelled`,
                `order_not_delivered`, `amount_exceeds_refundable`, `invalid_amount`,
                `currency_mismatch`.
        """
        payload = self._request(
            "POST",
            "/v1/refunds",
            customer_id=customer_id,
            json={
                "order_id": order_id,
                "amount": amount.amount_text(),
                "currency": amount.currency,
                "reason": reason,
            },
            idempotency_key=idempotency_key,
        )
        return Refund.from_json(payload)

    def list_refunds(self, customer_id: str, order_id: str | None = None) -> list[Refund]:
        """Lists refunds, newest first, optionally of one order (`GET /v1/refunds`)."""
        payload = self._request(
            "GET", "/v1/refunds", customer_id=customer_id, params={"order_id": order_id}
        )
        return _models(Refund, payload)

    def get_refund(self, customer_id: str, refund_id: str) -> Refund:
        """Returns one refund (`GET /v1/refunds/{id}`)."""
        path = f"/v1/refunds/{_segment(refund_id)}"
        return Refund.from_json(self._request("GET", path, customer_id=customer_id))

    def cancel_order(self, customer_id: str, order_ref: str, *, idempotency_key: str) -> Order:
        """Cancels an order not yet shipped (`POST /v1/orders/{ref}/cancel`).

        Raises:
            RuleViolation: `order_already_shipped`, `order_already_cancelled`.
        """
        path = f"/v1/orders/{_segment(order_ref)}/cancel"
        payload = self._request(
            "POST", path, customer_id=customer_id, idempotency_key=idempotency_key
        )
        return Order.from_json(payload)

    def report_return(
        self, customer_id: str, order_ref: str, reason: str, *, idempotency_key: str
    ) -> Return:
        """Reports a return, pausing the order's instalments (`POST /v1/orders/{ref}/returns`).

        Raises:
            RuleViolation: `return_exists`, `order_not_delivered`.
        """
        path = f"/v1/orders/{_segment(order_ref)}/returns"
        payload = self._request(
            "POST",
            path,
            customer_id=customer_id,
            json={"reason": reason},
            idempotency_key=idempotency_key,
        )
        return Return.from_json(payload)

    # Fees, invoices and payment methods

    def list_fees(self, customer_id: str) -> list[Fee]:
        """Lists the fees charged to the customer (`GET /v1/fees`)."""
        return _models(Fee, self._request("GET", "/v1/fees", customer_id=customer_id))

    def list_invoices(self, customer_id: str, order_id: str | None = None) -> list[Invoice]:
        """Lists invoices, optionally of one order (`GET /v1/invoices`)."""
        payload = self._request(
            "GET", "/v1/invoices", customer_id=customer_id, params={"order_id": order_id}
        )
        return _models(Invoice, payload)

    def get_invoice(self, customer_id: str, invoice_ref: str) -> Invoice:
        """Returns an invoice by id or number (`GET /v1/invoices/{id_or_number}`)."""
        path = f"/v1/invoices/{_segment(invoice_ref)}"
        return Invoice.from_json(self._request("GET", path, customer_id=customer_id))

    def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """Lists the customer's stored, masked payment methods (`GET /v1/payment-methods`)."""
        payload = self._request("GET", "/v1/payment-methods", customer_id=customer_id)
        return _models(PaymentMethod, payload)

    def create_payment_update_link(self, customer_id: str, *, idempotency_key: str) -> UpdateLink:
        """Creates a single-use secure page to change the payment method.

        `POST /v1/payment-methods/update-link`.
        """
        payload = self._request(
            "POST",
            "/v1/payment-methods/update-link",
            customer_id=customer_id,
            idempotency_key=idempotency_key,
        )
        return UpdateLink.from_json(payload)

    # Public catalogue

    def list_supported_payment_methods(self) -> list[SupportedPaymentMethod]:
        """Lists the payment method kinds customers can use.

        `GET /v1/payment-methods/supported`.
        """
        payload = self._request("GET", "/v1/payment-methods/supported")
        return _models(SupportedPaymentMethod, payload)

    def find_merchants(self, name: str) -> list[Merchant]:
        """Finds merchants whose name contains `name`, ignoring case (`GET /v1/merchants`)."""
        return _models(Merchant, self._request("GET", "/v1/merchants", params={"name": name}))

    def get_refund_policy(self, merchant_id: str) -> RefundPolicy:
        """Returns a merchant's refund policy (`GET /v1/merchants/{id}/refund-policy`)."""
        path = f"/v1/merchants/{_segment(merchant_id)}/refund-policy"
        return RefundPolicy.from_json(self._request("GET", path))

    def get_fee_policy(self) -> FeePolicy:
        """Returns the public fee schedule (`GET /v1/policies/fees`)."""
        return FeePolicy.from_json(self._request("GET", "/v1/policies/fees"))

    def get_extension_policy(self) -> ExtensionPolicy:
        """Returns the public extension rules (`GET /v1/policies/extensions`)."""
        return ExtensionPolicy.from_json(self._request("GET", "/v1/policies/extensions"))

    # Transport

    def _request(
        self,
        method: str,
        path: str,
        *,
        customer_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        limit_codes: frozenset[str] = frozenset(),
    ) -> Any:
        """Sends one request and returns its decoded JSON body.

        `limit_codes` are the 429 codes this route answers as business rules: they
        raise RuleViolation instead of BackendUnavailable.

        Raises:
            BackendError: The failure, translated (see the class docstring);
                CircuitOpen without any request while the breaker is open.
            ValueError: A programming error (missing customer id or idempotency key).
        """
        headers: dict[str, str] = {}
        if customer_id is not None:
            if not customer_id:
                raise ValueError("customer_id must not be empty.")
            headers["X-Customer-Id"] = customer_id
        if method != "GET":
            headers["Idempotency-Key"] = _check_idempotency_key(idempotency_key)
        query = {key: value for key, value in (params or {}).items() if value is not None}
        try:
            return self._breaker.call(
                self._send, method, path, headers, query, json, limit_codes
            )
        except pybreaker.CircuitBreakerError:
            logger.warning("backend.breaker_open method=%s path=%s", method, path)
            raise CircuitOpen(
                f"The backend failed repeatedly; {method} {path} was not sent."
            ) from None

    def _send(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        query: Mapping[str, Any],
        json: Mapping[str, Any] | None,
        limit_codes: frozenset[str],
    ) -> Any:
        """Sends one request (with the session's safe retries) and decodes it."""
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self._base_url + path,
                params=query or None,
                json=json,
                headers=dict(headers),
                timeout=self._timeout,
            )
        except requests.Timeout as error:
            logger.warning("backend.timeout method=%s path=%s", method, path)
            raise BackendTimeout(
                f"The backend did not answer {method} {path} within {self._timeout:g} s."
            ) from error
        except requests.RequestException as error:
            logger.warning(
                "backend.unreachable method=%s path=%s error=%s",
                method,
                path,
                type(error).__name__,
            )
            raise BackendUnavailable(f"Could not reach the backend for {method} {path}.") from error

        # Paths and statuses only: bodies and headers may hold secrets.
        logger.debug(
            "backend.call method=%s path=%s status=%s elapsed_ms=%d",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.status_code >= 400:
            raise _error_from_response(method, path, response, limit_codes)
        return _decode_json(method, path, response)


def _models(model: type[ModelT], payload: Any) -> list[ModelT]:
    """Parses a top-level JSON list of one model."""
    items = json_list(payload, f"list of {model.__name__}")
    return [
        model.from_reader(JsonReader(item, f"{model.__name__}[{index}]"))
        for index, item in enumerate(items)
    ]


def _segment(value: str) -> str:
    """Quotes one path segment, so nothing typed by a customer can change the route.

    Raises:
        ValueError: The identifier is empty (a bug in the caller).
        NotFound: The identifier holds a "/" or is "." / "..": no object has such an
            id, and the server decodes %2F (and URL normalisation resolves dot
            segments), which would reach another route.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("A path identifier must be a non-empty string.")
    if "/" in value or value in (".", ".."):
        raise NotFound(f"No object with id {value!r} exists.", code="not_found")
    return quote(value, safe="")


def _check_idempotency_key(key: str | None) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(
            f"Every POST needs an idempotency_key of 1-{MAX_IDEMPOTENCY_KEY_LENGTH} characters."
        )
    return key


def _decode_json(method: str, path: str, response: requests.Response) -> Any:
    try:
        # Decimals, never floats, even if a number slips into a payload.
        return response.json(parse_float=Decimal)
    except ValueError:
        raise InvalidResponse(
            f"The backend answered {method} {path} with a body that is not JSON.",
            status_code=response.status_code,
        ) from None


def _error_from_response(
    method: str,
    path: str,
    response: requests.Response,
    limit_codes: frozenset[str] = frozenset(),
) -> BackendError:
    """Translates an error response into the project's exception for its status and code.

    A 429 whose code is in `limit_codes` is the route's business answer (RuleViolation);
    any other 429 means an overloaded backend (BackendUnavailable).
    """
    status = response.status_code
    code, message, details = _error_envelope(response)
    code = code or _FALLBACK_CODES.get(status, f"http_{status}")
    message = message or f"The backend answered {method} {path} with HTTP {status}."
    logger.info("backend.error method=%s path=%s status=%s code=%s", method, path, status, code)

    if status == 429 and code in limit_codes:
        return RuleViolation(message, code=code, status_code=status, details=details)
    if status in (409, 422):
        if status == 409 and code == "idempotency_in_progress":
            return IdempotencyConflict(message, code=code, status_code=status, details=details)
        if code == "payment_declined":
            return PaymentDeclined(message, code=code, status_code=status, details=details)
        return RuleViolation(message, code=code, status_code=status, details=details)
    error_type: type[BackendError]
    if status == 404:
        error_type = NotFound
    elif status in (401, 403):
        error_type = AuthenticationError
    elif status == 429 or status >= 500:
        error_type = BackendUnavailable
    else:
        error_type = BadRequest
    return error_type(message, code=code, status_code=status, details=details)


def _error_envelope(
    response: requests.Response,
) -> tuple[str | None, str | None, dict[str, Any]]:
    """Reads `{"error": {"code", "message", "details"}}`, tolerating other bodies."""
    try:
        body = response.json(parse_float=Decimal)
    except ValueError:
        return None, None, {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # FastAPI's own errors (unknown route, validation) use {"detail": ...}.
        detail = body.get("detail") if isinstance(body, dict) else None
        return None, detail if isinstance(detail, str) else None, {}
    code = error.get("code")
    message = error.get("message")
    details = error.get("details")
    return (
        code if isinstance(code, str) and code else None,
        message if isinstance(message, str) and message else None,
        details if isinstance(details, dict) else {},
    )

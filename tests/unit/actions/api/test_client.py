"""Tests of actions.api.client against mocked HTTP (the `responses` library)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

import pytest
import requests
import responses
from responses import matchers

from actions.api import models
from actions.api.client import BackendClient
from actions.api.exceptions import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    IdempotencyConflict,
    InvalidResponse,
    NotFound,
    PaymentDeclined,
    RuleViolation,
)
from actions.api.models import Money
from actions.settings import Settings
from tests.unit.actions.api import payloads

BASE = "http://backend.test"
CUSTOMER = "C-1001"
KEY = "idem-key-1"
SETTINGS = Settings(
    backend_url=BASE,
    backend_api_key="test-service-key",
    backend_timeout_seconds=2.5,
    backend_retries=2,
)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[BackendClient]:
    backend = BackendClient(SETTINGS)
    yield backend
    backend.close()


@dataclass(frozen=True)
class Route:
    """One client method and the HTTP exchange it must produce."""

    name: str
    args: tuple[Any, ...]
    http_method: str
    path: str
    payload: Any
    returns: type
    kwargs: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    customer_scoped: bool = True
    body: dict[str, Any] | None = None

    @property
    def is_list(self) -> bool:
        return isinstance(self.payload, list)


ROUTES = [
    Route("health", (), "GET", "/health", payloads.HEALTH, models.Health, customer_scoped=False),
    Route(
        "login",
        ("ada@example.com", "correct horse"),
        "POST",
        "/v1/auth/login",
        payloads.LOGIN,
        models.LoginResult,
        kwargs={"idempotency_key": KEY},
        customer_scoped=False,
        body={"email": "ada@example.com", "password": "correct horse"},
    ),
    Route(
        "start_verification",
        ("ada@example.com",),
        "POST",
        "/v1/auth/verification",
        payloads.VERIFICATION_STARTED,
        type(None),
        kwargs={"idempotency_key": KEY},
        status=202,
        customer_scoped=False,
        body={"email": "ada@example.com"},
    ),
    Route(
        "confirm_verification",
        ("ada@example.com", "042917"),
        "POST",
        "/v1/auth/verification/confirm",
        payloads.LOGIN,
        models.LoginResult,
        kwargs={"idempotency_key": KEY},
        customer_scoped=False,
        body={"email": "ada@example.com", "code": "042917"},
    ),
    Route(
        "read_dev_outbox",
        ("ada@example.com",),
        "GET",
        "/v1/dev/outbox",
        [payloads.OUTBOUND_MESSAGE],
        models.OutboundMessage,
        customer_scoped=False,
    ),
    Route(
        "get_customer", (CUSTOMER,), "GET", "/v1/customers/me", payloads.CUSTOMER, models.Customer
    ),
    Route("get_balance", (CUSTOMER,), "GET", "/v1/balance", payloads.BALANCE, models.Balance),
    Route(
        "list_instalments",
        (CUSTOMER,),
        "GET",
        "/v1/instalments",
        [payloads.INSTALMENT],
        models.Instalment,
    ),
    Route(
        "get_next_instalment",
        (CUSTOMER,),
        "GET",
        "/v1/instalments/next",
        payloads.INSTALMENT,
        models.Instalment,
    ),
    Route(
        "get_instalment",
        (CUSTOMER, "INS-1"),
        "GET",
        "/v1/instalments/INS-1",
        payloads.INSTALMENT,
        models.Instalment,
    ),
    Route(
        "get_extension_options",
        (CUSTOMER, "INS-1"),
        "GET",
        "/v1/instalments/INS-1/extension-options",
        payloads.EXTENSION_OPTIONS,
        models.ExtensionOptions,
    ),
    Route(
        "extend_instalment",
        (CUSTOMER, "INS-1", 14),
        "POST",
        "/v1/instalments/INS-1/extensions",
        payloads.EXTENSION,
        models.Extension,
        kwargs={"idempotency_key": KEY},
        status=201,
        body={"days": 14},
    ),
    Route(
        "pay_instalment",
        (CUSTOMER, "INS-1"),
        "POST",
        "/v1/payments",
        payloads.PAYMENT,
        models.Payment,
        kwargs={"idempotency_key": KEY},
        status=201,
        body={"instalment_id": "INS-1"},
    ),
    Route("list_payments", (CUSTOMER,), "GET", "/v1/payments", [payloads.PAYMENT], models.Payment),
    Route(
        "get_payment",
        (CUSTOMER, "PAY-1"),
        "GET",
        "/v1/payments/PAY-1",
        payloads.PAYMENT,
        models.Payment,
    ),
    Route(
        "list_duplicate_charges",
        (CUSTOMER,),
        "GET",
        "/v1/payments/duplicates",
        [payloads.DUPLICATE_CHARGE],
        models.DuplicateCharge,
    ),
    Route(
        "refund_duplicate_charge",
        (CUSTOMER, "PAY-2"),
        "POST",
        "/v1/payments/PAY-2/duplicate-refund",
        payloads.REFUND,
        models.Refund,
        kwargs={"idempotency_key": KEY},
        status=201,
    ),
    Route(
        "open_dispute",
        (CUSTOMER, "PAY-1", "unrecognized"),
        "POST",
        "/v1/disputes",
        payloads.DISPUTE,
        models.Dispute,
        kwargs={"idempotency_key": KEY},
        status=201,
        body={"payment_id": "PAY-1", "reason": "unrecognized"},
    ),
    Route("list_orders", (CUSTOMER,), "GET", "/v1/orders", [payloads.ORDER], models.Order),
    Route(
        "get_order",
        (CUSTOMER, "KL-482913"),
        "GET",
        "/v1/orders/KL-482913",
        payloads.ORDER,
        models.Order,
    ),
    Route(
        "get_refund_eligibility",
        (CUSTOMER, "KL-482913"),
        "GET",
        "/v1/orders/KL-482913/refund-eligibility",
        payloads.REFUND_ELIGIBILITY,
        models.RefundEligibility,
    ),
    Route(
        "create_refund",
        (CUSTOMER, "KL-482913", Money(Decimal("12.50"), "EUR"), "damaged"),
        "POST",
        "/v1/refunds",
        payloads.REFUND,
        models.Refund,
        kwargs={"idempotency_key": KEY},
        status=201,
        body={"order_id": "KL-482913", "amount": "12.50", "currency": "EUR", "reason": "damaged"},
    ),
    Route("list_refunds", (CUSTOMER,), "GET", "/v1/refunds", [payloads.REFUND], models.Refund),
    Route(
        "get_refund", (CUSTOMER, "RF-1"), "GET", "/v1/refunds/RF-1", payloads.REFUND, models.Refund
    ),
    Route(
        "cancel_order",
        (CUSTOMER, "KL-482913"),
        "POST",
        "/v1/orders/KL-482913/cancel",
        {**payloads.ORDER, "status": "cancelled"},
        models.Order,
        kwargs={"idempotency_key": KEY},
    ),
    Route(
        "report_return",
        (CUSTOMER, "KL-482913", "too small"),
        "POST",
        "/v1/orders/KL-482913/returns",
        payloads.RETURN,
        models.Return,
        kwargs={"idempotency_key": KEY},
        status=201,
        body={"reason": "too small"},
    ),
    Route("list_fees", (CUSTOMER,), "GET", "/v1/fees", [payloads.FEE], models.Fee),
    Route("list_invoices", (CUSTOMER,), "GET", "/v1/invoices", [payloads.INVOICE], models.Invoice),
    Route(
        "get_invoice",
        (CUSTOMER, "2025-000123"),
        "GET",
        "/v1/invoices/2025-000123",
        payloads.INVOICE,
        models.Invoice,
    ),
    Route(
        "list_payment_methods",
        (CUSTOMER,),
        "GET",
        "/v1/payment-methods",
        [payloads.PAYMENT_METHOD],
        models.PaymentMethod,
    ),
    Route(
        "create_payment_update_link",
        (CUSTOMER,),
        "POST",
        "/v1/payment-methods/update-link",
        payloads.UPDATE_LINK,
        models.UpdateLink,
        kwargs={"idempotency_key": KEY},
        status=201,
    ),
    Route(
        "list_supported_payment_methods",
        (),
        "GET",
        "/v1/payment-methods/supported",
        [payloads.SUPPORTED_PAYMENT_METHOD],
        models.SupportedPaymentMethod,
        customer_scoped=False,
    ),
    Route(
        "find_merchants",
        ("nordic",),
        "GET",
        "/v1/merchants",
        [payloads.MERCHANT],
        models.Merchant,
        customer_scoped=False,
    ),
    Route(
        "get_refund_policy",
        ("M-1",),
        "GET",
        "/v1/merchants/M-1/refund-policy",
        payloads.REFUND_POLICY,
        models.RefundPolicy,
        customer_scoped=False,
    ),
    Route(
        "get_fee_policy",
        (),
        "GET",
        "/v1/policies/fees",
        payloads.FEE_POLICY,
        models.FeePolicy,
        customer_scoped=False,
    ),
    Route(
        "get_extension_policy",
        (),
        "GET",
        "/v1/policies/extensions",
        payloads.EXTENSION_POLICY,
        models.ExtensionPolicy,
        customer_scoped=False,
    ),
]
POST_ROUTES = [route for route in ROUTES if route.http_method == "POST"]


def _call(client: BackendClient, route: Route, **overrides: Any) -> Any:
    return getattr(client, route.name)(*route.args, **{**route.kwargs, **overrides})


def _sent(mocked: responses.RequestsMock, index: int = 0) -> requests.PreparedRequest:
    return mocked.calls[index].request


class TestEveryRoute:
    @pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
    def test_sends_the_contract_request_and_returns_typed_models(
        self, client: BackendClient, mocked: responses.RequestsMock, route: Route
    ) -> None:
        mocked.add(route.http_method, BASE + route.path, json=route.payload, status=route.status)

        result = _call(client, route)

        sent = _sent(mocked)
        assert len(mocked.calls) == 1
        assert sent.method == route.http_method
        assert sent.headers["Authorization"] == "Bearer test-service-key"
        assert sent.req_kwargs["timeout"] == 2.5  # type: ignore[attr-defined]
        if route.customer_scoped:
            assert sent.headers["X-Customer-Id"] == CUSTOMER
        else:
            assert "X-Customer-Id" not in sent.headers
        if route.http_method == "POST":
            assert sent.headers["Idempotency-Key"] == KEY
        else:
            assert "Idempotency-Key" not in sent.headers
        if route.body is not None:
            assert json.loads(sent.body) == route.body  # type: ignore[arg-type]
        else:
            assert sent.body is None
        if route.is_list:
            assert isinstance(result, list)
            assert len(result) == 1
            assert isinstance(result[0], route.returns)
        else:
            assert isinstance(result, route.returns)

    def test_every_public_method_is_covered(self) -> None:
        public = {name for name in vars(BackendClient) if not name.startswith("_")} - {"close"}

        assert public == {route.name for route in ROUTES}

    @pytest.mark.parametrize("route", POST_ROUTES, ids=[route.name for route in POST_ROUTES])
    @pytest.mark.parametrize("key", ["", "   ", "k" * 201])
    def test_post_without_valid_idempotency_key_sends_nothing(
        self, client: BackendClient, mocked: responses.RequestsMock, route: Route, key: str
    ) -> None:
        with pytest.raises(ValueError, match="idempotency_key"):
            _call(client, route, idempotency_key=key)

        assert len(mocked.calls) == 0

    @pytest.mark.parametrize("route", POST_ROUTES, ids=[route.name for route in POST_ROUTES])
    def test_idempotency_key_is_keyword_only_and_required(
        self, client: BackendClient, route: Route
    ) -> None:
        with pytest.raises(TypeError):
            getattr(client, route.name)(*route.args)


class TestRequests:
    def test_refund_amount_is_sent_as_a_decimal_string(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(BASE + "/v1/refunds", json=payloads.REFUND, status=201)

        client.create_refund(
            CUSTOMER, "KL-482913", Money(Decimal("1E+1"), "SEK"), "late", idempotency_key=KEY
        )

        body = json.loads(_sent(mocked).body)  # type: ignore[arg-type]
        assert body["amount"] == "10"
        assert body["currency"] == "SEK"

    def test_query_parameters_are_encoded_and_none_is_omitted(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(
            BASE + "/v1/payments",
            json=[],
            match=[matchers.query_param_matcher({"status": "declined", "limit": "5"})],
        )
        mocked.get(BASE + "/v1/orders", json=[], match=[matchers.query_string_matcher("")])

        assert client.list_payments(CUSTOMER, status="declined", limit=5) == []
        assert client.list_orders(CUSTOMER) == []
        assert _sent(mocked, 1).url == BASE + "/v1/orders"

    def test_query_values_are_escaped_not_concatenated(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/merchants", json=[payloads.MERCHANT])

        client.find_merchants("H&M store=1#x")

        assert _sent(mocked).params == {"name": "H&M store=1#x"}  # type: ignore[attr-defined]
        assert "name=H%26M+store%3D1%23x" in _sent(mocked).url  # type: ignore[operator]

    @pytest.mark.parametrize(
        ("ref", "quoted"),
        [
            ("order #482913", "order%20%23482913"),
            ("KL-482913\\x", "KL-482913%5Cx"),
            ("?status=x", "%3Fstatus%3Dx"),
            ("KL-1%2F..", "KL-1%252F.."),
        ],
    )
    def test_path_segments_are_quoted(
        self, client: BackendClient, mocked: responses.RequestsMock, ref: str, quoted: str
    ) -> None:
        mocked.get(
            f"{BASE}/v1/orders/{quoted}/refund-eligibility", json=payloads.REFUND_ELIGIBILITY
        )

        client.get_refund_eligibility(CUSTOMER, ref)

        assert _sent(mocked).path_url == f"/v1/orders/{quoted}/refund-eligibility"

    @pytest.mark.parametrize("ref", [".", "..", "KL-482913/cancel", "a/../b"])
    def test_route_changing_identifiers_are_not_found_without_sending(
        self, client: BackendClient, mocked: responses.RequestsMock, ref: str
    ) -> None:
        # The server decodes %2F and URL normalisation resolves dot segments.
        with pytest.raises(NotFound):
            client.cancel_order(CUSTOMER, ref, idempotency_key=KEY)

        assert len(mocked.calls) == 0

    def test_empty_identifiers_are_refused_before_sending(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        with pytest.raises(ValueError):
            client.get_order(CUSTOMER, "  ")
        with pytest.raises(ValueError, match="customer_id"):
            client.get_balance("")

        assert len(mocked.calls) == 0

    def test_injected_session_is_used_and_authenticated(
        self, mocked: responses.RequestsMock
    ) -> None:
        class SpySession(requests.Session):
            def __init__(self) -> None:
                super().__init__()
                self.timeouts: list[Any] = []

            def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
                self.timeouts.append(kwargs.get("timeout"))
                return super().request(*args, **kwargs)

        session = SpySession()
        mocked.get(BASE + "/v1/balance", json=payloads.BALANCE)
        mocked.get(BASE + "/v1/policies/fees", json=payloads.FEE_POLICY)
        client = BackendClient(SETTINGS, session=session)

        client.get_balance(CUSTOMER)
        client.get_fee_policy()

        assert session.timeouts == [2.5, 2.5]
        assert _sent(mocked).headers["Authorization"] == "Bearer test-service-key"

    def test_bodies_and_secrets_are_never_logged(
        self,
        client: BackendClient,
        mocked: responses.RequestsMock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        mocked.post(BASE + "/v1/auth/login", json=payloads.LOGIN)
        mocked.post(BASE + "/v1/refunds", json=payloads.error("invalid_amount"), status=422)

        client.login("ada@example.com", "hunter2-secret", idempotency_key=KEY)
        with pytest.raises(RuleViolation):
            client.create_refund(
                CUSTOMER, "KL-1", Money(Decimal("9.99"), "EUR"), "reason-text", idempotency_key=KEY
            )

        assert "/v1/auth/login" in caplog.text
        for secret in (
            "hunter2-secret",
            "test-service-key",
            "header.claims.signature",
            "reason-text",
        ):
            assert secret not in caplog.text


class TestResponses:
    def test_amounts_are_exact_decimals(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/orders/KL-482913", json=payloads.ORDER)

        order = client.get_order(CUSTOMER, "KL-482913")

        assert isinstance(order.total.amount, Decimal)
        assert order.total.amount == Decimal("140.01")
        assert order.items[1].unit_price.amount == Decimal("3.37")

    def test_json_numbers_are_decoded_as_decimals_not_floats(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        body = json.dumps(payloads.BALANCE).replace('"120.00"', "0.1")
        mocked.get(BASE + "/v1/balance", body=body, content_type="application/json")

        balance = client.get_balance(CUSTOMER)

        assert balance.outstanding.amount == Decimal("0.1")
        assert isinstance(balance.outstanding.amount, Decimal)

    def test_body_that_is_not_json_raises_invalid_response(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/balance", body="<html>oops</html>", content_type="text/html")

        with pytest.raises(InvalidResponse) as caught:
            client.get_balance(CUSTOMER)

        assert isinstance(caught.value, BackendUnavailable)
        assert caught.value.status_code == 200

    def test_payload_breaking_the_contract_raises_invalid_response(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        broken = payloads.clone(payloads.INSTALMENT)
        del broken["due_date"]
        mocked.get(BASE + "/v1/instalments", json=[payloads.INSTALMENT, broken])

        with pytest.raises(InvalidResponse, match=r"Instalment\[1\]: 'due_date' is missing"):
            client.list_instalments(CUSTOMER)

    def test_object_where_a_list_is_expected_raises_invalid_response(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/fees", json={"items": []})

        with pytest.raises(InvalidResponse, match="list"):
            client.list_fees(CUSTOMER)

    def test_next_instalment_is_none_when_nothing_is_due(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/instalments/next", json=payloads.error("nothing_due"), status=404)

        assert client.get_next_instalment(CUSTOMER) is None

    def test_next_instalment_other_404_still_raises(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/instalments/next", json=payloads.error("not_found"), status=404)

        with pytest.raises(NotFound):
            client.get_next_instalment(CUSTOMER)


ERROR_CASES: list[tuple[int, str, type[Exception]]] = [
    (400, "malformed_json", BadRequest),
    (400, "idempotency_key_required", BadRequest),
    (401, "unauthorized", AuthenticationError),
    (401, "invalid_credentials", AuthenticationError),
    (403, "forbidden", AuthenticationError),
    (404, "not_found", NotFound),
    (405, "method_not_allowed", BadRequest),
    (409, "already_paid", RuleViolation),
    (409, "idempotency_in_progress", IdempotencyConflict),
    (422, "idempotency_key_reused", RuleViolation),
    (422, "refund_window_expired", RuleViolation),
    (422, "payment_declined", PaymentDeclined),
    (429, "rate_limited", BackendUnavailable),
    (500, "internal_error", BackendUnavailable),
    (503, "unavailable", BackendUnavailable),
]


class TestErrors:
    @pytest.mark.parametrize(("status", "code", "expected"), ERROR_CASES)
    def test_status_and_code_map_to_one_exception(
        self,
        client: BackendClient,
        mocked: responses.RequestsMock,
        status: int,
        code: str,
        expected: type[Exception],
    ) -> None:
        envelope = payloads.error(code, "The backend said no.", decline_reason="do_not_honor")
        mocked.post(BASE + "/v1/payments", json=envelope, status=status)

        with pytest.raises(BackendError) as caught:
            client.pay_instalment(CUSTOMER, "INS-1", idempotency_key=KEY)

        assert type(caught.value) is expected
        assert caught.value.code == code
        assert caught.value.status_code == status
        assert caught.value.message == "The backend said no."
        assert caught.value.details == {"decline_reason": "do_not_honor"}

    def test_409_already_paid_is_not_an_idempotency_conflict(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(BASE + "/v1/payments", json=payloads.error("already_paid"), status=409)

        with pytest.raises(RuleViolation) as caught:
            client.pay_instalment(CUSTOMER, "INS-1", idempotency_key=KEY)

        assert not isinstance(caught.value, IdempotencyConflict)

    def test_rule_violation_keeps_the_details(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(
            BASE + "/v1/refunds",
            json=payloads.error(
                "amount_exceeds_refundable",
                "You can refund at most 20.00 EUR.",
                refundable={"amount": "20.00", "currency": "EUR"},
            ),
            status=422,
        )

        with pytest.raises(RuleViolation) as caught:
            client.create_refund(
                CUSTOMER, "KL-482913", Money(Decimal("25.00"), "EUR"), "x", idempotency_key=KEY
            )

        assert caught.value.code == "amount_exceeds_refundable"
        assert caught.value.details == {"refundable": {"amount": "20.00", "currency": "EUR"}}
        assert caught.value.message == "You can refund at most 20.00 EUR."

    def test_payment_declined_exposes_the_reason(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(
            BASE + "/v1/payments",
            json=payloads.error("payment_declined", decline_reason="insufficient_funds"),
            status=422,
        )

        with pytest.raises(PaymentDeclined) as caught:
            client.pay_instalment(CUSTOMER, "INS-1", idempotency_key=KEY)

        assert caught.value.decline_reason == "insufficient_funds"

    @pytest.mark.parametrize(
        ("status", "body", "expected", "code"),
        [
            (502, "<html>Bad gateway</html>", BackendUnavailable, "http_502"),
            (404, json.dumps({"detail": "Not Found"}), NotFound, "not_found"),
            (
                422,
                json.dumps({"detail": [{"loc": ["body"]}]}),
                RuleViolation,
                "unprocessable_entity",
            ),
            (418, "", BadRequest, "http_418"),
        ],
    )
    def test_error_without_envelope_still_maps_by_status(
        self,
        client: BackendClient,
        mocked: responses.RequestsMock,
        status: int,
        body: str,
        expected: type[BackendError],
        code: str,
    ) -> None:
        mocked.get(BASE + "/v1/orders/KL-1", body=body, status=status)

        with pytest.raises(expected) as caught:
            client.get_order(CUSTOMER, "KL-1")

        assert caught.value.code == code
        assert caught.value.status_code == status
        assert caught.value.message

    def test_connection_error_is_backend_unavailable_not_timeout(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/balance", body=requests.ConnectionError("refused"))

        with pytest.raises(BackendUnavailable) as caught:
            client.get_balance(CUSTOMER)

        assert not isinstance(caught.value, BackendTimeout)
        assert isinstance(caught.value.__cause__, requests.ConnectionError)

    @pytest.mark.parametrize(
        "error", [requests.ConnectTimeout("slow"), requests.ReadTimeout("slow")]
    )
    def test_timeouts_are_backend_timeout(
        self, client: BackendClient, mocked: responses.RequestsMock, error: Exception
    ) -> None:
        mocked.post(BASE + "/v1/payments", body=error)

        with pytest.raises(BackendTimeout, match="2.5 s"):
            client.pay_instalment(CUSTOMER, "INS-1", idempotency_key=KEY)

    def test_no_requests_exception_escapes(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/fees", body=requests.TooManyRedirects("loop"))

        with pytest.raises(BackendUnavailable):
            client.list_fees(CUSTOMER)


class TestVerification:
    def test_outbox_is_read_for_one_recipient_newest_first(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        newer = {**payloads.OUTBOUND_MESSAGE, "id": 8, "body": "Your code is 100200."}
        mocked.get(
            BASE + "/v1/dev/outbox",
            json=[newer, payloads.OUTBOUND_MESSAGE],
            match=[matchers.query_param_matcher({"recipient": "ada+chat@example.com"})],
        )

        messages = client.read_dev_outbox("ada+chat@example.com")

        assert [message.id for message in messages] == [8, 7]
        assert messages[0].body == "Your code is 100200."

    def test_outbox_switched_off_is_not_found(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/dev/outbox", json=payloads.error("not_found"), status=404)

        with pytest.raises(NotFound):
            client.read_dev_outbox("ada@example.com")

    @pytest.mark.parametrize(
        ("status", "code", "details"),
        [
            (422, "invalid_code", {"attempts_left": 3}),
            (422, "code_expired", {"expired_at": "2025-03-01T10:10:00Z"}),
            (422, "no_pending_code", {}),
            (429, "too_many_attempts", {"attempts_left": 0}),
        ],
    )
    def test_confirm_refusals_are_rule_violations(
        self,
        client: BackendClient,
        mocked: responses.RequestsMock,
        status: int,
        code: str,
        details: dict[str, Any],
    ) -> None:
        mocked.post(
            BASE + "/v1/auth/verification/confirm",
            json=payloads.error(code, "No.", **details),
            status=status,
        )

        with pytest.raises(RuleViolation) as caught:
            client.confirm_verification("ada@example.com", "000000", idempotency_key=KEY)

        assert type(caught.value) is RuleViolation
        assert (caught.value.code, caught.value.status_code) == (code, status)
        assert caught.value.details == details

    def test_too_many_code_requests_is_a_rule_violation(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(
            BASE + "/v1/auth/verification",
            json=payloads.error("too_many_requests", retry_after_seconds=600),
            status=429,
        )

        with pytest.raises(RuleViolation) as caught:
            client.start_verification("ada@example.com", idempotency_key=KEY)

        assert caught.value.code == "too_many_requests"
        assert caught.value.details == {"retry_after_seconds": 600}

    @pytest.mark.parametrize("body", [payloads.error("rate_limited"), None])
    def test_other_429s_on_verification_still_mean_unavailable(
        self, client: BackendClient, mocked: responses.RequestsMock, body: Any
    ) -> None:
        # A proxy's 429 (no envelope, or another code) is an overloaded backend.
        mocked.post(BASE + "/v1/auth/verification", json=body, status=429)

        with pytest.raises(BackendUnavailable) as caught:
            client.start_verification("ada@example.com", idempotency_key=KEY)

        assert caught.value.code == "rate_limited"

    def test_limit_codes_on_other_routes_still_mean_unavailable(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(BASE + "/v1/payments", json=payloads.error("too_many_requests"), status=429)

        with pytest.raises(BackendUnavailable):
            client.pay_instalment(CUSTOMER, "INS-1", idempotency_key=KEY)

    def test_the_code_is_never_logged(
        self,
        client: BackendClient,
        mocked: responses.RequestsMock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        mocked.post(
            BASE + "/v1/auth/verification/confirm",
            json=payloads.error("invalid_code", attempts_left=4),
            status=422,
        )

        with pytest.raises(RuleViolation):
            client.confirm_verification("ada@example.com", "918273", idempotency_key=KEY)

        assert "/v1/auth/verification/confirm" in caplog.text
        assert "918273" not in caplog.text


class TestRetries:
    def test_get_is_retried_on_503_then_succeeds(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/balance", status=503, json=payloads.error("unavailable"))
        mocked.get(BASE + "/v1/balance", status=502, body="bad gateway")
        mocked.get(BASE + "/v1/balance", json=payloads.BALANCE)

        balance = client.get_balance(CUSTOMER)

        assert balance.open_plans == 2
        assert len(mocked.calls) == 3

    def test_get_gives_up_after_the_configured_retries(
        self, client: BackendClient, mocked: responses.RequestsMock
    ) -> None:
        mocked.get(BASE + "/v1/balance", status=503, json=payloads.error("unavailable", "Down."))

        with pytest.raises(BackendUnavailable) as caught:
            client.get_balance(CUSTOMER)

        assert len(mocked.calls) == 3  # 1 attempt + BACKEND_RETRIES (2)
        assert caught.value.status_code == 503
        assert caught.value.code == "unavailable"

    @pytest.mark.parametrize("status", [500, 404, 409])
    def test_get_is_not_retried_on_other_statuses(
        self, client: BackendClient, mocked: responses.RequestsMock, status: int
    ) -> None:
        mocked.get(BASE + "/v1/balance", status=status, json=payloads.error("x"))

        with pytest.raises(BackendError):
            client.get_balance(CUSTOMER)

        assert len(mocked.calls) == 1

    @pytest.mark.parametrize("route", POST_ROUTES, ids=[route.name for route in POST_ROUTES])
    def test_post_is_never_retried_on_503(
        self, client: BackendClient, mocked: responses.RequestsMock, route: Route
    ) -> None:
        mocked.add(
            route.http_method, BASE + route.path, status=503, json=payloads.error("unavailable")
        )
        mocked.add(route.http_method, BASE + route.path, json=route.payload, status=route.status)

        with pytest.raises(BackendUnavailable):
            _call(client, route)

        assert len(mocked.calls) == 1

    def test_zero_retries_means_one_attempt(self, mocked: responses.RequestsMock) -> None:
        client = BackendClient(Settings(backend_url=BASE, backend_retries=0))
        mocked.get(BASE + "/v1/balance", status=503)

        with pytest.raises(BackendUnavailable):
            client.get_balance(CUSTOMER)

        assert len(mocked.calls) == 1

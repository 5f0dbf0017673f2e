"""Login and service authentication."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt

from payments_backend.security import TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.support import NOW, SIGNING_KEY, Api, error_code


def login(api: Api, email: str, password: str, key: str = "login-1") -> httpx.Response:
    response: httpx.Response = api.client.post(
        "/v1/auth/login",
        json={"email": email, "password": password},
        headers={"Idempotency-Key": key},
    )
    return response


def test_login_returns_customer_and_signed_identity_token(api: Api) -> None:
    response = login(api, "ada@example.com", "demo")
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "C1001"
    claims = jwt.decode(
        body["token"],
        SIGNING_KEY,
        algorithms=["HS256"],
        audience=TOKEN_AUDIENCE,
        issuer=TOKEN_ISSUER,
        options={"verify_exp": False},
    )
    assert claims["sub"] == "C1001"
    assert claims["exp"] == int((NOW + timedelta(minutes=15)).timestamp())
    assert body["expires_at"] == "2025-06-18T12:15:00Z"


def test_login_email_is_case_insensitive(api: Api) -> None:
    response = login(api, "  Ben@Example.COM ", "demo")
    assert response.json()["customer_id"] == "C1002"


def test_wrong_password_and_unknown_email_are_both_invalid_credentials(api: Api) -> None:
    wrong = login(api, "ada@example.com", "nope", key="k1")
    unknown = login(api, "nobody@example.com", "demo", key="k2")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"


def test_login_needs_an_idempotency_key_and_valid_body(api: Api) -> None:
    credentials = {"email": "ada@example.com", "password": "demo"}
    no_key = api.client.post("/v1/auth/login", json=credentials)
    assert (no_key.status_code, error_code(no_key)) == (400, "idempotency_key_required")
    missing = api.client.post(
        "/v1/auth/login", json={"email": "ada@example.com"}, headers={"Idempotency-Key": "k"}
    )
    assert (missing.status_code, error_code(missing)) == (422, "validation_error")
    assert missing.json()["error"]["details"]["errors"][0]["field"] == "body.password"


def test_customer_routes_need_the_service_key(api: Api) -> None:
    no_auth = api.client.get("/v1/customers/me", headers={"X-Customer-Id": "C1001"})
    wrong = api.client.get(
        "/v1/customers/me",
        headers={"X-Customer-Id": "C1001", "Authorization": "Bearer wrong"},
    )
    basic = api.client.get(
        "/v1/customers/me",
        headers={"X-Customer-Id": "C1001", "Authorization": "Basic dGVzdDp0ZXN0"},
    )
    for response in (no_auth, wrong, basic):
        assert (response.status_code, error_code(response)) == (401, "unauthorized")


def test_customer_routes_need_a_known_customer(api: Api) -> None:
    missing = api.get("/v1/customers/me", customer=None)
    unknown = api.get("/v1/customers/me", customer="C9999")
    assert (missing.status_code, error_code(missing)) == (401, "customer_required")
    assert (unknown.status_code, error_code(unknown)) == (401, "unknown_customer")


def test_posts_check_the_service_key_before_the_idempotency_key(api: Api) -> None:
    response = api.client.post("/v1/refunds", json={}, headers={"X-Customer-Id": "C1001"})
    assert (response.status_code, error_code(response)) == (401, "unauthorized")
    response = api.client.post("/v1/refunds", json={}, headers=api.headers("C1001"))
    assert (response.status_code, error_code(response)) == (400, "idempotency_key_required")

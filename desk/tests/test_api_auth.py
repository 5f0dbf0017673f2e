"""Service key, agent login and agent tokens."""

from __future__ import annotations

from datetime import timedelta

import jwt

from agent_desk.security import TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.support import API_KEY, NOW, SIGNING_KEY, Api, ManualClock, ticket_body


def test_opening_a_ticket_needs_the_service_key(api: Api) -> None:
    client = api.client
    for headers in (
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Bearer {api.token('maria')}"},
    ):
        response = client.post(
            "/v1/tickets", json=ticket_body(), headers={**headers, "Idempotency-Key": "k-12345678"}
        )
        assert response.status_code == 401
        assert response.json() == {"detail": "A valid service key is required."}


def test_login_gives_a_token_that_opens_the_console_routes(api: Api) -> None:
    response = api.client.post("/v1/agents/login", json={"username": "maria", "password": "demo"})
    assert response.status_code == 200
    body = response.json()
    assert body["agent"] == {"username": "maria", "display_name": "Maria"}
    claims = jwt.decode(
        body["token"],
        SIGNING_KEY,
        algorithms=["HS256"],
        audience=TOKEN_AUDIENCE,
        issuer=TOKEN_ISSUER,
        options={"verify_exp": False},
    )
    assert claims["sub"] == "maria"
    assert claims["exp"] - claims["iat"] == 12 * 3600
    queue = api.client.get("/v1/queue", headers={"Authorization": f"Bearer {body['token']}"})
    assert queue.status_code == 200


def test_wrong_name_or_password_is_401_with_one_sentence(api: Api) -> None:
    for credentials in (
        {"username": "maria", "password": "nope"},
        {"username": "nobody", "password": "demo"},
    ):
        response = api.client.post("/v1/agents/login", json=credentials)
        assert response.status_code == 401
        assert response.json() == {"detail": "The name or password is wrong."}


def test_console_routes_refuse_missing_forged_and_service_credentials(api: Api) -> None:
    forged = jwt.encode(
        {
            "sub": "maria",
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 3600,
        },
        "another-key-of-enough-length-for-hs256",
        algorithm="HS256",
    )
    for headers in (
        {},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {API_KEY}"},
    ):
        response = api.client.get("/v1/queue", headers=headers)
        assert response.status_code == 401, headers
        assert isinstance(response.json()["detail"], str)


def test_a_token_expires_after_twelve_hours(api: Api, clock: ManualClock) -> None:
    token = api.token("maria")
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(timedelta(hours=11, minutes=59))
    assert api.client.get("/v1/queue", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=2))
    response = api.client.get("/v1/queue", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_status_accepts_the_service_key_or_an_agent_token(api: Api) -> None:
    assert api.client.get("/v1/status").status_code == 401
    service = api.client.get("/v1/status", headers={"Authorization": f"Bearer {API_KEY}"})
    assert service.status_code == 200
    assert service.json()["agents_online"] == 0
    agent = api.as_agent("maria", "GET", "/v1/status")
    assert agent.status_code == 200
    # Maria's own request counts her as online.
    assert agent.json()["agents_online"] == 1

"""Verification of an anonymous visitor by an e-mailed one-time code, and the dev outbox."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from payments_backend import models
from payments_backend.app import create_app
from payments_backend.security import TOKEN_AUDIENCE, TOKEN_ISSUER, one_time_code_digest
from payments_backend.services import verification
from payments_backend.settings import Settings
from tests.support import API_KEY, NOW, SIGNING_KEY, Api, ManualClock, error_code

SERVICE = {"Authorization": f"Bearer {API_KEY}"}
SENT = {"status": "sent", "expires_in_seconds": 600}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def client(settings: Settings, clock: ManualClock, db: Session) -> Iterator[TestClient]:
    """The app with the dev outbox on and a clock the test can move."""
    with TestClient(create_app(replace(settings, dev_outbox=True), clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the next codes predictable: the test appends them, each request takes one."""
    queue: list[str] = []
    monkeypatch.setattr(verification, "new_one_time_code", lambda: queue.pop(0))
    return queue


def request_code(client: TestClient, email: str, key: str | None = None) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/auth/verification",
        json={"email": email},
        headers={**SERVICE, "Idempotency-Key": key or str(uuid.uuid4())},
    )
    return response


def confirm(client: TestClient, email: str, code: str, key: str | None = None) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/auth/verification/confirm",
        json={"email": email, "code": code},
        headers={**SERVICE, "Idempotency-Key": key or str(uuid.uuid4())},
    )
    return response


def outbox(client: TestClient, recipient: str | None = None) -> list[dict[str, Any]]:
    params = {"recipient": recipient} if recipient is not None else None
    response = client.get("/v1/dev/outbox", params=params, headers=SERVICE)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()
    return messages


def emailed_code(client: TestClient, recipient: str) -> str:
    """The code in the newest e-mail to ``recipient``."""
    match = re.search(r"\b(\d{6})\b", outbox(client, recipient)[0]["body"])
    assert match is not None
    return match.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def codes_of(db: Session, email: str) -> list[models.VerificationCode]:
    db.expire_all()
    return list(
        db.scalars(
            select(models.VerificationCode)
            .where(models.VerificationCode.email == email)
            .order_by(models.VerificationCode.id)
        )
    )


# ------------------------------------------------------------------ request


def test_a_customer_gets_a_six_digit_code_by_email_and_only_its_hash_is_stored(
    client: TestClient, db: Session
) -> None:
    response = request_code(client, "ada@example.com")

    assert (response.status_code, response.json()) == (202, SENT)
    [message] = outbox(client, "ada@example.com")
    assert message["channel"] == "email"
    assert message["recipient"] == "ada@example.com"
    assert message["subject"] == "Your verification code"
    assert message["created_at"] == "2025-06-18T12:00:00Z"
    assert "Ada Lovelace" in message["body"]
    code = emailed_code(client, "ada@example.com")
    [row] = codes_of(db, "ada@example.com")
    assert (row.customer_id, row.state, row.failed_attempts) == ("C1001", "pending", 0)
    assert row.expires_at == NOW + timedelta(minutes=10)
    # Keyed: without the server secret the stored value cannot be brute-forced.
    assert row.code_hash == one_time_code_digest(SIGNING_KEY, "ada@example.com", code)
    assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()


def test_the_answer_is_the_same_for_an_email_of_no_customer(
    client: TestClient, db: Session
) -> None:
    known = request_code(client, "ada@example.com")
    unknown = request_code(client, "nobody@example.com")

    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert set(unknown.headers) == set(known.headers)
    assert outbox(client, "nobody@example.com") == []
    [decoy] = codes_of(db, "nobody@example.com")
    assert decoy.customer_id is None


def test_requests_are_limited_per_email_and_window(client: TestClient, clock: ManualClock) -> None:
    for _ in range(5):
        assert request_code(client, "ada@example.com").status_code == 202
        clock.advance(timedelta(minutes=10))

    refused = request_code(client, "ada@example.com")

    assert (refused.status_code, error_code(refused)) == (429, "too_many_requests")
    # The first code of the window was requested 50 minutes ago.
    assert refused.json()["error"]["details"] == {"retry_after_seconds": 600}
    assert len(outbox(client, "ada@example.com")) == 5
    assert request_code(client, "ben@example.com").status_code == 202  # per address
    clock.advance(timedelta(minutes=9))
    assert request_code(client, " ADA@example.com").status_code == 429  # same address
    clock.advance(timedelta(minutes=1))
    assert request_code(client, "ada@example.com").status_code == 202
    assert len(outbox(client, "ada@example.com")) == 6


def test_a_refused_request_keeps_the_pending_code(
    client: TestClient, clock: ManualClock, codes: list[str]
) -> None:
    codes.extend(["100001", "100002", "100003", "100004", "100005"])
    for _ in range(5):
        request_code(client, "ada@example.com")

    assert request_code(client, "ada@example.com").status_code == 429
    assert confirm(client, "ada@example.com", "100005").status_code == 200


def test_the_rate_limit_answers_alike_for_an_email_of_no_customer(client: TestClient) -> None:
    for email in ("ada@example.com", "nobody@example.com"):
        statuses = [request_code(client, email).status_code for _ in range(6)]
        assert statuses == [202] * 5 + [429]


def test_a_new_request_replaces_the_previous_code(
    client: TestClient, db: Session, codes: list[str]
) -> None:
    codes.extend(["111111", "222222"])
    request_code(client, "ada@example.com")
    request_code(client, "ada@example.com")

    old = confirm(client, "ada@example.com", "111111")
    new = confirm(client, "ada@example.com", "222222")

    assert (old.status_code, error_code(old)) == (422, "invalid_code")
    assert old.json()["error"]["details"] == {"attempts_left": 4}
    assert new.status_code == 200
    assert [row.state for row in codes_of(db, "ada@example.com")] == ["replaced", "used"]
    bodies = [message["body"] for message in outbox(client, "ada@example.com")]
    assert ["222222" in bodies[0], "111111" in bodies[1]] == [True, True]


def test_replaying_a_request_sends_no_second_email(client: TestClient) -> None:
    first = request_code(client, "ada@example.com", key="verify-1")
    replay = request_code(client, "ada@example.com", key="verify-1")
    reused = request_code(client, "ben@example.com", key="verify-1")

    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(outbox(client, "ada@example.com")) == 1
    assert (reused.status_code, error_code(reused)) == (422, "idempotency_key_reused")


def test_routes_need_the_service_key_an_idempotency_key_and_a_valid_body(
    client: TestClient,
) -> None:
    for path, body in (
        ("/v1/auth/verification", {"email": "ada@example.com"}),
        ("/v1/auth/verification/confirm", {"email": "ada@example.com", "code": "123456"}),
    ):
        no_auth = client.post(path, json=body, headers={"Idempotency-Key": "k"})
        no_key = client.post(path, json=body, headers=SERVICE)
        no_email = client.post(path, json={}, headers={**SERVICE, "Idempotency-Key": "k2"})
        assert (no_auth.status_code, error_code(no_auth)) == (401, "unauthorized")
        assert (no_key.status_code, error_code(no_key)) == (400, "idempotency_key_required")
        assert (no_email.status_code, error_code(no_email)) == (422, "validation_error")


# ------------------------------------------------------------------ confirm


def test_the_right_code_gives_the_login_token_and_is_used_up(
    client: TestClient, db: Session
) -> None:
    request_code(client, "ada@example.com")
    code = emailed_code(client, "ada@example.com")

    response = confirm(client, "ada@example.com", code)

    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "C1001"
    assert body["expires_at"] == "2025-06-18T12:15:00Z"
    claims = jwt.decode(
        body["token"],
        SIGNING_KEY,
        algorithms=["HS256"],
        audience=TOKEN_AUDIENCE,
        issuer=TOKEN_ISSUER,
        options={"verify_exp": False},
    )
    assert claims["sub"] == "C1001"
    [row] = codes_of(db, "ada@example.com")
    assert (row.state, row.used_at) == ("used", NOW)
    again = confirm(client, "ada@example.com", code)
    assert (again.status_code, error_code(again)) == (422, "no_pending_code")


def test_the_token_matches_the_one_login_issues(client: TestClient) -> None:
    request_code(client, "ben@example.com")
    verified = confirm(client, "ben@example.com", emailed_code(client, "ben@example.com"))
    login = client.post(
        "/v1/auth/login",
        json={"email": "ben@example.com", "password": "demo"},
        headers={"Idempotency-Key": "login-1"},
    )
    assert verified.json() == login.json()


def test_email_case_and_code_spacing_do_not_matter(client: TestClient, codes: list[str]) -> None:
    codes.append("042917")
    request_code(client, "  Ada@Example.COM ")

    response = confirm(client, "ADA@example.com", " 042 917 ")

    assert response.json()["customer_id"] == "C1001"


def test_wrong_codes_count_down_then_the_code_is_dead(client: TestClient, db: Session) -> None:
    request_code(client, "ada@example.com")
    code = emailed_code(client, "ada@example.com")

    left = []
    for _ in range(4):
        wrong = confirm(client, "ada@example.com", other_code(code))
        assert (wrong.status_code, error_code(wrong)) == (422, "invalid_code")
        left.append(wrong.json()["error"]["details"]["attempts_left"])
    last = confirm(client, "ada@example.com", other_code(code))
    right_too_late = confirm(client, "ada@example.com", code)

    assert left == [4, 3, 2, 1]
    assert (last.status_code, error_code(last)) == (429, "too_many_attempts")
    assert last.json()["error"]["details"] == {"attempts_left": 0}
    assert (right_too_late.status_code, error_code(right_too_late)) == (429, "too_many_attempts")
    assert codes_of(db, "ada@example.com")[0].failed_attempts == 5
    request_code(client, "ada@example.com")  # a new code starts afresh
    assert confirm(client, "ada@example.com", emailed_code(client, "ada@example.com")).is_success


def test_a_replayed_wrong_attempt_is_counted_once(client: TestClient) -> None:
    request_code(client, "ada@example.com")
    wrong = other_code(emailed_code(client, "ada@example.com"))

    first = confirm(client, "ada@example.com", wrong, key="guess-1")
    replay = confirm(client, "ada@example.com", wrong, key="guess-1")
    second = confirm(client, "ada@example.com", wrong, key="guess-2")

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert [r.json()["error"]["details"]["attempts_left"] for r in (first, replay, second)] == [
        4,
        4,
        3,
    ]


def test_a_code_expires_after_ten_minutes(client: TestClient, clock: ManualClock) -> None:
    request_code(client, "ada@example.com")
    code = emailed_code(client, "ada@example.com")
    clock.advance(timedelta(minutes=10))

    expired = confirm(client, "ada@example.com", code)

    assert (expired.status_code, error_code(expired)) == (422, "code_expired")
    assert expired.json()["error"]["details"] == {"expired_at": "2025-06-18T12:10:00Z"}


def test_a_code_still_works_just_before_it_expires(client: TestClient, clock: ManualClock) -> None:
    request_code(client, "ada@example.com")
    clock.advance(timedelta(minutes=9, seconds=59))

    assert confirm(client, "ada@example.com", emailed_code(client, "ada@example.com")).is_success


def test_without_a_request_there_is_no_pending_code(client: TestClient) -> None:
    for email in ("ada@example.com", "nobody@example.com"):
        response = confirm(client, email, "123456")
        assert (response.status_code, error_code(response)) == (422, "no_pending_code")


def test_confirming_for_an_email_of_no_customer_looks_like_a_wrong_code(
    client: TestClient,
) -> None:
    request_code(client, "ada@example.com")
    request_code(client, "nobody@example.com")
    ada_code = emailed_code(client, "ada@example.com")

    known = [confirm(client, "ada@example.com", other_code(ada_code)) for _ in range(6)]
    unknown = [confirm(client, "nobody@example.com", ada_code) for _ in range(6)]

    def summary(responses: list[httpx.Response]) -> list[tuple[int, str, Any]]:
        return [(r.status_code, error_code(r), r.json()["error"]["details"]) for r in responses]

    assert summary(unknown) == summary(known)
    assert summary(unknown)[-1][:2] == (429, "too_many_attempts")


def test_a_successful_confirmation_is_replayed_with_the_same_token(client: TestClient) -> None:
    request_code(client, "ada@example.com")
    code = emailed_code(client, "ada@example.com")

    first = confirm(client, "ada@example.com", code, key="confirm-1")
    replay = confirm(client, "ada@example.com", code, key="confirm-1")

    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_concurrent_wrong_guesses_are_each_counted(client: TestClient, db: Session) -> None:
    request_code(client, "ada@example.com")
    wrong = other_code(emailed_code(client, "ada@example.com"))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: confirm(client, "ada@example.com", wrong), range(8)))

    left = sorted(
        r.json()["error"]["details"]["attempts_left"] for r in answers if r.status_code == 422
    )
    assert left == [1, 2, 3, 4]
    assert [error_code(r) for r in answers].count("too_many_attempts") == 4
    assert codes_of(db, "ada@example.com")[0].failed_attempts == 5


def test_concurrent_requests_stay_within_the_limit(client: TestClient, db: Session) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: request_code(client, "ada@example.com"), range(12)))

    assert sorted(r.status_code for r in answers) == [202] * 5 + [429] * 7
    assert [row.state for row in codes_of(db, "ada@example.com")].count("pending") == 1
    assert len(outbox(client, "ada@example.com")) == 5


# --------------------------------------------------------------- dev outbox


def test_the_outbox_is_newest_first_and_filters_by_recipient(client: TestClient) -> None:
    request_code(client, "ada@example.com")
    request_code(client, "ben@example.com")
    request_code(client, "ada@example.com")

    everything = outbox(client)
    ada = outbox(client, "ADA@example.com")

    assert [message["recipient"] for message in everything] == [
        "ada@example.com",
        "ben@example.com",
        "ada@example.com",
    ]
    assert [message["id"] for message in ada] == [everything[0]["id"], everything[2]["id"]]
    assert everything[0]["id"] > everything[1]["id"] > everything[2]["id"]
    assert outbox(client, "nobody@example.com") == []
    limited = client.get("/v1/dev/outbox", params={"limit": 1}, headers=SERVICE)
    assert [message["id"] for message in limited.json()] == [everything[0]["id"]]


def test_the_outbox_needs_the_service_key(client: TestClient) -> None:
    response = client.get("/v1/dev/outbox")
    assert (response.status_code, error_code(response)) == (401, "unauthorized")


def test_the_outbox_is_off_by_default(api: Api) -> None:
    response = api.get("/v1/dev/outbox", customer=None)
    assert (response.status_code, error_code(response)) == (404, "not_found")
    assert "/v1/dev/outbox" not in api.client.get("/openapi.json").json()["paths"]

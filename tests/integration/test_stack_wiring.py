"""The started stack is wired together: services, demo logins and the signed channel."""

import datetime as dt
import uuid

import jwt
import requests

from devstack.launcher import DEMO_LOGINS
from tests.integration.stack_fixtures import RunningStack

ADA = "ada@example.com"


def _conversation() -> str:
    return f"wiring-{uuid.uuid4().hex[:12]}"


def _latest_metadata(stack: RunningStack, sender_id: str) -> dict:
    return dict(stack.tracker(sender_id)["latest_message"].get("metadata") or {})


def test_services_are_up_with_the_chosen_model(stack: RunningStack) -> None:
    assert (
        requests.get(f"{stack.backend_url}/health", timeout=10).json()["status"] == "ok"
    )
    assert requests.get(f"{stack.actions_url}/health", timeout=10).status_code == 200
    status = requests.get(
        f"{stack.rasa_url}/status", params={"token": stack.rasa_auth_token}, timeout=10
    ).json()
    assert status["model_file"] == stack.model.name


def test_rasa_api_requires_the_token(stack: RunningStack) -> None:
    assert requests.get(f"{stack.rasa_url}/status", timeout=10).status_code == 401


def test_every_advertised_demo_login_works(stack: RunningStack) -> None:
    for email in DEMO_LOGINS:
        assert stack.login(email)


def test_signed_messages_carry_the_verified_customer(stack: RunningStack) -> None:
    sender = _conversation()

    stack.send(sender, "hello", token=stack.login(ADA))

    assert _latest_metadata(stack, sender)["verified_customer_id"] == stack.customer_id(
        ADA
    )


def test_body_metadata_cannot_claim_an_identity(stack: RunningStack) -> None:
    sender = _conversation()

    stack.send(
        sender, "hello", metadata={"verified_customer_id": stack.customer_id(ADA)}
    )

    assert "verified_customer_id" not in _latest_metadata(stack, sender)


def test_expired_token_is_flagged(stack: RunningStack) -> None:
    sender = _conversation()
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)
    expired = jwt.encode(
        {
            "sub": stack.customer_id(ADA),
            "iss": "payments-backend",
            "aud": "payments-assistant",
            "iat": past,
            "exp": past + dt.timedelta(minutes=15),
        },
        stack.identity_signing_key,
        algorithm="HS256",
    )

    stack.send(sender, "hello", token=expired)

    metadata = _latest_metadata(stack, sender)
    assert metadata["identity_error"] == "expired"
    assert "verified_customer_id" not in metadata

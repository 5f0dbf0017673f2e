"""Authorization fuzz: one customer's ids on every customer route, as another customer.

The routes come from the app's own OpenAPI document, so a new route is fuzzed as
soon as it exists (and a new kind of id parameter fails the test until it is
mapped below). For every ordered pair of demo customers (attacker, victim), each
of the victim's order, instalment, payment, refund and invoice ids, in the ways a
customer may type them, goes into every path parameter, query filter and body
field that takes such an id. Expected: 404 (or 403) for an object, an empty
answer for a list filter, never a byte of the victim's data in any answer, and
the victim's account unchanged afterwards.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from payments_backend import models
from tests.support import Api

CUSTOMERS = ("C1001", "C1002", "C1003")
PAIRS = list(itertools.permutations(CUSTOMERS, 2))
DENIED = {403, 404}

#: Which kind of object each id parameter or body field names.
ID_KINDS = {
    "ref": "order",
    "order_id": "order",
    "instalment_id": "instalment",
    "payment_id": "payment",
    "refund_id": "refund",
    "id_or_number": "invoice",
}
#: Valid values of the other body fields, so the ownership check is what answers.
BODY_FILLERS: dict[str, Any] = {
    "amount": "1.00",
    "currency": "EUR",
    "reason": "unrecognized",  # a valid dispute reason is valid free text too
    "days": 7,
}


@dataclass(frozen=True)
class Operation:
    """One customer-scoped operation of the OpenAPI document."""

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body_fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def customer_operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation that takes ``X-Customer-Id``, with its id-bearing inputs."""
    schemas = spec["components"]["schemas"]
    operations = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            params = operation.get("parameters", [])
            if not any(p["in"] == "header" and p["name"] == "X-Customer-Id" for p in params):
                continue
            body = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            fields: tuple[str, ...] = ()
            if body is not None:
                fields = tuple(schemas[body["$ref"].rsplit("/", 1)[-1]]["properties"])
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    body_fields=fields,
                )
            )
    return operations


def owned_ids(db: Session, customer: str) -> dict[str, list[str]]:
    """The customer's object ids by kind, from the database."""
    plans = select(models.PaymentPlan.id).where(models.PaymentPlan.customer_id == customer)
    invoices = db.execute(
        select(models.Invoice.id, models.Invoice.number).where(
            models.Invoice.customer_id == customer
        )
    ).all()
    return {
        "order": list(
            db.scalars(select(models.Order.id).where(models.Order.customer_id == customer))
        ),
        "instalment": list(
            db.scalars(select(models.Instalment.id).where(models.Instalment.plan_id.in_(plans)))
        ),
        "payment": list(
            db.scalars(select(models.Payment.id).where(models.Payment.customer_id == customer))
        ),
        "refund": list(
            db.scalars(select(models.Refund.id).where(models.Refund.customer_id == customer))
        ),
        "invoice": [value for row in invoices for value in row],
    }


def typed_forms(kind: str, identifier: str) -> list[str]:
    """Ways a customer may type an id (orders accept several references)."""
    if kind != "order":
        return [identifier]
    digits = identifier.split("-", 1)[1]
    return [identifier, digits, f"#{digits}", f"kl {digits}"]


def customer_snapshot(api: Api, operations: list[Operation], customer: str) -> str:
    """Everything the customer's GET routes without parameters show, as one text."""
    parts = []
    for operation in operations:
        if operation.method == "GET" and not operation.path_params:
            response = api.get(operation.path, customer=customer, limit=100)
            parts.append(f"{operation.path} {response.status_code} {response.text}")
    return "\n".join(parts)


def private_tokens(snapshot_of_victim: str, snapshot_of_attacker: str) -> set[str]:
    """Strings of the victim's answers that the attacker's own answers never contain."""

    def leaves(text: str) -> Iterator[str]:
        for line in text.splitlines():
            body = line.split(" ", 2)[2]
            stack: list[Any] = [json.loads(body)]
            while stack:
                value = stack.pop()
                if isinstance(value, dict):
                    stack.extend(value.values())
                elif isinstance(value, list):
                    stack.extend(value)
                elif isinstance(value, str) and len(value) >= 5:
                    yield value

    return set(leaves(snapshot_of_victim)) - set(leaves(snapshot_of_attacker))


@pytest.fixture
def operations(test_client: TestClient) -> list[Operation]:
    """The app's customer-scoped operations."""
    found = customer_operations(test_client.app.openapi())  # type: ignore[attr-defined]
    assert len(found) >= 20, "the OpenAPI document lost its customer routes"
    return found


def requests_for(
    operation: Operation, victim_ids: dict[str, list[str]]
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None, str]]:
    """(path, query, body, planted id) for every way to plant a victim's id.

    The planted id is the canonical one: answers may name what was asked for.
    """
    unmapped = [name for name in operation.path_params if name not in ID_KINDS]
    assert not unmapped, f"{operation.label}: map path parameters {unmapped} to an id kind"
    filler = {f: BODY_FILLERS.get(f) for f in operation.body_fields if f not in ID_KINDS}
    missing = [field for field, value in filler.items() if value is None]
    assert not missing, f"{operation.label}: no valid value for body fields {missing}"
    targets = operation.path_params + operation.query_params + operation.body_fields
    for target in (name for name in targets if name in ID_KINDS):
        kind = ID_KINDS[target]
        for identifier in victim_ids[kind]:
            for form in typed_forms(kind, identifier):
                path, query = operation.path, {}
                body = dict(filler) if operation.body_fields else None
                if target in operation.path_params:
                    path = path.replace("{" + target + "}", quote(form, safe=""))
                elif target in operation.query_params:
                    query[target] = form
                else:
                    assert body is not None
                    body[target] = form
                yield path, query, body, identifier


@pytest.mark.parametrize(("attacker", "victim"), PAIRS)
def test_no_route_shows_or_changes_another_customers_objects(
    api: Api, db: Session, operations: list[Operation], attacker: str, victim: str
) -> None:
    victim_ids = owned_ids(db, victim)
    assert all(victim_ids[kind] for kind in ("order", "instalment", "payment", "invoice"))
    victim_before = customer_snapshot(api, operations, victim)
    secrets = private_tokens(victim_before, customer_snapshot(api, operations, attacker))
    assert secrets, "the victim has no data of their own to protect"
    leaks, wrong_status, exercised = [], [], set()
    for operation in operations:
        for path, query, body, planted in requests_for(operation, victim_ids):
            if operation.method == "GET":
                response = api.client.get(path, params=query, headers=api.headers(attacker))
            else:
                response = api.client.post(
                    path,
                    json=body,
                    headers=api.headers(attacker, f"fuzz-{uuid.uuid4()}"),
                )
            exercised.add(operation.label)
            target_in_query = bool(query)
            if target_in_query:
                # A list filtered by another's id is the attacker's own (empty) list.
                ok = response.status_code in DENIED or (
                    response.status_code == 200 and response.json() == []
                )
            else:
                ok = response.status_code in DENIED
            if not ok:
                wrong_status.append((operation.label, path, query, body, response.status_code))
            shown = [s for s in secrets if s in response.text and s not in planted]
            if shown:
                leaks.append((operation.label, path, shown))
    takes_ids = {
        operation.label
        for operation in operations
        for name in operation.path_params + operation.query_params + operation.body_fields
        if name in ID_KINDS and victim_ids[ID_KINDS[name]]
    }
    assert exercised == takes_ids, takes_ids - exercised
    assert wrong_status == []
    assert leaks == []
    assert customer_snapshot(api, operations, victim) == victim_before


def test_an_idempotency_key_of_another_customer_replays_nothing(api: Api, db: Session) -> None:
    body = {"order_id": "KL-358742", "amount": "5.00", "currency": "EUR", "reason": "Too big"}
    ben = api.post("/v1/refunds", body, customer="C1002", key="shared-key")
    assert ben.status_code == 201
    ada = api.post("/v1/refunds", body, customer="C1001", key="shared-key")
    assert ada.status_code == 404
    assert ben.json()["id"] not in ada.text
    assert "Idempotent-Replayed" not in ada.headers


def test_the_operation_list_covers_every_id_route(operations: list[Operation]) -> None:
    labels = {operation.label for operation in operations}
    for expected in (
        "GET /v1/orders/{ref}",
        "POST /v1/refunds",
        "POST /v1/payments",
        "GET /v1/refunds/{refund_id}",
        "POST /v1/payments/{payment_id}/duplicate-refund",
        "POST /v1/instalments/{instalment_id}/extensions",
        "GET /v1/invoices/{id_or_number}",
    ):
        assert expected in labels

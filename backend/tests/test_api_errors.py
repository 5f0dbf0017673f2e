"""Every error uses the envelope; health and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from payments_backend.app import create_app
from payments_backend.settings import Settings
from tests.support import Api, error_code


def test_health_checks_the_database(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok", "database": "ok"}


def test_unknown_route_and_wrong_method_use_the_envelope(api: Api) -> None:
    missing = api.client.get("/v1/nothing-here")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    wrong = api.client.delete("/v1/merchants")
    assert (wrong.status_code, error_code(wrong)) == (405, "method_not_allowed")


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post(
        "/v1/refunds",
        content=b'{"order_id": ',
        headers={**api.headers("C1001", key="k"), "Content-Type": "application/json"},
    )
    assert (response.status_code, error_code(response)) == (400, "malformed_json")


def test_bad_query_parameters_are_400(api: Api) -> None:
    for params in ({"limit": "abc"}, {"limit": "0"}, {"limit": "101"}):
        response = api.get("/v1/payments", **params)
        assert (response.status_code, error_code(response)) == (400, "invalid_parameter")
        assert response.json()["error"]["details"]["errors"][0]["field"] == "query.limit"


def test_validation_errors_list_the_fields(api: Api) -> None:
    response = api.post("/v1/payments", {})
    assert (response.status_code, error_code(response)) == (422, "validation_error")
    assert "detail" not in response.json()
    [problem] = response.json()["error"]["details"]["errors"]
    assert problem["field"] == "body.instalment_id"


def test_openapi_document_describes_the_contract(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/v1/refunds",
        "/v1/orders/{ref}/refund-eligibility",
        "/v1/instalments/{instalment_id}/extension-options",
        "/v1/payments/duplicates",
        "/v1/auth/login",
        "/health",
    ):
        assert path in paths, path
    refund_post = paths["/v1/refunds"]["post"]
    assert "201" in refund_post["responses"]
    header_names = {p["name"] for p in refund_post["parameters"]}
    assert {"Idempotency-Key", "X-Customer-Id"} <= header_names
    money = document["components"]["schemas"]["Money"]["properties"]
    assert money["amount"]["type"] == "string"


def test_health_reports_an_unreachable_database() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unreachable"}

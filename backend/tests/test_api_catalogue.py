"""Public catalogue routes: merchants, refund policies, company policies."""

from __future__ import annotations

from tests.support import Api, error_code


def test_catalogue_needs_no_service_key(api: Api) -> None:
    for path in (
        "/v1/merchants",
        "/v1/merchants/M-1001/refund-policy",
        "/v1/policies/fees",
        "/v1/policies/extensions",
        "/v1/payment-methods/supported",
    ):
        assert api.client.get(path).status_code == 200, path


def test_merchants_filter_by_name_fragment(api: Api) -> None:
    names = [m["name"] for m in api.client.get("/v1/merchants").json()]
    assert names == [
        "Alpine Outfitters",
        "Casa Verde Living",
        "Lumen Electronics",
        "Nordic Threads",
    ]
    assert api.client.get("/v1/merchants", params={"name": "nordic"}).json() == [
        {"id": "M-1001", "name": "Nordic Threads"}
    ]
    assert api.client.get("/v1/merchants", params={"name": "%"}).json() == []


def test_refund_policies_differ_by_merchant(api: Api) -> None:
    windows = {
        merchant_id: api.client.get(f"/v1/merchants/{merchant_id}/refund-policy").json()
        for merchant_id in ("M-1001", "M-1002", "M-1003")
    }
    assert {k: (v["window_days"], v["refund_days"]) for k, v in windows.items()} == {
        "M-1001": (30, 5),
        "M-1002": (14, 10),
        "M-1003": (60, 7),
    }
    assert windows["M-1001"]["merchant_name"] == "Nordic Threads"
    assert "tags" in windows["M-1001"]["conditions"]
    missing = api.client.get("/v1/merchants/M-9999/refund-policy")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")


def test_fee_and_extension_policies(api: Api) -> None:
    assert api.client.get("/v1/policies/fees").json() == {
        "late_fee": {"amount": "7.00", "currency": "EUR"},
        "late_fee_grace_days": 3,
        "extension_fee": {"amount": "1.95", "currency": "EUR"},
    }
    assert api.client.get("/v1/policies/extensions").json() == {
        "allowed_days": [7, 14],
        "max_extensions_per_plan": 1,
        "fee": {"amount": "1.95", "currency": "EUR"},
    }


def test_supported_payment_methods(api: Api) -> None:
    methods = api.client.get("/v1/payment-methods/supported").json()
    assert {m["kind"] for m in methods} == {"card", "bank_account"}
    assert all(m["name"] and m["description"] for m in methods)

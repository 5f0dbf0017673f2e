"""Instalments, the next one due, and due-date extensions."""

from __future__ import annotations

from tests.support import Api, error_code


def test_instalments_are_sorted_by_due_date_without_cancelled_ones(api: Api) -> None:
    instalments = api.get("/v1/instalments", customer="C1002").json()
    due_dates = [item["due_date"] for item in instalments]
    assert due_dates == sorted(due_dates)
    assert {item["status"] for item in instalments} == {"paid", "overdue", "due"}
    assert "IN-120458-2" not in {item["id"] for item in instalments}


def test_instalments_filter_by_status(api: Api) -> None:
    overdue = api.get("/v1/instalments", customer="C1002", status="overdue").json()
    assert [(i["id"], i["late_fee"]["amount"]) for i in overdue] == [
        ("IN-845120-3", "7.00"),
        ("IN-845120-4", "0.00"),
    ]
    assert api.get("/v1/instalments", status="overdue").json() == []
    bad = api.get("/v1/instalments", status="late")
    assert (bad.status_code, error_code(bad)) == (400, "invalid_parameter")


def test_instalment_fields(api: Api) -> None:
    assert api.get("/v1/instalments/IN-482913-2").json() == {
        "id": "IN-482913-2",
        "plan_id": "PL-482913",
        "order_id": "KL-482913",
        "merchant_name": "Nordic Threads",
        "sequence": 2,
        "count": 4,
        "due_date": "2025-06-22",
        "amount": {"amount": "39.71", "currency": "EUR"},
        "late_fee": {"amount": "0.00", "currency": "EUR"},
        "status": "due",
        "extensions_used": 0,
    }


def test_next_instalment_prefers_overdue(api: Api) -> None:
    assert api.get("/v1/instalments/next").json()["id"] == "IN-482913-2"
    ben = api.get("/v1/instalments/next", customer="C1002").json()
    assert (ben["id"], ben["status"]) == ("IN-845120-3", "overdue")


def test_nothing_due_when_everything_is_paid(api: Api) -> None:
    response = api.get("/v1/instalments/next", customer="C1003")
    assert (response.status_code, error_code(response)) == (404, "nothing_due")


def test_other_customers_instalment_is_not_found(api: Api) -> None:
    for path in ("/v1/instalments/IN-845120-3", "/v1/instalments/IN-845120-3/extension-options"):
        response = api.get(path)
        assert (response.status_code, error_code(response)) == (404, "not_found")
    response = api.post("/v1/instalments/IN-845120-3/extensions", {"days": 7})
    assert response.status_code == 404


def test_extension_options_for_a_due_instalment(api: Api) -> None:
    assert api.get("/v1/instalments/IN-482913-2/extension-options").json() == {
        "instalment_id": "IN-482913-2",
        "allowed": True,
        "reason_code": None,
        "reason": None,
        "options": [
            {"days": 7, "new_due_date": "2025-06-29", "fee": {"amount": "1.95", "currency": "EUR"}},
            {
                "days": 14,
                "new_due_date": "2025-07-06",
                "fee": {"amount": "1.95", "currency": "EUR"},
            },
        ],
        "max_extensions": 1,
        "extensions_used": 0,
    }


def test_extension_options_explain_refusals(api: Api) -> None:
    limit = api.get("/v1/instalments/IN-731846-1/extension-options").json()
    assert (limit["allowed"], limit["reason_code"], limit["options"]) == (
        False,
        "extension_limit_reached",
        [],
    )
    assert limit["extensions_used"] == 1
    overdue = api.get("/v1/instalments/IN-845120-3/extension-options", customer="C1002").json()
    assert overdue["reason_code"] == "instalment_overdue"
    paid = api.get("/v1/instalments/IN-482913-1/extension-options").json()
    assert paid["reason_code"] == "instalment_paid"


def test_extending_moves_the_due_date_and_adds_the_fee(api: Api) -> None:
    response = api.post("/v1/instalments/IN-482913-2/extensions", {"days": 14})
    assert response.status_code == 201
    extension = response.json()
    assert extension["id"].startswith("EXT-")
    assert {k: v for k, v in extension.items() if k != "id"} == {
        "instalment_id": "IN-482913-2",
        "days": 14,
        "old_due_date": "2025-06-22",
        "new_due_date": "2025-07-06",
        "fee": {"amount": "1.95", "currency": "EUR"},
    }
    instalment = api.get("/v1/instalments/IN-482913-2").json()
    assert instalment["due_date"] == "2025-07-06"
    assert instalment["amount"]["amount"] == "41.66"
    assert instalment["extensions_used"] == 1
    assert api.get("/v1/balance").json()["outstanding"]["amount"] == "423.04"
    assert len(api.get("/v1/fees").json()) == 2


def test_second_extension_on_a_plan_is_refused(api: Api) -> None:
    assert api.post("/v1/instalments/IN-482913-2/extensions", {"days": 7}).status_code == 201
    response = api.post("/v1/instalments/IN-482913-3/extensions", {"days": 7})
    assert (response.status_code, error_code(response)) == (422, "extension_not_allowed")
    assert response.json()["error"]["details"] == {"reason_code": "extension_limit_reached"}


def test_overdue_instalment_cannot_be_extended(api: Api) -> None:
    response = api.post("/v1/instalments/IN-845120-3/extensions", {"days": 7}, customer="C1002")
    assert (response.status_code, error_code(response)) == (422, "extension_not_allowed")
    assert response.json()["error"]["details"]["reason_code"] == "instalment_overdue"


def test_extension_days_must_follow_the_policy(api: Api) -> None:
    response = api.post("/v1/instalments/IN-482913-2/extensions", {"days": 10})
    assert (response.status_code, error_code(response)) == (422, "invalid_extension_days")
    as_text = api.post("/v1/instalments/IN-482913-2/extensions", {"days": "7"})
    assert (as_text.status_code, error_code(as_text)) == (422, "validation_error")
    assert api.get("/v1/instalments/IN-482913-2").json()["due_date"] == "2025-06-22"

"""``GET /v1/insights``: agents only, figures from the tracker store and the tickets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agent_desk.app import create_app
from agent_desk.settings import Settings
from tests.fake_rasa import FakeRasa
from tests.insights.builders import store_ticket, write_tracker_store
from tests.insights.scenario import scenario_inputs
from tests.support import API_KEY, RASA_TOKEN, SIGNING_KEY, Api


@pytest.fixture(scope="module")
def tracker_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'rasa-tracker.db'}"
    events, _ = scenario_inputs()
    write_tracker_store(url, events)
    return url


@pytest.fixture(scope="module")
def settings(database_url: str, rasa_server: FakeRasa, tracker_store_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        api_key=API_KEY,
        token_signing_key=SIGNING_KEY,
        rasa_url=rasa_server.url,
        rasa_token=RASA_TOKEN,
        seed=False,
        sync_interval_seconds=0,
        tracker_store_url=tracker_store_url,
    )


@pytest.fixture
def with_tickets(api: Api, db: Session) -> Api:
    for record in scenario_inputs()[1]:
        store_ticket(db, record)
    return api


def test_agents_only(api: Api) -> None:
    for headers in ({}, {"Authorization": f"Bearer {API_KEY}"}, {"Authorization": "Bearer x"}):
        response = api.client.get("/v1/insights", headers=headers)
        assert response.status_code == 401, headers


def test_totals_from_both_stores(with_tickets: Api) -> None:
    response = with_tickets.as_agent("maria", "GET", "/v1/insights")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["channels"] == ["rest", "socketio"]
    totals = body["totals"]
    assert totals["outcomes"] == {
        "conversations": 6,
        "contained": 3,
        "handed_over": 2,
        "unresolved": 1,
        "containment_rate": 0.5,
        "handoff_rate": pytest.approx(1 / 3),
    }
    assert totals["human_resolution_seconds"] == {"count": 1, "mean": 600.0, "median": 600.0}
    assert totals["satisfaction"]["mean_rating"] == 3.5
    assert body["handoff_by_reason"] == [
        {"key": "customer_request", "count": 1, "rate": pytest.approx(1 / 6)},
        {"key": "repeated_fallback", "count": 1, "rate": pytest.approx(1 / 6)},
    ]
    assert [day["day"] for day in body["days"]][:2] == ["2025-06-16", "2025-06-17"]


def test_filters(with_tickets: Api) -> None:
    response = with_tickets.as_agent(
        "maria",
        "GET",
        "/v1/insights",
        **{"from": "2025-06-17", "to": "2025-06-24", "channel": "rest"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filters"] == {
        "date_from": "2025-06-17",
        "date_to": "2025-06-24",
        "channel": "rest",
    }
    # only B (E is on the 25th): handed over (its ticket), a repeat of A
    assert body["totals"]["outcomes"]["conversations"] == 1
    assert body["totals"]["outcomes"]["handed_over"] == 1
    assert body["totals"]["repeat_contacts"]["repeats"] == 1
    assert len(body["days"]) == 8


def test_without_tickets_nobody_was_handed_over(api: Api) -> None:
    body = api.as_agent("maria", "GET", "/v1/insights").json()
    assert body["totals"]["outcomes"]["handed_over"] == 0
    assert body["handoff_by_reason"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"from": "2025-06-20", "to": "2025-06-19"},
            "The start date must not be after the end date.",
        ),
        ({"from": "yesterday"}, None),
    ],
)
def test_bad_dates_are_422(api: Api, params: dict[str, str], message: str | None) -> None:
    response = api.as_agent("maria", "GET", "/v1/insights", **params)
    assert response.status_code == 422
    if message:
        assert response.json() == {"detail": message}


def test_a_missing_tracker_store_is_503(api: Api, settings: Settings, tmp_path: Path) -> None:
    missing = replace(settings, tracker_store_url=f"sqlite:///{tmp_path / 'none.db'}")
    with TestClient(create_app(missing)) as client:
        response = Api(client).as_agent("maria", "GET", "/v1/insights")
    assert response.status_code == 503
    assert response.json() == {"detail": f"There is no database file at {tmp_path / 'none.db'}."}
    assert not (tmp_path / "none.db").exists()

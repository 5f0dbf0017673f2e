"""``make report``: Markdown and PNG charts from both stores (read only)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.insights.filters import Filters
from agent_desk.insights.report import main, write_report
from tests.insights.builders import store_ticket, write_tracker_store
from tests.insights.scenario import scenario_inputs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def stores(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session], db: Session
) -> tuple[str, str]:
    tracker = f"sqlite:///{tmp_path / 'rasa-tracker.db'}"
    events, tickets = scenario_inputs()
    write_tracker_store(tracker, events)
    for record in tickets:
        store_ticket(db, record)
    return tracker, database_url


def test_report_has_the_figures_and_the_charts(stores: tuple[str, str], tmp_path: Path) -> None:
    tracker, desk = stores
    out = tmp_path / "report"

    report = write_report(tracker, desk, out, Filters(), now=datetime(2025, 7, 1, tzinfo=UTC))

    text = report.read_text()
    assert report == out / "insights.md"
    assert "Generated 2025-07-01 00:00 UTC" in text
    assert "| Containment rate | 50.0 % | 3 resolved without a person |" in text
    assert "| Handoff rate | 33.3 % | 2 handed to a person |" in text
    assert "| Time to resolution, assistant | median 60 s | mean 60 s, 3 conversations |" in text
    assert "| Time to resolution, person | median 10.0 min | mean 10.0 min, 1 tickets |" in text
    assert "| Fallback rate | 25.0 % | 3 of 12 messages |" in text
    assert "| Repeat contact within 7 days | 20.0 % | 1 of 5" in text
    assert "| Problem solved | 50.0 % | 1 of 2 answers |" in text
    assert "| Mean rating (1-5) | 3.50 | 2 ratings |" in text
    assert "| Satisfaction answered | 66.7 % | 2 of 3 asked |" in text
    assert "| customer_request | 1 | 16.7 % |" in text
    assert "| check_balance > " not in text  # no multi-step journey in the scenario
    for name in ("outcomes", "rates", "resolution", "satisfaction", "handoff-reasons"):
        assert f"![{name}.png]({name}.png)" in text
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_MAGIC


def test_report_filters(stores: tuple[str, str], tmp_path: Path) -> None:
    tracker, desk = stores
    code = main(
        [
            "--tracker-store-url",
            tracker,
            "--desk-database-url",
            desk,
            "--out",
            str(tmp_path / "r"),
            "--channel",
            "socketio",
        ]
    )
    assert code == 0
    text = (tmp_path / "r" / "insights.md").read_text()
    # C, D, F: C and F contained, D handed over
    assert "| Conversations | 3 |" in text
    assert "| Containment rate | 66.7 % |" in text
    assert "socketio" in text and "| rest |" not in text


def test_a_missing_store_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--tracker-store-url",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--desk-database-url",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert code == 1
    assert "There is no database file at" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()

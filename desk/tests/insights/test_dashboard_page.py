"""The insights page is served with the console, self-contained, with stable ids."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from agent_desk.app import CONSOLE_DIR

IDS = [
    "insights-view",
    "login-needed",
    "error",
    "filter-from",
    "filter-to",
    "filter-channel",
    "filter-apply",
    "kpi-conversations",
    "kpi-containment",
    "kpi-handoff",
    "kpi-bot-resolution",
    "kpi-human-resolution",
    "kpi-fallback",
    "kpi-repeat",
    "kpi-solved",
    "kpi-rating",
    "kpi-csat-response",
    "chart-outcomes",
    "chart-rates",
    "chart-resolution",
    "chart-satisfaction",
    "table-by-reason",
    "table-by-intent",
    "table-by-channel",
    "table-top-intents",
    "table-top-journeys",
    "table-repeat-topics",
]


def test_the_page_is_served_and_linked_from_the_console(test_client: TestClient) -> None:
    page = test_client.get("/console/insights.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for element_id in IDS:
        assert f'id="{element_id}"' in page.text, element_id
    for asset in ("insights.js", "insights.css"):
        assert test_client.get(f"/console/{asset}").status_code == 200
    console = test_client.get("/console/").text
    assert 'id="insights-link" href="insights.html"' in console


def test_the_page_uses_no_cdn_and_never_writes_html() -> None:
    page = (CONSOLE_DIR / "insights.html").read_text()
    script = (CONSOLE_DIR / "insights.js").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "http://www.w3.org/2000/svg" in script  # the SVG namespace, not a download
    assert not re.search(r"fetch\(\s*[\"'`]https?:", script)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script
    # it calls the agents-only route with the console's token
    assert '"/v1/insights?"' in script and '"Bearer " + token' in script

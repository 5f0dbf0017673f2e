"""The insights dashboard of the agent desk, on the real stack's conversations."""

from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.integration.desk_agent import DeskAgent
from tests.integration.journey import Conversation
from tests.integration.stack_fixtures import RunningStack

ADA = "ada@example.com"
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture
def dashboard(browser: Browser) -> Iterator[Page]:
    """A desktop page that fails the test on script errors."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}")
        if "/v1/insights" in response.url and response.status != 200
        else None,
    )
    yield page
    context.close()
    assert not errors, f"the dashboard raised errors: {errors}"


def _kpi(page: Page, name: str) -> str:
    return str(page.get_attribute(f"[data-testid=kpi-{name}]", "data-value"))


def test_dashboard_shows_the_figures_of_the_api(
    stack: RunningStack, dashboard: Page, screenshots: Path
) -> None:
    # Something to show: a resolved question, a misunderstanding, a handover.
    Conversation(stack, ADA).say("how much do I owe?")
    Conversation(stack).say("what about the other one")
    handed = Conversation(stack, ADA)
    handed.say("I want to talk to a person")
    maria = DeskAgent(stack.desk_url, "maria")
    ticket = maria.ticket_of(handed.sender_id)
    assert maria.close(ticket["ticket_id"]).status_code == 200

    dashboard.goto(f"{stack.desk_url}/console/insights.html")
    expect(dashboard.locator("#login-needed")).to_be_visible()

    dashboard.goto(f"{stack.desk_url}/console/")
    dashboard.fill("#login-username", "maria")
    dashboard.fill("#login-password", "demo")
    dashboard.click("#login-submit")
    dashboard.click("#insights-link")
    view = dashboard.locator("#insights-view")
    expect(view).to_have_attribute("data-state", "ready")

    # The page shows what the API computes for the same selection (the last 30 days).
    day_from = dashboard.input_value("#filter-from")
    day_to = dashboard.input_value("#filter-to")
    api = maria.request("GET", "/v1/insights", params={"from": day_from, "to": day_to}).json()
    totals = api["totals"]
    assert totals["outcomes"]["conversations"] >= 3
    assert totals["outcomes"]["handed_over"] >= 1
    assert _kpi(dashboard, "conversations") == str(totals["outcomes"]["conversations"])
    assert float(_kpi(dashboard, "containment")) == pytest.approx(
        totals["outcomes"]["containment_rate"]
    )
    assert float(_kpi(dashboard, "fallback")) == pytest.approx(
        totals["fallbacks"]["fallback_rate"]
    )
    today = api["days"][-1]
    bars = dashboard.locator(f"#chart-outcomes rect[data-day='{today['day']}']")
    assert sum(int(bar.get_attribute("data-value") or 0) for bar in bars.all()) == (
        today["figures"]["outcomes"]["conversations"]
    )
    reasons = dashboard.locator("[data-testid=table-by-reason] tbody tr")
    assert reasons.count() == len(api["handoff_by_reason"])
    expect(
        dashboard.locator("[data-testid=table-by-reason] tr[data-key=customer_request]")
    ).to_be_visible()
    dashboard.screenshot(path=str(screenshots / "10-insights-dashboard.png"), full_page=True)

    # A channel filter: only the REST channel's conversations (the web chat is socketio).
    dashboard.select_option("#filter-channel", "rest")
    dashboard.click("#filter-apply")
    expect(view).to_have_attribute("data-state", "ready")
    rest = maria.request(
        "GET", "/v1/insights", params={"from": day_from, "to": day_to, "channel": "rest"}
    ).json()
    expect(dashboard.locator("[data-testid=kpi-conversations]")).to_have_attribute(
        "data-value", str(rest["totals"]["outcomes"]["conversations"])
    )
    expect(dashboard.locator("#filter-summary")).to_contain_text("rest")

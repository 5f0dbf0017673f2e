"""A customer in the web chat reaches a person at the agent desk, and gets the bot back."""

import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.chat_page import REPLY_TIMEOUT_MS, ChatPage
from tests.integration.desk_agent import DeskAgent, wait_for
from tests.integration.journey import backend_client, format_money
from tests.integration.stack_fixtures import RunningStack

ADA = "ada@example.com"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def console(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page for the agent's console."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the console raised errors: {errors}"


def test_customer_reaches_an_agent_who_replies_and_hands_back(
    stack: RunningStack, phone: Page, console: Page, screenshots: Path
) -> None:
    customer_id = stack.customer_id(ADA)
    started = time.time()
    chat = ChatPage(phone, stack.rasa_url).open("?demo=1")
    chat.log_in()
    expect(phone.get_by_text(f"You're logged in as {ADA}.")).to_be_visible()

    phone.get_by_role("button", name="Talk to a person").click()
    expect(phone.locator("#handoff-status")).to_contain_text(
        "Waiting for a person", timeout=REPLY_TIMEOUT_MS
    )
    # The ticket of this customer opened by this test.
    api = DeskAgent(stack.desk_url, "tom")
    ticket = wait_for(
        lambda: next(
            (
                t
                for t in api.queue()
                if t["customer_id"] == customer_id
                and t["status"] == "waiting"
                and _created_after(t, started)
            ),
            None,
        ),
        30,
        "no waiting ticket for Ada",
    )
    ticket_id = ticket["ticket_id"]

    console.goto(f"{stack.desk_url}/console/")
    console.fill("#login-username", "maria")
    console.fill("#login-password", "demo")
    console.click("#login-submit")
    item = console.locator(f"[data-testid=queue-item][data-ticket-id='{ticket_id}']")
    expect(item).to_be_visible(timeout=10_000)
    item.click()
    expect(console.locator("#ticket-view")).to_have_attribute("data-ticket-id", ticket_id)
    expect(console.locator("#summary-intents li").last).to_have_text("human_handoff")
    console.click("#claim")
    expect(console.locator("#ticket-view")).to_have_attribute("data-status", "claimed")
    expect(phone.locator("#handoff-status")).to_contain_text("Maria", timeout=15_000)

    question = f"Is my refund on its way? ({uuid.uuid4().hex[:6]})"
    chat.say(question)
    customer_entry = console.locator(
        "[data-testid=transcript-entry][data-author=customer]", has_text=question
    )
    expect(customer_entry).to_be_visible(timeout=15_000)

    answer = "Hi Ada, this is Maria. Your refund left us yesterday."
    console.fill("#reply-text", answer)
    console.click("#reply-send")
    expect(phone.locator(".message--bot", has_text=answer)).to_be_visible(timeout=15_000)
    chat.screenshot(screenshots / "07-handoff-customer.png")
    console.screenshot(path=str(screenshots / "08-handoff-agent-console.png"))

    console.click("#handback")
    expect(console.locator("#ticket-view")).to_have_attribute("data-status", "handed_back")
    expect(phone.locator("#handoff-status")).to_contain_text(
        "back with the AI assistant", timeout=15_000
    )
    instalment = backend_client(stack).get_next_instalment(customer_id)
    chat.say("when is my next payment?")
    chat.expect_reply(format_money(instalment.amount))
    chat.screenshot(screenshots / "09-handoff-bot-back.png")


def _created_after(ticket: dict, started: float) -> bool:
    # Python 3.10's fromisoformat does not read a trailing "Z".
    created = datetime.fromisoformat(ticket["created_at"].replace("Z", "+00:00"))
    return created.timestamp() >= started - 1

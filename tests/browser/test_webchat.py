"""The web chat page in a phone-sized Chromium against the real stack."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.chat_page import ChatPage, order_id_in
from tests.integration.journey import backend_client, format_date, format_money
from tests.integration.stack_fixtures import RunningStack

ADA = "ada@example.com"


def test_ada_logs_in_checks_her_next_payment_and_gets_a_refund(
    stack: RunningStack, phone: Page, screenshots: Path
) -> None:
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    instalment = client.get_next_instalment(customer)
    chat = ChatPage(phone, stack.rasa_url).open("?demo=1")
    expect(phone.get_by_text("You're chatting with an AI assistant.")).to_be_visible()
    expect(phone.get_by_role("button", name="Talk to a person")).to_be_visible()
    expect(phone.get_by_label("E-mail")).to_have_value(ADA)
    chat.screenshot(screenshots / "01-login.png")

    chat.log_in()
    expect(phone.get_by_text(f"You're logged in as {ADA}.")).to_be_visible()
    chat.say("when is my next payment?")
    reply = chat.expect_reply(format_money(instalment.amount))
    assert format_date(instalment.due_date) in reply
    chat.screenshot(screenshots / "02-next-payment.png")

    chat.say("I want a refund")
    chat.expect_reply("Which order")
    order_title = chat.choose(re.compile(r"KL-\d+"))
    order_id = order_id_in(order_title)
    refundable = client.get_refund_eligibility(customer, order_id).refundable
    chat.expect_reply(format_money(refundable))
    chat.choose(re.compile(r"^Full amount"))
    chat.expect_reply("reason")
    chat.choose("Arrived damaged")
    chat.expect_reply(order_id)
    chat.screenshot(screenshots / "03-refund-confirm.png")
    chat.choose("Yes, submit")
    done = chat.expect_reply("is submitted")

    created = client.list_refunds(customer, order_id=order_id)[0]
    assert created.id in done
    assert created.amount == refundable
    # Each click showed the button's title as the customer's bubble.
    clicked = chat.customer_bubbles()[-4:]
    assert clicked[0] == order_title
    assert clicked[1].startswith("Full amount")
    assert clicked[2:] == ["Arrived damaged", "Yes, submit"]
    chat.screenshot(screenshots / "04-refund-done.png")


def test_anonymous_visitor_asking_for_the_balance_is_asked_to_log_in(
    stack: RunningStack, phone: Page, screenshots: Path
) -> None:
    chat = ChatPage(phone, stack.rasa_url).open()
    expect(phone.get_by_label("E-mail")).to_have_value("")
    chat.continue_without_login()
    chat.say("what's my balance")
    reply = chat.expect_reply(re.compile(r"log in", re.IGNORECASE))
    assert "€" not in reply
    expect(phone.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    chat.screenshot(screenshots / "05-anonymous-balance.png")

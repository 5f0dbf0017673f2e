"""What the page does with the server's events, with socket.io played by the test.

The page, its config and the login come from the real stack; only the socket.io
client is replaced, so the test can send what the bot rarely does (a handoff,
markup in text) and see exactly what the page emits.
"""

import time
from pathlib import Path
from typing import Any, Dict, List

import jwt
from playwright.sync_api import Page, Route, expect

from tests.browser.chat_page import ChatPage
from tests.integration.stack_fixtures import RunningStack

FAKE_SOCKET_IO = (Path(__file__).parent / "fake_socket_io.js").read_text()


def _fake_socket_io(page: Page) -> None:
    def serve(route: Route) -> None:
        route.fulfill(body=FAKE_SOCKET_IO, content_type="text/javascript")

    page.route("**/webhooks/webchat/static/vendor/socket.io.min.js", serve)


def _sent(page: Page, event: str) -> List[Dict[str, Any]]:
    return page.evaluate(
        "(event) => window.fakeServer.sent.filter((s) => s.event === event).map((s) => s.data)",
        event,
    )


def _wait_for_sent(page: Page, event: str, timeout_s: float = 30.0) -> List[Dict[str, Any]]:
    # Polled from here: the page's CSP forbids wait_for_function's eval.
    deadline = time.monotonic() + timeout_s
    while not _sent(page, event):
        assert time.monotonic() < deadline, f"the page never emitted {event!r}"
        page.wait_for_timeout(100)
    return _sent(page, event)


def _bot_says(page: Page, message: Dict[str, Any]) -> None:
    page.evaluate("(message) => window.fakeServer.emit('bot_uttered', message)", message)


def test_bot_text_is_never_markup_and_links_are_clickable(
    stack: RunningStack, phone: Page
) -> None:
    _fake_socket_io(phone)
    chat = ChatPage(phone, stack.rasa_url).open()
    chat.continue_without_login()
    chat.say("hello")
    _bot_says(
        phone,
        {"text": '<img src=x onerror="window.pwned=1"><b>hi</b> see https://pay.example.com/help.'},
    )

    bubble = chat.latest_replies().last
    expect(bubble).to_contain_text('<img src=x onerror="window.pwned=1"><b>hi</b> see')
    expect(phone.locator("#transcript img, #transcript b")).to_have_count(0)
    link = bubble.get_by_role("link", name="https://pay.example.com/help")
    expect(link).to_have_attribute("href", "https://pay.example.com/help")
    expect(link).to_have_attribute("target", "_blank")
    assert phone.evaluate("window.pwned") is None


def test_buttons_send_their_payload_and_show_their_title(
    stack: RunningStack, phone: Page
) -> None:
    _fake_socket_io(phone)
    chat = ChatPage(phone, stack.rasa_url).open()
    chat.continue_without_login()
    chat.say("I want a refund")
    expect(phone.locator("#typing")).to_be_visible()
    _bot_says(
        phone,
        {
            "text": "Which order?",
            "quick_replies": [
                {"content_type": "text", "title": "KL-1 · Shop", "payload": '/refund{"order_id":"KL-1"}'},
                {"content_type": "text", "title": "KL-2 · Shop", "payload": '/refund{"order_id":"KL-2"}'},
            ],
        },
    )
    expect(phone.locator("#typing")).to_be_hidden()

    chat.choose("KL-2 · Shop")

    [request] = _sent(phone, "session_request")
    messages = _sent(phone, "user_uttered")
    assert messages == [
        {"message": "I want a refund", "session_id": request["session_id"]},
        {"message": '/refund{"order_id":"KL-2"}', "session_id": request["session_id"]},
    ]
    assert chat.customer_bubbles() == ["I want a refund", "KL-2 · Shop"]
    # Answered buttons cannot be sent twice.
    expect(phone.get_by_role("button", name="KL-1 · Shop")).to_be_disabled()


def test_handoff_banner_follows_the_agent_and_the_bot(
    stack: RunningStack, phone: Page, screenshots: Path
) -> None:
    _fake_socket_io(phone)
    chat = ChatPage(phone, stack.rasa_url).open()
    chat.continue_without_login()

    phone.get_by_role("button", name="Talk to a person").click()
    assert _sent(phone, "user_uttered")[-1]["message"] == "I want to talk to a person"
    _bot_says(phone, {"text": "I'm connecting you with a person from our support team."})
    _bot_says(phone, {"custom": {"handoff": {"state": "agent_joined", "agent_name": "Sam"}}})
    _bot_says(phone, {"text": "Hi, Sam here. How can I help?"})

    status = phone.get_by_role("status").filter(has_text="talking to")
    expect(status).to_have_text("You are now talking to Sam from support")
    expect(chat.latest_replies().last.locator(".message__sender")).to_have_text("Sam")
    phone.screenshot(path=str(screenshots / "06-handoff.png"))

    _bot_says(phone, {"custom": {"handoff": {"state": "bot_resumed"}}})
    _bot_says(phone, {"text": "Anything else I can help with?"})
    expect(phone.get_by_text("You are back with the AI assistant.")).to_be_visible()
    expect(chat.latest_replies().last.locator(".message__sender")).to_have_text("Assistant")


def test_login_mid_chat_authenticates_the_open_conversation(
    stack: RunningStack, phone: Page
) -> None:
    _fake_socket_io(phone)
    chat = ChatPage(phone, stack.rasa_url).open("?demo=1")
    chat.continue_without_login()
    assert phone.evaluate("window.fakeServer.options.auth") == {}

    phone.get_by_role("button", name="Log in", exact=True).click()
    expect(phone.get_by_label("Password")).to_have_value("demo")
    chat.log_in()
    [authenticate] = _wait_for_sent(phone, "authenticate")
    # The token is the backend's, issued to Ada through the page's own login call.
    claims = jwt.decode(
        authenticate["token"],
        stack.identity_signing_key,
        algorithms=["HS256"],
        audience="payments-assistant",
    )
    assert claims["sub"] == stack.customer_id("ada@example.com")
    phone.evaluate("window.fakeServer.emit('authenticated', {customer_id: 'x'})")
    expect(phone.get_by_text("You're logged in as ada@example.com.")).to_be_visible()
    expect(phone.get_by_role("button", name="Log in", exact=True)).to_be_hidden()


def test_wrong_password_is_explained(stack: RunningStack, phone: Page) -> None:
    _fake_socket_io(phone)
    ChatPage(phone, stack.rasa_url).open()
    phone.get_by_label("E-mail").fill("ada@example.com")
    phone.get_by_label("Password").fill("not-the-password")
    phone.get_by_role("button", name="Log in", exact=True).click()

    expect(phone.get_by_role("alert")).to_have_text(
        "That e-mail address and password don't match. Please try again."
    )
    assert _sent(phone, "session_request") == []


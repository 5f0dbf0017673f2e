"""The web chat page as a customer sees it (locators by role and label)."""

import re
from pathlib import Path
from typing import Pattern, Union

from playwright.sync_api import Locator, Page, expect

# A first Rasa turn can be slow on a busy machine (see HTTP_TIMEOUT of the stack).
REPLY_TIMEOUT_MS = 120_000
# Bot messages after the customer's latest one: the answer to the current turn.
_LATEST_REPLIES = (
    "xpath=//li[contains(@class,'message--customer')][last()]"
    "/following-sibling::li[contains(@class,'message--bot')]"
)


class ChatPage:
    """Drives the page served at `/webhooks/webchat/`."""

    def __init__(self, page: Page, rasa_url: str) -> None:
        """Wraps a browser page.

        Args:
            page: The Playwright page.
            rasa_url: Base URL of the Rasa server that serves the page.
        """
        self.page = page
        self.rasa_url = rasa_url

    def open(self, query: str = "") -> "ChatPage":
        """Loads the page, e.g. with `?demo=1`."""
        self.page.goto(f"{self.rasa_url}/webhooks/webchat/{query}")
        expect(self.page.get_by_role("heading", name="Payments help")).to_be_visible()
        return self

    def log_in(self) -> None:
        """Submits the login form as filled in (e.g. prefilled by `?demo=1`)."""
        self.page.get_by_role("button", name="Log in", exact=True).click()

    def continue_without_login(self) -> None:
        """Chats as an anonymous visitor."""
        self.page.get_by_role("button", name="Continue without login").click()

    def say(self, text: str) -> None:
        """Types a message and sends it with Enter."""
        box = self.page.get_by_role("textbox", name="Your message")
        expect(box).to_be_enabled()
        box.fill(text)
        box.press("Enter")

    def choose(self, name: Union[str, Pattern[str]]) -> str:
        """Clicks a button of the latest answer and returns its title."""
        button = self.latest_replies().get_by_role("button", name=name).first
        expect(button).to_be_enabled(timeout=REPLY_TIMEOUT_MS)
        title = button.inner_text()
        button.click()
        return title

    def latest_replies(self) -> Locator:
        """The bot messages after the customer's latest message."""
        return self.page.locator(_LATEST_REPLIES)

    def expect_reply(self, pattern: Union[str, Pattern[str]]) -> str:
        """Waits until the answer to the latest message matches; returns its text."""
        replies = self.latest_replies()
        expect(replies.filter(has_text=pattern).first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator("#typing")).to_be_hidden()
        return "\n".join(replies.all_inner_texts())

    def customer_bubbles(self) -> list:
        """Texts of the customer's bubbles, oldest first."""
        return self.page.locator(".message--customer").all_inner_texts()

    def screenshot(self, path: Path) -> None:
        """Saves what the phone screen shows."""
        self.page.screenshot(path=str(path))


def order_id_in(title: str) -> str:
    """The order id (`KL-123456`) a button title names."""
    match = re.search(r"KL-\d+", title)
    assert match, f"no order id in button {title!r}"
    return match.group(0)

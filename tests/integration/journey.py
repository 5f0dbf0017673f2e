"""A customer's conversation with the running assistant, and the backend's facts to check it."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

from actions.api import BackendClient
from actions.formatting import format_date, format_money
from actions.settings import Settings

__all__ = ["Conversation", "backend_client", "format_date", "format_money"]


class Conversation:
    """One chat over the REST webhook, as a logged-in customer or anonymously."""

    def __init__(self, stack: Any, email: Optional[str] = None, token: Optional[str] = None):
        """Starts a conversation.

        Args:
            stack: The running stack (see conftest).
            email: Log in as this demo customer; anonymous when `None`.
            token: Use this bearer token instead (e.g. a forged one).
        """
        self.stack = stack
        self.sender_id = f"test-{uuid.uuid4().hex[:12]}"
        self.token = token if token is not None else (stack.login(email) if email else None)
        self.replies: List[Dict[str, Any]] = []

    def say(self, text: str) -> str:
        """Sends a message and returns all reply texts joined by newlines."""
        replies = self.stack.send(self.sender_id, text, token=self.token)
        self.replies = replies
        assert replies, f"the assistant stayed silent after {text!r}"
        return "\n".join(reply.get("text", "") for reply in replies)

    def buttons(self) -> List[Dict[str, str]]:
        """The buttons of the latest replies."""
        return [button for reply in self.replies for button in reply.get("buttons", [])]


def backend_client(stack: Any) -> BackendClient:
    """A client of the stack's backend, to read the facts the bot must show."""
    return BackendClient(Settings(backend_url=stack.backend_url))

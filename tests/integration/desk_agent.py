"""An agent working the desk's queue over its HTTP API, as the console does."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional

import requests

DEMO_AGENT_PASSWORD = "demo"
HTTP_TIMEOUT = 30.0


class DeskAgent:
    """One logged-in agent of the running stack's desk."""

    def __init__(self, desk_url: str, username: str, password: str = DEMO_AGENT_PASSWORD):
        """Logs the agent in.

        Args:
            desk_url: The desk's base URL.
            username: A seeded agent (`maria`, `tom`).
            password: The agent's password.
        """
        self.desk_url = desk_url
        self.http = requests.Session()
        response = self.http.post(
            f"{desk_url}/v1/agents/login",
            json={"username": username, "password": password},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Calls a desk route as this agent; the response is returned as it is."""
        return self.http.request(method, f"{self.desk_url}{path}", timeout=HTTP_TIMEOUT, **kwargs)

    def queue(self) -> List[Dict[str, Any]]:
        """The queue: waiting tickets, then claimed ones."""
        response = self.request("GET", "/v1/queue")
        response.raise_for_status()
        body = response.json()
        return list(body["tickets"] if isinstance(body, dict) else body)

    def tickets_of(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The active tickets of one conversation."""
        return [t for t in self.queue() if t.get("conversation_id") == conversation_id]

    def ticket_of(self, conversation_id: str, timeout: float = 20.0) -> Dict[str, Any]:
        """Waits for the conversation's ticket to be in the queue and returns it."""
        return wait_for(
            lambda: next(iter(self.tickets_of(conversation_id)), None),
            timeout,
            f"no ticket for conversation {conversation_id}",
        )

    def messages(self, ticket_id: str, after: int = 0) -> List[Dict[str, Any]]:
        """The ticket's transcript entries after `after`."""
        response = self.request(
            "GET", f"/v1/tickets/{ticket_id}/messages", params={"after": after}
        )
        response.raise_for_status()
        body = response.json()
        return list(body["messages"] if isinstance(body, dict) else body)

    def wait_for_message(
        self, ticket_id: str, author: str, text: str, timeout: float = 20.0
    ) -> Dict[str, Any]:
        """Waits until the transcript holds an entry by `author` containing `text`."""
        return wait_for(
            lambda: next(
                (
                    m
                    for m in self.messages(ticket_id)
                    if m["author"] == author and text in m["text"]
                ),
                None,
            ),
            timeout,
            f"no {author} message with {text!r} in ticket {ticket_id}",
        )

    def claim(self, ticket_id: str) -> requests.Response:
        """Claims a ticket."""
        return self.request("POST", f"/v1/tickets/{ticket_id}/claim")

    def reply(self, ticket_id: str, text: str) -> requests.Response:
        """Sends a reply to the customer."""
        return self.request("POST", f"/v1/tickets/{ticket_id}/messages", json={"text": text})

    def hand_back(self, ticket_id: str) -> requests.Response:
        """Gives the conversation back to the assistant."""
        return self.request("POST", f"/v1/tickets/{ticket_id}/handback")

    def close(self, ticket_id: str) -> requests.Response:
        """Closes the ticket."""
        return self.request("POST", f"/v1/tickets/{ticket_id}/close")

    def ticket(self, ticket_id: str) -> Dict[str, Any]:
        """One ticket."""
        response = self.request("GET", f"/v1/tickets/{ticket_id}")
        response.raise_for_status()
        return dict(response.json())


def wait_for(probe: Callable[[], Optional[Any]], timeout: float, failure: str) -> Any:
    """Polls `probe` until it returns something truthy; fails with `failure` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{failure} after {timeout:.0f} s")
        time.sleep(0.25)

"""A small fake of Rasa's HTTP API: a real HTTP server in a thread.

It keeps one tracker per conversation, applies appended events the way Rasa does for
the fields the desk reads (pause/resume, bot and user messages), records every
request, and can be told to fail.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Conversation:
    """A fake tracker."""

    paused: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


class FakeRasa:
    """Fake Rasa server on 127.0.0.1 and a free port.

    Attributes:
        token: Required ``?token=`` value (empty: none required).
        fail_status: Answer every request matching ``fail_match`` with this status.
        fail_match: Substring of ``METHOD path`` that should fail (empty: all).
        delay_seconds: Sleep before answering (for timeouts).
    """

    def __init__(self, token: str = "") -> None:
        self.token = token
        self.fail_status: int | None = None
        self.fail_match = ""
        self.delay_seconds = 0.0
        self.requests: list[Recorded] = []
        self.conversations: dict[str, Conversation] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget conversations, requests and failure settings."""
        with self._lock:
            self.requests.clear()
            self.conversations.clear()
            self.fail_status = None
            self.fail_match = ""
            self.delay_seconds = 0.0

    def conversation(self, conversation_id: str) -> Conversation:
        """The conversation's tracker (created empty when new)."""
        with self._lock:
            return self.conversations.setdefault(conversation_id, Conversation())

    def say(self, conversation_id: str, text: str, timestamp: float | None = None) -> float:
        """Log a customer message, as Rasa does even while the bot is paused."""
        stamp = time.time() if timestamp is None else timestamp
        self.conversation(conversation_id).events.append(
            {"event": "user", "text": text, "timestamp": stamp, "input_channel": "socketio"}
        )
        return stamp

    def posts(self, conversation_id: str | None = None) -> list[Recorded]:
        """The POST requests received (for one conversation if given)."""
        with self._lock:
            return [
                item
                for item in self.requests
                if item.method == "POST"
                and (conversation_id is None or f"/conversations/{conversation_id}/" in item.path)
            ]

    def _apply(self, conversation: Conversation, event: dict[str, Any]) -> None:
        event = {**event, "timestamp": event.get("timestamp") or time.time()}
        if event["event"] == "pause":
            conversation.paused = True
        elif event["event"] == "resume":
            conversation.paused = False
        conversation.events.append(event)

    def _handle(self, method: str, raw_path: str, body: Any) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        path = unquote(parts.path)
        # Split before decoding: an encoded "/" belongs to the conversation id.
        raw_id, _, action = parts.path[len("/conversations/") :].partition("/")
        conversation_id = unquote(raw_id)
        with self._lock:
            self.requests.append(Recorded(method, path, query, body))
            fail = self.fail_status
            match = self.fail_match
            delay = self.delay_seconds
        if delay:
            time.sleep(delay)
        if self.token and query.get("token") != self.token:
            return 401, {"status": "failure", "reason": "NotAuthenticated"}
        if fail is not None and match in f"{method} {path}":
            return fail, {"status": "failure", "message": "fake failure"}
        if not path.startswith("/conversations/"):
            return 404, {"status": "failure"}
        conversation = self.conversation(conversation_id)
        with self._lock:
            if method == "GET" and action == "tracker":
                return 200, self._tracker(conversation_id, conversation)
            if method == "POST" and action == "tracker/events":
                for event in body if isinstance(body, list) else [body]:
                    self._apply(conversation, event)
                return 200, self._tracker(conversation_id, conversation)
            if method == "POST" and action == "execute":
                self._apply(conversation, {"event": "action", "name": body["name"]})
                self._apply(conversation, {"event": "bot", "text": f"({body['name']})"})
                return 200, {"tracker": self._tracker(conversation_id, conversation)}
        return 404, {"status": "failure"}

    @staticmethod
    def _tracker(conversation_id: str, conversation: Conversation) -> dict[str, Any]:
        return {
            "sender_id": conversation_id,
            "paused": conversation.paused,
            "events": [dict(event) for event in conversation.events],
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, answer = fake._handle(method, self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._respond("GET")

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self._respond("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler

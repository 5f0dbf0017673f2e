"""Never silent: whatever the action server does, the customer hears back within 5 s.

Faults are injected for real: the action server process is stopped, frozen
(SIGSTOP: it accepts connections and never answers), or replaced on its port by
a server answering 500 to every action call, as a crashing action server does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List
from urllib.parse import urlsplit

from tests.integration.journey import Conversation, backend_client, format_money

ADA = "ada@example.com"
REPLY_LIMIT_SECONDS = 5.0
APOLOGY = "having a technical problem"
CONTACTS = "support@example.com"


def _timed_say(conversation: Conversation, text: str) -> tuple[str, float]:
    started = time.monotonic()
    reply = conversation.say(text)
    return reply, time.monotonic() - started


def _assert_apology_in_time(conversation: Conversation, reply: str, elapsed: float) -> None:
    assert APOLOGY in reply, reply
    assert CONTACTS in reply  # the handoff itself may not run before the server is back
    assert "/human_handoff" in {button["payload"] for button in conversation.buttons()}
    assert elapsed < REPLY_LIMIT_SECONDS, f"the customer waited {elapsed:.1f} s"


def _assert_recovered(stack, conversation: Conversation) -> None:
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    assert format_money(balance.outstanding) in conversation.say("how much do I owe?")


@contextlib.contextmanager
def actions_down(stack) -> Iterator[None]:
    stack.processes.stop_service("actions")
    try:
        yield
    finally:
        stack.processes.restart_service("actions")


@contextlib.contextmanager
def actions_frozen(stack) -> Iterator[None]:
    stack.processes.freeze_service("actions", True)
    try:
        yield
    finally:
        stack.processes.freeze_service("actions", False)


class _FailingActionServer(BaseHTTPRequestHandler):
    """Answers every action call with 500, like an action server whose code crashed."""

    calls: List[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).calls.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"error": "Exception occurred during execution of request"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def actions_failing(stack) -> Iterator[List[str]]:
    """The action server's port answers 500; yields the paths it was called on."""
    with actions_down(stack):
        address = urlsplit(stack.actions_url)
        _FailingActionServer.calls = []
        server = ThreadingHTTPServer((address.hostname, address.port), _FailingActionServer)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield _FailingActionServer.calls
        finally:
            server.shutdown()
            server.server_close()


def test_action_server_down_apologises_in_time_and_recovers(stack):
    conversation = Conversation(stack, ADA)
    with actions_down(stack):
        reply, elapsed = _timed_say(conversation, "how much do I owe?")
        _assert_apology_in_time(conversation, reply, elapsed)
        # The offered button is a real button: the slash guard lets it through.
        conversation.say("/human_handoff")
        latest = stack.tracker(conversation.sender_id)["latest_message"]
        assert latest["text"] == "/human_handoff"  # not neutralised to plain text
        assert latest["intent"]["name"] == "human_handoff"
    _assert_recovered(stack, conversation)


def test_action_server_that_never_answers_apologises_in_time(stack):
    conversation = Conversation(stack, ADA)
    with actions_frozen(stack):
        reply, elapsed = _timed_say(conversation, "when is my next payment due?")
        _assert_apology_in_time(conversation, reply, elapsed)
        # A second message waits behind the hanging turn: it is answered in time too.
        again, elapsed = _timed_say(conversation, "hello?")
        _assert_apology_in_time(conversation, again, elapsed)
    _assert_recovered(stack, conversation)


def test_action_server_errors_apologise_in_time(stack):
    conversation = Conversation(stack, ADA)
    with actions_failing(stack) as calls:
        reply, elapsed = _timed_say(conversation, "how much do I owe?")
        _assert_apology_in_time(conversation, reply, elapsed)
        assert calls == ["/webhook"]  # Rasa did call it and got the 500
    _assert_recovered(stack, conversation)


def test_answers_without_the_action_server_are_not_replaced(stack):
    # A turn Rasa answers itself (a response, no custom action) is unaffected.
    conversation = Conversation(stack, ADA)
    with actions_down(stack):
        reply = conversation.say("are you a bot?")
    assert "AI" in reply
    assert APOLOGY not in reply

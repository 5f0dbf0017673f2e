"""Tests of the chat command line."""

from typing import List

from devstack.chat_cli import main
from devstack.settings import StackSettings
from tests.unit.devstack.conftest import Call, FakeResponse, FakeTransport

SETTINGS = StackSettings(backend_port=18080, rasa_port=15005, rasa_auth_token="t")


def backend_and_bot() -> FakeTransport:
    def login(call: Call) -> FakeResponse:
        if call.json["password"] != "demo":
            return FakeResponse(401, {"error": {"code": "invalid_credentials"}})
        return FakeResponse(
            200,
            {
                "customer_id": "cus_ada",
                "token": "tok",
                "expires_at": "2999-01-01T00:00:00Z",
            },
        )

    return FakeTransport(
        {
            "/v1/auth/login": login,
            "/webhooks/rest/webhook": lambda call: FakeResponse(
                200, [{"text": "Hi Ada"}]
            ),
        }
    )


def run(
    argv: List[str], lines: List[str], transport: FakeTransport
) -> "tuple[int, List[str]]":
    output: List[str] = []
    pending = list(lines)

    def read(prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    status = main(argv, read, output.append, transport=transport, settings=SETTINGS)
    return status, output


def test_logs_in_as_the_demo_customer_on_the_configured_ports() -> None:
    transport = backend_and_bot()

    status, output = run([], ["hello", "/quit"], transport)

    assert status == 0
    login, message = transport.calls
    assert login.url == "http://127.0.0.1:18080/v1/auth/login"
    assert login.json == {"email": "ada@example.com", "password": "demo"}
    assert message.url == "http://127.0.0.1:15005/webhooks/rest/webhook"
    assert message.headers == {"Authorization": "Bearer tok"}
    assert message.json["sender"].startswith("terminal-")
    assert (
        output[0]
        == "Chatting with http://127.0.0.1:15005 as ada@example.com (cus_ada)."
    )
    assert "Bot: Hi Ada" in output


def test_anonymous_skips_the_login() -> None:
    transport = backend_and_bot()

    status, output = run(["--anonymous", "--sender", "me"], ["hello"], transport)

    assert status == 0
    [message] = transport.calls
    assert message.headers == {}
    assert message.json == {"sender": "me", "message": "hello"}
    assert output[0] == "Chatting with http://127.0.0.1:15005 as anonymous."


def test_failed_login_exits_with_status_2() -> None:
    transport = backend_and_bot()

    status, output = run(["--password", "nope"], ["hello"], transport)

    assert status == 2
    assert output == ["Error: the backend refused the login of ada@example.com"]
    assert len(transport.calls) == 1

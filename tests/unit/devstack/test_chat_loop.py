"""Tests of the terminal chat loop with scripted input and a fake transport."""

from typing import Any, Callable, Dict, Iterable, List

import pytest
import requests

from devstack.chat_client import ChatClient
from devstack.chat_loop import Button, render, resolve_choice, run_chat
from tests.unit.devstack.conftest import Call, FakeResponse, FakeTransport


def scripted(lines: Iterable[str]) -> Callable[[str], str]:
    pending = list(lines)

    def read(prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read


def bot(replies: Dict[str, List[Dict[str, Any]]]) -> FakeTransport:
    def webhook(call: Call) -> FakeResponse:
        return FakeResponse(200, replies.get(call.json["message"], []))

    return FakeTransport({"/webhooks/rest/webhook": webhook})


def chat(transport: FakeTransport, lines: Iterable[str]) -> "tuple[int, List[str]]":
    output: List[str] = []
    client = ChatClient("http://rasa", "http://backend", "s", transport=transport)
    status = run_chat(client, scripted(lines), output.append)
    return status, output


OPTIONS = [
    {
        "text": "Which order?",
        "buttons": [
            {
                "title": "KL-482913 (Zalando)",
                "payload": '/choose_order{"order_id":"KL-482913"}',
            },
            {
                "title": "KL-100200 (IKEA)",
                "payload": '/choose_order{"order_id":"KL-100200"}',
            },
        ],
    }
]


def test_numbers_send_button_payloads() -> None:
    transport = bot(
        {
            "refund": OPTIONS,
            '/choose_order{"order_id":"KL-100200"}': [{"text": "Done."}],
        }
    )

    status, output = chat(transport, ["refund", "2", "/quit"])

    assert status == 0
    assert [call.json["message"] for call in transport.calls] == [
        "refund",
        '/choose_order{"order_id":"KL-100200"}',
    ]
    assert output[1:] == [
        "Bot: Which order?",
        "  1) KL-482913 (Zalando)",
        "  2) KL-100200 (IKEA)",
        "(chose: KL-100200 (IKEA))",
        "Bot: Done.",
    ]


def test_numbers_without_buttons_are_sent_as_text() -> None:
    transport = bot({"3": [{"text": "Three what?"}]})

    chat(transport, ["3"])

    assert [call.json["message"] for call in transport.calls] == ["3"]


def test_buttons_only_apply_to_the_next_turn() -> None:
    transport = bot({"refund": OPTIONS, "thanks": [{"text": "You're welcome"}]})

    chat(transport, ["refund", "thanks", "1"])

    assert [call.json["message"] for call in transport.calls] == [
        "refund",
        "thanks",
        "1",
    ]


def test_blank_lines_are_skipped_and_eof_ends() -> None:
    transport = bot({})

    status, output = chat(transport, ["", "   "])

    assert status == 0
    assert transport.calls == []


def test_unreachable_rasa_ends_with_a_clear_message() -> None:
    def refuse(call: Call) -> FakeResponse:
        raise requests.ConnectionError("refused")

    status, output = chat(FakeTransport({"/webhook": refuse}), ["hi", "never sent"])

    assert status == 1
    assert output[-1].startswith(
        "Error: the Rasa server at http://rasa does not answer"
    )


def test_server_errors_do_not_end_the_chat() -> None:
    answers = iter([FakeResponse(500), FakeResponse(200, [{"text": "ok"}])])
    transport = FakeTransport({"/webhook": lambda call: next(answers)})

    status, output = chat(transport, ["hi", "again"])

    assert status == 0
    assert "Error: the Rasa server answered HTTP 500" in output
    assert output[-2:] == ["Bot: ok", ""]


def test_keyboard_interrupt_ends_quietly() -> None:
    def read(prompt: str) -> str:
        raise KeyboardInterrupt

    client = ChatClient("http://rasa", "http://backend", "s", transport=bot({}))

    assert run_chat(client, read, lambda line: None) == 0


def test_render_images_links_and_custom_payloads() -> None:
    lines, buttons = render(
        [
            {"recipient_id": "s", "text": "Here is your invoice"},
            {"recipient_id": "s", "image": "https://pay.example.com/qr.png"},
            {
                "recipient_id": "s",
                "custom": {
                    "title": "Invoice INV-1",
                    "url": "https://pay.example.com/i/1",
                },
            },
            {"recipient_id": "s", "custom": {"kind": "receipt", "amount": "12.50"}},
            {"recipient_id": "s", "attachment": "https://pay.example.com/a.pdf"},
            {
                "recipient_id": "s",
                "buttons": [
                    {
                        "title": "Update card",
                        "url": "https://pay.example.com/u",
                        "type": "web_url",
                    }
                ],
            },
        ]
    )

    assert lines == [
        "Bot: Here is your invoice",
        "Bot: [image] https://pay.example.com/qr.png",
        "Bot: [link] Invoice INV-1: https://pay.example.com/i/1",
        'Bot: [custom] {"kind": "receipt", "amount": "12.50"}',
        "Bot: [attachment] https://pay.example.com/a.pdf",
        "  1) Update card → https://pay.example.com/u",
    ]
    assert buttons == [Button("Update card", None, "https://pay.example.com/u")]


def test_render_says_when_nothing_came_back() -> None:
    assert render([]) == (["(the assistant did not reply)"], [])


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1", ("/affirm", "(chose: Yes)")),
        ("2", (None, "open https://x.example/")),
        ("3", ("3", "")),
        ("0", ("0", "")),
        ("yes", ("yes", "")),
    ],
)
def test_resolve_choice(typed: str, expected: "tuple") -> None:
    buttons = [Button("Yes", "/affirm"), Button("Docs", None, "https://x.example/")]

    assert resolve_choice(typed, buttons) == expected

"""Terminal side of the chat: render bot messages, read the user's turns."""

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from devstack.chat_client import ChatClient, ChatError, RasaUnavailable

QUIT_COMMANDS = frozenset({"/quit", "/exit"})
PROMPT = "You: "
BOT = "Bot: "


@dataclass(frozen=True)
class Button:
    """A numbered choice offered by the bot.

    Attributes:
        title: What the user sees.
        payload: What is sent when chosen (`None` for link buttons).
        url: Link of a URL button.
    """

    title: str
    payload: Optional[str] = None
    url: Optional[str] = None


def render(messages: Sequence[Dict[str, Any]]) -> Tuple[List[str], List[Button]]:
    """Formats the bot's messages for the terminal.

    Args:
        messages: Messages of the REST channel.

    Returns:
        The lines to print, and the buttons in their numbered order.
    """
    lines: List[str] = []
    buttons: List[Button] = []
    for message in messages:
        if message.get("text"):
            lines.append(f"{BOT}{message['text']}")
        if message.get("image"):
            lines.append(f"{BOT}[image] {message['image']}")
        if message.get("attachment"):
            lines.append(f"{BOT}[attachment] {_describe(message['attachment'])}")
        if message.get("custom"):
            lines.append(f"{BOT}{_describe_custom(message['custom'])}")
        for raw in message.get("buttons") or []:
            button = Button(
                title=str(raw.get("title", "")),
                payload=raw.get("payload"),
                url=raw.get("url"),
            )
            buttons.append(button)
            link = f" → {button.url}" if button.url else ""
            lines.append(f"  {len(buttons)}) {button.title}{link}")
    if not messages:
        lines.append("(the assistant did not reply)")
    return lines, buttons


def _describe(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _describe_custom(custom: Any) -> str:
    if isinstance(custom, dict) and isinstance(custom.get("url"), str):
        title = custom.get("title") or custom.get("text") or "link"
        return f"[link] {title}: {custom['url']}"
    return f"[custom] {_describe(custom)}"


def resolve_choice(typed: str, buttons: Sequence[Button]) -> Tuple[Optional[str], str]:
    """Maps a typed button number to what should be sent.

    Args:
        typed: The user's input, stripped.
        buttons: The buttons of the last bot turn.

    Returns:
        (message to send or `None` when nothing is sent, a note to print or "").
    """
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        button = buttons[int(typed) - 1]
        if button.payload:
            return button.payload, f"(chose: {button.title})"
        if button.url:
            return None, f"open {button.url}"
    return typed, ""


def run_chat(
    client: ChatClient,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> int:
    """Runs the conversation until `/quit`, Ctrl-D or Ctrl-C.

    Args:
        client: Connected chat client (already logged in).
        read: Reads one line after showing a prompt; raises `EOFError` at the end.
        write: Prints one line.

    Returns:
        Exit status: 0 after a normal end, 1 when Rasa stopped answering.
    """
    write("Type a message; a number picks a button; /quit or Ctrl-D ends.")
    buttons: List[Button] = []
    while True:
        try:
            typed = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if not typed:
            continue
        if typed.lower() in QUIT_COMMANDS:
            return 0
        message, note = resolve_choice(typed, buttons)
        if note:
            write(note)
        if message is None:
            continue
        try:
            replies = client.send(message)
        except RasaUnavailable as error:
            write(f"Error: {error}")
            return 1
        except ChatError as error:
            write(f"Error: {error}")  # e.g. a failed re-login: the next turn retries
            continue
        except KeyboardInterrupt:
            write("")
            return 0
        lines, buttons = render(replies)
        for line in lines:
            write(line)

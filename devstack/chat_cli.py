"""Command line of the terminal chat (`scripts/chat.py`)."""

import argparse
import uuid
from typing import Callable, Optional, Sequence

from devstack.chat_client import ChatClient, ChatError, Credentials, Transport
from devstack.chat_loop import run_chat
from devstack.services import url
from devstack.settings import StackSettings

DEFAULT_EMAIL = "ada@example.com"
DEFAULT_PASSWORD = "demo"


def build_parser(settings: StackSettings) -> argparse.ArgumentParser:
    """The chat's arguments, with URLs defaulting to the configured ports."""
    parser = argparse.ArgumentParser(
        description="Chat with the payments assistant over its REST channel."
    )
    parser.add_argument("--rasa-url", default=url(settings.rasa_port))
    parser.add_argument("--backend-url", default=url(settings.backend_port))
    parser.add_argument("--email", default=DEFAULT_EMAIL, help="demo customer")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument(
        "--anonymous", action="store_true", help="chat without logging in"
    )
    parser.add_argument(
        "--sender", default=None, help="conversation id (random by default)"
    )
    return parser


def main(
    argv: Optional[Sequence[str]] = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    transport: Optional[Transport] = None,
    settings: Optional[StackSettings] = None,
) -> int:
    """Logs in (unless anonymous) and runs the chat.

    Args:
        argv: Arguments without the program name; `sys.argv[1:]` when `None`.
        read: Line reader (`input`).
        write: Line printer (`print`).
        transport: HTTP client for the chat client.
        settings: Stack settings for default URLs; from the environment if `None`.

    Returns:
        Process exit status.
    """
    settings = settings or StackSettings.from_env()
    args = build_parser(settings).parse_args(argv)
    credentials = None if args.anonymous else Credentials(args.email, args.password)
    client = ChatClient(
        rasa_url=args.rasa_url,
        backend_url=args.backend_url,
        sender_id=args.sender or f"terminal-{uuid.uuid4().hex[:12]}",
        credentials=credentials,
        transport=transport,
    )
    try:
        client.login()
    except ChatError as error:
        write(f"Error: {error}")
        return 2
    who = f"{args.email} ({client.customer_id})" if credentials else "anonymous"
    write(f"Chatting with {args.rasa_url} as {who}.")
    return run_chat(client, read, write)

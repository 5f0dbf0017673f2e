"""The action server, open only to callers presenting the shared secret.

`rasa run actions` serves `/webhook` to anyone who can reach the port: whoever
can call it can run any action with any tracker, e.g. claim a verified identity.
This entry point serves the same rasa_sdk app with one addition: every route but
`/health` requires `Authorization: Bearer <ACTION_SERVER_TOKEN>`, compared in
constant time; anything else gets 401. Rasa presents the token through the
`headers` of `action_endpoint` in `endpoints.yml`.

Usage: `python -m actions.server --port 5055 [--host 127.0.0.1] [--actions actions]`
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.handoff.outbox import shared_delivery
from actions.settings import DEFAULT_ACTION_SERVER_TOKEN, get_settings
from redaction.logs import install_log_masking

logger = logging.getLogger(__name__)

#: Routes anyone may call (health checks of the launcher and orchestrators).
OPEN_PATHS = frozenset({"/health"})
BEARER_PREFIX = "bearer "
DEFAULT_HOST = "0.0.0.0"
#: Threads for blocking backend calls (`asyncio.to_thread` in actions/base.py).
#: asyncio's default pool has min(32, CPUs + 4) threads, 6 on 2 cores: six
#: conversations waiting on a slow backend would hold every other conversation's
#: backend call up. A waiting call costs a thread, not CPU.
BACKEND_CALL_THREADS = 64


def presents_token(authorization: str | None, token: str) -> bool:
    """Tells whether an `Authorization` header carries the shared secret.

    Args:
        authorization: The header's value, `None` when absent.
        token: The shared secret.

    Returns:
        `True` only for `Bearer <token>` (scheme case-insensitive); the secret
        is compared in constant time.
    """
    if not authorization or not authorization.lower().startswith(BEARER_PREFIX):
        return False
    presented = authorization[len(BEARER_PREFIX) :].strip()
    return hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))


def require_token(app: Sanic, token: str) -> None:
    """Makes every route of `app` but `OPEN_PATHS` answer 401 without the secret.

    Args:
        app: The action server's Sanic app.
        token: The shared secret.

    Raises:
        ValueError: The token is empty.
    """
    if not token:
        raise ValueError("The action server's token must not be empty.")

    @app.middleware("request")
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if presents_token(request.headers.get("Authorization"), token):
            return None
        # Neither the header nor the body is logged: both may hold secrets.
        logger.warning(
            "Refused %s %s without the action server token.", request.method, request.path
        )
        return response.json({"error": "unauthorized"}, status=401)


def create_locked_app(action_package: str, token: str) -> Sanic:
    """rasa_sdk's action server app, behind the shared secret.

    Args:
        action_package: Package whose actions are served (`actions`).
        token: The shared secret.

    Returns:
        The app, ready to run. CORS is off: only Rasa calls it, never a browser.
    """
    app = create_app(action_package, cors_origins=None)
    require_token(app, token)
    use_backend_call_threads(app, BACKEND_CALL_THREADS)
    deliver_kept_handoffs_on_start(app)
    return app


def use_backend_call_threads(app: Sanic, threads: int) -> None:
    """Gives the server's event loop a pool of `threads` for blocking calls.

    Args:
        app: The action server's Sanic app.
        threads: Most blocking calls (backend requests) running at once.

    Raises:
        ValueError: `threads` is below 1.
    """
    if threads < 1:
        raise ValueError("The action server needs at least one thread for backend calls.")

    @app.listener("before_server_start")
    async def set_backend_call_threads(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_default_executor(
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="backend-call")
        )


def deliver_kept_handoffs_on_start(app: Sanic) -> None:
    """Sends the handoff requests kept while the desk was down, once the server is up.

    Without it, requests kept before a restart would wait for the next handoff.

    Args:
        app: The action server's Sanic app.
    """

    @app.listener("after_server_start")
    async def resume_handoff_delivery(app: Sanic, loop: object) -> None:
        try:
            shared_delivery().ensure_running()
        except Exception:  # noqa: BLE001 - the server must start even so
            logger.exception("handoff.outbox_resume_failed")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line.

    Args:
        argv: Arguments without the program name; `sys.argv` when `None`.

    Returns:
        `port`, `host`, `actions` and `log_level`.
    """
    parser = argparse.ArgumentParser(description="Runs the action server, token-protected.")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--actions", default="actions", help="package of the actions")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Runs the action server until it is stopped.

    Args:
        argv: Arguments without the program name; `sys.argv` when `None`.
    """
    args = parse_args(argv)
    install_log_masking()  # no card, e-mail or phone in any log line of this process
    utils.configure_colored_logging(args.log_level)
    logging.getLogger(APPLICATION_ROOT_LOGGER_NAME).setLevel(args.log_level)
    utils.update_sanic_log_level()
    settings = get_settings()
    if settings.action_server_token == DEFAULT_ACTION_SERVER_TOKEN:
        logger.warning("The action server uses the development token; set ACTION_SERVER_TOKEN.")
    app = create_locked_app(args.actions, settings.action_server_token)
    logger.info("Action server on http://%s:%d (token required).", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()

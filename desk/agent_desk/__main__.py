"""``python -m agent_desk``: migrate, create the demo agents, serve."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from agent_desk.app import create_app
from agent_desk.clock import SystemClock
from agent_desk.db import create_db_engine, create_session_factory
from agent_desk.migrate import upgrade_to_head
from agent_desk.seed import seed_if_empty
from agent_desk.settings import Settings
from redaction.logs import install_log_masking

logger = logging.getLogger("agent_desk")


def prepare_database(settings: Settings) -> None:
    """Apply migrations and, when enabled, create the demo agents in an empty database.

    Args:
        settings: Service settings.
    """
    upgrade_to_head(settings.database_url)
    if not settings.seed:
        return
    engine = create_db_engine(settings.database_url)
    try:
        if seed_if_empty(create_session_factory(engine), SystemClock().now()):
            logger.info("Created the demo agents maria and tom (password 'demo').")
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service.

    Args:
        argv: Command-line arguments (``--host``, ``--port``).
    """
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m agent_desk", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="bind address (DESK_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (DESK_PORT)")
    args = parser.parse_args(argv)
    # Every record masked when created, uvicorn's access log (query strings) included.
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    prepare_database(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

"""``python -m agent_desk``: migrate, create the demo agents, serve."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI

from agent_desk.app import create_app
from agent_desk.migrate import upgrade_to_head
from agent_desk.seed import seed_if_empty
from agent_desk.settings import Settings
from service_kit.clock import SystemClock
from service_kit.runner import migrate_and_seed, serve

logger = logging.getLogger("agent_desk")


def prepare_database(settings: Settings) -> None:
    """Apply migrations and, when enabled, create the demo agents in an empty database.

    Args:
        settings: Service settings.
    """
    seed = (lambda factory: seed_if_empty(factory, SystemClock().now())) if settings.seed else None
    if migrate_and_seed(settings.database_url, upgrade_to_head, seed):
        logger.info("Created the demo agents maria and tom (password 'demo').")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service.

    Args:
        argv: Command-line arguments (``--host``, ``--port``).
    """
    settings = Settings.from_env()

    def build_app() -> FastAPI:
        app = create_app(settings)
        prepare_database(settings)
        return app

    serve(
        argv,
        prog="python -m agent_desk",
        description=__doc__,
        host=settings.host,
        port=settings.port,
        env_prefix="DESK",
        build_app=build_app,
    )


if __name__ == "__main__":
    main()

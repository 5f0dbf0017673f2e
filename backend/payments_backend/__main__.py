"""``python -m payments_backend``: migrate, seed an empty database, serve."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI

from payments_backend.app import create_app
from payments_backend.clock import SystemClock
from payments_backend.migrate import upgrade_to_head
from payments_backend.seed import seed_if_empty
from payments_backend.settings import Settings
from service_kit.runner import migrate_and_seed, serve

logger = logging.getLogger("payments_backend")


def prepare_database(settings: Settings) -> None:
    """Apply migrations and, when enabled, seed an empty database.

    Args:
        settings: Service settings.
    """
    seed = (lambda factory: seed_if_empty(factory, SystemClock().now())) if settings.seed else None
    if migrate_and_seed(settings.database_url, upgrade_to_head, seed):
        logger.info("Seeded the demo data.")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service.

    Args:
        argv: Command-line arguments (``--host``, ``--port``).
    """
    settings = Settings.from_env()

    def build_app() -> FastAPI:
        prepare_database(settings)
        if settings.dev_outbox:
            logger.warning("BACKEND_DEV_OUTBOX is on: /v1/dev/outbox shows one-time codes.")
        return create_app(settings)

    serve(
        argv,
        prog="python -m payments_backend",
        description=__doc__,
        host=settings.host,
        port=settings.port,
        env_prefix="BACKEND",
        build_app=build_app,
    )


if __name__ == "__main__":
    main()

"""``python -m payments_backend``: migrate, seed an empty database, serve."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from payments_backend.app import create_app
from payments_backend.clock import SystemClock
from payments_backend.db import create_db_engine, create_session_factory
from payments_backend.migrate import upgrade_to_head
from payments_backend.seed import seed_if_empty
from payments_backend.settings import Settings
from redaction.logs import install_log_masking

logger = logging.getLogger("payments_backend")


def prepare_database(settings: Settings) -> None:
    """Apply migrations and, when enabled, seed an empty database.

    Args:
        settings: Service settings.
    """
    upgrade_to_head(settings.database_url)
    if not settings.seed:
        return
    engine = create_db_engine(settings.database_url)
    try:
        if seed_if_empty(create_session_factory(engine), SystemClock().now()):
            logger.info("Seeded the demo data.")
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service.

    Args:
        argv: Command-line arguments (``--host``, ``--port``).
    """
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m payments_backend", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="bind address (BACKEND_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (BACKEND_PORT)")
    args = parser.parse_args(argv)
    # Every record masked when created, uvicorn's access log (query strings) included.
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    prepare_database(settings)
    if settings.dev_outbox:
        logger.warning("BACKEND_DEV_OUTBOX is on: /v1/dev/outbox shows one-time codes.")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

"""Apply a service's Alembic migrations (the only way its schema is created)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(service_dir: Path, database_url: str) -> Config:
    """Build the Alembic configuration of a service for ``database_url``.

    Args:
        service_dir: The service's folder, holding ``alembic.ini`` and ``migrations/``.
        database_url: SQLAlchemy URL of the target database.

    Returns:
        A config pointing at ``<service_dir>/migrations``.
    """
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    # Passed as an attribute: set_main_option would treat '%' in passwords as syntax.
    config.attributes["database_url"] = database_url
    config.attributes["skip_logging_config"] = True
    return config


def upgrade_to_head(service_dir: Path, database_url: str) -> None:
    """Bring a service's database schema to the latest revision.

    Args:
        service_dir: The service's folder, holding ``alembic.ini`` and ``migrations/``.
        database_url: SQLAlchemy URL of the target database.
    """
    command.upgrade(alembic_config(service_dir, database_url), "head")

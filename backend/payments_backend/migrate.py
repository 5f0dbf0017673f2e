"""Apply the Alembic migrations of backend/migrations (the only way the schema is created)."""

from __future__ import annotations

from alembic.config import Config

from payments_backend.settings import BACKEND_DIR
from service_kit import migrate


def alembic_config(database_url: str) -> Config:
    """Build the Alembic configuration for ``database_url``.

    Args:
        database_url: SQLAlchemy URL of the target database.

    Returns:
        A config pointing at ``backend/migrations``.
    """
    return migrate.alembic_config(BACKEND_DIR, database_url)


def upgrade_to_head(database_url: str) -> None:
    """Bring the database schema to the latest revision.

    Args:
        database_url: SQLAlchemy URL of the target database.
    """
    migrate.upgrade_to_head(BACKEND_DIR, database_url)

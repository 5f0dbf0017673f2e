"""Apply the Alembic migrations of desk/migrations (the only way the schema is created)."""

from __future__ import annotations

from alembic.config import Config

from agent_desk.settings import DESK_DIR
from service_kit import migrate


def alembic_config(database_url: str) -> Config:
    """Build the Alembic configuration for ``database_url``.

    Args:
        database_url: SQLAlchemy URL of the target database.

    Returns:
        A config pointing at ``desk/migrations``.
    """
    return migrate.alembic_config(DESK_DIR, database_url)


def upgrade_to_head(database_url: str) -> None:
    """Bring the database schema to the latest revision.

    Args:
        database_url: SQLAlchemy URL of the target database.
    """
    migrate.upgrade_to_head(DESK_DIR, database_url)

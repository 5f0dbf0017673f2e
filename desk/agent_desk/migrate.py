"""Apply the Alembic migrations (the only way the schema is created)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from agent_desk.settings import DESK_DIR


def alembic_config(database_url: str) -> Config:
    """Build the Alembic configuration for ``database_url``.

    Args:
        database_url: SQLAlchemy URL of the target database.

    Returns:
        A config pointing at ``desk/migrations``.
    """
    config = Config(str(DESK_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(DESK_DIR / "migrations"))
    # Passed as an attribute: set_main_option would treat '%' in passwords as syntax.
    config.attributes["database_url"] = database_url
    config.attributes["skip_logging_config"] = True
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the database schema to the latest revision.

    Args:
        database_url: SQLAlchemy URL of the target database.
    """
    command.upgrade(alembic_config(database_url), "head")

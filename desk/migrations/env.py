"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from agent_desk.models import Base
from agent_desk.settings import Settings
from service_kit.alembic_env import run_migrations

# Its own version table, so the desk can share a database with the payments backend.
VERSION_TABLE = "desk_alembic_version"

run_migrations(Base.metadata, lambda: Settings.from_env().database_url, VERSION_TABLE)

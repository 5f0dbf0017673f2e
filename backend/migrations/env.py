"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from payments_backend.models import Base
from payments_backend.settings import Settings
from service_kit.alembic_env import run_migrations

run_migrations(Base.metadata, lambda: Settings.from_env().database_url)

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from service_kit.db import create_db_engine
from service_kit.migrate import alembic_config, upgrade_to_head

ENV = """
from sqlalchemy import Integer, MetaData, Column, Table

from service_kit.alembic_env import run_migrations

metadata = MetaData()
Table("widgets", metadata, Column("id", Integer, primary_key=True))
run_migrations(metadata, lambda: "sqlite://", {version_table!r})
"""

REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True))
"""


def make_service(root: Path, version_table: str) -> Path:
    """A minimal service folder: alembic.ini, migrations/env.py, one revision."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n"
    )
    (root / "migrations" / "env.py").write_text(ENV.format(version_table=version_table))
    (root / "migrations" / "script.py.mako").write_text("")
    (root / "migrations" / "versions" / "0001_widgets.py").write_text(REVISION)
    return root


def test_the_config_points_at_the_service_and_keeps_percent_signs(tmp_path: Path) -> None:
    url = "postgresql+psycopg://user:p%25ss@db/app"
    config = alembic_config(tmp_path, url)
    assert config.config_file_name == str(tmp_path / "alembic.ini")
    assert config.get_main_option("script_location") == str(tmp_path / "migrations")
    assert config.attributes == {"database_url": url, "skip_logging_config": True}


@pytest.mark.parametrize("version_table", ["alembic_version", "svc_alembic_version"])
def test_upgrade_creates_the_schema_and_its_version_table(
    tmp_path: Path, version_table: str
) -> None:
    service = make_service(tmp_path / "svc", version_table)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade_to_head(service, url)
    upgrade_to_head(service, url)  # at head already: nothing to do
    engine = create_db_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == {"widgets", version_table}
        with engine.connect() as connection:
            version = connection.execute(text(f"SELECT version_num FROM {version_table}"))
            assert version.scalars().all() == ["0001"]
    finally:
        engine.dispose()

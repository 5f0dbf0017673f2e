"""Every place the production stack keeps data, read as texts to scan for secrets.

Sinks: the PostgreSQL tracker store (every table), the events taken from the
RabbitMQ queue, the replicas' event outboxes (read while RabbitMQ is away, when
events wait there), every service log, the agent desk's database, the backend's
database and the action server's handoff outbox. One text is one row, one
event or one log line, as `tests/integration/test_secrets_at_rest.py` scans.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterable, List

from devstack.paths import RepoPaths
from tests.integration.production_stack import ProductionStack, QueuedEvent
from tests.secret_sinks import service_env, sqlite_dump, sqlite_path


def postgres_rows(url: str) -> List[str]:
    """Every row of every table of the database's public schema, as text."""
    import sqlalchemy as sa  # the Rasa environment's SQLAlchemy 1.4

    engine = sa.create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            tables = [
                str(row[0])
                for row in connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ]
            return [
                repr(tuple(row))
                for table in tables
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()


def queue_texts(messages: Iterable[QueuedEvent]) -> List[str]:
    """The events taken from the queue, each as its JSON body and headers."""
    return [json.dumps({"body": m.body, "headers": m.headers}, default=str) for m in messages]


def outbox_rows(stack: ProductionStack) -> List[str]:
    """The rows waiting in the replicas' event outboxes (SQLite files of this run's exchange)."""
    folder = RepoPaths().var_dir / "event-outbox" / stack.rabbit_exchange
    rows: List[str] = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.name.endswith(("-wal", "-shm", "-journal")):
            try:
                rows += sqlite_dump(path)
            except Exception as error:  # a file the broker is replacing: say so, go on
                rows.append(f"(unreadable {path.name}: {error!r})")
    return rows


def log_lines(log_dir: Path) -> Dict[str, List[str]]:
    """Every line of every service log, per file."""
    return {
        path.name: path.read_text(encoding="utf-8", errors="replace").splitlines()
        for path in sorted(log_dir.glob("*.log"))
    }


def sqlite_sinks(stack: ProductionStack) -> Dict[str, List[str]]:
    """The desk's and the backend's databases and the handoff outbox, row by row."""
    files = {
        "desk database": sqlite_path(service_env(stack, "desk")["DATABASE_URL"]),
        "backend database": sqlite_path(service_env(stack, "backend")["DATABASE_URL"]),
        "handoff outbox": Path(service_env(stack, "actions")["HANDOFF_OUTBOX_PATH"]),
    }
    return {name: sqlite_dump(path) if path.exists() else [] for name, path in files.items()}


#: What the masking leaves in place of a secret (redaction/placeholders.py).
MASKS = ("[card", "[cvv]", "[iban", "[email]", "[phone]")


def sink_figures(texts: List[str]) -> Dict[str, int]:
    """How much a sink held: texts scanned, and texts with a mask (secrets arrived, masked)."""
    return {
        "texts": len(texts),
        "with_masks": sum(1 for text in texts if any(mask in text for mask in MASKS)),
    }


def all_sinks(
    stack: ProductionStack, queued: Iterable[QueuedEvent], outbox_seen: List[str]
) -> Dict[str, List[str]]:
    """Every sink's texts, by sink name.

    Args:
        stack: The running stack.
        queued: Every event taken from the queue during the run.
        outbox_seen: Outbox rows read while events waited there (RabbitMQ away).

    Returns:
        sink name -> texts.
    """
    sinks = {
        "tracker store (PostgreSQL)": postgres_rows(stack.tracker_db_url),
        "RabbitMQ events": queue_texts(queued),
        "event outbox": outbox_seen + outbox_rows(stack),
    }
    sinks.update(sqlite_sinks(stack))
    sinks.update({f"log {name}": lines for name, lines in log_lines(stack.log_dir).items()})
    return sinks

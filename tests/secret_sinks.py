"""Reading the places a running stack keeps data, to look for secrets in them.

Shared by the integration test of secrets at rest
(`tests/integration/test_secrets_at_rest.py`) and the reliability benchmark
(`bench/reliability`): a SQLite database dumped row by row, a service's
environment (where its database is), and the leaks of generated secrets in many
texts, by kind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Dict, Iterable, List

from tests.secret_samples import SecretSamples


def service_env(stack: Any, name: str) -> Dict[str, str]:
    """The environment the stack gave one of its services (e.g. its `DATABASE_URL`)."""
    return dict(next(service.env for service in stack.processes.services if service.name == name))


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///...` SQLAlchemy URL."""
    assert url.startswith("sqlite:///"), f"the test stack uses SQLite files, not {url}"
    return Path(url[len("sqlite:///") :])


def sqlite_dump(path: Path) -> List[str]:
    """Every row of every table, as text."""
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return [
            repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        ]


def strings_in(value: Any) -> List[str]:
    """Every string inside a JSON-like value, keys included (not numbers: a float
    timestamp such as 1796691251.4111454 holds the digits "4111").
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings_in(item)]]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in strings_in(item)]
    return []


def find_leaks(samples: SecretSamples, texts: Iterable[str]) -> Dict[str, List[str]]:
    """The secrets of `samples` readable in any of `texts` (one per row or line), by kind.

    A secret found in several texts is listed once per text.
    """
    found: Dict[str, List[str]] = {}
    for text in texts:
        for kind, values in samples.leaks(text).items():
            found.setdefault(kind, []).extend(values)
    return found

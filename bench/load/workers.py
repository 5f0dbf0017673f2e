"""Rasa with several Sanic workers: Redis lock store, PostgreSQL tracker store.

Rasa refuses more than one worker with the in-memory lock store
(`rasa.core.utils.number_of_sanic_workers`), and workers must share the
conversations, so this run uses the production stores: a fresh PostgreSQL
database (dropped afterwards) and a Redis lock store under a key prefix of its
own (its keys deleted afterwards). The same stores with one worker give the
single-process baseline.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from devstack.paths import RepoPaths
from devstack.processes import Service
from devstack.services import rasa_service
from devstack.settings import StackSettings

PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CONNECT_TIMEOUT_SECONDS = 3.0


def reachable(host: str, port: int, timeout: float = CONNECT_TIMEOUT_SECONDS) -> bool:
    """Whether a TCP server answers at `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class SharedStores:
    """A fresh PostgreSQL database and a Redis key prefix for one run.

    Attributes:
        database: PostgreSQL database name.
        key_prefix: Redis lock store key prefix (alphanumeric, as Rasa requires).
    """

    database: str
    key_prefix: str


def endpoints_yaml(stores: SharedStores) -> str:
    """An endpoints file like the project's, with PostgreSQL and Redis.

    The action endpoint keeps `endpoints.yml`'s variables; the tracker store
    keeps the project's masking wrapper.
    """
    config = {
        "action_endpoint": {
            "url": "${ACTION_ENDPOINT_URL}",
            "headers": {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"},
        },
        "tracker_store": {
            "type": "rasa_plugins.stores.tracker_store.MaskingTrackerStore",
            "wrapped": {
                "type": "SQL",
                "dialect": "postgresql",
                "url": PG_HOST,
                "port": PG_PORT,
                "db": stores.database,
                "username": PG_USER,
            },
        },
        "lock_store": {
            "type": "redis",
            "url": REDIS_HOST,
            "port": REDIS_PORT,
            "db": 0,
            "key_prefix": stores.key_prefix,
        },
    }
    # Rasa expands ${VAR} only in plain scalars: no quotes around them.
    return yaml.safe_dump(config, sort_keys=False)


@contextlib.contextmanager
def shared_stores() -> Iterator[SharedStores]:
    """Creates the database and prefix; drops the database and keys afterwards."""
    import psycopg2
    import redis

    suffix = uuid.uuid4().hex[:10]
    stores = SharedStores(database=f"bench_load_{suffix}", key_prefix=f"benchload{suffix}")
    admin = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB,
        connect_timeout=int(CONNECT_TIMEOUT_SECONDS),
    )
    admin.autocommit = True
    client = redis.Redis(
        host=REDIS_HOST, port=REDIS_PORT, db=0, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{stores.database}"')
        yield stores
    finally:
        try:
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (stores.database,),
                )
                cursor.execute(f'DROP DATABASE IF EXISTS "{stores.database}"')
        finally:
            admin.close()
            for key in client.scan_iter(match=f"{stores.key_prefix}*", count=500):
                client.delete(key)
            client.close()


def worker_rasa_service(
    settings: StackSettings,
    model: Path,
    actions_url: str,
    backend_url: str,
    port: int,
    endpoints_file: Path,
    workers: int,
    paths: RepoPaths = RepoPaths(),
) -> Service:
    """The Rasa server with `SANIC_WORKERS=workers` and the shared stores.

    Args:
        settings: The main stack's keys.
        model: The model.
        actions_url: The action server's base URL.
        backend_url: The backend (web chat page only).
        port: Listening port.
        endpoints_file: Written by `endpoints_yaml`.
        workers: Sanic workers.
        paths: Repository paths.

    Returns:
        The service.
    """
    return rasa_service(
        paths,
        port,
        model,
        f"{actions_url}/webhook",
        settings.identity_signing_key,
        settings.rasa_auth_token,
        timeout=settings.startup_timeout,
        backend_url=backend_url,
        action_server_token=settings.action_server_token,
        endpoints_file=endpoints_file,
        extra_env={"SANIC_WORKERS": str(workers)},
        name=f"rasa-{workers}w",
    )

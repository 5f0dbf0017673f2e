"""The production profile's shared services: are they there, and the tracker database.

PostgreSQL, Redis and RabbitMQ are not started by the stack (on a developer
machine they are system services; in a deployment, managed ones). These checks
turn a missing one into one clear sentence before any Rasa replica starts
(Rasa itself would retry PostgreSQL forever and RabbitMQ for minutes).
"""

import asyncio
import socket
from typing import Callable, List, Optional, Tuple

from devstack.errors import PrerequisiteError
from devstack.settings import InfraSettings

CHECK_TIMEOUT = 3.0
#: The database every PostgreSQL server has, to create others from.
MAINTENANCE_DB = "postgres"


def services_of(infra: InfraSettings) -> List[Tuple[str, str, int, str]]:
    """(name, host, port, variables naming it) of each shared service."""
    return [
        ("PostgreSQL", infra.tracker_db_host, infra.tracker_db_port, "TRACKER_DB_HOST/TRACKER_DB_PORT"),
        ("Redis", infra.redis_host, infra.redis_port, "REDIS_HOST/REDIS_PORT"),
        ("RabbitMQ", infra.rabbitmq_host, infra.rabbitmq_port, "RABBITMQ_HOST/RABBITMQ_PORT"),
    ]


def unreachable(infra: InfraSettings, timeout: float = CHECK_TIMEOUT) -> List[str]:
    """Names the shared services that refuse a TCP connection (empty: all answer).

    Args:
        infra: Where the services are.
        timeout: Seconds per connection attempt.

    Returns:
        "PostgreSQL at 127.0.0.1:5432"-style descriptions of the missing ones.
    """
    return [
        f"{name} at {host}:{port}"
        for name, host, port, _ in services_of(infra)
        if _connection_error(host, port, timeout) is not None
    ]


def check_reachable(infra: InfraSettings, timeout: float = CHECK_TIMEOUT) -> None:
    """Checks that PostgreSQL, Redis and RabbitMQ accept connections.

    Raises:
        PrerequisiteError: Naming the first missing one and the variables that move it.
    """
    for name, host, port, variables in services_of(infra):
        error = _connection_error(host, port, timeout)
        if error is not None:
            raise PrerequisiteError(
                f"the production profile needs {name}, which does not answer at "
                f"{host}:{port} ({error.strerror or error}) — start it or set {variables}"
            )


def _connection_error(host: str, port: int, timeout: float) -> Optional[OSError]:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as error:
        return error


def ensure_database(infra: InfraSettings, name: str) -> bool:
    """Creates a PostgreSQL database on the tracker store's server unless it exists.

    Args:
        infra: The server and credentials.
        name: The database.

    Returns:
        `True` when it was created now.

    Raises:
        PrerequisiteError: The server refused (credentials, rights).
    """
    exists = _run_sql(
        infra, lambda cursor: _fetch_one(cursor, "SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    )
    if exists:
        return False
    _run_sql(infra, lambda cursor: cursor.execute(f"CREATE DATABASE {_identifier(name)}"))
    return True


def drop_database(infra: InfraSettings, name: str) -> None:
    """Drops a database, closing its remaining connections (PostgreSQL 13+).

    Raises:
        PrerequisiteError: The server refused.
    """
    _run_sql(
        infra, lambda cursor: cursor.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
    )


def check_redis(infra: InfraSettings, timeout: float = CHECK_TIMEOUT) -> None:
    """Checks that Redis answers PING with the configured password and database.

    Raises:
        PrerequisiteError: It does not.
    """
    import redis  # the Rasa environment's client

    client = redis.Redis(
        host=infra.redis_host,
        port=infra.redis_port,
        db=infra.redis_lock_db,
        password=infra.redis_password or None,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    try:
        client.ping()
    except redis.RedisError as error:
        raise PrerequisiteError(
            f"Redis at {infra.redis_host}:{infra.redis_port} refused PING ({error}) — "
            "check REDIS_PASSWORD and REDIS_LOCK_DB"
        ) from None
    finally:
        client.close()


def check_rabbitmq(infra: InfraSettings, timeout: float = CHECK_TIMEOUT) -> None:
    """Checks that RabbitMQ accepts the configured user (an AMQP login).

    Raises:
        PrerequisiteError: It does not.
    """
    import aio_pika  # the Rasa environment's client (Rasa's pika broker uses it)

    async def login() -> None:
        connection = await aio_pika.connect(
            host=infra.rabbitmq_host,
            port=infra.rabbitmq_port,
            login=infra.rabbitmq_user,
            password=infra.rabbitmq_password,
            timeout=timeout,
        )
        await connection.close()

    try:
        asyncio.run(asyncio.wait_for(login(), timeout * 2))
    except Exception as error:  # aiormq raises many kinds; all mean "cannot log in"
        raise PrerequisiteError(
            f"RabbitMQ at {infra.rabbitmq_host}:{infra.rabbitmq_port} refused the login of "
            f"{infra.rabbitmq_user!r} ({type(error).__name__}) — check RABBITMQ_USER/RABBITMQ_PASSWORD"
        ) from None


def check_infrastructure(infra: InfraSettings) -> None:
    """Every check of the production profile; creates the tracker database if missing.

    Raises:
        PrerequisiteError: The first problem, as one sentence.
    """
    check_reachable(infra)
    ensure_database(infra, infra.tracker_db_name)
    check_redis(infra)
    check_rabbitmq(infra)


def _run_sql(infra: InfraSettings, action: Callable[..., object]) -> object:
    import psycopg2  # the Rasa environment's driver (Rasa's SQL tracker store uses it)

    try:
        connection = psycopg2.connect(
            host=infra.tracker_db_host,
            port=infra.tracker_db_port,
            user=infra.tracker_db_user,
            password=infra.tracker_db_password or None,
            dbname=MAINTENANCE_DB,
            connect_timeout=int(CHECK_TIMEOUT),
        )
    except psycopg2.Error as error:
        raise PrerequisiteError(
            f"PostgreSQL at {infra.tracker_db_host}:{infra.tracker_db_port} refused "
            f"{infra.tracker_db_user!r}: {str(error).strip()} — check TRACKER_DB_USER/TRACKER_DB_PASSWORD"
        ) from None
    try:
        connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        with connection.cursor() as cursor:
            return action(cursor)
    except psycopg2.Error as error:
        raise PrerequisiteError(
            f"PostgreSQL at {infra.tracker_db_host}:{infra.tracker_db_port}: {str(error).strip()}"
        ) from None
    finally:
        connection.close()


def _fetch_one(cursor: object, query: str, parameters: Tuple[object, ...]) -> object:
    cursor.execute(query, parameters)  # type: ignore[attr-defined]
    return cursor.fetchone()  # type: ignore[attr-defined]


def _identifier(name: str) -> str:
    """A database name quoted for SQL (names come from settings, not from users)."""
    return '"' + name.replace('"', '""') + '"'

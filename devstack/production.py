"""The production profile's services: Rasa replicas sharing state, behind a round-robin proxy.

Backend, agent desk and the one action server are those of the default profile;
Rasa runs as several replicas (`rasa-1`, `rasa-2`, ...) started with
`endpoints.production.yml` (PostgreSQL tracker store, Redis lock store,
RabbitMQ event broker) and socket.io's Redis pub/sub, and `proxy`
(`devstack.proxy`) answers on the usual Rasa port. See docs/production.md.
"""

from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from devstack.paths import RepoPaths
from devstack.processes import Service
from devstack.proxy import STATUS_PATH
from devstack.services import (
    LOOPBACK,
    StackAddresses,
    rasa_service,
    supporting_services,
    url,
)
from devstack.settings import InfraSettings, StackSettings

PROXY_STARTUP_TIMEOUT = 30.0


def production_endpoints_file(paths: RepoPaths) -> Path:
    """`endpoints.production.yml` of the repository."""
    return paths.root / "endpoints.production.yml"


def replica_names(count: int) -> List[str]:
    """Service names of the Rasa replicas: `rasa-1`, `rasa-2`, ..."""
    return [f"rasa-{index}" for index in range(1, count + 1)]


def replica_env(infra: InfraSettings) -> Dict[str, str]:
    """Environment a Rasa replica needs for `endpoints.production.yml` and its channels.

    Args:
        infra: Where the replica finds PostgreSQL, Redis and RabbitMQ (tests put
            fault proxies there).

    Returns:
        The variables, as text.
    """
    return {
        "TRACKER_DB_HOST": infra.tracker_db_host,
        "TRACKER_DB_PORT": str(infra.tracker_db_port),
        "TRACKER_DB_NAME": infra.tracker_db_name,
        "TRACKER_DB_USER": infra.tracker_db_user,
        "TRACKER_DB_PASSWORD": infra.tracker_db_password,
        "REDIS_HOST": infra.redis_host,
        "REDIS_PORT": str(infra.redis_port),
        "REDIS_LOCK_DB": str(infra.redis_lock_db),
        "REDIS_PASSWORD": infra.redis_password,
        "REDIS_KEY_PREFIX": infra.redis_key_prefix,
        "RABBITMQ_HOST": infra.rabbitmq_host,
        "RABBITMQ_PORT": str(infra.rabbitmq_port),
        "RABBITMQ_USER": infra.rabbitmq_user,
        "RABBITMQ_PASSWORD": infra.rabbitmq_password,
        "RABBITMQ_QUEUE": infra.rabbitmq_queue,
        "RABBITMQ_EXCHANGE": infra.rabbitmq_exchange,
        # socket.io emits (agent replies through any replica) reach the replica
        # holding the customer's socket through Redis pub/sub.
        "SOCKETIO_REDIS_URL": infra.socketio_redis_url,
        "SOCKETIO_REDIS_CHANNEL": infra.socketio_channel,
        # Sanic takes the client address from the proxy's X-Forwarded-For (the
        # per-IP connection limit must see clients, not the proxy).
        "SANIC_PROXIES_COUNT": "1",
        # Rasa's defaults (50 + 100 per process) would exceed PostgreSQL's 100
        # connections with two replicas; its store calls are sequential anyway.
        "SQL_POOL_SIZE": "5",
        "SQL_MAX_OVERFLOW": "10",
    }


def proxy_service(
    paths: RepoPaths,
    port: int,
    replicas: Sequence[Tuple[str, str]],
    timeout: float = PROXY_STARTUP_TIMEOUT,
) -> Service:
    """The round-robin proxy (`python -m devstack.proxy`) on the public Rasa port.

    Args:
        paths: Repository paths.
        port: Listening port.
        replicas: (name, base URL) of each replica, in rotation order.
        timeout: Startup timeout in seconds.

    Returns:
        The service description.
    """
    argv = [str(paths.rasa_venv / "bin" / "python"), "-m", "devstack.proxy", "--host", LOOPBACK]
    argv += ["--port", str(port)]
    for name, base_url in replicas:
        argv += ["--replica", f"{name}={base_url}"]
    return Service(
        name="proxy",
        argv=argv,
        cwd=paths.root,
        env={"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(paths.root)},
        health_url=f"{url(port)}{STATUS_PATH}",
        startup_timeout=timeout,
    )


def production_services(
    settings: StackSettings,
    model: Path,
    paths: RepoPaths = RepoPaths(),
    replica_infra: Optional[InfraSettings] = None,
    replica_extra_env: Optional[Mapping[str, str]] = None,
    replica_ports: Optional[Sequence[int]] = None,
) -> List[Service]:
    """Backend, desk, action server, the Rasa replicas and the proxy, wired together.

    Args:
        settings: Ports, keys, replicas and shared services (`settings.infra`,
            which the desk reads the tracker store from).
        model: Trained model archive every replica serves.
        paths: Repository paths.
        replica_infra: Where the replicas reach the shared services, when not
            where the desk does (the tests put fault proxies in between).
        replica_extra_env: More variables for each replica.
        replica_ports: The replicas' ports when not `settings.rasa_replica_ports`
            (tests pick free ones).

    Returns:
        The services in start order; the proxy last, on `settings.rasa_port`.
    """
    addresses = StackAddresses.for_settings(settings)
    infra = settings.infra
    names = replica_names(settings.rasa_replicas)
    ports = tuple(replica_ports or settings.rasa_replica_ports)
    if len(ports) != len(names):
        raise ValueError(f"{len(names)} replicas need {len(names)} ports, got {len(ports)}")
    env = {**replica_env(replica_infra or infra), **(replica_extra_env or {})}
    services = supporting_services(
        settings, paths, tracker_store_url=infra.tracker_db_url("postgresql+psycopg")
    )
    for name, port in zip(names, ports):
        services.append(
            rasa_service(
                paths,
                port,
                model,
                f"{addresses.actions_url}/webhook",
                settings.identity_signing_key,
                settings.rasa_auth_token,
                timeout=settings.startup_timeout,
                backend_url=addresses.backend_url,
                action_server_token=settings.action_server_token,
                endpoints_file=production_endpoints_file(paths),
                extra_env=env,
                name=name,
            )
        )
    services.append(
        proxy_service(paths, settings.rasa_port, [(n, url(p)) for n, p in zip(names, ports)])
    )
    return services

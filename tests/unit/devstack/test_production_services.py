"""Tests of the production profile's services: replicas, proxy, desk and the endpoints file."""

import dataclasses
import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from devstack.errors import PrerequisiteError
from devstack.launcher import describe, services_for
from devstack.paths import REPO_ROOT, RepoPaths
from devstack.ports import find_free_port
from devstack.prerequisites import check_ports, check_prerequisites
from devstack.processes import Service
from devstack.production import production_services, replica_env
from devstack.services import StackAddresses
from devstack.settings import InfraSettings, StackSettings

SETTINGS = StackSettings(
    backend_port=18080,
    actions_port=15055,
    rasa_port=15005,
    desk_port=18090,
    rasa_auth_token="api-token",
    action_server_token="actions-secret",
    profile="production",
    rasa_replicas=2,
    rasa_replica_base_port=15006,
    infra=InfraSettings(tracker_db_name="tracker", redis_key_prefix="p1"),
)


def _by_name(services: List[Service]) -> Dict[str, Service]:
    return {service.name: service for service in services}


def test_start_order_and_names(tmp_path: Path) -> None:
    services = production_services(SETTINGS, tmp_path / "m.tar.gz", RepoPaths(tmp_path))

    assert [s.name for s in services] == ["backend", "desk", "actions", "rasa-1", "rasa-2", "proxy"]


def test_replicas_share_the_stores_and_run_the_production_endpoints(tmp_path: Path) -> None:
    services = _by_name(production_services(SETTINGS, tmp_path / "m.tar.gz", RepoPaths(tmp_path)))

    for name, port in (("rasa-1", "15006"), ("rasa-2", "15007")):
        replica = services[name]
        argv = list(replica.argv)
        assert argv[argv.index("--port") + 1] == port
        assert argv[argv.index("--endpoints") + 1] == str(tmp_path / "endpoints.production.yml")
        assert replica.env["TRACKER_DB_NAME"] == "tracker"
        assert replica.env["REDIS_KEY_PREFIX"] == "p1"
        assert replica.env["SOCKETIO_REDIS_URL"] == "redis://127.0.0.1:6379/1"
        assert replica.env["SANIC_PROXIES_COUNT"] == "1"
        assert replica.env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:15055/webhook"
        assert replica.health_url == f"http://127.0.0.1:{port}/status?token=api-token"


def test_the_proxy_takes_the_public_port_and_the_desk_reads_postgresql(tmp_path: Path) -> None:
    services = _by_name(production_services(SETTINGS, tmp_path / "m.tar.gz", RepoPaths(tmp_path)))

    proxy = list(services["proxy"].argv)
    assert proxy[proxy.index("--port") + 1] == "15005"
    assert [proxy[i + 1] for i, a in enumerate(proxy) if a == "--replica"] == [
        "rasa-1=http://127.0.0.1:15006",
        "rasa-2=http://127.0.0.1:15007",
    ]
    assert services["desk"].env["RASA_URL"] == "http://127.0.0.1:15005"
    assert services["desk"].env["TRACKER_STORE_URL"] == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/tracker"
    )


def test_replicas_may_reach_the_stores_elsewhere_and_get_more_env(tmp_path: Path) -> None:
    through = dataclasses.replace(SETTINGS.infra, tracker_db_port=40001, redis_port=40002)

    services = _by_name(
        production_services(
            SETTINGS,
            tmp_path / "m.tar.gz",
            RepoPaths(tmp_path),
            replica_infra=through,
            replica_extra_env={"REPLY_DEADLINE_SECONDS": "60"},
            replica_ports=[41000, 41001],
        )
    )

    assert services["rasa-1"].env["TRACKER_DB_PORT"] == "40001"
    assert services["rasa-2"].env["REDIS_PORT"] == "40002"
    assert services["rasa-2"].env["REPLY_DEADLINE_SECONDS"] == "60"
    assert "rasa-2=http://127.0.0.1:41001" in services["proxy"].argv
    # The desk still reads the real database.
    assert services["desk"].env["TRACKER_STORE_URL"].endswith("@127.0.0.1:5432/tracker")
    with pytest.raises(ValueError, match="2 replicas need 2 ports"):
        production_services(SETTINGS, tmp_path / "m", RepoPaths(tmp_path), replica_ports=[1])


def test_the_endpoints_file_reads_every_variable_the_replicas_get() -> None:
    text = (REPO_ROOT / "endpoints.production.yml").read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    used = set(re.findall(r"\$\{([A-Z_]+)\}", code))
    given = set(replica_env(InfraSettings())) | {"ACTION_ENDPOINT_URL", "ACTION_SERVER_TOKEN"}

    assert used <= given, f"set by nobody: {sorted(used - given)}"
    endpoints = yaml.safe_load(text)
    assert set(endpoints) >= {"action_endpoint", "tracker_store", "lock_store", "event_broker"}


def test_rasa_expands_the_production_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.utils import AvailableEndpoints

    for key, value in {
        **replica_env(InfraSettings(tracker_db_name="tracker")),
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_TOKEN": "secret",
    }.items():
        monkeypatch.setenv(key, value)

    endpoints = AvailableEndpoints.read_endpoints(str(REPO_ROOT / "endpoints.production.yml"))

    # Every store is shared (none in memory), with the values the replicas got.
    assert endpoints.tracker_store and endpoints.lock_store and endpoints.event_broker
    assert "'tracker'" in repr(endpoints.tracker_store.kwargs)
    assert "'payments'" in repr(endpoints.lock_store.kwargs)
    assert endpoints.action.headers["Authorization"] == "Bearer secret"


def test_the_launcher_picks_the_profile(tmp_path: Path) -> None:
    paths = RepoPaths(tmp_path)
    default = dataclasses.replace(SETTINGS, profile="default")

    assert [s.name for s in services_for(default, tmp_path / "m", paths)][-1] == "rasa"
    assert [s.name for s in services_for(SETTINGS, tmp_path / "m", paths)][-1] == "proxy"
    text = "\n".join(describe(SETTINGS, StackAddresses.for_settings(SETTINGS), paths))
    assert "rasa-1 http://127.0.0.1:15006, rasa-2 http://127.0.0.1:15007" in text
    assert "PostgreSQL 127.0.0.1:5432/tracker" in text and "queue rasa_events" in text


def test_a_busy_replica_port_names_its_variable() -> None:
    with __import__("socket").socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = dataclasses.replace(
            SETTINGS,
            backend_port=find_free_port(),
            actions_port=find_free_port(),
            desk_port=find_free_port(),
            rasa_port=find_free_port(),
            rasa_replica_base_port=port - 1,
        )
        with pytest.raises(PrerequisiteError, match="Rasa replica 2.*RASA_REPLICA_BASE_PORT"):
            check_ports(settings)


def test_shared_services_are_checked_only_in_the_production_profile(tmp_path: Path) -> None:
    for path in (".venv/bin/rasa", ".venv-backend/bin/python", "endpoints.yml", "credentials.yml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    for folder in ("backend", "desk", "models"):
        (tmp_path / folder).mkdir()
    (tmp_path / "models" / "m.tar.gz").write_bytes(b"")
    checked: List[InfraSettings] = []
    free = dict(
        backend_port=find_free_port(),
        actions_port=find_free_port(),
        desk_port=find_free_port(),
        rasa_port=find_free_port(),
        rasa_replica_base_port=find_free_port(),
        rasa_replicas=1,
    )
    default = dataclasses.replace(SETTINGS, profile="default", **free)
    production = dataclasses.replace(SETTINGS, **free)

    check_prerequisites(default, RepoPaths(tmp_path), check_shared_services=checked.append)
    assert checked == []
    with pytest.raises(PrerequisiteError, match="endpoints.production.yml is missing"):
        check_prerequisites(production, RepoPaths(tmp_path), check_shared_services=checked.append)
    (tmp_path / "endpoints.production.yml").write_text("")
    check_prerequisites(production, RepoPaths(tmp_path), check_shared_services=checked.append)
    assert checked == [production.infra]


def test_a_missing_service_is_one_sentence_naming_its_variables() -> None:
    from devstack.infrastructure import check_reachable

    closed = find_free_port()
    with pytest.raises(PrerequisiteError) as raised:
        check_reachable(InfraSettings(tracker_db_port=closed), timeout=1.0)

    message = str(raised.value)
    assert message.startswith(f"the production profile needs PostgreSQL, which does not answer at 127.0.0.1:{closed}")
    assert "TRACKER_DB_HOST/TRACKER_DB_PORT" in message and "\n" not in message

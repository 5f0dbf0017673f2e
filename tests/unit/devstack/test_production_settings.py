"""Tests of the production profile's settings (`STACK_PROFILE`, replicas, shared services)."""

import pytest

from devstack.settings import InfraSettings, StackSettings


def test_the_default_profile_is_unchanged() -> None:
    settings = StackSettings.from_env({})

    assert settings.profile == "default" and not settings.production
    assert settings.rasa_replicas == 2
    assert settings.rasa_replica_ports == (5006, 5007)
    assert settings.infra == InfraSettings()


def test_production_profile_and_replicas_from_the_environment() -> None:
    settings = StackSettings.from_env(
        {"STACK_PROFILE": "Production", "RASA_REPLICAS": "3", "RASA_REPLICA_BASE_PORT": "7000"}
    )

    assert settings.production
    assert settings.rasa_replica_ports == (7000, 7001, 7002)


@pytest.mark.parametrize(
    "env, name",
    [
        ({"STACK_PROFILE": "staging"}, "STACK_PROFILE"),
        ({"RASA_REPLICAS": "0"}, "RASA_REPLICAS"),
        ({"RASA_REPLICAS": "two"}, "RASA_REPLICAS"),
        ({"RASA_REPLICA_BASE_PORT": "70000"}, "RASA_REPLICA_BASE_PORT"),
        ({"TRACKER_DB_PORT": "x"}, "TRACKER_DB_PORT"),
        ({"REDIS_LOCK_DB": "16"}, "REDIS_LOCK_DB"),
        ({"REDIS_KEY_PREFIX": "my-prefix"}, "REDIS_KEY_PREFIX"),
        ({"RABBITMQ_PORT": "0"}, "RABBITMQ_PORT"),
    ],
)
def test_bad_values_name_their_variable(env: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        StackSettings.from_env(env)


def test_shared_services_from_the_environment() -> None:
    infra = StackSettings.from_env(
        {
            "TRACKER_DB_HOST": "db",
            "TRACKER_DB_PORT": "6432",
            "TRACKER_DB_NAME": "tracker",
            "TRACKER_DB_USER": "rasa",
            "TRACKER_DB_PASSWORD": "p@ss/word",
            "REDIS_HOST": "cache",
            "REDIS_PORT": "6380",
            "REDIS_LOCK_DB": "3",
            "REDIS_PASSWORD": "r:pw",
            "REDIS_KEY_PREFIX": "prod1",
            "SOCKETIO_REDIS_CHANNEL": "chat",
            "RABBITMQ_HOST": "mq",
            "RABBITMQ_PORT": "5673",
            "RABBITMQ_USER": "rasa",
            "RABBITMQ_PASSWORD": "mqpw",
            "RABBITMQ_QUEUE": "events",
            "RABBITMQ_EXCHANGE": "events-x",
        }
    ).infra

    assert infra == InfraSettings(
        tracker_db_host="db",
        tracker_db_port=6432,
        tracker_db_name="tracker",
        tracker_db_user="rasa",
        tracker_db_password="p@ss/word",
        redis_host="cache",
        redis_port=6380,
        redis_lock_db=3,
        redis_password="r:pw",
        redis_key_prefix="prod1",
        socketio_channel="chat",
        rabbitmq_host="mq",
        rabbitmq_port=5673,
        rabbitmq_user="rasa",
        rabbitmq_password="mqpw",
        rabbitmq_queue="events",
        rabbitmq_exchange="events-x",
    )
    # Credentials are escaped in URLs.
    assert infra.tracker_db_url() == "postgresql://rasa:p%40ss%2Fword@db:6432/tracker"
    assert infra.tracker_db_url("postgresql+psycopg", "postgres").endswith("@db:6432/postgres")
    assert infra.socketio_redis_url == "redis://:r%3Apw@cache:6380/3"


def test_urls_without_passwords() -> None:
    infra = InfraSettings()

    assert infra.tracker_db_url() == "postgresql://postgres@127.0.0.1:5432/rasa_tracker"
    assert infra.socketio_redis_url == "redis://127.0.0.1:6379/1"

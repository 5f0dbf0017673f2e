"""`make run`: start the whole stack, chat in the foreground, stop it all on exit."""

import argparse
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from devstack import chat_cli
from devstack.errors import PrerequisiteError, ServiceStartError
from devstack.paths import RepoPaths
from devstack.prerequisites import check_prerequisites
from devstack.processes import Service, Stack
from devstack.production import production_services, replica_names
from devstack.services import StackAddresses, stack_services, url
from devstack.settings import StackSettings

# Demo customers seeded by the backend into an empty database (backend/README.md).
DEMO_LOGINS = ("ada@example.com", "ben@example.com", "chen@example.com")
DEMO_PASSWORD = "demo"
# Demo agents seeded by the agent desk into an empty database (desk/README.md).
DEMO_AGENTS = ("maria", "tom")


def build_parser() -> argparse.ArgumentParser:
    """The launcher's arguments."""
    parser = argparse.ArgumentParser(description="Run the payments assistant locally.")
    parser.add_argument(
        "--no-chat",
        action="store_true",
        help="only run the services (until Ctrl-C); chat from elsewhere",
    )
    parser.add_argument("--email", default=chat_cli.DEFAULT_EMAIL)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--anonymous", action="store_true")
    return parser


def describe(
    settings: StackSettings, addresses: StackAddresses, paths: RepoPaths
) -> Sequence[str]:
    """Lines telling where everything runs and how to log in."""
    logins = ", ".join(DEMO_LOGINS)
    backend, rasa = addresses.backend_url, addresses.rasa_url
    return (
        f"Payments backend: {backend}  (API docs: {backend}/docs)",
        f"Action server:    {addresses.actions_url}",
        f"Rasa server:      {rasa}  (REST webhook: {addresses.webhook_url})",
        f"Web chat:         {rasa}/webhooks/webchat/?demo=1  (demo login prefilled)",
        f"Agent desk:       {addresses.desk_url}/console/  (agents: {', '.join(DEMO_AGENTS)}; password: {DEMO_PASSWORD})",
        f"Rasa API token:   {settings.rasa_auth_token}",
        f"Logs:             {paths.log_dir}/<service>.log",
        f"Demo logins:      {logins} (password: {DEMO_PASSWORD})",
    ) + (production_lines(settings) if settings.production else ())


def production_lines(settings: StackSettings) -> Sequence[str]:
    """Lines telling where the production profile's replicas and shared services are."""
    infra = settings.infra
    replicas = ", ".join(
        f"{name} {url(port)}"
        for name, port in zip(replica_names(settings.rasa_replicas), settings.rasa_replica_ports)
    )
    return (
        f"Profile:          production ({settings.rasa_replicas} Rasa replicas behind a "
        f"round-robin proxy on {url(settings.rasa_port)}; docs/production.md)",
        f"Replicas:         {replicas}",
        f"Tracker store:    PostgreSQL {infra.tracker_db_host}:{infra.tracker_db_port}/"
        f"{infra.tracker_db_name}",
        f"Lock store:       Redis {infra.redis_host}:{infra.redis_port} db {infra.redis_lock_db} "
        f"(keys {infra.redis_key_prefix}:lock:*)",
        f"Event broker:     RabbitMQ {infra.rabbitmq_host}:{infra.rabbitmq_port}, queue "
        f"{infra.rabbitmq_queue}",
    )


def services_for(settings: StackSettings, model: Path, paths: RepoPaths) -> List[Service]:
    """The services of the chosen profile."""
    if settings.production:
        return production_services(settings, model, paths)
    return stack_services(settings, model, paths)


def main(
    argv: Optional[Sequence[str]] = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    settings: Optional[StackSettings] = None,
    paths: RepoPaths = RepoPaths(),
) -> int:
    """Checks prerequisites, starts the stack, chats, and stops everything.

    Args:
        argv: Arguments without the program name.
        read: Line reader for the chat.
        write: Line printer.
        settings: Stack settings; from the environment when `None`.
        paths: Repository paths.

    Returns:
        Process exit status: 0 normal, 1 a service failed, 2 a prerequisite is missing.
    """
    args = build_parser().parse_args(argv)
    settings = settings or StackSettings.from_env()
    try:
        model = check_prerequisites(settings, paths)
    except PrerequisiteError as error:
        write(f"Cannot start: {error}")
        return 2
    addresses = StackAddresses.for_settings(settings)
    rasa = f"{settings.rasa_replicas} Rasa replicas and the proxy" if settings.production else "Rasa"
    write(f"Starting backend, agent desk, action server and {rasa} with {model.name} …")
    try:
        with Stack(
            services_for(settings, model, paths),
            paths.log_dir,
            echo=write,
            # A stopping replica finishes its turns (Sanic drains up to 15 s).
            grace_period=20.0 if settings.production else 10.0,
        ) as stack:
            for line in describe(settings, addresses, paths):
                write(line)
            if args.no_chat:
                write("Running; press Ctrl-C to stop.")
                while True:
                    stack.check_alive()
                    time.sleep(1.0)
            status = chat_cli.main(
                _chat_argv(args, addresses), read, write, settings=settings
            )
            stack.check_alive()
            return status
    except ServiceStartError as error:
        write(f"Error: {error}")
        return 1
    except KeyboardInterrupt:
        write("Stopped.")
        return 0
    finally:
        write("All services stopped.")


def _chat_argv(args: argparse.Namespace, addresses: StackAddresses) -> Sequence[str]:
    argv = ["--rasa-url", addresses.rasa_url, "--backend-url", addresses.backend_url]
    if args.anonymous:
        return argv + ["--anonymous"]
    return argv + ["--email", args.email, "--password", args.password]

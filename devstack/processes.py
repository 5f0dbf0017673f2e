"""Start services as subprocesses, wait until healthy, and always stop them all."""

import collections
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Type

import requests

from devstack.errors import ServiceStartError

LOG_TAIL_LINES = 30
_PR_SET_PDEATHSIG = 1


def is_http_ok(response: requests.Response) -> bool:
    """Default readiness check: the health URL answers 200."""
    return response.status_code == 200


@dataclass(frozen=True)
class Service:
    """One process of the stack.

    Attributes:
        name: Short name, also the log file's name (`<log_dir>/<name>.log`).
        argv: Command line.
        health_url: URL polled until `is_ready` accepts its response.
        env: Variables added to the inherited environment.
        cwd: Working directory.
        is_ready: Decides from a health response whether the service is ready.
        startup_timeout: Seconds allowed to become ready.
    """

    name: str
    argv: Sequence[str]
    health_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Optional[Path] = None
    is_ready: Callable[[requests.Response], bool] = is_http_ok
    startup_timeout: float = 60.0


@dataclass
class RunningService:
    """A started service.

    Attributes:
        service: What was started.
        process: The subprocess (leader of its own process group).
        log_file: Where its stdout and stderr go.
    """

    service: Service
    process: "subprocess.Popen[bytes]"
    log_file: Path

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Returns the last `lines` lines of the service's log."""
        try:
            with self.log_file.open("r", encoding="utf-8", errors="replace") as log:
                return "".join(collections.deque(log, maxlen=lines))
        except OSError as error:
            return f"(log unavailable: {error})"


class Terminated(KeyboardInterrupt):
    """SIGTERM/SIGHUP received: unwinds like Ctrl-C so the stack stops cleanly."""


def _die_with_parent() -> None:
    # Linux: the kernel sends SIGTERM to the child if the stack's process dies
    # abruptly (even SIGKILL), so no service outlives it.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _may_die_with_parent() -> bool:
    # The parent-death signal fires when the *thread* that started the child ends:
    # a service (re)started from a worker thread would be killed with that thread.
    # Only the main thread lives as long as the stack; from other threads the
    # stack's own stop() is the cleanup.
    return sys.platform == "linux" and threading.current_thread() is threading.main_thread()


class Stack:
    """Context manager running services until the block exits, then stopping them.

    Services start together, then each is waited for in order. Leaving the
    block in any way (normally, an exception, Ctrl-C, SIGTERM) stops every
    process group: SIGTERM first, SIGKILL after `grace_period`.
    """

    def __init__(
        self,
        services: Sequence[Service],
        log_dir: Path,
        grace_period: float = 10.0,
        poll_interval: float = 0.25,
        http_get: Callable[..., requests.Response] = requests.get,
        base_env: Optional[Mapping[str, str]] = None,
        handle_signals: bool = True,
        echo: Callable[[str], None] = lambda line: None,
    ) -> None:
        """Prepares the stack; nothing starts before `start` or `with`.

        Args:
            services: Services in dependency order.
            log_dir: Directory of the log files.
            grace_period: Seconds between SIGTERM and SIGKILL when stopping.
            poll_interval: Seconds between health polls.
            http_get: Function performing health requests.
            base_env: Environment the services inherit; the current one by default.
            handle_signals: Turn SIGTERM/SIGHUP into `Terminated` while running
                (only possible from the main thread).
            echo: Receives progress lines ("backend is ready").
        """
        self.services = list(services)
        self.log_dir = log_dir
        self.grace_period = grace_period
        self.poll_interval = poll_interval
        self.http_get = http_get
        self.base_env = base_env
        self.handle_signals = handle_signals
        self.echo = echo
        self.running: List[RunningService] = []
        # Services stopped on purpose (`stop_service`): not a failure while they are down.
        self.stopped: Set[str] = set()
        self._previous_handlers: Dict[int, object] = {}

    def __enter__(self) -> "Stack":
        self._install_signal_handlers()
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Starts all services, then waits until each is ready.

        Raises:
            ServiceStartError: A service exited or did not become ready in time.
        """
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.services:
            self.running.append(self._spawn(service))
        for running in self.running:
            self._wait_until_ready(running)
            self.echo(f"{running.service.name} is ready")

    def stop(self) -> None:
        """Stops every started process group; safe to call more than once."""
        # A second Ctrl-C must not interrupt the shutdown half-way.
        self._shield_signals()
        try:
            for running in reversed(self.running):
                _signal_group(running.process, signal.SIGTERM)
            deadline = time.monotonic() + self.grace_period
            for running in reversed(self.running):
                try:
                    running.process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
            for running in self.running:
                # Also reaches children the leader left behind in its group.
                _signal_group(running.process, signal.SIGKILL)
                running.process.wait()
            self.running.clear()
        finally:
            self._restore_signal_handlers()

    def stop_service(self, name: str) -> None:
        """Stops one running service (to inject an outage); `restart_service` brings it back.

        Args:
            name: The service's name.
        """
        running = self._find(name)
        self.stopped.add(name)
        _signal_group(running.process, signal.SIGTERM)
        try:
            running.process.wait(self.grace_period)
        except subprocess.TimeoutExpired:
            _signal_group(running.process, signal.SIGKILL)
            running.process.wait()

    def restart_service(self, name: str) -> None:
        """Starts a stopped service again and waits until it is ready.

        Args:
            name: The service's name.

        Raises:
            ServiceStartError: It did not come back.
        """
        index = self.running.index(self._find(name))
        self.running[index] = self._spawn(self.running[index].service, append_log=True)
        self.stopped.discard(name)
        self._wait_until_ready(self.running[index])

    def freeze_service(self, name: str, frozen: bool) -> None:
        """Suspends (SIGSTOP) or resumes (SIGCONT) a service: it accepts connections but never answers.

        Args:
            name: The service's name.
            frozen: `True` to suspend, `False` to resume.
        """
        _signal_group(self._find(name).process, signal.SIGSTOP if frozen else signal.SIGCONT)

    def _find(self, name: str) -> RunningService:
        for running in self.running:
            if running.service.name == name:
                return running
        raise KeyError(f"no service named {name!r} in this stack")

    def check_alive(self) -> None:
        """Raises if a started service has exited.

        Raises:
            ServiceStartError: Naming the service, its exit code and log tail.
        """
        for running in self.running:
            if running.service.name in self.stopped:
                continue
            if running.process.poll() is not None:
                raise self._failure(running, "exited")

    def _spawn(self, service: Service, append_log: bool = False) -> RunningService:
        log_file = self.log_dir / f"{service.name}.log"
        env = dict(os.environ if self.base_env is None else self.base_env)
        env.update(service.env)
        with log_file.open("ab" if append_log else "wb") as log:
            try:
                process = subprocess.Popen(
                    list(service.argv),
                    cwd=str(service.cwd) if service.cwd else None,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own group: Ctrl-C reaches only us
                    preexec_fn=_die_with_parent if _may_die_with_parent() else None,
                )
            except OSError as error:
                raise ServiceStartError(
                    f"cannot start {service.name} ({service.argv[0]}): {error}"
                ) from error
        return RunningService(service, process, log_file)

    def _wait_until_ready(self, running: RunningService) -> None:
        service = running.service
        deadline = time.monotonic() + service.startup_timeout
        while True:
            self.check_alive()
            try:
                response = self.http_get(service.health_url, timeout=2.0)
                if service.is_ready(response):
                    return
            except requests.RequestException:
                pass
            if time.monotonic() >= deadline:
                raise self._failure(
                    running,
                    f"did not become ready at {service.health_url} "
                    f"within {service.startup_timeout:g} s",
                )
            time.sleep(self.poll_interval)

    def _failure(self, running: RunningService, what: str) -> ServiceStartError:
        code = running.process.poll()
        status = f" (exit code {code})" if code is not None else ""
        return ServiceStartError(
            f"{running.service.name} {what}{status}. "
            f"Last {LOG_TAIL_LINES} lines of {running.log_file}:\n"
            f"{running.log_tail()}"
        )

    def _can_handle_signals(self) -> bool:
        return (
            self.handle_signals
            and threading.current_thread() is threading.main_thread()
        )

    def _install_signal_handlers(self) -> None:
        if not self._can_handle_signals():
            return
        for signum in (signal.SIGTERM, signal.SIGHUP):
            self._remember_and_set(signum, _raise_terminated)

    def _shield_signals(self) -> None:
        if not self._can_handle_signals():
            return
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._remember_and_set(signum, signal.SIG_IGN)

    def _remember_and_set(self, signum: int, handler: object) -> None:
        previous = signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous_handlers.setdefault(signum, previous)

    def _restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            if handler is not None:  # None: a handler not installed from Python
                signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous_handlers.clear()


def _raise_terminated(signum: int, frame: Optional[FrameType]) -> None:
    raise Terminated(f"received signal {signal.Signals(signum).name}")


def _signal_group(process: "subprocess.Popen[bytes]", signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is already gone

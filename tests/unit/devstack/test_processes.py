"""Tests of the process stack with tiny real services (python -m http.server)."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import List

import pytest
import requests

from devstack.errors import ServiceStartError
from devstack.ports import find_free_port
from devstack.processes import Service, Stack, Terminated

# A broken stop() could hang on a process that never exits: fail instead.
pytestmark = pytest.mark.timeout(60)


def http_service(name: str, directory: Path, **overrides: object) -> Service:
    port = find_free_port()
    options = dict(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=directory,
        health_url=f"http://127.0.0.1:{port}/",
        startup_timeout=20.0,
    )
    options.update(overrides)
    return Service(**options)  # type: ignore[arg-type]


def python_service(name: str, code: str, **overrides: object) -> Service:
    options = dict(
        name=name,
        argv=[sys.executable, "-c", textwrap.dedent(code)],
        health_url=f"http://127.0.0.1:{find_free_port()}/",
        startup_timeout=20.0,
    )
    options.update(overrides)
    return Service(**options)  # type: ignore[arg-type]


def serve(port: int) -> str:
    """Python code serving the current directory on `port`."""
    handler = "http.server.SimpleHTTPRequestHandler"
    return f"http.server.HTTPServer(('127.0.0.1', {port}), {handler}).serve_forever()"


def is_alive(pid: int) -> bool:
    """True for a running process (a zombie counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_dead(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_starts_services_waits_until_healthy_and_stops_them(tmp_path: Path) -> None:
    (tmp_path / "marker.txt").write_text("served")
    services = [http_service("one", tmp_path), http_service("two", tmp_path)]
    progress: List[str] = []

    with Stack(services, tmp_path / "log", echo=progress.append) as stack:
        pids = [running.process.pid for running in stack.running]
        for service in services:
            answer = requests.get(f"{service.health_url}marker.txt", timeout=5)
            assert answer.text == "served"

    assert [line.split()[0] for line in progress] == ["one", "two"]
    assert all(not is_alive(pid) for pid in pids)
    assert stack.running == []
    assert (tmp_path / "log" / "one.log").is_file()


def test_service_environment_and_log_file(tmp_path: Path) -> None:
    port = find_free_port()
    code = f"""
        import http.server, os
        print("greeting:", os.environ["GREETING"], flush=True)
        {serve(port)}
    """
    service = python_service(
        "env", code, env={"GREETING": "hej"}, health_url=f"http://127.0.0.1:{port}/"
    )

    with Stack([service], tmp_path):
        pass

    assert "greeting: hej" in (tmp_path / "env.log").read_text()


def test_dying_service_fails_with_its_log_and_stops_the_others(tmp_path: Path) -> None:
    healthy = http_service("healthy", tmp_path)
    dying = python_service(
        "dying",
        """
        import sys, time
        for number in range(40):
            print("line", number)
        print("boom: database unreachable")
        sys.exit(3)
        """,
    )
    stack = Stack([healthy, dying], tmp_path / "log")

    with pytest.raises(ServiceStartError) as raised:
        with stack:
            pytest.fail("the block must not run")

    message = str(raised.value)
    assert message.startswith("dying exited (exit code 3).")
    assert "boom: database unreachable" in message
    assert "line 11\n" in message and "line 10\n" not in message  # last 30 lines
    assert stack.running == []


def test_service_that_never_gets_healthy_times_out(tmp_path: Path) -> None:
    silent = python_service(
        "silent", "import time; time.sleep(60)", startup_timeout=0.5
    )
    stack = Stack([silent], tmp_path)
    started = time.monotonic()

    with pytest.raises(ServiceStartError, match="silent did not become ready at"):
        stack.__enter__()

    assert time.monotonic() - started < 15
    assert stack.running == []


def test_readiness_predicate_is_consulted(tmp_path: Path) -> None:
    never_ready = http_service(
        "picky", tmp_path, is_ready=lambda response: False, startup_timeout=0.5
    )

    with pytest.raises(ServiceStartError, match="picky did not become ready"):
        with Stack([never_ready], tmp_path / "log"):
            pass


def test_missing_executable_is_reported(tmp_path: Path) -> None:
    missing = Service(
        name="ghost", argv=[str(tmp_path / "no-such-binary")], health_url="http://x/"
    )

    with pytest.raises(ServiceStartError, match="cannot start ghost"):
        with Stack([missing], tmp_path):
            pass


def test_service_ignoring_sigterm_is_killed_after_the_grace_period(
    tmp_path: Path,
) -> None:
    port = find_free_port()
    stubborn = python_service(
        "stubborn",
        f"""
        import http.server, signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        {serve(port)}
        """,
        health_url=f"http://127.0.0.1:{port}/",
    )

    with Stack([stubborn], tmp_path, grace_period=0.5) as stack:
        pid = stack.running[0].process.pid
        started = time.monotonic()

    assert not is_alive(pid)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "grandchild_code",
    [
        "import time; time.sleep(120)",
        "import signal as s, time; s.signal(s.SIGTERM, s.SIG_IGN); time.sleep(120)",
    ],
    ids=["obeys-sigterm", "ignores-sigterm"],
)
def test_children_of_a_service_are_stopped_too(
    tmp_path: Path, grandchild_code: str
) -> None:
    port = find_free_port()
    pid_file = tmp_path / "grandchild.pid"
    parent = python_service(
        "parent",
        f"""
        import http.server, subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", {grandchild_code!r}])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        {serve(port)}
        """,
        health_url=f"http://127.0.0.1:{port}/",
    )

    with Stack([parent], tmp_path, grace_period=0.5):
        grandchild = int(pid_file.read_text())
        assert is_alive(grandchild)

    assert wait_dead(grandchild)


def test_sigterm_unwinds_the_block_and_stops_the_services(tmp_path: Path) -> None:
    previous = signal.getsignal(signal.SIGTERM)

    with pytest.raises(Terminated):
        with Stack([http_service("web", tmp_path)], tmp_path / "log") as stack:
            pid = stack.running[0].process.pid
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            pytest.fail("SIGTERM did not interrupt the block")

    assert not is_alive(pid)
    assert signal.getsignal(signal.SIGTERM) is previous


def test_check_alive_reports_a_service_that_died_later(tmp_path: Path) -> None:
    with Stack([http_service("web", tmp_path)], tmp_path / "log") as stack:
        stack.running[0].process.kill()
        stack.running[0].process.wait()

        with pytest.raises(ServiceStartError, match=r"web exited \(exit code -9\)"):
            stack.check_alive()


def test_services_die_when_the_stack_process_is_killed(tmp_path: Path) -> None:
    port = find_free_port()
    pid_file = tmp_path / "service.pid"
    repo_root = Path(__file__).resolve().parents[3]
    owner = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(repo_root)!r})
        from devstack.processes import Service, Stack
        service = Service(
            name="orphan-candidate",
            argv=[sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"],
            health_url="http://127.0.0.1:{port}/",
        )
        with Stack([service], Path({str(tmp_path)!r})) as stack:
            Path({str(pid_file)!r}).write_text(str(stack.running[0].process.pid))
            time.sleep(120)
        """
    )
    owner_process = subprocess.Popen([sys.executable, "-c", owner])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the stack did not start"
            assert owner_process.poll() is None, "the stack process failed"
            time.sleep(0.1)
        service_pid = int(pid_file.read_text())
        assert is_alive(service_pid)
    finally:
        owner_process.kill()  # SIGKILL: no chance to clean up itself
        owner_process.wait()

    assert wait_dead(service_pid)


def test_a_stopped_service_can_be_restarted(tmp_path: Path) -> None:
    service = http_service("web", tmp_path)
    with Stack([service], tmp_path / "logs", handle_signals=False) as stack:
        first_pid = stack.running[0].process.pid
        stack.stop_service("web")
        assert wait_dead(first_pid)
        with pytest.raises(requests.ConnectionError):
            requests.get(service.health_url, timeout=2)
        stack.restart_service("web")
        assert stack.running[0].process.pid != first_pid
        assert requests.get(service.health_url, timeout=5).status_code == 200
        restarted_pid = stack.running[0].process.pid
    assert wait_dead(restarted_pid)


def test_a_service_restarted_from_a_thread_outlives_that_thread(tmp_path: Path) -> None:
    # The parent-death signal is tied to the starting thread: a restart from a
    # worker thread used to be killed as soon as that thread ended.
    service = http_service("web", tmp_path)
    with Stack([service], tmp_path / "logs", handle_signals=False) as stack:
        stack.stop_service("web")
        worker = threading.Thread(target=stack.restart_service, args=("web",))
        worker.start()
        worker.join(timeout=30)
        restarted_pid = stack.running[0].process.pid
        time.sleep(0.5)  # the signal would come right after the thread ended
        assert is_alive(restarted_pid)
        assert requests.get(service.health_url, timeout=5).status_code == 200
    assert wait_dead(restarted_pid)


def test_another_service_restarts_while_one_is_stopped_on_purpose(tmp_path: Path) -> None:
    web = http_service("web", tmp_path)
    api = http_service("api", tmp_path)
    with Stack([web, api], tmp_path / "logs", handle_signals=False) as stack:
        stack.stop_service("web")
        stack.stop_service("api")
        stack.restart_service("api")  # "web" being down is no failure
        assert requests.get(api.health_url, timeout=5).status_code == 200
        stack.check_alive()
        stack.restart_service("web")
        assert requests.get(web.health_url, timeout=5).status_code == 200


def test_a_frozen_service_accepts_but_does_not_answer(tmp_path: Path) -> None:
    service = http_service("web", tmp_path)
    with Stack([service], tmp_path / "logs", handle_signals=False) as stack:
        stack.freeze_service("web", True)
        with pytest.raises(requests.Timeout):
            requests.get(service.health_url, timeout=1)
        stack.freeze_service("web", False)
        assert requests.get(service.health_url, timeout=5).status_code == 200


def test_unknown_service_name_is_an_error(tmp_path: Path) -> None:
    with Stack([http_service("web", tmp_path)], tmp_path / "logs", handle_signals=False) as stack:
        with pytest.raises(KeyError):
            stack.stop_service("nope")

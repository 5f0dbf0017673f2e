"""The real service (``python -m payments_backend``, uvicorn) in a subprocess, for HTTP tests.

The database is the test module's own (SQLite file or a PostgreSQL schema, see
``tests.support.fresh_database_url``), migrated and seeded by the service itself.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from payments_backend.settings import BACKEND_DIR
from tests.support import fresh_database_url

LIVE_API_KEY = "live-server-test-key"
STARTUP_SECONDS = 30


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def live_server(work_dir: Path) -> Iterator[str]:
    """Start the service on a free port with fresh seeded data; yield its base URL.

    Args:
        work_dir: Directory for the SQLite file and the server log.

    Yields:
        The base URL, e.g. ``http://127.0.0.1:50123``.
    """
    url, cleanup = fresh_database_url(work_dir)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BACKEND_API_KEY": LIVE_API_KEY,
        "IDENTITY_SIGNING_KEY": "live-server-identity-signing-key-32b",
        "BACKEND_SEED": "true",
        # The repository root: the backend masks its logs with the shared `redaction`.
        "PYTHONPATH": os.pathsep.join([str(BACKEND_DIR), str(BACKEND_DIR.parent)]),
    }
    log_path = work_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "payments_backend", "--port", str(port)],
            cwd=BACKEND_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(process, base, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            cleanup()


def _wait_healthy(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; see {log_path}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not start; see {log_path}")
        time.sleep(0.2)


def headers(customer_id: str | None, key: str | None = None) -> dict[str, str]:
    """Service key, customer and (for POSTs) the Idempotency-Key."""
    result = {"Authorization": f"Bearer {LIVE_API_KEY}"}
    if customer_id is not None:
        result["X-Customer-Id"] = customer_id
    if key is not None:
        result["Idempotency-Key"] = key
    return result

"""The stock assistant: `rasa init --no-prompt` (moodbot), trained once and cached."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Optional

from devstack.paths import RepoPaths
from devstack.processes import Service
from devstack.services import LOOPBACK, url

#: `rasa init` trains the moodbot; a busy 2-core machine needs a few minutes.
INIT_TIMEOUT_SECONDS = 1200.0
STOCK_STARTUP_TIMEOUT = 300.0
_QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def cached_stock_model(project_dir: Path) -> Optional[Path]:
    """The newest trained stock model in `project_dir/models`, if any."""
    models = sorted((project_dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def ensure_stock_project(project_dir: Path, paths: RepoPaths = RepoPaths()) -> Path:
    """Creates and trains the stock project once; later runs reuse it.

    Args:
        project_dir: Where `rasa init` puts the project (e.g. `build/bench/stock`).
        paths: Repository paths (the Rasa virtualenv).

    Returns:
        The trained stock model.

    Raises:
        RuntimeError: `rasa init` failed or trained no model.
    """
    model = cached_stock_model(project_dir)
    if model is not None:
        return model
    project_dir = project_dir.resolve()
    project_dir.mkdir(parents=True, exist_ok=True)
    print(f"training the stock assistant (rasa init --no-prompt) in {project_dir} ...", flush=True)
    started = time.monotonic()
    log = project_dir.parent / "stock-init.log"
    with log.open("wb") as out:
        result = subprocess.run(
            [str(paths.rasa_executable), "init", "--no-prompt", "--init-dir", str(project_dir)],
            cwd=str(project_dir),
            env={**os.environ, **_QUIET_ENV},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=INIT_TIMEOUT_SECONDS,
            check=False,
        )
    model = cached_stock_model(project_dir)
    if result.returncode != 0 or model is None:
        raise RuntimeError(f"rasa init failed (exit {result.returncode}); see {log}")
    print(f"stock assistant trained in {time.monotonic() - started:.0f} s", flush=True)
    return model


def stock_service(
    project_dir: Path, model: Path, port: int, paths: RepoPaths = RepoPaths()
) -> Service:
    """`rasa run` of the stock project as it comes: REST channel, in-memory stores.

    Args:
        project_dir: The `rasa init` project.
        model: Its trained model.
        port: Listening port.
        paths: Repository paths (the same Rasa virtualenv as the project's).

    Returns:
        The service (ready when its REST channel answers).
    """
    return Service(
        name="stock-rasa",
        argv=[
            str(paths.rasa_executable),
            "run",
            "--interface",
            LOOPBACK,
            "--port",
            str(port),
            "--model",
            str(model),
            "--credentials",
            str(project_dir / "credentials.yml"),
            "--endpoints",
            str(project_dir / "endpoints.yml"),
        ],
        cwd=project_dir,
        env={**_QUIET_ENV, "PYTHONUNBUFFERED": "1"},
        # The model loads before the server listens: any answer means ready.
        health_url=f"{url(port)}/webhooks/rest/",
        startup_timeout=STOCK_STARTUP_TIMEOUT,
    )

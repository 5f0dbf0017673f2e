"""Training time: a full `rasa train` of the project, timed and recorded."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from devstack.paths import RepoPaths

TRAIN_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True)
class TrainingRecord:
    """One timed training.

    Attributes:
        seconds: Wall time of `rasa train`.
        when: ISO date and time (UTC) it finished.
        command: What was run.
        cpus: CPUs of the machine.
        load_average: 1-minute load average when it finished (other work).
    """

    seconds: float
    when: str
    command: str
    cpus: int
    load_average: float


def record_file(paths: RepoPaths = RepoPaths()) -> Path:
    """Where the last timed training is kept (`build/bench/training.json`)."""
    return paths.root / "build" / "bench" / "training.json"


def parse_record(text: str) -> Optional[TrainingRecord]:
    """Reads a record; `None` when the text is not one."""
    try:
        data = json.loads(text)
        return TrainingRecord(
            seconds=float(data["seconds"]),
            when=str(data["when"]),
            command=str(data["command"]),
            cpus=int(data["cpus"]),
            load_average=float(data["load_average"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def last_training(paths: RepoPaths = RepoPaths()) -> Optional[TrainingRecord]:
    """The last training timed by `--train`, if any."""
    path = record_file(paths)
    return parse_record(path.read_text(encoding="utf-8")) if path.is_file() else None


def time_training(paths: RepoPaths = RepoPaths()) -> TrainingRecord:
    """Trains the project (config.yml, domain.yml, data/) from scratch, timed.

    The model goes to a temporary directory and Rasa's training cache
    (`.rasa/cache`, which lets an unchanged component skip training) is an empty
    temporary one, so every component trains: a full training. Nothing in
    `models/` or `.rasa/` changes. The record is written to `record_file()`.

    Returns:
        The record.

    Raises:
        RuntimeError: Training failed.
    """
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out, \
            tempfile.TemporaryDirectory(prefix="bench-train-cache-") as cache:
        argv = [
            str(paths.rasa_executable), "train",
            "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
            "--out", out, "--fixed-model-name", "bench",
        ]
        started = time.monotonic()
        result = subprocess.run(
            argv,
            cwd=str(paths.root),
            env={
                **os.environ,
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "RASA_CACHE_DIRECTORY": cache,  # cold: no component reused
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=TRAIN_TIMEOUT_SECONDS,
            check=False,
        )
        seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"rasa train failed (exit {result.returncode}):\n{tail}")
    record = TrainingRecord(
        seconds=seconds,
        when=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        command="rasa train --config config.yml --domain domain.yml --data data (empty cache)",
        cpus=os.cpu_count() or 0,
        load_average=os.getloadavg()[0],
    )
    path = record_file(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    return record

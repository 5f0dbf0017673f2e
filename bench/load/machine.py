"""The machine the figures were measured on."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict


@dataclass(frozen=True)
class Machine:
    """CPU count, CPU model, memory and load when the run started.

    Attributes:
        cpus: `os.cpu_count()` (what `nproc` prints without affinity limits).
        cpu_model: `model name` of /proc/cpuinfo.
        memory_gib: `MemTotal` of /proc/meminfo.
        load_average: 1-minute load average at the start (other work on the machine).
        python: The benchmark's Python version.
    """

    cpus: int
    cpu_model: str
    memory_gib: float
    load_average: float
    python: str

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready description."""
        return asdict(self)

    def describe(self) -> str:
        """One line for the report."""
        return (
            f"{self.cpus} CPUs ({self.cpu_model}), {self.memory_gib:.1f} GiB RAM, "
            f"load average {self.load_average:.2f} at the start"
        )


def _field(text: str, name: str) -> str:
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return ""


def this_machine(proc: Path = Path("/proc")) -> Machine:
    """Describes this machine (Linux /proc; placeholders elsewhere)."""
    try:
        cpuinfo = (proc / "cpuinfo").read_text()
        meminfo = (proc / "meminfo").read_text()
    except OSError:
        cpuinfo = meminfo = ""
    mem_kib = _field(meminfo, "MemTotal").split()
    return Machine(
        cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0,
        cpu_model=_field(cpuinfo, "model name") or platform.processor() or "unknown",
        memory_gib=int(mem_kib[0]) / 1024 / 1024 if mem_kib and mem_kib[0].isdigit() else 0.0,
        load_average=os.getloadavg()[0],
        python=platform.python_version(),
    )

"""Resident memory (VmRSS) of a process and its descendants, from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

PROC = Path("/proc")


def parse_vmrss_kib(status_text: str) -> Optional[int]:
    """The `VmRSS` of a `/proc/<pid>/status` text, in KiB; `None` if absent."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            parts = line.split()
            return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    return None


def parse_ppid(stat_text: str) -> Optional[int]:
    """The parent pid of a `/proc/<pid>/stat` line (the command may hold spaces)."""
    _, _, rest = stat_text.rpartition(")")
    fields = rest.split()
    return int(fields[1]) if len(fields) >= 2 and fields[1].isdigit() else None


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def children_by_parent(proc: Path = PROC) -> Dict[int, List[int]]:
    """Every process's children, from one scan of /proc."""
    children: Dict[int, List[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(entry / "stat")
        parent = parse_ppid(stat) if stat else None
        if parent is not None:
            children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_rss_mib(pid: int, proc: Path = PROC) -> Optional[float]:
    """Resident memory of `pid` plus all its descendants, in MiB.

    Sanic workers (Rasa with `SANIC_WORKERS=2`) are child processes: they count.

    Returns:
        The sum, or `None` when the process is gone.
    """
    status = _read(proc / str(pid) / "status")
    if status is None:
        return None
    children = children_by_parent(proc)
    total_kib = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        text = _read(proc / str(current) / "status")
        total_kib += (parse_vmrss_kib(text) or 0) if text else 0
        pending.extend(children.get(current, []))
    return total_kib / 1024.0

"""Printing the figures: tables of levels, ratios to the stock assistant, targets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from bench.load.stats import LevelStats, ratio

HEADER = ("level", "assistant", "msgs", "msg/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
          "errors", "empty", "degraded")


def _num(value: Optional[float], digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def level_row(label: str, stats: LevelStats) -> Tuple[str, ...]:
    """One table row of a level."""
    return (
        str(stats.concurrency), label, str(stats.messages),
        _num(stats.messages_per_second, 1), _num(stats.p50_ms), _num(stats.p95_ms),
        _num(stats.p99_ms), _num(stats.max_ms), str(stats.errors), str(stats.empty),
        str(stats.degraded),
    )


def ratio_row(ours: LevelStats, stock: LevelStats) -> Tuple[str, ...]:
    """Ours divided by the stock assistant's, per figure (x)."""

    def fmt(a: float, b: float) -> str:
        value = ratio(a, b)
        return "-" if value is None else f"{value:.2f}x"

    return (
        str(ours.concurrency), "ours/stock", fmt(ours.messages, stock.messages),
        fmt(ours.messages_per_second, stock.messages_per_second),
        fmt(ours.p50_ms, stock.p50_ms), fmt(ours.p95_ms, stock.p95_ms),
        fmt(ours.p99_ms, stock.p99_ms), fmt(ours.max_ms, stock.max_ms), "", "", "",
    )


def table(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    """A Markdown table with aligned columns."""
    all_rows = [tuple(header)] + [tuple(row) for row in rows]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.rjust(width) for cell, width in zip(row, widths)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(all_rows[0]), separator] + [line(row) for row in all_rows[1:]])


def comparison_rows(
    ours: Dict[int, LevelStats], stock: Dict[int, LevelStats]
) -> List[Tuple[str, ...]]:
    """Rows ours / stock / ratio for every level measured for ours."""
    rows: List[Tuple[str, ...]] = []
    for level in sorted(ours):
        rows.append(level_row("ours", ours[level]))
        if level in stock:
            rows.append(level_row("stock", stock[level]))
            rows.append(ratio_row(ours[level], stock[level]))
    return rows


@dataclass(frozen=True)
class Target:
    """One target of issue #7 and whether this run met it.

    Attributes:
        name: What is required.
        measured: What was measured.
        met: `True`, `False`, or `None` when not measured.
    """

    name: str
    measured: str
    met: Optional[bool]

    def row(self) -> Tuple[str, str, str]:
        """Table row."""
        verdict = {True: "met", False: "NOT met", None: "not measured"}[self.met]
        return (self.name, self.measured, verdict)


def target_table(targets: Sequence[Target]) -> str:
    """The targets as a table."""
    return table([t.row() for t in targets], header=("target", "measured", "verdict"))

"""The targets of issue #7, checked against one run's figures."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bench.load.report import Target
from bench.load.stats import LevelStats

MIN_MSGS_PER_S_AT_20 = 40.0
MAX_P95_MS_AT_20 = 300.0
MIN_WORKER_SPEEDUP = 1.8
MAX_P50_RATIO_AT_1 = 1.5
MAX_ACTION_P95_MS = 25.0
MAX_TRAINING_SECONDS = 300.0


def _clean(levels: Dict[int, LevelStats]) -> Target:
    bad = {
        level: (s.errors, s.empty) for level, s in levels.items() if s.errors or s.empty
    }
    measured = ", ".join(
        f"{level}: {s.errors} errors, {s.empty} empty" for level, s in sorted(levels.items())
    )
    return Target("zero errors and empty replies at every level", measured or "-",
                  (not bad) if levels else None)


def check_targets(
    ours: Dict[int, LevelStats],
    stock: Dict[int, LevelStats],
    action_p95_ms: Optional[float],
    workers: Dict[int, Dict[int, LevelStats]],
    slow_run: Optional[Any],
    delay_ms: float,
    training_seconds: Optional[float],
) -> List[Target]:
    """Every target with its verdict.

    Args:
        ours: The project's levels (SQLite stores, one Rasa process).
        stock: The stock assistant's levels.
        action_p95_ms: Action server p95 at 20 concurrent requests.
        workers: Levels per number of Rasa workers (shared stores).
        slow_run: The slow-backend run (`nonblocking.NonBlockingResult`), if any.
        delay_ms: The slow customer's backend delay.
        training_seconds: A full training's duration.

    Returns:
        The verdicts, in the issue's order.
    """
    targets = [_clean(ours)]
    at20 = ours.get(20)
    targets.append(Target(
        f"1 process, 20 conversations: >= {MIN_MSGS_PER_S_AT_20:g} msg/s",
        f"{at20.messages_per_second:.1f} msg/s" if at20 else "-",
        at20.messages_per_second >= MIN_MSGS_PER_S_AT_20 if at20 else None,
    ))
    targets.append(Target(
        f"1 process, 20 conversations: p95 <= {MAX_P95_MS_AT_20:g} ms",
        f"{at20.p95_ms:.0f} ms" if at20 else "-",
        at20.p95_ms <= MAX_P95_MS_AT_20 if at20 else None,
    ))
    one, two = workers.get(1, {}), workers.get(2, {})
    speedups = {
        level: two[level].messages_per_second / one[level].messages_per_second
        for level in two if level in one and one[level].messages_per_second > 0
    }
    targets.append(Target(
        f"2 workers: >= {MIN_WORKER_SPEEDUP:g}x one process's throughput",
        ", ".join(f"{level}: {value:.2f}x" for level, value in sorted(speedups.items())) or "-",
        all(v >= MIN_WORKER_SPEEDUP for v in speedups.values()) if speedups else None,
    ))
    p50_ratio = (
        ours[1].p50_ms / stock[1].p50_ms if 1 in ours and 1 in stock and stock[1].p50_ms else None
    )
    targets.append(Target(
        f"1 conversation: p50 <= {MAX_P50_RATIO_AT_1:g}x the stock assistant's",
        f"{p50_ratio:.2f}x ({ours[1].p50_ms:.0f} / {stock[1].p50_ms:.0f} ms)" if p50_ratio else "-",
        p50_ratio <= MAX_P50_RATIO_AT_1 if p50_ratio else None,
    ))
    targets.append(Target(
        f"action server, calls of 20 conversations (30/s): p95 <= {MAX_ACTION_P95_MS:g} ms",
        f"{action_p95_ms:.1f} ms" if action_p95_ms is not None else "-",
        action_p95_ms <= MAX_ACTION_P95_MS if action_p95_ms is not None else None,
    ))
    targets.append(Target(
        f"a {delay_ms / 1000:g} s backend call delays no other conversation",
        (
            f"others' p50/p95 {slow_run.with_fast.p50_ms:.0f}/{slow_run.with_fast.p95_ms:.0f} ms "
            f"beside the control, {slow_run.with_slow.p50_ms:.0f}/"
            f"{slow_run.with_slow.p95_ms:.0f} ms beside slow ones"
        ) if slow_run else "-",
        slow_run.not_delayed if slow_run else None,
    ))
    targets.append(Target(
        f"full training <= {MAX_TRAINING_SECONDS / 60:g} min",
        f"{training_seconds:.0f} s" if training_seconds is not None else "-",
        training_seconds <= MAX_TRAINING_SECONDS if training_seconds is not None else None,
    ))
    return targets

"""Latency statistics of one load level: percentiles, throughput, failures."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

#: Outcomes of one message.
OK = "ok"
ERROR = "error"
EMPTY = "empty"
DEGRADED = "degraded"


@dataclass(frozen=True)
class Sample:
    """One message sent and its answer.

    Attributes:
        seconds: Time from sending to the full reply.
        outcome: `ok`, `error` (transport failure or HTTP status other than 200),
            `empty` (200 with no message) or `degraded` (an apology such as the
            never-silent guard's instead of an answer).
        started: When it was sent (monotonic seconds), to keep the warm-up out.
    """

    seconds: float
    outcome: str
    started: float = 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile of `values`, interpolated linearly between ranks.

    Same definition as `numpy.percentile(..., method="linear")`.

    Args:
        values: The measurements, in any order.
        fraction: 0.5 for the median, 0.95, 0.99...

    Returns:
        The percentile; `nan` for no values.

    Raises:
        ValueError: `fraction` is outside [0, 1].
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LevelStats:
    """Figures of one concurrency level.

    Attributes:
        concurrency: Conversations running at once (closed loop).
        messages: Messages answered in the measured window (every outcome).
        seconds: Length of the measured window.
        p50_ms: Median latency of every message, in milliseconds.
        p95_ms: 95th percentile latency.
        p99_ms: 99th percentile latency.
        max_ms: Slowest message.
        messages_per_second: `messages / seconds`.
        errors: Transport failures and non-200 answers.
        empty: 200 answers without any message.
        degraded: Apologies instead of answers.
    """

    concurrency: int
    messages: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    messages_per_second: float
    errors: int
    empty: int
    degraded: int

    @property
    def clean(self) -> bool:
        """No error, no empty reply, no apology."""
        return self.errors == 0 and self.empty == 0 and self.degraded == 0

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready figures."""
        return asdict(self)


def summarize(concurrency: int, samples: Sequence[Sample], seconds: float) -> LevelStats:
    """Computes the figures of a level from its samples.

    Args:
        concurrency: The level.
        samples: Messages of the measured window.
        seconds: Length of the measured window (must be positive).

    Returns:
        The level's figures (latencies in ms; `nan` without samples).

    Raises:
        ValueError: `seconds` is not positive.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    latencies = [sample.seconds * 1000.0 for sample in samples]
    counts = {outcome: 0 for outcome in (OK, ERROR, EMPTY, DEGRADED)}
    for sample in samples:
        counts[sample.outcome] = counts.get(sample.outcome, 0) + 1
    return LevelStats(
        concurrency=concurrency,
        messages=len(samples),
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=math.nan),
        messages_per_second=len(samples) / seconds,
        errors=counts[ERROR],
        empty=counts[EMPTY],
        degraded=counts[DEGRADED],
    )


def ratio(ours: float, theirs: float) -> Optional[float]:
    """`ours / theirs`, or `None` when it is not defined (zero or nan)."""
    if theirs == 0 or math.isnan(theirs) or math.isnan(ours):
        return None
    return ours / theirs


@dataclass
class Window:
    """Collects samples and keeps those sent inside the measured window.

    Attributes:
        measure_from: Monotonic time the warm-up ends.
        samples: Samples sent at or after `measure_from`.
        warmup: How many samples the warm-up had.
    """

    measure_from: float
    samples: List[Sample] = field(default_factory=list)
    warmup: int = 0

    def add(self, sample: Sample) -> None:
        """Keeps a sample if it was sent after the warm-up."""
        if sample.started >= self.measure_from:
            self.samples.append(sample)
        else:
            self.warmup += 1

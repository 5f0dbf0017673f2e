"""Tests of bench.load's statistics: percentiles, levels, windows, targets."""

from __future__ import annotations

import math

import pytest

from bench.load.nonblocking import NonBlockingResult
from bench.load.open_loop import start_times
from bench.load.stats import (
    DEGRADED,
    EMPTY,
    ERROR,
    OK,
    LevelStats,
    Sample,
    Window,
    percentile,
    ratio,
    summarize,
)
from bench.load.targets import check_targets


def test_percentile_interpolates_like_numpy_linear():
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert percentile(values, 0.0) == 15.0
    assert percentile(values, 1.0) == 50.0
    assert percentile(values, 0.5) == 35.0
    # rank 0.4 * 4 = 1.6 -> 20 + 0.6 * (35 - 20)
    assert percentile(values, 0.4) == pytest.approx(29.0)
    assert percentile(list(reversed(values)), 0.4) == pytest.approx(29.0)


def test_percentile_of_one_value_and_of_none():
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_percentile_refuses_fractions_outside_0_1():
    with pytest.raises(ValueError):
        percentile([1.0], 95)


def test_summarize_counts_outcomes_and_converts_to_ms():
    samples = [Sample(0.1, OK), Sample(0.2, OK), Sample(0.3, ERROR), Sample(0.4, EMPTY),
               Sample(1.0, DEGRADED)]
    stats = summarize(20, samples, seconds=2.0)
    assert stats.messages == 5
    assert stats.messages_per_second == 2.5
    assert stats.p50_ms == pytest.approx(300.0)
    assert stats.max_ms == pytest.approx(1000.0)
    assert (stats.errors, stats.empty, stats.degraded) == (1, 1, 1)
    assert not stats.clean


def test_summarize_without_samples_has_no_latency_and_no_throughput():
    stats = summarize(1, [], seconds=5.0)
    assert stats.messages == 0 and stats.messages_per_second == 0.0
    assert math.isnan(stats.p95_ms) and stats.clean


def test_summarize_refuses_an_empty_window():
    with pytest.raises(ValueError):
        summarize(1, [Sample(0.1, OK)], seconds=0.0)


def test_window_keeps_only_messages_sent_after_the_warm_up():
    window = Window(measure_from=10.0)
    window.add(Sample(0.5, OK, started=9.99))
    window.add(Sample(0.5, OK, started=10.0))
    window.add(Sample(0.5, ERROR, started=12.0))
    assert window.warmup == 1
    assert [s.started for s in window.samples] == [10.0, 12.0]


def test_ratio_is_undefined_for_zero_or_nan():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(3.0, 0.0) is None
    assert ratio(math.nan, 2.0) is None


def test_start_times_are_evenly_spaced_at_the_rate():
    assert start_times(4.0, 1.0) == [0.0, 0.25, 0.5, 0.75]
    with pytest.raises(ValueError):
        start_times(0.0, 1.0)


def _level(concurrency, msgs_per_s, p50, p95, p99=None, errors=0, empty=0):
    return LevelStats(concurrency, int(msgs_per_s * 10), 10.0, p50, p95, p99 or p95,
                      p99 or p95, msgs_per_s, errors, empty, 0)


def _slow_run(with_fast_p50, with_slow_p50, with_fast_p95=800.0, with_slow_p95=900.0):
    return NonBlockingResult(
        alone=_level(10, 10, 400, 700),
        with_fast=_level(10, 9, with_fast_p50, with_fast_p95),
        with_slow=_level(10, 9, with_slow_p50, with_slow_p95),
        slow=_level(10, 3, 2600, 3000),
        slow_conversations=10,
    )


def test_others_are_not_delayed_unless_slower_than_beside_fast_calls():
    assert _slow_run(500, 560).not_delayed
    assert not _slow_run(500, 1100).not_delayed  # waited for a thread or a lock
    assert not _slow_run(500, 500, with_fast_p95=800, with_slow_p95=2900).not_delayed


def test_targets_met_and_missed():
    ours = {1: _level(1, 8, 120, 200), 20: _level(20, 45, 250, 290)}
    stock = {1: _level(1, 20, 100, 150)}
    workers = {1: {20: _level(20, 40, 300, 400)}, 2: {20: _level(20, 60, 200, 300)}}
    targets = check_targets(ours, stock, 20.0, workers, _slow_run(500, 520), 2000.0, 280.0)
    verdicts = {t.name.split(":")[0]: t.met for t in targets}
    assert all(t.met is True for t in targets if "2 workers" not in t.name)
    assert verdicts["2 workers"] is False  # 1.5x < 1.8x


def test_targets_not_measured_and_failures():
    ours = {1: _level(1, 8, 200, 300, errors=1), 20: _level(20, 10, 1900, 3000)}
    targets = check_targets(ours, {}, None, {}, _slow_run(500, 2100), 2000.0, None)
    by_start = {t.name[:12]: t for t in targets}
    assert by_start["zero errors "].met is False
    assert by_start["1 process, 2"].met is False
    assert by_start["1 conversati"].met is None
    assert by_start["action serve"].met is None
    assert by_start["a 2 s backen"].met is False  # others waited for the slow call
    assert by_start["full trainin"].met is None

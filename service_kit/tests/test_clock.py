from datetime import UTC, datetime, timedelta

from service_kit.clock import Clock, SystemClock


def test_the_system_clock_tells_aware_utc_now() -> None:
    clock: Clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC) + timedelta(seconds=1)

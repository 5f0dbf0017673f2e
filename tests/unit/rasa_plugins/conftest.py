"""Fixtures of the Rasa plugin tests."""

from typing import Iterator

import pytest
import rasa.core.agent as rasa_agent


@pytest.fixture(autouse=True)
def restore_rasa_failsafe_tracker_store() -> Iterator[None]:
    """Undoes `no_memory_fallback.install()` (run by every MaskingTrackerStore) after a test."""
    original = rasa_agent.FailSafeTrackerStore
    yield
    rasa_agent.FailSafeTrackerStore = original

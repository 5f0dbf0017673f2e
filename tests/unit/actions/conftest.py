"""Fixtures of the action tests: a fake backend with a typical customer, and the domain."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from actions.settings import get_settings
from tests.unit.actions.fakes import (
    FakeBackendClient,
    customer_data,
    load_domain,
    write_handoff_config,
)


@pytest.fixture(autouse=True)
def default_handoff_triggers(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Actions built without settings read every trigger enabled, whatever handoff.yml says.

    The tests then check the shipped defaults, not the file a deployment edited.
    """
    path = write_handoff_config(tmp_path_factory.mktemp("handoff") / "handoff.yml")
    monkeypatch.setenv("HANDOFF_CONFIG_PATH", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def backend() -> FakeBackendClient:
    """A fresh fake backend holding the customer `C1001`'s orders, plan and payments."""
    return customer_data()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The bot's domain, loaded once from domain.yml."""
    return load_domain()

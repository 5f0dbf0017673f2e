"""Fixtures of the action tests: a fake backend with a typical customer, and the domain."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tests.unit.actions.fakes import FakeBackendClient, customer_data, load_domain


@pytest.fixture
def backend() -> FakeBackendClient:
    """A fresh fake backend holding the customer `C1001`'s orders, plan and payments."""
    return customer_data()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The bot's domain, loaded once from domain.yml."""
    return load_domain()

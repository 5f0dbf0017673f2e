"""Integration fixtures: one real stack (backend, action server, Rasa) per session."""

from typing import Iterator

import pytest

from tests.integration.stack_fixtures import RunningStack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The running stack on free ports with a fresh, seeded SQLite database.

    The model is `ASSISTANT_MODEL` or the newest archive in `models/`. Service
    logs are in `var/log/integration/`.
    """
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running

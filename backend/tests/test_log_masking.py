"""The running service never logs a card number or an e-mail address, even URL-encoded."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.live_server import LIVE_API_KEY, live_server

CARD = "4111111111111111"
EMAIL = "grace.hopper@example.org"


@pytest.fixture(scope="module")
def server_and_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    work_dir = tmp_path_factory.mktemp("log-masking")
    with live_server(work_dir) as base:
        headers = {"Authorization": f"Bearer {LIVE_API_KEY}", "X-Customer-Id": "C1001"}
        for order_id in (CARD, "4111 1111 1111 1111", EMAIL):
            # `requests` encodes the query: `grace.hopper%40example.org`, `4111+1111...`.
            requests.get(
                f"{base}/v1/refunds", params={"order_id": order_id}, headers=headers, timeout=10
            )
        requests.post(
            f"{base}/v1/auth/verification",
            json={"email": EMAIL},
            headers={"Idempotency-Key": "log-masking-start"},
            timeout=10,
        )
        yield base, work_dir / "server.log"


def test_access_log_lines_are_written_masked(server_and_log: tuple[str, Path]) -> None:
    log = server_and_log[1].read_text(encoding="utf-8")
    # Written by uvicorn's access formatter, which unpacks the (masked) arguments.
    assert "Logging error" not in log
    assert log.count('"GET /v1/refunds?order_id=') == 3
    assert '"GET /v1/refunds?order_id=[card •••• 1111] HTTP/1.1"' in log
    assert '"GET /v1/refunds?order_id=[email] HTTP/1.1"' in log


def test_no_secret_is_in_the_log(server_and_log: tuple[str, Path]) -> None:
    log = server_and_log[1].read_text(encoding="utf-8")
    squeezed = log.replace("+", "").replace(" ", "").replace("%20", "")
    assert CARD not in squeezed
    assert "grace.hopper" not in log

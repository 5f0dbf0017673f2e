"""Fakes shared by the devstack tests."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

import pytest


@dataclass
class FakeResponse:
    """A canned HTTP answer."""

    status_code: int
    body: Any = None

    def json(self) -> Any:
        return self.body


@dataclass
class Call:
    """One request the fake transport received."""

    url: str
    json: Optional[Mapping[str, Any]]
    headers: Dict[str, str]
    timeout: Optional[float]


@dataclass
class FakeTransport:
    """Answers POSTs with a handler per URL suffix and records every call."""

    handlers: Dict[str, Callable[[Call], FakeResponse]] = field(default_factory=dict)
    calls: List[Call] = field(default_factory=list)

    def post(
        self,
        url: str,
        json: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> FakeResponse:
        call = Call(url, json, dict(headers or {}), timeout)
        self.calls.append(call)
        for suffix, handler in self.handlers.items():
            if url.endswith(suffix):
                return handler(call)
        raise AssertionError(f"unexpected POST {url}")

    def calls_to(self, suffix: str) -> List[Call]:
        return [call for call in self.calls if call.url.endswith(suffix)]


class Clock:
    """A settable UTC clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()

"""Typed, path-aware reading of backend JSON payloads.

Every malformed field becomes an `InvalidResponse` naming where it was found
(for example `Order.items[1].unit_price: 'amount' is missing`), never a KeyError.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

from actions.api.exceptions import InvalidResponse


class JsonReader:
    """Reads typed fields of one JSON object of a backend response."""

    def __init__(self, data: Any, context: str) -> None:
        """Wraps a decoded JSON value expected to be an object.

        Args:
            data: The decoded JSON value.
            context: Where the value sits in the response, for error messages.

        Raises:
            InvalidResponse: The value is not a JSON object.
        """
        if not isinstance(data, Mapping):
            raise InvalidResponse(f"{context}: expected a JSON object, got {type(data).__name__}.")
        self._data = data
        self.context = context

    def fail(self, reason: str) -> InvalidResponse:
        """Builds the error for a malformed payload at this object.

        Args:
            reason: What is wrong.

        Returns:
            The error to raise.
        """
        return InvalidResponse(f"{self.context}: {reason}")

    def _value(self, key: str, *, optional: bool) -> Any:
        if key not in self._data:
            if optional:
                return None
            raise self.fail(f"{key!r} is missing.")
        value = self._data[key]
        if value is None and not optional:
            raise self.fail(f"{key!r} must not be null.")
        return value

    def text(self, key: str) -> str:
        """Reads a required string."""
        value = self._value(key, optional=False)
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string.")
        return value

    def optional_text(self, key: str) -> str | None:
        """Reads a string that may be null or absent."""
        value = self._value(key, optional=True)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string or null.")
        return value

    def integer(self, key: str) -> int:
        """Reads a required integer (booleans are refused)."""
        value = self._value(key, optional=False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{key!r} must be an integer.")
        return value

    def flag(self, key: str) -> bool:
        """Reads a required boolean."""
        value = self._value(key, optional=False)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be a boolean.")
        return value

    def decimal(self, key: str) -> Decimal:
        """Reads a required decimal, given as a string (the contract) or exact number.

        Floats are refused: they cannot carry money exactly. Responses are decoded
        with `parse_float=Decimal`, so JSON numbers arrive here as `Decimal`.
        """
        value = self._value(key, optional=False)
        if isinstance(value, bool) or isinstance(value, float):
            raise self.fail(f"{key!r} must be a decimal string, not {type(value).__name__}.")
        if isinstance(value, (int, Decimal)):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise self.fail(f"{key!r} is not a decimal: {value!r}.") from None
        else:
            raise self.fail(f"{key!r} must be a decimal string.")
        if not number.is_finite():
            raise self.fail(f"{key!r} must be a finite decimal, got {value!r}.")
        return number

    def date(self, key: str) -> dt.date:
        """Reads a required ISO `YYYY-MM-DD` date."""
        return self._parse_date(key, self.text(key))

    def optional_date(self, key: str) -> dt.date | None:
        """Reads an ISO date that may be null or absent."""
        value = self.optional_text(key)
        return None if value is None else self._parse_date(key, value)

    def timestamp(self, key: str) -> dt.datetime:
        """Reads a required ISO 8601 timestamp as an aware datetime (naive means UTC)."""
        return self._parse_timestamp(key, self.text(key))

    def optional_timestamp(self, key: str) -> dt.datetime | None:
        """Reads an ISO 8601 timestamp that may be null or absent."""
        value = self.optional_text(key)
        return None if value is None else self._parse_timestamp(key, value)

    def child(self, key: str) -> JsonReader:
        """Reads a required nested object."""
        return JsonReader(self._value(key, optional=False), f"{self.context}.{key}")

    def optional_child(self, key: str) -> JsonReader | None:
        """Reads a nested object that may be null or absent."""
        value = self._value(key, optional=True)
        return None if value is None else JsonReader(value, f"{self.context}.{key}")

    def children(self, key: str) -> Iterator[JsonReader]:
        """Reads a required list of objects."""
        for index, item in enumerate(self.items(key)):
            yield JsonReader(item, f"{self.context}.{key}[{index}]")

    def items(self, key: str) -> list[Any]:
        """Reads a required list of raw values."""
        value = self._value(key, optional=False)
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list.")
        return value

    def _parse_date(self, key: str, value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(f"{key!r} is not an ISO date: {value!r}.") from None

    def _parse_timestamp(self, key: str, value: str) -> dt.datetime:
        # Python 3.10's fromisoformat does not accept the "Z" suffix.
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(f"{key!r} is not an ISO 8601 timestamp: {value!r}.") from None
        if parsed.tzinfo is None:
            # The contract says timestamps are UTC.
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed


def json_list(data: Any, context: str) -> list[Any]:
    """Checks that a top-level payload is a JSON list.

    Args:
        data: The decoded JSON value.
        context: What the list holds, for error messages.

    Returns:
        The list.

    Raises:
        InvalidResponse: The value is not a list.
    """
    if not isinstance(data, list):
        raise InvalidResponse(f"{context}: expected a JSON list, got {type(data).__name__}.")
    return data

"""Tests of order reference normalization."""

from __future__ import annotations

import pytest

from payments_backend.references import normalize_order_reference


@pytest.mark.parametrize(
    "typed",
    [
        "KL-482913",
        "kl482913",
        "#482913",
        "482913",
        "order 482913",
        "Order #KL-482913",
        "KL 482913",
        "  kl-482913  ",
        "order no. 482913",
    ],
)
def test_what_customers_type_resolves_to_the_canonical_id(typed: str) -> None:
    assert normalize_order_reference(typed) == "KL-482913"


@pytest.mark.parametrize("typed", ["", "hello", "48291", "4829134", "KL-48291x", "XY-482913"])
def test_non_references_are_rejected(typed: str) -> None:
    assert normalize_order_reference(typed) is None

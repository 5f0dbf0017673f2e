"""Order references as customers type them, resolved to canonical ``KL-######`` ids."""

from __future__ import annotations

import re

ORDER_PREFIX = "KL-"

# "KL-482913", "kl482913", "#482913", "482913", "order 482913", "order #KL-482913".
_ORDER_REFERENCE = re.compile(
    r"^\s*(?:order\s*)?(?:no\.?\s*|number\s*)?#?\s*(?:kl\s*[-_ ]?\s*)?#?(\d{6})\s*$",
    re.IGNORECASE,
)


def normalize_order_reference(text: str) -> str | None:
    """Resolve what a customer typed to a canonical order id.

    Args:
        text: The reference, e.g. ``"order #482913"``.

    Returns:
        ``"KL-482913"``, or None when the text is not an order reference.
    """
    match = _ORDER_REFERENCE.match(text)
    if match is None:
        return None
    return f"{ORDER_PREFIX}{match.group(1)}"

"""The masking pipeline and its public functions.

Stages run in a fixed order, each on the previous one's output: e-mails and IBANs
first (their digits would otherwise read as phone or card numbers), then cards,
CVVs, one-time codes and, last, phone numbers. The stages repeat until nothing
changes, so masking is idempotent: `mask_text(mask_text(x)) == mask_text(x)`.
"""

from collections.abc import Callable
from typing import Any

from redaction.cards import mask_cards
from redaction.codes import mask_cvvs, mask_one_time_codes
from redaction.emails import mask_emails
from redaction.iban import mask_ibans
from redaction.phones import mask_phones

_STAGES: tuple[Callable[[str], str], ...] = (
    mask_emails,
    mask_ibans,
    mask_cards,
    mask_cvvs,
    mask_one_time_codes,
    mask_phones,
)


def mask_text(text: str) -> str:
    """Masks cards, CVVs, IBANs, e-mails, phones and one-time codes in `text`.

    Args:
        text: Customer text, e.g. `my card is 4111 1111 1111 1111 exp 12/27`.

    Returns:
        The text with each secret replaced by a readable placeholder:
        `my card is [card •••• 1111] exp 12/27`.
    """
    if not any(char.isdigit() for char in text) and "@" not in text:
        return text  # every secret holds a digit or an "@"
    # A later stage can unblock an earlier one ("code 8419 - 6519 2541 2248 2445":
    # once "[code]" replaces 8419 the card reads on its own), so repeat to a fixed
    # point; each round that changes the text removes digits or "@"s, so this ends.
    while True:
        masked = text
        for stage in _STAGES:
            masked = stage(masked)
        if masked == text:
            return masked
        text = masked


def mask_data(obj: Any) -> Any:
    """Masks every string inside `obj`, recursing into dict values, lists and tuples.

    Args:
        obj: Any value, e.g. a tracker event or a JSON payload.

    Returns:
        A masked copy: strings masked, dicts with the same keys, lists and tuples
        (named tuples too) rebuilt; any other value is returned unchanged.
    """
    if isinstance(obj, str):
        return mask_text(obj)
    if isinstance(obj, dict):
        return {key: mask_data(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [mask_data(item) for item in obj]
    if isinstance(obj, tuple):
        items = [mask_data(item) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    return obj


def contains_secret(text: str) -> bool:
    """Tells whether `mask_text` would change `text` (placeholders are no secret)."""
    return mask_text(text) != text

"""The readable replacement forms written in place of a secret.

Every placeholder is bracketed and holds no run of more than four digits, so
masking a masked text finds nothing new (idempotence).
"""

CVV = "[cvv]"
CODE = "[code]"
EMAIL = "[email]"
PHONE = "[phone]"
_HIDDEN = "••••"


def card(last4: str) -> str:
    """Returns the placeholder of a card number ending in `last4`, e.g. `[card •••• 4242]`."""
    return f"[card {_HIDDEN} {last4}]"


def iban(last4: str) -> str:
    """Returns the placeholder of an IBAN ending in `last4`, e.g. `[iban •••• 3000]`."""
    return f"[iban {_HIDDEN} {last4}]"

"""Masks secrets (cards, CVVs, IBANs, e-mails, phones, one-time codes) in customer text.

Pure standard library, so the action server (Python 3.10), the backend services
(Python 3.11) and Rasa tracker-store wrappers can all share it::

    >>> from redaction import mask_text
    >>> mask_text("card 4111 1111 1111 1111, cvv 123")
    'card [card •••• 1111], cvv [cvv]'
"""

from redaction.masking import contains_secret, mask_data, mask_text
from redaction.placeholders import CODE, CVV, EMAIL, PHONE

__all__ = ["CODE", "CVV", "EMAIL", "PHONE", "contains_secret", "mask_data", "mask_text"]

"""The Luhn (mod 10) checksum that every payment card number carries."""


def luhn_valid(digits: str) -> bool:
    """Tells whether a string of decimal digits passes the Luhn check.

    Args:
        digits: Only decimal digits (any Unicode decimal digit), no separators.

    Returns:
        `True` when the checksum is a multiple of 10; `False` for an empty string.
    """
    if not digits:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0

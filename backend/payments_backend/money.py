"""Money helpers: exact decimal amounts, minor units for storage, ISO 4217 codes."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Active ISO 4217 codes; amounts are always rendered with two decimals by contract.
ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)

# Plain decimal notation only: no sign, exponent, grouping or more than 2 decimals.
_AMOUNT_PATTERN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def parse_amount(text: str) -> Decimal:
    """Parse a customer or client supplied amount string.

    Args:
        text: A decimal string such as ``"12.5"`` or ``"12.50"``.

    Returns:
        The amount quantized to cents.

    Raises:
        ValueError: If the text is not a plain non-negative decimal with at most
            two decimals.
    """
    candidate = text.strip()
    if not _AMOUNT_PATTERN.match(candidate):
        raise ValueError(f"not a decimal amount with at most 2 decimals: {text!r}")
    try:
        return Decimal(candidate).quantize(CENT)
    except InvalidOperation as error:  # pragma: no cover - the pattern excludes it
        raise ValueError(f"not a decimal amount: {text!r}") from error


def is_currency_code(code: str) -> bool:
    """Tell whether ``code`` is an active ISO 4217 currency code (upper case)."""
    return code in ISO_4217_CODES


def quantize(amount: Decimal) -> Decimal:
    """Round an amount to cents, half up (the usual commercial rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal) -> str:
    """Render an amount with exactly two decimals, e.g. ``Decimal("5") -> "5.00"``."""
    return f"{quantize(amount):f}"


def to_minor(amount: Decimal) -> int:
    """Convert an amount to integer cents for storage (exact on every database)."""
    return int(quantize(amount) * 100)


def from_minor(minor: int) -> Decimal:
    """Convert stored integer cents back to a two-decimal amount."""
    return (Decimal(minor) / 100).quantize(CENT)

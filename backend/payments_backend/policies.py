"""Company-wide policies (fees, extensions, returns) and the supported payment methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True)
class SupportedMethod:
    """A payment method kind customers can add.

    Attributes:
        kind: ``card`` or ``bank_account``.
        name: Display name.
        description: One customer-readable sentence.
    """

    kind: str
    name: str
    description: str


SUPPORTED_METHODS: tuple[SupportedMethod, ...] = (
    SupportedMethod("card", "Visa", "Visa debit and credit cards."),
    SupportedMethod("card", "Mastercard", "Mastercard debit and credit cards."),
    SupportedMethod("card", "American Express", "American Express credit cards."),
    SupportedMethod(
        "bank_account",
        "SEPA Direct Debit",
        "Instalments are collected from a euro bank account (IBAN).",
    ),
)


@dataclass(frozen=True)
class Policies:
    """Rules that apply to every customer; amounts are in ``currency``.

    Attributes:
        currency: ISO 4217 currency of the fee amounts.
        late_fee: Fee on an instalment unpaid more than the grace days after its due date.
        late_fee_grace_days: Days after the due date before the late fee applies.
        extension_fee: Fee for extending a due date, added to that instalment.
        extension_days: The extension lengths customers can choose.
        max_extensions_per_plan: How many extensions one payment plan may use.
        return_pause_days: How long a reported return postpones the order's payments.
        duplicate_window: Two equal charges closer than this count as a duplicate.
        update_link_lifetime: How long a payment-method update link stays valid.
        verification_code_lifetime: How long an e-mailed one-time code stays valid.
        verification_max_attempts: Wrong entries after which a one-time code is dead.
        verification_codes_per_window: Codes one e-mail address may request per window.
        verification_window: The rate-limit window of code requests.
        supported_methods: Payment method kinds customers can add.
    """

    currency: str = "EUR"
    late_fee: Decimal = Decimal("7.00")
    late_fee_grace_days: int = 3
    extension_fee: Decimal = Decimal("1.95")
    extension_days: tuple[int, ...] = (7, 14)
    max_extensions_per_plan: int = 1
    return_pause_days: int = 21
    duplicate_window: timedelta = timedelta(hours=24)
    update_link_lifetime: timedelta = timedelta(minutes=30)
    verification_code_lifetime: timedelta = timedelta(minutes=10)
    verification_max_attempts: int = 5
    verification_codes_per_window: int = 5
    verification_window: timedelta = timedelta(hours=1)
    supported_methods: tuple[SupportedMethod, ...] = field(default=SUPPORTED_METHODS)


DEFAULT_POLICIES = Policies()

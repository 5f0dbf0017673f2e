"""Pure business rules: refunds, extensions, late fees, cancellation, returns, charges.

Nothing here touches the database or HTTP; every function takes plain facts and the
date, so each rule is unit-testable on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from payments_backend.money import CENT, ZERO, format_amount, quantize
from payments_backend.policies import Policies

# Stored instalment states and the public statuses derived from them.
UNPAID, PAID, CANCELLED = "unpaid", "paid", "cancelled"
DUE, OVERDUE = "due", "overdue"

# Order statuses.
PLACED, SHIPPED, DELIVERED, RETURNED = "placed", "shipped", "delivered", "returned"
ORDER_CANCELLED = "cancelled"
ORDER_STATUSES = (PLACED, SHIPPED, DELIVERED, ORDER_CANCELLED, RETURNED)

SUCCEEDED, DECLINED, REFUNDED = "succeeded", "declined", "refunded"

DECLINE_MESSAGES = {
    "insufficient_funds": (
        "Your bank declined the payment because there were not enough funds available on the card."
    ),
    "card_expired": (
        "The payment was declined because the card has expired. Please add a "
        "card that is still valid."
    ),
    "do_not_honor": (
        "Your bank declined the payment without giving a reason. Please contact "
        "your bank or use another card."
    ),
}


class RuleViolation(Exception):
    """A business rule refused the request.

    Attributes:
        code: Stable snake_case code (the API error code).
        message: English sentence explaining the refusal.
        details: Machine-readable facts.
    """

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        """Create the violation.

        Args:
            code: snake_case code.
            message: English explanation.
            details: Machine-readable facts.
        """
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


# ---------------------------------------------------------------- instalments


def instalment_status(state: str, due_date: date, today: date) -> str:
    """Derive the public status of an instalment.

    Args:
        state: Stored state (unpaid, paid, cancelled).
        due_date: Current due date.
        today: The current date.

    Returns:
        ``paid``, ``cancelled``, ``overdue`` (unpaid after its due date) or ``due``.
    """
    if state in (PAID, CANCELLED):
        return state
    return OVERDUE if due_date < today else DUE


def late_fee(
    state: str, due_date: date, paid_on: date | None, today: date, policies: Policies
) -> Decimal:
    """Late fee carried by an instalment.

    An instalment paid (or still unpaid today) more than the grace days after its due
    date carries the policy's late fee; a cancelled one carries none.

    Args:
        state: Stored state.
        due_date: Current due date.
        paid_on: Date it was paid, if paid.
        today: The current date.
        policies: Fee policy.

    Returns:
        The fee (zero when none).
    """
    if state == CANCELLED:
        return ZERO
    settled_on = paid_on if state == PAID and paid_on is not None else today
    days_late = (settled_on - due_date).days
    return policies.late_fee if days_late > policies.late_fee_grace_days else ZERO


def late_fee_charged_on(due_date: date, policies: Policies) -> date:
    """The day a late fee becomes due: the first day after the grace period."""
    return due_date + timedelta(days=policies.late_fee_grace_days + 1)


def split_into_instalments(total: Decimal, count: int) -> list[Decimal]:
    """Split a total into ``count`` instalments; the last one absorbs the cents.

    Args:
        total: Order total.
        count: Number of instalments (>= 1).

    Returns:
        Amounts that add up exactly to ``total``.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [quantize(total - share * (count - 1))]


@dataclass(frozen=True)
class InstalmentFacts:
    """What the balance needs to know about an instalment."""

    plan_id: str
    status: str
    due_date: date
    amount: Decimal
    late_fee: Decimal


@dataclass(frozen=True)
class BalanceSummary:
    """A customer's balance."""

    outstanding: Decimal
    overdue: Decimal
    late_fees: Decimal
    open_plans: int
    next_due_date: date | None


def summarize_balance(instalments: Sequence[InstalmentFacts]) -> BalanceSummary:
    """Summarize unpaid instalments.

    ``outstanding`` is every unpaid amount plus unpaid late fees; ``overdue`` is the
    unpaid amount already past its due date; ``late_fees`` the fees on unpaid ones.

    Args:
        instalments: The customer's instalments (any status).

    Returns:
        The summary.
    """
    unpaid = [item for item in instalments if item.status in (DUE, OVERDUE)]
    late_fees = sum((item.late_fee for item in unpaid), ZERO)
    amounts = sum((item.amount for item in unpaid), ZERO)
    overdue = sum((item.amount for item in unpaid if item.status == OVERDUE), ZERO)
    return BalanceSummary(
        outstanding=quantize(amounts + late_fees),
        overdue=quantize(overdue),
        late_fees=quantize(late_fees),
        open_plans=len({item.plan_id for item in unpaid}),
        next_due_date=min((item.due_date for item in unpaid), default=None),
    )


# ----------------------------------------------------------------- extensions


@dataclass(frozen=True)
class ExtensionOption:
    """One way to extend a due date."""

    days: int
    new_due_date: date
    fee: Decimal


@dataclass(frozen=True)
class ExtensionDecision:
    """Whether an instalment can be extended, and how."""

    allowed: bool
    reason_code: str | None
    reason: str | None
    options: tuple[ExtensionOption, ...]


def extension_decision(
    status: str, due_date: date, plan_extensions_used: int, policies: Policies
) -> ExtensionDecision:
    """Decide whether an instalment's due date can be extended.

    Only ``due`` instalments (not overdue, paid or cancelled) of a plan that has not
    used its extensions can be extended, by one of the policy's day counts.

    Args:
        status: Public instalment status.
        due_date: Current due date.
        plan_extensions_used: Extensions already used on the instalment's plan.
        policies: Extension policy.

    Returns:
        The decision, with the options when allowed.
    """
    refusal: tuple[str, str] | None = None
    if status == PAID:
        refusal = ("instalment_paid", "This instalment is already paid.")
    elif status == CANCELLED:
        refusal = ("instalment_cancelled", "This instalment was cancelled.")
    elif status == OVERDUE:
        refusal = (
            "instalment_overdue",
            "Overdue instalments cannot be extended; they need to be paid.",
        )
    elif plan_extensions_used >= policies.max_extensions_per_plan:
        refusal = (
            "extension_limit_reached",
            f"A payment plan can be extended at most "
            f"{policies.max_extensions_per_plan} time(s) and this one already was.",
        )
    if refusal is not None:
        return ExtensionDecision(False, refusal[0], refusal[1], ())
    options = tuple(
        ExtensionOption(days, due_date + timedelta(days=days), policies.extension_fee)
        for days in policies.extension_days
    )
    return ExtensionDecision(True, None, None, options)


def choose_extension(decision: ExtensionDecision, days: int, policies: Policies) -> ExtensionOption:
    """Validate an extension request against the decision.

    Args:
        decision: Result of :func:`extension_decision`.
        days: Requested extension length.
        policies: Extension policy.

    Returns:
        The chosen option.

    Raises:
        RuleViolation: ``invalid_extension_days`` or ``extension_not_allowed``.
    """
    if days not in policies.extension_days:
        raise RuleViolation(
            "invalid_extension_days",
            f"Due dates can be extended by {_days_phrase(policies.extension_days)} days.",
            {"allowed_days": list(policies.extension_days)},
        )
    if not decision.allowed:
        raise RuleViolation(
            "extension_not_allowed",
            decision.reason or "This instalment cannot be extended.",
            {"reason_code": decision.reason_code},
        )
    return next(option for option in decision.options if option.days == days)


def _days_phrase(days: Sequence[int]) -> str:
    words = [str(day) for day in days]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


# -------------------------------------------------------------------- refunds


def refund_window_ends(delivered_on: date | None, window_days: int) -> date | None:
    """Last day a refund can be requested: delivery date plus the merchant's window."""
    if delivered_on is None:
        return None
    return delivered_on + timedelta(days=window_days)


def refundable_amount(order_status: str, total: Decimal, refunded: Decimal) -> Decimal:
    """Amount that can still be refunded on an order.

    Args:
        order_status: Order status.
        total: Order total.
        refunded: Sum of the order's refunds that were not rejected.

    Returns:
        ``total - refunded`` (never negative); zero for a cancelled order, whose
        money is returned by the cancellation itself.
    """
    if order_status == ORDER_CANCELLED:
        return ZERO
    return max(ZERO, quantize(total - refunded))


@dataclass(frozen=True)
class RefundEligibility:
    """Whether an order can be refunded now."""

    eligible: bool
    refundable: Decimal
    reason_code: str | None
    reason: str | None
    window_ends: date | None


def refund_eligibility(
    order_status: str,
    total: Decimal,
    refunded: Decimal,
    delivered_on: date | None,
    window_days: int,
    today: date,
) -> RefundEligibility:
    """Decide whether a refund can be requested for an order.

    Args:
        order_status: Order status.
        total: Order total.
        refunded: Sum of refunds not rejected.
        delivered_on: Delivery date, if delivered.
        window_days: The merchant's refund window.
        today: The current date.

    Returns:
        The eligibility, with a reason code when not eligible.
    """
    refundable = refundable_amount(order_status, total, refunded)
    window_ends = refund_window_ends(delivered_on, window_days)
    refusal: tuple[str, str] | None = None
    if order_status == ORDER_CANCELLED:
        refusal = (
            "order_cancelled",
            "The order was cancelled; its payments were returned by the cancellation.",
        )
    elif order_status not in (DELIVERED, RETURNED) or window_ends is None:
        refusal = (
            "order_not_delivered",
            "Refunds can be requested once the order has been delivered.",
        )
    elif refundable <= ZERO:
        refusal = ("already_refunded", "The order has already been refunded in full.")
    elif today > window_ends:
        refusal = (
            "refund_window_expired",
            f"The merchant accepts refund requests up to {window_days} days after "
            f"delivery; that window ended on {window_ends.isoformat()}.",
        )
    if refusal is not None:
        return RefundEligibility(False, refundable, refusal[0], refusal[1], window_ends)
    return RefundEligibility(True, refundable, None, None, window_ends)


def check_refund_request(
    eligibility: RefundEligibility,
    amount: Decimal,
    currency: str,
    order_currency: str,
) -> None:
    """Validate a refund request for an order.

    Args:
        eligibility: The order's refund eligibility.
        amount: Requested amount.
        currency: Requested currency.
        order_currency: The order's currency.

    Raises:
        RuleViolation: ``invalid_amount``, ``currency_mismatch``, the eligibility's
            reason code, or ``amount_exceeds_refundable``.
    """
    if amount <= ZERO:
        raise RuleViolation("invalid_amount", "The refund amount must be above zero.")
    if currency != order_currency:
        raise RuleViolation(
            "currency_mismatch",
            f"The order was paid in {order_currency}, not {currency}.",
            {"order_currency": order_currency},
        )
    if not eligibility.eligible:
        raise RuleViolation(
            eligibility.reason_code or "refund_not_allowed",
            eligibility.reason or "This order cannot be refunded.",
        )
    if amount > eligibility.refundable:
        raise RuleViolation(
            "amount_exceeds_refundable",
            f"At most {format_amount(eligibility.refundable)} {order_currency} can be "
            "refunded on this order.",
            {
                "refundable": {
                    "amount": format_amount(eligibility.refundable),
                    "currency": order_currency,
                }
            },
        )


def refund_expected_by(today: date, refund_days: int) -> date:
    """Date by which a refund requested today reaches the customer."""
    return today + timedelta(days=refund_days)


# ------------------------------------------------------------ cancel / return


def check_cancellable(order_status: str) -> None:
    """Only orders that have not shipped yet can be cancelled.

    Args:
        order_status: Order status.

    Raises:
        RuleViolation: ``order_already_cancelled`` or ``order_already_shipped``.
    """
    if order_status == ORDER_CANCELLED:
        raise RuleViolation("order_already_cancelled", "The order is already cancelled.")
    if order_status != PLACED:
        raise RuleViolation(
            "order_already_shipped",
            "The order has already shipped, so it can no longer be cancelled; "
            "it can be returned once delivered.",
            {"status": order_status},
        )


def check_returnable(order_status: str, has_return: bool) -> None:
    """A return can be reported once per order, for a delivered order.

    Args:
        order_status: Order status.
        has_return: Whether a return was already reported.

    Raises:
        RuleViolation: ``return_exists`` or ``order_not_delivered``.
    """
    if has_return or order_status == RETURNED:
        raise RuleViolation("return_exists", "A return was already reported for this order.")
    if order_status != DELIVERED:
        raise RuleViolation(
            "order_not_delivered",
            "A return can be reported once the order has been delivered.",
            {"status": order_status},
        )


def payments_paused_until(today: date, policies: Policies) -> date:
    """End of the payment pause started by a return reported today."""
    return today + timedelta(days=policies.return_pause_days)


def postponed_due_date(due_date: date, policies: Policies) -> date:
    """Due date of an unpaid instalment after a return pauses its payments."""
    return due_date + timedelta(days=policies.return_pause_days)


# ------------------------------------------------------------------- charges


def card_expired(expires: str | None, today: date) -> bool:
    """Tell whether a card's ``MM/YY`` expiry is in the past (valid through that month).

    Args:
        expires: Expiry as ``MM/YY``, or None for methods that do not expire.
        today: The current date.

    Returns:
        True when the card can no longer be charged.
    """
    if not expires:
        return False
    month_text, year_text = expires.split("/")
    month, year = int(month_text), 2000 + int(year_text[-2:])
    return (today.year, today.month) > (year, month)


def decline_reason(expires: str | None, simulated_decline: str | None, today: date) -> str | None:
    """Why a charge on a payment method would be declined, if it would.

    Args:
        expires: Method expiry (``MM/YY``).
        simulated_decline: The issuer's canned answer for this method, if any.
        today: The current date.

    Returns:
        ``card_expired``, the simulated reason, or None when the charge succeeds.
    """
    if card_expired(expires, today):
        return "card_expired"
    return simulated_decline


def decline_message(reason: str) -> str:
    """Customer-readable explanation of a decline reason."""
    return DECLINE_MESSAGES.get(
        reason,
        "The payment was declined by the card issuer. Please try another payment method.",
    )


@dataclass(frozen=True)
class ChargeFacts:
    """What duplicate detection needs to know about a payment."""

    id: str
    order_id: str
    instalment_id: str | None
    amount: Decimal
    currency: str
    status: str
    created_at: datetime


def find_duplicate_charges(
    charges: Sequence[ChargeFacts], window: timedelta
) -> list[tuple[str, str]]:
    """Find charges that were taken twice.

    A duplicate is a succeeded charge for the same order, instalment, amount and
    currency as an earlier succeeded charge less than ``window`` before it. A
    refunded duplicate is no longer ``succeeded`` and so drops out.

    Args:
        charges: The customer's payments.
        window: Maximum distance between original and duplicate.

    Returns:
        ``(original id, duplicate id)`` pairs, oldest first.
    """
    succeeded = sorted(
        (charge for charge in charges if charge.status == SUCCEEDED),
        key=lambda charge: (charge.created_at, charge.id),
    )
    pairs: list[tuple[str, str]] = []
    duplicates: set[str] = set()
    for index, candidate in enumerate(succeeded):
        for earlier in succeeded[:index]:
            if earlier.id in duplicates:
                continue
            if (
                earlier.order_id == candidate.order_id
                and earlier.instalment_id == candidate.instalment_id
                and earlier.amount == candidate.amount
                and earlier.currency == candidate.currency
                and candidate.created_at - earlier.created_at < window
            ):
                pairs.append((earlier.id, candidate.id))
                duplicates.add(candidate.id)
                break
    return pairs

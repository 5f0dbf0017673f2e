"""Unit tests of the pure business rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from payments_backend import rules
from payments_backend.policies import Policies

POLICIES = Policies()
TODAY = date(2025, 6, 18)


# ----------------------------------------------------------- refund window


def test_refund_window_ends_window_days_after_delivery() -> None:
    assert rules.refund_window_ends(date(2025, 6, 1), 30) == date(2025, 7, 1)
    assert rules.refund_window_ends(None, 30) is None


def eligibility(**overrides: object) -> rules.RefundEligibility:
    facts: dict[str, object] = {
        "order_status": "delivered",
        "total": Decimal("100.00"),
        "refunded": Decimal("0.00"),
        "delivered_on": TODAY - timedelta(days=10),
        "window_days": 30,
        "today": TODAY,
    }
    facts.update(overrides)
    return rules.refund_eligibility(**facts)  # type: ignore[arg-type]


def test_delivered_order_inside_window_is_eligible_for_the_full_total() -> None:
    result = eligibility()
    assert result.eligible
    assert result.refundable == Decimal("100.00")
    assert result.reason_code is None
    assert result.window_ends == TODAY + timedelta(days=20)


def test_last_day_of_window_is_still_eligible_and_the_day_after_is_not() -> None:
    assert eligibility(delivered_on=TODAY - timedelta(days=30)).eligible
    late = eligibility(delivered_on=TODAY - timedelta(days=31))
    assert not late.eligible
    assert late.reason_code == "refund_window_expired"
    assert late.window_ends == TODAY - timedelta(days=1)


@pytest.mark.parametrize("status", ["placed", "shipped"])
def test_undelivered_orders_are_not_eligible(status: str) -> None:
    result = eligibility(order_status=status, delivered_on=None)
    assert (result.eligible, result.reason_code) == (False, "order_not_delivered")


def test_cancelled_order_has_nothing_to_refund() -> None:
    result = eligibility(order_status="cancelled", delivered_on=None)
    assert result.reason_code == "order_cancelled"
    assert result.refundable == Decimal("0.00")


def test_fully_refunded_order_reports_already_refunded_even_outside_window() -> None:
    result = eligibility(refunded=Decimal("100.00"), delivered_on=TODAY - timedelta(days=90))
    assert result.reason_code == "already_refunded"


def test_returned_order_can_still_be_refunded_for_the_remainder() -> None:
    result = eligibility(order_status="returned", refunded=Decimal("40.00"))
    assert result.eligible
    assert result.refundable == Decimal("60.00")


# ------------------------------------------------------------ refundable


def test_refundable_is_total_minus_refunded_and_never_negative() -> None:
    assert rules.refundable_amount("delivered", Decimal("158.85"), Decimal("25.00")) == Decimal(
        "133.85"
    )
    assert rules.refundable_amount("delivered", Decimal("10.00"), Decimal("12.00")) == Decimal(
        "0.00"
    )
    assert rules.refundable_amount("cancelled", Decimal("95.00"), Decimal("0")) == Decimal("0.00")


def test_refund_request_checks_amount_currency_eligibility_and_limit() -> None:
    ok = eligibility(refunded=Decimal("25.00"))
    rules.check_refund_request(ok, Decimal("75.00"), "EUR", "EUR")
    cases = [
        (ok, Decimal("0.00"), "EUR", "invalid_amount"),
        (ok, Decimal("10.00"), "SEK", "currency_mismatch"),
        (ok, Decimal("75.01"), "EUR", "amount_exceeds_refundable"),
        (
            eligibility(delivered_on=TODAY - timedelta(days=60)),
            Decimal("1.00"),
            "EUR",
            "refund_window_expired",
        ),
    ]
    for result, amount, currency, code in cases:
        with pytest.raises(rules.RuleViolation) as caught:
            rules.check_refund_request(result, amount, currency, "EUR")
        assert caught.value.code == code


def test_amount_exceeding_refundable_reports_the_limit() -> None:
    with pytest.raises(rules.RuleViolation) as caught:
        rules.check_refund_request(eligibility(), Decimal("100.01"), "EUR", "EUR")
    assert caught.value.details == {"refundable": {"amount": "100.00", "currency": "EUR"}}


def test_refund_expected_by_adds_merchant_refund_days() -> None:
    assert rules.refund_expected_by(TODAY, 5) == date(2025, 6, 23)


# ------------------------------------------------------------ instalments


def test_instalment_status_is_derived_from_state_and_date() -> None:
    assert rules.instalment_status("unpaid", TODAY, TODAY) == "due"
    assert rules.instalment_status("unpaid", TODAY - timedelta(days=1), TODAY) == "overdue"
    assert rules.instalment_status("paid", TODAY - timedelta(days=9), TODAY) == "paid"
    assert rules.instalment_status("cancelled", TODAY, TODAY) == "cancelled"


def test_late_fee_applies_only_after_the_grace_days() -> None:
    grace = POLICIES.late_fee_grace_days
    within = TODAY - timedelta(days=grace)
    after = TODAY - timedelta(days=grace + 1)
    assert rules.late_fee("unpaid", within, None, TODAY, POLICIES) == Decimal("0.00")
    assert rules.late_fee("unpaid", after, None, TODAY, POLICIES) == Decimal("7.00")


def test_late_fee_of_paid_instalment_depends_on_payment_day() -> None:
    due = TODAY - timedelta(days=20)
    on_time = due + timedelta(days=1)
    late = due + timedelta(days=10)
    assert rules.late_fee("paid", due, on_time, TODAY, POLICIES) == Decimal("0.00")
    assert rules.late_fee("paid", due, late, TODAY, POLICIES) == Decimal("7.00")
    assert rules.late_fee("cancelled", due, None, TODAY, POLICIES) == Decimal("0.00")


def test_late_fee_charged_on_first_day_after_grace() -> None:
    assert rules.late_fee_charged_on(date(2025, 6, 1), POLICIES) == date(2025, 6, 5)


def test_split_into_instalments_adds_up_exactly() -> None:
    parts = rules.split_into_instalments(Decimal("158.85"), 4)
    assert parts == [Decimal("39.71")] * 3 + [Decimal("39.72")]
    assert sum(parts) == Decimal("158.85")
    assert rules.split_into_instalments(Decimal("10.00"), 1) == [Decimal("10.00")]
    with pytest.raises(ValueError):
        rules.split_into_instalments(Decimal("10.00"), 0)


def test_balance_summary_counts_unpaid_amounts_and_fees() -> None:
    facts = [
        rules.InstalmentFacts(
            "P1", "overdue", TODAY - timedelta(days=9), Decimal("32.00"), Decimal("7.00")
        ),
        rules.InstalmentFacts(
            "P1", "due", TODAY + timedelta(days=5), Decimal("32.00"), Decimal("0.00")
        ),
        rules.InstalmentFacts(
            "P2", "paid", TODAY - timedelta(days=30), Decimal("50.00"), Decimal("0.00")
        ),
        rules.InstalmentFacts("P3", "cancelled", TODAY, Decimal("80.00"), Decimal("0.00")),
    ]
    summary = rules.summarize_balance(facts)
    assert summary.outstanding == Decimal("71.00")
    assert summary.overdue == Decimal("32.00")
    assert summary.late_fees == Decimal("7.00")
    assert summary.open_plans == 1
    assert summary.next_due_date == TODAY - timedelta(days=9)
    empty = rules.summarize_balance([])
    assert (empty.outstanding, empty.open_plans, empty.next_due_date) == (Decimal("0.00"), 0, None)


# ------------------------------------------------------------- extensions


def test_due_instalment_can_be_extended_by_policy_days_for_the_fee() -> None:
    decision = rules.extension_decision("due", TODAY, 0, POLICIES)
    assert decision.allowed
    assert [(o.days, o.new_due_date, o.fee) for o in decision.options] == [
        (7, TODAY + timedelta(days=7), Decimal("1.95")),
        (14, TODAY + timedelta(days=14), Decimal("1.95")),
    ]
    option = rules.choose_extension(decision, 14, POLICIES)
    assert option.new_due_date == TODAY + timedelta(days=14)


@pytest.mark.parametrize(
    ("status", "used", "code"),
    [
        ("overdue", 0, "instalment_overdue"),
        ("paid", 0, "instalment_paid"),
        ("cancelled", 0, "instalment_cancelled"),
        ("due", 1, "extension_limit_reached"),
    ],
)
def test_extension_refusals(status: str, used: int, code: str) -> None:
    decision = rules.extension_decision(status, TODAY, used, POLICIES)
    assert (decision.allowed, decision.reason_code, decision.options) == (False, code, ())
    with pytest.raises(rules.RuleViolation) as caught:
        rules.choose_extension(decision, 7, POLICIES)
    assert caught.value.code == "extension_not_allowed"
    assert caught.value.details == {"reason_code": code}


def test_extension_days_outside_policy_are_invalid() -> None:
    decision = rules.extension_decision("due", TODAY, 0, POLICIES)
    with pytest.raises(rules.RuleViolation) as caught:
        rules.choose_extension(decision, 10, POLICIES)
    assert caught.value.code == "invalid_extension_days"
    assert caught.value.details == {"allowed_days": [7, 14]}


def test_extension_limit_follows_policy() -> None:
    generous = Policies(max_extensions_per_plan=2)
    assert rules.extension_decision("due", TODAY, 1, generous).allowed


# ------------------------------------------------------- cancel and return


def test_only_placed_orders_can_be_cancelled() -> None:
    rules.check_cancellable("placed")
    for status, code in [
        ("shipped", "order_already_shipped"),
        ("delivered", "order_already_shipped"),
        ("returned", "order_already_shipped"),
        ("cancelled", "order_already_cancelled"),
    ]:
        with pytest.raises(rules.RuleViolation) as caught:
            rules.check_cancellable(status)
        assert caught.value.code == code


def test_returns_need_a_delivered_order_without_a_return() -> None:
    rules.check_returnable("delivered", has_return=False)
    with pytest.raises(rules.RuleViolation, match="already reported"):
        rules.check_returnable("delivered", has_return=True)
    with pytest.raises(rules.RuleViolation) as caught:
        rules.check_returnable("shipped", has_return=False)
    assert caught.value.code == "order_not_delivered"


def test_return_pause_postpones_by_policy_days() -> None:
    assert rules.payments_paused_until(TODAY, POLICIES) == TODAY + timedelta(days=21)
    assert rules.postponed_due_date(TODAY, POLICIES) == TODAY + timedelta(days=21)


# ---------------------------------------------------------------- charges


def test_card_expiry_is_valid_through_the_expiry_month() -> None:
    assert not rules.card_expired("06/25", TODAY)
    assert rules.card_expired("05/25", TODAY)
    assert not rules.card_expired(None, TODAY)
    assert rules.decline_reason("05/25", None, TODAY) == "card_expired"
    assert rules.decline_reason("12/30", "insufficient_funds", TODAY) == "insufficient_funds"
    assert rules.decline_reason("12/30", None, TODAY) is None


def test_decline_messages_are_customer_readable() -> None:
    assert "not enough funds" in rules.decline_message("insufficient_funds")
    assert "expired" in rules.decline_message("card_expired")
    assert "declined" in rules.decline_message("something_new")


def charge(charge_id: str, minutes: int, **overrides: object) -> rules.ChargeFacts:
    facts: dict[str, object] = {
        "id": charge_id,
        "order_id": "KL-1",
        "instalment_id": "IN-1",
        "amount": Decimal("34.90"),
        "currency": "EUR",
        "status": "succeeded",
        "created_at": datetime(2025, 6, 1, 10, tzinfo=UTC) + timedelta(minutes=minutes),
    }
    facts.update(overrides)
    return rules.ChargeFacts(**facts)  # type: ignore[arg-type]


def test_duplicate_is_a_second_equal_charge_within_the_window() -> None:
    window = timedelta(hours=24)
    assert rules.find_duplicate_charges([charge("B", 3), charge("A", 0)], window) == [("A", "B")]
    assert rules.find_duplicate_charges([charge("A", 0), charge("B", 24 * 60)], window) == []


@pytest.mark.parametrize(
    "difference",
    [
        {"amount": Decimal("34.91")},
        {"order_id": "KL-2"},
        {"instalment_id": "IN-2"},
        {"currency": "SEK"},
        {"status": "declined"},
        {"status": "refunded"},
    ],
)
def test_charges_that_differ_are_not_duplicates(difference: dict[str, object]) -> None:
    window = timedelta(hours=24)
    assert (
        rules.find_duplicate_charges([charge("A", 0), charge("B", 3, **difference)], window) == []
    )


def test_each_charge_is_counted_as_duplicate_once() -> None:
    pairs = rules.find_duplicate_charges(
        [charge("A", 0), charge("B", 1), charge("C", 2)], timedelta(hours=24)
    )
    assert pairs == [("A", "B"), ("A", "C")]

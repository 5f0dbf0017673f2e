"""In-memory stand-ins for the backend and the Rasa tracker, shared by the action tests.

`FakeBackendClient` has the signatures of `actions.api.client.BackendClient` (a test
checks it), keeps typed model objects, applies the backend's main business rules,
records every call with its thread and idempotency key, and raises the exception
configured for a method. Builders make model objects with `Decimal` money;
`make_tracker` and the event helpers build a `rasa_sdk.Tracker`; `run_action` runs
an async action and checks its replies against the domain.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api import (
    Balance,
    BackendError,
    BackendUnavailable,
    Dispute,
    DuplicateCharge,
    Extension,
    ExtensionOption,
    ExtensionOptions,
    Fee,
    FeePolicy,
    Instalment,
    Invoice,
    LoginResult,
    Merchant,
    MerchantRef,
    Money,
    NotFound,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    PaymentMethodRef,
    Refund,
    RefundEligibility,
    RefundPolicy,
    Return,
    RuleViolation,
    SupportedPaymentMethod,
    UpdateLink,
)
from actions.api.models import OutboundMessage
from actions.desk_api import AgentDesk, DeskStatus, TicketReceipt, TicketRequest
from actions.handoff.config import DEFAULT_THRESHOLDS, REASONS, HandoffConfig, HandoffTrigger
from actions.identity import VERIFIED_CUSTOMER_KEY
from actions.settings import Settings

CUSTOMER_ID = "C1001"
#: The e-mail of `CUSTOMER_ID`'s account and the one-time code the fake backend sends.
CUSTOMER_EMAIL = "ada@example.com"
VERIFICATION_CODE = "482913"
SENDER_ID = "conversation-1"
UTC = dt.timezone.utc
#: The fake backend's "now": tests never depend on the real clock.
NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
DOMAIN_PATH = Path(__file__).resolve().parents[3] / "domain.yml"

_UNSET: Any = object()


# --------------------------------------------------------------------------- builders


def money(amount: str, currency: str = "EUR") -> Money:
    """Money from a decimal string, e.g. `money("89.90")`."""
    return Money(amount=Decimal(amount), currency=currency)


def order(
    id: str = "KL-482913",
    status: str = "delivered",
    total: str = "89.90",
    refunded: str = "0.00",
    currency: str = "EUR",
    merchant_id: str = "M-1",
    merchant: str = "Nordic Shoes",
    created_at: dt.datetime = dt.datetime(2025, 2, 1, 12, 0, tzinfo=UTC),
    shipped_at: Optional[dt.datetime] = _UNSET,
    delivered_at: Optional[dt.datetime] = _UNSET,
    return_status: Optional[str] = None,
    payments_paused_until: Optional[dt.date] = None,
) -> Order:
    """An order; shipping and delivery dates follow from the status unless given."""
    if shipped_at is _UNSET:
        shipped = status in {"shipped", "delivered", "returned"}
        shipped_at = dt.datetime(2025, 2, 3, 8, 0, tzinfo=UTC) if shipped else None
    if delivered_at is _UNSET:
        delivered = status in {"delivered", "returned"}
        delivered_at = dt.datetime(2025, 2, 5, 15, 0, tzinfo=UTC) if delivered else None
    total_money = money(total, currency)
    refunded_money = money(refunded, currency)
    return Order(
        id=id,
        merchant=MerchantRef(id=merchant_id, name=merchant),
        status=status,
        items=(OrderItem(name="Item", quantity=1, unit_price=total_money),),
        total=total_money,
        refunded=refunded_money,
        refundable=money(str(total_money.amount - refunded_money.amount), currency),
        created_at=created_at,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
        return_status=return_status,
        payments_paused_until=payments_paused_until,
    )


def instalment(
    id: str = "INS-1",
    order_id: str = "KL-482913",
    merchant: str = "Nordic Shoes",
    sequence: int = 2,
    count: int = 4,
    due_date: dt.date = dt.date(2025, 3, 14),
    amount: str = "40.00",
    late_fee: str = "0.00",
    status: str = "due",
    currency: str = "EUR",
    extensions_used: int = 0,
) -> Instalment:
    """An instalment of a payment plan."""
    return Instalment(
        id=id,
        plan_id="PLAN-1",
        order_id=order_id,
        merchant_name=merchant,
        sequence=sequence,
        count=count,
        due_date=due_date,
        amount=money(amount, currency),
        late_fee=money(late_fee, currency),
        status=status,
        extensions_used=extensions_used,
    )


def extension_options(
    instalment_id: str = "INS-1",
    allowed: bool = True,
    days: Sequence[int] = (7, 14),
    due_date: dt.date = dt.date(2025, 3, 14),
    fee: str = "2.50",
    reason_code: Optional[str] = None,
    reason: Optional[str] = None,
) -> ExtensionOptions:
    """What the backend offers to move an instalment's due date."""
    options = tuple(
        ExtensionOption(
            days=value, new_due_date=due_date + dt.timedelta(days=value), fee=money(fee)
        )
        for value in (days if allowed else ())
    )
    return ExtensionOptions(
        instalment_id=instalment_id,
        allowed=allowed,
        reason_code=reason_code,
        reason=reason,
        options=options,
        max_extensions=1,
        extensions_used=0 if allowed else 1,
    )


def payment(
    id: str = "PAY-1",
    order_id: str = "KL-482913",
    merchant: str = "Nordic Shoes",
    amount: str = "40.00",
    status: str = "succeeded",
    decline_reason: Optional[str] = None,
    decline_message: Optional[str] = None,
    created_at: dt.datetime = dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    receipt_number: Optional[str] = _UNSET,
    currency: str = "EUR",
) -> Payment:
    """A payment attempt; a succeeded one gets a receipt number unless given."""
    if receipt_number is _UNSET:
        receipt_number = f"R-{id}" if status == "succeeded" else None
    return Payment(
        id=id,
        order_id=order_id,
        merchant_name=merchant,
        statement_descriptor=merchant.upper(),
        amount=money(amount, currency),
        status=status,
        decline_reason=decline_reason,
        decline_message=decline_message,
        method=PaymentMethodRef(brand="Visa", last4="4242"),
        created_at=created_at,
        receipt_number=receipt_number,
    )


def refund(
    id: str = "RF-1",
    order_id: str = "KL-482913",
    amount: str = "89.90",
    status: str = "pending",
    expected_by: dt.date = dt.date(2025, 3, 20),
    completed_at: Optional[dt.datetime] = None,
    reason: Optional[str] = "Arrived damaged",
    currency: str = "EUR",
) -> Refund:
    """A refund."""
    return Refund(
        id=id,
        order_id=order_id,
        amount=money(amount, currency),
        status=status,
        reason=reason,
        created_at=NOW,
        expected_by=expected_by,
        completed_at=completed_at,
    )


def eligibility(
    order_id: str = "KL-482913",
    eligible: bool = True,
    refundable: str = "89.90",
    reason_code: Optional[str] = None,
    reason: Optional[str] = None,
    window_days: int = 30,
    window_ends: Optional[dt.date] = dt.date(2025, 3, 7),
    currency: str = "EUR",
) -> RefundEligibility:
    """Whether an order can be refunded now."""
    return RefundEligibility(
        order_id=order_id,
        eligible=eligible,
        refundable=money(refundable, currency),
        reason_code=reason_code,
        reason=reason,
        window_days=window_days,
        window_ends=window_ends,
    )


def balance(
    outstanding: str = "120.00",
    overdue: str = "0.00",
    late_fees: str = "0.00",
    open_plans: int = 2,
    next_due_date: Optional[dt.date] = dt.date(2025, 3, 14),
) -> Balance:
    """What the customer owes."""
    return Balance(
        outstanding=money(outstanding),
        overdue=money(overdue),
        late_fees=money(late_fees),
        open_plans=open_plans,
        next_due_date=next_due_date,
    )


def payment_method(
    id: str = "PM-1",
    kind: str = "card",
    brand: Optional[str] = "Visa",
    last4: Optional[str] = "4242",
    is_default: bool = True,
) -> PaymentMethod:
    """A stored, masked payment method."""
    return PaymentMethod(
        id=id, kind=kind, brand=brand, last4=last4, expires="04/27", is_default=is_default
    )


def fee(
    id: str = "FEE-1",
    kind: str = "late_fee",
    amount: str = "5.00",
    order_id: Optional[str] = "KL-482913",
    charged_on: dt.date = dt.date(2025, 2, 20),
    explanation: str = "Instalment 1 was paid 9 days late.",
) -> Fee:
    """A fee charged to the customer."""
    return Fee(
        id=id,
        kind=kind,
        amount=money(amount),
        order_id=order_id,
        instalment_id="INS-0",
        charged_on=charged_on,
        explanation=explanation,
    )


def invoice(
    id: str = "INV-1",
    number: str = "2025-0001",
    order_id: str = "KL-482913",
    merchant: str = "Nordic Shoes",
    amount: str = "89.90",
    issued_on: dt.date = dt.date(2025, 2, 3),
) -> Invoice:
    """An invoice of an order."""
    return Invoice(
        id=id,
        number=number,
        order_id=order_id,
        merchant_name=merchant,
        amount=money(amount),
        issued_on=issued_on,
        url=f"https://invoices.example.com/{number}.pdf",
    )


def refund_policy(
    merchant_id: str = "M-1",
    merchant: str = "Nordic Shoes",
    window_days: int = 30,
    conditions: str = "Items must be unworn.",
    refund_days: int = 7,
) -> RefundPolicy:
    """A merchant's refund policy."""
    return RefundPolicy(
        merchant_id=merchant_id,
        merchant_name=merchant,
        window_days=window_days,
        conditions=conditions,
        refund_days=refund_days,
    )


def fee_policy() -> FeePolicy:
    """The public fee schedule."""
    return FeePolicy(late_fee=money("5.00"), late_fee_grace_days=7, extension_fee=money("2.50"))


def supported_methods() -> List[SupportedPaymentMethod]:
    """The payment method kinds customers can use."""
    return [
        SupportedPaymentMethod(kind="card", name="Card", description="Visa or Mastercard"),
        SupportedPaymentMethod(kind="bank_account", name="Bank account", description="SEPA"),
    ]


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class Call:
    """One call of the fake client.

    Attributes:
        method: The client method's name.
        args: Its positional arguments.
        kwargs: Its keyword arguments (the idempotency key is one).
        thread_id: `threading.get_ident()` of the thread that made the call.
    """

    method: str
    args: Tuple[Any, ...]
    kwargs: Dict[str, Any]
    thread_id: int

    @property
    def idempotency_key(self) -> Optional[str]:
        """The call's idempotency key, if it has one."""
        return self.kwargs.get("idempotency_key")


@dataclass
class FakeBackendClient:
    """An in-memory backend with the `BackendClient` methods the actions use.

    The data belongs to `customer_id`; another customer sees no objects (lists are
    empty, lookups raise `NotFound`), like the real backend. POSTs replay their first
    answer for a repeated idempotency key, like the real backend.
    """

    customer_id: str = CUSTOMER_ID
    balance: Balance = field(default_factory=balance)
    instalments: List[Instalment] = field(default_factory=list)
    extension_options: Dict[str, ExtensionOptions] = field(default_factory=dict)
    payments: List[Payment] = field(default_factory=list)
    duplicates: List[DuplicateCharge] = field(default_factory=list)
    orders: List[Order] = field(default_factory=list)
    eligibility: Dict[str, RefundEligibility] = field(default_factory=dict)
    refunds: List[Refund] = field(default_factory=list)
    fees: List[Fee] = field(default_factory=list)
    invoices: List[Invoice] = field(default_factory=list)
    payment_methods: List[PaymentMethod] = field(default_factory=list)
    supported_payment_methods: List[SupportedPaymentMethod] = field(
        default_factory=supported_methods
    )
    merchants: List[Merchant] = field(default_factory=list)
    refund_policies: Dict[str, RefundPolicy] = field(default_factory=dict)
    fee_policy: FeePolicy = field(default_factory=fee_policy)
    disputed_payment_ids: List[str] = field(default_factory=list)
    #: Accounts by e-mail (visitor verification) and the code every start sends.
    accounts: Dict[str, str] = field(default_factory=lambda: {CUSTOMER_EMAIL: CUSTOMER_ID})
    verification_code: str = VERIFICATION_CODE
    code_attempts: int = 3
    #: E-mails with a code waiting, and the attempts left for it.
    pending_codes: Dict[str, int] = field(default_factory=dict)
    #: The e-mails "sent" (the development outbox), oldest first.
    outbox: List[OutboundMessage] = field(default_factory=list)
    calls: List[Call] = field(default_factory=list)
    errors: Dict[str, BackendError] = field(default_factory=dict)
    _replies: Dict[Tuple[str, str], Any] = field(default_factory=dict)

    # ---- test controls

    def fail(self, method: str, error: BackendError) -> "FakeBackendClient":
        """Makes every later call of `method` raise `error`."""
        self.errors[method] = error
        return self

    def fail_everything(self, error: BackendError) -> "FakeBackendClient":
        """Makes every method raise `error`."""
        for name in CLIENT_METHODS:
            self.errors[name] = error
        return self

    def calls_of(self, method: str) -> List[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    @property
    def method_names(self) -> List[str]:
        """Names of the methods called, in order."""
        return [call.method for call in self.calls]

    @property
    def writes(self) -> List[Call]:
        """The calls that change something (they all carry an idempotency key)."""
        return [call for call in self.calls if call.method in WRITE_METHODS]

    # ---- plumbing

    def _enter(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append(Call(method, args, kwargs, threading.get_ident()))
        error = self.errors.get(method)
        if error is not None:
            raise error

    def _mine(self, customer_id: str) -> bool:
        return customer_id == self.customer_id

    def _replay(self, method: str, key: str) -> Any:
        if not key:
            raise AssertionError(f"{method} called without an idempotency key")
        return self._replies.get((method, key))

    def _remember(self, method: str, key: str, reply: Any) -> Any:
        self._replies[(method, key)] = reply
        return reply

    def _order(self, customer_id: str, order_ref: str) -> Order:
        digits = order_ref.lstrip("#").strip()
        for candidate in self.orders if self._mine(customer_id) else []:
            if candidate.id == order_ref or candidate.id.endswith(f"-{digits}"):
                return candidate
        raise NotFound(f"No order {order_ref}.", code="order_not_found", status_code=404)

    def _instalment(self, customer_id: str, instalment_id: str) -> Instalment:
        for candidate in self.instalments if self._mine(customer_id) else []:
            if candidate.id == instalment_id:
                return candidate
        raise NotFound(f"No instalment {instalment_id}.", status_code=404)

    def _payment(self, customer_id: str, payment_id: str) -> Payment:
        for candidate in self.payments if self._mine(customer_id) else []:
            if candidate.id == payment_id:
                return candidate
        raise NotFound(f"No payment {payment_id}.", status_code=404)

    def _eligibility(self, customer_id: str, order_ref: str) -> RefundEligibility:
        found = self._order(customer_id, order_ref)
        if found.id in self.eligibility:
            return self.eligibility[found.id]
        codes = {"cancelled": "order_cancelled", "placed": "order_not_delivered"}
        code = codes.get(found.status, "order_not_delivered")
        if found.status in {"delivered", "returned"}:
            code = "already_refunded" if found.refundable.amount <= 0 else None
        return eligibility(
            order_id=found.id,
            eligible=code is None,
            refundable=found.refundable.amount_text(),
            currency=found.refundable.currency,
            reason_code=code,
            reason=None if code is None else code.replace("_", " "),
        )

    def _replace_order(self, updated: Order) -> None:
        self.orders = [updated if o.id == updated.id else o for o in self.orders]

    # ---- balance and instalments

    def get_balance(self, customer_id: str) -> Balance:
        """What the customer owes."""
        self._enter("get_balance", customer_id)
        return self.balance if self._mine(customer_id) else balance("0.00", open_plans=0)

    def get_next_instalment(self, customer_id: str) -> Instalment | None:
        """The earliest unpaid instalment, overdue first; `None` when nothing is due."""
        self._enter("get_next_instalment", customer_id)
        unpaid = [i for i in self.instalments if i.status != "paid"]
        if not self._mine(customer_id) or not unpaid:
            return None
        return sorted(unpaid, key=lambda i: (i.status != "overdue", i.due_date))[0]

    def get_instalment(self, customer_id: str, instalment_id: str) -> Instalment:
        """One instalment."""
        self._enter("get_instalment", customer_id, instalment_id)
        return self._instalment(customer_id, instalment_id)

    def get_extension_options(self, customer_id: str, instalment_id: str) -> ExtensionOptions:
        """The extensions allowed for an instalment."""
        self._enter("get_extension_options", customer_id, instalment_id)
        if not self._mine(customer_id) or instalment_id not in self.extension_options:
            raise NotFound(f"No instalment {instalment_id}.", status_code=404)
        return self.extension_options[instalment_id]

    def extend_instalment(
        self, customer_id: str, instalment_id: str, days: int, *, idempotency_key: str
    ) -> Extension:
        """Moves the due date back by one of the allowed options."""
        self._enter(
            "extend_instalment", customer_id, instalment_id, days, idempotency_key=idempotency_key
        )
        replay = self._replay("extend_instalment", idempotency_key)
        if replay is not None:
            return replay
        target = self._instalment(customer_id, instalment_id)
        options = self.extension_options.get(instalment_id)
        if options is None or not options.allowed:
            raise RuleViolation(
                "This instalment was already extended once.",
                code="extension_not_allowed",
                status_code=409,
            )
        option = next((o for o in options.options if o.days == days), None)
        if option is None:
            raise RuleViolation(
                "Extensions are 7 or 14 days.", code="invalid_extension_days", status_code=422
            )
        extension = Extension(
            id=f"EXT-{len(self._replies) + 1}",
            instalment_id=instalment_id,
            days=days,
            old_due_date=target.due_date,
            new_due_date=option.new_due_date,
            fee=option.fee,
        )
        self.instalments = [
            dataclasses.replace(i, due_date=option.new_due_date, extensions_used=1)
            if i.id == instalment_id
            else i
            for i in self.instalments
        ]
        return self._remember("extend_instalment", idempotency_key, extension)

    # ---- payments

    def pay_instalment(
        self, customer_id: str, instalment_id: str, *, idempotency_key: str
    ) -> Payment:
        """Pays an instalment plus its late fee."""
        self._enter("pay_instalment", customer_id, instalment_id, idempotency_key=idempotency_key)
        replay = self._replay("pay_instalment", idempotency_key)
        if replay is not None:
            return replay
        target = self._instalment(customer_id, instalment_id)
        if target.status == "paid":
            raise RuleViolation(
                "This instalment is already paid.", code="already_paid", status_code=409
            )
        paid = payment(
            id=f"PAY-{len(self.payments) + 100}",
            order_id=target.order_id,
            merchant=target.merchant_name,
            amount=str(target.amount.amount + target.late_fee.amount),
            currency=target.amount.currency,
            created_at=NOW,
        )
        self.payments.insert(0, paid)
        self.instalments = [
            dataclasses.replace(i, status="paid") if i.id == instalment_id else i
            for i in self.instalments
        ]
        return self._remember("pay_instalment", idempotency_key, paid)

    def list_payments(
        self, customer_id: str, status: str | None = None, limit: int | None = None
    ) -> list[Payment]:
        """Payments, newest first."""
        self._enter("list_payments", customer_id, status=status, limit=limit)
        found = [p for p in self.payments if status is None or p.status == status]
        found = found if self._mine(customer_id) else []
        return found[:limit] if limit is not None else found

    def get_payment(self, customer_id: str, payment_id: str) -> Payment:
        """One payment."""
        self._enter("get_payment", customer_id, payment_id)
        return self._payment(customer_id, payment_id)

    def list_duplicate_charges(self, customer_id: str) -> list[DuplicateCharge]:
        """Unrefunded duplicate charges."""
        self._enter("list_duplicate_charges", customer_id)
        return list(self.duplicates) if self._mine(customer_id) else []

    def refund_duplicate_charge(
        self, customer_id: str, payment_id: str, *, idempotency_key: str
    ) -> Refund:
        """Refunds the duplicate of another payment."""
        self._enter(
            "refund_duplicate_charge", customer_id, payment_id, idempotency_key=idempotency_key
        )
        replay = self._replay("refund_duplicate_charge", idempotency_key)
        if replay is not None:
            return replay
        match = next((d for d in self.duplicates if d.duplicate.id == payment_id), None)
        if match is None or not self._mine(customer_id):
            raise RuleViolation(
                "That payment is not a duplicate.", code="not_a_duplicate", status_code=422
            )
        self.duplicates.remove(match)
        created = refund(
            id=f"RF-{len(self.refunds) + 100}",
            order_id=match.duplicate.order_id,
            amount=match.duplicate.amount.amount_text(),
            currency=match.duplicate.amount.currency,
            reason="duplicate_charge",
        )
        self.refunds.insert(0, created)
        return self._remember("refund_duplicate_charge", idempotency_key, created)

    def open_dispute(
        self, customer_id: str, payment_id: str, reason: str, *, idempotency_key: str
    ) -> Dispute:
        """Disputes one of the customer's payments."""
        self._enter(
            "open_dispute", customer_id, payment_id, reason, idempotency_key=idempotency_key
        )
        replay = self._replay("open_dispute", idempotency_key)
        if replay is not None:
            return replay
        self._payment(customer_id, payment_id)
        if payment_id in self.disputed_payment_ids:
            raise RuleViolation(
                "A dispute is already open.", code="dispute_exists", status_code=409
            )
        self.disputed_payment_ids.append(payment_id)
        created = Dispute(
            id=f"DSP-{len(self.disputed_payment_ids)}",
            payment_id=payment_id,
            reason=reason,
            status="open",
            created_at=NOW,
        )
        return self._remember("open_dispute", idempotency_key, created)

    # ---- orders, refunds and returns

    def list_orders(
        self, customer_id: str, status: str | None = None, limit: int | None = None
    ) -> list[Order]:
        """Orders, newest first."""
        self._enter("list_orders", customer_id, status=status, limit=limit)
        found = [o for o in self.orders if status is None or o.status == status]
        found = found if self._mine(customer_id) else []
        return found[:limit] if limit is not None else found

    def get_order(self, customer_id: str, order_ref: str) -> Order:
        """One order, by its reference as typed (`KL-482913`, `#482913`)."""
        self._enter("get_order", customer_id, order_ref)
        return self._order(customer_id, order_ref)

    def get_refund_eligibility(self, customer_id: str, order_ref: str) -> RefundEligibility:
        """The configured eligibility, or one derived from the order's status."""
        self._enter("get_refund_eligibility", customer_id, order_ref)
        return self._eligibility(customer_id, order_ref)

    def create_refund(
        self,
        customer_id: str,
        order_id: str,
        amount: Money,
        reason: str,
        *,
        idempotency_key: str,
    ) -> Refund:
        """Refunds (part of) an order, applying the refund rules."""
        self._enter(
            "create_refund", customer_id, order_id, amount, reason, idempotency_key=idempotency_key
        )
        replay = self._replay("create_refund", idempotency_key)
        if replay is not None:
            return replay
        if not isinstance(amount, Money) or not isinstance(amount.amount, Decimal):
            raise AssertionError(f"refund amount must be Money with a Decimal: {amount!r}")
        rules = self._eligibility(customer_id, order_id)
        if not rules.eligible:
            raise RuleViolation(
                rules.reason or "Not refundable.",
                code=rules.reason_code or "not_refundable",
                status_code=409,
                details={"window_days": rules.window_days},
            )
        if amount.currency != rules.refundable.currency:
            raise RuleViolation("Wrong currency.", code="currency_mismatch", status_code=422)
        if amount.amount <= 0:
            raise RuleViolation("Invalid amount.", code="invalid_amount", status_code=422)
        if amount.amount > rules.refundable.amount:
            raise RuleViolation(
                "More than refundable.", code="amount_exceeds_refundable", status_code=422
            )
        created = Refund(
            id=f"RF-{len(self.refunds) + 100}",
            order_id=rules.order_id,
            amount=amount,
            status="pending",
            reason=reason,
            created_at=NOW,
            expected_by=TODAY + dt.timedelta(days=7),
            completed_at=None,
        )
        self.refunds.insert(0, created)
        return self._remember("create_refund", idempotency_key, created)

    def list_refunds(self, customer_id: str, order_id: str | None = None) -> list[Refund]:
        """Refunds, newest first, optionally of one order."""
        self._enter("list_refunds", customer_id, order_id=order_id)
        if order_id is not None:
            order_id = self._order(customer_id, order_id).id
        found = self.refunds if self._mine(customer_id) else []
        return [r for r in found if order_id is None or r.order_id == order_id]

    def cancel_order(self, customer_id: str, order_ref: str, *, idempotency_key: str) -> Order:
        """Cancels an order not yet shipped."""
        self._enter("cancel_order", customer_id, order_ref, idempotency_key=idempotency_key)
        replay = self._replay("cancel_order", idempotency_key)
        if replay is not None:
            return replay
        found = self._order(customer_id, order_ref)
        if found.status == "cancelled":
            raise RuleViolation(
                "Already cancelled.", code="order_already_cancelled", status_code=409
            )
        if found.status != "placed":
            raise RuleViolation("Already shipped.", code="order_already_shipped", status_code=409)
        cancelled = dataclasses.replace(found, status="cancelled")
        self._replace_order(cancelled)
        return self._remember("cancel_order", idempotency_key, cancelled)

    def report_return(
        self, customer_id: str, order_ref: str, reason: str, *, idempotency_key: str
    ) -> Return:
        """Registers a return of a delivered order and pauses its payments."""
        self._enter(
            "report_return", customer_id, order_ref, reason, idempotency_key=idempotency_key
        )
        replay = self._replay("report_return", idempotency_key)
        if replay is not None:
            return replay
        found = self._order(customer_id, order_ref)
        if found.status == "returned" or found.return_status is not None:
            raise RuleViolation("A return exists.", code="return_exists", status_code=409)
        if found.status != "delivered":
            raise RuleViolation("Not delivered.", code="order_not_delivered", status_code=409)
        paused_until = TODAY + dt.timedelta(days=21)
        self._replace_order(
            dataclasses.replace(
                found,
                status="returned",
                return_status="reported",
                payments_paused_until=paused_until,
            )
        )
        created = Return(
            id="RET-1",
            order_id=found.id,
            status="reported",
            created_at=NOW,
            payments_paused_until=paused_until,
        )
        return self._remember("report_return", idempotency_key, created)

    # ---- fees, invoices and payment methods

    def list_fees(self, customer_id: str) -> list[Fee]:
        """Fees charged to the customer."""
        self._enter("list_fees", customer_id)
        return list(self.fees) if self._mine(customer_id) else []

    def list_invoices(self, customer_id: str, order_id: str | None = None) -> list[Invoice]:
        """Invoices, optionally of one order (an unknown order is `NotFound`)."""
        self._enter("list_invoices", customer_id, order_id=order_id)
        if order_id is not None:
            order_id = self._order(customer_id, order_id).id
        found = self.invoices if self._mine(customer_id) else []
        return [i for i in found if order_id is None or i.order_id == order_id]

    def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's masked payment methods."""
        self._enter("list_payment_methods", customer_id)
        return list(self.payment_methods) if self._mine(customer_id) else []

    def create_payment_update_link(self, customer_id: str, *, idempotency_key: str) -> UpdateLink:
        """A single-use page to change the payment method."""
        self._enter("create_payment_update_link", customer_id, idempotency_key=idempotency_key)
        replay = self._replay("create_payment_update_link", idempotency_key)
        if replay is not None:
            return replay
        link = UpdateLink(
            url=f"https://pay.example.com/update/{len(self._replies) + 1}",
            expires_at=NOW + dt.timedelta(minutes=30),
        )
        return self._remember("create_payment_update_link", idempotency_key, link)

    # ---- public catalogue

    def list_supported_payment_methods(self) -> list[SupportedPaymentMethod]:
        """The payment method kinds customers can use."""
        self._enter("list_supported_payment_methods")
        return list(self.supported_payment_methods)

    def find_merchants(self, name: str) -> list[Merchant]:
        """Merchants whose name contains `name`, ignoring case."""
        self._enter("find_merchants", name)
        return [m for m in self.merchants if name.lower() in m.name.lower()]

    def get_refund_policy(self, merchant_id: str) -> RefundPolicy:
        """A merchant's refund policy."""
        self._enter("get_refund_policy", merchant_id)
        if merchant_id not in self.refund_policies:
            raise NotFound(f"No merchant {merchant_id}.", status_code=404)
        return self.refund_policies[merchant_id]

    def get_fee_policy(self) -> FeePolicy:
        """The public fee schedule."""
        self._enter("get_fee_policy")
        return self.fee_policy

    # ---- visitor verification

    def start_verification(self, email: str, *, idempotency_key: str) -> None:
        """Sends a code to an account's e-mail; an unknown e-mail gets a decoy, silently.

        Like the backend, an unknown e-mail gets a pending code that never
        matches, so no answer tells whether an account exists.
        """
        self._enter("start_verification", email, idempotency_key=idempotency_key)
        self._replay("start_verification", idempotency_key)
        self.pending_codes[email] = self.code_attempts
        if email in self.accounts:
            self.outbox.append(
                OutboundMessage(
                    id=len(self.outbox) + 1,
                    channel="email",
                    recipient=email,
                    subject="Your verification code",
                    body=f"Your code is {self.verification_code}.",
                    created_at=NOW,
                )
            )

    def confirm_verification(
        self, email: str, code: str, *, idempotency_key: str
    ) -> LoginResult:
        """Checks the code sent to `email`; the right one logs its account in."""
        self._enter("confirm_verification", email, code, idempotency_key=idempotency_key)
        replay = self._replay("confirm_verification", idempotency_key)
        if replay is not None:
            return replay
        if email not in self.pending_codes:
            raise RuleViolation("No code is pending.", code="no_pending_code", status_code=422)
        if code != self.verification_code or email not in self.accounts:
            self.pending_codes[email] -= 1
            left = self.pending_codes[email]
            if left <= 0:
                del self.pending_codes[email]
                raise RuleViolation(
                    "Too many wrong codes.", code="too_many_attempts", status_code=429
                )
            raise RuleViolation(
                "Wrong code.",
                code="invalid_code",
                status_code=422,
                details={"attempts_left": left},
            )
        del self.pending_codes[email]
        login = LoginResult(
            customer_id=self.accounts[email],
            token="header.claims.signature",
            expires_at=NOW + dt.timedelta(minutes=15),
        )
        return self._remember("confirm_verification", idempotency_key, login)

    def read_dev_outbox(self, recipient: str) -> list[OutboundMessage]:
        """The e-mails sent to `recipient`, newest first."""
        self._enter("read_dev_outbox", recipient)
        return [m for m in reversed(self.outbox) if m.recipient == recipient]


#: The client methods the fake implements (the ones the actions use).
CLIENT_METHODS = sorted(
    name
    for name, value in vars(FakeBackendClient).items()
    if callable(value)
    and not name.startswith("_")
    and name not in {"fail", "fail_everything", "calls_of"}
)
#: The methods that change something; each takes an idempotency key.
WRITE_METHODS = {
    "extend_instalment",
    "pay_instalment",
    "refund_duplicate_charge",
    "open_dispute",
    "create_refund",
    "cancel_order",
    "report_return",
    "create_payment_update_link",
    "start_verification",
    "confirm_verification",
}


def customer_data() -> FakeBackendClient:
    """A fake backend holding a typical customer: orders in every status, a plan, payments."""
    return FakeBackendClient(
        instalments=[
            instalment(id="INS-1", sequence=2, due_date=dt.date(2025, 3, 14)),
            instalment(id="INS-2", sequence=3, due_date=dt.date(2025, 4, 14)),
        ],
        extension_options={
            "INS-1": extension_options("INS-1", due_date=dt.date(2025, 3, 14)),
            "INS-2": extension_options("INS-2", due_date=dt.date(2025, 4, 14)),
        },
        payments=[
            payment(
                id="PAY-2", amount="40.00", created_at=dt.datetime(2025, 3, 1, 10, tzinfo=UTC)
            ),
            payment(
                id="PAY-1",
                order_id="KL-100001",
                merchant="Urban Outfit",
                amount="25.00",
                created_at=dt.datetime(2025, 2, 1, 10, tzinfo=UTC),
            ),
        ],
        orders=[
            order("KL-100005", "placed", total="59.00", merchant="Lamp Shop", merchant_id="M-3"),
            order("KL-100004", "shipped", total="19.99", merchant="Book Nook", merchant_id="M-4"),
            order(id="KL-482913", status="delivered", total="89.90"),
            order(
                id="KL-100002",
                status="returned",
                total="120.00",
                return_status="reported",
                payments_paused_until=dt.date(2025, 3, 30),
            ),
            order("KL-100001", "cancelled", "25.00", merchant="Urban Outfit", merchant_id="M-2"),
        ],
        payment_methods=[
            payment_method(),
            payment_method("PM-2", "bank_account", brand=None, last4="1234", is_default=False),
        ],
        merchants=[Merchant("M-1", "Nordic Shoes"), Merchant("M-2", "Urban Outfit")],
        refund_policies={
            "M-1": refund_policy(),
            "M-2": refund_policy("M-2", "Urban Outfit", window_days=14, refund_days=10),
        },
    )


# --------------------------------------------------------------------------- handoff


def handoff_config(
    disabled: Sequence[str] = (), thresholds: Optional[Dict[str, int]] = None
) -> HandoffConfig:
    """The triggers: all enabled with the default thresholds, except what is given."""
    thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    return HandoffConfig(
        tuple(
            HandoffTrigger(reason, reason not in disabled, thresholds.get(reason))
            for reason in REASONS
        )
    )


def handoff_settings(
    disabled: Sequence[str] = (), thresholds: Optional[Dict[str, int]] = None, **kwargs: Any
) -> Settings:
    """Settings whose triggers are `handoff_config(disabled, thresholds)`."""
    return Settings(handoff=handoff_config(disabled, thresholds), **kwargs)


def write_handoff_config(
    path: Path, disabled: Sequence[str] = (), thresholds: Optional[Dict[str, int]] = None
) -> Path:
    """Writes a `handoff.yml` like `handoff_config(disabled, thresholds)`; returns the path."""
    config = handoff_config(disabled, thresholds)
    triggers: Dict[str, Any] = {}
    for trigger in config.triggers:
        entry: Dict[str, Any] = {"enabled": trigger.enabled}
        if trigger.threshold is not None:
            entry["threshold"] = trigger.threshold
        triggers[trigger.reason] = entry
    path.write_text(yaml.safe_dump({"triggers": triggers}), encoding="utf-8")
    return path


def handoff_events(reason: str) -> List[Dict[str, Any]]:
    """The events with which an action queues `action_handoff` for `reason`."""
    return [
        {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": reason},
        {"event": "followup", "timestamp": None, "name": "action_handoff"},
    ]


def cut_after_commit(backend: "FakeBackendClient", method: str) -> None:
    """Makes the next call of `method` take effect, then fail like a cut connection.

    The backend committed, the answer never arrived: the client raises
    `BackendUnavailable`. Later calls behave normally (and replay by key).
    """
    original = getattr(backend, method)

    def committed_then_cut(*args: Any, **kwargs: Any) -> Any:
        setattr(backend, method, original)
        original(*args, **kwargs)
        raise BackendUnavailable(f"connection cut after {method} committed")

    setattr(backend, method, committed_then_cut)


def backend_handoff_events(error: Optional[BaseException] = None) -> List[Dict[str, Any]]:
    """What an action adds after a backend error: the handoff, when it was unavailable."""
    if error is not None and not isinstance(error, BackendUnavailable):
        return []
    return handoff_events("backend_unavailable")


def backend_handoff_slots(error: Optional[BaseException] = None) -> Dict[str, Any]:
    """The slots `backend_handoff_events(error)` sets."""
    return {e["name"]: e["value"] for e in backend_handoff_events(error) if e["event"] == "slot"}


def rejected(slot: str, count: int = 1) -> Dict[str, Any]:
    """The `form_rejections` slot after `count` rejected answers for `slot` in a row."""
    return {"form_rejections": {"slot": slot, "count": count}}


def receipt(
    ticket_id: str = "T-1A2B3C4D",
    status: str = "waiting",
    created: bool = True,
    queue_position: int = 2,
    expected_wait_minutes: int = 6,
    desk_open: bool = True,
    next_open_at: Optional[dt.datetime] = None,
) -> TicketReceipt:
    """The desk's answer to opening a ticket."""
    return TicketReceipt(
        ticket_id=ticket_id,
        status=status,
        created=created,
        queue_position=queue_position,
        expected_wait_minutes=expected_wait_minutes,
        desk_open=desk_open,
        next_open_at=next_open_at,
    )


@dataclass(frozen=True)
class DeskCall:
    """One `open_ticket` call of the fake desk."""

    request: TicketRequest
    idempotency_key: str
    thread_id: int


@dataclass
class FakeAgentDesk(AgentDesk):
    """An in-memory agent desk: one ticket per idempotency key, like the real one.

    `errors` are raised, first to last, by the next calls (one each); after
    them the desk answers. Every call is recorded with its thread.
    """

    answer: TicketReceipt = field(default_factory=receipt)
    errors: List[Exception] = field(default_factory=list)
    calls: List[DeskCall] = field(default_factory=list)
    tickets: Dict[str, TicketReceipt] = field(default_factory=dict)

    def open_ticket(self, request: TicketRequest, idempotency_key: str) -> TicketReceipt:
        """Opens a ticket, or returns the one of the same key."""
        self.calls.append(DeskCall(request, idempotency_key, threading.get_ident()))
        if self.errors:
            raise self.errors.pop(0)
        if idempotency_key in self.tickets:
            return dataclasses.replace(self.tickets[idempotency_key], created=False)
        ticket = dataclasses.replace(self.answer, ticket_id=f"T-{len(self.tickets) + 1:08X}")
        self.tickets[idempotency_key] = ticket
        return ticket

    def status(self) -> DeskStatus:
        """The desk's state."""
        return DeskStatus(
            desk_open=self.answer.desk_open,
            next_open_at=self.answer.next_open_at,
            waiting=len(self.tickets),
            agents_online=1,
        )


# --------------------------------------------------------------------------- tracker


def user_event(
    intent: str = "inform",
    text: str = "",
    timestamp: float = 1000.0,
    message_id: Optional[str] = None,
) -> Dict[str, Any]:
    """A `user` event as Rasa sends it to the action server."""
    return {
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "message_id": message_id,
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": []},
    }


def active_loop_event(name: Optional[str], timestamp: float = 1000.0) -> Dict[str, Any]:
    """An `active_loop` event: a form activated (or, with `None`, deactivated)."""
    return {"event": "active_loop", "timestamp": timestamp, "name": name}


def slot_event(name: str, value: Any, timestamp: float = 1000.0) -> Dict[str, Any]:
    """A `slot` event."""
    return {"event": "slot", "timestamp": timestamp, "name": name, "value": value}


def bot_event(timestamp: float = 1000.0) -> Dict[str, Any]:
    """A `bot` event (anything that is not a user message)."""
    return {"event": "bot", "timestamp": timestamp, "text": "..."}


def form_events(
    form: str, activated_at: float = 1000.0, message_id: str = "m-2"
) -> List[Dict[str, Any]]:
    """Events of one run of a form that just ended with the customer's last answer."""
    return [
        user_event("request", timestamp=activated_at - 1, message_id="m-1"),
        active_loop_event(form, activated_at),
        user_event("affirm", timestamp=activated_at + 10, message_id=message_id),
        active_loop_event(None, activated_at + 11),
    ]


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    text: str = "",
    customer_id: Optional[str] = CUSTOMER_ID,
    events: Optional[List[Dict[str, Any]]] = None,
    sender_id: str = SENDER_ID,
    active_loop: Optional[str] = None,
    metadata: Optional[Dict[str, Any]] = None,
    confidence: float = 1.0,
) -> Tracker:
    """A tracker whose latest message carries the verified customer (or none).

    Args:
        slots: Slot values.
        intent: Intent of the latest message.
        entities: Entities of the latest message.
        text: Text of the latest message.
        customer_id: The verified customer put in the metadata by the channel;
            `None` for an anonymous conversation.
        events: The conversation's events; defaults to one user event.
        sender_id: The conversation id.
        active_loop: The active form, if any.
        metadata: Metadata of the latest message, replacing the verified id.
        confidence: NLU's confidence in `intent` (a button press is 1.0).

    Returns:
        The tracker.
    """
    if metadata is None:
        metadata = {VERIFIED_CUSTOMER_KEY: customer_id} if customer_id else {}
    latest_message = {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
        "text": text,
        "metadata": metadata,
    }
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest_message,
        events=list(events) if events is not None else [user_event(intent, text)],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def validation_tracker(
    form: str,
    candidates: Optional[Dict[str, Any]] = None,
    slots: Optional[Dict[str, Any]] = None,
    requested_slot: Optional[str] = None,
    **kwargs: Any,
) -> Tracker:
    """The tracker a form sends its validation action: slot candidates come last.

    Args:
        form: The form.
        candidates: Slots the customer just filled (to validate).
        slots: Other slot values.
        requested_slot: The slot asked for; `None` when the form is activating.
        **kwargs: Passed to `make_tracker`.

    Returns:
        The tracker.
    """
    candidates = candidates or {}
    all_slots = {**(slots or {}), **candidates, "requested_slot": requested_slot}
    events = [user_event("inform"), active_loop_event(form)] + [
        slot_event(name, value) for name, value in candidates.items()
    ]
    return make_tracker(slots=all_slots, events=events, active_loop=form, **kwargs)


# --------------------------------------------------------------------------- running


@functools.lru_cache(maxsize=1)
def load_domain() -> Dict[str, Any]:
    """The bot's domain as a dict, as Rasa sends it to the action server."""
    with DOMAIN_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _strings(value: Any) -> List[str]:
    """Every string inside a custom payload (Rasa fills placeholders in it too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _placeholders(variation: Dict[str, Any]) -> set:
    texts = [variation.get("text") or ""] + _strings(variation.get("custom"))
    for button in variation.get("buttons") or []:
        texts += [str(button.get("title", "")), str(button.get("payload", ""))]
    return {name for text in texts for name in _PLACEHOLDER.findall(text)}


@dataclass
class Outcome:
    """What an action did: its replies and its events."""

    messages: List[Dict[str, Any]]
    events: List[Dict[str, Any]]

    @property
    def responses(self) -> List[Optional[str]]:
        """The response names sent, in order."""
        return [message.get("response") for message in self.messages]

    def message(self, response: str) -> Dict[str, Any]:
        """The one message sent with `response` (fails unless there is exactly one)."""
        found = [m for m in self.messages if m.get("response") == response]
        assert len(found) == 1, f"{response} sent {len(found)} times: {self.responses}"
        return found[0]

    @property
    def slots(self) -> Dict[str, Any]:
        """The slots the events set (the last value of each)."""
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}


def check_messages(messages: List[Dict[str, Any]], tracker: Tracker) -> None:
    """Checks that every reply is a domain response whose placeholders all get a value.

    Rasa fills `{placeholders}` from the message's arguments and the slots; one
    without a value reaches the customer as raw `{text}`.
    """
    responses = load_domain()["responses"]
    filled_slots = {name for name, value in tracker.slots.items() if value is not None}
    for message in messages:
        name = message.get("response")
        assert name in responses, f"response {name!r} is not in domain.yml"
        given = {key for key, value in message.items() if value is not None}
        for variation in responses[name]:
            missing = _placeholders(variation) - given - filled_slots
            assert not missing, f"{name}: no value for {sorted(missing)}"


def run_action(
    action: Action, tracker: Tracker, domain: Optional[Dict[str, Any]] = None
) -> Outcome:
    """Runs an async action like the action server and checks what it did.

    Besides running it, checks that its replies render (see `check_messages`) and
    that every backend call ran off the event loop's thread.

    Args:
        action: The action, built with a `FakeBackendClient` or without backend.
        tracker: The tracker.
        domain: The domain; `domain.yml` by default.

    Returns:
        The replies and events.
    """
    dispatcher = CollectingDispatcher()
    loop_threads: List[int] = []

    async def main() -> List[Dict[str, Any]]:
        loop_threads.append(threading.get_ident())
        return await action.run(dispatcher, tracker, domain or load_domain())

    client = getattr(action, "_client", None)
    calls_before = len(client.calls) if isinstance(client, FakeBackendClient) else 0
    desk = getattr(action, "_desk", None)
    desk_calls_before = len(desk.calls) if isinstance(desk, FakeAgentDesk) else 0
    events = asyncio.run(main())
    check_messages(dispatcher.messages, tracker)
    if isinstance(desk, FakeAgentDesk):
        for desk_call in desk.calls[desk_calls_before:]:
            assert desk_call.thread_id != loop_threads[0], "the desk call blocked the event loop"
    if isinstance(client, FakeBackendClient):
        for call in client.calls[calls_before:]:
            assert call.thread_id != loop_threads[0], f"{call.method} blocked the event loop"
    return Outcome(messages=dispatcher.messages, events=list(events))

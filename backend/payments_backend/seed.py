"""Demo data, dated relative to the day it is loaded so every journey stays valid.

See ``backend/README.md`` for which customer and order covers which journey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from payments_backend import models, rules
from payments_backend.money import to_minor
from payments_backend.security import hash_password

DEMO_PASSWORD = "demo"


@cache
def _demo_password_hash(customer_id: str) -> str:
    # Cached per process: scrypt is deliberately slow and tests reseed often.
    return hash_password(DEMO_PASSWORD)


@dataclass(frozen=True)
class Item:
    """An order line to seed."""

    name: str
    quantity: int
    unit_price: str


class _Seeder:
    """Writes demo rows with ids and dates relative to ``now``."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.today = now.date()
        self._payment_seq = 0
        self.default_method: dict[str, str] = {}

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
        """A timestamp ``days_ago`` days before today (negative: in the future)."""
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=UTC)

    def day(self, days_ago: int) -> date:
        """A date ``days_ago`` days before today (negative: in the future)."""
        return self.today - timedelta(days=days_ago)

    def expiry(self, years_from_now: int, month: int) -> str:
        """A card expiry ``MM/YY``."""
        return f"{month:02d}/{(self.today.year + years_from_now) % 100:02d}"

    def merchant(
        self,
        merchant_id: str,
        name: str,
        descriptor: str,
        window: int,
        refund: int,
        conditions: str,
    ) -> None:
        self.session.add(
            models.Merchant(
                id=merchant_id,
                name=name,
                statement_descriptor=descriptor,
                window_days=window,
                refund_days=refund,
                conditions=conditions,
            )
        )

    def customer(self, customer_id: str, name: str, email: str) -> None:
        self.session.add(
            models.Customer(
                id=customer_id,
                name=name,
                email=email,
                password_hash=_demo_password_hash(customer_id),
                language="en",
                currency="EUR",
            )
        )

    def method(
        self,
        method_id: str,
        customer_id: str,
        brand: str,
        last4: str,
        expires: str,
        is_default: bool,
    ) -> None:
        self.session.add(
            models.PaymentMethod(
                id=method_id,
                customer_id=customer_id,
                kind="card",
                brand=brand,
                last4=last4,
                expires=expires,
                is_default=is_default,
            )
        )
        if is_default:
            self.default_method[customer_id] = method_id

    def order(
        self,
        order_id: str,
        customer_id: str,
        merchant_id: str,
        status: str,
        items: list[Item],
        created: int,
        shipped: int | None = None,
        delivered: int | None = None,
        instalments: int = 4,
        interval_days: int = 14,
        first_due_after: int = 0,
        paid: int = 1,
    ) -> list[models.Instalment]:
        """Seed an order with its plan; the first ``paid`` instalments are paid."""
        total = sum((Decimal(i.unit_price) * i.quantity for i in items), Decimal("0"))
        order = models.Order(
            id=order_id,
            customer_id=customer_id,
            merchant_id=merchant_id,
            status=status,
            currency="EUR",
            total_minor=to_minor(total),
            created_at=self.at(created, 9, 30),
            shipped_at=self.at(shipped, 15) if shipped is not None else None,
            delivered_at=self.at(delivered, 12) if delivered is not None else None,
            cancelled_at=None,
        )
        order.items = [
            models.OrderItem(
                position=index,
                name=item.name,
                quantity=item.quantity,
                unit_price_minor=to_minor(Decimal(item.unit_price)),
            )
            for index, item in enumerate(items, start=1)
        ]
        self.session.add(order)
        digits = order_id.split("-")[1]
        plan = models.PaymentPlan(
            id=f"PL-{digits}",
            order_id=order_id,
            customer_id=customer_id,
            instalment_count=instalments,
        )
        self.session.add(plan)
        rows = []
        for sequence, amount in enumerate(
            rules.split_into_instalments(total, instalments), start=1
        ):
            due_days_ago = created - first_due_after - (sequence - 1) * interval_days
            row = models.Instalment(
                id=f"IN-{digits}-{sequence}",
                plan_id=plan.id,
                sequence=sequence,
                due_date=self.day(due_days_ago),
                amount_minor=to_minor(amount),
                currency="EUR",
                state=rules.UNPAID,
            )
            rows.append(row)
            self.session.add(row)
            if sequence <= paid:
                row.state = rules.PAID
                row.paid_at = self.at(due_days_ago, 10)
                self.session.flush()
                self.payment(customer_id, order_id, row.id, amount, row.paid_at)
        if shipped is not None and status != rules.ORDER_CANCELLED:
            self.session.add(
                models.Invoice(
                    id=f"INV-{digits}",
                    number=f"{self.day(shipped).year}-{digits}",
                    customer_id=customer_id,
                    order_id=order_id,
                    amount_minor=to_minor(total),
                    currency="EUR",
                    issued_on=self.day(shipped),
                )
            )
        self.session.flush()
        return rows

    def payment(
        self,
        customer_id: str,
        order_id: str,
        instalment_id: str | None,
        amount: Decimal,
        created_at: datetime,
        status: str = rules.SUCCEEDED,
        method_id: str | None = None,
        decline: str | None = None,
    ) -> str:
        """Seed a charge; returns its id."""
        self._payment_seq += 1
        payment_id = f"PAY-{customer_id[1:]}{self._payment_seq:02d}"
        self.session.add(
            models.Payment(
                id=payment_id,
                customer_id=customer_id,
                order_id=order_id,
                instalment_id=instalment_id,
                method_id=method_id or self.default_method[customer_id],
                amount_minor=to_minor(amount),
                currency="EUR",
                status=status,
                decline_reason=decline,
                decline_message=rules.decline_message(decline) if decline else None,
                receipt_number=(
                    f"RCPT-{customer_id[1:]}{self._payment_seq:02d}"
                    if status != rules.DECLINED
                    else None
                ),
                created_at=created_at,
            )
        )
        self.session.flush()
        return payment_id

    def refund(
        self,
        refund_id: str,
        customer_id: str,
        order_id: str,
        kind: str,
        amount: str,
        status: str,
        reason: str,
        created: int,
        refund_days: int,
        completed: int | None = None,
        payment_id: str | None = None,
    ) -> None:
        self.session.add(
            models.Refund(
                id=refund_id,
                customer_id=customer_id,
                order_id=order_id,
                payment_id=payment_id,
                kind=kind,
                amount_minor=to_minor(Decimal(amount)),
                currency="EUR",
                status=status,
                reason=reason,
                created_at=self.at(created, 11),
                expected_by=self.day(created - refund_days),
                completed_at=self.at(completed, 8) if completed is not None else None,
            )
        )


def _merchants(s: _Seeder) -> None:
    s.merchant(
        "M-1001",
        "Nordic Threads",
        "NTH*NORDICTHREADS",
        30,
        5,
        "Unworn clothing with the tags attached can be returned within 30 days of "
        "delivery. Underwear and swimwear cannot be returned.",
    )
    s.merchant(
        "M-1002",
        "Casa Verde Living",
        "CASAVERDE LIVING",
        14,
        10,
        "Home goods in their original packaging can be returned within 14 days of "
        "delivery. Made-to-order furniture is excluded.",
    )
    s.merchant(
        "M-1003",
        "Alpine Outfitters",
        "ALPINE*OUTFITTERS",
        60,
        7,
        "Unused outdoor gear can be returned within 60 days of delivery. Footwear "
        "that has been worn outside cannot be returned.",
    )
    s.merchant(
        "M-1004",
        "Lumen Electronics",
        "LUMEN ELEC WEBSHOP",
        14,
        7,
        "Electronics can be returned within 14 days of delivery if unopened, or if "
        "faulty. Opened software and headphones are excluded for hygiene reasons.",
    )


def _ada(s: _Seeder) -> None:
    """Seed C1001 Ada.

    Refundable order, expired window, cancellable and shipped orders, pending partial
    refund, duplicate charge, extensible instalment, an extension fee.
    """
    s.customer("C1001", "Ada Lovelace", "ada@example.com")
    s.method("PM-1001", "C1001", "Visa", "4242", s.expiry(3, 12), True)
    s.order(
        "KL-482913",
        "C1001",
        "M-1001",
        rules.DELIVERED,
        [
            Item("Merino wool sweater", 1, "89.95"),
            Item("Organic cotton T-shirt", 2, "24.50"),
            Item("Wool socks (3-pack)", 1, "19.90"),
        ],
        created=10,
        shipped=8,
        delivered=6,
    )
    s.order(
        "KL-377204",
        "C1001",
        "M-1002",
        rules.DELIVERED,
        [Item("Linen tablecloth", 1, "59.00"), Item("Ceramic vase", 1, "34.50")],
        created=50,
        shipped=47,
        delivered=40,
        instalments=1,
    )
    s.order(
        "KL-519067",
        "C1001",
        "M-1004",
        rules.PLACED,
        [Item("Wireless earbuds", 1, "79.00")],
        created=1,
    )
    s.order(
        "KL-604528",
        "C1001",
        "M-1003",
        rules.SHIPPED,
        [Item("Trail running shoes", 1, "129.00")],
        created=3,
        shipped=1,
    )
    # Pay in 30 days, already extended once by 7 days (fee added to the instalment).
    [later] = s.order(
        "KL-731846",
        "C1001",
        "M-1001",
        rules.DELIVERED,
        [Item("Rain jacket", 1, "119.00"), Item("Beanie", 1, "25.00")],
        created=16,
        shipped=12,
        delivered=9,
        instalments=1,
        first_due_after=30,
        paid=0,
    )
    s.session.add(
        models.Extension(
            id="EXT-100001",
            plan_id=later.plan_id,
            instalment_id=later.id,
            days=7,
            old_due_date=later.due_date,
            new_due_date=later.due_date + timedelta(days=7),
            fee_minor=195,
            currency="EUR",
            created_at=s.at(3, 18),
        )
    )
    later.due_date += timedelta(days=7)
    later.amount_minor += 195
    s.refund(
        "RF-100001",
        "C1001",
        "KL-731846",
        "order",
        "25.00",
        "pending",
        "The beanie did not fit",
        created=2,
        refund_days=5,
    )
    # Charged twice three minutes apart for the same instalment.
    [bottle] = s.order(
        "KL-258391",
        "C1001",
        "M-1003",
        rules.DELIVERED,
        [Item("Insulated water bottle", 1, "34.90")],
        created=25,
        shipped=23,
        delivered=20,
        instalments=1,
    )
    s.payment("C1001", "KL-258391", bottle.id, Decimal("34.90"), s.at(25, 10, 3))


def _ben(s: _Seeder) -> None:
    """Seed C1002 Ben.

    Overdue instalment with late fee, declined payments, refunded and cancelled orders,
    a charge under a different statement name, an order to report a return for.
    """
    s.customer("C1002", "Ben Okafor", "ben@example.com")
    s.method("PM-2001", "C1002", "Mastercard", "5454", s.expiry(2, 8), True)
    s.method("PM-2002", "C1002", "Visa", "1881", s.expiry(-1, 1), False)
    rows = s.order(
        "KL-845120",
        "C1002",
        "M-1002",
        rules.DELIVERED,
        [Item("Bedside lamp", 2, "32.00"), Item("Cotton throw blanket", 1, "64.00")],
        created=45,
        shipped=43,
        delivered=40,
        paid=2,
    )
    overdue = rows[2]  # due 17 days ago: past the grace period, carries the late fee
    s.payment(
        "C1002",
        "KL-845120",
        overdue.id,
        Decimal("32.00"),
        s.at(17, 8),
        status=rules.DECLINED,
        decline="insufficient_funds",
    )
    s.payment(
        "C1002",
        "KL-845120",
        overdue.id,
        Decimal("32.00"),
        s.at(16, 19, 42),
        status=rules.DECLINED,
        method_id="PM-2002",
        decline="card_expired",
    )
    s.order(
        "KL-903317",
        "C1002",
        "M-1004",
        rules.RETURNED,
        [Item("Bluetooth speaker", 1, "49.99")],
        created=24,
        shipped=22,
        delivered=20,
        instalments=1,
    )
    s.session.add(
        models.Return(
            id="RT-200001",
            customer_id="C1002",
            order_id="KL-903317",
            reason="Speaker crackles at high volume",
            status="completed",
            created_at=s.at(18, 14),
            payments_paused_until=s.day(18 - 21),
        )
    )
    s.refund(
        "RF-200001",
        "C1002",
        "KL-903317",
        "order",
        "49.99",
        "completed",
        "Returned: speaker crackles at high volume",
        created=15,
        refund_days=7,
        completed=11,
    )
    cancelled_rows = s.order(
        "KL-120458",
        "C1002",
        "M-1001",
        rules.ORDER_CANCELLED,
        [Item("Denim jacket", 1, "95.00")],
        created=8,
    )
    cancelled = s.session.get(models.Order, "KL-120458")
    assert cancelled is not None
    cancelled.cancelled_at = s.at(7, 16)
    for row in cancelled_rows[1:]:
        row.state = rules.CANCELLED
    first_charge = s.session.scalar(
        select(models.Payment).where(models.Payment.order_id == "KL-120458")
    )
    assert first_charge is not None
    first_charge.status = rules.REFUNDED
    s.refund(
        "RF-200002",
        "C1002",
        "KL-120458",
        "cancellation",
        "23.75",
        "completed",
        "Order cancelled before shipping",
        created=7,
        refund_days=5,
        completed=3,
        payment_id=first_charge.id,
    )
    # Shows on the bank statement as NTH*NORDICTHREADS, not "Nordic Threads".
    s.order(
        "KL-667290",
        "C1002",
        "M-1001",
        rules.DELIVERED,
        [Item("Leather belt", 1, "45.00")],
        created=9,
        shipped=7,
        delivered=5,
        instalments=1,
    )
    s.order(
        "KL-358742",
        "C1002",
        "M-1003",
        rules.DELIVERED,
        [Item("Hiking backpack 40L", 1, "149.00")],
        created=6,
        shipped=4,
        delivered=2,
    )


def _chen(s: _Seeder) -> None:
    """Seed C1003 Chen: everything paid, one delivered order."""
    s.customer("C1003", "Chen Wei", "chen@example.com")
    s.method("PM-3001", "C1003", "American Express", "0005", s.expiry(4, 5), True)
    s.order(
        "KL-290615",
        "C1003",
        "M-1003",
        rules.DELIVERED,
        [Item("Camping stove", 1, "72.00")],
        created=50,
        shipped=48,
        delivered=45,
        paid=4,
    )


def seed_demo_data(session: Session, now: datetime) -> None:
    """Write the demo merchants, customers, orders and payments.

    Args:
        session: An open session on a migrated, empty database.
        now: The current instant; every date is relative to it.
    """
    seeder = _Seeder(session, now)
    _merchants(seeder)
    for customer in (_ada, _ben, _chen):
        customer(seeder)
    session.commit()


def seed_if_empty(session_factory: sessionmaker[Session], now: datetime) -> bool:
    """Seed the demo data unless the database already has customers.

    Args:
        session_factory: Session factory of the migrated database.
        now: The current instant.

    Returns:
        True when data was written.
    """
    with session_factory() as session:
        if session.scalar(select(models.Customer.id).limit(1)) is not None:
            return False
        seed_demo_data(session, now)
        return True

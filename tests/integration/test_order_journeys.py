"""Cancelling orders and reporting returns."""

from __future__ import annotations

from tests.integration.journey import Conversation, backend_client, format_date

ADA, BEN = "ada@example.com", "ben@example.com"


def _order_in(stack, email, status):
    customer = stack.customer_id(email)
    return next(o for o in backend_client(stack).list_orders(customer) if o.status == status)


def test_cancel_an_order_that_has_not_shipped(stack):
    order = _order_in(stack, ADA, "placed")
    conversation = Conversation(stack, ADA)
    ask = conversation.say(f"please cancel order {order.id}")
    assert order.id in ask and order.merchant.name in ask
    assert f"Order {order.id} is cancelled" in conversation.say("yes, go ahead")
    assert backend_client(stack).get_order(stack.customer_id(ADA), order.id).status == "cancelled"


def test_shipped_order_cannot_be_cancelled(stack):
    order = _order_in(stack, ADA, "shipped")
    reply = Conversation(stack, ADA).say(f"cancel my order {order.id}")
    assert "already shipped" in reply
    assert backend_client(stack).get_order(stack.customer_id(ADA), order.id).status == "shipped"


def test_report_a_return_pauses_payments(stack):
    order = _order_in(stack, BEN, "delivered")
    reply = Conversation(stack, BEN).say(f"I sent back order {order.id} yesterday")
    updated = backend_client(stack).get_order(stack.customer_id(BEN), order.id)
    assert updated.payments_paused_until is not None
    assert format_date(updated.payments_paused_until) in reply

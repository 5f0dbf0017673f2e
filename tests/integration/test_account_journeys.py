"""Account journeys over the REST webhook, checked against the seeded backend."""

from __future__ import annotations

from tests.integration.journey import Conversation, backend_client, format_date, format_money

ADA, BEN, CHEN = "ada@example.com", "ben@example.com", "chen@example.com"


def test_balance_shows_the_backend_figures(stack):
    customer = stack.customer_id(ADA)
    balance = backend_client(stack).get_balance(customer)
    reply = Conversation(stack, ADA).say("how much do I still owe you altogether?")
    assert format_money(balance.outstanding) in reply
    assert str(balance.open_plans) in reply


def test_overdue_balance_names_late_fees(stack):
    balance = backend_client(stack).get_balance(stack.customer_id(BEN))
    assert balance.overdue.amount > 0
    reply = Conversation(stack, BEN).say("what is my total balance")
    assert format_money(balance.overdue) in reply
    assert format_money(balance.late_fees) in reply


def test_next_payment_amount_and_date(stack):
    instalment = backend_client(stack).get_next_instalment(stack.customer_id(ADA))
    reply = Conversation(stack, ADA).say("when's my next instalment due?")
    assert format_money(instalment.amount) in reply
    assert format_date(instalment.due_date) in reply
    assert instalment.merchant_name in reply


def test_nothing_due_for_a_customer_who_paid_everything(stack):
    reply = Conversation(stack, CHEN).say("when is my next payment due")
    assert "no upcoming payments" in reply


def test_purchases_list_the_orders(stack):
    orders = backend_client(stack).list_orders(stack.customer_id(ADA), limit=5)
    reply = Conversation(stack, ADA).say("show me my recent purchases")
    for order in orders:
        assert order.id in reply
        assert format_money(order.total) in reply


def test_order_status_of_a_delivered_order(stack):
    customer = stack.customer_id(ADA)
    delivered = next(o for o in backend_client(stack).list_orders(customer) if o.status == "delivered")
    digits = delivered.id.split("-")[1]
    reply = Conversation(stack, ADA).say(f"where is my order #{digits}?")
    assert delivered.id in reply
    assert f"was delivered on {format_date(delivered.delivered_at)}" in reply


def test_order_status_without_an_order_offers_buttons(stack):
    conversation = Conversation(stack, ADA)
    conversation.say("has my package shipped yet")
    payloads = [button["payload"] for button in conversation.buttons()]
    assert payloads and all(p.startswith('/order_status{"order_id":') for p in payloads)
    reply = conversation.say(payloads[0])
    assert "Order KL-" in reply


def test_unknown_order_is_not_found(stack):
    reply = Conversation(stack, ADA).say("where is order KL-999999")
    assert "couldn't find an order KL-999999" in reply


def test_payment_status_of_the_latest_payment(stack):
    latest = backend_client(stack).list_payments(stack.customer_id(ADA), limit=1)[0]
    reply = Conversation(stack, ADA).say("did my last payment go through?")
    assert format_money(latest.amount) in reply
    assert latest.merchant_name in reply


def test_invoice_link(stack):
    customer = stack.customer_id(ADA)
    invoice = backend_client(stack).list_invoices(customer)[0]
    digits = invoice.order_id.split("-")[1]
    reply = Conversation(stack, ADA).say(f"can you send me the invoice for order {digits}")
    assert invoice.number in reply
    assert invoice.url in reply

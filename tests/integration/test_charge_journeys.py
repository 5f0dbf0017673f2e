"""Charges taken twice, charges not recognised, disputes and fraud."""

from __future__ import annotations

from tests.integration.journey import Conversation, backend_client, format_money

ADA, BEN = "ada@example.com", "ben@example.com"


def test_charged_twice_refunds_the_duplicate_once(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    duplicate = client.list_duplicate_charges(customer)[0].duplicate
    reply = Conversation(stack, ADA).say("you took the same payment twice from my card!!")
    assert format_money(duplicate.amount) in reply
    refund = client.list_refunds(customer, order_id=duplicate.order_id)[0]
    assert refund.id in reply
    assert client.list_duplicate_charges(customer) == []
    again = Conversation(stack, ADA).say("I was double charged")
    assert "don't see any charge taken twice" in again


def test_unrecognized_charge_then_dispute(stack):
    conversation = Conversation(stack, BEN)
    listing = conversation.say("there's a charge on my statement I don't recognise")
    payments = backend_client(stack).list_payments(
        stack.customer_id(BEN), status="succeeded", limit=3
    )
    for payment in payments:
        assert payment.id in listing
    dispute = next(b for b in conversation.buttons() if b["payload"].startswith("/dispute_charge"))
    reply = conversation.say(dispute["payload"])
    assert "opened dispute" in reply


def test_fraud_is_handed_to_a_person(stack):
    conversation = Conversation(stack, BEN)
    conversation.say("what is this charge, I never bought that")
    fraud = [b for b in conversation.buttons() if b["payload"].startswith("/report_fraud")][-1]
    reply = conversation.say(fraud["payload"])
    assert "fraud line" in reply


def test_another_customers_payment_cannot_be_disputed(stack):
    ada_payment = backend_client(stack).list_payments(stack.customer_id(ADA), limit=1)[0]
    reply = Conversation(stack, BEN).say(f'/dispute_charge{{"payment_id":"{ada_payment.id}"}}')
    assert "opened dispute" not in reply
    assert ada_payment.id not in reply
